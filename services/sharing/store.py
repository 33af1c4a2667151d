"""Writing a screened batch: records and refusals in bulk, then the warnings they raise.

Everything here runs inside the one transaction of one message. Dedup is the database's job:
one multi-row INSERT .. ON CONFLICT DO NOTHING (SQLite: the same clause, i.e. INSERT OR IGNORE)
per batch, RETURNING only the rows that were new, so a resent record costs no round trip of
its own and is never stored twice, even by two consumers at once.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import JSON, DateTime, Integer, String, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime import clock
from runtime.ids import new_id
from runtime.pgarray import array_literal
from services.sharing import rules
from services.sharing import warnings as wr
from services.sharing.models import (
    EarlyWarning,
    Quarantined,
    Record,
    RecordManifest,
    WarningRecord,
)

# a spike is evident long before this many records in one window; bounded work per batch
MAX_WINDOW_ROWS = 5000
_DAY = timedelta(days=1)  # facts keep dates: the last day of a spike lasts until its midnight
RECORDS = Record.__table__
QUARANTINE = Quarantined.__table__
MANIFESTS = RecordManifest.__table__
WARNING_RECORDS = WarningRecord.__table__
# every row a warning rule reads back besides the new ones
RECORD_COLUMNS = (
    RECORDS.c.id,
    RECORDS.c.source_unit,
    RECORDS.c.record_id,
    RECORDS.c.type,
    RECORDS.c.subject,
    RECORDS.c.occurred_at,
    RECORDS.c.ref,
    RECORDS.c.data,
)


def _insert(session: Session, table):
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def clean(value):
    """Whatever a sender wrote, storable: PostgreSQL text holds neither NUL nor a lone surrogate
    (which JSON can smuggle in as \\ud800), and one such value must not poison a batch."""
    if not isinstance(value, str):
        return value
    return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def insert_manifest(
    session: Session, manifest: dict, *, source_unit: str, message_id: str | None, now: datetime
) -> None:
    """Keep a message's verified manifest once (a batch resent after a lost confirm has the same
    one: Ed25519 signatures are deterministic, so the same digests give the same manifest)."""
    stmt = _insert(session, MANIFESTS).on_conflict_do_nothing(index_elements=["id"])
    session.connection().execute(
        stmt,
        {
            "id": manifest["id"],
            "source_unit": source_unit,
            "scheme": manifest["scheme"],
            "key_id": clean(manifest["key_id"])[:128],
            "digests": manifest["digests"],
            "signature": clean(manifest["signature"])[:256],
            "message_id": clean(message_id),
            "received_at": now,
        },
    )


def insert_records(
    session: Session,
    good: list[dict],
    *,
    sender: str | None,
    message_id: str | None,
    now: datetime,
    manifest: dict | None = None,
    source_unit: str | None = None,
) -> list[dict]:
    """Store the verified records of one batch; return the rows that were new (with ``id``).
    ``manifest``: the message's verified manifest, kept with the records that rely on it."""
    if not good:
        return []
    sender, message_id = clean(sender), clean(message_id)
    event_ids = _uuids(len(good))
    rows = [
        rules.record_row(r, sender=sender, message_id=message_id, event_id=e, now=now)
        for r, e in zip(good, event_ids, strict=True)
    ]
    created = _insert_rows(session.connection(), rows)
    new = []
    for row, verified in zip(rows, good, strict=True):
        pk = created.get((row["source_unit"], row["record_id"]))
        if pk is not None:
            new.append({**row, "id": pk, "data": verified["data"]})
    if manifest is not None and any(row["manifest_id"] for row in new):
        # kept only when a stored record relies on it (a redelivered batch stores nothing)
        insert_manifest(session, manifest, source_unit=source_unit, message_id=message_id, now=now)
    return new


# the columns insert_records writes, in order; ``data`` takes the row's ``data_json`` as it is
# (SQLAlchemy's JSON type would encode every record's data again)
_INSERTED = (
    "source_unit",
    "record_id",
    "type",
    "subject",
    "occurred_at",
    "occurred_text",
    "ref",
    "data",
    "key_id",
    "signature",
    "manifest_id",
    "manifest_position",
    "event_id",
    "message_id",
    "sender",
    "received_at",
)
_ROW_KEYS = tuple("data_json" if name == "data" else name for name in _INSERTED)  # row dict keys
_ROWS_PER_STATEMENT = 1000  # 16 parameters a row: under SQLite's 32,766 per statement
_TAIL = " ON CONFLICT (source_unit, record_id) DO NOTHING RETURNING id, source_unit, record_id"


def _insert_rows(connection, rows: list[dict]) -> dict[tuple[str, str], int]:
    """Insert the rows, skipping those already stored; {(source_unit, record_id): id} of the new.

    Written straight to the driver: SQLAlchemy's bulk insert spent more per row on its
    parameter handling than the database on the row."""
    if connection.dialect.name == "postgresql":
        return _insert_arrays(connection, rows)
    return _insert_values(connection, rows)


