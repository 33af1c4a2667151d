"""Broker users for adapters: each agency publishes only its own routing keys.

In deployment every adapter connects as its own RabbitMQ user named after the agency (`plc`,
`audit`, ...; the same users deploy/compose/broker_users.py and k8s/base/rabbitmq/agencies.yaml
create, with the same grants) that may only
write to the exchange `cosupervise.records`, only with routing keys `<agency>.*` (a topic
permission), and may configure and read nothing. With the `user_id` message property (which
RabbitMQ checks against the connection's user) the sharing service knows who really sent a batch.

    python -m adapters.sdk.broker definitions --vhost / > adapters-definitions.json

prints RabbitMQ definitions (users with salted SHA-256 password hashes from the environment
variables COSUPERVISE_ADAPTER_PASSWORD_<AGENCY>, permissions, topic permissions, the exchange, the
queue `sharing.records` and its binding) to import with `rabbitmqctl import_definitions` or the
RabbitMQ Cluster Operator's `definitions` import.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import sys
from urllib.parse import quote

from adapters.sdk.publisher import EXCHANGE, SHARING_QUEUE


def user_name(agency: str) -> str:
    """The broker user is the agency id: the message's user_id then names the source unit."""
    return agency


def permissions(agency: str) -> dict:
    return {"configure": "^$", "write": f"^{re.escape(EXCHANGE)}$", "read": "^$"}


def topic_permissions(agency: str) -> dict:
    return {"exchange": EXCHANGE, "write": f"^{re.escape(agency)}\\.", "read": "^$"}


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(
        salt + hashlib.sha256(salt + password.encode("utf-8")).digest()
    ).decode()


def definitions(agencies: list[str], vhost: str, passwords: dict[str, str]) -> dict:
    users, perms, topic_perms = [], [], []
    for agency in agencies:
        name = user_name(agency)
        users.append(
            {
                "name": name,
                "password_hash": password_hash(passwords[agency]),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        )
        perms.append({"user": name, "vhost": vhost, **permissions(agency)})
        topic_perms.append({"user": name, "vhost": vhost, **topic_permissions(agency)})
    return {
        "users": users,
        "permissions": perms,
        "topic_permissions": topic_perms,
        "exchanges": [
            {
                "name": EXCHANGE,
                "vhost": vhost,
                "type": "topic",
                "durable": True,
                "auto_delete": False,
                "internal": False,
                "arguments": {},
            }
        ],
        "queues": [
            {
                "name": SHARING_QUEUE,
                "vhost": vhost,
                "durable": True,
                "auto_delete": False,
                "arguments": {},
            }
        ],
        "bindings": [
            {
                "source": EXCHANGE,
                "vhost": vhost,
                "destination": SHARING_QUEUE,
                "destination_type": "queue",
                "routing_key": "#",
                "arguments": {},
            }
        ],
    }


def apply(
    management_url: str,
    vhost: str,
    agency: str,
    password: str,
    auth=("guest", "guest"),
    session=None,
    user: str | None = None,
) -> None:
    """Create or update one adapter's user and permissions through the management API."""
    import requests

    http = session or requests
    base, v = management_url.rstrip("/"), quote(vhost, safe="")
    name = quote(user or user_name(agency), safe="")
    calls = [
        (f"{base}/api/users/{name}", {"password": password, "tags": ""}),
        (f"{base}/api/permissions/{v}/{name}", permissions(agency)),
        (f"{base}/api/topic-permissions/{v}/{name}", topic_permissions(agency)),
    ]
    for url, body in calls:
        response = http.put(url, json=body, auth=auth, timeout=10)
        response.raise_for_status()


def main(argv: list[str] | None = None) -> int:
    from adapters.sdk.registry import known_agencies

    parser = argparse.ArgumentParser(prog="python -m adapters.sdk.broker")
    sub = parser.add_subparsers(dest="command", required=True)
    defs = sub.add_parser("definitions", help="RabbitMQ definitions for the adapters' users")
    defs.add_argument("--vhost", default="/")
    defs.add_argument("--agency", action="append", help="default: every known agency")
    args = parser.parse_args(argv)
    agencies = args.agency or known_agencies()
    passwords, missing = {}, []
    for agency in agencies:
        value = os.environ.get(f"COSUPERVISE_ADAPTER_PASSWORD_{agency.upper()}")
        if not value:
            missing.append(f"COSUPERVISE_ADAPTER_PASSWORD_{agency.upper()}")
        passwords[agency] = value or ""
    if missing:
        print(f"缺少密码环境变量 missing password variables: {', '.join(missing)}", file=sys.stderr)
        return 2
    print(json.dumps(definitions(agencies, args.vhost, passwords), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
