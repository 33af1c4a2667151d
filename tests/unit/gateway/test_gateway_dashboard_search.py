"""Dashboard merge and search merge, with plain answers and failures."""

from contracts.errors import ServiceUnavailable
from gateway.views import dashboard, search

PLANNING = {
    "items": {"in_progress": 3, "concluded": 2},
    "items_total": 5,
    "overdue": 1,
    "per_unit": {"cdi": 3, "audit": 2, "npc": 5},
    "plan_status": "adopted",
}
LEADS = {"leads": {"transferred": 1}, "total": 1, "overdue": 2, "per_unit": {"cdi": 1}}


def test_a_silent_service_is_marked_and_the_rest_still_adds_up():
    merged = dashboard.merge(
        2025,
        {"planning": PLANNING, "leads": LEADS, "sharing": ServiceUnavailable("down")},
        unit_names={"cdi": "区纪委监委机关"},
    )
    assert merged["mechanisms"]["sharing"] == {"unavailable": True}
    assert merged["unavailable"] == ["sharing"]
    assert merged["mechanisms"]["planning"]["items_total"] == 5
    assert "per_unit" not in merged["mechanisms"]["planning"]
    assert merged["overdue"] == {"planning": 1, "leads": 2, "total": 3}
    assert merged["per_unit"]["cdi"] == {"planning": 3, "leads": 1}
    assert list(merged["per_unit"]) == ["npc", "cdi", "audit"]  # busiest first
    assert merged["unit_names"]["cdi"] == "区纪委监委机关"
    assert merged["unit_names"]["audit"] == "audit"


def test_odd_counts_never_break_the_dashboard():
    merged = dashboard.merge(
        None,
        {
            "research": {
                "overdue": {"accept": 1, "feedback": 2},
                "per_unit": {"npc": "many", "cdi": True, "audit": -3, "plc": 2.0},
            }
        },
    )
    assert merged["overdue"]["research"] == 3
    assert merged["per_unit"] == {"plc": {"research": 2}}
    assert dashboard.merge(2025, {})["overdue"] == {"total": 0}


def test_search_merges_ranks_dedups_and_reports_the_silent():
    answers = {
        "planning": {
            "items": [
                {"kind": "item", "id": "i1", "title": "监督对象依法履职情况全过程监督"},
                {"kind": "finding", "id": "f1", "title": "乡村振兴衔接资金拨付快于进度"},
                {"kind": "item", "id": "i1", "title": "duplicate"},
                {"title": "no kind"},
                "junk",
            ]
        },
        "rectification": {"items": [{"kind": "problem", "id": 7, "title": "乡村振兴"}]},
        "leads": ServiceUnavailable("down"),
    }
    merged = search.merge("乡村振兴", answers, limit=10)
    assert [(h["kind"], h["id"]) for h in merged["items"]] == [
        ("problem", "7"),
        ("finding", "f1"),
        ("item", "i1"),
    ]
    assert merged["items"][0]["service"] == "rectification"
    assert merged["total"] == 3 and merged["unavailable"] == ["leads"]
    assert search.merge("乡村振兴", answers, limit=1)["total"] == 1


def test_search_text_is_cleaned():
    assert search.clean("  乡村\t振兴  资金 ") == "乡村 振兴 资金"
    assert search.clean(None) == ""