def _insert_values(connection, rows: list[dict]) -> dict[tuple[str, str], int]:
    """One multi-row INSERT .. ON CONFLICT DO NOTHING RETURNING per thousand rows. Each value
    goes through the column type's own bind processor (SQLite's timestamp text), so what is
    stored is what SQLAlchemy stores."""
    dialect = connection.dialect
    processors = [
        None
        if name == "data"
        else RECORDS.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in _INSERTED
    ]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    one = "(" + ",".join([mark] * len(_INSERTED)) + ")"
    head = f"INSERT INTO {RECORDS.name} ({','.join(_INSERTED)}) VALUES "
    created = {}
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        params = []
        for row in chunk:
            for key, process in zip(_ROW_KEYS, processors, strict=True):
                value = row[key]
                params.append(
                    process(value) if process is not None and value is not None else value
                )
        sql = head + ",".join([one] * len(chunk)) + _TAIL
        for pk, unit, rid in connection.exec_driver_sql(sql, tuple(params)):
            created[(unit, rid)] = pk
    return created


_ARRAY_ROWS_PER_STATEMENT = 5000  # a whole batch (rules.MAX_RECORDS_PER_MESSAGE) at once


def _array_type(column) -> str:
    """The element type an array parameter is cast to: unbounded, so that a value too long for
    its column is refused by the INSERT as in a VALUES list (a cast to varchar(32) would cut it
    short without a word)."""
    kind = column.type
    if isinstance(kind, String):
        return "text"
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, Integer):
        return "bigint"
    raise TypeError(f"no array type for {column.name} ({kind!r})")


# PostgreSQL: INSERT .. SELECT * FROM unnest(one array per column): sixteen parameters a
# statement instead of sixteen a row (runtime.pgarray)
_ARRAY_INSERT = (
    f"INSERT INTO {RECORDS.name} ({','.join(_INSERTED)}) SELECT * FROM unnest("
    + ",".join(f"%s::{_array_type(RECORDS.c[name])}[]" for name in _INSERTED)
    + ")"
    + _TAIL
)


def _insert_arrays(connection, rows: list[dict]) -> dict[tuple[str, str], int]:
    created = {}
    for start in range(0, len(rows), _ARRAY_ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ARRAY_ROWS_PER_STATEMENT]
        params = tuple(array_literal([row[key] for row in chunk]) for key in _ROW_KEYS)
        for pk, unit, rid in connection.exec_driver_sql(_ARRAY_INSERT, params):
            created[(unit, rid)] = pk
    return created


