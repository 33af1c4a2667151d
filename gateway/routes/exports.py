"""Exports: the annual work report as a Word document, the caller's lists as Excel workbooks.

Every figure and row comes from the services with the caller's own token, so an export holds
exactly what the caller may see in the JSON lists.
"""

from urllib.parse import quote

from marshmallow import fields, validate
from werkzeug.wrappers import Response

from contracts.errors import Forbidden, NotFound, PlatformError
from contracts.schemas.base import StrictSchema
from contracts.units import OFFICE_UNIT, registry
from gateway.routing import route
from gateway.views import docx_layout, report, xlsx
from runtime import clock

TAG = "exports"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE = 500  # the services' largest page
MAX_ROWS = 10_000
REPORT_ROLES = ("office_admin", "viewer", "liaison")


def _query_schema(module: str, name: str):
    """The JSON list's own query schema, so an export takes exactly the same filters."""
    try:
        mod = __import__(f"contracts.schemas.{module}", fromlist=[name])
        return getattr(mod, name)
    except (ImportError, AttributeError):  # that mechanism is not built in this checkout
        return None


LISTS = {
    # sheet: (service, list RPC, query schema)
    "items": ("planning", "list_items", _query_schema("planning", "ItemQuery")),
    "leads": ("leads", "list_leads", _query_schema("leads", "LeadQuery")),
    "problems": ("rectification", "list_problems", _query_schema("rectification", "ProblemQuery")),
    "tasks": ("rectification", "list_tasks", _query_schema("rectification", "TaskQuery")),
}


class ReportQuery(StrictSchema):
    number = fields.String(validate=validate.Length(min=1, max=40))


def attachment(content: bytes, content_type: str, filename: str, chinese_name: str) -> Response:
    """An ASCII filename for old clients, the Chinese one (RFC 6266/5987) for the rest."""
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(chinese_name)}"
    return Response(
        content,
        status=200,
        headers={"Content-Type": content_type, "Content-Disposition": disposition},
    )


def fetch_all(ctx, service: str, method: str, filters: dict) -> list[dict]:
    rpc = getattr(getattr(ctx.rpc, service), method)
    rows, offset = [], 0
    while len(rows) < MAX_ROWS:
        page = rpc({**filters, "limit": PAGE, "offset": offset})
        items = page.get("items") or []
        rows.extend(items)
        offset += len(items)
        if not items or offset >= int(page.get("total") or 0):
            break
    return rows[:MAX_ROWS]


def _list_export(ctx, sheet_key: str):
    service, method, _schema = LISTS[sheet_key]
    filters = {k: v for k, v in ctx.query.items() if k not in ("limit", "offset")}
    rows = fetch_all(ctx, service, method, filters)
    sheet = xlsx.SHEETS[sheet_key]
    at = clock.iso(clock.now())[:16].replace("T", " ")
    subtitle = f"{registry().name(ctx.identity.unit)} 导出于 {at}"
    content = xlsx.build(sheet, rows, subtitle=subtitle)
    return attachment(content, xlsx.CONTENT_TYPE, sheet.filename, f"{sheet.name}.xlsx")


def _register_list_export(sheet_key: str, label: str):
    _service, _method, schema = LISTS[sheet_key]

    def export(ctx):
        return _list_export(ctx, sheet_key)

    export.__name__ = f"export_{sheet_key}_xlsx"
    route(
        "GET",
        f"/api/v1/{sheet_key}.xlsx",
        summary=f"导出{label}（Excel，与列表相同的筛选条件）",
        tag=TAG,
        query=schema,
        produces=xlsx.CONTENT_TYPE,
    )(export)


for _key, _label in (
    ("items", "监督事项清单"),
    ("leads", "问题线索清单"),
    ("problems", "整改问题清单"),
    ("tasks", "整改任务清单"),
):
    _register_list_export(_key, _label)


@route(
    "GET",
    "/api/v1/reports/annual/<int(signed=True):year>.docx",
    summary="年度协同联动监督工作报告（Word，公文格式）",
    tag=TAG,
    query=ReportQuery,
    produces=DOCX,
)
def annual_report(ctx, year):
    if not 2000 <= year <= 2100:
        raise NotFound(f"{year} 年度报告不存在", "not_found")
    who = ctx.identity
    if who.role not in REPORT_ROLES:
        raise Forbidden("年度工作报告仅供人大常委会和协同联动单位查阅", "report_not_allowed")
    calls = {
        f"stats:{name}": (name, "stats", {"year": year})
        for name in ("planning", "leads", "rectification", "research", "sharing")
    }
    calls.update(
        {
            "items": ("planning", "list_items", {"year": year, "limit": PAGE}),
            "circulars": (
                "rectification",
                "list_circulars",
                {"year": year, "status": "issued", "limit": 100},
            ),
            "topics": ("research", "list_topics", {"year": year, "limit": 50}),
        }
    )
    answers = ctx.rpc.gather(calls)
    for answer in answers.values():
        if isinstance(answer, PlatformError) and answer.status == 401:
            raise answer
    stats = {k.split(":", 1)[1]: v for k, v in answers.items() if k.startswith("stats:")}

    def listed(key):
        answer = answers.get(key)
        return answer.get("items") if isinstance(answer, dict) else None

    units = registry()
    organ = f"{units.name(OFFICE_UNIT)}办公室"
    today = clock.today()
    spec = report.build(
        year,
        stats,
        items=listed("items"),
        circulars=listed("circulars"),
        topics=listed("topics"),
        organ=organ,
        number=ctx.query.get("number") or f"区人大办发〔{year}〕  号",
        date=f"{today.year}年{today.month}月{today.day}日",
        coordinating=units.coordinating(),
    )
    content = docx_layout.render(spec)
    return attachment(
        content, DOCX, f"annual-report-{year}.docx", f"{year}年度协同联动监督工作报告.docx"
    )
