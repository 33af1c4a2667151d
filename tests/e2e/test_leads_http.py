"""Leads over HTTP on the real stack: the lifecycle as liaisons would click it, and need-to-know
for every leads route and every demo user — 404 outside it, identical to an id that never
existed, and absent from every list.
"""

import uuid

import pytest

from cosupervise.demo.users import demo_users
from tests.support.answers import error, ok

pytestmark = pytest.mark.e2e

SUBJECT = "town-yudong"  # the demo's leads are about other subjects
LEAD_FIELDS = {
    "id",
    "subject",
    "summary",
    "category",
    "sensitivity",
    "status",
    "source_unit",
    "holder_unit",
    "accept_due",
    "feedback_due",
    "overdue",
    "history",
}
ACTIONS = {
    "transfer": {"to_unit": "statistics", "reason": "越权移送尝试"},
    "accept": {},
    "return": {"reason": "越权退回尝试"},
    "progress": {"note": "越权办理尝试"},
    "feedback": {"result": "越权反馈尝试"},
}
USERS = [u for u, _, _ in demo_users()]


def register(client, summary, category="funds", **extra):
    return ok(
        client.post(
            "/api/v1/leads",
            {
                "subject": SUBJECT,
                "summary": summary,
                "category": category,
                "sensitivity": "normal",
                **extra,
            },
        ),
        201,
    )


@pytest.fixture(scope="module")
def leads(as_user):
    """Leads in every state, each with the units that must (alone, besides the office) see it."""
    tag = uuid.uuid4().hex[:6]
    audit, cdi, plc = as_user("audit-liaison"), as_user("cdi-liaison"), as_user("plc-liaison")
    finance, inspection = as_user("finance-liaison"), as_user("inspection-liaison")

    transferred = register(
        audit, f"鱼洞街道{tag}社区养老服务中心建设资金被挪作他用，审计抽查发现账实不符。"
    )
    lead = ok(
        audit.post(
            f"/api/v1/leads/{transferred['id']}/transfer",
            {"to_unit": "cdi", "reason": "涉嫌挪用专项资金"},
        )
    )
    assert lead["status"] == "transferred" and lead["accept_due"] and lead["feedback_due"]

    returned = register(
        cdi, f"鱼洞街道{tag}派出所民警涉嫌违规插手经济纠纷，当事人多次信访。", "judicial"
    )
    ok(
        cdi.post(
            f"/api/v1/leads/{returned['id']}/transfer",
            {"to_unit": "plc", "reason": "涉及执法司法人员"},
        )
    )
    back = ok(
        plc.post(f"/api/v1/leads/{returned['id']}/return", {"reason": "民警违纪问题请纪委监委处理"})
    )
    assert (back["status"], back["holder_unit"]) == ("returned", "cdi")

    concluded = register(finance, f"鱼洞街道{tag}老旧小区改造补助资金拨付后项目停工半年。")
    ok(
        finance.post(
            f"/api/v1/leads/{concluded['id']}/transfer",
            {"to_unit": "inspection", "reason": "结合巡察核实"},
        )
    )
    ok(inspection.post(f"/api/v1/leads/{concluded['id']}/accept"))
    done = ok(
        inspection.post(
            f"/api/v1/leads/{concluded['id']}/feedback",
            {"result": "已核实，责令街道限期复工并约谈分管领导。"},
        )
    )
    assert done["status"] == "concluded"

    registered = register(
        as_user("statistics-liaison"), f"鱼洞街道{tag}经济普查数据填报存在人为干预迹象。", "default"
    )
    return {
        "tag": tag,
        "cases": [
            (transferred["id"], {"audit", "cdi"}),
            (returned["id"], {"cdi", "plc"}),
            (concluded["id"], {"finance", "inspection"}),
            (registered["id"], {"statistics"}),
        ],
    }


def unit_and_role(username):
    return next((unit, role) for u, unit, role in demo_users() if u == username)


def may_see(username, units):
    unit, role = unit_and_role(username)
    if unit == "npc":
        return True  # the office and the committee's leaders
    return role == "liaison" and unit in units


def test_the_demo_leads_are_there_and_the_overdue_one_is_escalated(as_user):
    office = as_user("office")
    story = ok(office.get("/api/v1/leads?year=2025&limit=500"))["items"]
    by_status = {}
    for lead in story:
        by_status.setdefault(lead["status"], []).append(lead)
    # the clue the rural-fund finding handed to cdi (the early warning's lead is another one)
    rural = next(
        lead
        for lead in story
        if (lead["origin"] or {}).get("kind") == "finding" and lead["subject"] == "town-jieshi"
    )
    assert rural["holder_unit"] == "cdi" and rural["status"] in ("accepted", "handling")
    assert by_status.get("returned") and by_status.get("concluded")
    overdue = [lead for lead in story if lead["overdue"]]
    assert overdue and overdue[0]["overdue_deadline"] == "accept"
    escalated = {e["lead_id"] for e in ok(office.get("/api/v1/leads/escalations"))["items"]}
    assert overdue[0]["id"] in escalated
    assert ok(office.get("/api/v1/leads?overdue=true&limit=500"))["total"] >= 1
    # the office sees the finance bureau's copy of cdi's clue linked; finance was told nothing
    linked = {d["id"] for d in rural["possible_duplicates"]}
    finance_copy = next(lead for lead in story if lead["source_unit"] == "finance")
    assert finance_copy["id"] in linked
    finance_view = ok(as_user("finance-liaison").get(f"/api/v1/leads/{finance_copy['id']}"))
    assert finance_view["possible_duplicates"] == []
    assert set(LEAD_FIELDS) <= set(rural)


