"""Every refusal by a service leaves an entry in that service's audit chain (outcome denied)."""

import pytest

pytestmark = pytest.mark.e2e


def denials(office, method):
    r = office.get("/api/v1/audit", params={"entity": f"rpc:{method}"})
    assert r.status_code == 200, r.text
    return [e for e in r.json()["items"] if e["outcome"] == "denied"]


def test_a_forbidden_action_and_a_need_to_know_refusal_are_both_in_the_trail(as_user):
    office, plc = as_user("office"), as_user("plc-liaison")
    before_403 = len(denials(office, "create_plan"))
    r = plc.post("/api/v1/plans", json={"year": 2031})
    assert r.status_code == 403
    after = denials(office, "create_plan")
    assert len(after) == before_403 + 1
    assert after[-1]["actor"] == "plc-liaison" and after[-1]["unit"] == "plc"
    assert after[-1]["after"]["reason"].startswith("403")
    assert after[-1]["service"] == "planning" and after[-1]["hash"]

    # a lead outside plc's need-to-know: 404 to plc, and the office sees that plc asked
    cdi = as_user("cdi-liaison")
    lead = cdi.post(
        "/api/v1/leads",
        json={
            "subject": "town-mudong",
            "summary": "木洞镇某项目资金疑似被挪用",
            "category": "funds",
            "sensitivity": "sensitive",
        },
    )
    assert lead.status_code == 201, lead.text
    before_404 = len(denials(office, "get_lead"))
    assert plc.get(f"/api/v1/leads/{lead.json()['id']}").status_code == 404
    after = denials(office, "get_lead")
    assert len(after) == before_404 + 1 and after[-1]["actor"] == "plc-liaison"
    assert after[-1]["after"]["reason"].startswith("404")
