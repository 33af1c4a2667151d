"""The lead lifecycle, need-to-know and deadline rules, called directly."""

from datetime import timedelta

import pytest
from leads_fakes import DAYS, LEADER, OFFICE, TODAY, FakeLead, person

from contracts.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from services.leads import rules

NOW = None
FUNDS = rules.deadline_days("funds", DAYS)


def _transferred(to="cdi", on=TODAY):
    lead = FakeLead()
    rules.transfer(lead, person("audit"), to, "涉嫌违纪", on, FUNDS, NOW)
    return lead


def test_transfer_hands_the_lead_on_with_deadlines_from_its_category():
    lead = FakeLead()
    step = rules.transfer(lead, person("audit"), "cdi", "  涉嫌违纪  ", TODAY, FUNDS, NOW)
    assert (lead.status, lead.holder_unit, lead.sender_unit) == ("transferred", "cdi", "audit")
    assert lead.accept_due == TODAY + timedelta(days=5)
    assert lead.feedback_due == TODAY + timedelta(days=30)
    assert set(lead.units) == {"audit", "cdi"}
    assert step == {
        "action": "transferred",
        "unit": "audit",
        "to_unit": "cdi",
        "reason": "涉嫌违纪",
        "on": TODAY,
    }


def test_unknown_category_takes_the_default_deadlines():
    assert rules.deadline_days("no-such-category", DAYS) == (7, 30)
    assert rules.deadline_days("funds", DAYS) == (5, 30)
    assert rules.deadline_days("funds", None) == rules.DEFAULT_DAYS


@pytest.mark.parametrize(
    "who, code",
    [
        (person("cdi"), "holder_unit_only"),  # not the holder
        (OFFICE, "holder_unit_only"),  # the office is not the holder either
        (person("audit", "viewer"), "read_only"),  # the right unit, but a reader
        (LEADER, "read_only"),
    ],
)
def test_only_the_holder_transfers(who, code):
    lead = FakeLead()
    with pytest.raises(Forbidden) as refused:
        rules.transfer(lead, who, "plc", "理由", TODAY, FUNDS, NOW)
    assert refused.value.code == code
    assert lead.status == "registered" and lead.units == ["audit"]


def test_transfer_rules_refuse_with_their_codes():
    lead = FakeLead()
    with pytest.raises(RuleViolation) as refused:
        rules.transfer(lead, person("audit"), "audit", "理由", TODAY, FUNDS, NOW)
    assert refused.value.code == "transfer_to_self"
    with pytest.raises(RuleViolation) as refused:
        rules.transfer(lead, person("audit"), "cdi", "   ", TODAY, FUNDS, NOW)
    assert refused.value.code == "transfer_needs_reason" and "reason" in refused.value.fields
    lead = _transferred()
    # the receiving unit must accept or return it before it can move on
    with pytest.raises(RuleViolation) as refused:
        rules.transfer(lead, person("cdi"), "plc", "理由", TODAY, FUNDS, NOW)
    assert refused.value.code == "lead_awaiting_acceptance"


def test_accept_only_by_the_receiving_unit_and_only_while_transferred():
    lead = FakeLead()
    with pytest.raises(RuleViolation) as refused:
        rules.accept(lead, person("audit"), "", TODAY)
    assert refused.value.code == "lead_not_transferred"
    lead = _transferred()
    with pytest.raises(Forbidden):
        rules.accept(lead, person("audit"), "", TODAY)  # the sender cannot accept for cdi
    rules.accept(lead, person("cdi"), "", TODAY)
    assert lead.status == "accepted" and lead.accepted_on == TODAY
    with pytest.raises(RuleViolation) as refused:
        rules.accept(lead, person("cdi"), "", TODAY)
    assert refused.value.code == "lead_not_transferred"


def test_return_needs_a_reason_and_gives_the_lead_back_to_the_sender():
    lead = _transferred()
    with pytest.raises(RuleViolation) as refused:
        rules.give_back(lead, person("cdi"), " ", TODAY)
    assert refused.value.code == "return_needs_reason"
    assert lead.status == "transferred"
    step = rules.give_back(lead, person("cdi"), "不属于本单位管辖", TODAY)
    assert (lead.status, lead.holder_unit) == ("returned", "audit")
    assert lead.accept_due is None and not rules.overdue(lead, TODAY + timedelta(days=99))
    assert step["to_unit"] == "audit" and step["unit"] == "cdi"
    # cdi held it once: it stays within cdi's need-to-know
    assert rules.may_see(person("cdi"), lead.units)
    # the sender sends it on elsewhere
    rules.transfer(lead, person("audit"), "plc", "改送政法委", TODAY, FUNDS, NOW)
    assert lead.holder_unit == "plc"


def test_transferred_on_again_a_return_goes_to_the_last_sender():
    lead = _transferred()
    rules.accept(lead, person("cdi"), "", TODAY)
    rules.transfer(lead, person("cdi"), "plc", "涉及司法人员", TODAY, FUNDS, NOW)
    assert (lead.sender_unit, lead.holder_unit, lead.accepted_on) == ("cdi", "plc", None)
    rules.give_back(lead, person("plc"), "请纪委监委继续办理", TODAY)
    assert lead.holder_unit == "cdi"
    assert set(lead.units) == {"audit", "cdi", "plc"}


