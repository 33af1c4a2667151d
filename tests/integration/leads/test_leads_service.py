"""The leads service on the real broker and both databases (the ``platform`` fixture)."""

import time
from datetime import timedelta

import pytest
from kombu import Connection, Exchange, Queue, binding, producers

from contracts.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from contracts.events import make_envelope
from runtime import audit, clock, metrics
from services.leads.metrics import LEADS_OVERDUE
from services.leads.service import LeadsService
from services.planning.service import PlanningService

pytestmark = pytest.mark.integration

CLUE = "界石镇产业路项目资金已拨付92%，实际工程进度仅35%，存在提前拨付、虚报进度嫌疑。"


def _lead(platform, person="audit-liaison", subject="town-jieshi", summary=CLUE, **extra):
    return platform.call(
        person,
        "leads",
        "register_lead",
        {
            "subject": subject,
            "summary": summary,
            "category": "funds",
            "sensitivity": "normal",
            **extra,
        },
    )


def _until(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _db(platform, name="leads"):
    container = next(c for c in platform.containers if c.service_name == name)
    return next(d for d in container.dependencies if d.attr_name == "db")


class Listener:
    """A queue bound to the leads service's events, as any consumer would bind one."""

    def __init__(self, platform, *types):
        self.conn = Connection(platform.config["AMQP_URI"])
        exchange = Exchange("leads.events", type="topic", durable=True)
        queue = Queue(
            f"it-leads-{time.monotonic_ns()}",
            durable=False,
            auto_delete=True,
            bindings=[binding(exchange, routing_key=t) for t in types],
        )
        self.queue = queue(self.conn.channel())
        self.queue.declare()
        self.bodies = []

    def collect(self, seconds=1.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            message = self.queue.get(no_ack=True)
            if message is None:
                time.sleep(0.05)
                continue
            self.bodies.append(message.decode())
        return self.bodies

    def close(self):
        self.conn.release()


def test_lifecycle_with_history_audit_and_events(platform):
    platform.start(LeadsService)
    listener = Listener(
        platform,
        "lead_registered",
        "lead_transferred",
        "lead_returned",
        "lead_accepted",
        "lead_concluded",
    )
    lead = _lead(platform)
    assert lead["status"] == "registered" and lead["holder_unit"] == "audit"
    assert lead["year"] == clock.today().year
    assert lead["accept_due"] is None and lead["overdue"] is False
    lid = lead["id"]

    sent = platform.call(
        "audit-liaison",
        "leads",
        "transfer_lead",
        {"id": lid, "to_unit": "cdi", "reason": "涉嫌违规拨付，移送纪委监委"},
    )
    today = clock.today()
    assert sent["status"] == "transferred" and sent["holder_unit"] == "cdi"
    assert sent["accept_due"] == (today + timedelta(days=5)).isoformat()  # funds: 5 days
    assert sent["feedback_due"] == (today + timedelta(days=30)).isoformat()

    with pytest.raises(RuleViolation) as refused:
        platform.call("cdi-liaison", "leads", "return_lead", {"id": lid, "reason": "  "})
    assert refused.value.code == "return_needs_reason"
    with pytest.raises(Forbidden) as refused:
        platform.call("audit-liaison", "leads", "accept_lead", {"id": lid})
    assert refused.value.code == "holder_unit_only"
    back = platform.call(
        "cdi-liaison",
        "leads",
        "return_lead",
        {"id": lid, "reason": "属于执法司法问题，建议移送政法委"},
    )
    assert (back["status"], back["holder_unit"]) == ("returned", "audit")

    platform.call(
        "audit-liaison",
        "leads",
        "transfer_lead",
        {"id": lid, "to_unit": "plc", "reason": "按退回意见改送政法委"},
    )
    with pytest.raises(RuleViolation) as refused:
        platform.call("plc-liaison", "leads", "give_feedback", {"id": lid, "result": "已办"})
    assert refused.value.code == "lead_not_accepted"
    platform.call("plc-liaison", "leads", "accept_lead", {"id": lid})
    platform.call("plc-liaison", "leads", "record_progress", {"id": lid, "note": "已调阅卷宗"})
    done = platform.call(
        "plc-liaison",
        "leads",
        "give_feedback",
        {"id": lid, "result": "已督促法院纠正，相关人员已问责"},
    )
    assert done["status"] == "concluded" and done["result"] == "已督促法院纠正，相关人员已问责"
    with pytest.raises(RuleViolation) as refused:
        platform.call(
            "plc-liaison",
            "leads",
            "transfer_lead",
            {"id": lid, "to_unit": "cdi", "reason": "再移送"},
        )
    assert refused.value.code == "lead_closed"

    actions = [s["action"] for s in done["history"]]
    assert actions == [
        "registered",
        "transferred",
        "returned",
        "transferred",
        "accepted",
        "handling",
        "concluded",
    ]
    assert set(done["units"]) == {"audit", "cdi", "plc"}

    db = _db(platform)
    with db.engine.connect() as conn:
        assert audit.verify(conn, db.tables) == []
        trail = audit.trail(conn, db.tables, "lead", lid)
    applied = [e["action"] for e in trail if e["outcome"] == "applied"]
    assert applied == [
        "register",
        "transfer",
        "return",
        "transfer",
        "accept",
        "progress",
        "feedback",
    ]
    assert (
        trail[2]["before"]["holder_unit"] == "cdi" and trail[2]["after"]["holder_unit"] == "audit"
    )
    assert trail[2]["after"]["reason"] == "属于执法司法问题，建议移送政法委"

    bodies = _until(lambda: len(listener.collect(0.3)) >= 6 and listener.bodies)
    listener.close()
    types = [b["type"] for b in bodies]
    assert types.count("lead_transferred") == 2 and "lead_concluded" in types
    concluded = next(b for b in bodies if b["type"] == "lead_concluded")
    assert concluded["payload"]["result"] == "已督促法院纠正，相关人员已问责"
    assert concluded["payload"]["lead"]["source_unit"] == "audit"
    assert concluded["actor"] == "plc-liaison" and concluded["source_unit"] == "plc"


def test_need_to_know_is_enforced_by_the_service(platform):
    platform.start(LeadsService)
    lead = _lead(platform, transfer_to={"to_unit": "cdi", "reason": "涉嫌违纪"})
    lid = lead["id"]
    assert lead["status"] == "transferred" and set(lead["units"]) == {"audit", "cdi"}

    outsiders = ("plc-liaison", "finance-liaison", "rural-reporter", "court-reporter")
    actions = {
        "get_lead": {},
        "transfer_lead": {"to_unit": "inspection", "reason": "x"},
        "accept_lead": {},
        "return_lead": {"reason": "x"},
        "record_progress": {"note": "x"},
        "give_feedback": {"result": "x"},
    }
    for person in outsiders:
        for method, body in actions.items():
            with pytest.raises(NotFound) as hidden:
                platform.call(person, "leads", method, {"id": lid, **body})
            assert hidden.value.message == "线索不存在"
        # an id that never existed answers exactly the same
        with pytest.raises(NotFound) as absent:
            platform.call(person, "leads", "get_lead", {"id": "lead-doesnotexist"})
        assert absent.value.message == "线索不存在"
        assert platform.call(person, "leads", "list_leads", {})["total"] == 0
        assert platform.call(person, "leads", "search", {"q": "界石镇"})["items"] == []
        assert (
            platform.call(person, "leads", "by_subject", {"subject": "town-jieshi"})["items"] == []
        )
        with pytest.raises(NotFound):
            platform.call(person, "leads", "links", {"kind": "lead", "id": lid})
        # counts stay available
        stats = platform.call(person, "leads", "stats", {})
        assert stats["total"] == 1 and stats["per_unit"] == {"cdi": 1}
        assert platform.call(person, "leads", "stats", {"year": 2001})["total"] == 0

    for person in ("office", "leader", "audit-liaison", "cdi-liaison"):
        assert platform.call(person, "leads", "get_lead", {"id": lid})["id"] == lid
        assert [i["id"] for i in platform.call(person, "leads", "list_leads", {})["items"]] == [lid]
        assert platform.call(person, "leads", "search", {"q": "虚报进度"})["items"][0]["id"] == lid
        assert (
            platform.call(person, "leads", "links", {"kind": "lead", "id": lid})["node"]["id"]
            == lid
        )
    with pytest.raises(Forbidden) as refused:
        platform.call("leader", "leads", "accept_lead", {"id": lid})
    assert refused.value.code == "read_only"
    with pytest.raises(Forbidden):
        platform.call(
            "rural-reporter",
            "leads",
            "register_lead",
            {"subject": "rural", "summary": "x", "category": "funds", "sensitivity": "normal"},
        )

    # the refusals are in the audit trail, without saying which lead was asked for
    db = _db(platform)
    with db.engine.connect() as conn:
        denied = [e for e in audit.trail(conn, db.tables, "rpc") if e["outcome"] == "denied"]
    assert any(e["actor"] == "plc-liaison" and "404" in e["after"]["reason"] for e in denied)


def test_bad_input_is_named_and_stores_nothing(platform):
    platform.start(LeadsService)
    with pytest.raises(ValidationFailed) as bad:
        platform.call(
            "cdi-liaison",
            "leads",
            "register_lead",
            {"subject": "", "summary": "   ", "sensitivity": "top", "colour": "red"},
        )
    assert set(bad.value.fields) >= {"subject", "summary", "category", "sensitivity", "colour"}
    lead = _lead(platform, "cdi-liaison")
    with pytest.raises(ValidationFailed) as bad:
        platform.call(
            "cdi-liaison",
            "leads",
            "transfer_lead",
            {"id": lead["id"], "to_unit": "no-such-unit", "reason": "x"},
        )
    assert "to_unit" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:  # supervised units do not handle leads
        platform.call(
            "cdi-liaison",
            "leads",
            "transfer_lead",
            {"id": lead["id"], "to_unit": "rural", "reason": "x"},
        )
    assert "to_unit" in bad.value.fields
    with pytest.raises(Forbidden) as refused:  # only the office enters past dates
        platform.call(
            "cdi-liaison",
            "leads",
            "transfer_lead",
            {
                "id": lead["id"],
                "to_unit": "plc",
                "reason": "x",
                "transferred_on": (clock.today() - timedelta(days=3)).isoformat(),
            },
        )
    assert refused.value.code == "backdating_office_only"
    again = platform.call("cdi-liaison", "leads", "get_lead", {"id": lead["id"]})
    assert again["status"] == "registered" and len(again["history"]) == 1
    assert platform.call("office", "leads", "list_leads", {})["total"] == 1


def test_possible_duplicates_stay_within_need_to_know(platform):
    platform.start(LeadsService)
    first = _lead(platform, "cdi-liaison")
    assert first["possible_duplicates"] == []
    # finance may not see cdi's lead: no hint that it exists
    other = _lead(
        platform,
        "finance-liaison",
        summary="界石镇产业路项目拨付资金92%而工程进度仅35%，疑似虚报进度套取资金",
    )
    assert other["possible_duplicates"] == []
    # a different clue on the same subject is not a duplicate
    unrelated = _lead(
        platform,
        "cdi-liaison",
        summary="界石镇某村党支部书记违规领取乡村振兴衔接资金补贴，数额较大。",
    )
    assert unrelated["possible_duplicates"] == []
    # the same clue about another subject is not either
    elsewhere = _lead(platform, "cdi-liaison", subject="town-mudong")
    assert elsewhere["possible_duplicates"] == []

    mine = _lead(
        platform,
        "cdi-liaison",
        summary="产业路项目（界石镇）工程进度仅35%，资金却已拨付92%，有虚报进度提前拨付的嫌疑",
    )
    dups = mine["possible_duplicates"]
    assert [d["id"] for d in dups] == [first["id"]]
    assert dups[0]["score"] >= 0.5 and dups[0]["subject"] == "town-jieshi"
    assert dups[0]["summary"] == CLUE

    # the office sees every link, both ways
    seen = platform.call("office", "leads", "get_lead", {"id": mine["id"]})
    assert {d["id"] for d in seen["possible_duplicates"]} == {first["id"], other["id"]}
    back = platform.call("office", "leads", "get_lead", {"id": first["id"]})
    assert {d["id"] for d in back["possible_duplicates"]} == {other["id"], mine["id"]}
    assert {
        d["id"]
        for d in platform.call("cdi-liaison", "leads", "get_lead", {"id": first["id"]})[
            "possible_duplicates"
        ]
    } == {mine["id"]}
    links = platform.call("cdi-liaison", "leads", "links", {"kind": "lead", "id": mine["id"]})
    assert {(x["kind"], x["id"]) for x in links["links"]} == {("lead", first["id"])}

    # a concluded lead is no longer a candidate
    platform.call(
        "cdi-liaison",
        "leads",
        "transfer_lead",
        {"id": first["id"], "to_unit": "audit", "reason": "请审计核实"},
    )
    platform.call("audit-liaison", "leads", "accept_lead", {"id": first["id"]})
    platform.call(
        "audit-liaison", "leads", "give_feedback", {"id": first["id"], "result": "已核实"}
    )
    later = _lead(platform, "audit-liaison")
    assert first["id"] not in {d["id"] for d in later["possible_duplicates"]}


def test_overdue_leads_are_escalated_once_by_the_timer(platform):
    platform.config["lead_overdue_check_seconds"] = 0.2
    platform.start(LeadsService)
    listener = Listener(platform, "lead_overdue")
    past = clock.today() - timedelta(days=20)
    late = platform.call(
        "office",
        "leads",
        "register_lead",
        {
            "subject": "town-mudong",
            "summary": "木洞镇高标准农田项目验收资料造假",
            "category": "funds",
            "sensitivity": "normal",
            "registered_on": past.isoformat(),
            "transfer_to": {
                "to_unit": "inspection",
                "reason": "结合巡察核实",
                "transferred_on": past.isoformat(),
            },
        },
    )
    assert late["accept_due"] == (past + timedelta(days=5)).isoformat()
    assert late["overdue"] is True
    on_time = _lead(platform, transfer_to={"to_unit": "cdi", "reason": "涉嫌违纪"})
    assert on_time["overdue"] is False

    escalations = _until(lambda: platform.call("office", "leads", "list_escalations", {})["items"])
    time.sleep(1.0)  # several more ticks: nothing is escalated twice
    escalations = platform.call("office", "leads", "list_escalations", {})
    assert escalations["total"] == 1
    assert escalations["items"][0]["lead_id"] == late["id"]
    assert escalations["items"][0]["deadline"] == "accept"
    seen = platform.call("office", "leads", "get_lead", {"id": late["id"]})
    assert [s["action"] for s in seen["history"]].count("escalated") == 1
    assert LEADS_OVERDUE.labels("accept")._value.get() == 1
    assert metrics.OVERDUE.labels("leads", "lead")._value.get() == 1
    events = listener.collect(0.5)
    listener.close()
    assert len(events) == 1 and events[0]["payload"]["deadline"] == "accept"
    assert events[0]["payload"]["lead"]["id"] == late["id"]

    overdue = platform.call("office", "leads", "list_leads", {"overdue": True})
    assert [i["id"] for i in overdue["items"]] == [late["id"]]
    assert platform.call("office", "leads", "stats", {})["overdue"] == 1
    # outside need-to-know, no escalation shows either
    assert platform.call("cdi-liaison", "leads", "list_escalations", {})["total"] == 0
    assert platform.call("inspection-liaison", "leads", "list_escalations", {})["total"] == 1
    with pytest.raises(Forbidden):
        platform.call("inspection-liaison", "leads", "check_overdue", {})

    platform.call("inspection-liaison", "leads", "accept_lead", {"id": late["id"]})
    assert platform.call("office", "leads", "list_escalations", {})["total"] == 0
    resolved = platform.call("office", "leads", "list_escalations", {"status": "resolved"})
    assert resolved["items"][0]["resolved_at"] is not None
    assert _until(lambda: LEADS_OVERDUE.labels("accept")._value.get() == 0)


def test_a_lead_from_a_finding_is_linked_both_ways(platform):
    platform.start(PlanningService, LeadsService)
    call = platform.call
    call("office", "planning", "create_plan", {"year": 2025})
    item = call(
        "office",
        "planning",
        "add_item",
        {
            "year": 2025,
            "title": "乡村振兴资金使用监管",
            "form": "joint_supervision",
            "lead_unit": "npc",
            "participating_units": ["audit"],
            "key": True,
        },
    )
    call("office", "planning", "adopt_plan", {"year": 2025})
    call(
        "office",
        "planning",
        "submit_implementation_plan",
        {"item_id": item["id"], "content": "方案"},
    )
    call("office", "planning", "approve_implementation_plan", {"item_id": item["id"]})
    call(
        "office",
        "planning",
        "dispatch_staff",
        {"item_id": item["id"], "unit": "npc", "name": "王明", "role": "组长"},
    )
    call(
        "audit-liaison",
        "planning",
        "dispatch_staff",
        {"item_id": item["id"], "unit": "audit", "name": "陈静", "role": "审计组长"},
    )
    call("office", "planning", "start_item", {"item_id": item["id"]})
    finding = call(
        "audit-liaison",
        "planning",
        "record_finding",
        {
            "item_id": item["id"],
            "title": "衔接资金拨付快于项目进度",
            "description": CLUE,
            "subject": "town-jieshi",
        },
    )

    lead = call(
        "office",
        "leads",
        "register_lead",
        {
            "subject": finding["subject"],
            "summary": finding["description"],
            "category": "funds",
            "sensitivity": "normal",
            "origin": {"kind": "finding", "id": finding["id"]},
            "transfer_to": {"to_unit": "cdi", "reason": "监督事项发现问题移送"},
        },
    )
    assert lead["origin"] == {"kind": "finding", "id": finding["id"]}
    assert lead["status"] == "transferred" and lead["source_unit"] == "npc"
    assert lead["year"] == 2025  # the item's year, asked of planning as the caller
    linked = _until(
        lambda: call("office", "planning", "get_finding", {"id": finding["id"]})["lead_ids"]
    )
    assert linked == [lead["id"]]
    links = call("cdi-liaison", "leads", "links", {"kind": "lead", "id": lead["id"]})
    assert {"kind": "finding", "id": finding["id"]} in links["links"]


def test_a_redelivered_problem_event_links_once(platform):
    platform.start(LeadsService)
    lead = _lead(platform, "cdi-liaison")
    envelope = make_envelope(
        "problem_recorded",
        {
            "problem": {
                "id": "prob-1",
                "title": "衔接资金拨付与项目进度脱节",
                "origin": {"kind": "lead", "id": lead["id"]},
            }
        },
        actor="office",
        source_unit="npc",
    )
    skipped = metrics.EVENTS_DUPLICATE.labels("leads")._value.get()
    exchange = Exchange("rectification.events", type="topic", durable=True)
    with Connection(platform.config["AMQP_URI"]) as conn:
        with producers[conn].acquire(block=True) as producer:
            for _ in range(2):  # the broker redelivers: same event_id twice
                producer.publish(
                    envelope,
                    exchange=exchange,
                    routing_key="problem_recorded",
                    serializer="json",
                    delivery_mode=2,
                )
    assert _until(lambda: metrics.EVENTS_DUPLICATE.labels("leads")._value.get() > skipped)
    seen = platform.call("cdi-liaison", "leads", "get_lead", {"id": lead["id"]})
    assert seen["problem_ids"] == ["prob-1"]
    assert [s["action"] for s in seen["history"]].count("problem_recorded") == 1
    links = platform.call("office", "leads", "links", {"kind": "lead", "id": lead["id"]})
    assert {"kind": "problem", "id": "prob-1"} in links["links"]
    db = _db(platform)
    with db.engine.connect() as conn:
        trail = audit.trail(conn, db.tables, "lead", lead["id"])
    assert [e["action"] for e in trail].count("link_problem") == 1
