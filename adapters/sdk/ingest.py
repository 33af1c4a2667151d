"""One export file → validated, signed records in the outbox (+ quarantine) → the bus.

`process_file` does the part that needs no broker (read, map, validate, sign, store); `ingest_file`
adds publishing from the outbox. Nothing in a file can crash it: a bad row becomes a quarantine
entry with its line number and reason, and the good rows of the same file go through.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from adapters.sdk import settings
from adapters.sdk.mapping import Adapter, MappingError
from adapters.sdk.outbox import Outbox, QuarantineEntry
from adapters.sdk.publisher import BATCH_SIZE, BrokerUnavailable, Streamer, flush
from adapters.sdk.readers import FileUnreadable, Row, RowError, read_table
from contracts.records import (
    KIND_NOT_ALLOWED,
    REASON_TEXT,
    RecordRejected,
    key_id_for,
    kind_allowed,
    load_or_create_private_key,
    sign_validated,
    unsigned_encoder,
    unsigned_record,
    validate_record,
)

UNKNOWN_FORMAT = "unknown_format"
UNREADABLE = "unreadable_file"
# records stored (and handed to the publisher) at a time while a file is processed
STORE_EVERY = BATCH_SIZE
# the first store comes sooner: the service starts on a big file's first records while the
# adapter reads the rest, instead of waiting the ~0.3 s it takes to map STORE_EVERY rows
FIRST_STORE = 1000


@dataclass
class IngestReport:
    agency: str
    file: str
    format: str | None = None
    encoding: str | None = None
    export: str | None = None  # which of the agency's export formats was recognised
    read: int = 0
    accepted: int = 0
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0
    published: int = 0
    quarantine_published: int = 0
    pending: int = 0
    pending_quarantine: int = 0
    error: str | None = None
    error_kind: str | None = None  # "file" or "broker"
    quarantine: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        return asdict(self)


def file_hash(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def outbox_path(agency: str, var: str | Path | None = None) -> Path:
    return settings.var_dir(var) / "adapters" / agency / "outbox.db"


def process_file(
    adapter: Adapter,
    path: str | Path,
    outbox: Outbox,
    private_key,
    record_kinds=None,
    units=None,
    content_hash: str | None = None,
    on_stored: Callable[[], None] | None = None,
    per_record_signatures: bool = False,
) -> IngestReport:
    """Read, map, validate and store one file. Raises FileUnreadable (after recording it
    in the quarantine) when the file as a whole cannot be used.

    Records are kept unsigned, as canonical JSON naming the agency's key: the publisher signs
    one manifest per message over them (contracts.records, the manifest form).
    ``per_record_signatures`` signs each record here instead (the older form, still accepted).

    Good records are stored after the first FIRST_STORE rows, then every STORE_EVERY rows, and
    ``on_stored`` is called after each such commit (not after the last one), so a publisher can
    send the first batches while the rest of a big file is still being read."""
    path = Path(path)
    agency = adapter.agency
    report = IngestReport(agency=agency, file=str(path))
    record_kinds = settings.record_kinds() if record_kinds is None else record_kinds
    units = settings.unit_resolver() if units is None else units
    try:
        content_hash = content_hash or file_hash(path)
    except OSError as exc:
        raise FileUnreadable(
            f"无法读取文件 {path}：{exc.strerror or exc} (cannot read file)"
        ) from exc
    try:
        table = read_table(path)
        report.format, report.encoding = table.format, table.encoding
        mapper = (
            None if table.format == "jsonl" else adapter.choose_mapper(table.headers, table.format)
        )
    except FileUnreadable as exc:
        code = UNKNOWN_FORMAT if "表头" in str(exc) else UNREADABLE
        outbox.add_quarantine(
            content_hash,
            str(path),
            [QuarantineEntry(line=0 if code == UNREADABLE else 1, code=code, reason=str(exc))],
        )
        raise
    report.export = (
        "canonical JSON Lines" if mapper is None else f"{mapper.title} → {agency}.{mapper.kind}"
    )

    # rows as the outbox keeps them: (type, record_id, subject, text, source_file, line, signed)
    good: list[tuple] = []
    bad: list[QuarantineEntry] = []
    key_id = key_id_for(agency, private_key.public_key())
    source_file = str(path)

    def store(last: bool):
        new, duplicates = outbox.add_rows(good)
        report.new, report.duplicates = report.new + new, report.duplicates + duplicates
        report.accepted += len(good)
        good.clear()
        if on_stored is not None and not last:
            on_stored()

    # The fast path: the mapping compiled for this file's headers and the manifest form's
    # encoder for its one record type. Each answers only for rows where nothing is off, with
    # exactly what the general path below gives; for any other row it answers None and the
    # general path decides (the same record, or the quarantine entry with its reason).
    fast_map = encode = None
    if mapper is not None and not per_record_signatures:
        record_type = f"{agency}.{mapper.kind}"
        if kind_allowed(agency, record_type, record_kinds):
            encode = unsigned_encoder(agency, key_id, record_type)
            fast_map = mapper.fast_map(tuple(table.headers), units) if encode else None

    store_at = FIRST_STORE
    for row in table.rows:
        if len(good) >= store_at:
            store(last=False)
            store_at = STORE_EVERY
        report.read += 1
        if fast_map is not None and row.__class__ is Row:
            mapped = fast_map(row.values)
            if mapped is not None:
                encoded = encode(*mapped)
                if encoded is not None:
                    good.append((record_type, *encoded, source_file, row.line, 0))
                    continue
        if isinstance(row, RowError):
            bad.append(
                QuarantineEntry(
                    line=row.line, code=row.code, reason=row.reason, raw=row.raw, field=row.field
                )
            )
            continue
        record = None
        try:
            record = row.values if mapper is None else mapper.map_row(row.values, agency, units)
            record = validate_record(record)
            if not kind_allowed(agency, record["type"], record_kinds):
                raise RecordRejected(
                    KIND_NOT_ALLOWED,
                    f"{REASON_TEXT[KIND_NOT_ALLOWED]}：{agency} 不能发布 "
                    f"{record['type']} (kind not allowed for this agency)",
                    field="type",
                )
            if per_record_signatures:
                record = sign_validated(record, private_key, agency, key_id)
                text = json.dumps(record, ensure_ascii=False, sort_keys=True)
                signed = 1
            else:
                record, text = unsigned_record(record, agency, key_id)
                text, signed = text.decode("utf-8"), 0
            good.append(
                (
                    record["type"],
                    record["record_id"],
                    record["subject"],
                    text,
                    source_file,
                    row.line,
                    signed,
                )
            )
        except MappingError as exc:
            bad.append(
                QuarantineEntry(
                    line=row.line, code=exc.code, reason=exc.reason, field=exc.field, raw=row.raw
                )
            )
        except RecordRejected as exc:
            source = record if isinstance(record, dict) else {}
            bad.append(
                QuarantineEntry(
                    line=row.line,
                    code=exc.code,
                    reason=exc.message,
                    field=exc.field,
                    raw=row.raw,
                    record_id=_str_or_none(source.get("record_id")),
                    type=_str_or_none(source.get("type")),
                )
            )
    store(last=True)
    outbox.add_quarantine(content_hash, str(path), bad)
    report.quarantined = len(bad)
    report.quarantine = [
        {"line": e.line, "code": e.code, "reason": e.reason, "field": e.field} for e in bad
    ]
    return report


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) else None


def publish_pending(
    outbox: Outbox,
    report: IngestReport,
    uri: str,
    retry_seconds: float,
    on_retry=None,
    private_key=None,
) -> None:
    try:
        result = flush(
            outbox,
            report.agency,
            uri,
            retry_seconds=retry_seconds,
            on_retry=on_retry,
            private_key=private_key,
        )
        report.published += result.records_published
        report.quarantine_published += result.quarantine_published
    except BrokerUnavailable as exc:
        report.error, report.error_kind = str(exc), "broker"
    finally:
        pending = outbox.pending_counts()
        report.pending, report.pending_quarantine = pending["records"], pending["quarantine"]


def ingest_file(
    adapter: Adapter,
    path: str | Path,
    *,
    uri: str | None = None,
    var: str | Path | None = None,
    retry_seconds: float = 60.0,
    publish: bool = True,
    on_retry=None,
) -> IngestReport:
    """The whole job for one file; the report says what happened (never raises for bad input)."""
    uri = settings.amqp_uri(uri)
    key = load_or_create_private_key(adapter.agency, settings.var_dir(var))
    box = outbox_path(adapter.agency, var)
    with Outbox(box) as outbox:
        # a big file's first batches go out while the rest is still being signed; whatever the
        # streamer did not send (a broker away, the last rows) goes in publish_pending below
        streamer = Streamer(box, adapter.agency, uri, private_key=key) if publish else None
        try:
            report = process_file(
                adapter, path, outbox, key, on_stored=streamer.wake if streamer else None
            )
        except FileUnreadable as exc:
            report = IngestReport(
                agency=adapter.agency, file=str(path), error=str(exc), error_kind="file"
            )
        finally:
            streamed = streamer.finish() if streamer else None
        if publish:
            report.published += streamed.records_published
            report.quarantine_published += streamed.quarantine_published
            publish_pending(outbox, report, uri, retry_seconds, on_retry, private_key=key)
        else:
            pending = outbox.pending_counts()
            report.pending, report.pending_quarantine = pending["records"], pending["quarantine"]
        return report


def format_summary(report: IngestReport) -> str:
    """Chinese first, English after: what an integrator at the agency reads after a run."""
    lines = [f"文件 file: {report.file}"]
    if report.format:
        enc = f", {report.encoding}" if report.encoding else ""
        lines.append(f"格式 format: {report.format.upper()}{enc}；{report.export or ''}")
    lines.append(
        f"读取 read: {report.read} | 接收 accepted: {report.accepted}（新增 new {report.new}，"
        f"重复 duplicate {report.duplicates}）| 隔离 quarantined: {report.quarantined} | "
        f"已发布 published: {report.published} | 待发布 pending: {report.pending}"
    )
    if report.quarantine_published or report.pending_quarantine:
        lines.append(
            f"隔离报告 quarantine reports: 已发布 published {report.quarantine_published}，"
            f"待发布 pending {report.pending_quarantine}"
        )
    for entry in report.quarantine[:50]:
        where = f"第 {entry['line']} 行 line {entry['line']}"
        field = entry.get("field")
        field_txt = f"「{field}」" if field and field not in entry["reason"] else ""
        lines.append(f"  ✗ {where} [{entry['code']}] {field_txt}{entry['reason']}")
    if len(report.quarantine) > 50:
        lines.append(f"  … 另有 {len(report.quarantine) - 50} 条 (more)")
    if report.error_kind == "file":
        lines.append(f"失败 failed: 无法处理该文件 (could not process the file): {report.error}")
    elif report.error_kind == "broker":
        lines.append(
            f"失败 failed: {report.error}\n"
            f"  记录已安全保存在本地发件箱，下次运行时会自动发布 "
            f"(records are kept in the local outbox; the next run publishes them)"
        )
    return "\n".join(lines)
