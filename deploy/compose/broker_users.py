"""Create one RabbitMQ user per agency for docker-compose, with the least rights an adapter needs.

Kubernetes gets the same users from the Messaging Topology Operator (k8s/base/rabbitmq/agencies);
tests/deploy checks that both places grant exactly what `agency_grants` says.

An adapter may only publish to the exchange `cosupervise.records`, and only with routing keys of
its own agency (`cdi.case_concluded`, never `audit.finding`): RabbitMQ's topic permissions enforce
that, and the broker stamps the message's `user_id`, so the sharing service knows who sent it.

Passwords are generated on first run and kept in $BROKER_CREDENTIALS_DIR/<agency>.uri (a volume
only the adapters and this job mount); a second run keeps them, so a restarted stack still works.
Runs with the standard library only (it talks to the management HTTP API).

    python deploy/compose/broker_users.py            # reads the environment below
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

RECORDS_EXCHANGE = "cosupervise.records"
# Same rule as contracts.records.AGENCY_RE (this file runs without the project installed).
AGENCY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
AGENCIES = ("cdi", "plc", "inspection", "audit", "finance", "statistics")


def agency_grants(agency: str, exchange: str = RECORDS_EXCHANGE) -> dict:
    """What an agency's adapter may do on the broker (vhost and topic permissions).

    configure: nothing (the adapter only checks the exchange and queue passively, which needs no
    permission; `cosupervise migrate` declares them); write: the records exchange only; read:
    nothing. Topic permission: routing keys that start with `<agency>.` on that exchange only.
    """
    if not AGENCY_RE.match(agency or ""):
        raise ValueError(f"invalid agency id: {agency!r}")
    only_exchange = "^" + exchange.replace(".", r"\.") + "$"
    return {
        "permissions": {"configure": "^$", "write": only_exchange, "read": "^$"},
        "topic_permissions": {"exchange": exchange, "write": "^" + agency + r"\.", "read": "^$"},
    }


def amqp_uri(user: str, password: str, host: str, port: int = 5672, vhost: str = "/") -> str:
    quote = urllib.parse.quote
    return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{quote(vhost, safe='')}"


class Management:
    """The few calls of RabbitMQ's management HTTP API this job needs."""

    def __init__(self, url: str, user: str, password: str):
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def put(self, path: str, body: dict) -> None:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers=self.headers, method="PUT"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                request = urllib.request.Request(self.url + "/api/overview", headers=self.headers)
                with urllib.request.urlopen(request, timeout=5):
                    return
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)


def ensure_agency(api: Management, agency: str, password: str, vhost: str = "/") -> None:
    grants = agency_grants(agency)
    v = urllib.parse.quote(vhost, safe="")
    api.put(f"/api/users/{agency}", {"password": password, "tags": ""})
    api.put(f"/api/permissions/{v}/{agency}", grants["permissions"])
    api.put(f"/api/topic-permissions/{v}/{agency}", grants["topic_permissions"])


def load_or_create_password(folder: Path, agency: str) -> str:
    """The agency's password from its saved URI, or a new random one."""
    saved = folder / f"{agency}.password"
    if saved.exists():
        return saved.read_text().strip()
    password = secrets.token_urlsafe(24)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password


def main(env: dict | None = None) -> int:
    env = dict(os.environ if env is None else env)
    api = Management(
        env.get("RABBITMQ_MANAGEMENT_URL", "http://rabbitmq:15672"),
        env.get("RABBITMQ_ADMIN_USER", "guest"),
        env.get("RABBITMQ_ADMIN_PASSWORD", "guest"),
    )
    folder = Path(env.get("BROKER_CREDENTIALS_DIR", "/var/lib/cosupervise/broker"))
    host = env.get("RABBITMQ_HOST", "rabbitmq")
    vhost = env.get("RABBITMQ_VHOST", "/")
    agencies = [a for a in env.get("AGENCIES", " ".join(AGENCIES)).split() if a]
    api.wait(float(env.get("RABBITMQ_WAIT_SECONDS", "120")))
    # The exchange must exist for its topic permissions to matter; `cosupervise migrate` declares
    # it too, with the same arguments.
    v = urllib.parse.quote(vhost, safe="")
    api.put(f"/api/exchanges/{v}/{RECORDS_EXCHANGE}", {"type": "topic", "durable": True})
    for agency in agencies:
        password = load_or_create_password(folder, agency)
        ensure_agency(api, agency, password, vhost)
        uri_file = folder / f"{agency}.uri"
        fd = os.open(uri_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(amqp_uri(agency, password, host, vhost=vhost))
        print(f"broker user {agency}: publish to {RECORDS_EXCHANGE} with keys {agency}.*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
