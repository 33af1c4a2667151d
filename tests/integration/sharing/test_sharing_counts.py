"""The kept counts (services.sharing.counts) say exactly what COUNT(*) over the records says:
after files, resends, duplicates within a batch and a refused record, on both databases."""

import time

import pytest
from sharing_support import GOOD_FILES, SAMPLE_RECORDS, canonical
from sqlalchemy import func, select

from runtime.engine import make_engine

pytestmark = pytest.mark.integration


def counted(platform):
    from services.sharing.models import Record

    engine = make_engine("sharing", platform.config)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Record.subject, Record.type, func.count()).group_by(
                    Record.subject, Record.type
                )
            ).all()
            conn.rollback()
    finally:
        engine.dispose()
    return {(s, t): n for s, t, n in rows}


def test_totals_portrait_counts_and_stats_match_the_rows(bus):
    for agency, path in GOOD_FILES:
        bus.ingest(agency, path)
    bus.wait_records(SAMPLE_RECORDS)
    one = bus.sign("finance", canonical("CNT-1", subject="official:CNT-9"))
    bus.publish("finance.disbursement", {"records": [one, one]})  # a duplicate in the batch
    bus.publish("finance.disbursement", {"records": [one]})  # and the batch again
    forged = bus.sign("audit", canonical("CNT-2", record_type="audit.finding"))
    bus.publish("finance.disbursement", {"records": [forged]})  # refused: not finance's
    bus.wait_records(SAMPLE_RECORDS + 1)
    time.sleep(0.5)

    rows = counted(bus.platform)
    assert sum(rows.values()) == SAMPLE_RECORDS + 1
    assert bus.records_total() == SAMPLE_RECORDS + 1
    for subject in {s for s, _ in rows}:
        expected = {t: n for (s, t), n in rows.items() if s == subject}
        portrait = bus.call("office", "portrait_facts", {"subject": subject})
        assert portrait["by_type"] == expected
        assert portrait["facts_total"] == sum(expected.values()) == len(portrait["facts"])
        assert bus.records_total(subject=subject) == sum(expected.values())
    by_type = {}
    for (_, t), n in rows.items():
        by_type[t] = by_type.get(t, 0) + n
    stats = bus.call("office", "stats", {})
    assert stats["records_by_type"] == by_type and stats["records"] == SAMPLE_RECORDS + 1
    finance = sum(n for t, n in by_type.items() if t.startswith("finance."))
    assert stats["per_unit"]["finance"] == finance
    assert bus.records_total(source_unit="finance") == finance
    assert bus.records_total(type="plc.petition") == by_type["plc.petition"]
    # a unit counts only what it may read
    plc = bus.call("plc-liaison", "list_records", {"limit": 1})
    assert plc["total"] == sum(
        n
        for t, n in by_type.items()
        if t in {"statistics.indicator", "plc.case_quality", "plc.petition"}
    )


def test_the_portrait_shows_the_newest_facts_oldest_first(bus):
    records = [
        bus.sign(
            "finance",
            {**canonical(f"NEW-{i}", subject="official:NEW-1"), "occurred_at": f"2025-0{1 + i}-01"},
        )
        for i in range(5)
    ]
    bus.publish("finance.disbursement", {"records": records})
    bus.wait_records(5, subject="official:NEW-1")
    portrait = bus.call("office", "portrait_facts", {"subject": "official:NEW-1", "limit": 3})
    assert [f["record_id"] for f in portrait["facts"]] == ["NEW-2", "NEW-3", "NEW-4"]
    assert portrait["facts_total"] == 5


def test_a_units_pages_are_its_newest_readable_records_in_order(bus):
    from services.sharing.models import Record

    for agency, path in GOOD_FILES:
        bus.ingest(agency, path)
    bus.wait_records(SAMPLE_RECORDS)
    readable = ["plc.case_quality", "plc.petition", "statistics.indicator"]
    engine = make_engine("sharing", bus.platform.config)
    try:
        with engine.connect() as conn:
            expected = [
                str(i)
                for i in conn.execute(
                    select(Record.id)
                    .where(Record.type.in_(readable))
                    .order_by(Record.occurred_at.desc(), Record.id.desc())
                ).scalars()
            ]
            conn.rollback()
    finally:
        engine.dispose()
    assert len(expected) == 27
    pages = []
    for offset in range(0, 30, 7):
        page = bus.call("plc-liaison", "list_records", {"limit": 7, "offset": offset})
        assert page["total"] == 27
        pages += [r["id"] for r in page["items"]]
    assert pages == expected
    court = bus.call("plc-liaison", "list_records", {"subject": "court", "limit": 50})
    assert [r["id"] for r in court["items"]] == [
        i for i in expected if i in {r["id"] for r in court["items"]}
    ]


def test_the_offices_pages_merge_every_stored_type_newest_first(bus):
    """The office reads every type: with no index on occurred_at alone, its pages are the merge
    of each stored type's newest, and must equal sorting every row."""
    from services.sharing.models import Record

    for agency, path in GOOD_FILES:
        bus.ingest(agency, path)
    bus.wait_records(SAMPLE_RECORDS)
    engine = make_engine("sharing", bus.platform.config)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Record.id, Record.source_unit).order_by(
                    Record.occurred_at.desc(), Record.id.desc()
                )
            ).all()
            conn.rollback()
    finally:
        engine.dispose()
    expected = [str(i) for i, _ in rows]
    assert len(expected) == SAMPLE_RECORDS
    pages = []
    for offset in range(0, SAMPLE_RECORDS + 5, 11):
        page = bus.call("office", "list_records", {"limit": 11, "offset": offset})
        assert page["total"] == SAMPLE_RECORDS
        pages += [r["id"] for r in page["items"]]
    assert pages == expected
    plc = bus.call("office", "list_records", {"source_unit": "plc", "limit": 100})
    assert [r["id"] for r in plc["items"]] == [str(i) for i, unit in rows if unit == "plc"]
    assert plc["total"] == 15