def _uuids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs from one read of the system's randomness: the same
    values uuid.uuid4() gives, without building a UUID object per record."""
    raw = os.urandom(16 * count).hex()
    out = []
    for i in range(0, 32 * count, 32):
        h = raw[i : i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}")
    return out


def insert_refusals(
    session: Session,
    refusals: Iterable[rules.Refusal],
    *,
    sender: str | None,
    routing_key: str,
    message_id: str | None,
    now: datetime,
) -> int:
    rows = []
    for r in refusals:
        rows.append(
            {
                "fingerprint": rules.fingerprint(r, sender),
                "source_unit": sender or r.claimed_unit,
                "claimed_unit": r.claimed_unit,
                "sender": sender,
                "origin": r.origin,
                "record_id": r.record_id,
                "type": r.type,
                "code": r.code[:40],
                "reason": r.reason,
                "field": r.field,
                "file": r.file,
                "line": r.line,
                "raw": r.raw,
                "routing_key": (routing_key or "")[:128] or None,
                "message_id": message_id,
                "received_at": now,
            }
        )
    if not rows:
        return 0
    rows = [{k: clean(v) for k, v in row.items()} for row in rows]
    stmt = (
        _insert(session, QUARANTINE)
        .on_conflict_do_nothing(index_elements=["fingerprint"])
        .returning(QUARANTINE.c.id)
    )
    return len(session.connection().execute(stmt, rows).all())


# --------------------------------------------------------------------------- warnings


class Raised:
    """A warning this batch created or changed, for the event and the audit entry."""

    def __init__(self, warning: EarlyWarning, created: bool, attached: int):
        self.warning, self.created, self.attached = warning, created, attached


def attach(session: Session, warning_id: str, record_ids: Iterable[int], role: str) -> int:
    rows = [
        {"warning_id": warning_id, "record_pk": pk, "role": role}
        for pk in dict.fromkeys(record_ids)
    ]
    if not rows:
        return 0
    stmt = (
        _insert(session, WARNING_RECORDS)
        .on_conflict_do_nothing(index_elements=["warning_id", "record_pk"])
        .returning(WARNING_RECORDS.c.record_pk)
    )
    return len(session.connection().execute(stmt, rows).all())


def _get(session, rule: str, subject: str, key: str) -> EarlyWarning | None:
    return session.scalar(
        select(EarlyWarning).where(
            EarlyWarning.rule == rule, EarlyWarning.subject == subject, EarlyWarning.key == key
        )
    )


def upsert(
    session: Session,
    spec: wr.RuleSpec,
    signal: wr.Signal,
    now: datetime,
    existing: EarlyWarning | None = None,
) -> tuple[EarlyWarning, bool]:
    """The warning for this signal: created, or brought up to date when the signal is newer."""
    warning = existing or _get(session, signal.rule, signal.subject, signal.key)
    if warning is None:
        warning = EarlyWarning(
            id=new_id("warn"),
            rule=signal.rule,
            subject=signal.subject,
            key=signal.key,
            title=signal.title,
            explanation=signal.explanation,
            facts=signal.facts,
            evidence=signal.evidence,
            visible_type=spec.visible_type,
            category=spec.category,
            status="open",
            raised_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():  # another consumer may be raising it right now
                session.add(warning)
                session.flush()
            return warning, True
        except IntegrityError:
            warning = _get(session, signal.rule, signal.subject, signal.key)
            if warning is None:
                raise
    if _newer(signal, warning):
        warning.title, warning.explanation = signal.title, signal.explanation
        warning.facts = signal.facts
        if signal.evidence:
            warning.evidence = _merge_evidence(warning.evidence, signal.evidence)
        warning.updated_at = now
    return warning, False


def _newer(signal: wr.Signal, warning: EarlyWarning) -> bool:
    as_of = (warning.facts or {}).get("as_of") or (warning.facts or {}).get("last")
    new_as_of = signal.facts.get("as_of") or signal.facts.get("last")
    if as_of and new_as_of:
        return new_as_of >= as_of
    return True


def _merge_evidence(old, new) -> list:
    seen = {(e.get("kind"), e.get("id")) for e in old or []}
    return [*(old or []), *(e for e in new if (e.get("kind"), e.get("id")) not in seen)]


def evaluate_records(
    session: Session,
    specs: dict[str, wr.RuleSpec],
    new_rows: list[dict],
    now: datetime,
    name_of: Callable[[str], str],
) -> list[Raised]:
    """Run every record rule over a batch's new rows; persist what they find."""
    if not new_rows:
        return []
    raised: dict[str, Raised] = {}
    for spec in specs.values():
        if spec.evaluator == wr.RATIO_GAP:
            _ratio_gap(session, spec, new_rows, now, name_of, raised)
        elif spec.evaluator == wr.COUNT_IN_WINDOW:
            _count_in_window(session, spec, new_rows, now, name_of, raised)
    return list(raised.values())


def _note(raised: dict, warning: EarlyWarning, created: bool, attached: int):
    hit = raised.get(warning.id)
    if hit is None:
        raised[warning.id] = Raised(warning, created, attached)
    else:
        hit.created, hit.attached = hit.created or created, hit.attached + attached


def _ratio_gap(session, spec, new_rows, now, name_of, raised):
    latest: dict[tuple[str, str], wr.Signal] = {}
    triggers: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in new_rows:
        signal = wr.ratio_gap(spec, row, name_of)
        if signal is None:
            continue
        key = (signal.subject, signal.key)
        triggers[key].extend(signal.records)
        if key not in latest or (signal.facts["as_of"], signal.records) >= (
            latest[key].facts["as_of"],
            latest[key].records,
        ):
            latest[key] = signal
    joined = (*spec.trigger_types, *spec.evidence_types)
    for key, signal in latest.items():
        signal.records = triggers[key]
        warning, created = upsert(session, spec, signal, now)
        attached = attach(session, warning.id, signal.records, "trigger")
        if created and signal.facts.get("project_id"):
            # the project's history and what other agencies said about it, already stored
            earlier = session.scalars(
                select(Record.id).where(
                    Record.ref == str(signal.facts["project_id"]), Record.type.in_(joined)
                )
            )
            attached += attach(
                session, warning.id, [pk for pk in earlier if pk not in signal.records], "evidence"
            )
        _note(raised, warning, created, attached)
    # a new record about a project that already has a warning joins it as evidence
    refs = {row["ref"] for row in new_rows if row.get("ref") and row["type"] in joined}
    if not refs:
        return
    for warning in session.scalars(
        select(EarlyWarning).where(EarlyWarning.rule == spec.code, EarlyWarning.key.in_(refs))
    ):
        pks = [
            row["id"] for row in new_rows if row.get("ref") == warning.key and row["type"] in joined
        ]
        attached = attach(session, warning.id, pks, "evidence")
        if attached:
            warning.updated_at = now
            _note(raised, warning, False, attached)


