"""The sharing mechanism's rules as plain functions: who sent a batch, which records pass, who reads what.

No broker and no database here: the consumer hands a delivery in, gets back the records to store
and the refusals to quarantine; the service asks who may read which record types.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from contracts.errors import Forbidden, RuleViolation
from contracts.records import (
    AGENCY_RE,
    REASON_TEXT,
    SCHEMA_INVALID,
    RecordRejected,
    manifest_payload,
    verify_manifest,
    verify_manifest_record,
    verify_record,
)

# A batch larger than this is refused whole: the SDK sends at most 5,000 records a message.
MAX_RECORDS_PER_MESSAGE = 5000
MAX_QUARANTINE_REPORTS = 5000
MAX_RAW_CHARS = 4000
PAUSE_EVERY = 100

# refusals that only the receiving side can see (the adapter's own are in contracts.records)
BATCH_MALFORMED = "batch_malformed"
SENDER_UNKNOWN = "sender_unknown"
FORGED_SENDER = "forged_sender"
ROUTING_NOT_OWN = "routing_not_own"
TOO_MANY = "batch_too_large"

RECEIVER_REASONS = {
    BATCH_MALFORMED: '消息格式错误，应为 {"records": [...]} 的 JSON 对象',
    SENDER_UNKNOWN: "无法确认发送方：消息的 user_id 不是已登记的机构适配器账号",
    FORGED_SENDER: "记录声称的来源单位与实际发送方不符（冒用其他单位名义）",
    ROUTING_NOT_OWN: "路由键不属于发送方单位",
    TOO_MANY: f"单条消息的记录数超过上限 {MAX_RECORDS_PER_MESSAGE}",
}


def reason_text(code: str) -> str:
    return RECEIVER_REASONS.get(code) or REASON_TEXT.get(code) or code


# --------------------------------------------------------------------------- deliveries


@dataclass
class Delivery:
    """One message from queue `sharing.records`, as the broker handed it over."""

    body: bytes | str | dict | list | None
    routing_key: str = ""
    user_id: str | None = None
    message_id: str | None = None

    def key(self) -> str:
        """The message's identity: the adapter's batch id, else a digest of its body."""
        if self.message_id:
            return str(self.message_id)[:128]
        raw = (
            self.body
            if isinstance(self.body, bytes)
            else json.dumps(self.body, ensure_ascii=False, sort_keys=True, default=str).encode(
                "utf-8"
            )
        )
        return "sha256:" + hashlib.sha256(raw).hexdigest()[:40]


@dataclass
class Refusal:
    """A record (or a whole batch) that goes to the quarantine, and why."""

    code: str
    reason: str
    origin: str = "sharing"  # sharing: refused here; adapter: refused by the agency's adapter
    field: str | None = None
    record_id: str | None = None
    type: str | None = None
    claimed_unit: str | None = None
    raw: str | None = None
    file: str | None = None
    line: int | None = None


@dataclass
class Screened:
    sender: str | None
    good: list[dict] = field(default_factory=list)  # canonical record + source_unit + key_id ...
    refused: list[Refusal] = field(default_factory=list)
    duplicates_in_batch: int = 0
    # the message's verified manifest (id, scheme, key_id, digests, signature), when its records
    # came in the manifest form; stored with them so they can be verified again later
    manifest: dict | None = None


def resolve_sender(
    user_id: str | None,
    routing_key: str,
    agencies: Iterable[str],
    trusted_users: Iterable[str] = (),
    user_agencies: Mapping[str, str] | None = None,
) -> tuple[str | None, str | None]:
    """(sender agency, refusal code).

    The broker stamps ``user_id`` (it refuses a message whose user_id is not the connection's
    user). An agency's adapter connects as its own user, named after the agency or mapped to it
    by config ``records_broker_users``. On a development broker where every adapter connects as
    one trusted user (config ``records_trusted_users``, default ``guest``), the routing key's
    agency is the sender — topic permissions guard routing keys in deployment.
    """
    agencies = set(agencies)
    prefix = (routing_key or "").partition(".")[0]
    agency = (user_agencies or {}).get(user_id or "") or (user_id if user_id in agencies else None)
    if agency:
        return agency, (None if prefix == agency else ROUTING_NOT_OWN)
    if user_id and user_id in set(trusted_users):
        if prefix in agencies:
            return prefix, None
    return None, SENDER_UNKNOWN


def storable(text: str) -> str:
    """What a sender wrote, as text any database keeps: no NUL, no lone surrogate."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _raw(value) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return storable(text[:MAX_RAW_CHARS])


