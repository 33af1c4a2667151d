"""The rectification mechanism's rules, as plain functions (no broker, no database).

A refusal by role or unit is ``Forbidden`` (403) when the caller may know the thing exists,
``NotFound`` (404) when it lies outside the caller's need-to-know (a supervised unit and
another unit's task); a rule of the mechanism is ``RuleViolation`` (409) naming the rule.
"""

from datetime import date

from contracts.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from contracts.units import registry
from runtime.identity import Identity

KEY_UNITS_PER_YEAR = 2
OPEN_STATUSES = ("assigned", "in_progress", "sent_back")
# waiting for the responsible unit: only these can fall overdue
OVERDUE_STATUSES = OPEN_STATUSES


# -- who may do what -------------------------------------------------------------------------


def _kind(identity: Identity) -> str | None:
    unit = registry().get(identity.unit or "")
    return unit.kind if unit else None


def is_coordinating(identity: Identity) -> bool:
    return identity.is_system or (
        identity.role in ("office_admin", "liaison") and _kind(identity) in ("npc", "agency")
    )


def is_supervised(identity: Identity) -> bool:
    return identity.role == "supervised"


def reads_everything(identity: Identity) -> bool:
    """The office, the committee's leaders and the coordinating units see every task."""
    return (
        identity.is_system
        or identity.is_office_unit
        or is_coordinating(identity)
        or (identity.role == "viewer")
    )


def require_office(identity: Identity, what: str) -> None:
    if not (identity.is_office or identity.is_system):
        raise Forbidden(f"只有人大常委会办公室可以{what}", "office_only")


def require_coordinating(identity: Identity, what: str) -> None:
    if not is_coordinating(identity):
        raise Forbidden(f"只有协同联动单位可以{what}", "coordinating_units_only")


def may_see_task(identity: Identity, task) -> bool:
    if reads_everything(identity):
        return True
    return is_supervised(identity) and identity.unit == task.responsible_unit


def check_task_visible(identity: Identity, task) -> None:
    if not may_see_task(identity, task):
        raise NotFound("整改任务不存在", "not_found")


def may_see_problem(identity: Identity, problem) -> bool:
    if reads_everything(identity):
        return True
    if not is_supervised(identity):
        return False
    return problem.subject == identity.unit or any(
        t.responsible_unit == identity.unit for t in problem.tasks
    )


def check_problem_visible(identity: Identity, problem) -> None:
    if not may_see_problem(identity, problem):
        raise NotFound("整改问题不存在", "not_found")


def may_see_circular(identity: Identity, circular) -> bool:
    """Drafts stay in the office until issued; an issued circular is for every unit."""
    if identity.is_system or identity.is_office_unit:
        return True
    return circular.status == "issued"


def check_circular_visible(identity: Identity, circular) -> None:
    if not may_see_circular(identity, circular):
        raise NotFound("通报不存在", "not_found")


def may_see_key_unit_report(identity: Identity, unit: str) -> bool:
    return reads_everything(identity) or (is_supervised(identity) and identity.unit == unit)


def require_assigner(identity: Identity, supervising_units: list[str]) -> None:
    """The office, or a coordinating unit that itself supervises the task, assigns it."""
    if identity.is_office or identity.is_system:
        return
    require_coordinating(identity, "交办整改任务")
    if identity.unit not in supervising_units:
        raise Forbidden("交办整改任务的单位应为督促单位之一", "assigner_not_supervising")


def require_responsible(identity: Identity, task, what: str) -> None:
    check_task_visible(identity, task)
    if not (is_supervised(identity) and identity.unit == task.responsible_unit):
        raise Forbidden(f"只有责任单位可以{what}", "responsible_unit_only")


def require_supervising(identity: Identity, task, what: str) -> None:
    check_task_visible(identity, task)
    if identity.is_system:
        return
    if identity.role not in ("office_admin", "liaison") or identity.unit not in (
        task.supervising_units or []
    ):
        raise Forbidden(f"只有督促单位可以{what}", "supervising_unit_only")


def require_key_unit_reporter(identity: Identity, unit: str) -> None:
    if not may_see_key_unit_report(identity, unit):
        raise NotFound("整改重点单位不存在", "not_found")
    if identity.is_office or identity.is_system:
        return
    if not (is_supervised(identity) and identity.unit == unit):
        raise Forbidden("只有该重点单位或办公室可以报送整改情况报告", "key_unit_only")


# -- problems --------------------------------------------------------------------------------


def check_origin_new(origin: dict | None, existing) -> None:
    """One finding or lead becomes one problem: a second conversion is a double click."""
    if origin and existing is not None:
        raise RuleViolation(
            f"该{_ORIGIN_NAMES.get(origin['kind'], '来源')}已登记为整改问题（{existing.id}）",
            "origin_already_recorded",
            {"origin": [f"已登记为整改问题 {existing.id}"]},
        )