@pytest.mark.parametrize("username", USERS)
def test_need_to_know_on_every_route_for_every_user(as_user, leads, username):
    client, office = as_user(username), as_user("office")
    never = error(client.get(f"/api/v1/leads/lead-{uuid.uuid4().hex[:12]}"), 404, "not_found")
    listed = {x["id"] for x in ok(client.get("/api/v1/leads?limit=500"))["items"]}
    by_subject = {
        x["id"] for x in ok(client.get(f"/api/v1/leads?subject={SUBJECT}&limit=500"))["items"]
    }
    escalations = ok(client.get("/api/v1/leads/escalations?status=all&limit=500"))["items"]
    unit, role = unit_and_role(username)
    if role == "supervised":
        assert listed == set() and escalations == []
    for lead_id, units in leads["cases"]:
        visible = may_see(username, units)
        before = None if visible else ok(office.get(f"/api/v1/leads/{lead_id}"))
        response = client.get(f"/api/v1/leads/{lead_id}")
        if visible:
            assert set(LEAD_FIELDS) <= set(ok(response))
        else:
            # exactly what an id that never existed answers: no hint that it exists
            assert error(response, 404, "not_found") == never
            for action, body in ACTIONS.items():
                hidden = error(client.post(f"/api/v1/leads/{lead_id}/{action}", body), 404)
                assert hidden == never, action
        assert (lead_id in listed) == visible
        assert (lead_id in by_subject) == visible
        if before is not None:  # the outsider's attempts changed nothing
            after = ok(office.get(f"/api/v1/leads/{lead_id}"))
            assert (after["history"], after["status"]) == (before["history"], before["status"])


def test_cross_service_views_respect_need_to_know(as_user, leads):
    """Search and trace are the gateway's; whatever it shows of leads comes from the leads
    service within the caller's rights."""
    tag = leads["tag"]
    probe = as_user("office").get(f"/api/v1/search?q={tag}")
    if probe.status_code == 404 and probe.json()["error"].get("message") == "接口不存在":
        pytest.skip("the cross-service search route is not built in this checkout")
    for username in USERS:
        client = as_user(username)
        found = {
            x["id"]
            for x in ok(client.get(f"/api/v1/search?q={tag}"))["items"]
            if x.get("kind") == "lead"
        }
        for lead_id, units in leads["cases"]:
            assert (lead_id in found) == may_see(username, units), (username, lead_id)
            trace = client.get(f"/api/v1/trace/lead/{lead_id}")
            if may_see(username, units):
                assert trace.status_code == 200, trace.text
            else:
                error(trace, 404)


def test_lifecycle_refusals_over_http(as_user, leads):
    audit, cdi, plc = as_user("audit-liaison"), as_user("cdi-liaison"), as_user("plc-liaison")
    transferred, returned = leads["cases"][0][0], leads["cases"][1][0]
    # the sender may read it, not accept it for the receiver
    error(audit.post(f"/api/v1/leads/{transferred}/accept"), 403, "holder_unit_only")
    error(
        cdi.post(f"/api/v1/leads/{transferred}/feedback", {"result": "已办"}),
        409,
        "lead_not_accepted",
    )
    error(
        cdi.post(f"/api/v1/leads/{transferred}/return", {"reason": " "}), 409, "return_needs_reason"
    )
    error(
        cdi.post(f"/api/v1/leads/{transferred}/transfer", {"to_unit": "plc", "reason": "x"}),
        409,
        "lead_awaiting_acceptance",
    )
    error(as_user("leader").post(f"/api/v1/leads/{transferred}/accept"), 403, "read_only")
    # a returned lead: plc held it once and still reads it, but acts no more
    assert ok(plc.get(f"/api/v1/leads/{returned}"))["status"] == "returned"
    error(
        plc.post(f"/api/v1/leads/{returned}/transfer", {"to_unit": "audit", "reason": "x"}),
        403,
        "holder_unit_only",
    )
    fields = error(
        cdi.post(f"/api/v1/leads/{returned}/transfer", {"to_unit": "town-mudong", "reason": "x"}),
        422,
    )["fields"]
    assert "to_unit" in fields
    fields = error(
        cdi.post("/api/v1/leads", {"subject": "", "summary": " ", "sensitivity": "绝密"}), 422
    )["fields"]
    assert {"subject", "summary", "category", "sensitivity"} <= set(fields)
    error(
        as_user("court-reporter").post(
            "/api/v1/leads",
            {"subject": "court", "summary": "x", "category": "funds", "sensitivity": "normal"},
        ),
        403,
    )
    error(cdi.post("/api/v1/leads/overdue-check"), 403, "office_only")
    assert "escalated" in ok(as_user("office").post("/api/v1/leads/overdue-check"))
    r = cdi.http.request(
        "GET", cdi.base + "/api/v1/leads", headers={"Authorization": "Bearer nonsense"}
    )
    assert r.status_code == 401


def test_near_duplicates_in_chinese_within_need_to_know(as_user, leads):
    tag = leads["tag"]
    original = leads["cases"][0][0]  # audit's, transferred to cdi
    reworded = f"审计抽查发现鱼洞街道{tag}社区养老服务中心建设资金账实不符，疑被挪作他用。"
    seen_by_cdi = register(as_user("cdi-liaison"), reworded)
    assert original in {d["id"] for d in seen_by_cdi["possible_duplicates"]}
    top = seen_by_cdi["possible_duplicates"][0]
    assert top["score"] >= 0.5 and {"id", "subject", "summary", "score"} <= set(top)
    # a unit outside the original's need-to-know is told of nothing
    blind = register(as_user("plc-liaison"), reworded)
    assert blind["possible_duplicates"] == []
    # the office sees every link
    office_view = ok(as_user("office").get(f"/api/v1/leads/{blind['id']}"))
    assert {original, seen_by_cdi["id"]} <= {d["id"] for d in office_view["possible_duplicates"]}
