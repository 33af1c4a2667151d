"""Rectification routes (整改共促): API.md's rectification table, passed to the rectification service.

Public routes (``/api/v1/public/circulars``) take no token and answer only the stored redacted
copies; everything else is checked again by the service with the caller's own token.
"""

import base64
from urllib.parse import quote

from werkzeug.wrappers import Response

from contracts.errors import NotFound
from contracts.schemas import rectification as s
from gateway.routing import route

TAG = "rectification"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise NotFound(f"{year} 年度不存在", "not_found")
    return year


def _iso(body: dict, *keys) -> dict:
    body = dict(body)
    for key in keys:
        if body.get(key) is not None:
            body[key] = body[key].isoformat()
    return body


def _download(answer: dict) -> Response:
    content = base64.b64decode(answer["content"])
    name = answer["filename"]
    ascii_name = answer.get("ascii_filename") or "document.docx"
    return Response(
        content,
        status=200,
        headers={
            "Content-Type": answer.get("content_type") or DOCX,
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name)}",
        },
    )


# -- problems ----------------------------------------------------------------------------------


@route(
    "POST",
    "/api/v1/problems",
    summary="登记整改问题",
    tag=TAG,
    body=s.ProblemIn,
    response=s.ProblemOut,
    status=201,
)
def record_problem(ctx):
    return ctx.rpc.rectification.record_problem(ctx.body)


@route(
    "GET",
    "/api/v1/problems",
    summary="整改问题列表",
    tag=TAG,
    query=s.ProblemQuery,
    response=s.ProblemOut,
    many=True,
)
def list_problems(ctx):
    return ctx.rpc.rectification.list_problems(ctx.query)


@route(
    "GET",
    "/api/v1/problems/<id>",
    summary="整改问题详情（含整改任务）",
    tag=TAG,
    response=s.ProblemOut,
)
def get_problem(ctx, id):
    return ctx.rpc.rectification.get_problem({"id": id})


@route(
    "POST",
    "/api/v1/problems/<id>/tasks",
    summary="交办整改任务",
    tag=TAG,
    body=s.TaskIn,
    response=s.TaskOut,
    status=201,
)
def assign_task(ctx, id):
    return ctx.rpc.rectification.assign_task({**_iso(ctx.body, "deadline"), "problem_id": id})


# -- tasks -------------------------------------------------------------------------------------


@route(
    "GET",
    "/api/v1/tasks",
    summary="整改任务列表（被监督单位只见本单位的）",
    tag=TAG,
    query=s.TaskQuery,
    response=s.TaskOut,
    many=True,
)
def list_tasks(ctx):
    return ctx.rpc.rectification.list_tasks(ctx.query)


@route("GET", "/api/v1/tasks/<id>", summary="整改任务详情", tag=TAG, response=s.TaskOut)
def get_task(ctx, id):
    return ctx.rpc.rectification.get_task({"id": id})


@route(
    "POST",
    "/api/v1/tasks/<id>/progress",
    summary="报告整改进展（责任单位）",
    tag=TAG,
    body=s.ProgressIn,
    response=s.TaskOut,
    status=201,
)
def report_progress(ctx, id):
    return ctx.rpc.rectification.report_progress({**ctx.body, "task_id": id})


@route(
    "POST",
    "/api/v1/tasks/<id>/submit",
    summary="报送整改完成（责任单位）",
    tag=TAG,
    body=s.SubmitIn,
    response=s.TaskOut,
)
def submit_task(ctx, id):
    return ctx.rpc.rectification.submit_task({**ctx.body, "task_id": id})


@route(
    "POST",
    "/api/v1/tasks/<id>/verify",
    summary="核验销号（督促单位）",
    tag=TAG,
    body=s.VerifyIn,
    response=s.TaskOut,
)
def verify_task(ctx, id):
    return ctx.rpc.rectification.verify_task({**ctx.body, "task_id": id})


@route(
    "POST",
    "/api/v1/tasks/<id>/send-back",
    summary="退回重新整改（督促单位）",
    tag=TAG,
    body=s.SendBackIn,
    response=s.TaskOut,
)
def send_back_task(ctx, id):
    return ctx.rpc.rectification.send_back_task({**ctx.body, "task_id": id})


@route(
    "PUT",
    "/api/v1/tasks/<id>/deadline",
    summary="调整整改期限（办公室或督促单位）",
    tag=TAG,
    body=s.DeadlineIn,
    response=s.TaskOut,
)
def change_deadline(ctx, id):
    return ctx.rpc.rectification.change_deadline({**_iso(ctx.body, "deadline"), "task_id": id})


# -- key rectification units -------------------------------------------------------------------


