"""Sharing routes (信息共享 · 成果共用): API.md's sharing table, passed to the sharing service.

The portrait is the one cross-service view here: the sharing service's facts and warnings, and
what planning, leads (need-to-know enforced there) and rectification know about the subject,
asked in parallel; a service that does not answer leaves its section marked unavailable.
"""

from marshmallow import fields, validate

from contracts.errors import PlatformError, ValidationFailed
from contracts.records import SUBJECT_RE
from contracts.schemas import sharing as s
from contracts.schemas.base import StrictSchema
from contracts.units import registry
from gateway.routing import route

TAG = "sharing"
PORTRAIT_FACTS = 50


@route(
    "GET",
    "/api/v1/records",
    summary="共享数据列表（仅本单位按共享规则可读的类型）",
    tag=TAG,
    query=s.RecordQuery,
    response=s.RecordOut,
    many=True,
)
def list_records(ctx):
    return ctx.rpc.sharing.list_records(ctx.query)


@route("GET", "/api/v1/records/<id>", summary="共享数据详情及来源", tag=TAG, response=s.RecordOut)
def get_record(ctx, id):
    return ctx.rpc.sharing.get_record({"id": id})


class PortraitQuery(StrictSchema):
    # the newest facts (facts_total and facts_by_type count all of them): a unit with a
    # hundred thousand records answers as fast as one with a hundred, in a page a person reads
    limit = fields.Integer(load_default=PORTRAIT_FACTS, validate=validate.Range(min=1, max=2000))


@route(
    "GET",
    "/api/v1/subjects/<subject>/portrait",
    summary="监督对象画像（各来源事实、时间线、事项、线索、整改任务）",
    tag=TAG,
    query=PortraitQuery,
    response=s.PortraitOut,
    cached=True,
)
def portrait(ctx, subject):
    if not SUBJECT_RE.match(subject or ""):
        raise ValidationFailed(
            "监督对象编号无效",
            "validation_failed",
            {"subject": ["监督对象应为单位编号或 official:<编号>"]},
        )
    facts = {"subject": subject, "limit": ctx.query["limit"]}
    answers = ctx.rpc.gather(
        {
            "sharing": ("sharing", "portrait_facts", facts),
            "planning": ("planning", "by_subject", {"subject": subject}),
            "leads": ("leads", "by_subject", {"subject": subject}),
            "rectification": ("rectification", "by_subject", {"subject": subject}),
            "research": ("research", "by_subject", {"subject": subject}),
        }
    )
    return compose_portrait(subject, answers)


# where each section of a portrait comes from
SECTIONS = {
    "facts": "sharing",
    "warnings": "sharing",
    "items": "planning",
    "findings": "planning",
    "leads": "leads",
    "tasks": "rectification",
    "problems": "rectification",
    "circulars": "rectification",
    "topics": "research",
}


def compose_portrait(subject: str, answers: dict) -> dict:
    """One answer from the services' answers (each a dict, or the exception it failed with)."""
    for answer in answers.values():
        if isinstance(answer, PlatformError) and answer.status == 401:
            raise answer
    ok = {name: a for name, a in answers.items() if isinstance(a, dict)}
    unavailable = sorted(name for name in answers if name not in ok)

    def items(service, *kinds):
        found = (ok.get(service) or {}).get("items") or []
        return [i for i in found if isinstance(i, dict) and i.get("kind") in kinds]

    facts_answer = ok.get("sharing") or {}
    out = {
        "subject": subject,
        "subject_name": facts_answer.get("subject_name") or registry().name(subject),
        "facts": facts_answer.get("facts") or [],
        "facts_total": facts_answer.get("facts_total") or 0,
        "facts_by_type": facts_answer.get("by_type") or {},
        "warnings": facts_answer.get("warnings") or [],
        "items": _related_items(items("planning", "item"), items("planning", "finding")),
        "findings": items("planning", "finding"),
        "leads": items("leads", "lead"),
        "tasks": items("rectification", "task"),
        "problems": items("rectification", "problem"),
        "circulars": items("rectification", "circular"),
        "topics": items("research", "topic"),
    }
    leads, rectification = ok.get("leads") or {}, ok.get("rectification") or {}
    counted = rectification.get("totals") or {}
    out["totals"] = {
        "leads": leads.get("total", len(out["leads"])),
        "problems": counted.get("problem", len(out["problems"])),
        "tasks": counted.get("task", len(out["tasks"])),
    }
    out["sections"] = {
        name: ("ok" if service in ok else "unavailable") for name, service in SECTIONS.items()
    }
    out["unavailable"] = unavailable
    out["timeline"] = timeline(out)
    return out


