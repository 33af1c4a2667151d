"""The adapter's local durable outbox: one SQLite file per agency.

Records are stored here before anything is published, one row per record, unique on
(type, record_id): sending a file again stores nothing twice. Rows are marked sent only after the
broker confirmed the message that carried them, so a crash or a broker outage loses nothing (at
worst a batch is sent twice, and the sharing service dedupes by (source_unit, record_id)).

Bad rows go to `quarantine` (unique per file content, line and reason, so a re-sent broken file
reports its bad lines once), and are published as quarantine reports the same way.

A record is kept either signed on its own (``signed`` 1: outboxes written before the manifest
form, or an adapter that asked for per-record signatures), or as its canonical JSON with
``source_unit`` and ``key_id`` but no signature (``signed`` 0): the publisher then signs a
manifest over the batch it actually sends (contracts.records, the manifest form), and the
stored text's SHA-256 is the record's manifest entry as it is.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    source_file TEXT,
    line INTEGER,
    created_at REAL NOT NULL,
    sent_at REAL,
    batch_id TEXT,
    signed INTEGER NOT NULL DEFAULT 1,
    UNIQUE (type, record_id)
);
CREATE INDEX IF NOT EXISTS records_unsent ON records (sent_at, id);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_hash TEXT NOT NULL,
    source_file TEXT,
    line INTEGER NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    field TEXT,
    record_id TEXT,
    type TEXT,
    raw TEXT,
    created_at REAL NOT NULL,
    sent_at REAL,
    UNIQUE (file_hash, line, code)
);
CREATE INDEX IF NOT EXISTS quarantine_unsent ON quarantine (sent_at, id);
CREATE TABLE IF NOT EXISTS processed_files (
    content_hash TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT,
    processed_at REAL NOT NULL
);
"""

MAX_RAW_CHARS = 2000


class StoredRecord:
    """A record as the outbox keeps it. ``text`` is its stored JSON (sorted keys: what goes on
    the bus as is), ``raw`` the same as UTF-8 bytes; either is made from the other when first
    asked for (the publisher reads the bytes straight from SQLite: it hashes and sends them)."""

    __slots__ = ("id", "type", "record_id", "signed", "_text", "_raw")

    def __init__(
        self,
        id: int,
        type: str,
        record_id: str,
        text: str | None = None,
        signed: bool = True,  # False: canonical JSON awaiting its batch's manifest
        raw: bytes | None = None,
    ):
        if text is None and raw is None:
            raise TypeError("StoredRecord needs text or raw")
        self.id, self.type, self.record_id, self.signed = id, type, record_id, signed
        self._text, self._raw = text, raw

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self._raw.decode("utf-8")
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text, self._raw = value, None

    @property
    def raw(self) -> bytes:
        if self._raw is None:
            self._raw = self._text.encode("utf-8")
        return self._raw

    @property
    def body(self) -> dict:
        return json.loads(self.raw)

    def __eq__(self, other) -> bool:
        if not isinstance(other, StoredRecord):
            return NotImplemented
        mine = (self.id, self.type, self.record_id, self.text, self.signed)
        return mine == (other.id, other.type, other.record_id, other.text, other.signed)

    def __repr__(self) -> str:
        return f"StoredRecord(id={self.id!r}, type={self.type!r}, record_id={self.record_id!r})"


@dataclass
class QuarantineEntry:
    line: int
    code: str
    reason: str
    field: str | None = None
    raw: str = ""
    record_id: str | None = None
    type: str | None = None


