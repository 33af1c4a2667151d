"""Security tests against one real stack (`cosupervise up --demo`, its own vhost, var and port):
the HTTP API fuzzed, every route tried by every kind of caller, bad adapter messages sent
straight onto the bus. Tokens come from the demo users' logins, plus forged ones.
"""

import base64
import json
import os
import time
from pathlib import Path

import jwt
import pytest
import requests

from tests.support.stack import Stack

AGENCIES = ("cdi", "plc", "inspection", "audit", "finance", "statistics")
# who calls: demo users by name, and callers that must never get in
USERS = [
    "office",
    "leader",
    *(f"{a}-liaison" for a in AGENCIES),
    "court-reporter",
    "rural-reporter",
]
INTRUDERS = ["anonymous", "forged", "expired", "alg_none", "tampered"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/security/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def stack():
    s = Stack(demo=True, database=os.environ.get("COSUPERVISE_SECURITY_DATABASE", "sqlite"))
    s.start(timeout=240)
    yield s
    s.stop()


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class Callers:
    """Authorization headers for every demo user and every kind of intruder."""

    def __init__(self, stack):
        self.stack = stack
        self.tokens = {u: stack.token(u) for u in USERS}
        secret = (Path(stack.var) / "dev-jwt-secret").read_text().strip()
        now = int(time.time())
        office = {
            "sub": "office",
            "unit": "npc",
            "role": "office_admin",
            "iss": "cosupervise",
            "aud": "cosupervise-api",
            "iat": now,
            "exp": now + 600,
        }
        self.tokens["forged"] = jwt.encode(office, "not-the-key-" + "x" * 40, algorithm="HS256")
        self.tokens["expired"] = jwt.encode(
            {**office, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"
        )
        self.tokens["alg_none"] = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(office)}."
        # a real liaison's token with its role raised to office_admin, signature kept
        header, _, signature = self.tokens["cdi-liaison"].split(".")
        claims = jwt.decode(self.tokens["cdi-liaison"], options={"verify_signature": False})
        self.tokens["tampered"] = (
            f"{header}.{_b64({**claims, 'role': 'office_admin', 'unit': 'npc'})}.{signature}"
        )

    def headers(self, who: str) -> dict:
        if who == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def session(self, who: str) -> requests.Session:
        s = requests.Session()
        s.headers.update(self.headers(who))
        return s


@pytest.fixture(scope="session")
def callers(stack):
    return Callers(stack)
