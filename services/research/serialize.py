"""Rows to the JSON the API answers with."""

from runtime import clock
from services.research import rules


def version(v) -> dict:
    return {
        "version": v.version,
        "title": v.title,
        "content": v.content,
        "unit": v.unit,
        "author": v.author,
        "created_at": clock.iso(v.created_at),
    }


def output(o, final_output_id: str | None, *, versions: bool = True) -> dict:
    out = {
        "id": o.id,
        "topic_id": o.topic_id,
        "title": o.title,
        "content": o.content,
        "version": o.version,
        "final": o.id == final_output_id,
        "unit": o.unit,
        "author": o.author,
        "created_at": clock.iso(o.created_at),
        "updated_at": clock.iso(o.updated_at),
    }
    if versions:
        out["versions"] = [version(v) for v in o.versions]
    return out


def link(lk) -> dict:
    return {
        "kind": lk.kind,
        "id": lk.ref_id,
        "title": lk.title,
        "subjects": list(lk.subjects or []),
        "linked_by": lk.linked_by,
        "linked_at": clock.iso(lk.linked_at),
    }


def history(h) -> dict:
    return {
        "at": clock.iso(h.at),
        "actor": h.actor,
        "unit": h.unit,
        "action": h.action,
        "summary": h.summary,
        "detail": dict(h.detail or {}),
    }


def topic_summary(t) -> dict:
    return {
        "id": t.id,
        "year": t.year,
        "title": t.title,
        "lead_unit": t.lead_unit,
        "participating_units": list(t.participating_units or []),
        "questions": list(t.questions or []),
        "deliverables": list(t.deliverables or []),
        "due_on": clock.iso(t.due_on),
        "status": t.status,
        "overdue": rules.overdue(t, clock.today()),
        "final_output_id": t.final_output_id,
        "item_ids": [lk.ref_id for lk in t.links if lk.kind == "item"],
        "problem_ids": [lk.ref_id for lk in t.links if lk.kind == "problem"],
        "outputs_count": len(t.outputs),
        "conclusion": t.conclusion,
        "created_by": t.created_by,
        "created_at": clock.iso(t.created_at),
        "concluded_at": clock.iso(t.concluded_at),
        "concluded_by": t.concluded_by,
    }


def topic(t) -> dict:
    return {
        **topic_summary(t),
        "outputs": [output(o, t.final_output_id) for o in t.outputs],
        "links": [link(lk) for lk in t.links],
        "history": [history(h) for h in t.history],
    }


def final_report(t) -> dict | None:
    """The final output as the results library offers it: the text and who wrote it."""
    final = next((o for o in t.outputs if o.id == t.final_output_id), None)
    return output(final, t.final_output_id, versions=False) if final else None
