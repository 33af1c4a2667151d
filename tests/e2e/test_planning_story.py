"""A newcomer's year over HTTP: proposals → meeting → plan → adopted → started item → findings.

Every refusal and bad input is tried on the way, each checked for the contract's error shape and
for having stored nothing.
"""

import subprocess
import sys

import pytest

from tests.support.answers import error

YEAR = 2030  # the demo holds 2025; other e2e tests keep away from this year

pytestmark = pytest.mark.e2e


def test_the_planning_year_with_every_refusal(as_user):
    office, cdi, audit = as_user("office"), as_user("cdi-liaison"), as_user("audit-liaison")
    leader, court = as_user("leader"), as_user("court-reporter")

    # proposals: bad input named field by field, nothing stored
    r = cdi.post("/api/v1/proposals", {"year": "明年", "title": "", "concern_source": "天上"})
    fields = error(r, 422, "validation_failed")["fields"]
    assert {"year", "title", "concern_source", "rationale"} <= set(fields)
    r = cdi.post(
        "/api/v1/proposals", data="{not json", headers={"Content-Type": "application/json"}
    )
    error(r, 400, "invalid_json")
    r = cdi.post(
        "/api/v1/proposals",
        data=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    r = cdi.post(
        "/api/v1/proposals",
        {
            "year": YEAR,
            "title": "t",
            "rationale": "r",
            "concern_source": "public",
            "evil": "<script>",
        },
    )
    assert error(r, 422)["fields"]["evil"]
    listed = office.get(f"/api/v1/proposals?year={YEAR}")
    assert listed.status_code == 200 and listed.json().get("total") == 0, listed.text
    error(
        court.post(
            "/api/v1/proposals",
            {"year": YEAR, "title": "t", "rationale": "r", "concern_source": "public"},
        ),
        403,
    )

    p1 = cdi.post(
        "/api/v1/proposals",
        {
            "year": YEAR,
            "title": "乡村振兴衔接资金绩效",
            "rationale": "审计发现资金滞留",
            "concern_source": "party_government",
        },
    )
    assert p1.status_code == 201, p1.text
    p2 = audit.post(
        "/api/v1/proposals",
        {
            "year": YEAR,
            "title": "拒执类案件办理",
            "rationale": "代表关注",
            "concern_source": "deputies",
        },
    )
    assert p2.status_code == 201
    listed = office.get(f"/api/v1/proposals?year={YEAR}").json()
    assert listed["total"] == 2 and {p["concern_source"] for p in listed["items"]} == {
        "party_government",
        "deputies",
    }

    # the consultation meeting: office only, proposals of that year only
    meeting = {
        "year": YEAR,
        "held_on": f"{YEAR}-01-15",
        "attending_units": ["npc", "cdi", "audit"],
        "proposal_ids": [p1.json()["id"], p2.json()["id"]],
        "minutes": "联合会商",
    }
    error(cdi.post("/api/v1/meetings", meeting), 403)
    error(
        office.post("/api/v1/meetings", {**meeting, "proposal_ids": ["prop-nope"]}),
        409,
        "unknown_proposal",
    )
    assert office.post("/api/v1/meetings", meeting).status_code == 201

    # the plan: one a year, office only; adoption needs a key item
    error(cdi.post("/api/v1/plans", {"year": YEAR}), 403)
    error(leader.post("/api/v1/plans", {"year": YEAR}), 403)
    assert office.post("/api/v1/plans", {"year": YEAR}).status_code == 201
    error(office.post("/api/v1/plans", {"year": YEAR}), 409, "plan_exists")
    item = {
        "title": "乡村振兴资金使用监管",
        "form": "joint_supervision",
        "lead_unit": "cdi",
        "participating_units": ["audit"],
        "key": False,
    }
    error(office.post(f"/api/v1/plans/{YEAR}/items", {**item, "form": "闲聊"}), 422)
    error(office.post(f"/api/v1/plans/{YEAR}/items", {**item, "lead_unit": "mars"}), 422)
    error(
        office.post(f"/api/v1/plans/{YEAR}/items", {**item, "participating_units": ["cdi"]}),
        409,
        "lead_unit_in_participants",
    )
    first = office.post(f"/api/v1/plans/{YEAR}/items", item)
    assert first.status_code == 201, first.text
    error(office.post(f"/api/v1/plans/{YEAR}/adopt"), 409, "plan_needs_key_item")
    assert office.get(f"/api/v1/plans/{YEAR}").json()["status"] == "draft"
    key = office.post(
        f"/api/v1/plans/{YEAR}/items",
        {
            **item,
            "title": "拒执类案件",
            "key": True,
            "lead_unit": "plc",
            "participating_units": ["cdi"],
        },
    )
    assert key.status_code == 201
    adopted = office.post(f"/api/v1/plans/{YEAR}/adopt")
    assert adopted.status_code == 200 and adopted.json()["status"] == "adopted"
    error(office.post(f"/api/v1/plans/{YEAR}/adopt"), 409, "plan_already_adopted")
    error(office.post(f"/api/v1/plans/{YEAR}/items", item), 409, "plan_not_draft")

    # one item, one plan: lead unit writes, office approves; staff by each unit for itself
    item_id = first.json()["id"]
    error(office.post(f"/api/v1/items/{item_id}/start"), 409, "plan_not_approved")
    error(
        audit.put(f"/api/v1/items/{item_id}/implementation-plan", {"content": "x"}),
        403,
        "lead_unit_only",
    )
    v1 = cdi.put(f"/api/v1/items/{item_id}/implementation-plan", {"content": "第一稿"})
    v2 = cdi.put(f"/api/v1/items/{item_id}/implementation-plan", {"content": "第二稿"})
    assert v1.status_code == 200 and v2.status_code == 200
    error(cdi.post(f"/api/v1/items/{item_id}/implementation-plan/approve"), 403)
    assert office.post(f"/api/v1/items/{item_id}/implementation-plan/approve").status_code == 200
    error(office.post(f"/api/v1/items/{item_id}/start"), 409, "staff_missing")
    error(
        cdi.post(
            f"/api/v1/items/{item_id}/staff", {"unit": "audit", "name": "张三", "role": "组员"}
        ),
        403,
        "own_unit_only",
    )
    assert (
        cdi.post(
            f"/api/v1/items/{item_id}/staff", {"unit": "cdi", "name": "李四", "role": "组长"}
        ).status_code
        == 201
    )
    error(office.post(f"/api/v1/items/{item_id}/start"), 409, "staff_missing")
    assert (
        audit.post(
            f"/api/v1/items/{item_id}/staff", {"unit": "audit", "name": "王五", "role": "组员"}
        ).status_code
        == 201
    )
    started = office.post(f"/api/v1/items/{item_id}/start")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"

    # joint work: milestones and findings
    error(
        cdi.post(
            f"/api/v1/items/{item_id}/milestones",
            {"title": "实地检查", "owner_unit": "finance", "due_on": f"{YEAR}-05-01"},
        ),
        409,
    )
    error(
        cdi.post(
            f"/api/v1/items/{item_id}/milestones",
            {"title": "实地检查", "owner_unit": "audit", "due_on": "五月"},
        ),
        422,
    )
    ms = cdi.post(
        f"/api/v1/items/{item_id}/milestones",
        {"title": "实地检查", "owner_unit": "audit", "due_on": f"{YEAR}-05-01"},
    )
    assert ms.status_code == 201
    error(
        as_user("finance-liaison").post(
            f"/api/v1/items/{item_id}/findings",
            {"title": "t", "description": "d", "subject": "rural"},
        ),
        403,
    )
    finding = audit.post(
        f"/api/v1/items/{item_id}/findings",
        {
            "title": "衔接资金拨付滞后",
            "description": "部分项目资金拨付进度与建设进度不匹配",
            "subject": "rural",
        },
    )
    assert finding.status_code == 201
    got = cdi.get(f"/api/v1/items/{item_id}").json()
    assert {
        "id",
        "title",
        "form",
        "lead_unit",
        "participating_units",
        "key",
        "status",
        "implementation_plan",
        "staff",
        "milestones",
        "findings",
    } <= set(got)
    plan_doc = got["implementation_plan"]
    assert plan_doc["current_version"] == 2 and plan_doc["approved"]
    assert [v["content"] for v in plan_doc["versions"]] == ["第一稿", "第二稿"]
    assert [f["title"] for f in got["findings"]] == ["衔接资金拨付滞后"]
    assert len(got["staff"]) == 2 and got["milestones"][0]["owner_unit"] == "audit"

    # unknown ids are 404 with the contract's shape
    error(cdi.get("/api/v1/items/item-doesnotexist"), 404)

    # the office reads the item's audit trail; a liaison may not
    trail = office.get(f"/api/v1/audit?entity=item&entity_id={item_id}")
    assert trail.status_code == 200, trail.text
    actions = [e["action"] for e in trail.json()["items"]]
    assert "start" in actions and all(e["hash"] for e in trail.json()["items"])
    error(cdi.get(f"/api/v1/audit?entity=item&entity_id={item_id}"), 403)


def test_the_demo_is_there_once_and_the_contract_holds(stack, as_user):
    office = as_user("office")
    plan = office.get("/api/v1/plans/2025").json()
    assert plan["status"] == "adopted" and len(plan["items"]) == 5
    assert [i["key"] for i in plan["items"]].count(True) >= 1
    assert plan["items"][4]["key"] is True  # 乡村振兴资金使用监管 is the key item
    me = office.get("/api/v1/me").json()
    assert (me["username"], me["unit"], me["role"]) == ("office", "npc", "office_admin")
    assert (
        office.http.get(stack.url + "/api/v1/me", headers={"Authorization": "Bearer x"}).status_code
        == 401
    )
    doc = office.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/v1/plans/{year}/adopt" in doc["paths"]
    ready = office.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"]

    # loading the demo again changes nothing
    out = subprocess.run(
        [sys.executable, "-m", "cosupervise.cli", "demo", "--url", stack.url],
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "已存在" in out.stdout
    assert len(office.get("/api/v1/plans/2025").json()["items"]) == 5
