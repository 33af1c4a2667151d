"""`cosupervise up`: one child process per service plus the gateway, started and stopped together."""

import os
import signal
import subprocess
import sys
import time

import requests

from runtime.config import settings
from runtime.migrations import enabled_services

ORDER = ("planning", "leads", "rectification", "research", "sharing", "gateway")


def running_services() -> list[str]:
    """Every enabled service (see enabled_services), then the gateway."""
    enabled = set(enabled_services()) | {"gateway"}
    return [name for name in ORDER if name in enabled]


def start_children(names) -> dict[str, subprocess.Popen]:
    children = {}
    for name in names:
        children[name] = subprocess.Popen(
            [sys.executable, "-m", "cosupervise.cli", "serve", name],
            env=os.environ.copy(),
        )
    return children


def wait_ready(base_url: str, children, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for name, child in children.items():
            if child.poll() is not None:
                raise SystemExit(f"服务 {name} 启动失败，退出码 {child.returncode}")
        try:
            r = requests.get(f"{base_url}/readyz", timeout=8)
            if r.status_code == 200:
                return
            last = r.text
        except requests.RequestException as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SystemExit(f"{timeout:.0f} 秒内平台未就绪：{last}")


def stop_children(children, grace: float = 30) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        remaining = max(0.1, deadline - time.monotonic())
        try:
            child.wait(remaining)
        except subprocess.TimeoutExpired:
            child.kill()


def base_url() -> str:
    host, _, port = settings()["http"]["gateway"].rpartition(":")
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{host}:{port}"


def supervise(children) -> int:
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"服务 {name} 已退出（{child.returncode}），正在停止平台", flush=True)
                    stopping.append(name)
                    break
            time.sleep(0.5)
    finally:
        stop_children(children)
    return 0 if all(isinstance(s, int) for s in stopping) else 1