class Outbox:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we open transactions explicitly (BEGIN IMMEDIATE), so a watcher
        # and a one-shot ingest of the same agency can share the file.
        self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        # a file made by another SQLite may keep its text as UTF-16 (PRAGMA encoding)
        self._utf8 = self.db.execute("PRAGMA encoding").fetchone()[0] == "UTF-8"
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(records)")}
        if "signed" not in columns:  # an outbox from before the manifest form: all signed
            self.db.execute("ALTER TABLE records ADD COLUMN signed INTEGER NOT NULL DEFAULT 1")

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ writing

    def add_records(self, records: Iterable[tuple]) -> tuple[int, int]:
        """Store records; return (stored, duplicates). Duplicates are left untouched.

        Each item is ``(record, source_file, line)`` or ``(record, source_file, line, text)``:
        ``text``, the record's canonical JSON, is kept as is (the manifest form's digest is
        taken over exactly these bytes); without it the record is encoded here."""
        return self.add_rows(
            (
                body["type"],
                body["record_id"],
                body["subject"],
                text[0] if text else json.dumps(body, ensure_ascii=False, sort_keys=True),
                source_file,
                line,
                1 if "signature" in body else 0,
            )
            for body, source_file, line, *text in records
        )

    def add_rows(self, rows: Iterable[tuple]) -> tuple[int, int]:
        """add_records for rows already laid out as stored: ``(type, record_id, subject, text,
        source_file, line, signed)``. One transaction, one statement run over all rows."""
        rows = rows if isinstance(rows, list) else list(rows)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO records (type, record_id, subject, body, source_file,"
                f" line, signed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, {time.time()!r})",
                rows,
            )
            stored = self.db.total_changes - before
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return stored, len(rows) - stored

    def add_quarantine(
        self, file_hash: str, source_file: str | None, entries: Iterable[QuarantineEntry]
    ) -> int:
        added = 0
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for e in entries:
                raw = e.raw if isinstance(e.raw, str) else json.dumps(e.raw, ensure_ascii=False)
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO quarantine (file_hash, source_file, line, code, reason,"
                    " field, record_id, type, raw, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        file_hash,
                        source_file,
                        e.line,
                        e.code,
                        e.reason,
                        e.field,
                        e.record_id,
                        e.type,
                        (raw or "")[:MAX_RAW_CHARS],
                        now,
                    ),
                )
                added += cur.rowcount
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return added

    def mark_records_sent(self, ids: list[int], batch_id: str) -> None:
        self._mark("records", ids, batch_id)

    def mark_quarantine_sent(self, ids: list[int]) -> None:
        self._mark("quarantine", ids, None)

    def _mark(self, table: str, ids: list[int], batch_id: str | None) -> None:
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            low, high = (min(ids), max(ids)) if ids else (0, -1)
            if table == "records" and ids and high - low == len(ids) - 1 == len(set(ids)) - 1:
                # n distinct ids spanning n values (a batch as it was read): the range is
                # exactly these rows
                self.db.execute(
                    "UPDATE records SET sent_at=?, batch_id=? WHERE id BETWEEN ? AND ?"
                    " AND sent_at IS NULL",
                    (now, batch_id, low, high),
                )
                ids = []
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                if table == "records":
                    self.db.execute(
                        f"UPDATE records SET sent_at=?, batch_id=? WHERE id IN ({marks})"
                        " AND sent_at IS NULL",
                        (now, batch_id, *chunk),
                    )
                else:
                    self.db.execute(
                        f"UPDATE quarantine SET sent_at=? WHERE id IN ({marks})"
                        " AND sent_at IS NULL",
                        (now, *chunk),
                    )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ reading

    def unsent_records(self, limit: int = 500, after_id: int = 0) -> list[StoredRecord]:
        if self._utf8:
            # the body as bytes: SQLite hands over its UTF-8 as is, no str made and encoded again
            rows = self.db.execute(
                "SELECT id, type, record_id, CAST(body AS BLOB), signed FROM records"
                " WHERE sent_at IS NULL AND id > ? ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
            return [StoredRecord(r[0], r[1], r[2], None, bool(r[4]), r[3]) for r in rows]
        rows = self.db.execute(
            "SELECT id, type, record_id, body, signed FROM records"
            " WHERE sent_at IS NULL AND id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        ).fetchall()
        return [StoredRecord(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def unsent_quarantine(self, limit: int = 500) -> list[tuple[int, dict]]:
        rows = self.db.execute(
            "SELECT id, line, code, reason, field, raw, source_file, record_id, type"
            " FROM quarantine WHERE sent_at IS NULL ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            (
                r[0],
                {
                    "line": r[1],
                    "code": r[2],
                    "reason": r[3],
                    "field": r[4],
                    "raw": r[5],
                    "file": Path(r[6]).name if r[6] else None,
                    "record_id": r[7],
                    "type": r[8],
                },
            )
            for r in rows
        ]

    def pending_counts(self) -> dict[str, int]:
        records = self.db.execute("SELECT COUNT(*) FROM records WHERE sent_at IS NULL").fetchone()[
            0
        ]
        quarantine = self.db.execute(
            "SELECT COUNT(*) FROM quarantine WHERE sent_at IS NULL"
        ).fetchone()[0]
        return {"records": records, "quarantine": quarantine}

    def totals(self) -> dict[str, int]:
        q = self.db.execute
        return {
            "records": q("SELECT COUNT(*) FROM records").fetchone()[0],
            "records_sent": q("SELECT COUNT(*) FROM records WHERE sent_at IS NOT NULL").fetchone()[
                0
            ],
            "quarantine": q("SELECT COUNT(*) FROM quarantine").fetchone()[0],
        }

    # ------------------------------------------------------------------ watched files

    def file_seen(self, content_hash: str) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM processed_files WHERE content_hash=?", (content_hash,)
            ).fetchone()
            is not None
        )

    def remember_file(self, content_hash: str, path: str, status: str, summary: dict) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO processed_files (content_hash, path, status, summary,"
            " processed_at) VALUES (?,?,?,?,?)",
            (content_hash, path, status, json.dumps(summary, ensure_ascii=False), time.time()),
        )
