"""The research service on the real broker and both databases."""

import pytest
from kombu import Connection, Exchange, Queue
from nameko.rpc import rpc

from contracts.errors import (
    Forbidden,
    NotFound,
    RuleViolation,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from runtime import audit
from services.planning.service import PlanningService
from services.research.service import ResearchService

pytestmark = pytest.mark.integration


class RectificationStandIn:
    """Answers the one RPC research asks rectification (``links`` of a problem, as
    docs/ARCHITECTURE.md specifies it), so these tests do not depend on how that service
    records problems."""

    name = "rectification"
    PROBLEMS = {"prob-river": ("一品河垃圾清运整改后反弹", "ecology")}

    @rpc
    def links(self, payload):
        if payload.get("kind") != "problem" or payload.get("id") not in self.PROBLEMS:
            raise NotFound("整改问题不存在", "not_found")
        title, subject = self.PROBLEMS[payload["id"]]
        return {
            "node": {
                "kind": "problem",
                "id": payload["id"],
                "title": title,
                "subject": subject,
                "status": "open",
            },
            "links": [],
        }


def topic_body(year=2025, **kw):
    body = {
        "year": year,
        "title": "乡村振兴资金监管制度研究",
        "lead_unit": "finance",
        "participating_units": ["audit", "cdi"],
        "questions": ["衔接资金拨付与项目进度如何联动监管？", "审计发现问题如何闭环整改？"],
        "due_on": f"{year}-11-30",
        "deliverables": ["研究报告"],
    }
    body.update(kw)
    return body


def listen(event_type):
    """A queue bound to research's events before anything is published."""
    exchange = Exchange("research.events", type="topic", durable=True)
    return Queue(
        f"it-listen-{event_type}", exchange, routing_key=event_type, durable=False, auto_delete=True
    )


def test_the_office_sets_at_most_two_topics_a_year(platform):
    platform.start(ResearchService)
    with pytest.raises(Unauthenticated):
        platform.call(None, "research", "create_topic", topic_body())
    with pytest.raises(Forbidden):
        platform.call("cdi-liaison", "research", "create_topic", topic_body())
    with pytest.raises(ValidationFailed) as bad:
        platform.call(
            "office",
            "research",
            "create_topic",
            topic_body(participating_units=["audit", "finance"]),
        )
    assert bad.value.fields["participating_units"] == ["牵头单位不能同时列为参与单位"]
    with pytest.raises(ValidationFailed) as bad:
        platform.call(
            "office", "research", "create_topic", topic_body(participating_units=["audit", "rural"])
        )
    assert "participating_units.1" in bad.value.fields
    assert platform.call("office", "research", "list_topics", {})["total"] == 0

    first = platform.call("office", "research", "create_topic", topic_body())
    platform.call(
        "office",
        "research",
        "create_topic",
        topic_body(
            title="协同联动监督机制理论研究",
            lead_unit="npc",
            participating_units=["cdi", "plc", "inspection", "audit", "finance", "statistics"],
        ),
    )
    with pytest.raises(RuleViolation) as refused:
        platform.call("office", "research", "create_topic", topic_body(title="第三个课题"))
    assert refused.value.code == "research_topics_limit"
    listed = platform.call("office", "research", "list_topics", {"year": 2025})
    assert listed["total"] == 2 and "第三个课题" not in {t["title"] for t in listed["items"]}
    assert first["status"] == "planned" and first["due_on"] == "2025-11-30"
    assert platform.call("cdi-liaison", "research", "list_topics", {"unit": "cdi"})["total"] == 2
    assert platform.call("cdi-liaison", "research", "list_topics", {"unit": "plc"})["total"] == 1
    # another year has its own two
    assert platform.call("office", "research", "create_topic", topic_body(2026))["year"] == 2026

    # offices racing for the last slots of a year: exactly two win, whatever the database
    proxy = platform.proxy("office")
    calls = [
        proxy.research.create_topic.call_async(topic_body(2027, title=f"课题{i}")) for i in range(4)
    ]
    outcomes = []
    for call in calls:
        try:
            outcomes.append(call.result()["year"])
        except RuleViolation as exc:
            outcomes.append(exc.code)
    assert sorted(map(str, outcomes)) == [
        "2027",
        "2027",
        "research_topics_limit",
        "research_topics_limit",
    ]
    assert platform.call("office", "research", "list_topics", {"year": 2027})["total"] == 2


def test_units_co_write_with_versions_and_one_final_report(platform):
    platform.start(ResearchService)
    topic = platform.call("office", "research", "create_topic", topic_body())
    tid = topic["id"]
    for outsider in ("plc-liaison", "office", "court-reporter", "leader"):
        with pytest.raises(Forbidden):
            platform.call(
                outsider,
                "research",
                "add_output",
                {"topic_id": tid, "title": "越权", "content": "x"},
            )

    draft = platform.call(
        "finance-liaison",
        "research",
        "add_output",
        {"topic_id": tid, "title": "衔接资金监管制度研究报告", "content": "第一稿：拨付数据比对。"},
    )
    assert draft["version"] == 1 and draft["final"] is False and draft["unit"] == "finance"
    revised = platform.call(
        "audit-liaison",
        "research",
        "add_version",
        {"topic_id": tid, "output_id": draft["id"], "content": "第二稿：补充审计发现。"},
    )
    assert revised["version"] == 2 and revised["content"] == "第二稿：补充审计发现。"
    assert [(v["version"], v["unit"]) for v in revised["versions"]] == [
        (1, "finance"),
        (2, "audit"),
    ]
    other = platform.call(
        "cdi-liaison",
        "research",
        "add_output",
        {
            "topic_id": tid,
            "title": "纪检监察视角专题",
            "content": "问题线索移送衔接。",
            "final": True,
        },
    )
    assert other["final"] is True
    # audit marks the co-written report final: cdi's output is demoted, never two finals
    final = platform.call(
        "audit-liaison",
        "research",
        "add_version",
        {"topic_id": tid, "output_id": draft["id"], "content": "定稿。", "final": True},
    )
    assert final["final"] is True and final["version"] == 3

    got = platform.call("court-reporter", "research", "get_topic", {"id": tid})
    assert got["status"] == "in_progress"
    assert [o["id"] for o in got["outputs"] if o["final"]] == [draft["id"]]
    assert got["final_output_id"] == draft["id"]
    actions = [h["action"] for h in got["history"]]
    assert actions.count("final_marked") == 2 and actions.count("final_demoted") == 1
    versions = platform.call(
        "leader", "research", "list_versions", {"topic_id": tid, "output_id": draft["id"]}
    )
    assert versions["total"] == 3 and versions["items"][0]["content"] == "第一稿：拨付数据比对。"
    with pytest.raises(NotFound):
        platform.call(
            "audit-liaison",
            "research",
            "add_version",
            {"topic_id": tid, "output_id": "rout-nope", "content": "x"},
        )

    trail = platform.call(
        "office", "research", "audit_trail", {"entity": "topic", "entity_id": tid}
    )
    changes = [e for e in trail if e["action"] == "final_output_change"]
    assert [(c["before"]["final_output_id"], c["after"]["final_output_id"]) for c in changes] == [
        (None, other["id"]),
        (other["id"], draft["id"]),
    ]
    assert changes[-1]["actor"] == "audit-liaison"
    db = next(d for d in platform.containers[0].dependencies if d.attr_name == "db")
    with db.engine.connect() as conn:
        # one snapshot: a refusal's audit entry is written just after its answer, and must
        # not land between reading the entries and reading the chain head
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        assert audit.verify(conn, db.tables) == []


def test_conclusion_announces_the_final_report_and_the_views_count_it(platform):
    platform.start(ResearchService)
    topic = platform.call("office", "research", "create_topic", topic_body())
    tid = topic["id"]
    draft = platform.call(
        "finance-liaison",
        "research",
        "add_output",
        {"topic_id": tid, "title": "研究报告", "content": "初稿"},
    )
    with pytest.raises(RuleViolation) as refused:
        platform.call("office", "research", "conclude_topic", {"topic_id": tid})
    assert refused.value.code == "final_output_missing"
    with pytest.raises(Forbidden):
        platform.call("finance-liaison", "research", "conclude_topic", {"topic_id": tid})
    platform.call(
        "cdi-liaison",
        "research",
        "add_version",
        {"topic_id": tid, "output_id": draft["id"], "content": "最终研究报告全文", "final": True},
    )

    hits = []
    with Connection(platform.config["AMQP_URI"]) as conn:
        with conn.Consumer(
            listen("research_topic_concluded"),
            callbacks=[lambda body, msg: (hits.append(body), msg.ack())],
        ):
            done = platform.call(
                "office",
                "research",
                "conclude_topic",
                {"topic_id": tid, "summary": "形成制度建议三条"},
            )
            conn.drain_events(timeout=10)
    assert done["status"] == "concluded" and done["conclusion"] == "形成制度建议三条"
    event = hits[0]
    assert event["type"] == "research_topic_concluded" and event["actor"] == "office"
    assert event["payload"]["topic"]["id"] == tid
    assert event["payload"]["topic"]["participating_units"] == ["audit", "cdi"]
    report = event["payload"]["final_output"]
    assert report["id"] == draft["id"] and report["content"] == "最终研究报告全文"
    assert report["version"] == 2

    with pytest.raises(RuleViolation) as refused:
        platform.call(
            "audit-liaison",
            "research",
            "add_output",
            {"topic_id": tid, "title": "补充", "content": "x"},
        )
    assert refused.value.code == "topic_concluded"
    with pytest.raises(RuleViolation) as refused:
        platform.call("office", "research", "conclude_topic", {"topic_id": tid})
    assert refused.value.code == "topic_already_concluded"

    # what the dashboard, search and trace see of a concluded and an overdue topic
    late = platform.call(
        "office",
        "research",
        "create_topic",
        topic_body(
            2024,
            title="协同联动监督机制理论研究",
            lead_unit="npc",
            participating_units=["cdi"],
            questions=["人大监督与纪检监察监督如何贯通协调？"],
            due_on="2024-12-31",
        ),
    )
    done = platform.call("office", "research", "create_topic", topic_body(2024))
    out = platform.call(
        "audit-liaison",
        "research",
        "add_output",
        {
            "topic_id": done["id"],
            "title": "审计视角报告",
            "content": "衔接资金绩效评价方法",
            "final": True,
        },
    )
    platform.call("office", "research", "conclude_topic", {"topic_id": done["id"]})

    stats = platform.call("leader", "research", "stats", {"year": 2024})
    assert stats["topics"] == 2 and stats["concluded"] == 1 and stats["outputs"] == 1
    assert stats["overdue"] == 1  # past due and not concluded; the concluded one is not
    assert stats["per_unit"] == {"npc": 1, "cdi": 2, "finance": 1, "audit": 1}
    assert platform.call("leader", "research", "stats", {"year": 2030})["topics"] == 0
    assert platform.call("leader", "research", "get_topic", {"id": late["id"]})["overdue"]

    found = platform.call("court-reporter", "research", "search", {"q": "贯通"})["items"]
    assert [(f["kind"], f["id"]) for f in found] == [("topic", late["id"])]
    found = platform.call("court-reporter", "research", "search", {"q": "绩效评价"})["items"]
    assert [(f["kind"], f["id"]) for f in found] == [("output", out["id"])]
    assert platform.call("leader", "research", "search", {"q": ""}) == {"items": []}

    node = platform.call("leader", "research", "links", {"kind": "output", "id": out["id"]})
    assert node["node"]["final"] is True and node["links"] == [{"kind": "topic", "id": done["id"]}]
    for absent in ({"kind": "topic", "id": "topic-nope"}, {"kind": "lead", "id": "x"}):
        with pytest.raises(NotFound):
            platform.call("leader", "research", "links", absent)


def test_links_are_checked_with_their_owners(platform):
    platform.start(ResearchService, PlanningService)
    platform.call("office", "planning", "create_plan", {"year": 2025})
    item = platform.call(
        "office",
        "planning",
        "add_item",
        {
            "year": 2025,
            "title": "乡村振兴资金使用监管",
            "form": "joint_supervision",
            "lead_unit": "npc",
            "participating_units": ["cdi", "finance"],
            "key": True,
            "subjects": ["rural", "town-jieshi"],
        },
    )
    topic = platform.call("office", "research", "create_topic", topic_body(item_ids=[item["id"]]))
    tid = topic["id"]
    assert topic["item_ids"] == [item["id"]]
    assert topic["links"][0]["title"] == "乡村振兴资金使用监管"

    with pytest.raises(ValidationFailed) as bad:
        platform.call(
            "finance-liaison",
            "research",
            "set_links",
            {"topic_id": tid, "item_ids": [item["id"], "item-nope"]},
        )
    assert list(bad.value.fields) == ["item_ids.1"]
    with pytest.raises(Forbidden):  # a participating unit does not decide what is studied
        platform.call("audit-liaison", "research", "set_links", {"topic_id": tid, "item_ids": []})
    # rectification is not running: a clear 503, nothing stored
    with pytest.raises(ServiceUnavailable) as down:
        platform.call(
            "finance-liaison",
            "research",
            "add_link",
            {"topic_id": tid, "kind": "problem", "id": "prob-river"},
        )
    assert "rectification" in down.value.message
    assert platform.call("office", "research", "get_topic", {"id": tid})["problem_ids"] == []

    platform.start(RectificationStandIn)
    with pytest.raises(ValidationFailed) as bad:
        platform.call(
            "finance-liaison",
            "research",
            "add_link",
            {"topic_id": tid, "kind": "problem", "id": "prob-nope"},
        )
    assert list(bad.value.fields) == ["id"]
    linked = platform.call(
        "finance-liaison",
        "research",
        "add_link",
        {"topic_id": tid, "kind": "problem", "id": "prob-river"},
    )
    assert linked["item_ids"] == [item["id"]] and linked["problem_ids"] == ["prob-river"]

    by_rural = platform.call("leader", "research", "by_subject", {"subject": "rural"})["items"]
    assert [(t["id"], t["via"]["kind"]) for t in by_rural] == [(tid, "item")]
    by_ecology = platform.call("leader", "research", "by_subject", {"subject": "ecology"})
    assert by_ecology["items"][0]["via"] == {
        "kind": "problem",
        "id": "prob-river",
        "title": "一品河垃圾清运整改后反弹",
    }
    assert platform.call("leader", "research", "by_subject", {"subject": "court"}) == {"items": []}
    trace = platform.call("leader", "research", "links", {"kind": "topic", "id": tid})
    assert {"kind": "item", "id": item["id"]} in trace["links"]
    assert {"kind": "problem", "id": "prob-river"} in trace["links"]

    # PUT replaces the whole set, and the history says what changed
    after = platform.call(
        "office", "research", "set_links", {"topic_id": tid, "problem_ids": ["prob-river"]}
    )
    assert after["item_ids"] == [] and after["problem_ids"] == ["prob-river"]
    assert after["history"][-1]["action"] == "links_changed"
    assert after["history"][-1]["detail"]["removed"] == [{"kind": "item", "id": item["id"]}]
    assert after["history"][-1]["summary"] == "取消关联监督事项「乡村振兴资金使用监管」"
