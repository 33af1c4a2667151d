"""The planning service on the real broker and both databases."""

import pytest

from contracts.errors import Forbidden, RuleViolation, ValidationFailed
from runtime import audit
from services.planning.service import PlanningService

pytestmark = pytest.mark.integration


def _plan_with_items(platform, year=2025, key=True):
    platform.call("office", "planning", "create_plan", {"year": year})
    item = platform.call(
        "office",
        "planning",
        "add_item",
        {
            "year": year,
            "title": "乡村振兴资金使用监管",
            "form": "joint_supervision",
            "lead_unit": "npc",
            "participating_units": ["cdi", "audit"],
            "key": key,
        },
    )
    return item


def test_adoption_rule_and_item_start_on_real_bus(platform):
    platform.start(PlanningService)
    item = _plan_with_items(platform, key=False)
    with pytest.raises(RuleViolation) as refused:
        platform.call("office", "planning", "adopt_plan", {"year": 2025})
    assert refused.value.code == "plan_needs_key_item"
    assert platform.call("office", "planning", "get_plan", {"year": 2025})["status"] == "draft"

    platform.call(
        "office",
        "planning",
        "add_item",
        {
            "year": 2025,
            "title": "重点事项",
            "form": "special_governance",
            "lead_unit": "cdi",
            "participating_units": ["finance"],
            "key": True,
        },
    )
    assert platform.call("office", "planning", "adopt_plan", {"year": 2025})["status"] == "adopted"

    # the lead unit writes the implementation plan; another unit may not
    with pytest.raises(Forbidden):
        platform.call(
            "cdi-liaison",
            "planning",
            "submit_implementation_plan",
            {"item_id": item["id"], "content": "方案"},
        )
    platform.call(
        "office",
        "planning",
        "submit_implementation_plan",
        {"item_id": item["id"], "content": "实施方案第一版"},
    )
    with pytest.raises(RuleViolation) as refused:
        platform.call("office", "planning", "start_item", {"item_id": item["id"]})
    assert refused.value.code == "plan_not_approved"


def test_bad_payload_is_named_and_nothing_is_stored(platform):
    platform.start(PlanningService)
    with pytest.raises(ValidationFailed) as bad:
        platform.call(
            "cdi-liaison",
            "planning",
            "submit_proposal",
            {"year": "明年", "title": "", "concern_source": "unknown"},
        )
    assert set(bad.value.fields) >= {"year", "title", "concern_source", "rationale"}
    assert platform.call("office", "planning", "list_proposals", {})["total"] == 0


def test_state_change_is_announced_through_the_outbox_and_audited(platform):
    platform.start(PlanningService)
    container = platform.containers[0]
    listener_hits = []

    from kombu import Connection, Exchange, Queue

    exchange = Exchange("planning.events", type="topic", durable=True)
    queue = Queue(
        "it-listener", exchange, routing_key="proposal_submitted", durable=False, auto_delete=True
    )
    with Connection(platform.config["AMQP_URI"]) as conn:
        with conn.Consumer(
            queue, callbacks=[lambda body, msg: (listener_hits.append(body), msg.ack())]
        ):
            proposal = platform.call(
                "cdi-liaison",
                "planning",
                "submit_proposal",
                {
                    "year": 2025,
                    "title": "拒执类案件",
                    "rationale": "群众反映强烈",
                    "concern_source": "public",
                },
            )
            conn.drain_events(timeout=10)
    assert listener_hits[0]["type"] == "proposal_submitted"
    assert listener_hits[0]["payload"]["proposal"]["id"] == proposal["id"]
    assert listener_hits[0]["actor"] == "cdi-liaison"
    assert listener_hits[0]["source_unit"] == "cdi"

    db = next(d for d in container.dependencies if d.attr_name == "db")
    with db.engine.connect() as conn:
        problems = audit.verify(conn, db.tables)
        entries = audit.trail(conn, db.tables, "proposal", proposal["id"])
    assert problems == []
    assert entries[0]["actor"] == "cdi-liaison" and entries[0]["after"]["title"] == "拒执类案件"


def _started_item_with_finding(platform):
    item = _plan_with_items(platform)
    platform.call("office", "planning", "adopt_plan", {"year": 2025})
    platform.call(
        "office",
        "planning",
        "submit_implementation_plan",
        {"item_id": item["id"], "content": "方案"},
    )
    platform.call("office", "planning", "approve_implementation_plan", {"item_id": item["id"]})
    for person, unit in (("office", "npc"), ("cdi-liaison", "cdi"), ("audit-liaison", "audit")):
        platform.call(
            person,
            "planning",
            "dispatch_staff",
            {"item_id": item["id"], "unit": unit, "name": "张三", "role": "组员"},
        )
    platform.call("office", "planning", "start_item", {"item_id": item["id"]})
    return platform.call(
        "audit-liaison",
        "planning",
        "record_finding",
        {
            "item_id": item["id"],
            "title": "资金拨付滞后",
            "description": "进度不匹配",
            "subject": "rural",
        },
    )


def test_a_redelivered_event_links_the_finding_once(platform):
    import time

    from kombu import Connection, Exchange

    from contracts.events import make_envelope
    from runtime import metrics

    platform.start(PlanningService)
    finding = _started_item_with_finding(platform)
    duplicates = metrics.EVENTS_DUPLICATE.labels("planning")
    skipped_before = duplicates._value.get()
    envelope = make_envelope(
        "lead_registered",
        {"lead": {"id": "lead-abc", "origin": {"kind": "finding", "id": finding["id"]}}},
        actor="cdi-liaison",
        source_unit="cdi",
    )
    exchange = Exchange("leads.events", type="topic", durable=True)
    with Connection(platform.config["AMQP_URI"]) as conn:
        producer = conn.Producer(serializer="json")
        for _ in range(3):  # the broker redelivers; a relay retries after a lost confirm
            producer.publish(
                envelope,
                exchange=exchange,
                routing_key="lead_registered",
                delivery_mode=2,
                declare=[exchange],
            )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        got = platform.call("office", "planning", "get_finding", {"id": finding["id"]})
        if got["lead_ids"]:
            break
        time.sleep(0.2)
    time.sleep(1.0)  # let the redeliveries arrive too
    got = platform.call("office", "planning", "get_finding", {"id": finding["id"]})
    assert got["lead_ids"] == ["lead-abc"]
    trail = platform.call(
        "office", "planning", "audit_trail", {"entity": "finding", "entity_id": finding["id"]}
    )
    assert [e["action"] for e in trail].count("link_lead") == 1
    # the two redeliveries were recognised by event_id, not by luck of the data
    assert duplicates._value.get() - skipped_before == 2
