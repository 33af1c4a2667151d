"""信息共享 · 成果共用 over HTTP, as an agency's integrator and the units' staff would use it.

The demo of `make run` has already sent every agency's samples through its adapter; here an
integrator sends more with `cosupervise adapter`, sends it again, sends a broken file and another
agency's kind, and a hostile sender forges a batch; the units read, turn warnings into leads and
reuse results — each answer checked against the contract and against need-to-know.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import kombu
import pytest

from tests.support.answers import error
from tests.support.stack import ROOT

pytestmark = pytest.mark.e2e


def wait(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def adapter(stack, *args):
    env = {**os.environ, "COSUPERVISE_VAR": str(stack.var), "AMQP_URI": stack.amqp_uri}
    return subprocess.run(
        [sys.executable, "-m", "cosupervise.cli", "adapter", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_demo_raised_the_rural_funds_warning_and_sent_it_to_cdi_as_a_lead(as_user):
    office, cdi, plc = as_user("office"), as_user("cdi-liaison"), as_user("plc-liaison")
    warnings = office.get("/api/v1/warnings?limit=100").json()["items"]
    funds = [
        w
        for w in warnings
        if w["rule"] == "funds_outpace_progress" and w["subject"] == "town-jieshi"
    ]
    assert len(funds) == 1
    w = funds[0]
    assert w["status"] == "converted" and w["lead_id"]
    assert {("finance", "CZBF-2025-0342"), ("audit", "SJ2025-001")} <= {
        (r["source_unit"], r["record_id"]) for r in w["records"]
    }
    assert "85%" in w["explanation"] and "35%" in w["explanation"]
    assert cdi.get(f"/api/v1/leads/{w['lead_id']}").status_code == 200
    assert plc.get(f"/api/v1/leads/{w['lead_id']}").status_code == 404
    assert plc.get(f"/api/v1/warnings/{w['id']}").status_code == 404

    portrait = office.get("/api/v1/subjects/town-jieshi/portrait")
    assert portrait.status_code == 200
    p = portrait.json()
    assert p["unavailable"] == [] and set(p["sections"].values()) == {"ok"}
    assert {"finance", "audit", "plc", "cdi", "inspection", "statistics"} <= {
        f["source_unit"] for f in p["facts"]
    }
    assert all(f["record_id"] and f["event_id"] and f["received_at"] for f in p["facts"])
    assert w["lead_id"] in {x["id"] for x in p["leads"]}
    assert p["items"] and p["timeline"]
    plc_view = plc.get("/api/v1/subjects/town-jieshi/portrait").json()
    assert w["lead_id"] not in {x["id"] for x in plc_view["leads"]}
    assert {f["type"] for f in plc_view["facts"]} <= {
        "plc.petition",
        "plc.case_quality",
        "statistics.indicator",
    }


def test_an_integrator_sends_files_again_broken_and_foreign_and_a_forger_is_caught(
    stack, as_user, tmp_path
):
    office, finance, audit = as_user("office"), as_user("finance-liaison"), as_user("audit-liaison")
    tag = uuid.uuid4().hex[:6].upper()
    before = office.get("/api/v1/records?limit=1").json()["total"]
    export = tmp_path / "拨付台账_补报.jsonl"
    lines = [
        {
            "record_id": f"E2E-{tag}-1",
            "type": "finance.disbursement",
            "subject": "town-mudong",
            "occurred_at": "2025-10-01",
            "data": {"project_id": f"E2E-{tag}", "amount": 100},
        },
        {
            "record_id": f"E2E-{tag}-2",
            "type": "audit.finding",
            "subject": "town-mudong",
            "occurred_at": "2025-10-01",
            "data": {"description": "财政局冒充审计局"},
        },
        {
            "record_id": f"E2E-{tag}-3",
            "type": "finance.disbursement",
            "subject": "town-mudong",
            "occurred_at": "2025-13-01",
            "data": {},
        },
    ]
    export.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{oops\n", encoding="utf-8"
    )
    run = adapter(stack, "finance", "ingest", str(export))
    assert run.returncode == 0, run.stderr
    assert "接收 accepted: 1" in run.stdout and "隔离 quarantined: 3" in run.stdout
    wait(
        lambda: office.get("/api/v1/records?limit=1").json()["total"] == before + 1,
        "the new record",
    )
    stored = finance.get(
        "/api/v1/records?subject=town-mudong&type=finance.disbursement&limit=500"
    ).json()["items"]
    mine = [r for r in stored if r["record_id"] == f"E2E-{tag}-1"]
    assert len(mine) == 1 and mine[0]["source_unit"] == "finance" and mine[0]["event_id"]

    # sent again: the adapter publishes nothing, the platform stores nothing twice
    again = adapter(stack, "finance", "ingest", str(export))
    assert again.returncode == 0 and "重复 duplicate 1" in again.stdout
    time.sleep(1.0)
    assert office.get("/api/v1/records?limit=1").json()["total"] == before + 1

    # every bad line is in finance's quarantine with its reason; audit does not see it
    def quarantined():
        items = finance.get("/api/v1/quarantine?limit=500").json()["items"]
        found = {q["line"]: q for q in items if q.get("file") == export.name}
        return found if len(found) == 3 else None

    rows = wait(quarantined, "the adapter's refusals")
    assert rows[2]["code"] == "kind_not_allowed" and rows[3]["field"] == "occurred_at"
    assert rows[4]["code"] == "malformed" and all(q["reason"] for q in rows.values())
    assert not [
        q
        for q in audit.get("/api/v1/quarantine?limit=500").json()["items"]
        if q.get("file") == export.name
    ]

    # a forger on the bus: finance's routing key, a record claiming to be audit's
    forged = {
        "record_id": f"E2E-{tag}-F",
        "type": "audit.finding",
        "subject": "town-mudong",
        "occurred_at": "2025-10-02",
        "data": {"description": "伪造"},
        "source_unit": "audit",
        "key_id": "audit:0000000000000000",
        "signature": "AAAA",
    }
    with kombu.Connection(stack.amqp_uri) as conn:
        kombu.Producer(conn.channel()).publish(
            json.dumps({"records": [forged]}),
            exchange="cosupervise.records",
            routing_key="finance.disbursement",
            user_id="guest",
            delivery_mode=2,
            content_type="application/json",
        )
    row = wait(
        lambda: [
            q
            for q in office.get("/api/v1/quarantine?limit=500").json()["items"]
            if q["record_id"] == f"E2E-{tag}-F"
        ],
        "the forged record refused",
    )[0]
    assert row["code"] == "forged_sender" and row["source_unit"] == "finance"
    assert row["claimed_unit"] == "audit"
    assert (
        office.get("/api/v1/records?subject=town-mudong&type=audit.finding&limit=500").json()[
            "total"
        ]
        == 1
    )  # only the genuine audit finding of the demo
    error(as_user("court-reporter").get("/api/v1/quarantine"), 403, "forbidden")


def test_petition_spike_to_lead_once_results_reused_and_bad_input_named(as_user):
    office, plc, leader, audit = (
        as_user("office"),
        as_user("plc-liaison"),
        as_user("leader"),
        as_user("audit-liaison"),
    )
    spikes = plc.get("/api/v1/warnings?status=open&subject=court").json()["items"]
    spike = next(w for w in spikes if w["rule"] == "petition_spike")
    assert spike["facts"]["count"] == 6 and len(spike["records"]) == 6
    assert audit.get(f"/api/v1/warnings/{spike['id']}").status_code == 404  # no petitions

    fields = error(
        plc.post(f"/api/v1/warnings/{spike['id']}/to-lead", {"to_unit": "court"}),
        422,
        "validation_failed",
    )["fields"]
    assert "to_unit" in fields
    error(leader.post(f"/api/v1/warnings/{spike['id']}/to-lead", {"to_unit": "cdi"}), 403)
    error(plc.post("/api/v1/warnings/warn-nothere/to-lead", {"to_unit": "cdi"}), 404)
    r = plc.post(
        f"/api/v1/warnings/{spike['id']}/to-lead",
        {"to_unit": "cdi", "category": "judicial", "sensitivity": "sensitive"},
    )
    assert r.status_code == 201, r.text
    lead = r.json()
    assert lead["origin"] == {"kind": "warning", "id": spike["id"]}
    assert lead["subject"] == "court" and lead["category"] == "judicial"
    error(
        plc.post(f"/api/v1/warnings/{spike['id']}/to-lead", {"to_unit": "cdi"}),
        409,
        "warning_already_converted",
    )
    converted = office.get(f"/api/v1/warnings/{spike['id']}").json()
    assert converted["status"] == "converted" and converted["lead_id"] == lead["id"]

    results = office.get("/api/v1/results").json()
    assert results["total"] >= 2 and {"research_output", "circular"} <= {
        r["kind"] for r in results["items"]
    }
    target = results["items"][0]
    error(audit.post(f"/api/v1/results/{target['id']}/reuse", {"purpose": " "}), 422)
    error(leader.post(f"/api/v1/results/{target['id']}/reuse", {"purpose": "阅研"}), 403)
    r = audit.post(f"/api/v1/results/{target['id']}/reuse", {"purpose": "制定审计方案时参考"})
    assert r.status_code == 201 and r.json()["unit"] == "audit"
    got = office.get(f"/api/v1/results/{target['id']}").json()
    assert ("audit", "制定审计方案时参考") in {(u["unit"], u["purpose"]) for u in got["reuses"]}

    error(office.get("/api/v1/records?limit=abc"), 422, "validation_failed")
    error(office.get("/api/v1/warnings?status=nonsense"), 422, "validation_failed")
    error(office.get("/api/v1/records/999999999"), 404)
    assert office.get("/api/v1/records?limit=1", headers={"Authorization": ""}).status_code == 401
