"""The planning mechanism's rules, as plain functions (no broker, no database).

Each refusal is a ``RuleViolation`` whose code names the rule (HTTP 409), or ``Forbidden``
when the caller's role or unit may not act (403).
"""

from datetime import date

from contracts.errors import Forbidden, RuleViolation
from contracts.units import registry
from runtime.identity import Identity


def require_office(identity: Identity, what: str):
    if not (identity.is_office or identity.is_system):
        raise Forbidden(f"只有人大常委会办公室可以{what}", "office_only")


def require_coordinating(identity: Identity, what: str):
    """Proposals and joint work come from the "1+N" units, not from supervised units."""
    unit = registry().get(identity.unit or "")
    if identity.is_system:
        return
    if identity.role == "viewer" or unit is None or unit.kind not in ("npc", "agency"):
        raise Forbidden(f"只有协同联动单位可以{what}", "coordinating_units_only")


def check_new_plan(existing_plan) -> None:
    if existing_plan is not None:
        raise RuleViolation(
            f"{existing_plan.year} 年度计划已存在，每年只能有一个协同联动专项监督计划",
            "plan_exists",
        )


def check_plan_is_draft(plan) -> None:
    if plan.status != "draft":
        raise RuleViolation("计划已通过，不能再增加事项", "plan_not_draft")


def adoption_problems(items) -> list[tuple[str, str]]:
    """Every reason the plan cannot be adopted yet, as (rule code, message)."""
    live = [i for i in items if i.status != "cancelled"]
    problems = []
    if not any(i.key for i in live):
        problems.append(("plan_needs_key_item", "每年至少明确一个重点监督事项"))
    for item in live:
        if not item.lead_unit:
            problems.append(("item_needs_lead_unit", f"事项「{item.title}」没有牵头单位"))
        others = [u for u in (item.participating_units or []) if u != item.lead_unit]
        if not others:
            problems.append(
                ("item_needs_participating_unit", f"事项「{item.title}」至少需要一个参与单位")
            )
    return problems


def check_adoption(plan, items) -> None:
    if plan.status == "adopted":
        raise RuleViolation("计划已经通过", "plan_already_adopted")
    problems = adoption_problems(items)
    if problems:
        code, _ = problems[0]
        raise RuleViolation(
            "；".join(m for _, m in problems), code, {"items": [m for _, m in problems]}
        )


def check_item_units(lead_unit, participating_units) -> None:
    if lead_unit and lead_unit in (participating_units or []):
        raise RuleViolation(
            "牵头单位不能同时列为参与单位",
            "lead_unit_in_participants",
            {"participating_units": ["牵头单位不能同时列为参与单位"]},
        )


def item_units(item) -> list[str]:
    return [u for u in [item.lead_unit, *(item.participating_units or [])] if u]


def check_open(item) -> None:
    if item.status in ("concluded", "cancelled"):
        raise RuleViolation("事项已结束，不能再修改", "item_closed")


def require_lead_unit(identity: Identity, item, what: str) -> None:
    if identity.unit != item.lead_unit or identity.role not in ("liaison", "office_admin"):
        raise Forbidden(f"只有牵头单位可以{what}", "lead_unit_only")


def require_lead_or_office(identity: Identity, item, what: str) -> None:
    if identity.is_office or identity.is_system:
        return
    require_lead_unit(identity, item, what)


def require_item_member(identity: Identity, item, what: str) -> None:
    if identity.is_office or identity.is_system:
        return
    if identity.role == "viewer" or identity.unit not in item_units(item):
        raise Forbidden(f"只有该事项的牵头或参与单位可以{what}", "item_members_only")


def check_staff_dispatch(identity: Identity, item, unit: str) -> None:
    """派员: each unit dispatches for itself, and only to items it leads or joins."""
    if unit not in item_units(item):
        raise RuleViolation(
            f"{registry().name(unit)} 不是该事项的牵头或参与单位",
            "unit_not_in_item",
            {"unit": ["不是该事项的牵头或参与单位"]},
        )
    if not identity.is_system and (identity.unit != unit or identity.role == "viewer"):
        raise Forbidden("只能为本单位派员", "own_unit_only")


def current_version(item):
    return item.versions[-1] if item.versions else None


def check_approval(item) -> None:
    latest = current_version(item)
    if latest is None:
        raise RuleViolation("牵头单位尚未提交实施方案", "implementation_plan_missing")
    if latest.approved_at is not None:
        raise RuleViolation("当前版本的实施方案已经批准", "implementation_plan_already_approved")


def missing_staff(item) -> list[str]:
    dispatched = {s.unit for s in item.staff}
    return [u for u in item_units(item) if u not in dispatched]


def check_start(plan, item) -> None:
    """一事一案: an item starts once its plan is approved and every unit has dispatched staff."""
    if item.status != "planned":
        raise RuleViolation("事项不在“计划中”状态，不能启动", "item_not_planned")
    if plan.status != "adopted":
        raise RuleViolation("年度计划尚未通过", "annual_plan_not_adopted")
    latest = current_version(item)
    if latest is None or latest.approved_at is None:
        raise RuleViolation("实施方案尚未批准（一事一案）", "plan_not_approved")
    missing = missing_staff(item)
    if missing:
        names = "、".join(registry().name(u) for u in missing)
        raise RuleViolation(
            f"以下单位尚未派员：{names}",
            "staff_missing",
            {"staff": [f"{registry().name(u)} 尚未派员" for u in missing]},
        )


def check_in_progress(item, what: str) -> None:
    if item.status != "in_progress":
        raise RuleViolation(f"事项未在实施中，不能{what}", "item_not_in_progress")


def check_milestone_owner(item, owner_unit: str) -> None:
    if owner_unit not in item_units(item):
        raise RuleViolation(
            "节点责任单位应为该事项的牵头或参与单位",
            "unit_not_in_item",
            {"owner_unit": ["应为该事项的牵头或参与单位"]},
        )


def milestone_overdue(milestone, today: date) -> bool:
    return milestone.done_on is None and milestone.due_on is not None and milestone.due_on < today


def check_meeting_proposals(year: int, proposal_ids: list[str], proposals: dict) -> None:
    bad = [pid for pid in proposal_ids if pid not in proposals or proposals[pid].year != year]
    if bad:
        raise RuleViolation(
            "会商议题不存在或不属于该年度",
            "unknown_proposal",
            {"proposal_ids": [f"{pid} 不存在或不属于 {year} 年" for pid in bad]},
        )


def for_caller(answer, identity: Identity):
    """Which leads came from a finding is need-to-know: only the leads service can tell who may
    see a lead, so planning shows the links to the office unit alone (others follow them through
    the trace, where the leads service decides). Returns the answer, lead links blanked."""
    if identity.is_office_unit or identity.is_system:
        return answer
    if isinstance(answer, dict):
        return {k: ([] if k == "lead_ids" else for_caller(v, identity)) for k, v in answer.items()}
    if isinstance(answer, list):
        return [for_caller(v, identity) for v in answer]
    return answer
