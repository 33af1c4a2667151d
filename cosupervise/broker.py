"""Make sure RabbitMQ answers, starting a local one when it is installed."""

import shutil
import subprocess
import time
from urllib.parse import urlparse

from kombu import Connection


def answering(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:  # noqa: BLE001
        return False


def ensure(amqp_uri: str, wait_seconds: int = 90) -> None:
    if answering(amqp_uri):
        return
    host = urlparse(amqp_uri).hostname or "localhost"
    if host not in ("localhost", "127.0.0.1", "::1"):
        raise SystemExit(
            f"RabbitMQ 未在 {amqp_uri} 应答（远程主机 {host}，不会在本机代为启动）。\n"
            f"RabbitMQ is not answering at {amqp_uri}; check that broker."
        )
    server = shutil.which("rabbitmq-server") or (
        "/usr/sbin/rabbitmq-server" if shutil.os.path.exists("/usr/sbin/rabbitmq-server") else None
    )
    if not server:
        raise SystemExit(
            f"RabbitMQ 未在 {amqp_uri} 应答，且本机未安装。\n"
            f"RabbitMQ is not answering at {amqp_uri} and is not installed here.\n"
            "  Debian/Ubuntu: sudo apt-get install -y rabbitmq-server && "
            "sudo rabbitmq-server -detached\n"
            "  or point AMQP_URI at a running broker, or use `docker compose up`."
        )
    print(f"RabbitMQ 未应答，正在启动本机 {server} -detached …", flush=True)
    subprocess.run([server, "-detached"], check=False)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if answering(amqp_uri):
            return
        time.sleep(1)
    raise SystemExit(
        f"已启动 rabbitmq-server，但 {wait_seconds} 秒内仍未在 {amqp_uri} 应答。"
        " See /var/log/rabbitmq/ for why."
    )
