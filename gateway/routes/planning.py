"""Planning routes (计划共商 · 工作共推): API.md's planning table, passed to the planning service."""

from contracts.errors import NotFound
from contracts.schemas import planning as s
from gateway.routing import route

TAG = "planning"


@route(
    "POST",
    "/api/v1/proposals",
    summary="提出议题建议",
    tag=TAG,
    body=s.ProposalIn,
    response=s.ProposalOut,
    status=201,
)
def submit_proposal(ctx):
    return ctx.rpc.planning.submit_proposal(ctx.body)


@route(
    "GET",
    "/api/v1/proposals",
    summary="议题建议列表",
    tag=TAG,
    query=s.ProposalQuery,
    response=s.ProposalOut,
    many=True,
)
def list_proposals(ctx):
    return ctx.rpc.planning.list_proposals(ctx.query)


@route(
    "POST",
    "/api/v1/meetings",
    summary="召开联合会商会议（办公室）",
    tag=TAG,
    body=s.MeetingIn,
    response=s.MeetingOut,
    status=201,
)
def hold_meeting(ctx):
    body = dict(ctx.body)
    body["held_on"] = body["held_on"].isoformat()
    return ctx.rpc.planning.hold_meeting(body)


@route(
    "GET",
    "/api/v1/meetings",
    summary="联合会商会议列表",
    tag=TAG,
    query=s.ProposalQuery,
    response=s.MeetingOut,
    many=True,
)
def list_meetings(ctx):
    return ctx.rpc.planning.list_meetings(ctx.query)


@route(
    "POST",
    "/api/v1/plans",
    summary="制定年度协同联动专项监督计划（办公室）",
    tag=TAG,
    body=s.PlanIn,
    response=s.PlanOut,
    status=201,
)
def create_plan(ctx):
    return ctx.rpc.planning.create_plan(ctx.body)


@route(
    "GET",
    "/api/v1/plans/<int(signed=True):year>",
    summary="年度计划及其事项",
    tag=TAG,
    response=s.PlanOut,
)
def get_plan(ctx, year):
    if not 2000 <= year <= 2100:
        raise NotFound(f"{year} 年度计划不存在", "not_found")
    return ctx.rpc.planning.get_plan({"year": year})


@route(
    "POST",
    "/api/v1/plans/<int(signed=True):year>/items",
    summary="增加监督事项（办公室）",
    tag=TAG,
    body=s.ItemIn,
    response=s.ItemOut,
    status=201,
)
def add_item(ctx, year):
    if not 2000 <= year <= 2100:
        raise NotFound(f"{year} 年度计划不存在", "not_found")
    return ctx.rpc.planning.add_item({**ctx.body, "year": year})


@route(
    "POST",
    "/api/v1/plans/<int(signed=True):year>/adopt",
    summary="通过年度计划（至少一个重点事项）",
    tag=TAG,
    response=s.PlanOut,
)
def adopt_plan(ctx, year):
    if not 2000 <= year <= 2100:
        raise NotFound(f"{year} 年度计划不存在", "not_found")
    return ctx.rpc.planning.adopt_plan({"year": year})


@route(
    "GET",
    "/api/v1/items",
    summary="监督事项列表",
    tag=TAG,
    query=s.ItemQuery,
    response=s.ItemOut,
    many=True,
)
def list_items(ctx):
    return ctx.rpc.planning.list_items(ctx.query)


@route("GET", "/api/v1/items/<id>", summary="监督事项详情", tag=TAG, response=s.ItemOut)
def get_item(ctx, id):
    return ctx.rpc.planning.get_item({"id": id})


@route(
    "PUT",
    "/api/v1/items/<id>/implementation-plan",
    summary="提交实施方案新版本（牵头单位）",
    tag=TAG,
    body=s.ImplementationPlanIn,
    response=s.ImplementationPlanOut,
)
def put_implementation_plan(ctx, id):
    return ctx.rpc.planning.submit_implementation_plan({**ctx.body, "item_id": id})


