"""Who is told what, and which deadlines are watched: plain rules over the services' events.

A notice is addressed to a unit (``"*"`` = every unit), optionally narrowed to one role; it is
read per user. Addressing follows need-to-know at the time of the event: a lead's notices go
only to units that hold or sent it and to the office (``npc``), a task's to its responsible and
supervising units, an issued circular to everyone.

Deadlines "in three days" are derived from the due dates the events carry (``accept_due`` and
``feedback_due`` of a lead, ``deadline`` of a task): each event opens or closes a watch on that
date, and the gateway's timer turns open watches that fall due within three days into a notice.
Events of different types travel on different queues and may arrive out of order, so a watch
only takes an event that is newer than the last one it took.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from contracts.units import OFFICE_UNIT

EVERYONE = "*"
DUE_SOON_DAYS = 3
HUMAN_ROLES = ("office_admin", "liaison", "supervised", "viewer")

TYPE_LABELS = {
    "lead_received": "线索待受理",
    "lead_returned": "线索被退回",
    "lead_concluded": "线索办理结果反馈",
    "lead_overdue": "线索逾期",
    "task_assigned": "新交办整改任务",
    "task_submitted": "整改任务待验收",
    "task_sent_back": "整改任务被退回",
    "task_overdue": "整改任务逾期",
    "circular_issued": "通报印发",
    "deadline_near": "期限临近",
}
DEADLINE_LABELS = {"accept": "受理期限", "feedback": "办理结果反馈期限", "deadline": "整改期限"}


@dataclass(frozen=True)
class Notice:
    type: str
    unit: str
    title: str
    message: str
    entity: dict
    role: str | None = None
    due_on: str | None = None


@dataclass(frozen=True)
class WatchChange:
    """Open (with a due date and the units to remind) or close the watch ``(kind, id, slot)``."""

    kind: str
    id: str
    slot: str  # accept | feedback | deadline
    open: bool
    due_on: date | None = None
    units: tuple = ()
    title: str = ""


@dataclass
class Watch:
    kind: str
    id: str
    slot: str
    open: bool
    due_on: date | None
    units: list = field(default_factory=list)
    title: str = ""
    event_at: datetime | None = None
    reminded_due: date | None = None


# -- notices --------------------------------------------------------------------------------


def notices_for(source: str, envelope: dict, *, unit_name=lambda u: u) -> list[Notice]:
    """The notices one event gives, one per addressed unit, without duplicates."""
    rule = _RULES.get((source, envelope.get("type")))
    if rule is None:
        return []
    payload = envelope.get("payload") or {}
    lead_units = (payload.get("lead") or {}).get("units")
    out, seen = [], set()
    for notice in rule(payload, envelope, unit_name):
        if isinstance(lead_units, list) and notice.unit not in (*lead_units, OFFICE_UNIT):
            continue  # the leads service names who may know of the lead; nobody else is told
        if notice.unit and (notice.unit, notice.role) not in seen:
            seen.add((notice.unit, notice.role))
            out.append(notice)
    return out


def _subject_name(subject: str) -> str:
    """A unit's name for a unit id; an official's name as given."""
    from contracts.units import registry

    return registry().name(subject) if subject in registry() else subject


def _lead_text(lead: dict) -> str:
    subject = _subject_name(lead.get("subject") or "")
    if lead.get("sensitivity") in ("secret",):
        return f"涉及“{subject}”的线索（涉密，内容请进入系统查看）"
    summary = _short(lead.get("summary"), 60)
    return f"涉及“{subject}”的线索：{summary}" if summary else f"涉及“{subject}”的线索"


def _lead_entity(lead: dict) -> dict:
    return {"kind": "lead", "id": str(lead.get("id"))}


def _lead_transferred(payload, envelope, unit_name):
    lead = payload.get("lead") or {}
    to_unit = payload.get("to_unit") or lead.get("holder_unit")
    sender = lead.get("sender_unit") or envelope.get("source_unit")
    due = lead.get("accept_due")
    message = f"{unit_name(sender)}向本单位移送{_lead_text(lead)}。"
    if payload.get("reason"):
        message += f"移送理由：{_short(payload['reason'], 80)}。"
    if due:
        message += f"请于 {_day(due)} 前受理或退回。"
    yield Notice(
        "lead_received",
        to_unit,
        "有一条移送线索待受理",
        message,
        _lead_entity(lead),
        due_on=_day(due),
    )


def _lead_returned(payload, envelope, unit_name):
    lead = payload.get("lead") or {}
    returned_by = envelope.get("source_unit")
    to = lead.get("sender_unit") or lead.get("holder_unit") or lead.get("source_unit")
    if to == returned_by:
        to = lead.get("source_unit")
    message = f"{unit_name(returned_by)}退回了{_lead_text(lead)}。"
    if payload.get("reason"):
        message += f"退回理由：{_short(payload['reason'], 80)}。"
    if to and to != returned_by:
        yield Notice("lead_returned", to, "移送的线索被退回", message, _lead_entity(lead))


def _lead_concluded(payload, envelope, unit_name):
    lead = payload.get("lead") or {}
    handler = envelope.get("source_unit")
    result = _short(payload.get("result") or lead.get("result"), 80)
    message = f"{unit_name(handler)}已反馈{_lead_text(lead)}的办理结果" + (
        f"：{result}" if result else "。"
    )
    for unit in (lead.get("source_unit"), lead.get("sender_unit")):
        if unit and unit != handler:
            yield Notice("lead_concluded", unit, "线索办理结果已反馈", message, _lead_entity(lead))


def _lead_overdue(payload, envelope, unit_name):
    lead = payload.get("lead") or {}
    deadline = payload.get("deadline") or lead.get("overdue_deadline")
    what = DEADLINE_LABELS.get(str(deadline), "办理期限")
    due = lead.get("accept_due") if deadline == "accept" else lead.get("feedback_due")
    message = f"{_lead_text(lead)}已超过{what}" + (f"（{_day(due)}）" if due else "") + "。"
    holder = lead.get("holder_unit")
    yield Notice(
        "lead_overdue",
        OFFICE_UNIT,
        "线索已逾期，请督办",
        message + f"当前办理单位：{unit_name(holder)}。",
        _lead_entity(lead),
    )
    if holder:
        yield Notice(
            "lead_overdue", holder, "线索已逾期", message + "请尽快办理。", _lead_entity(lead)
        )


def _task_text(task: dict) -> str:
    return _short(task.get("measures") or task.get("title") or task.get("problem_title"), 60)


def _task_entity(task: dict) -> dict:
    return {"kind": "task", "id": str(task.get("id"))}


def _task_assigned(payload, envelope, unit_name):
    task = payload.get("task") or {}
    due = task.get("deadline")
    message = f"本单位收到整改任务：{_task_text(task)}。" + (
        f"整改期限：{_day(due)}。" if due else ""
    )
    yield Notice(
        "task_assigned",
        task.get("responsible_unit"),
        "新交办的整改任务",
        message,
        _task_entity(task),
        due_on=_day(due),
    )


def _task_submitted(payload, envelope, unit_name):
    task = payload.get("task") or {}
    message = (
        f"{unit_name(task.get('responsible_unit'))}已提交整改情况："
        f"{_task_text(task)}，请验收销号或退回。"
    )
    for unit in task.get("supervising_units") or []:
        yield Notice("task_submitted", unit, "整改任务待验收", message, _task_entity(task))


def _task_sent_back(payload, envelope, unit_name):
    task = payload.get("task") or {}
    message = f"{unit_name(envelope.get('source_unit'))}退回了整改任务：{_task_text(task)}。"
    if payload.get("reason"):
        message += f"退回理由：{_short(payload['reason'], 80)}。"
    yield Notice(
        "task_sent_back",
        task.get("responsible_unit"),
        "整改任务被退回，请继续整改",
        message,
        _task_entity(task),
    )


def _task_overdue(payload, envelope, unit_name):
    task = payload.get("task") or {}
    due = task.get("deadline")
    responsible = task.get("responsible_unit")
    message = (
        "整改任务已超过整改期限"
        + (f"（{_day(due)}）" if due else "")
        + f"：{_task_text(task)}。责任单位：{unit_name(responsible)}。"
    )
    yield Notice("task_overdue", responsible, "整改任务已逾期", message, _task_entity(task))
    for unit in task.get("supervising_units") or []:
        yield Notice("task_overdue", unit, "督促的整改任务已逾期", message, _task_entity(task))


def _circular_issued(payload, envelope, unit_name):
    circular = payload.get("circular") or {}
    title = _short(circular.get("title"), 80)
    yield Notice(
        "circular_issued",
        EVERYONE,
        f"通报已印发：{title}",
        f"区人大常委会办公室印发通报《{title}》，请各单位对照检查、举一反三。",
        {"kind": "circular", "id": str(circular.get("id"))},
    )


_RULES = {
    ("leads", "lead_transferred"): _lead_transferred,
    ("leads", "lead_returned"): _lead_returned,
    ("leads", "lead_concluded"): _lead_concluded,
    ("leads", "lead_overdue"): _lead_overdue,
    ("rectification", "task_assigned"): _task_assigned,
    ("rectification", "task_submitted"): _task_submitted,
    ("rectification", "task_sent_back"): _task_sent_back,
    ("rectification", "task_overdue"): _task_overdue,
    ("rectification", "circular_issued"): _circular_issued,
}

# every event the feed listens to: the notices above and the deadline watches below
SUBSCRIBED = sorted(set(_RULES) | {("leads", "lead_accepted"), ("rectification", "task_verified")})


# -- deadline watches -------------------------------------------------------------------------


def watch_changes(source: str, envelope: dict) -> list[WatchChange]:
    payload = envelope.get("payload") or {}
    kind = (source, envelope.get("type"))
    if source == "leads":
        lead = payload.get("lead") or {}
        lead_id, title = str(lead.get("id")), _lead_text(lead)
        if kind[1] == "lead_transferred":
            to_unit = payload.get("to_unit") or lead.get("holder_unit")
            return [
                WatchChange(
                    "lead",
                    lead_id,
                    "accept",
                    True,
                    parse_day(lead.get("accept_due")),
                    (to_unit,),
                    title,
                )
            ]
        if kind[1] == "lead_accepted":
            holder = lead.get("holder_unit") or envelope.get("source_unit")
            return [
                WatchChange("lead", lead_id, "accept", False),
                WatchChange(
                    "lead",
                    lead_id,
                    "feedback",
                    True,
                    parse_day(lead.get("feedback_due")),
                    (holder,),
                    title,
                ),
            ]
        if kind[1] == "lead_returned":
            return [WatchChange("lead", lead_id, "accept", False)]
        if kind[1] == "lead_concluded":
            return [
                WatchChange("lead", lead_id, "accept", False),
                WatchChange("lead", lead_id, "feedback", False),
            ]
    if source == "rectification":
        task = payload.get("task") or {}
        task_id, title = str(task.get("id")), f"整改任务：{_task_text(task)}"
        if kind[1] in ("task_assigned", "task_sent_back"):
            return [
                WatchChange(
                    "task",
                    task_id,
                    "deadline",
                    True,
                    parse_day(task.get("deadline")),
                    (task.get("responsible_unit"),),
                    title,
                )
            ]
        if kind[1] in ("task_submitted", "task_verified"):
            return [WatchChange("task", task_id, "deadline", False)]
    return []


def apply_change(watch: Watch | None, change: WatchChange, event_at: datetime) -> Watch | None:
    """The watch after this change, or None when the change is older than what it holds."""
    if watch is not None and watch.event_at is not None and event_at < watch.event_at:
        return None
    if watch is None:
        watch = Watch(change.kind, change.id, change.slot, False, None)
    watch.event_at = event_at
    watch.open = change.open and change.due_on is not None
    if change.open:
        watch.due_on = change.due_on
        watch.units = [u for u in change.units if u]
        watch.title = change.title or watch.title
    return watch


def due_soon(watches, today: date, days: int = DUE_SOON_DAYS) -> list[Watch]:
    """Open watches due today or within ``days``, not yet reminded for that due date."""
    until = today + timedelta(days=days)
    return [
        w
        for w in watches
        if w.open
        and w.due_on is not None
        and today <= w.due_on <= until
        and w.reminded_due != w.due_on
    ]


def reminders(watch: Watch, today: date) -> list[tuple[str, Notice]]:
    """(stable id, notice) per unit: the same reminder twice is the same row."""
    left = (watch.due_on - today).days
    when = "今天" if left == 0 else f"{left} 天后（{watch.due_on.isoformat()}）"
    what = DEADLINE_LABELS.get(watch.slot, "期限")
    out = []
    for unit in watch.units:
        notice = Notice(
            "deadline_near",
            unit,
            f"{what}临近：{when}到期",
            f"{watch.title}，{what}为 {watch.due_on.isoformat()}，请抓紧办理。",
            {"kind": watch.kind, "id": watch.id},
            due_on=watch.due_on.isoformat(),
        )
        out.append(
            (
                stable_id("due", watch.kind, watch.id, watch.slot, watch.due_on.isoformat(), unit),
                notice,
            )
        )
    return out


# -- who may read a notice ----------------------------------------------------------------------


def addressed_to(
    notice_unit: str,
    notice_role: str | None,
    notice_user: str | None,
    *,
    unit: str | None,
    role: str,
    username: str,
) -> bool:
    """The same test the store's query makes, for unit tests and for single reads."""
    if role not in HUMAN_ROLES:
        return False
    if notice_unit != EVERYONE and notice_unit != unit:
        return False
    if notice_role is not None and notice_role != role:
        return False
    return notice_user is None or notice_user == username


# -- small helpers ------------------------------------------------------------------------------


def stable_id(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"ntc-{digest}"


def parse_day(value) -> date | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) > 10:
            from runtime.clock import LOCAL_TZ

            moment = datetime.fromisoformat(text)
            return moment.astimezone(LOCAL_TZ).date() if moment.tzinfo else moment.date()
        return date.fromisoformat(text)
    except ValueError:
        return None


def _day(value) -> str | None:
    day = parse_day(value)
    return day.isoformat() if day else None


def _short(text, limit: int) -> str:
    # the sentence around it brings its own full stop: never "。。"
    text = " ".join(str(text or "").split()).rstrip("。.；;，, ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
