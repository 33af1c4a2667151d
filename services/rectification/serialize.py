"""Rows to the JSON the API answers with. ``overdue`` is on every task, computed for today."""

from contracts.units import registry
from runtime import clock
from services.rectification import rules


def origin(p) -> dict | None:
    return {"kind": p.origin_kind, "id": p.origin_id} if p.origin_kind else None


def history_entry(ev) -> dict:
    return {
        "action": ev.action,
        "at": clock.iso(ev.at),
        "unit": ev.unit,
        "author": ev.author,
        "note": ev.note,
        "reason": ev.reason,
        "evidence": list(ev.evidence or []),
        "round": ev.round,
    }


def task(t, today=None) -> dict:
    today = today or clock.today()
    submitted_on = (
        clock.aware(t.submitted_at).astimezone(clock.LOCAL_TZ).date() if t.submitted_at else None
    )
    return {
        "id": t.id,
        "problem_id": t.problem_id,
        "problem_title": t.problem.title,
        "title": t.problem.title,
        "year": t.year,
        "subject": t.problem.subject,
        "responsible_unit": t.responsible_unit,
        "supervising_units": list(t.supervising_units or []),
        "measures": t.measures,
        "deadline": clock.iso(t.deadline),
        "status": t.status,
        "overdue": rules.is_overdue(t, today),
        "days_overdue": rules.days_overdue(t, today),
        "submitted_late": bool(submitted_on and t.deadline and submitted_on > t.deadline),
        "round": t.round,
        "send_back_reason": t.send_back_reason,
        "assigned_by": t.assigned_by,
        "assigned_unit": t.assigned_unit,
        "created_at": clock.iso(t.created_at),
        "submitted_at": clock.iso(t.submitted_at),
        "verified_at": clock.iso(t.verified_at),
        "verified_by": t.verified_by,
        "verified_unit": t.verified_unit,
        "progress": [history_entry(ev) for ev in t.history or []],
    }


def task_brief(t, today=None) -> dict:
    """What an event carries: the task without its whole history."""
    out = task(t, today)
    out.pop("progress")
    return out


def problem(p, *, tasks=None, circular_ids=None, today=None) -> dict:
    today = today or clock.today()
    shown = p.tasks if tasks is None else tasks
    return {
        "id": p.id,
        "year": p.year,
        "title": p.title,
        "description": p.description,
        "subject": p.subject,
        "source": p.source,
        "nature": p.nature,
        "origin": origin(p),
        "status": rules.problem_status(p),
        "unit": p.unit,
        "recorded_by": p.recorded_by,
        "created_at": clock.iso(p.created_at),
        "tasks": [task_brief(t, today) for t in shown],
        "overdue": any(rules.is_overdue(t, today) for t in shown),
        "circular_ids": list(circular_ids or []),
    }


def problem_event(p) -> dict:
    return {
        "id": p.id,
        "year": p.year,
        "title": p.title,
        "description": p.description,
        "subject": p.subject,
        "source": p.source,
        "nature": p.nature,
        "origin": origin(p),
        "unit": p.unit,
        "recorded_by": p.recorded_by,
        "created_at": clock.iso(p.created_at),
    }


def key_unit(k, tasks=(), today=None) -> dict:
    today = today or clock.today()
    tasks = list(tasks)
    return {
        "year": k.year,
        "unit": k.unit,
        "unit_name": registry().name(k.unit),
        "reason": k.reason or "",
        "selected_by": k.selected_by,
        "selected_at": clock.iso(k.selected_at),
        "reported_at": clock.iso(k.reported_at),
        "reported_by": k.reported_by,
        "tasks": len(tasks),
        "verified": sum(t.status == "verified" for t in tasks),
        "overdue": sum(rules.is_overdue(t, today) for t in tasks),
    }


def circular(c) -> dict:
    return {
        "id": c.id,
        "year": c.year,
        "number": c.number,
        "title": c.title,
        "body": c.body,
        "nature": c.nature,
        "problem_ids": list(c.problem_ids or []),
        "redact": list(c.redact or []),
        "names": list(c.names or []),
        "recipients": c.recipients or "",
        "cc": list(c.cc or []),
        "status": c.status,
        "published": c.published_at is not None,
        "created_by": c.created_by,
        "created_at": clock.iso(c.created_at),
        "approved_by": c.approved_by,
        "approved_at": clock.iso(c.approved_at),
        "issued_by": c.issued_by,
        "issued_at": clock.iso(c.issued_at),
        "published_by": c.published_by,
        "published_at": clock.iso(c.published_at),
    }


def circular_summary(c) -> dict:
    out = circular(c)
    out.pop("body")
    return out