def test_feedback_only_after_acceptance_and_it_closes_the_lead():
    lead = _transferred()
    with pytest.raises(RuleViolation) as refused:
        rules.conclude(lead, person("cdi"), "已处理", TODAY, NOW)
    assert refused.value.code == "lead_not_accepted"
    rules.accept(lead, person("cdi"), "", TODAY)
    rules.progress(lead, person("cdi"), "已约谈相关责任人", TODAY)
    assert lead.status == "handling"
    with pytest.raises(Forbidden):
        rules.conclude(lead, person("audit"), "结果", TODAY, NOW)  # the source only reads it
    with pytest.raises(RuleViolation) as refused:
        rules.conclude(lead, person("cdi"), "  ", TODAY, NOW)
    assert refused.value.code == "feedback_needs_result"
    step = rules.conclude(lead, person("cdi"), "已立案审查", TODAY, NOW)
    assert lead.status == "concluded" and lead.result == "已立案审查"
    assert step["to_unit"] == "audit"  # the result goes back to the source
    for act in (
        lambda: rules.transfer(lead, person("cdi"), "plc", "x", TODAY, FUNDS, NOW),
        lambda: rules.accept(lead, person("cdi"), "", TODAY),
        lambda: rules.give_back(lead, person("cdi"), "x", TODAY),
        lambda: rules.progress(lead, person("cdi"), "x", TODAY),
        lambda: rules.conclude(lead, person("cdi"), "x", TODAY, NOW),
    ):
        with pytest.raises(RuleViolation) as refused:
            act()
        assert refused.value.code == "lead_closed"
    assert not rules.overdue(lead, TODAY + timedelta(days=365))


def test_overdue_runs_against_acceptance_then_feedback():
    lead = _transferred()
    due = lead.accept_due
    assert not rules.overdue(lead, due)  # the due day itself is still in time
    assert rules.overdue(lead, due + timedelta(days=1))
    assert rules.current_deadline(lead) == ("accept", due)
    rules.accept(lead, person("cdi"), "", due + timedelta(days=1))
    assert rules.current_deadline(lead) == ("feedback", lead.feedback_due)
    assert not rules.overdue(lead, lead.feedback_due)
    assert rules.overdue(lead, lead.feedback_due + timedelta(days=1))
    assert not rules.overdue(FakeLead(), TODAY + timedelta(days=999))  # nobody owes anything


def test_escalation_once_per_deadline_and_due_date():
    lead = _transferred()
    late = lead.accept_due + timedelta(days=1)
    assert rules.escalation_due(lead, TODAY, set()) is None
    due = rules.escalation_due(lead, late, set())
    assert due == ("accept", lead.accept_due)
    assert rules.escalation_due(lead, late + timedelta(days=5), {due}) is None
    rules.accept(lead, person("cdi"), "", late)
    feedback_late = lead.feedback_due + timedelta(days=1)
    assert rules.escalation_due(lead, feedback_late, {due}) == ("feedback", lead.feedback_due)


def test_need_to_know():
    units = ["audit", "cdi"]
    assert rules.may_see(OFFICE, units) and rules.may_see(LEADER, units)
    assert rules.may_see(person("cdi"), units)
    assert rules.may_see(person("audit", "viewer"), units)  # a unit's reader reads its leads
    assert not rules.may_see(person("plc"), units)
    # supervised units and adapters never, whatever their unit
    assert not rules.may_see(person("rural", "supervised"), ["rural"])
    assert not rules.may_see(person("audit", "adapter"), units)
    assert not rules.may_see(None, units)
    with pytest.raises(NotFound) as hidden:
        rules.require_visible(person("plc"), FakeLead())
    assert hidden.value.code == "not_found"


def test_who_may_register():
    rules.require_can_register(person("cdi"))
    rules.require_can_register(OFFICE)
    with pytest.raises(Forbidden) as refused:
        rules.require_can_register(LEADER)
    assert refused.value.code == "read_only"
    for who in (person("rural", "supervised"), person("audit", "adapter")):
        with pytest.raises(Forbidden) as refused:
            rules.require_can_register(who)
        assert refused.value.code == "coordinating_units_only"


def test_backdating_is_the_office_s_and_stays_within_bounds():
    assert rules.effective_date(person("cdi"), None, TODAY, field="d") == TODAY
    assert rules.effective_date(person("cdi"), TODAY, TODAY, field="d") == TODAY
    with pytest.raises(Forbidden) as refused:
        rules.effective_date(person("cdi"), TODAY - timedelta(days=3), TODAY, field="d")
    assert refused.value.code == "backdating_office_only"
    past = TODAY - timedelta(days=20)
    assert rules.effective_date(OFFICE, past, TODAY, field="d") == past
    for bad in (TODAY + timedelta(days=1), TODAY - timedelta(days=400)):
        with pytest.raises(ValidationFailed) as refused:
            rules.effective_date(OFFICE, bad, TODAY, field="transferred_on")
        assert "transferred_on" in refused.value.fields
    with pytest.raises(ValidationFailed):
        rules.effective_date(OFFICE, past, TODAY, field="d", not_before=past + timedelta(days=1))
