"""Pages of records, newest first, read through an index whatever the caller may read.

A unit reads several record types. ``type IN (...) ORDER BY occurred_at DESC`` makes SQLite and
PostgreSQL sort every record of those types before the first page — at a million records, a
scan. Each type's newest ``offset + limit`` come straight off ``(type, occurred_at)`` instead,
and the page is cut from their merge: the work follows the page, not the table. A caller who
reads every type (the office) gets the same merge over every type stored (the kept counts name
them): there is no index on ``occurred_at`` alone, which every stored batch would pay for.
"""

from __future__ import annotations

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from services.sharing import counts
from services.sharing.models import Record

ORDER = (Record.occurred_at.desc(), Record.id.desc())


def newest(
    session: Session,
    *,
    types: list[str] | None,
    subject: str | None = None,
    source_unit: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[Record]:
    def narrowed(stmt):
        if subject:
            stmt = stmt.where(Record.subject == subject)
        if source_unit:
            stmt = stmt.where(Record.source_unit == source_unit)
        return stmt

    if types is None and not subject:
        # every type stored (of this agency, when asked for one: a record's source_unit is
        # always its type's agency)
        types = [
            t
            for t in counts.by_type(session)
            if not source_unit or t.partition(".")[0] == source_unit
        ]
        if not types:
            return []
    if types is None or len(types) == 1 or subject:
        # one type (type, occurred_at), one subject (subject, occurred_at): one index, read in
        # order, no sort
        stmt = narrowed(select(Record))
        if types is not None:
            stmt = stmt.where(Record.type.in_(types))
        return list(session.scalars(stmt.order_by(*ORDER).limit(limit).offset(offset)))
    parts = [
        narrowed(select(Record.id, Record.occurred_at).where(Record.type == t))
        .order_by(*ORDER)
        .limit(offset + limit)
        .subquery()
        for t in sorted(types)
    ]
    merged = union_all(*(select(p.c.id, p.c.occurred_at) for p in parts)).subquery()
    ids = list(
        session.scalars(
            select(merged.c.id)
            .order_by(merged.c.occurred_at.desc(), merged.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    if not ids:
        return []
    rows = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(ids)))}
    return [rows[i] for i in ids]
