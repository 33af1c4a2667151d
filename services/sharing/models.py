"""Tables the sharing service owns.

`records` is the big one (issue 9 loads a million rows): an integer key, the dedup constraint
on (source_unit, record_id) that bulk inserts lean on, and the indexes the lists, the portrait
and the warning rules read by.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runtime.tables import add_runtime_tables

BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


RUNTIME_TABLES = add_runtime_tables(Base.metadata)


class Record(Base):
    """One agency record as it arrived, with its provenance and its signature (re-verifiable)."""

    __tablename__ = "records"
    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    source_unit: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(128))
    occurred_at = mapped_column(DateTime(timezone=True))
    # the matter a record is about across agencies (a project id): warning rules join on it
    ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    data: Mapped[dict] = mapped_column(JSON)
    key_id: Mapped[str] = mapped_column(String(128))
    # the record's own Ed25519 signature; empty when its message's manifest vouches for it
    signature: Mapped[str] = mapped_column(String(256))
    event_id: Mapped[str] = mapped_column(String(36))
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sender: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at = mapped_column(DateTime(timezone=True))
    # occurred_at as the agency sent it (its offset included): what the signature covers, which
    # the timestamp column cannot give back. NULL on rows stored before it was kept.
    occurred_text: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the manifest form: which stored manifest lists this record's digest, and where. No foreign
    # key: a bulk insert of a million rows should not pay a lookup per row for it.
    manifest_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    manifest_position: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        UniqueConstraint("source_unit", "record_id", name="uq_records_source_record"),
        Index("ix_records_subject_occurred", "subject", "occurred_at"),
        # no index on occurred_at alone: every list across types is a merge of each type's
        # newest (services.sharing.pages), and each index ordered by occurred_at costs every
        # stored batch a write of the index pages it touched (migration 7d1e0c5a2b91)
        Index("ix_records_type_occurred", "type", "occurred_at"),
        Index("ix_records_ref", "ref"),
    )


class RecordManifest(Base):
    """A message's signed manifest (contracts.records, the manifest form): the SHA-256 of each
    of its records, signed once by the agency. Kept so that the records it vouches for can be
    verified again (contracts.records.reverify_stored); one row per distinct manifest."""

    __tablename__ = "record_manifests"
    # SHA-256 (hex) of the manifest's signed bytes
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_unit: Mapped[str] = mapped_column(String(32))
    scheme: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(128))
    digests: Mapped[list] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(String(256))
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    received_at = mapped_column(DateTime(timezone=True))


class RecordCount(Base):
    """How many records each subject has of each type, and (subject ``*``) each type in all:
    kept in the transaction that stores the records, so totals, the portrait's counts and the
    dashboard never count a million rows (issue 9)."""

    __tablename__ = "record_counts"
    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    type: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(BIGINT)


class Quarantined(Base):
    """A record refused by the adapter (reported over the bus) or on arrival here, with why."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    # the same refusal reported twice (a resent file, a redelivered batch) is kept once
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    # the agency it is shown to: the broker-verified sender when known, else what it claimed
    source_unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sender: Mapped[str | None] = mapped_column(String(64), nullable=True)
    origin: Mapped[str] = mapped_column(String(16))  # adapter | sharing
    record_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(120), nullable=True)
    file: Mapped[str | None] = mapped_column(String(255), nullable=True)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    raw: Mapped[str | None] = mapped_column(Text, nullable=True)
    routing_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    received_at = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_quarantine_unit_received", "source_unit", "received_at"),
        Index("ix_quarantine_received", "received_at"),
    )


class EarlyWarning(Base):
    __tablename__ = "warnings"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(128))
    # what one warning of the rule is about (a project id, a spike's first day, a task id)
    key: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(300))
    explanation: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    # evidence that is not a shared record (a verified task, a new problem)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    # readers follow this record type's sharing rule; NULL: every coordinating unit
    visible_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    category: Mapped[str] = mapped_column(String(40), default="default")
    status: Mapped[str] = mapped_column(String(20))  # open | converting | converted | dismissed
    lead_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    to_unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    handled_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    handled_unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    handled_at = mapped_column(DateTime(timezone=True), nullable=True)
    dismiss_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    raised_at = mapped_column(DateTime(timezone=True))
    updated_at = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("rule", "subject", "key", name="uq_warnings_rule_subject_key"),
        Index("ix_warnings_status", "status"),
        Index("ix_warnings_subject", "subject"),
        Index("ix_warnings_rule_key", "rule", "key"),
    )


class WarningRecord(Base):
    """The shared records a warning rests on."""

    __tablename__ = "warning_records"
    warning_id: Mapped[str] = mapped_column(ForeignKey("warnings.id"), primary_key=True)
    record_pk: Mapped[int] = mapped_column(BIGINT, ForeignKey("records.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # trigger | evidence

    __table_args__ = (Index("ix_warning_records_record", "record_pk"),)


class RectificationFact(Base):
    """What rectification announced that a rule needs: verified tasks and recorded problems."""

    __tablename__ = "rectification_facts"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<kind>:<id>"
    kind: Mapped[str] = mapped_column(String(20))  # verified_task | problem
    ref_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), index=True)
    title: Mapped[str] = mapped_column(String(300))
    problem_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at = mapped_column(DateTime(timezone=True))


class Result(Base):
    """成果共用: an item's conclusion, a final research report or an issued circular."""

    __tablename__ = "results"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # item_conclusion | research_output | circular
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text, default="")
    source_unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    units: Mapped[list] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin_kind: Mapped[str] = mapped_column(String(20))
    origin_id: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("origin_kind", "origin_id", name="uq_results_origin"),
        Index("ix_results_kind_created", "kind", "created_at"),
    )


class Reuse(Base):
    __tablename__ = "reuses"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    result_id: Mapped[str] = mapped_column(ForeignKey("results.id"), index=True)
    unit: Mapped[str] = mapped_column(String(60))
    user: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text)
    at = mapped_column(DateTime(timezone=True))
