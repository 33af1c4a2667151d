"""Every planning rule, called as a plain function."""

from datetime import date
from types import SimpleNamespace as NS

import pytest

from contracts.errors import Forbidden, RuleViolation
from runtime.identity import Identity
from services.planning import rules

OFFICE = Identity("office", "npc", "office_admin")
LEADER = Identity("leader", "npc", "viewer")
CDI = Identity("cdi-liaison", "cdi", "liaison")
AUDIT = Identity("audit-liaison", "audit", "liaison")
COURT = Identity("court-reporter", "court", "supervised")


def item(**kw):
    base = dict(
        title="乡村振兴资金使用监管",
        key=False,
        lead_unit="npc",
        participating_units=["cdi"],
        status="planned",
        versions=[],
        staff=[],
    )
    base.update(kw)
    return NS(**base)


def code_of(excinfo):
    return excinfo.value.code


def test_only_the_office_makes_plans():
    rules.require_office(OFFICE, "制定年度计划")
    for who in (LEADER, CDI, COURT):
        with pytest.raises(Forbidden) as e:
            rules.require_office(who, "制定年度计划")
        assert code_of(e) == "office_only"


def test_proposals_come_from_coordinating_units_only():
    rules.require_coordinating(CDI, "提出议题建议")
    rules.require_coordinating(OFFICE, "提出议题建议")
    for who in (COURT, LEADER):
        with pytest.raises(Forbidden):
            rules.require_coordinating(who, "提出议题建议")


def test_one_plan_a_year():
    rules.check_new_plan(None)
    with pytest.raises(RuleViolation) as e:
        rules.check_new_plan(NS(year=2025))
    assert code_of(e) == "plan_exists"


def test_adoption_needs_a_key_item():
    with pytest.raises(RuleViolation) as e:
        rules.check_adoption(NS(status="draft"), [item(), item()])
    assert code_of(e) == "plan_needs_key_item"
    rules.check_adoption(NS(status="draft"), [item(), item(key=True)])


def test_a_cancelled_key_item_does_not_count():
    with pytest.raises(RuleViolation) as e:
        rules.check_adoption(NS(status="draft"), [item(), item(key=True, status="cancelled")])
    assert code_of(e) == "plan_needs_key_item"


def test_adoption_needs_lead_and_participating_units_on_every_item():
    with pytest.raises(RuleViolation) as e:
        rules.check_adoption(NS(status="draft"), [item(key=True, lead_unit=None)])
    assert code_of(e) == "item_needs_lead_unit"
    with pytest.raises(RuleViolation) as e:
        rules.check_adoption(NS(status="draft"), [item(key=True, participating_units=["npc"])])
    assert code_of(e) == "item_needs_participating_unit"
    assert "至少需要一个参与单位" in e.value.fields["items"][0]


def test_an_adopted_plan_is_not_adopted_twice():
    with pytest.raises(RuleViolation) as e:
        rules.check_adoption(NS(status="adopted"), [item(key=True)])
    assert code_of(e) == "plan_already_adopted"


def test_items_can_only_be_added_to_a_draft():
    rules.check_plan_is_draft(NS(status="draft"))
    with pytest.raises(RuleViolation) as e:
        rules.check_plan_is_draft(NS(status="adopted"))
    assert code_of(e) == "plan_not_draft"


def test_lead_unit_is_not_also_a_participant():
    with pytest.raises(RuleViolation) as e:
        rules.check_item_units("cdi", ["cdi", "audit"])
    assert code_of(e) == "lead_unit_in_participants"


def test_closed_items_refuse_changes():
    rules.check_open(item(status="in_progress"))
    for status in ("concluded", "cancelled"):
        with pytest.raises(RuleViolation) as e:
            rules.check_open(item(status=status))
        assert code_of(e) == "item_closed"


def test_only_the_lead_unit_writes_the_implementation_plan():
    it = item(lead_unit="cdi", participating_units=["audit"])
    rules.require_lead_unit(CDI, it, "编制实施方案")
    for who in (AUDIT, OFFICE, Identity("cdi-viewer", "cdi", "viewer")):
        with pytest.raises(Forbidden) as e:
            rules.require_lead_unit(who, it, "编制实施方案")
        assert code_of(e) == "lead_unit_only"