@route(
    "POST",
    "/api/v1/key-units",
    summary="确定整改重点单位（办公室，每年 1–2 个）",
    tag=TAG,
    body=s.KeyUnitIn,
    response=s.KeyUnitOut,
    status=201,
)
def select_key_unit(ctx):
    return ctx.rpc.rectification.select_key_unit(ctx.body)


@route(
    "GET",
    "/api/v1/key-units",
    summary="整改重点单位",
    tag=TAG,
    query=s.KeyUnitQuery,
    response=s.KeyUnitOut,
    many=True,
)
def list_key_units(ctx):
    return ctx.rpc.rectification.list_key_units(ctx.query)


@route(
    "GET",
    "/api/v1/key-units/<int(signed=True):year>/<unit>/report",
    summary="重点单位向常委会的整改情况报告（由其整改任务生成）",
    tag=TAG,
    response=s.KeyUnitReportOut,
)
def key_unit_report(ctx, year, unit):
    return ctx.rpc.rectification.key_unit_report({"year": _year(year), "unit": unit})


@route(
    "POST",
    "/api/v1/key-units/<int(signed=True):year>/<unit>/report",
    summary="报送整改情况报告（该重点单位或办公室）",
    tag=TAG,
    body=s.ReportIn,
    response=s.KeyUnitReportOut,
)
def submit_key_unit_report(ctx, year, unit):
    return ctx.rpc.rectification.submit_key_unit_report(
        {**ctx.body, "year": _year(year), "unit": unit}
    )


@route(
    "GET",
    "/api/v1/key-units/<int(signed=True):year>/<unit>/report.docx",
    summary="整改情况报告 Word 文档",
    tag=TAG,
    produces=DOCX,
)
def key_unit_report_docx(ctx, year, unit):
    return _download(
        ctx.rpc.rectification.key_unit_report_docx({"year": _year(year), "unit": unit})
    )


# -- circulars ---------------------------------------------------------------------------------


@route(
    "POST",
    "/api/v1/circulars",
    summary="起草通报（办公室）",
    tag=TAG,
    body=s.CircularIn,
    response=s.CircularOut,
    status=201,
)
def draft_circular(ctx):
    return ctx.rpc.rectification.draft_circular(ctx.body)


@route(
    "GET",
    "/api/v1/circulars",
    summary="通报列表（草稿只在办公室可见）",
    tag=TAG,
    query=s.CircularQuery,
    response=s.CircularOut,
    many=True,
)
def list_circulars(ctx):
    return ctx.rpc.rectification.list_circulars(ctx.query)


@route(
    "GET",
    "/api/v1/circulars/<id>.docx",
    summary="通报 Word 文档（公文格式）",
    tag=TAG,
    produces=DOCX,
)
def circular_docx(ctx, id):
    return _download(ctx.rpc.rectification.circular_docx({"id": id}))


@route("GET", "/api/v1/circulars/<id>", summary="通报详情", tag=TAG, response=s.CircularOut)
def get_circular(ctx, id):
    return ctx.rpc.rectification.get_circular({"id": id})


@route(
    "PUT",
    "/api/v1/circulars/<id>",
    summary="修改通报草稿（办公室）",
    tag=TAG,
    body=s.CircularIn,
    response=s.CircularOut,
)
def update_circular(ctx, id):
    return ctx.rpc.rectification.update_circular({**ctx.body, "id": id})


@route(
    "POST",
    "/api/v1/circulars/<id>/approve",
    summary="审核通报（办公室）",
    tag=TAG,
    response=s.CircularOut,
)
def approve_circular(ctx, id):
    return ctx.rpc.rectification.approve_circular({"id": id})


@route(
    "POST",
    "/api/v1/circulars/<id>/issue",
    summary="印发通报（办公室）",
    tag=TAG,
    response=s.CircularOut,
)
def issue_circular(ctx, id):
    return ctx.rpc.rectification.issue_circular({"id": id})


@route(
    "POST",
    "/api/v1/circulars/<id>/publish",
    summary="向社会公开通报（办公室，仅限已印发；公开版本遮盖人名和标注内容）",
    tag=TAG,
    response=s.CircularOut,
)
def publish_circular(ctx, id):
    return ctx.rpc.rectification.publish_circular({"id": id})


@route(
    "GET",
    "/api/v1/public/circulars",
    summary="公开的通报（无需登录，已遮盖）",
    tag=TAG,
    query=s.PublicQuery,
    response=s.PublicCircularOut,
    many=True,
    auth=False,
)
def list_public_circulars(ctx):
    return ctx.rpc.rectification.list_public_circulars(ctx.query)


@route(
    "GET",
    "/api/v1/public/circulars/<id>",
    summary="公开的通报全文（无需登录，已遮盖）",
    tag=TAG,
    response=s.PublicCircularOut,
    auth=False,
)
def get_public_circular(ctx, id):
    return ctx.rpc.rectification.get_public_circular({"id": id})
