"""What an untrusted sender can get into the store: nothing but its own signed kinds.

Bad signature, another agency's kind, a forged source unit, an unknown key, a body that is
not JSON and a broker user nobody vouches for all end in the quarantine with their reason,
while the good records of the same batch pass. Each agency sees its own refusals; the office all.
"""

import json
import uuid

import pytest
import requests
from sharing_support import SAMPLES, canonical

from tests.support import rabbit

pytestmark = pytest.mark.integration


def test_bad_records_are_quarantined_with_reasons_and_good_ones_pass(bus):
    good = bus.sign("finance", canonical("FIN-GOOD-1"))
    tampered = bus.sign("finance", canonical("FIN-TAMPERED"))
    tampered["data"] = {"amount": 999999}  # changed after signing
    foreign_kind = bus.sign("finance", canonical("FIN-AS-AUDIT", record_type="audit.finding"))
    forged = bus.sign("audit", canonical("AUD-FORGED", record_type="audit.finding"))
    unknown_key = bus.sign("finance", canonical("FIN-NEW-KEY"), key_agency="finance-rogue")
    bus.publish(
        "finance.disbursement",
        {"records": [good, tampered, foreign_kind, forged, unknown_key, "not a record"]},
    )
    bus.publish("finance.disbursement", b"{not json")
    bus.wait_records(1)
    refused = bus.wait(lambda: (q := bus.quarantine())["total"] >= 6 and q, what="quarantine")
    codes = {(q["record_id"], q["code"]) for q in refused["items"]}
    assert {
        ("FIN-TAMPERED", "bad_signature"),
        ("FIN-AS-AUDIT", "kind_not_allowed"),
        ("AUD-FORGED", "forged_sender"),
        ("FIN-NEW-KEY", "unknown_key"),
        (None, "schema_invalid"),
        (None, "batch_malformed"),
    } <= codes
    assert all(q["reason"] and q["source_unit"] == "finance" for q in refused["items"])
    forged_row = next(q for q in refused["items"] if q["code"] == "forged_sender")
    assert forged_row["claimed_unit"] == "audit" and "实际发送方 finance" in forged_row["reason"]

    stored = bus.call("office", "list_records", {})
    assert [r["record_id"] for r in stored["items"]] == ["FIN-GOOD-1"]

    # each agency sees its own refusals; the office sees all; a supervised unit none
    assert bus.quarantine("finance-liaison")["total"] == refused["total"]
    assert bus.quarantine("audit-liaison")["total"] == 0
    from contracts.errors import Forbidden

    with pytest.raises(Forbidden):
        bus.quarantine("court-reporter")

    # the same refusals again (a resent batch) are not listed twice
    bus.publish("finance.disbursement", {"records": [tampered, forged]})
    bus.publish("finance.disbursement", {"records": [bus.sign("finance", canonical("FIN-2"))]})
    bus.wait_records(2)
    assert bus.quarantine()["total"] == refused["total"]


def test_the_adapters_own_refusals_reach_the_quarantine(bus):
    report = bus.ingest("finance", SAMPLES["finance"] / "broken" / "拨付台账_含错误行.csv")
    assert report.quarantined == 6 and report.accepted == 1
    bus.wait_records(1)
    rows = bus.wait(
        lambda: (q := bus.quarantine("finance-liaison"))["total"] >= 6 and q,
        what="adapter quarantine reports",
    )
    assert {q["origin"] for q in rows["items"]} == {"adapter"}
    assert {q["line"] for q in rows["items"]} == {3, 4, 5, 6, 7, 8}
    assert all(q["file"] == "拨付台账_含错误行.csv" for q in rows["items"])
    assert bus.quarantine("plc-liaison")["total"] == 0


