"""Demo users of API.md, written straight into the gateway's user table (only by the demo)."""

import os

from sqlalchemy.orm import Session

from contracts.units import registry
from gateway.auth import hash_password
from gateway.models import User
from runtime import clock
from runtime.engine import make_engine


def demo_users() -> list[tuple[str, str, str]]:
    users = [("office", "npc", "office_admin"), ("leader", "npc", "viewer")]
    users += [(f"{u}-liaison", u, "liaison") for u in registry().ids("agency")]
    users += [(f"{u}-reporter", u, "supervised") for u in registry().supervised()]
    return users


def password() -> str:
    return os.environ.get("COSUPERVISE_DEMO_PASSWORD", "demo")


def create() -> int:
    engine = make_engine("gateway")
    hashed = hash_password(password())
    with Session(engine) as session:
        for username, unit, role in demo_users():
            existing = session.get(User, username)
            if existing is None:
                session.add(
                    User(
                        username=username,
                        password_hash=hashed,
                        unit=unit,
                        role=role,
                        display_name=username,
                        active=True,
                        created_at=clock.now(),
                    )
                )
        session.commit()
    engine.dispose()
    return len(demo_users())
