"""Every research rule, called as a plain function; the request schemas in Chinese."""

from datetime import date
from types import SimpleNamespace as NS

import pytest

from contracts.errors import Forbidden, RuleViolation, ValidationFailed
from contracts.schemas import research as s
from contracts.schemas.base import load
from runtime.identity import Identity
from services.research import rules

OFFICE = Identity("office", "npc", "office_admin")
LEADER = Identity("leader", "npc", "viewer")
CDI = Identity("cdi-liaison", "cdi", "liaison")
AUDIT = Identity("audit-liaison", "audit", "liaison")
FINANCE = Identity("finance-liaison", "finance", "liaison")
PLC = Identity("plc-liaison", "plc", "liaison")
COURT = Identity("court-reporter", "court", "supervised")
SYSTEM = Identity("system:research", "npc", "system")


def topic(**kw):
    base = dict(
        title="乡村振兴资金监管制度研究",
        lead_unit="finance",
        participating_units=["audit", "cdi"],
        status="planned",
        final_output_id=None,
        due_on=date(2025, 11, 30),
    )
    base.update(kw)
    return NS(**base)


def test_only_the_office_sets_topics():
    rules.require_office(OFFICE, "确定理论研究课题")
    rules.require_office(SYSTEM, "确定理论研究课题")
    for who in (LEADER, CDI, COURT):
        with pytest.raises(Forbidden) as e:
            rules.require_office(who, "确定理论研究课题")
        assert e.value.code == "office_only"


def test_at_most_two_topics_a_year():
    rules.check_topic_limit(2025, 0)
    rules.check_topic_limit(2025, 1)
    with pytest.raises(RuleViolation) as e:
        rules.check_topic_limit(2025, 2)
    assert e.value.code == "research_topics_limit"
    assert "2025" in e.value.message


def test_slots_are_the_first_free_of_two():
    assert rules.next_slot(set()) == 1
    assert rules.next_slot({1}) == 2
    assert rules.next_slot({2}) == 1
    # full: a slot the unique (year, slot) constraint can never accept twice
    assert rules.next_slot({1, 2}) == 3


def test_the_lead_unit_does_not_also_participate():
    rules.check_topic_units("finance", ["audit", "cdi"])
    with pytest.raises(ValidationFailed) as e:
        rules.check_topic_units("finance", ["audit", "finance"])
    assert e.value.status == 422
    assert e.value.fields["participating_units"] == ["牵头单位不能同时列为参与单位"]


def test_only_npc_and_agencies_research():
    rules.check_topic_units("npc", ["cdi", "statistics"])
    with pytest.raises(ValidationFailed) as e:
        rules.check_topic_units("court", ["cdi", "rural", "nowhere"])
    assert set(e.value.fields) == {"lead_unit", "participating_units"}
    assert len(e.value.fields["participating_units"]) == 2


def test_due_date_not_before_the_topics_year():
    rules.check_due_on(2025, date(2025, 1, 1))
    rules.check_due_on(2025, date(2026, 6, 30))
    with pytest.raises(ValidationFailed) as e:
        rules.check_due_on(2025, date(2024, 12, 31))
    assert "due_on" in e.value.fields


def test_outputs_come_from_the_topics_units_only():
    t = topic()
    for who in (FINANCE, AUDIT, CDI, SYSTEM):
        rules.require_member(who, t, "提交研究成果")
    for who in (PLC, OFFICE, COURT):
        with pytest.raises(Forbidden) as e:
            rules.require_member(who, t, "提交研究成果")
        assert e.value.code == "research_members_only"
    with pytest.raises(Forbidden) as e:
        rules.require_member(LEADER, topic(lead_unit="npc"), "提交研究成果")
    assert e.value.code == "read_only"


def test_office_staff_write_when_the_committee_is_one_of_the_units():
    rules.require_member(OFFICE, topic(lead_unit="npc"), "提交研究成果")
    rules.require_member(OFFICE, topic(participating_units=["npc"]), "提交研究成果")
    # a supervised unit is never a member, even if listed by mistake
    with pytest.raises(Forbidden):
        rules.require_member(COURT, topic(participating_units=["court"]), "提交研究成果")


