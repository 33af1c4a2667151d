"""A RabbitMQ vhost per test run, made and removed through the management API."""

import os
import uuid
from urllib.parse import quote, urlparse, urlunparse

import requests

MANAGEMENT = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
AMQP_BASE = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def _auth():
    u = urlparse(AMQP_BASE)
    return (u.username or "guest", u.password or "guest")


def create_vhost(prefix: str = "cv-test") -> tuple[str, str]:
    """(vhost, amqp uri) of a fresh vhost the test user may use fully."""
    vhost = f"{prefix}-{uuid.uuid4().hex[:10]}"
    name = quote(vhost, safe="")
    user, _ = auth = _auth()
    requests.put(f"{MANAGEMENT}/api/vhosts/{name}", auth=auth, timeout=10).raise_for_status()
    requests.put(
        f"{MANAGEMENT}/api/permissions/{name}/{quote(user, safe='')}",
        auth=auth,
        timeout=10,
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    uri = urlunparse(urlparse(AMQP_BASE)._replace(path="/" + name))
    return vhost, uri


def delete_vhost(vhost: str) -> None:
    requests.delete(f"{MANAGEMENT}/api/vhosts/{quote(vhost, safe='')}", auth=_auth(), timeout=10)


def queue_depth(vhost: str, queue: str) -> int:
    r = requests.get(
        f"{MANAGEMENT}/api/queues/{quote(vhost, safe='')}/{quote(queue, safe='')}",
        auth=_auth(),
        timeout=10,
    )
    r.raise_for_status()
    return int(r.json().get("messages", 0))
