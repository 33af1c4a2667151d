"""Storing a batch: the database, not the code, keeps a record once; warnings join either way round.

A SQLite file with the service's real engine settings; no broker.
"""

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contracts.records import DEFAULT_RECORD_KINDS, key_id_for, sign_record
from runtime.engine import make_engine
from services.sharing import rules, store
from services.sharing import warnings as wr
from services.sharing.models import Base, EarlyWarning, Quarantined, Record, WarningRecord
from services.sharing.rules import Delivery

KEYS = {a: Ed25519PrivateKey.generate() for a in ("finance", "audit")}
NOW = datetime(2025, 9, 1, tzinfo=UTC)


def lookup(agency, key_id):
    key = KEYS.get(agency)
    return key.public_key() if key and key_id_for(agency, key.public_key()) == key_id else None


def good(agency, *records):
    body = {"records": [sign_record(r, KEYS[agency], agency) for r in records]}
    import json

    return rules.screen(
        Delivery(body=json.dumps(body).encode(), routing_key=records[0]["type"], user_id="guest"),
        public_keys=lookup,
        record_kinds=DEFAULT_RECORD_KINDS,
        trusted_users=["guest"],
    )


def disbursement(record_id, disbursed, progress, day):
    return {
        "record_id": record_id,
        "type": "finance.disbursement",
        "subject": "town-jieshi",
        "occurred_at": f"2025-{day}",
        "data": {
            "project_id": "XC2025-001",
            "project_name": "界石镇高标准农田建设项目",
            "fund": "中央财政衔接推进乡村振兴补助资金",
            "disbursed_percent": disbursed,
            "progress_percent": progress,
        },
    }


AUDIT_FINDING = {
    "record_id": "SJ2025-001",
    "type": "audit.finding",
    "subject": "town-jieshi",
    "occurred_at": "2025-08-12",
    "data": {"project_id": "XC2025-001", "description": "超进度拨付资金"},
}


@pytest.fixture
def session(tmp_path):
    engine = make_engine(
        "sharing", {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "VAR_DIR": str(tmp_path)}
    )
    Base.metadata.create_all(engine)
    with Session(bind=engine) as s:
        yield s
    engine.dispose()


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_batch_sent_twice_is_stored_once_and_only_new_rows_come_back(session):
    batch = good("finance", disbursement("A", 30, 15, "03-10"), disbursement("B", 70, 25, "05-20"))
    first = store.insert_records(session, batch.good, sender="guest", message_id="m1", now=NOW)
    assert sorted(r["record_id"] for r in first) == ["A", "B"] and all(r["id"] for r in first)
    again = good("finance", disbursement("B", 99, 99, "06-01"), disbursement("C", 1, 1, "06-02"))
    second = store.insert_records(session, again.good, sender="guest", message_id="m2", now=NOW)
    assert [r["record_id"] for r in second] == ["C"]
    session.commit()
    assert count(session, Record) == 3
    kept = session.scalar(select(Record).where(Record.record_id == "B"))
    assert kept.data["disbursed_percent"] == 70 and kept.message_id == "m1"


def test_the_same_record_id_of_two_agencies_is_two_records(session):
    a = good("finance", disbursement("X-1", 1, 1, "01-01"))
    b = good("audit", {**AUDIT_FINDING, "record_id": "X-1"})
    store.insert_records(session, a.good, sender="guest", message_id=None, now=NOW)
    store.insert_records(session, b.good, sender="guest", message_id=None, now=NOW)
    assert count(session, Record) == 2


def test_a_refusal_reported_twice_is_kept_once(session):
    refusal = rules.Refusal(
        code="bad_signature", reason="签名校验失败", record_id="T", raw='{"record_id": "T"}'
    )
    for _ in range(2):
        store.insert_refusals(
            session,
            [refusal, refusal],
            sender="finance",
            routing_key="finance.disbursement",
            message_id="m",
            now=NOW,
        )
    assert count(session, Quarantined) == 1


@pytest.mark.parametrize("audit_first", [True, False])
def test_the_funds_warning_joins_the_audit_finding_whichever_arrives_first(session, audit_first):
    specs = wr.configured_rules(None)
    batches = [
        good("audit", AUDIT_FINDING),
        good(
            "finance",
            disbursement("CZBF-0101", 30, 15, "03-10"),
            disbursement("CZBF-0215", 70, 25, "05-20"),
            disbursement("CZBF-0342", 85, 35, "07-15"),
        ),
    ]
    if not audit_first:
        batches.reverse()
    raised = []
    for batch in batches:
        new = store.insert_records(session, batch.good, sender="guest", message_id=None, now=NOW)
        raised += store.evaluate_records(session, specs, new, NOW, str)
    session.commit()
    warning = session.scalar(select(EarlyWarning))
    assert count(session, EarlyWarning) == 1
    assert warning.facts["disbursed_percent"] == 85 and warning.key == "XC2025-001"
    roles = dict(
        session.execute(
            select(Record.record_id, WarningRecord.role).join(
                WarningRecord, WarningRecord.record_pk == Record.id
            )
        ).all()
    )
    assert roles == {
        "CZBF-0215": "trigger",
        "CZBF-0342": "trigger",
        "CZBF-0101": "evidence",
        "SJ2025-001": "evidence",
    }
    assert sum(h.created for h in raised) == 1