def test_links_are_set_by_the_office_or_the_lead_unit():
    t = topic()
    for who in (OFFICE, FINANCE, SYSTEM):
        rules.require_lead_or_office(who, t, "关联研究对象")
    for who in (AUDIT, LEADER, COURT):
        with pytest.raises(Forbidden) as e:
            rules.require_lead_or_office(who, t, "关联研究对象")
        assert e.value.code == "lead_unit_only"


def test_a_concluded_topic_is_closed():
    rules.check_open(topic(status="in_progress"))
    with pytest.raises(RuleViolation) as e:
        rules.check_open(topic(status="concluded"))
    assert e.value.code == "topic_concluded"


def test_conclusion_needs_a_final_output():
    with pytest.raises(RuleViolation) as e:
        rules.check_conclusion(topic(status="in_progress"))
    assert e.value.code == "final_output_missing"
    rules.check_conclusion(topic(status="in_progress", final_output_id="rout-1"))
    with pytest.raises(RuleViolation) as e:
        rules.check_conclusion(topic(status="concluded", final_output_id="rout-1"))
    assert e.value.code == "topic_already_concluded"


def test_the_first_output_starts_the_research():
    assert rules.status_after_output(topic(status="planned")) == "in_progress"
    assert rules.status_after_output(topic(status="in_progress")) == "in_progress"


def test_exactly_one_final_output():
    none_yet = topic()
    assert rules.final_change(none_yet, "a", True) == (None, "a")
    assert rules.final_change(none_yet, "a", False) == (None, None)
    assert rules.final_change(none_yet, "a", None) == (None, None)
    a_final = topic(final_output_id="a")
    # marking another final demotes the previous one: still exactly one
    assert rules.final_change(a_final, "b", True) == ("a", "b")
    # a draft that says "not final" does not unmark someone else's final report
    assert rules.final_change(a_final, "b", False) == ("a", "a")
    assert rules.final_change(a_final, "a", False) == ("a", None)
    assert rules.final_change(a_final, "a", None) == ("a", "a")
    assert rules.final_change(a_final, "a", True) == ("a", "a")


def test_overdue_means_past_due_and_not_concluded():
    today = date(2025, 12, 1)
    assert rules.overdue(topic(status="in_progress"), today)
    assert not rules.overdue(topic(status="in_progress", due_on=date(2025, 12, 1)), today)
    assert not rules.overdue(topic(status="concluded"), today)


def test_topic_units_and_search_text():
    assert rules.topic_units(topic()) == ["finance", "audit", "cdi"]
    text = rules.search_text("协同联动监督机制理论研究", ["如何贯通？"], ["研究报告"])
    assert "贯通" in text and "研究报告" in text


def test_link_changes_are_sorted_additions_and_removals():
    added, removed = rules.link_changes(
        {("item", "b"), ("item", "a")}, {("item", "b"), ("problem", "p"), ("item", "c")}
    )
    assert added == [("item", "c"), ("problem", "p")]
    assert removed == [("item", "a")]


def test_topic_request_names_every_bad_field():
    with pytest.raises(ValidationFailed) as e:
        load(
            s.TopicIn(),
            {
                "year": "明年",
                "title": "",
                "lead_unit": "court",
                "participating_units": [],
                "questions": [],
                "due_on": "年底",
                "secret": 1,
            },
        )
    f = e.value.fields
    assert f["year"] == ["应为整数"]
    assert "长度" in f["title"][0]
    assert f["lead_unit"] == ["court 不是协同联动单位"]
    assert f["participating_units"] and f["questions"]
    assert f["due_on"] == ["日期格式应为 YYYY-MM-DD"]
    assert f["secret"] == ["不允许的字段"]


def test_output_and_version_requests():
    data = load(s.OutputIn(), {"title": "初稿", "content": "正文"})
    assert data["final"] is False
    version = load(s.VersionIn(), {"content": "修改稿"})
    assert version["final"] is None and "title" not in version
    with pytest.raises(ValidationFailed) as e:
        load(s.OutputIn(), {"title": "初稿", "content": "", "final": "是"})
    assert set(e.value.fields) == {"content", "final"}
    with pytest.raises(ValidationFailed) as e:
        load(s.LinkIn(), {"kind": "lead", "id": "x"})
    assert "kind" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        load(s.LinksIn(), {"item_ids": ["a", "a"]})
    assert e.value.fields["item_ids"] == ["列表中有重复项"]
