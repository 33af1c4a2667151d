"""The leads mechanism's rules, as plain functions (no broker, no database).

A lead moves registered → transferred → accepted | returned → handling → concluded, and may be
transferred on again while it is not concluded. Refusals: ``NotFound`` outside need-to-know
(404, never a hint that the lead exists), ``Forbidden`` when the caller's role or unit may not
act (403), ``RuleViolation`` with the rule's code when the lifecycle refuses it (409).

The transition functions check, then change the lead in place and return the history step;
they work on any object with the lead's attributes and an ``involve(unit, now)`` method.
"""

from datetime import date, timedelta

from contracts.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from contracts.units import registry
from runtime.identity import Identity, require_writer

OPEN = ("registered", "transferred", "accepted", "handling", "returned")
STATUSES = (*OPEN, "concluded")
HANDLING = ("accepted", "handling")
# roles that act for their unit; a viewer of a unit reads what its unit may read
ACTING_ROLES = ("liaison", "office_admin")
READING_ROLES = ("liaison", "office_admin", "viewer")
BACKDATE_LIMIT_DAYS = 366
DEFAULT_DAYS = (7, 30)

STATUS_NAMES = {
    "registered": "已登记",
    "transferred": "已移送",
    "accepted": "已受理",
    "handling": "办理中",
    "returned": "已退回",
    "concluded": "已办结",
}


# -- need-to-know --------------------------------------------------------------------------


def sees_all(who: Identity | None) -> bool:
    """The office (office staff and the committee's leaders) and the platform itself."""
    return who is not None and (who.is_system or who.is_office or who.is_office_unit)


def may_read_for_unit(who: Identity | None) -> bool:
    """Supervised units and adapters never see leads, whatever unit they belong to."""
    return who is not None and bool(who.unit) and who.role in READING_ROLES


def may_see(who: Identity | None, units) -> bool:
    if sees_all(who):
        return True
    return may_read_for_unit(who) and who.unit in units


def require_visible(who: Identity, lead) -> None:
    if not may_see(who, lead.units):
        raise NotFound("线索不存在", "not_found")


# -- who may act -----------------------------------------------------------------------------


def require_can_register(who: Identity) -> None:
    require_writer(who)
    if who.is_system:
        return
    unit = registry().get(who.unit or "")
    if who.role not in ACTING_ROLES or unit is None or unit.kind not in ("npc", "agency"):
        raise Forbidden("只有协同联动单位可以登记问题线索", "coordinating_units_only")


def require_holder(who: Identity, lead, what: str) -> None:
    require_writer(who)
    if who.is_system:
        return
    if who.unit != lead.holder_unit or who.role not in ACTING_ROLES:
        raise Forbidden(
            f"只有当前承办单位（{registry().name(lead.holder_unit)}）可以{what}", "holder_unit_only"
        )


def acting_unit(who: Identity) -> str:
    return who.unit or "npc"


# -- dates ---------------------------------------------------------------------------------------


def deadline_days(category: str, table: dict | None) -> tuple[int, int]:
    """(accept_days, feedback_days) for a category; an unknown one takes ``default``."""
    table = table or {}
    entry = table.get(category) or table.get("default") or {}
    return (
        int(entry.get("accept_days", DEFAULT_DAYS[0])),
        int(entry.get("feedback_days", DEFAULT_DAYS[1])),
    )


def effective_date(
    who: Identity, stated: date | None, today: date, *, field: str, not_before: date | None = None
) -> date:
    """The date a step counts from: today, or an earlier date the office enters (补录).

    Backdating lets the office enter a clue or a transfer that happened on paper before the
    platform knew of it; the step still records when it was entered (``at``).
    """
    if stated is None or stated == today:
        if not_before is not None and today < not_before:
            raise ValidationFailed(
                "日期早于上一步骤",
                "validation_failed",
                {field: [f"不能早于 {not_before.isoformat()}"]},
            )
        return today
    if not (who.is_office or who.is_system):
        raise Forbidden("只有人大常委会办公室可以补录历史日期", "backdating_office_only")
    problems = []
    if stated > today:
        problems.append("不能晚于今天")
    if stated < today - timedelta(days=BACKDATE_LIMIT_DAYS):
        problems.append(f"补录日期不能早于 {BACKDATE_LIMIT_DAYS} 天前")
    if not_before is not None and stated < not_before:
        problems.append(f"不能早于 {not_before.isoformat()}")
    if problems:
        raise ValidationFailed("日期有误", "validation_failed", {field: problems})
    return stated


def last_step_date(lead) -> date | None:
    dates = [d for d in (lead.registered_on, lead.transferred_on, lead.accepted_on) if d]
    return max(dates) if dates else None


def current_deadline(lead) -> tuple[str, date] | None:
    """The deadline the lead runs against now: acceptance while transferred, feedback once
    accepted; none while it sits with the registering or returned-to unit, or is closed."""
    if lead.status == "transferred" and lead.accept_due is not None:
        return "accept", lead.accept_due
    if lead.status in HANDLING and lead.feedback_due is not None:
        return "feedback", lead.feedback_due
    return None


