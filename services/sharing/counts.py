"""How many records there are, per subject and type, without counting them.

`record_counts` is kept in the very transaction that stores a batch (one multi-row upsert per
batch, rows in a fixed order so concurrent consumers never deadlock on them), so what it says
is exactly what a COUNT(*) over `records` would say — at a million records, in one index probe
instead of a scan. Subject ``*`` holds each type's total over every subject. A record's
``source_unit`` is always its type's agency (contracts.records refuses anything else), so
counts per agency are counts per type prefix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.sharing.models import RecordCount

ALL = "*"  # no subject id can be "*" (contracts.records.SUBJECT_RE)
TABLE = RecordCount.__table__


def bump(session: Session, new_rows: Iterable[dict]) -> None:
    """Count the records this transaction stored (only the new ones: duplicates were skipped)."""
    per: Counter = Counter()
    for row in new_rows:
        per[(row["subject"], row["type"])] += 1
        per[(ALL, row["type"])] += 1
    if not per:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(TABLE).values(
        [{"subject": s, "type": t, "count": n} for (s, t), n in sorted(per.items())]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[TABLE.c.subject, TABLE.c.type],
        set_={"count": TABLE.c.count + stmt.excluded["count"]},
    )
    session.connection().execute(stmt)


def by_type(session: Session, *, subject: str | None = None, types=None) -> dict[str, int]:
    """{type: records} of one subject (or of all), within ``types`` when given."""
    stmt = select(TABLE.c.type, TABLE.c.count).where(TABLE.c.subject == (subject or ALL))
    if types is not None:
        stmt = stmt.where(TABLE.c.type.in_(list(types) or ["-"]))
    return {t: int(n) for t, n in session.execute(stmt) if n}


def total(
    session: Session, *, subject: str | None = None, types=None, source_unit: str | None = None
) -> int:
    counts = by_type(session, subject=subject, types=types)
    if source_unit:
        counts = {t: n for t, n in counts.items() if t.partition(".")[0] == source_unit}
    return sum(counts.values())