_ORIGIN_NAMES = {"finding": "发现问题", "lead": "问题线索", "warning": "预警", "record": "共享记录"}


def problem_status(problem) -> str:
    return status_from_tasks([t.status for t in problem.tasks or []])


def status_from_tasks(task_statuses: list[str]) -> str:
    """open (no task yet), resolved (every task verified) or rectifying."""
    if not task_statuses:
        return "open"
    if all(s == "verified" for s in task_statuses):
        return "resolved"
    return "rectifying"


# -- tasks -----------------------------------------------------------------------------------


def check_deadline(identity: Identity, deadline: date, today: date, field="deadline") -> None:
    """A deadline in the past is only for the office, recording a task assigned earlier."""
    if deadline < today and not (identity.is_office or identity.is_system):
        raise ValidationFailed(
            "输入有误，请检查标注的字段",
            "validation_failed",
            {field: [f"整改期限不能早于今天（{today.isoformat()}）"]},
        )


def is_overdue(task, today: date) -> bool:
    """Past its deadline while the responsible unit still owes the rectification."""
    return task.status in OVERDUE_STATUSES and task.deadline is not None and task.deadline < today


def days_overdue(task, today: date) -> int:
    return (today - task.deadline).days if is_overdue(task, today) else 0


def check_open(task, what: str) -> None:
    if task.status == "verified":
        raise RuleViolation("整改任务已销号，不能再" + what, "task_closed")
    if task.status == "submitted":
        raise RuleViolation("整改任务已报送、等待督促单位核验，不能再" + what, "task_submitted")


def round_evidence(task) -> list[str]:
    """Evidence reported since the task was assigned or last sent back."""
    return [
        e
        for ev in task.history or []
        if ev.round == task.round and ev.action == "in_progress"
        for e in (ev.evidence or [])
    ]


def check_submit(task) -> None:
    check_open(task, "报送")
    if task.status != "in_progress":
        raise RuleViolation("请先报告整改进展并附佐证材料，再报送整改完成", "progress_required")
    if not round_evidence(task):
        raise RuleViolation(
            "报送整改完成须附佐证材料", "evidence_required", {"evidence": ["本轮整改尚无佐证材料"]}
        )


def check_awaiting_verification(task, what: str) -> None:
    if task.status == "verified":
        raise RuleViolation("整改任务已销号", "task_closed")
    if task.status != "submitted":
        raise RuleViolation(f"责任单位尚未报送整改完成，不能{what}", "task_not_submitted")


# -- key units -------------------------------------------------------------------------------


def check_key_unit(year: int, unit: str, existing: list) -> int:
    """1–2 key rectification units a year; answers the free slot."""
    if any(k.unit == unit for k in existing):
        raise RuleViolation(
            f"{registry().name(unit)} 已是 {year} 年度整改重点单位",
            "key_unit_exists",
            {"unit": ["已是本年度整改重点单位"]},
        )
    if len(existing) >= KEY_UNITS_PER_YEAR:
        raise RuleViolation(
            f"每年选取 1–2 个整改重点单位，{year} 年度已有 {len(existing)} 个",
            "key_units_limit",
            {"unit": [f"{year} 年度已确定 {KEY_UNITS_PER_YEAR} 个整改重点单位"]},
        )
    used = {k.slot for k in existing}
    return next(s for s in range(1, KEY_UNITS_PER_YEAR + 1) if s not in used)


# -- circulars -------------------------------------------------------------------------------


def check_circular_problems(problem_ids: list[str], found: dict) -> None:
    missing = [p for p in problem_ids if p not in found]
    if missing:
        raise RuleViolation(
            "通报涉及的问题不存在",
            "unknown_problem",
            {"problem_ids": [f"{p} 不存在" for p in missing]},
        )


def check_circular_draft(circular) -> None:
    if circular.status != "draft":
        raise RuleViolation("通报已审核，不能再修改", "circular_not_draft")


def check_approve(circular) -> None:
    if circular.status != "draft":
        raise RuleViolation("只有草稿状态的通报可以审核", "circular_not_draft")


def check_issue(circular) -> None:
    if circular.status == "issued":
        raise RuleViolation("通报已经印发", "circular_already_issued")
    if circular.status != "approved":
        raise RuleViolation("通报须先审核通过才能印发", "circular_not_approved")


def check_publish(circular) -> None:
    if circular.status != "issued":
        raise RuleViolation("只有已印发的通报可以向社会公开", "circular_not_issued")
    if circular.published_at is not None:
        raise RuleViolation("通报已经公开", "circular_already_published")
