"""One SQLAlchemy engine per service: SQLite files by default, a PostgreSQL schema per service."""

import os
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from runtime.config import settings, var_dir


def service_database(service: str, config: dict | None = None) -> tuple[str, str | None]:
    """(url, schema) for a service. SQLite: one file each. PostgreSQL: one schema each."""
    config = config or settings()
    url = config.get("DATABASE_URL") or ""
    if not url:
        return f"sqlite:///{Path(var_dir(config)) / f'{service}.db'}", None
    if url.startswith("sqlite"):
        base = url.split("///", 1)[1] if "///" in url else str(Path(var_dir(config)) / "x.db")
        stem, _, suffix = base.rpartition(".")
        return f"sqlite:///{stem or base}-{service}.{suffix or 'db'}", None
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url, service


def _green_psycopg():
    """psycopg2 blocks in C; under eventlet, make it wait cooperatively."""
    try:
        import eventlet.patcher

        if eventlet.patcher.is_monkey_patched("socket"):
            from psycogreen.eventlet import patch_psycopg

            patch_psycopg()
    except ImportError:  # pragma: no cover - psycogreen is pinned
        pass


def make_engine(service: str, config: dict | None = None) -> Engine:
    url, schema = service_database(service, config)
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            pool_size=1,  # SQLite has one writer; a single connection serialises cleanly
            max_overflow=0,
            pool_timeout=60,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            # take the write lock up front: no "database is locked" half-way through
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    _green_psycopg()
    engine = create_engine(
        url,
        pool_size=int(os.environ.get("COSUPERVISE_DB_POOL", "8")),
        max_overflow=4,
        pool_pre_ping=True,
        execution_options={"schema_translate_map": {None: schema}},
    )

    @event.listens_for(engine, "connect")
    def _search_path(dbapi_conn, _record):
        # raw SQL and hand-written migration DDL find the service's tables too
        cursor = dbapi_conn.cursor()
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_conn.commit()

    return engine


def ensure_schema(engine: Engine, service: str):
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{service}"'))
