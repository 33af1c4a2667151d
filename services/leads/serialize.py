"""Rows to the JSON the API answers with (and the events carry)."""

from runtime import clock
from services.leads import rules


def step(s) -> dict:
    return {
        "seq": s.seq,
        "action": s.action,
        "unit": s.unit,
        "actor": s.actor,
        "at": clock.iso(s.at),
        "on": clock.iso(s.on),
        "to_unit": s.to_unit,
        "reason": s.reason,
        "note": s.note,
        "result": s.result,
    }


def origin(lead) -> dict | None:
    return {"kind": lead.origin_kind, "id": lead.origin_id} if lead.origin_kind else None


def duplicate(other, score: float) -> dict:
    return {
        "id": other.id,
        "subject": other.subject,
        "summary": other.summary,
        "score": score,
        "similarity": score,
        "status": other.status,
        "holder_unit": other.holder_unit,
    }


def lead(row, today, duplicates: list[dict] | None = None) -> dict:
    """The full lead. ``duplicates``: the resembling leads this reader may see."""
    deadline = rules.current_deadline(row)
    late = rules.overdue(row, today)
    return {
        "id": row.id,
        "subject": row.subject,
        "summary": row.summary,
        "category": row.category,
        "sensitivity": row.sensitivity,
        "status": row.status,
        "source_unit": row.source_unit,
        "holder_unit": row.holder_unit,
        "sender_unit": row.sender_unit,
        "units": list(row.units),
        "registered_by": row.registered_by,
        "registered_on": clock.iso(row.registered_on),
        "year": row.year,
        "transferred_on": clock.iso(row.transferred_on),
        "accepted_on": clock.iso(row.accepted_on),
        "accept_due": clock.iso(row.accept_due),
        "feedback_due": clock.iso(row.feedback_due),
        "overdue": late,
        "overdue_deadline": deadline[0] if late else None,
        "result": row.result,
        "origin": origin(row),
        "problem_ids": list(row.problem_ids or []),
        "possible_duplicates": duplicates or [],
        "history": [step(s) for s in row.steps],
        "created_at": clock.iso(row.created_at),
        "concluded_at": clock.iso(row.concluded_at),
    }


def event_lead(row, today) -> dict:
    """What events carry: the lead without its duplicates. ``units`` tells consumers (the
    notification feed, portraits) who may be told about it."""
    out = lead(row, today)
    out.pop("possible_duplicates")
    out["history"] = out["history"][-1:]
    return out


def escalation(e, row) -> dict:
    return {
        "id": e.id,
        "lead_id": e.lead_id,
        "deadline": e.deadline,
        "due_on": clock.iso(e.due_on),
        "holder_unit": e.holder_unit,
        "source_unit": row.source_unit,
        "subject": row.subject,
        "summary": row.summary,
        "status": row.status,
        "escalated_at": clock.iso(e.escalated_at),
        "resolved_at": clock.iso(e.resolved_at),
    }


def search_hit(row) -> dict:
    return {
        "kind": "lead",
        "id": row.id,
        "title": title(row),
        "status": row.status,
        "subject": row.subject,
        "at": clock.iso(row.created_at),
    }


def title(row) -> str:
    text = row.summary.replace("\n", " ")
    return text if len(text) <= 60 else text[:60] + "…"
