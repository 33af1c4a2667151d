"""A PostgreSQL database per test run, dropped afterwards."""

import os
import uuid

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get(
    "COSUPERVISE_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def _admin():
    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_database(prefix: str = "cv_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
