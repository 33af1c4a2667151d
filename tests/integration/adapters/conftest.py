"""The real RabbitMQ, in a fresh vhost per test (created and deleted via the management API)."""

import json
import os
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MANAGEMENT = os.environ.get("RABBIT_MANAGEMENT", "http://guest:guest@127.0.0.1:15672")
AMQP_HOST = os.environ.get("RABBIT_AMQP_HOST", "127.0.0.1:5672")
SAMPLES = {
    a: ROOT / "adapters" / a / "samples"
    for a in ("cdi", "plc", "inspection", "audit", "finance", "statistics")
}


def _mgmt():
    parsed = urlparse(MANAGEMENT)
    base = f"{parsed.scheme}://{parsed.hostname}:{parsed.port or 15672}"
    return base, (parsed.username or "guest", parsed.password or "guest")


class Rabbit:
    def __init__(self, vhost: str):
        self.vhost = vhost
        self.base, self.auth = _mgmt()
        self.uri = f"amqp://guest:guest@{AMQP_HOST}/{quote(vhost, safe='')}"

    def api(self, method, path, **kwargs):
        response = requests.request(
            method, f"{self.base}/api/{path}", auth=self.auth, timeout=10, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def drain(self, queue="sharing.records"):
        """Every message on the queue (consumed), as (routing_key, properties, body)."""
        import amqp.exceptions
        import kombu

        out = []
        with kombu.Connection(self.uri) as conn:
            channel = conn.channel()
            while True:
                try:
                    message = channel.basic_get(queue=queue, no_ack=False)
                except amqp.exceptions.NotFound:
                    return out  # nothing was ever published here
                if message is None:
                    break
                out.append(
                    (
                        message.delivery_info["routing_key"],
                        dict(message.properties),
                        json.loads(message.body),
                    )
                )
                channel.basic_ack(message.delivery_tag)
            channel.close()
        return out


@pytest.fixture
def rabbit():
    vhost = f"test-adapters-{uuid.uuid4().hex[:10]}"
    r = Rabbit(vhost)
    try:
        r.api("PUT", f"vhosts/{vhost}")
    except requests.RequestException as exc:
        pytest.fail(f"RabbitMQ management API not reachable at {r.base}: {exc}")
    r.api(
        "PUT", f"permissions/{vhost}/guest", json={"configure": ".*", "write": ".*", "read": ".*"}
    )
    yield r
    try:
        r.api("DELETE", f"vhosts/{vhost}")
    except requests.RequestException:
        pass


@pytest.fixture
def var(tmp_path, monkeypatch):
    folder = tmp_path / "var"
    monkeypatch.setenv("COSUPERVISE_VAR", str(folder))
    monkeypatch.setenv("COSUPERVISE_CONFIG", str(ROOT / "config" / "cosupervise.yaml"))
    monkeypatch.delenv("AMQP_URI", raising=False)
    return folder


@pytest.fixture
def samples():
    return SAMPLES