def test_only_members_record_joint_work():
    it = item(lead_unit="cdi", participating_units=["audit"])
    rules.require_item_member(AUDIT, it, "记录")
    rules.require_item_member(OFFICE, it, "记录")
    for who in (Identity("finance-liaison", "finance", "liaison"), LEADER, COURT):
        with pytest.raises(Forbidden) as e:
            rules.require_item_member(who, it, "记录")
        assert code_of(e) == "item_members_only"


def test_staff_is_dispatched_by_each_unit_for_itself():
    it = item(lead_unit="cdi", participating_units=["audit"])
    rules.check_staff_dispatch(AUDIT, it, "audit")
    with pytest.raises(Forbidden) as e:
        rules.check_staff_dispatch(CDI, it, "audit")
    assert code_of(e) == "own_unit_only"
    with pytest.raises(RuleViolation) as e:
        rules.check_staff_dispatch(Identity("f", "finance", "liaison"), it, "finance")
    assert code_of(e) == "unit_not_in_item"


def test_approval_needs_a_submitted_unapproved_version():
    with pytest.raises(RuleViolation) as e:
        rules.check_approval(item())
    assert code_of(e) == "implementation_plan_missing"
    with pytest.raises(RuleViolation) as e:
        rules.check_approval(item(versions=[NS(approved_at="2025-03-01")]))
    assert code_of(e) == "implementation_plan_already_approved"
    rules.check_approval(item(versions=[NS(approved_at="x"), NS(approved_at=None)]))


def test_start_rule_one_item_one_plan_and_staff_from_every_unit():
    adopted = NS(status="adopted")
    approved = [NS(approved_at="2025-03-01")]
    staff = [NS(unit="npc"), NS(unit="cdi")]
    with pytest.raises(RuleViolation) as e:
        rules.check_start(NS(status="draft"), item(versions=approved, staff=staff))
    assert code_of(e) == "annual_plan_not_adopted"
    with pytest.raises(RuleViolation) as e:
        rules.check_start(adopted, item(staff=staff))
    assert code_of(e) == "plan_not_approved"
    with pytest.raises(RuleViolation) as e:
        rules.check_start(adopted, item(versions=[NS(approved_at=None)], staff=staff))
    assert code_of(e) == "plan_not_approved"
    with pytest.raises(RuleViolation) as e:
        rules.check_start(adopted, item(versions=approved, staff=[NS(unit="npc")]))
    assert code_of(e) == "staff_missing"
    assert "区纪委监委机关" in e.value.message
    with pytest.raises(RuleViolation) as e:
        rules.check_start(adopted, item(status="in_progress", versions=approved, staff=staff))
    assert code_of(e) == "item_not_planned"
    rules.check_start(adopted, item(versions=approved, staff=staff))


def test_milestones_and_findings_need_a_running_item():
    with pytest.raises(RuleViolation) as e:
        rules.check_in_progress(item(), "记录发现问题")
    assert code_of(e) == "item_not_in_progress"
    with pytest.raises(RuleViolation) as e:
        rules.check_milestone_owner(item(), "finance")
    assert code_of(e) == "unit_not_in_item"


def test_milestone_overdue_is_derived_from_the_due_date():
    today = date(2025, 6, 1)
    assert rules.milestone_overdue(NS(done_on=None, due_on=date(2025, 5, 31)), today)
    assert not rules.milestone_overdue(NS(done_on=None, due_on=today), today)
    assert not rules.milestone_overdue(NS(done_on=date(2025, 5, 1), due_on=date(2025, 5, 2)), today)


def test_meeting_proposals_must_exist_in_that_year():
    proposals = {"p1": NS(year=2025), "p2": NS(year=2024)}
    rules.check_meeting_proposals(2025, ["p1"], proposals)
    with pytest.raises(RuleViolation) as e:
        rules.check_meeting_proposals(2025, ["p1", "p2", "p3"], proposals)
    assert code_of(e) == "unknown_proposal"
    assert len(e.value.fields["proposal_ids"]) == 2


def test_lead_links_on_findings_are_shown_to_the_office_unit_only():
    answer = {
        "id": "item-1",
        "findings": [{"id": "f1", "lead_ids": ["lead-9"], "problem_ids": ["prob-1"]}],
    }
    assert rules.for_caller(answer, OFFICE) == answer
    assert rules.for_caller(answer, LEADER) == answer
    for who in (CDI, COURT):
        shown = rules.for_caller(answer, who)
        assert shown["findings"][0]["lead_ids"] == []
        assert shown["findings"][0]["problem_ids"] == ["prob-1"]
    assert answer["findings"][0]["lead_ids"] == ["lead-9"]  # the stored answer is untouched
