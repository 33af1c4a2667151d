"""Rows to the JSON the API answers with."""

from runtime import clock
from services.planning import rules


def proposal(p) -> dict:
    return {
        "id": p.id,
        "year": p.year,
        "title": p.title,
        "rationale": p.rationale,
        "concern_source": p.concern_source,
        "unit": p.unit,
        "proposed_by": p.proposed_by,
        "created_at": clock.iso(p.created_at),
    }


def meeting(m) -> dict:
    return {
        "id": m.id,
        "year": m.year,
        "held_on": clock.iso(m.held_on),
        "attending_units": m.attending_units,
        "proposal_ids": m.proposal_ids,
        "minutes": m.minutes,
        "decisions": m.decisions,
        "created_at": clock.iso(m.created_at),
    }


def finding(f) -> dict:
    return {
        "id": f.id,
        "item_id": f.item_id,
        "title": f.title,
        "description": f.description,
        "subject": f.subject,
        "unit": f.unit,
        "recorded_by": f.recorded_by,
        "created_at": clock.iso(f.created_at),
        "lead_ids": list(f.lead_ids or []),
        "problem_ids": list(f.problem_ids or []),
    }


def implementation_plan(item) -> dict:
    latest = rules.current_version(item)
    return {
        "current_version": latest.version if latest else None,
        "approved": bool(latest and latest.approved_at),
        "content": latest.content if latest else None,
        "versions": [
            {
                "version": v.version,
                "content": v.content,
                "author": v.author,
                "unit": v.unit,
                "created_at": clock.iso(v.created_at),
                "approved": v.approved_at is not None,
                "approved_at": clock.iso(v.approved_at),
                "approved_by": v.approved_by,
            }
            for v in item.versions
        ],
    }


def item_summary(i) -> dict:
    return {
        "id": i.id,
        "year": i.year,
        "seq": i.seq,
        "title": i.title,
        "form": i.form,
        "lead_unit": i.lead_unit,
        "participating_units": list(i.participating_units or []),
        "key": bool(i.key),
        "status": i.status,
        "description": i.description or "",
        "subjects": list(i.subjects or []),
        "proposal_ids": list(i.proposal_ids or []),
        "conclusion": i.conclusion,
        "created_at": clock.iso(i.created_at),
        "started_at": clock.iso(i.started_at),
        "concluded_at": clock.iso(i.concluded_at),
    }


def item(i) -> dict:
    today = clock.today()
    return {
        **item_summary(i),
        "implementation_plan": implementation_plan(i),
        "staff": [
            {
                "id": s.id,
                "unit": s.unit,
                "name": s.name,
                "role": s.role,
                "dispatched_at": clock.iso(s.dispatched_at),
            }
            for s in i.staff
        ],
        "milestones": [
            {
                "id": m.id,
                "title": m.title,
                "owner_unit": m.owner_unit,
                "due_on": clock.iso(m.due_on),
                "done_on": clock.iso(m.done_on),
                "overdue": rules.milestone_overdue(m, today),
            }
            for m in i.milestones
        ],
        "findings": [finding(f) for f in i.findings],
        "progress": [
            {
                "id": n.id,
                "milestone_id": n.milestone_id,
                "unit": n.unit,
                "author": n.author,
                "note": n.note,
                "created_at": clock.iso(n.created_at),
            }
            for n in i.notes
        ],
        "missing_staff": rules.missing_staff(i),
    }


def plan(p, items) -> dict:
    return {
        "year": p.year,
        "status": p.status,
        "created_at": clock.iso(p.created_at),
        "adopted_at": clock.iso(p.adopted_at),
        "items": [item(i) for i in items],
    }
