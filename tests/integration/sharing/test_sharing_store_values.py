"""What a batch writes is what is read back, on both databases, whatever the values hold.

PostgreSQL takes a batch as one array per column (runtime.pgarray, services.sharing.store);
SQLite as a multi-row VALUES list. Quotes, backslashes, braces, commas, the word NULL, empty
strings, NULLs and non-ASCII text must all come back as they went in, a resent batch must store
nothing, and a value too long for its column must be refused, not cut short.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from runtime import migrations
from runtime.engine import make_engine
from services.sharing import store
from services.sharing.models import Record

pytestmark = pytest.mark.integration

AWKWARD = ['say "hi"', "C:\\dir\\", "{1,2}", "a,b", "NULL", "", "界石镇 乡村振兴", "tab\there"]
NOW = datetime(2025, 9, 1, 8, 0, 0, 250000, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


@pytest.fixture
def engine(database_url, tmp_path):
    engine = make_engine("sharing", {"DATABASE_URL": database_url, "VAR_DIR": str(tmp_path)})
    migrations.upgrade("sharing", engine)
    yield engine
    engine.dispose()


def verified(i: int, value: str, **extra) -> dict:
    at = datetime(2025, 1 + i % 12, 1 + i % 28, 9, 30, i % 60, 1000 * i, tzinfo=CST)
    return {
        "source_unit": "finance",
        "record_id": f"VAL-{i}",
        "type": "finance.disbursement",
        "subject": "town-jieshi",
        "occurred_at": at.isoformat(),
        "occurred": at.astimezone(UTC),
        "data": {"note": value, "project_id": value or None, "n": i, "nested": {"v": [value]}},
        "key_id": "finance:test",
        "signature": "" if i % 2 else f"sig{value}",
        "manifest_id": None if i % 2 else "m" * 64,
        "manifest_position": None if i % 2 else i,
        **extra,
    }


def write(engine, good, message_id="msg-1"):
    with Session(bind=engine) as session, session.begin():
        return store.insert_records(session, good, sender="guest", message_id=message_id, now=NOW)


def test_awkward_values_come_back_exactly_and_a_resend_stores_nothing(engine):
    good = [verified(i, value) for i, value in enumerate(AWKWARD)]
    new = write(engine, good)
    assert [r["record_id"] for r in new] == [g["record_id"] for g in good]
    assert len({r["id"] for r in new}) == len(good)

    with Session(bind=engine) as session:
        rows = {r.record_id: r for r in session.scalars(select(Record))}
        for g, created in zip(good, new, strict=True):
            row = rows[g["record_id"]]
            assert row.id == created["id"]
            assert row.data == g["data"]
            assert row.occurred_text == g["occurred_at"]
            assert row.occurred_at.replace(tzinfo=UTC) == g["occurred"].replace(tzinfo=UTC)
            assert row.received_at.replace(tzinfo=UTC) == NOW
            assert row.ref == (g["data"]["project_id"] or None)
            assert row.signature == g["signature"]
            assert row.manifest_id == g["manifest_id"]
            assert row.manifest_position == g["manifest_position"]
            assert (row.message_id, row.sender) == ("msg-1", "guest")

    assert write(engine, good, message_id="msg-2") == []  # the batch again
    assert write(engine, [*good, verified(99, "new")], message_id="msg-3")[0]["record_id"] == (
        "VAL-99"
    )
    with Session(bind=engine) as session:
        assert session.scalar(select(func.count()).select_from(Record)) == len(good) + 1


def test_a_value_too_long_for_its_column_is_refused_and_nothing_of_the_batch_is_kept(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps text of any length: only PostgreSQL checks varchar(n)")
    good = [verified(0, "fine"), verified(1, "too long", key_id="k" * 129)]
    with pytest.raises(DBAPIError, match="too long"):
        write(engine, good)
    with Session(bind=engine) as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 0


def test_postgresql_reads_each_array_literal_back_as_the_values_given(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("array literals are PostgreSQL's")
    from runtime.pgarray import array_literal

    values = [*AWKWARD, None, "}", '\\"', "多字节"]
    with engine.connect() as conn:
        back = conn.exec_driver_sql("SELECT %s::text[]", (array_literal(values),)).scalar()
        assert back == values
        stamps = [NOW, NOW.astimezone(CST), None]
        back = conn.execute(
            text("SELECT CAST(:a AS timestamptz[])"), {"a": array_literal(stamps)}
        ).scalar()
        assert back == [NOW, NOW, None]
