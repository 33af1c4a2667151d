"""Auth, identity, the unit registry, health, metrics, OpenAPI, the audit trail, the web client."""

import mimetypes
from pathlib import Path

from marshmallow import fields, validate
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from contracts.errors import Forbidden, NotFound
from contracts.schemas.base import Answer, StrictSchema
from contracts.units import registry
from gateway import auth
from gateway.errors import json_response
from gateway.routing import route

STATIC = Path(__file__).resolve().parent.parent / "static"


class TokenIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=120))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenOut(Answer):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class MeOut(Answer):
    username = fields.String(required=True)
    unit = fields.String(required=True, allow_none=True)
    role = fields.String(required=True)
    unit_name = fields.String()


class UnitOut(Answer):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    supervision_type = fields.String(allow_none=True)


class AuditQuery(StrictSchema):
    entity = fields.String(required=True, validate=validate.Length(min=1, max=100))
    entity_id = fields.String(validate=validate.Length(min=1, max=100))


class AuditEntry(Answer):
    seq = fields.Integer()
    at = fields.String()
    actor = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    entity = fields.String()
    entity_id = fields.String()
    action = fields.String()
    outcome = fields.String()
    service = fields.String()
    hash = fields.String()


@route(
    "POST",
    "/api/v1/auth/token",
    summary="登录，换取访问令牌",
    tag="auth",
    body=TokenIn,
    response=TokenOut,
    auth=False,
)
def token(ctx):
    body = ctx.body
    limits = ctx.config["auth"]
    with ctx.db.read() as session:
        access_token, ttl, _user = auth.login(
            session,
            body["username"],
            body["password"],
            max_failures=int(limits["login_max_failures"]),
            lockout_seconds=int(limits["login_lockout_seconds"]),
        )
    return {"access_token": access_token, "token_type": "bearer", "expires_in": ttl}


@route("GET", "/api/v1/me", summary="当前用户", tag="auth", response=MeOut)
def me(ctx):
    who = ctx.identity
    return {
        "username": who.username,
        "unit": who.unit,
        "role": who.role,
        "unit_name": registry().name(who.unit) if who.unit else None,
    }


@route(
    "GET",
    "/api/v1/units",
    summary="单位名录（1+N 与被监督单位）",
    tag="auth",
    response=UnitOut,
    many=True,
)
def units(ctx):
    items = [u.as_dict() for u in registry().all()]
    return {"items": items, "total": len(items)}


@route(
    "GET",
    "/api/v1/audit",
    summary="实体的审计记录（办公室）",
    tag="audit",
    query=AuditQuery,
    response=AuditEntry,
    many=True,
)
def audit_trail(ctx):
    who = ctx.identity
    if not who.is_office:
        raise Forbidden("只有人大常委会办公室可以查看审计记录", "office_only")
    query = ctx.query
    # `entity=item:item-123` as in API.md, or `entity=item&entity_id=item-123`
    kind, _, entity_id = query["entity"].partition(":")
    entity_id = entity_id or query.get("entity_id")
    if not kind:
        raise NotFound("实体不存在", "not_found")
    payload = {"entity": kind, "entity_id": entity_id or None}
    results = ctx.rpc.gather(
        {name: (name, "audit_trail", payload) for name in available_services()}
    )
    entries, unavailable = [], []
    for name, result in results.items():
        if isinstance(result, Exception):
            unavailable.append(name)  # said, not hidden: the trail may be incomplete
            continue
        entries.extend(result)
    entries.sort(key=lambda e: (e["at"], e["service"], int(e["seq"])))
    for e in entries:
        e["seq"] = int(e["seq"])
    return {"items": entries, "total": len(entries), "unavailable": sorted(unavailable)}


@route("GET", "/healthz", summary="存活探针", tag="ops", auth=False)
def healthz(ctx):
    return {"status": "ok", "service": "gateway"}


@route("GET", "/readyz", summary="就绪探针：所有服务经总线应答时为 200", tag="ops", auth=False)
def readyz(ctx):
    results = ctx.rpc.gather({name: (name, "ping", {}) for name in available_services()})
    checks = {
        name: ("ok" if isinstance(r, dict) else f"error: {r.__class__.__name__}")
        for name, r in results.items()
    }
    ready = all(v == "ok" for v in checks.values())
    return (200 if ready else 503), {"ready": ready, "checks": checks}


def available_services() -> list[str]:
    """Services this installation runs (built ones, or COSUPERVISE_SERVICES)."""
    from runtime.migrations import enabled_services

    return enabled_services()


@route("GET", "/metrics", summary="Prometheus 指标", tag="ops", auth=False, produces="text/plain")
def metrics(ctx):
    return Response(generate_latest(), status=200, headers={"Content-Type": CONTENT_TYPE_LATEST})


@route("GET", "/api/v1/openapi.json", summary="OpenAPI 3 文档", tag="ops", auth=False)
def openapi(ctx):
    from gateway.openapi import document

    return json_response(200, document())


@route("GET", "/", summary="内部网页客户端", tag="web", auth=False, produces="text/html")
def index(ctx):
    return _static_file("index.html")


@route(
    "GET",
    "/static/<path:path>",
    summary="网页客户端静态文件",
    tag="web",
    auth=False,
    produces="application/octet-stream",
)
def static(ctx, path):
    return _static_file(path)


def _static_file(path: str) -> Response:
    full = safe_join(str(STATIC), path)
    if full is None or not Path(full).is_file():
        if path == "index.html":
            return Response(
                "<!doctype html><meta charset=utf-8><title>协同联动监督平台</title>"
                "<p>网页客户端尚未构建。API 见 /api/v1/openapi.json</p>",
                mimetype="text/html",
            )
        raise NotFound("文件不存在", "not_found")
    mimetype = mimetypes.guess_type(full)[0] or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype in ("application/javascript",):
        mimetype += "; charset=utf-8"
    response = Response(Path(full).read_bytes(), headers={"Content-Type": mimetype})
    response.headers["Cache-Control"] = "no-cache"
    return response