def _count_in_window(session, spec, new_rows, now, name_of, raised):
    window = timedelta(days=int(spec.params["window_days"]))
    by_subject: dict[str, list[dict]] = defaultdict(list)
    for row in new_rows:
        if row["type"] in spec.trigger_types:
            by_subject[row["subject"]].append(row)
    if not by_subject:
        return
    open_spikes: dict[str, list[EarlyWarning]] = defaultdict(list)
    for w in session.scalars(
        select(EarlyWarning).where(
            EarlyWarning.rule == spec.code,
            EarlyWarning.status == "open",
            EarlyWarning.subject.in_(list(by_subject)),
        )
    ):
        open_spikes[w.subject].append(w)
    for subject, rows in by_subject.items():
        rows = _extend_open_spike(session, open_spikes.get(subject, []), rows, window, now, raised)
        if not rows:
            continue
        lo = min(r["occurred_at"] for r in rows) - window
        hi = max(r["occurred_at"] for r in rows) + window
        # times only (the index answers it); the contents only for the records of a spike
        around = [
            {**r._mapping, "occurred_at": _aware(r.occurred_at)}
            for r in session.execute(
                select(RECORDS.c.id, RECORDS.c.type, RECORDS.c.subject, RECORDS.c.occurred_at)
                .where(
                    Record.subject == subject,
                    Record.occurred_at.between(lo, hi),
                    Record.type.in_(spec.trigger_types),
                )
                .order_by(Record.occurred_at)
                .limit(MAX_WINDOW_ROWS)
            )
        ]
        new_ids = [r["id"] for r in rows]
        signal = wr.count_in_window(spec, around, new_ids, name_of)
        if signal is None:
            continue
        data = dict(
            session.execute(
                select(Record.id, Record.data).where(Record.id.in_(signal.records[:500]))
            ).all()
        )
        signal = wr.count_in_window(
            spec, [{**r, "data": data.get(r["id"])} for r in around], new_ids, name_of
        )
        existing = _get(session, spec.code, subject, signal.key) or _overlapping(
            session, spec.code, subject, signal, window
        )
        warning, created = upsert(session, spec, signal, now, existing)
        attached = attach(session, warning.id, signal.records, "trigger")
        if not created and existing is not None and existing.status == "open":
            # the spike grew: say so with every record in it
            count = session.scalar(
                select(func.count())
                .select_from(WarningRecord)
                .where(WarningRecord.warning_id == warning.id)
            )
            warning.facts = {
                **(warning.facts or {}),
                "count": count,
                "last": max(signal.facts["last"], (warning.facts or {}).get("last", "")),
            }
        _note(raised, warning, created, attached)


def _extend_open_spike(session, warnings, rows, window, now, raised) -> list[dict]:
    """Records that fall inside an open spike's window join it at once (no re-evaluation: the
    spike is already known); the rest are returned for the rule to look at."""
    rest = []
    for warning in warnings:
        facts = warning.facts or {}
        if not facts.get("first") or not facts.get("last"):
            continue
        first = datetime.fromisoformat(facts["first"]).replace(tzinfo=clock.LOCAL_TZ)
        last = datetime.fromisoformat(facts["last"]).replace(tzinfo=clock.LOCAL_TZ)
        inside = [r for r in rows if first - window <= r["occurred_at"] <= last + _DAY + window]
        if not inside:
            continue
        attached = attach(session, warning.id, [r["id"] for r in inside], "trigger")
        if attached:
            latest = max(r["occurred_at"] for r in inside).astimezone(clock.LOCAL_TZ).date()
            warning.facts = {
                **facts,
                "count": int(facts.get("count") or 0) + attached,
                "last": max(facts["last"], latest.isoformat()),
            }
            warning.updated_at = now
            _note(raised, warning, False, attached)
        rows = [r for r in rows if r not in inside]
    rest.extend(rows)
    return rest


def _overlapping(session, rule, subject, signal, window) -> EarlyWarning | None:
    """An open warning of the same spike: its last record within the window of this one."""
    for warning in session.scalars(
        select(EarlyWarning)
        .where(
            EarlyWarning.rule == rule,
            EarlyWarning.subject == subject,
            EarlyWarning.status == "open",
        )
        .order_by(EarlyWarning.raised_at.desc())
    ):
        last = (warning.facts or {}).get("last")
        if (
            last
            and datetime.fromisoformat(signal.facts["first"]) - datetime.fromisoformat(last)
            <= window
        ):
            return warning
    return None


def _attached(session, warning_id) -> list[int]:
    return list(
        session.scalars(
            select(WarningRecord.record_pk).where(WarningRecord.warning_id == warning_id)
        )
    )


def _aware(value):
    return clock.aware(value)
