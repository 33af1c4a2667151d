"""The portrait put together in the gateway: a service that failed is a marked section, not a 500."""

import pytest

from contracts.errors import ServiceUnavailable, Unauthenticated
from gateway.routes.sharing import compose_portrait
from services.sharing.serialize import record_title

FACT = {
    "id": "1",
    "record_id": "CZBF-1",
    "type": "finance.disbursement",
    "occurred_at": "2025-07-15T00:00:00+08:00",
    "title": "拨付",
    "source_unit": "finance",
}


def answers(**overrides):
    base = {
        "sharing": {
            "subject_name": "界石镇",
            "facts": [FACT],
            "facts_total": 1,
            "warnings": [
                {
                    "id": "w1",
                    "title": "预警",
                    "status": "open",
                    "raised_at": "2025-09-01T10:00:00+08:00",
                }
            ],
        },
        "planning": {
            "items": [
                {
                    "kind": "finding",
                    "id": "f1",
                    "title": "发现",
                    "at": "2025-06-01T09:00:00+08:00",
                    "item_id": "i2",
                    "item_title": "乡村振兴资金使用监管",
                },
                {"kind": "item", "id": "i1", "title": "事项", "year": 2025},
            ]
        },
        "leads": {
            "items": [
                {"kind": "lead", "id": "l1", "title": "线索", "at": "2025-09-02T09:00:00+08:00"}
            ]
        },
        "rectification": {
            "items": [
                {"kind": "task", "id": "t1", "title": "任务", "at": "2025-09-03T09:00:00+08:00"},
                {"kind": "problem", "id": "p1", "title": "问题"},
            ]
        },
        "research": {
            "items": [
                {
                    "kind": "topic",
                    "id": "r1",
                    "title": "乡村振兴资金监管制度研究",
                    "at": "2025-09-04T09:00:00+08:00",
                    "via": {"kind": "item", "id": "i2"},
                }
            ]
        },
    }
    base.update(overrides)
    return base


def test_every_section_from_its_service_and_a_timeline_in_order():
    p = compose_portrait("town-jieshi", answers())
    assert p["subject_name"] == "界石镇" and p["unavailable"] == []
    assert [i["id"] for i in p["items"]] == ["i1", "i2"]  # i2: through its finding
    assert [f["id"] for f in p["findings"]] == ["f1"]
    assert [t["id"] for t in p["tasks"]] == ["t1"] and [x["id"] for x in p["problems"]] == ["p1"]
    assert [(e["kind"], e["id"]) for e in p["timeline"]] == [
        ("finding", "f1"),
        ("record", "1"),
        ("warning", "w1"),
        ("lead", "l1"),
        ("task", "t1"),
        ("topic", "r1"),
    ]
    assert [t["id"] for t in p["topics"]] == ["r1"]  # the research that studies it
    assert set(p["sections"].values()) == {"ok"}


def test_a_service_that_did_not_answer_leaves_its_sections_marked():
    p = compose_portrait(
        "town-jieshi", answers(leads=ServiceUnavailable("down"), sharing=RuntimeError("boom"))
    )
    assert p["unavailable"] == ["leads", "sharing"]
    assert p["sections"]["leads"] == "unavailable" and p["sections"]["facts"] == "unavailable"
    assert p["sections"]["tasks"] == "ok" and p["leads"] == [] and p["facts"] == []
    assert p["subject_name"] == "界石镇"  # from the unit registry when sharing is away


def test_an_expired_token_is_a_401_not_an_empty_portrait():
    with pytest.raises(Unauthenticated):
        compose_portrait("court", answers(planning=Unauthenticated("expired", "token_expired")))


def test_record_titles_read_like_a_line_of_the_agencys_ledger():
    assert (
        record_title(
            "finance.disbursement",
            {
                "project_name": "界石镇高标准农田建设项目",
                "amount": 450000,
                "disbursed_percent": 85.0,
                "progress_percent": 35,
            },
        )
        == "界石镇高标准农田建设项目 拨付 450,000 元（累计 85%，进度 35%）"
    )
    assert (
        record_title(
            "statistics.indicator",
            {"indicator_name": "执行到位率", "value": 51.2, "unit": "%", "period": "2025Q3"},
        )
        == "执行到位率 51.2%（2025Q3）"
    )
    assert record_title(
        "plc.case_quality", {"case_no": "（2024）渝0113执1021号", "grade": "unqualified"}
    ).endswith("评查不合格")
    assert record_title("someone.new_kind", {"x": 1}) == "someone.new_kind"


def test_a_converted_warning_names_its_lead_only_inside_need_to_know():
    from runtime.identity import Identity
    from services.sharing.rules import hide_lead_link

    w = {"id": "w1", "lead_id": "lead-7", "handled_unit": "audit", "to_unit": "cdi"}
    for who in (
        Identity("office", "npc", "office_admin"),
        Identity("leader", "npc", "viewer"),
        Identity("a", "audit", "liaison"),
        Identity("c", "cdi", "liaison"),
    ):
        assert hide_lead_link(w, who)["lead_id"] == "lead-7"
    for who in (Identity("f", "finance", "liaison"), Identity("r", "rural", "supervised")):
        assert hide_lead_link(w, who)["lead_id"] is None
    assert w["lead_id"] == "lead-7"