def _related_items(items: list, findings: list) -> list:
    """The items about the subject, and the items whose findings are about it."""
    out, seen = list(items), {i.get("id") for i in items}
    for f in findings:
        if f.get("item_id") and f["item_id"] not in seen:
            seen.add(f["item_id"])
            out.append(
                {
                    "kind": "item",
                    "id": f["item_id"],
                    "title": f.get("item_title") or f["item_id"],
                    "via": "finding",
                }
            )
    return out


def timeline(portrait: dict) -> list[dict]:
    """Every dated thing about the subject, oldest first."""
    events = []
    for f in portrait["facts"]:
        events.append(
            {
                "at": f.get("occurred_at"),
                "kind": "record",
                "id": f.get("id"),
                "title": f.get("title") or f.get("type"),
                "type": f.get("type"),
                "source_unit": f.get("source_unit"),
                "record_id": f.get("record_id"),
            }
        )
    for w in portrait["warnings"]:
        events.append(
            {
                "at": w.get("raised_at"),
                "kind": "warning",
                "id": w.get("id"),
                "title": w.get("title"),
                "status": w.get("status"),
            }
        )
    for name in ("findings", "items", "leads", "tasks", "problems", "circulars", "topics"):
        for i in portrait[name]:
            at = i.get("at") or i.get("created_at") or i.get("issued_at") or i.get("deadline")
            if at:
                events.append(
                    {
                        "at": at,
                        "kind": i.get("kind"),
                        "id": i.get("id"),
                        "title": i.get("title"),
                        "status": i.get("status"),
                        "source_unit": i.get("unit") or i.get("source_unit"),
                    }
                )
    return sorted((e for e in events if e["at"]), key=lambda e: str(e["at"]))


@route(
    "GET",
    "/api/v1/warnings",
    summary="风险预警（说明触发规则和依据的数据）",
    tag=TAG,
    query=s.WarningQuery,
    response=s.WarningOut,
    many=True,
)
def list_warnings(ctx):
    return ctx.rpc.sharing.list_warnings(ctx.query)


@route("GET", "/api/v1/warning-rules", summary="预警规则及其阈值", tag=TAG)
def list_warning_rules(ctx):
    return ctx.rpc.sharing.list_warning_rules({})


@route("GET", "/api/v1/warnings/<id>", summary="预警详情", tag=TAG, response=s.WarningOut)
def get_warning(ctx, id):
    return ctx.rpc.sharing.get_warning({"id": id})


@route(
    "POST",
    "/api/v1/warnings/<id>/to-lead",
    summary="预警转为问题线索并移送",
    tag=TAG,
    body=s.ToLeadIn,
    status=201,
)
def warning_to_lead(ctx, id):
    return ctx.rpc.sharing.warning_to_lead({**ctx.body, "id": id})


@route(
    "POST",
    "/api/v1/warnings/<id>/dismiss",
    summary="排除预警（说明理由）",
    tag=TAG,
    body=s.DismissIn,
    response=s.WarningOut,
)
def dismiss_warning(ctx, id):
    return ctx.rpc.sharing.dismiss_warning({**ctx.body, "id": id})


@route(
    "GET",
    "/api/v1/results",
    summary="成果库（事项结论、研究成果、通报）",
    tag=TAG,
    query=s.ResultQuery,
    response=s.ResultOut,
    many=True,
)
def list_results(ctx):
    return ctx.rpc.sharing.list_results(ctx.query)


@route("GET", "/api/v1/results/<id>", summary="成果详情及复用记录", tag=TAG, response=s.ResultOut)
def get_result(ctx, id):
    return ctx.rpc.sharing.get_result({"id": id})


@route(
    "POST",
    "/api/v1/results/<id>/reuse",
    summary="登记成果复用（哪个单位为何复用）",
    tag=TAG,
    body=s.ReuseIn,
    response=s.ReuseOut,
    status=201,
)
def reuse_result(ctx, id):
    return ctx.rpc.sharing.reuse_result({**ctx.body, "id": id})


@route(
    "GET",
    "/api/v1/quarantine",
    summary="数据隔离区（机构看本单位的，办公室看全部）",
    tag=TAG,
    query=s.QuarantineQuery,
    response=s.QuarantineOut,
    many=True,
)
def list_quarantine(ctx):
    return ctx.rpc.sharing.list_quarantine(ctx.query)
