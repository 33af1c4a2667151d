"""Leads routes (线索共处): API.md's leads table, passed to the leads service.

Need-to-know is decided by the leads service, not here: the gateway forwards the caller's token
and maps the service's 404 like any other.
"""

from contracts.schemas import leads as s
from gateway.routing import route

TAG = "leads"


def _dates(body: dict, *names) -> dict:
    out = dict(body)
    for name in names:
        if out.get(name) is not None:
            out[name] = out[name].isoformat()
    return out


@route(
    "POST",
    "/api/v1/leads",
    summary="登记问题线索（返回可能重复的线索）",
    tag=TAG,
    body=s.LeadIn,
    response=s.LeadOut,
    status=201,
)
def register_lead(ctx):
    return ctx.rpc.leads.register_lead(_dates(ctx.body, "registered_on"))


@route(
    "GET",
    "/api/v1/leads",
    summary="问题线索列表（仅知悉范围内）",
    tag=TAG,
    query=s.LeadQuery,
    response=s.LeadOut,
    many=True,
)
def list_leads(ctx):
    return ctx.rpc.leads.list_leads(ctx.query)


@route(
    "GET",
    "/api/v1/leads/escalations",
    summary="逾期线索督办清单（提请办公室）",
    tag=TAG,
    query=s.EscalationQuery,
    response=s.EscalationOut,
    many=True,
)
def list_escalations(ctx):
    return ctx.rpc.leads.list_escalations(ctx.query)


@route(
    "POST",
    "/api/v1/leads/overdue-check",
    summary="立即执行线索逾期检查（办公室）",
    tag=TAG,
    response=s.OverdueCheckOut,
)
def check_overdue(ctx):
    return ctx.rpc.leads.check_overdue({})


@route(
    "GET",
    "/api/v1/leads/<id>",
    summary="问题线索详情（知悉范围外为 404）",
    tag=TAG,
    response=s.LeadOut,
)
def get_lead(ctx, id):
    return ctx.rpc.leads.get_lead({"id": id})


@route(
    "POST",
    "/api/v1/leads/<id>/transfer",
    summary="移送线索（当前承办单位）",
    tag=TAG,
    body=s.TransferIn,
    response=s.LeadOut,
)
def transfer_lead(ctx, id):
    return ctx.rpc.leads.transfer_lead({**_dates(ctx.body, "transferred_on"), "id": id})


@route(
    "POST",
    "/api/v1/leads/<id>/accept",
    summary="受理线索（接收单位）",
    tag=TAG,
    body=s.AcceptIn,
    response=s.LeadOut,
)
def accept_lead(ctx, id):
    return ctx.rpc.leads.accept_lead({**ctx.body, "id": id})


@route(
    "POST",
    "/api/v1/leads/<id>/return",
    summary="退回线索（接收单位，须说明理由）",
    tag=TAG,
    body=s.ReturnIn,
    response=s.LeadOut,
)
def return_lead(ctx, id):
    return ctx.rpc.leads.return_lead({**ctx.body, "id": id})


@route(
    "POST",
    "/api/v1/leads/<id>/progress",
    summary="记录办理情况（承办单位）",
    tag=TAG,
    body=s.ProgressIn,
    response=s.LeadOut,
)
def record_progress(ctx, id):
    return ctx.rpc.leads.record_progress({**ctx.body, "id": id})


@route(
    "POST",
    "/api/v1/leads/<id>/feedback",
    summary="反馈办理结果并办结（承办单位）",
    tag=TAG,
    body=s.FeedbackIn,
    response=s.LeadOut,
)
def give_feedback(ctx, id):
    return ctx.rpc.leads.give_feedback({**ctx.body, "id": id})
