"""Alembic, one history per service, in that service's own database or schema."""

import importlib
import tempfile
from pathlib import Path

from alembic import command, context
from alembic.config import Config

from runtime.config import ROOT
from runtime.engine import ensure_schema, make_engine

# the gateway keeps local users and notifications; it migrates like a service
MIGRATED = ("planning", "leads", "rectification", "research", "sharing", "gateway")


def _package(name: str) -> str:
    return "gateway" if name == "gateway" else f"services.{name}"


def available() -> list[str]:
    return [
        n
        for n in MIGRATED
        if (ROOT / _package(n).replace(".", "/") / "migrations" / "env.py").exists()
    ]


def enabled_services() -> list[str]:
    """The services this installation runs: every built one, or COSUPERVISE_SERVICES' list."""
    import os

    built = [n for n in available() if n != "gateway"]
    wanted = os.environ.get("COSUPERVISE_SERVICES")
    if wanted:
        names = {n.strip() for n in wanted.split(",")}
        built = [n for n in built if n in names]
    return built


def alembic_config(name: str, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(ROOT / _package(name).replace(".", "/") / "migrations")
    )
    cfg.attributes["service"] = name
    cfg.attributes["connection"] = connection
    return cfg


def run_env(metadata):
    """Called from each service's migrations/env.py."""
    cfg = context.config
    connection = cfg.attributes["connection"]
    schema = cfg.attributes["service"] if connection.dialect.name == "postgresql" else None
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def upgrade(name: str, engine=None) -> None:
    engine = engine or make_engine(name)
    ensure_schema(engine, name)
    with engine.begin() as conn:
        command.upgrade(alembic_config(name, conn), "head")
    engine.dispose()


def upgrade_all() -> list[str]:
    done = []
    for name in available():
        upgrade(name)
        done.append(name)
    return done


def make_revision(name: str, message: str) -> None:
    """Autogenerate the next revision by comparing the models with a scratch SQLite database."""
    importlib.import_module(_package(name) + (".models" if name != "gateway" else ".models"))
    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        with engine.begin() as conn:
            cfg = alembic_config(name, conn)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)
