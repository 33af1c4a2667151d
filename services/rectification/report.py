"""A key rectification unit's report to the standing committee, drawn from its tasks."""

from collections import Counter
from datetime import date

from contracts.units import registry
from services.rectification import rules

STATUS_NAMES = {
    "assigned": "已交办",
    "in_progress": "整改中",
    "submitted": "已报送待核验",
    "verified": "已销号",
    "sent_back": "退回重改",
}
NUMERALS = "一二三四五六七八九十"


def build(year: int, unit: str, tasks, today: date, *, summary: str = "") -> dict:
    """Counts, the standard four sections, and each task; plain data the API and DOCX share."""
    name = registry().name(unit)
    tasks = sorted(tasks, key=lambda t: (t.deadline or today, t.created_at or 0))
    counts = Counter(t.status for t in tasks)
    overdue = [t for t in tasks if rules.is_overdue(t, today)]
    total, verified = len(tasks), counts.get("verified", 0)
    rate = f"{verified * 100 // total}%" if total else "—"
    basics = (
        f"{year}年，本单位被确定为整改重点单位，共承担协同联动监督交办的整改任务{total}项，"
        f"其中已销号{verified}项，已报送待核验{counts.get('submitted', 0)}项，"
        f"正在整改{counts.get('assigned', 0) + counts.get('in_progress', 0)}项，"
        f"退回重改{counts.get('sent_back', 0)}项，整改销号率{rate}。"
    )
    progress = []
    for i, t in enumerate(tasks):
        label = f"（{NUMERALS[i]}）" if i < len(NUMERALS) else f"（{i + 1}）"
        latest = next((ev for ev in reversed(t.history or []) if ev.action == "in_progress"), None)
        line = (
            f"{label}{_sentence(t.problem.title)}整改措施：{_sentence(t.measures)}整改期限："
            f"{t.deadline.isoformat()}，当前状态：{STATUS_NAMES.get(t.status, t.status)}。"
        )
        if latest is not None:
            line += f"最新进展：{latest.note}"
            if latest.evidence:
                line += f"（佐证材料：{'、'.join(latest.evidence)}）"
        progress.append(line)
    if overdue:
        gaps = [
            f"{len(overdue)}项整改任务已超过整改期限尚未完成："
            + "；".join(
                f"{t.problem.title}（逾期{rules.days_overdue(t, today)}天）" for t in overdue
            )
            + "。"
        ]
    else:
        gaps = ["目前没有逾期未完成的整改任务。"]
    sent_back = [(t, ev) for t in tasks for ev in t.history or [] if ev.action == "sent_back"]
    if sent_back:
        gaps.append(
            "督促单位退回重改意见："
            + "；".join(f"{t.problem.title}——{ev.reason.rstrip('。；')}" for t, ev in sent_back)
            + "。"
        )
    next_steps = [
        "对未销号任务逐项明确责任人和完成时限，按期报送整改佐证材料，"
        "主动接受区人大常委会和各协同联动监督单位的监督。"
    ]
    sections = [
        {"heading": "一、基本情况", "paragraphs": [basics]},
        {"heading": "二、整改进展", "paragraphs": progress or ["本年度暂无交办的整改任务。"]},
        {"heading": "三、存在的问题", "paragraphs": gaps},
        {"heading": "四、下一步工作", "paragraphs": next_steps},
    ]
    if summary:
        sections.insert(0, {"heading": "", "paragraphs": [summary]})
    return {
        "year": year,
        "unit": unit,
        "unit_name": name,
        "title": f"关于{name}{year}年度整改情况的报告",
        "counts": {
            "total": total,
            "verified": verified,
            "overdue": len(overdue),
            **{s: counts.get(s, 0) for s in STATUS_NAMES},
        },
        "sections": sections,
    }


def _sentence(text: str) -> str:
    return text.strip().rstrip("。；;.") + "。"


def paragraphs(report: dict) -> list[str]:
    out = []
    for section in report["sections"]:
        if section["heading"]:
            out.append(section["heading"])
        out.extend(section["paragraphs"])
    return out
