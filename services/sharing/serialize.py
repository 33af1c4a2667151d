"""Rows to the JSON the API answers with."""

from contracts.units import registry
from runtime import clock

TYPE_LABELS = {
    "audit.finding": "审计发现",
    "finance.disbursement": "资金拨付",
    "finance.budget_execution": "预算执行",
    "statistics.indicator": "统计指标",
    "plc.case_quality": "案件质量评查",
    "plc.petition": "信访投诉",
    "inspection.feedback": "巡察反馈",
    "cdi.case_concluded": "审结案件",
}
RESULT_KINDS = {"item_conclusion": "事项结论", "research_output": "研究成果", "circular": "通报"}
GRADES = {"excellent": "优秀", "qualified": "合格", "flawed": "瑕疵", "unqualified": "不合格"}


def type_label(record_type: str) -> str:
    return TYPE_LABELS.get(record_type, record_type)


def _num(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (
            f"{value:,.0f}"
            if float(value).is_integer()
            else f"{value:,.2f}".rstrip("0").rstrip(".")
        )
    return str(value)


def record_title(record_type: str, data: dict) -> str:
    """One line a person reads in a list or a timeline; falls back to the type's name."""
    d = data or {}
    try:
        if record_type == "finance.disbursement":
            return (
                f"{d.get('project_name') or d.get('project_id')} 拨付 {_num(d.get('amount'))} 元"
                f"（累计 {_num(d.get('disbursed_percent'))}%，"
                f"进度 {_num(d.get('progress_percent'))}%）"
            )
        if record_type == "finance.budget_execution":
            return (
                f"{d.get('account_name')} 预算执行 {_num(d.get('execution_percent'))}%"
                f"（{d.get('year')} 年 {d.get('month')} 月）"
            )
        if record_type == "plc.petition":
            return f"信访：{d.get('summary')}"
        if record_type == "plc.case_quality":
            grade = GRADES.get(d.get("grade"), d.get("grade"))
            return f"{d.get('case_no')} 评查{grade}" + (
                f"：{d['problems']}" if d.get("problems") else ""
            )
        if record_type == "audit.finding":
            return f"审计发现：{d.get('description')}"
        if record_type == "inspection.feedback":
            return f"巡察反馈：{d.get('description')}"
        if record_type == "cdi.case_concluded":
            return f"审结案件：{d.get('cause')}"
        if record_type == "statistics.indicator":
            return (
                f"{d.get('indicator_name')} {_num(d.get('value'))}{d.get('unit') or ''}"
                f"（{d.get('period')}）"
            )
    except (TypeError, ValueError):
        pass
    return type_label(record_type)


def record(r) -> dict:
    """``r``: a Record row or a mapping with its columns."""
    get = r.get if isinstance(r, dict) else (lambda k: getattr(r, k))
    return {
        "id": str(get("id")),
        "record_id": get("record_id"),
        "type": get("type"),
        "type_label": type_label(get("type")),
        "subject": get("subject"),
        "occurred_at": clock.iso(get("occurred_at")),
        "data": get("data"),
        "title": record_title(get("type"), get("data")),
        "source_unit": get("source_unit"),
        "event_id": get("event_id"),
        "received_at": clock.iso(get("received_at")),
        "ref": get("ref"),
        "key_id": get("key_id"),
        "signature": get("signature"),
    }


def quarantined(q) -> dict:
    return {
        "id": str(q.id),
        "source_unit": q.source_unit,
        "claimed_unit": q.claimed_unit,
        "sender": q.sender,
        "origin": q.origin,
        "record_id": q.record_id,
        "type": q.type,
        "code": q.code,
        "reason": q.reason,
        "reasons": [q.reason],
        "field": q.field,
        "file": q.file,
        "line": q.line,
        "raw": q.raw,
        "routing_key": q.routing_key,
        "message_id": q.message_id,
        "received_at": clock.iso(q.received_at),
    }


def warning(w, records=(), hidden: int = 0, rule=None) -> dict:
    names = registry()
    return {
        "id": w.id,
        "rule": w.rule,
        "rule_name": rule.name if rule else w.rule,
        "rule_description": rule.describe() if rule else None,
        "title": w.title,
        "subject": w.subject,
        "subject_name": names.name(w.subject),
        "key": w.key,
        "status": w.status,
        "category": w.category,
        "explanation": w.explanation,
        "facts": w.facts or {},
        "evidence": list(w.evidence or []),
        "records": list(records),
        "records_hidden": hidden,
        "lead_id": w.lead_id,
        "to_unit": w.to_unit,
        "handled_by": w.handled_by,
        "handled_unit": w.handled_unit,
        "handled_at": clock.iso(w.handled_at),
        "dismiss_reason": w.dismiss_reason,
        "raised_at": clock.iso(w.raised_at),
        "created_at": clock.iso(w.raised_at),
        "updated_at": clock.iso(w.updated_at),
    }


def warning_event(w) -> dict:
    """What the warning_raised event carries: no record contents (their readers vary)."""
    return {
        "id": w.id,
        "rule": w.rule,
        "subject": w.subject,
        "title": w.title,
        "status": w.status,
        "category": w.category,
        "visible_type": w.visible_type,
        "raised_at": clock.iso(w.raised_at),
    }


def reuse(u) -> dict:
    return {
        "id": u.id,
        "result_id": u.result_id,
        "unit": u.unit,
        "user": u.user,
        "purpose": u.purpose,
        "at": clock.iso(u.at),
    }


def result(r, reuses=(), full: bool = True) -> dict:
    reuses = [reuse(u) for u in reuses]
    out = {
        "id": r.id,
        "kind": r.kind,
        "kind_label": RESULT_KINDS.get(r.kind, r.kind),
        "title": r.title,
        "source_unit": r.source_unit,
        "units": list(r.units or []),
        "year": r.year,
        "origin": {"kind": r.origin_kind, "id": r.origin_id},
        "meta": r.meta or {},
        "created_at": clock.iso(r.created_at),
        "reuses": reuses,
        "reuse_count": len(reuses),
    }
    out["content"] = r.content if full else (r.content or "")[:300]
    return out
