"""The three runtime tables every service keeps in its own schema."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

BIGINT = BigInteger().with_variant(Integer(), "sqlite")


def add_runtime_tables(metadata: MetaData) -> dict[str, Table]:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BIGINT, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(80), nullable=False),
        Column("body", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text),
    )
    processed = Table(
        "processed_events",
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("consumer", String(120), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    audit_log = Table(
        "audit_log",
        metadata,
        Column("seq", BIGINT, primary_key=True, autoincrement=False),
        Column("at", String(40), nullable=False),
        Column("actor", String(120)),
        Column("unit", String(60)),
        Column("role", String(30)),
        Column("entity", String(60), nullable=False),
        Column("entity_id", String(64), nullable=False),
        Column("action", String(60), nullable=False),
        Column("before", JSON),
        Column("after", JSON),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        Column("outcome", String(20), nullable=False, default="applied"),
    )
    audit_head = Table(
        "audit_head",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("seq", BIGINT, nullable=False),
        Column("hash", String(64), nullable=False),
    )
    from sqlalchemy import Index

    Index("ix_audit_log_entity", audit_log.c.entity, audit_log.c.entity_id)
    return {
        "outbox": outbox,
        "processed_events": processed,
        "audit_log": audit_log,
        "audit_head": audit_head,
    }
