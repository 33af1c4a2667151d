"""The research mechanism's rules, as plain functions (no broker, no database).

A refusal by a rule of the mechanism is a ``RuleViolation`` whose code names it (409);
``Forbidden`` when the caller's role or unit may not act (403); ``ValidationFailed`` when the
request itself is wrong (422, naming the field).
"""

from datetime import date

from contracts.errors import Forbidden, RuleViolation, ValidationFailed
from contracts.units import registry
from runtime.identity import Identity

# 每年召集协同联动监督单位共同商定 1-2 个理论研究课题 (the seed)
MAX_TOPICS_PER_YEAR = 2


def require_office(identity: Identity, what: str) -> None:
    if not (identity.is_office or identity.is_system):
        raise Forbidden(f"只有人大常委会办公室可以{what}", "office_only")


def topic_units(topic) -> list[str]:
    return [u for u in [topic.lead_unit, *(topic.participating_units or [])] if u]


def require_member(identity: Identity, topic, what: str) -> None:
    """Outputs are written by the lead or a participating unit, office staff included only
    when their own unit (npc) is one of them."""
    if identity.is_system:
        return
    if not identity.may_write:
        raise Forbidden("只读账号不能修改数据", "read_only")
    if identity.unit not in topic_units(topic) or identity.role not in ("liaison", "office_admin"):
        raise Forbidden(f"只有该课题的牵头或参与单位可以{what}", "research_members_only")


def require_lead_or_office(identity: Identity, topic, what: str) -> None:
    if identity.is_office or identity.is_system:
        return
    if identity.unit != topic.lead_unit or identity.role != "liaison":
        raise Forbidden(f"只有办公室或课题牵头单位可以{what}", "lead_unit_only")


def check_topic_units(lead_unit: str, participating_units: list[str]) -> None:
    """Units come from the "1+N" (the schema checks that); the lead does not also participate."""
    bad = {}
    for unit in [lead_unit, *participating_units]:
        known = registry().get(unit)
        if known is None or known.kind not in ("npc", "agency"):
            field = "lead_unit" if unit == lead_unit else "participating_units"
            bad.setdefault(field, []).append(f"{unit} 不是可以承担课题研究的协同联动单位")
    if lead_unit in participating_units:
        bad.setdefault("participating_units", []).append("牵头单位不能同时列为参与单位")
    if bad:
        raise ValidationFailed("课题单位有误，请检查标注的字段", "validation_failed", bad)


def check_due_on(year: int, due_on: date) -> None:
    if due_on.year < year:
        raise ValidationFailed(
            "完成期限不能早于课题所属年度",
            "validation_failed",
            {"due_on": [f"完成期限不能早于 {year} 年"]},
        )


def check_topic_limit(year: int, existing: int) -> None:
    if existing >= MAX_TOPICS_PER_YEAR:
        raise RuleViolation(
            f"{year} 年已确定 {existing} 个理论研究课题，每年至多 {MAX_TOPICS_PER_YEAR} 个",
            "research_topics_limit",
        )


def next_slot(taken: set[int]) -> int:
    free = [s for s in range(1, MAX_TOPICS_PER_YEAR + 1) if s not in taken]
    return free[0] if free else MAX_TOPICS_PER_YEAR + 1


def check_open(topic) -> None:
    if topic.status == "concluded":
        raise RuleViolation("课题已结题，不能再修改", "topic_concluded")


def check_conclusion(topic) -> None:
    if topic.status == "concluded":
        raise RuleViolation("课题已经结题", "topic_already_concluded")
    if not topic.final_output_id:
        raise RuleViolation(
            "课题尚无最终研究报告：请先将一项研究成果标为最终版本", "final_output_missing"
        )


def status_after_output(topic) -> str:
    """The first output starts the research (已立项 → 研究中)."""
    return "in_progress" if topic.status == "planned" else topic.status


def final_change(topic, output_id: str, final: bool | None) -> tuple[str | None, str | None]:
    """(before, after) final output of the topic when ``output_id`` is marked ``final``.

    ``True`` makes it the one final report and so demotes the previous one; ``False`` unmarks
    it only if it was the final one; ``None`` changes nothing.
    """
    before = topic.final_output_id
    if final is True:
        return before, output_id
    if final is False and before == output_id:
        return before, None
    return before, before


def overdue(topic, today: date) -> bool:
    return topic.status != "concluded" and topic.due_on is not None and topic.due_on < today


def search_text(title: str, questions: list[str], deliverables: list[str]) -> str:
    return "\n".join([title, *questions, *deliverables])


def link_changes(current: set[tuple[str, str]], wanted: set[tuple[str, str]]):
    """(added, removed) (kind, id) pairs, each sorted so history and audit read the same way."""
    return sorted(wanted - current), sorted(current - wanted)
