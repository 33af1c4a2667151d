"""Need-to-know over HTTP, on the demo: what a unit may not see is absent (404, missing from
lists), never "forbidden" (which would say it exists) — whatever it tries to do with it.
Runs before the permission matrix, which changes the demo.
"""

import pytest

from tests.security.conftest import AGENCIES

LIAISONS = [f"{a}-liaison" for a in AGENCIES]
REPORTERS = ["court-reporter", "rural-reporter"]
LEAD_ACTIONS = {
    "accept": {},
    "return": {"reason": "不属于本单位职责"},
    "feedback": {"result": "已办结"},
    "progress": {"note": "办理中"},
    "transfer": {"to_unit": "cdi", "reason": "移送"},
}


@pytest.mark.timeout(180)
def test_leads_outside_need_to_know_are_absent(stack, callers):
    base = stack.url
    office = callers.session("office")
    leads = office.get(f"{base}/api/v1/leads", params={"limit": 500}, timeout=30).json()["items"]
    assert leads, "the demo has leads"
    checked = refused = 0
    for who in LIAISONS + REPORTERS:
        unit = who.split("-")[0]
        s = callers.session(who)
        listed = {
            x["id"]
            for x in s.get(f"{base}/api/v1/leads", params={"limit": 500}, timeout=30)
            .json()
            .get("items", [])
        }
        for lead in leads:
            r = s.get(f"{base}/api/v1/leads/{lead['id']}", timeout=30)
            checked += 1
            if unit in lead["units"]:
                assert r.status_code == 200, (who, lead["id"], r.text)
                assert lead["id"] in listed
                continue
            refused += 1
            assert r.status_code == 404, (who, lead["id"], r.status_code, r.text)
            assert lead["id"] not in listed, (who, lead["id"])
            assert lead["summary"] not in r.text
            trace = s.get(f"{base}/api/v1/trace/lead/{lead['id']}", timeout=30)
            assert trace.status_code == 404, (who, trace.status_code, trace.text)
            for action, body in LEAD_ACTIONS.items():
                r = s.post(f"{base}/api/v1/leads/{lead['id']}/{action}", json=body, timeout=30)
                assert r.status_code == 404, (who, action, lead["id"], r.status_code, r.text)
        hits = s.get(f"{base}/api/v1/search", params={"q": "线索"}, timeout=30)
        if hits.status_code == 200:
            visible = {h["id"] for h in hits.json().get("items", []) if h.get("kind") == "lead"}
            assert visible <= {x["id"] for x in leads if unit in x["units"]}, who
    print(
        f"\n[need-to-know] lead lookups={checked} outside need-to-know={refused} "
        f"(each 404 on read, trace and {len(LEAD_ACTIONS)} actions)",
        flush=True,
    )
    assert refused > 0


def test_a_supervised_unit_sees_only_its_own_tasks(stack, callers):
    base = stack.url
    tasks = (
        callers.session("office")
        .get(f"{base}/api/v1/tasks", params={"limit": 500}, timeout=30)
        .json()["items"]
    )
    court = callers.session("court-reporter")
    own = {
        t["id"]
        for t in court.get(f"{base}/api/v1/tasks", params={"limit": 500}, timeout=30).json()[
            "items"
        ]
    }
    assert own == {t["id"] for t in tasks if t["responsible_unit"] == "court"}
    others = [t for t in tasks if t["responsible_unit"] != "court"]
    assert others
    for task in others:
        r = court.get(f"{base}/api/v1/tasks/{task['id']}", timeout=30)
        assert r.status_code == 404, (task["id"], r.status_code)
        r = court.post(
            f"{base}/api/v1/tasks/{task['id']}/progress",
            json={"note": "越权报告", "evidence": []},
            timeout=30,
        )
        assert r.status_code == 404, (task["id"], r.status_code, r.text)


def test_record_types_outside_the_sharing_rules_are_absent(stack, callers):
    """plc.case_quality is shared with npc, cdi and plc only (config sharing_rules)."""
    base = stack.url
    records = (
        callers.session("office")
        .get(f"{base}/api/v1/records", params={"type": "plc.case_quality", "limit": 5}, timeout=30)
        .json()["items"]
    )
    assert records, "the demo has plc case-quality records"
    for who in ("statistics-liaison", "finance-liaison", "court-reporter"):
        s = callers.session(who)
        listed = s.get(f"{base}/api/v1/records", params={"type": "plc.case_quality"}, timeout=30)
        assert listed.status_code in (200, 403)
        if listed.status_code == 200:
            assert listed.json()["items"] == [], who
        r = s.get(f"{base}/api/v1/records/{records[0]['id']}", timeout=30)
        assert r.status_code in (403, 404) if who == "court-reporter" else r.status_code == 404
    assert (
        callers.session("plc-liaison")
        .get(f"{base}/api/v1/records/{records[0]['id']}", timeout=30)
        .status_code
        == 200
    )
