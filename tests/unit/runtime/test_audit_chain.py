"""The audit hash chain notices every edit, deletion and reordering."""

import pytest
from sqlalchemy import MetaData, create_engine, delete, update

from runtime import audit
from runtime.identity import Identity
from runtime.tables import add_runtime_tables

OFFICE = Identity("office", "npc", "office_admin")


@pytest.fixture
def chain(tmp_path):
    metadata = MetaData()
    tables = add_runtime_tables(metadata)
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        for n in range(1, 6):
            audit.append(
                conn,
                tables,
                actor=OFFICE,
                entity="plan",
                entity_id=2025,
                action=f"step{n}",
                before={"n": n - 1},
                after={"n": n, "名称": "计划"},
            )
    yield engine, tables
    engine.dispose()


def problems(engine, tables):
    with engine.connect() as conn:
        return audit.verify(conn, tables)


def test_an_intact_chain_verifies(chain):
    engine, tables = chain
    assert problems(engine, tables) == []
    with engine.connect() as conn:
        trail = audit.trail(conn, tables, "plan", "2025")
    assert [e["action"] for e in trail] == [f"step{n}" for n in range(1, 6)]
    assert trail[2]["before"] == {"n": 2} and trail[2]["actor"] == "office"


def test_an_edited_entry_is_reported(chain):
    engine, tables = chain
    with engine.begin() as conn:
        conn.execute(
            update(tables["audit_log"])
            .where(tables["audit_log"].c.seq == 3)
            .values(after={"n": 99})
        )
    found = problems(engine, tables)
    assert any("第 3 条内容被篡改" in p for p in found)


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(chain):
    engine, tables = chain
    log = tables["audit_log"]
    with engine.begin() as conn:
        row = dict(conn.execute(log.select().where(log.c.seq == 3)).mappings().one())
        row["actor"] = "someone-else"
        conn.execute(
            update(log)
            .where(log.c.seq == 3)
            .values(actor="someone-else", hash=audit.entry_hash(row["prev_hash"], row))
        )
    found = problems(engine, tables)
    assert any("第 4 条的前序哈希不符" in p for p in found)


def test_a_deleted_entry_is_reported(chain):
    engine, tables = chain
    with engine.begin() as conn:
        conn.execute(delete(tables["audit_log"]).where(tables["audit_log"].c.seq == 2))
    found = problems(engine, tables)
    assert any("缺失或顺序错乱" in p for p in found)


def test_deleting_the_newest_entries_is_reported_by_the_head(chain):
    engine, tables = chain
    with engine.begin() as conn:
        conn.execute(delete(tables["audit_log"]).where(tables["audit_log"].c.seq >= 4))
    found = problems(engine, tables)
    assert any("链头" in p for p in found)


def test_reordered_entries_are_reported(chain):
    engine, tables = chain
    log = tables["audit_log"]
    with engine.begin() as conn:
        conn.execute(update(log).where(log.c.seq == 2).values(seq=-2))
        conn.execute(update(log).where(log.c.seq == 3).values(seq=2))
        conn.execute(update(log).where(log.c.seq == -2).values(seq=3))
    assert problems(engine, tables)


def test_an_exported_head_detects_a_rewritten_chain(chain):
    engine, tables = chain
    with engine.connect() as conn:
        exported = audit.head(conn, tables)
        assert audit.contains(conn, tables, exported)
    with engine.begin() as conn:  # rewrite history wholesale, consistently
        conn.execute(delete(tables["audit_log"]))
        conn.execute(delete(tables["audit_head"]))
        audit.append(conn, tables, actor=OFFICE, entity="plan", entity_id=2025, action="forged")
    assert problems(engine, tables) == []  # a consistent forgery passes the chain check…
    with engine.connect() as conn:
        assert not audit.contains(conn, tables, exported)  # …but not the exported head