@route(
    "POST",
    "/api/v1/items/<id>/implementation-plan/approve",
    summary="批准实施方案（办公室）",
    tag=TAG,
    response=s.ImplementationPlanOut,
)
def approve_implementation_plan(ctx, id):
    return ctx.rpc.planning.approve_implementation_plan({"item_id": id})


@route(
    "POST",
    "/api/v1/items/<id>/staff",
    summary="派员（本单位）",
    tag=TAG,
    body=s.StaffIn,
    response=s.StaffOut,
    status=201,
)
def dispatch_staff(ctx, id):
    return ctx.rpc.planning.dispatch_staff({**ctx.body, "item_id": id})


@route("POST", "/api/v1/items/<id>/start", summary="启动事项", tag=TAG, response=s.ItemOut)
def start_item(ctx, id):
    return ctx.rpc.planning.start_item({"item_id": id})


@route(
    "POST",
    "/api/v1/items/<id>/milestones",
    summary="设置工作节点",
    tag=TAG,
    body=s.MilestoneIn,
    response=s.MilestoneOut,
    status=201,
)
def add_milestone(ctx, id):
    body = dict(ctx.body)
    body["due_on"] = body["due_on"].isoformat()
    return ctx.rpc.planning.add_milestone({**body, "item_id": id})


@route(
    "POST",
    "/api/v1/items/<id>/progress",
    summary="报告工作进展",
    tag=TAG,
    body=s.ProgressIn,
    response=s.ItemOut,
    status=201,
)
def add_progress(ctx, id):
    return ctx.rpc.planning.add_progress({**ctx.body, "item_id": id})


@route(
    "POST",
    "/api/v1/items/<id>/findings",
    summary="记录发现问题",
    tag=TAG,
    body=s.FindingIn,
    response=s.FindingOut,
    status=201,
)
def record_finding(ctx, id):
    return ctx.rpc.planning.record_finding({**ctx.body, "item_id": id})


@route("GET", "/api/v1/findings/<id>", summary="发现问题详情", tag=TAG, response=s.FindingOut)
def get_finding(ctx, id):
    return ctx.rpc.planning.get_finding({"id": id})


@route(
    "POST",
    "/api/v1/items/<id>/conclude",
    summary="办结事项",
    tag=TAG,
    body=s.ConcludeIn,
    response=s.ItemOut,
)
def conclude_item(ctx, id):
    return ctx.rpc.planning.conclude_item({**ctx.body, "item_id": id})


@route(
    "POST",
    "/api/v1/items/<id>/cancel",
    summary="撤销事项（办公室）",
    tag=TAG,
    body=s.CancelIn,
    response=s.ItemOut,
)
def cancel_item(ctx, id):
    return ctx.rpc.planning.cancel_item({**ctx.body, "item_id": id})


@route(
    "POST",
    "/api/v1/findings/<id>/to-lead",
    summary="发现问题移送为问题线索",
    tag=TAG,
    body=s.ToLeadIn,
    status=201,
)
def finding_to_lead(ctx, id):
    finding = ctx.rpc.planning.get_finding({"id": id})
    body = ctx.body
    return ctx.rpc.leads.register_lead(
        {
            "subject": finding["subject"],
            "summary": f"{finding['title']}：{finding['description']}"[:5000],
            "category": body["category"],
            "sensitivity": body["sensitivity"],
            "origin": {"kind": "finding", "id": finding["id"]},
            "transfer_to": {
                "to_unit": body["to_unit"],
                "reason": f"监督事项发现问题移送（{finding['title']}）"[:500],
            },
        }
    )


@route(
    "POST",
    "/api/v1/findings/<id>/to-problem",
    summary="发现问题转为整改问题",
    tag=TAG,
    body=s.ToProblemIn,
    status=201,
)
def finding_to_problem(ctx, id):
    finding = ctx.rpc.planning.get_finding({"id": id})
    return ctx.rpc.rectification.record_problem(
        {
            "title": finding["title"],
            "description": finding["description"],
            "subject": finding["subject"],
            "source": "finding",
            "nature": ctx.body["nature"],
            "origin": {"kind": "finding", "id": finding["id"]},
        }
    )
