"""A tamper-evident audit trail: each entry's hash covers the previous entry's hash.

Appending takes the chain head with a row lock (PostgreSQL) or inside SQLite's single
writer, so two transactions can never fork the chain.
"""

import hashlib
import json

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from runtime import clock

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "actor",
    "unit",
    "role",
    "entity",
    "entity_id",
    "action",
    "before",
    "after",
    "outcome",
)


def canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, entry: dict) -> str:
    material = prev_hash + canonical({k: entry.get(k) for k in HASHED_FIELDS})
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append(
    conn: Connection,
    tables: dict,
    *,
    actor,
    entity: str,
    entity_id,
    action: str,
    before=None,
    after=None,
    outcome: str = "applied",
) -> dict:
    head_t, log_t = tables["audit_head"], tables["audit_log"]
    query = select(head_t.c.seq, head_t.c.hash).where(head_t.c.id == 1)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    head = conn.execute(query).first()
    if head is None:
        conn.execute(head_t.insert().values(id=1, seq=0, hash=GENESIS))
        if conn.dialect.name != "sqlite":
            head = conn.execute(query).first()
        else:
            head = (0, GENESIS)
    seq, prev_hash = head[0] + 1, head[1]
    entry = {
        "seq": seq,
        "at": clock.iso(clock.now()),
        "actor": getattr(actor, "username", None),
        "unit": getattr(actor, "unit", None),
        "role": getattr(actor, "role", None),
        "entity": entity,
        "entity_id": str(entity_id),
        "action": action,
        "before": json.loads(canonical(before)) if before is not None else None,
        "after": json.loads(canonical(after)) if after is not None else None,
        "outcome": outcome,
    }
    digest = entry_hash(prev_hash, entry)
    conn.execute(log_t.insert().values(**entry, prev_hash=prev_hash, hash=digest))
    conn.execute(update(head_t).where(head_t.c.id == 1).values(seq=seq, hash=digest))
    return {**entry, "hash": digest}


def verify(conn: Connection, tables: dict) -> list[str]:
    """Every problem found in the chain, in Chinese and English; empty when intact."""
    log_t, head_t = tables["audit_log"], tables["audit_head"]
    problems = []
    prev_hash, expected_seq = GENESIS, 1
    for row in conn.execute(select(log_t).order_by(log_t.c.seq)).mappings():
        entry = dict(row)
        if entry["seq"] != expected_seq:
            problems.append(
                f"第 {expected_seq} 条缺失或顺序错乱 (entry {expected_seq} missing or "
                f"reordered; found {entry['seq']})"
            )
        if entry["prev_hash"] != prev_hash:
            problems.append(
                f"第 {entry['seq']} 条的前序哈希不符 (entry {entry['seq']}: previous "
                "hash does not match, an entry before it was removed or reordered)"
            )
        if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
            problems.append(
                f"第 {entry['seq']} 条内容被篡改 (entry {entry['seq']}: content was edited)"
            )
        prev_hash, expected_seq = entry["hash"], entry["seq"] + 1
    head = conn.execute(select(head_t.c.seq, head_t.c.hash)).first()
    last_seq = expected_seq - 1
    if head is not None and (head[0] != last_seq or head[1] != prev_hash):
        problems.append(
            f"链头 ({head[0]}) 与最后一条 ({last_seq}) 不一致 (chain head does not "
            "match the last entry: entries at the end were deleted)"
        )
    return problems


def head(conn: Connection, tables: dict) -> dict:
    row = conn.execute(select(tables["audit_head"].c.seq, tables["audit_head"].c.hash)).first()
    return {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": GENESIS}


def contains(conn: Connection, tables: dict, exported: dict) -> bool:
    """Whether an exported head is still part of the chain (catches a rewritten database)."""
    if exported["seq"] == 0:
        return True
    log_t = tables["audit_log"]
    row = conn.execute(select(log_t.c.hash).where(log_t.c.seq == exported["seq"])).first()
    return row is not None and row[0] == exported["hash"]


def trail(
    conn: Connection, tables: dict, entity: str, entity_id: str | None = None, limit: int = 500
) -> list[dict]:
    log_t = tables["audit_log"]
    query = select(log_t).where(log_t.c.entity == entity)
    if entity_id is not None:
        query = query.where(log_t.c.entity_id == str(entity_id))
    rows = conn.execute(query.order_by(log_t.c.seq).limit(limit)).mappings()
    return [dict(r) for r in rows]