def _str(value, limit=128) -> str | None:
    return storable(value[:limit]) if isinstance(value, str) and value else None


def _refuse_record(
    record,
    code: str,
    message: str | None = None,
    field: str | None = None,
) -> Refusal:
    rec = record if isinstance(record, Mapping) else {}
    return Refusal(
        code=code,
        reason=storable(message or reason_text(code)),
        field=field,
        record_id=_str(rec.get("record_id")),
        type=_str(rec.get("type"), 80),
        claimed_unit=_str(rec.get("source_unit"), 64),
        raw=_raw(record),
    )


def parse_body(body) -> dict | None:
    if isinstance(body, (bytes, bytearray)):
        try:
            body = json.loads(bytes(body).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
    elif isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    return body if isinstance(body, dict) else None


def screen(
    delivery: Delivery,
    *,
    public_keys: Callable,
    record_kinds: Mapping[str, Iterable[str]],
    trusted_users: Iterable[str] = (),
    user_agencies: Mapping[str, str] | None = None,
    pause: Callable[[], None] | None = None,
) -> Screened:
    """Split a delivery into records to store and refusals to quarantine. Never raises for bad
    input: whatever an adapter sends ends up in one of the two lists."""
    sender, problem = resolve_sender(
        delivery.user_id, delivery.routing_key, record_kinds, trusted_users, user_agencies
    )
    out = Screened(sender=sender)
    body = parse_body(delivery.body)
    if body is None:
        out.refused.append(
            Refusal(
                code=BATCH_MALFORMED,
                reason=reason_text(BATCH_MALFORMED),
                raw=_raw(
                    delivery.body
                    if not isinstance(delivery.body, bytes)
                    else delivery.body[:MAX_RAW_CHARS].decode("utf-8", "replace")
                ),
            )
        )
        return out
    records, reports = body.get("records"), body.get("quarantine")
    if (
        records is None
        and reports is None
        or (records is not None and not isinstance(records, list))
        or (reports is not None and not isinstance(reports, list))
    ):
        out.refused.append(
            Refusal(code=BATCH_MALFORMED, reason=reason_text(BATCH_MALFORMED), raw=_raw(body))
        )
        return out
    records, reports = records or [], reports or []
    if problem:
        # nobody vouches for these: refuse every record, keep what was claimed for the record
        out.refused.extend(_refuse_record(r, problem) for r in records[:MAX_RECORDS_PER_MESSAGE])
        if reports:
            out.refused.append(
                Refusal(code=problem, reason=reason_text(problem), raw=_raw(reports[:20]))
            )
        return out
    out.refused.extend(adapter_refusal(e) for e in reports[:MAX_QUARANTINE_REPORTS])
    if len(records) > MAX_RECORDS_PER_MESSAGE:
        out.refused.append(
            Refusal(code=TOO_MANY, reason=reason_text(TOO_MANY), raw=_raw(records[:3]))
        )
        return out

    cache: dict[tuple[str, str], object] = {}

    def lookup(agency, key_id):
        if (agency, key_id) not in cache:
            cache[(agency, key_id)] = public_keys(agency, key_id)
        return cache[(agency, key_id)]

    manifest = body.get("manifest")
    digests: list[str] | None = None
    manifest_refusal: RecordRejected | None = None
    if manifest is not None and any(
        isinstance(r, Mapping) and "signature" not in r for r in records
    ):
        # one signature for the message; each record then only has to match its digest
        try:
            digests = verify_manifest(manifest, len(records), sender, lookup)
        except RecordRejected as exc:
            manifest_refusal = exc
        else:
            out.manifest = {
                "id": hashlib.sha256(manifest_payload(manifest)).hexdigest(),
                "scheme": manifest["scheme"],
                "key_id": manifest["key_id"],
                "digests": digests,
                "signature": manifest["signature"],
            }

    seen: set[str] = set()
    for position, record in enumerate(records):
        if pause is not None and position % PAUSE_EVERY == PAUSE_EVERY - 1:
            pause()  # verifying is CPU work: let the process answer its other callers meanwhile
        claimed = record.get("source_unit") if isinstance(record, Mapping) else None
        if isinstance(claimed, str) and claimed and claimed != sender:
            out.refused.append(
                _refuse_record(
                    record,
                    FORGED_SENDER,
                    f"{reason_text(FORGED_SENDER)}：记录声称 {storable(claimed[:64])}，实际发送方 {sender}",
                    field="source_unit",
                )
            )
            continue
        by_manifest = manifest is not None and "signature" not in record
        try:
            if not by_manifest:
                verified = verify_record(record, lookup, record_kinds)
            elif manifest_refusal is not None:
                raise manifest_refusal
            else:
                verified, text = verify_manifest_record(
                    record, digests[position], manifest["key_id"], record_kinds
                )
                # `data` sorts first in the canonical JSON just hashed: its own JSON is a slice
                # of it, stored as is instead of being encoded once more for the database
                end = text.rfind(',"key_id":"')
                if text.startswith('{"data":') and end > 0:
                    verified["data_json"] = text[8:end]
        except RecordRejected as exc:
            out.refused.append(_refuse_record(record, exc.code, exc.message, exc.field))
            continue
        try:
            # parsed once here; record_row stores it
            verified["occurred"] = occurred(verified["occurred_at"])
        except (ValueError, OverflowError):
            out.refused.append(
                _refuse_record(record, SCHEMA_INVALID, "时间超出可表示的范围", "occurred_at")
            )
            continue
        if verified["record_id"] in seen:
            out.duplicates_in_batch += 1
            continue
        seen.add(verified["record_id"])
        verified["key_id"] = record["key_id"]
        if by_manifest:
            verified["signature"] = ""  # vouched for by the manifest at this position
            verified["manifest_id"], verified["manifest_position"] = out.manifest["id"], position
        else:
            verified["signature"] = record["signature"]
        out.good.append(verified)
    return out


def adapter_refusal(entry) -> Refusal:
    """A quarantine report the adapter published (a row it could not turn into a record)."""
    if not isinstance(entry, Mapping):
        return Refusal(
            code=SCHEMA_INVALID,
            reason="适配器的隔离报告格式错误",
            origin="adapter",
            raw=_raw(entry),
        )
    line = entry.get("line")
    return Refusal(
        code=_str(entry.get("code"), 40) or SCHEMA_INVALID,
        reason=_str(entry.get("reason"), 2000) or "适配器拒收",
        origin="adapter",
        field=_str(entry.get("field"), 120),
        record_id=_str(entry.get("record_id")),
        type=_str(entry.get("type"), 80),
        raw=_str(entry.get("raw"), MAX_RAW_CHARS)
        if isinstance(entry.get("raw"), str)
        else (_raw(entry.get("raw")) if entry.get("raw") is not None else None),
        file=_str(entry.get("file"), 255),
        line=line if isinstance(line, int) and not isinstance(line, bool) else None,
    )


def fingerprint(refusal: Refusal, sender: str | None) -> str:
    """The same refusal arriving again (a resent file, a redelivered batch) is kept once."""
    material = json.dumps(
        [
            refusal.origin,
            sender,
            refusal.code,
            refusal.field,
            refusal.file,
            refusal.line,
            refusal.record_id,
            refusal.raw or refusal.reason,
        ],
        ensure_ascii=False,
        default=str,
    ).encode("utf-8", "replace")
    return hashlib.sha256(material).hexdigest()


def occurred(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def ref_of(record: Mapping) -> str | None:
    """The cross-agency key of the matter a record is about: a project id when it names one."""
    data = record.get("data") or {}
    value = data.get("project_id")
    return str(value)[:128] if isinstance(value, (str, int)) and str(value).strip() else None


def data_json(data) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_row(
    verified: Mapping, *, sender: str | None, message_id: str | None, event_id: str, now: datetime
) -> dict:
    """The row to insert; ``data_json`` is the data already encoded (store.insert_records)."""
    at = verified.get("occurred")
    return {
        "source_unit": verified["source_unit"],
        "record_id": verified["record_id"],
        "type": verified["type"],
        "subject": verified["subject"],
        "occurred_at": at if at is not None else occurred(verified["occurred_at"]),
        # as sent (with its offset): the signed bytes hold it, the timestamp column does not
        "occurred_text": verified["occurred_at"],
        "ref": ref_of(verified),
        "data_json": verified.get("data_json") or data_json(verified["data"]),
        "key_id": verified["key_id"],
        "signature": verified["signature"],
        "manifest_id": verified.get("manifest_id"),
        "manifest_position": verified.get("manifest_position"),
        "event_id": event_id,
        "message_id": message_id,
        "sender": sender,
        "received_at": now,
    }


# --------------------------------------------------------------------------- who reads what


def all_types(record_kinds: Mapping[str, Iterable[str]]) -> list[str]:
    return [f"{agency}.{kind}" for agency, kinds in record_kinds.items() for kind in kinds or ()]


def readable_types(
    who, sharing_rules: Mapping[str, Iterable[str]], record_kinds: Mapping[str, Iterable[str]]
) -> frozenset[str] | None:
    """The record types ``who`` may read; None means every type (the office, the system).

    A unit reads the types the config's sharing matrix grants it, and always its own agency's.
    """
    if who.is_office_unit or who.is_system:
        return None
    unit = who.unit or ""
    granted = {t for t, units in (sharing_rules or {}).items() if unit in (units or ())}
    own = {t for t in all_types(record_kinds) if t.startswith(f"{unit}.")}
    return frozenset(granted | own)


def may_read(record_type: str, readable: frozenset[str] | None) -> bool:
    return readable is None or record_type in readable


def narrow(requested: str | None, readable: frozenset[str] | None) -> list[str] | None:
    """The types a query may return: None = any, [] = nothing (asked for what it may not read)."""
    if requested:
        return [requested] if may_read(requested, readable) else []
    return None if readable is None else sorted(readable)


def warning_visible(
    who, visible_type: str | None, readable: frozenset[str] | None, coordinating: Iterable[str]
) -> bool:
    """A warning is read by whoever may read the record type it rests on; a warning built on
    rectification's facts (no record type) by every coordinating unit."""
    if readable is None:
        return True
    if who.unit not in set(coordinating):
        return False
    return visible_type is None or visible_type in readable


def quarantine_scope(who, coordinating: Iterable[str]) -> str | None:
    """None: every agency's quarantine (the office); else the caller's own unit."""
    if who.is_office_unit or who.is_system:
        return None
    if who.unit not in set(coordinating):
        raise Forbidden("只有协作单位和人大常委会办公室可以查看数据隔离区", "forbidden")
    return who.unit


def require_coordinating_writer(who, coordinating: Iterable[str], action: str) -> None:
    if who.is_system:
        return
    if not who.may_write:
        raise Forbidden("只读账号不能修改数据", "read_only")
    if who.unit not in set(coordinating):
        raise Forbidden(f"只有协作单位可以{action}", "forbidden")


# --------------------------------------------------------------------------- warnings' lifecycle

STALE_CONVERTING_SECONDS = 300


def check_warning_convertible(status: str, handled_at: datetime | None, now: datetime) -> None:
    """A warning becomes one lead, once. A conversion that died half-way frees it again."""
    if status == "open":
        return
    if (
        status == "converting"
        and handled_at is not None
        and (now - _aware(handled_at)).total_seconds() > STALE_CONVERTING_SECONDS
    ):
        return
    if status in ("converted", "converting"):
        raise RuleViolation("该预警已转为问题线索，不能重复转办", "warning_already_converted")
    raise RuleViolation("该预警已排除，不能转为问题线索", "warning_not_open")


def check_warning_dismissible(status: str) -> None:
    if status != "open":
        raise RuleViolation("只有待处置的预警可以排除", "warning_not_open")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def is_agency_id(value) -> bool:
    return isinstance(value, str) and bool(AGENCY_RE.match(value))


def hide_lead_link(warning: dict, identity) -> dict:
    """A warning turned into a lead names the lead only to those inside the lead's need-to-know
    as sharing can know it: the office unit, the unit that converted it and the receiving unit.
    (The leads service is the authority; anyone else following the id would get 404 anyway, but
    the id alone tells that a lead exists.)"""
    if identity.is_office_unit or identity.is_system:
        return warning
    if identity.unit in (warning.get("handled_unit"), warning.get("to_unit")):
        return warning
    return {**warning, "lead_id": None}
