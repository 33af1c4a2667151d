"""Property-based: any sequence of actions by any unit leaves the lead in a legal state.

A reference table says which (status, action) pairs are legal; hypothesis drives random
actors through random actions and checks that the rules accept exactly those, change nothing
when they refuse, and keep every unit that ever held the lead within its need-to-know.
"""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from leads_fakes import DAYS, LEADER, OFFICE, TODAY, FakeLead, person

from contracts.errors import Forbidden, NotFound, RuleViolation
from services.leads import rules

UNITS = ("audit", "cdi", "plc", "inspection")
ACTORS = [person(u) for u in UNITS] + [
    person("cdi", "viewer"),
    OFFICE,
    LEADER,
    person("rural", "supervised"),
]
LEGAL_FROM = {
    "transfer": {"registered", "returned", "accepted", "handling"},
    "accept": {"transferred"},
    "return": {"transferred"},
    "progress": {"accepted", "handling"},
    "feedback": {"accepted", "handling"},
}
LEADS_TO = {
    "transfer": "transferred",
    "accept": "accepted",
    "return": "returned",
    "progress": "handling",
    "feedback": "concluded",
}


# mostly the holder (so the lifecycle gets somewhere), sometimes anyone else
PICKS = st.integers(min_value=0, max_value=len(ACTORS) * 2)


def snapshot(lead):
    return (
        lead.status,
        lead.holder_unit,
        lead.sender_unit,
        lead.accept_due,
        lead.feedback_due,
        lead.accepted_on,
        lead.result,
        tuple(lead.units),
    )


class LeadLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.lead = FakeLead(source="audit")
        self.ever_held = {"audit"}
        self.steps = 0

    def actor(self, pick):
        if pick < len(ACTORS):
            return ACTORS[pick]
        return person(self.lead.holder_unit)

    def attempt(self, action, pick, text, to_unit=None):
        lead = self.lead
        who = self.actor(pick)
        before = snapshot(lead)
        holder_before, sender_before = lead.holder_unit, lead.sender_unit
        may_act = who.role in rules.ACTING_ROLES and who.unit == lead.holder_unit
        legal = (
            may_act
            and lead.status in LEGAL_FROM[action]
            and (action not in ("transfer", "return", "feedback") or text.strip())
            and (action != "transfer" or to_unit != lead.holder_unit)
        )
        calls = {
            "transfer": lambda: rules.transfer(
                lead, who, to_unit, text, TODAY, rules.deadline_days("funds", DAYS), None
            ),
            "accept": lambda: rules.accept(lead, who, text, TODAY),
            "return": lambda: rules.give_back(lead, who, text, TODAY),
            "progress": lambda: rules.progress(lead, who, text or "进展", TODAY),
            "feedback": lambda: rules.conclude(lead, who, text, TODAY, None),
        }
        try:
            step = calls[action]()
        except (Forbidden, RuleViolation, NotFound) as refused:
            assert not legal, f"{action} by {who} refused ({refused.code}) but legal"
            assert snapshot(lead) == before, "a refusal changed the lead"
            if not may_act:
                assert isinstance(refused, Forbidden)
            return
        assert legal, f"{action} by {who} from {before[0]} accepted but illegal"
        assert lead.status == LEADS_TO[action] and step["action"] == lead.status
        self.steps += 1
        if action == "transfer":
            assert (lead.holder_unit, lead.sender_unit) == (to_unit, holder_before)
            self.ever_held.add(to_unit)
        if action == "return":
            assert lead.holder_unit == sender_before  # back to the unit that sent it

    @rule(
        pick=PICKS,
        to_unit=st.sampled_from(UNITS),
        reason=st.sampled_from(["移送理由", "移送理由", " "]),
    )
    def transfer(self, pick, to_unit, reason):
        self.attempt("transfer", pick, reason, to_unit)

    @rule(pick=PICKS)
    def accept(self, pick):
        self.attempt("accept", pick, "")

    @rule(pick=PICKS, reason=st.sampled_from(["不属于本单位管辖", "不属于本单位管辖", "  "]))
    def give_back(self, pick, reason):
        self.attempt("return", pick, reason)

    @rule(pick=PICKS)
    def progress(self, pick):
        self.attempt("progress", pick, "已约谈")

    @rule(pick=PICKS, result=st.sampled_from(["已立案审查", "已立案审查", ""]))
    def feedback(self, pick, result):
        self.attempt("feedback", pick, result)

    @invariant()
    def legal_state(self):
        lead = self.lead
        assert lead.status in rules.STATUSES
        assert lead.source_unit == "audit"
        assert lead.holder_unit in lead.units
        assert self.ever_held <= set(lead.units)  # whoever held it keeps knowing it
        assert set(lead.units) <= set(UNITS)  # nobody else was let in
        if lead.status == "transferred":
            assert lead.accept_due is not None and lead.sender_unit != lead.holder_unit
        if lead.status == "concluded":
            assert lead.result
        assert not rules.may_see(person("rural", "supervised"), lead.units)
        for unit in UNITS:
            assert rules.may_see(person(unit), lead.units) == (unit in lead.units)


LeadLifecycle.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestLeadLifecycle = LeadLifecycle.TestCase
