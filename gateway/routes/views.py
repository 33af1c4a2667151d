"""Views across services: the dashboard, the trace of a matter, search.

Each gathers one RPC from several services in parallel (``ctx.rpc.gather``, with the RPC
timeout), with the caller's own token: every service answers within the caller's rights, so
the gateway never has to know who may see what.
"""

from marshmallow import ValidationError, fields, validate, validates

from contracts.errors import NotFound, PlatformError, ServiceUnavailable
from contracts.schemas.base import Answer, StrictSchema
from contracts.units import registry
from gateway.routing import route
from gateway.views import dashboard, search, trace
from gateway.views.kinds import OWNER
from runtime.config import SERVICES

TAG = "views"


class DashboardQuery(StrictSchema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))  # text in a query


class SearchQuery(StrictSchema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=search.MAX_Q))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(sorted(OWNER)))

    @validates("q")
    def _not_blank(self, value, **_):
        if not search.clean(value):
            raise ValidationError("请输入要搜索的内容")


class DashboardOut(Answer):
    year = fields.Integer(allow_none=True)
    mechanisms = fields.Dict()
    overdue = fields.Dict()
    per_unit = fields.Dict()
    unavailable = fields.List(fields.String())


class TraceOut(Answer):
    root = fields.Dict()
    nodes = fields.List(fields.Dict())
    edges = fields.List(fields.Dict())
    truncated = fields.Boolean()
    unavailable = fields.List(fields.String())


class SearchHit(Answer):
    kind = fields.String(required=True)
    id = fields.String(required=True)
    title = fields.String()
    service = fields.String()


def gather_all(ctx, method: str, payload: dict) -> dict:
    """{service: answer or exception} from every service, in parallel."""
    return ctx.rpc.gather({name: (name, method, payload) for name in SERVICES})


@route(
    "GET",
    "/api/v1/dashboard",
    summary="工作台：各机制数量、逾期、各单位",
    tag=TAG,
    query=DashboardQuery,
    response=DashboardOut,
    cached=True,
)
def get_dashboard(ctx):
    year = ctx.query.get("year")  # none: every year
    answers = gather_all(ctx, "stats", {"year": year} if year else {})
    _raise_auth_failures(answers)
    names = {u.id: u.name for u in registry().all()}
    return dashboard.merge(year, answers, unit_names=names)


@route(
    "GET",
    "/api/v1/trace/<kind>/<id>",
    summary="追溯一件事：监督事项 → 发现问题 → 线索 → 整改问题 → 整改任务 → 通报（双向）",
    tag=TAG,
    response=TraceOut,
)
def get_trace(ctx, kind, id):
    if kind not in OWNER or not id or len(id) > 64:
        raise NotFound("不支持追溯的对象类型" if kind not in OWNER else "对象不存在", "not_found")

    def lookup(refs):
        calls = {ref: (OWNER[ref[0]], "links", {"kind": ref[0], "id": ref[1]}) for ref in refs}
        # research keeps which topics study an item or a problem: ask it too, in the same fan-out
        calls.update(
            {
                ("studied_by", ref): ("research", "links", {"kind": ref[0], "id": ref[1]})
                for ref in refs
                if ref[0] in STUDIED_KINDS
            }
        )
        answers = ctx.rpc.gather(calls)
        _raise_auth_failures(answers)
        return {
            ref: trace.with_reverse_links(
                _as_link_answer(ref, answers[ref]), answers.get(("studied_by", ref))
            )
            for ref in refs
        }

    result = trace.walk((kind, id), lookup)
    if isinstance(result, trace.Hidden):
        raise NotFound("对象不存在", "not_found")
    if isinstance(result, trace.Unavailable):
        raise ServiceUnavailable(f"服务 {OWNER[kind]} 暂不可用，请稍后重试", "service_unavailable")
    return result.answer()


@route(
    "GET",
    "/api/v1/search",
    summary="跨服务搜索（在本人权限范围内）",
    tag=TAG,
    query=SearchQuery,
    response=SearchHit,
    many=True,
)
def search_all(ctx):
    query = ctx.query
    q = search.clean(query["q"])
    services = [OWNER[query["kind"]]] if "kind" in query else list(SERVICES)
    answers = ctx.rpc.gather(
        {name: (name, "search", {"q": q, "limit": query["limit"]}) for name in services}
    )
    _raise_auth_failures(answers)
    merged = search.merge(q, answers, limit=query["limit"])
    if "kind" in query:
        merged["items"] = [h for h in merged["items"] if h["kind"] == query["kind"]]
        merged["total"] = len(merged["items"])
    return merged


STUDIED_KINDS = ("item", "problem")


def _as_link_answer(ref, answer):
    if isinstance(answer, dict):
        return answer
    if isinstance(answer, NotFound):
        return trace.Hidden()
    if isinstance(answer, PlatformError) and answer.status == 403:
        return trace.Hidden()  # may know it exists, may not read it: nothing to show either
    return trace.Unavailable(OWNER[ref[0]])


def _raise_auth_failures(answers: dict) -> None:
    """A bad token refused by a service is the caller's 401, not a missing section."""
    for answer in answers.values():
        if isinstance(answer, PlatformError) and answer.status == 401:
            raise answer