def test_the_broker_user_names_the_sender(bus, platform):
    """An agency's own broker user (mapped in config) may speak only for that agency; a user
    that is neither mapped nor trusted speaks for nobody."""
    vhost = platform.config["AMQP_URI"].rsplit("/", 1)[1]
    base, auth = rabbit.MANAGEMENT, rabbit._auth()
    users = {
        name: uuid.uuid4().hex
        for name in (f"fin-test-{uuid.uuid4().hex[:8]}", f"stranger-{uuid.uuid4().hex[:8]}")
    }
    finance_user, stranger = list(users)
    for name, password in users.items():
        requests.put(
            f"{base}/api/users/{name}",
            auth=auth,
            timeout=10,
            json={"password": password, "tags": ""},
        ).raise_for_status()
        requests.put(
            f"{base}/api/permissions/{vhost}/{name}",
            auth=auth,
            timeout=10,
            json={"configure": "^$", "write": ".*", "read": "^$"},
        ).raise_for_status()
    container = platform.containers[0]
    container.config["records_broker_users"] = {finance_user: "finance"}
    try:

        def uri(name):
            return platform.config["AMQP_URI"].replace("guest:guest", f"{name}:{users[name]}")

        own = bus.sign("finance", canonical("FIN-OWN-USER"))
        bus.publish(
            "finance.disbursement", {"records": [own]}, uri=uri(finance_user), user_id=finance_user
        )
        # the finance user claiming to be audit, with audit's genuine signature
        audit = bus.sign("audit", canonical("AUD-VIA-FIN", record_type="audit.finding"))
        bus.publish(
            "audit.finding", {"records": [audit]}, uri=uri(finance_user), user_id=finance_user
        )
        bus.publish(
            "finance.disbursement",
            {"records": [bus.sign("finance", canonical("FIN-VIA-STRANGER"))]},
            uri=uri(stranger),
            user_id=stranger,
        )
        bus.wait_records(1)
        refused = bus.wait(lambda: (q := bus.quarantine())["total"] >= 2 and q, what="refusals")
        codes = {q["record_id"]: q["code"] for q in refused["items"]}
        assert codes == {"AUD-VIA-FIN": "routing_not_own", "FIN-VIA-STRANGER": "sender_unknown"}
        stored = bus.call("office", "list_records", {})["items"]
        assert [r["record_id"] for r in stored] == ["FIN-OWN-USER"]
    finally:
        for name in users:
            requests.delete(f"{base}/api/users/{name}", auth=auth, timeout=10)


def test_hostile_bytes_never_poison_the_batch_they_came_in(bus):
    """NUL characters, an over-long message id, junk in an adapter's report: refused or kept as
    text, the good record of the same batch stored, nothing dead-lettered (PostgreSQL text
    cannot hold NUL; one such value must not sink 499 good records)."""
    good = bus.sign("finance", canonical("FIN-AMID-JUNK"))
    junk = {
        **canonical("FIN-\x00-NUL"),
        "source_unit": "fin\x00ance",
        "key_id": "k\x00",
        "signature": "s",
    }
    surrogate = b'{"record_id": "FIN-SUR", "type": "finance.disbursement", "data": "\\ud800"}'
    body = (
        b'{"records": ['
        + json.dumps(good).encode()
        + b", "
        + json.dumps(junk).encode()
        + b", "
        + surrogate
        + b"]}"
    )
    bus.publish("finance.disbursement", body, message_id="m" * 120 + "\x00")
    bus.publish(
        "finance.quarantine",
        {
            "quarantine": [
                {
                    "line": 2,
                    "code": "wrong\x00type",
                    "reason": "坏\x00数据",
                    "field": "金\x00额",
                    "raw": "a\x00b",
                    "file": "x\x00.csv",
                }
            ]
        },
    )
    bus.wait_records(1)
    refused = bus.wait(lambda: (q := bus.quarantine())["total"] >= 3 and q, what="refusals")
    assert {q["origin"] for q in refused["items"]} == {"sharing", "adapter"}
    assert "FIN-SUR" in {q["record_id"] for q in refused["items"]}
    assert all("\x00" not in (q["reason"] or "") for q in refused["items"])
    stored = bus.call("office", "list_records", {})["items"]
    assert [r["record_id"] for r in stored] == ["FIN-AMID-JUNK"]