def overdue(lead, today: date) -> bool:
    deadline = current_deadline(lead)
    return deadline is not None and today > deadline[1]


# -- transitions ---------------------------------------------------------------------------


def check_not_closed(lead) -> None:
    if lead.status == "concluded":
        raise RuleViolation("线索已办结，不能再办理", "lead_closed")


def transfer(
    lead, who: Identity, to_unit: str, reason: str, on: date, days: tuple[int, int], now
) -> dict:
    """移送: the holder sends it to another coordinating unit, with a reason."""
    require_holder(who, lead, "移送线索")
    check_not_closed(lead)
    if lead.status == "transferred":
        raise RuleViolation(
            "线索正等待接收单位受理或退回，不能再次移送", "lead_awaiting_acceptance"
        )
    if to_unit == lead.holder_unit:
        raise RuleViolation(
            "不能移送给本单位", "transfer_to_self", {"to_unit": ["不能移送给本单位"]}
        )
    if not (reason or "").strip():
        raise RuleViolation(
            "移送线索需要说明理由", "transfer_needs_reason", {"reason": ["移送线索需要说明理由"]}
        )
    accept_days, feedback_days = days
    sender = lead.holder_unit
    lead.sender_unit, lead.holder_unit, lead.status = sender, to_unit, "transferred"
    lead.transferred_on, lead.accepted_on = on, None
    lead.accept_due = on + timedelta(days=accept_days)
    lead.feedback_due = on + timedelta(days=feedback_days)
    lead.involve(sender, now)
    lead.involve(to_unit, now)
    return {
        "action": "transferred",
        "unit": sender,
        "to_unit": to_unit,
        "reason": reason.strip(),
        "on": on,
    }


def accept(lead, who: Identity, note: str, on: date) -> dict:
    """受理: only the receiving unit, only while transferred to it."""
    require_holder(who, lead, "受理线索")
    check_not_closed(lead)
    if lead.status != "transferred":
        raise RuleViolation(
            f"线索状态为“{STATUS_NAMES[lead.status]}”，只有已移送待受理的线索可以受理",
            "lead_not_transferred",
        )
    lead.status, lead.accepted_on = "accepted", on
    return {
        "action": "accepted",
        "unit": lead.holder_unit,
        "note": (note or "").strip() or None,
        "on": on,
    }


def give_back(lead, who: Identity, reason: str, on: date) -> dict:
    """退回: the receiving unit gives it back, with a reason, to the unit that sent it."""
    require_holder(who, lead, "退回线索")
    check_not_closed(lead)
    if lead.status != "transferred":
        raise RuleViolation(
            f"线索状态为“{STATUS_NAMES[lead.status]}”，只有已移送待受理的线索可以退回",
            "lead_not_transferred",
        )
    if not (reason or "").strip():
        raise RuleViolation(
            "退回线索需要说明理由", "return_needs_reason", {"reason": ["退回线索需要说明理由"]}
        )
    returning = lead.holder_unit
    lead.status, lead.holder_unit, lead.sender_unit = "returned", lead.sender_unit, returning
    lead.accept_due = lead.feedback_due = None
    return {
        "action": "returned",
        "unit": returning,
        "to_unit": lead.holder_unit,
        "reason": reason.strip(),
        "on": on,
    }


def progress(lead, who: Identity, note: str, on: date) -> dict:
    """办理: the handling unit records what it did; the lead is 办理中."""
    require_holder(who, lead, "办理线索")
    check_not_closed(lead)
    if lead.status not in HANDLING:
        raise RuleViolation("线索尚未受理，不能办理", "lead_not_accepted")
    lead.status = "handling"
    return {"action": "handling", "unit": lead.holder_unit, "note": note.strip(), "on": on}


def conclude(lead, who: Identity, result: str, on: date, now) -> dict:
    """办理结果反馈: the handling unit answers the source with the result; this closes it."""
    require_holder(who, lead, "反馈办理结果")
    check_not_closed(lead)
    if lead.status not in HANDLING:
        raise RuleViolation("线索尚未受理，不能反馈办理结果", "lead_not_accepted")
    if not (result or "").strip():
        raise RuleViolation(
            "反馈需要写明办理结果", "feedback_needs_result", {"result": ["反馈需要写明办理结果"]}
        )
    lead.status, lead.result, lead.concluded_at = "concluded", result.strip(), now
    return {
        "action": "concluded",
        "unit": lead.holder_unit,
        "to_unit": lead.source_unit,
        "result": lead.result,
        "on": on,
    }


def escalation_due(lead, today: date, already: set) -> tuple[str, date] | None:
    """The (deadline, due date) to escalate now, unless it was escalated before."""
    if not overdue(lead, today):
        return None
    deadline = current_deadline(lead)
    return None if deadline in already else deadline
