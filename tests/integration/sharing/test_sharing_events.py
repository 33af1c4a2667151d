"""What other services announce: results for the library, and a problem that comes back."""

import time
from datetime import date, timedelta

import pytest
from nameko.standalone.events import event_dispatcher

from contracts.errors import Forbidden, NotFound
from contracts.events import make_envelope

pytestmark = pytest.mark.integration


def _dispatch(platform, source, event_type, payload):
    """The envelope a service's outbox relay publishes, on that service's exchange."""
    envelope = make_envelope(event_type, payload, actor="office", source_unit="npc")
    event_dispatcher(platform.config)(source, event_type, envelope)
    return envelope


def test_concluded_work_becomes_results_once_and_reuse_is_recorded(bus, platform):
    item = {
        "id": "item-abc",
        "year": 2025,
        "title": "乡村振兴资金使用监管",
        "lead_unit": "npc",
        "participating_units": ["cdi", "audit"],
        "conclusion": "形成联合监督报告，提出七条建议。",
        "form": "joint_supervision",
        "key": True,
        "concluded_at": "2025-12-10T10:00:00+08:00",
    }
    envelope = _dispatch(platform, "planning", "item_concluded", {"item": item})
    _dispatch(
        platform,
        "research",
        "research_topic_concluded",
        {
            "topic": {
                "id": "topic-1",
                "year": 2025,
                "title": "人大监督与纪检监察监督贯通研究",
                "lead_unit": "npc",
                "participating_units": ["cdi"],
            },
            "final_output": {
                "id": "out-1",
                "title": "贯通协调机制研究报告",
                "content": "报告正文",
                "version": 3,
            },
        },
    )
    results = bus.wait(
        lambda: (r := bus.call("office", "list_results"))["total"] == 2 and r, what="two results"
    )
    # the same event again (a redelivery) adds nothing
    event_dispatcher(platform.config)("planning", "item_concluded", envelope)
    time.sleep(1.0)
    assert bus.call("office", "list_results")["total"] == 2
    by_kind = {r["kind"]: r for r in results["items"]}
    assert by_kind["item_conclusion"]["origin"] == {"kind": "item", "id": "item-abc"}
    assert by_kind["research_output"]["origin"] == {"kind": "output", "id": "out-1"}
    assert by_kind["research_output"]["title"] == "贯通协调机制研究报告"

    result_id = by_kind["item_conclusion"]["id"]
    reuse = bus.call(
        "audit-liaison",
        "reuse_result",
        {"id": result_id, "purpose": "审计局制定2026年乡村振兴审计方案时参考"},
    )
    assert reuse["unit"] == "audit" and reuse["user"] == "audit-liaison"
    got = bus.call("cdi-liaison", "get_result", {"id": result_id})
    assert [(u["unit"], u["purpose"]) for u in got["reuses"]] == [
        ("audit", "审计局制定2026年乡村振兴审计方案时参考")
    ]
    assert got["content"] == item["conclusion"]
    with pytest.raises(Forbidden):
        bus.call("leader", "reuse_result", {"id": result_id, "purpose": "阅"})
    with pytest.raises(Exception) as blank:
        bus.call("audit-liaison", "reuse_result", {"id": result_id, "purpose": "  "})
    assert "purpose" in getattr(blank.value, "fields", {})
    # a supervised unit reads circulars from the library, not the units' shared work
    assert bus.call("court-reporter", "list_results")["total"] == 0
    with pytest.raises(NotFound):
        bus.call("court-reporter", "get_result", {"id": result_id})
    links = bus.call("office", "links", {"kind": "result", "id": result_id})
    assert links["links"] == [{"kind": "item", "id": "item-abc"}]


def test_a_problem_back_after_verification_is_a_warning_and_circulars_reach_the_library(
    bus, platform
):
    from services.rectification.service import RectificationService

    platform.start(RectificationService)

    def rect(person, method, payload):
        return platform.call(person, "rectification", method, payload)

    problem = rect(
        "office",
        "record_problem",
        {
            "title": "一品河河道垃圾清运不及时",
            "description": "督察反馈：河道垃圾堆积。",
            "subject": "ecology",
            "source": "environmental_inspection",
            "nature": "typical",
        },
    )
    task = rect(
        "office",
        "assign_task",
        {
            "problem_id": problem["id"],
            "responsible_unit": "ecology",
            "supervising_units": ["inspection"],
            "measures": "建立河道保洁长效机制",
            "deadline": (date.today() + timedelta(days=30)).isoformat(),
        },
    )
    rect(
        "ecology-reporter",
        "submit_task",
        {"task_id": task["id"], "note": "已清运完毕", "evidence": ["清运台账.pdf"]},
    )
    rect("inspection-liaison", "verify_task", {"task_id": task["id"]})
    time.sleep(0.5)
    unrelated = rect(
        "office",
        "record_problem",
        {
            "title": "餐饮油烟扰民",
            "description": "另一个问题。",
            "subject": "ecology",
            "source": "other",
            "nature": "other",
        },
    )
    again = rect(
        "office",
        "record_problem",
        {
            "title": "一品河河道垃圾整改后再次堆积",
            "description": "销号后反弹。",
            "subject": "ecology",
            "source": "other",
            "nature": "typical",
        },
    )

    def recurred():
        items = bus.call("office", "list_warnings", {"rule": "problem_recurred"})["items"]
        return items or None

    warnings = bus.wait(recurred, what="the recurrence warning")
    assert len(warnings) == 1
    w = warnings[0]
    assert w["subject"] == "ecology" and w["facts"]["problem_id"] == again["id"]
    assert {(e["kind"], e["id"]) for e in w["evidence"]} == {
        ("task", task["id"]),
        ("problem", again["id"]),
    }
    assert unrelated["id"] not in w["explanation"]
    assert "销号" in w["explanation"]
    # every coordinating unit may read it; a supervised unit may not
    assert bus.call("plc-liaison", "list_warnings", {})["total"] == 1
    assert bus.call("ecology-reporter", "list_warnings", {})["total"] == 0

    circular = rect(
        "office",
        "draft_circular",
        {
            "title": "关于河道垃圾问题整改反弹的通报",
            "body": "经查……",
            "nature": "negative_case",
            "problem_ids": [again["id"]],
        },
    )
    rect("office", "approve_circular", {"id": circular["id"]})
    rect("office", "issue_circular", {"id": circular["id"]})
    result = bus.wait(
        lambda: bus.call("office", "list_results", {"kind": "circular"})["items"],
        what="the circular in the library",
    )[0]
    assert result["origin"] == {"kind": "circular", "id": circular["id"]}
    assert bus.call("ecology-reporter", "list_results", {})["total"] == 1
