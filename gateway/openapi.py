"""The OpenAPI 3 document, generated from the route table and its marshmallow schemas."""

import functools
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.routing import ROUTES

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
    }},
}
_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>[a-z_]+)>")


def _openapi_path(path: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        conv, name = match.group("conv"), match.group("name")
        schema = {"type": "integer"} if conv == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _PARAM.sub(replace, path), params


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = f"{cls.__module__.split('.')[-1].capitalize()}{cls.__name__}"
    modifiers = getattr(schema, "partial", None) or getattr(schema, "only", None)
    return name + ("Partial" if modifiers else "")


@functools.lru_cache(maxsize=1)
def document() -> dict:
    spec = APISpec(
        title="协同联动监督平台 API", version="1.0.0", openapi_version="3.0.3",
        info={"description": "区人大常委会与协同联动单位（1+N）的监督协同平台。"
                             "错误统一为 {error: {code, message, fields}}。"},
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    spec.components.schema("Error", ERROR)
    paths: dict[str, dict] = {}
    for r in ROUTES:
        path, params = _openapi_path(r.path)
        op: dict = {"summary": r.summary, "tags": [r.tag],
                    "operationId": f"{r.method.lower()}_{r.handler.__name__}"}
        if params:
            op["parameters"] = list(params)
        if r.query is not None:
            op.setdefault("parameters", []).append({"in": "query", "schema": r.query})
        if r.body is not None:
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": r.body}}}
        if r.produces == "application/json":
            if r.response is None:
                content = {"application/json": {"schema": {"type": "object"}}}
            elif r.many:
                content = {"application/json": {"schema": {
                    "type": "object", "required": ["items", "total"],
                    "properties": {"items": {"type": "array", "items": r.response},
                                   "total": {"type": "integer"}}}}}
            else:
                content = {"application/json": {"schema": r.response}}
        else:
            content = {r.produces: {"schema": {"type": "string"}}}
        responses = {str(r.status): {"description": "成功", "content": content}}
        error = {"description": "错误", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
        for status in ("400", "404", "409", "413", "422", "429", "503"):
            responses[status] = error
        if r.auth:
            responses["401"] = error
            responses["403"] = error
            op["security"] = [{"bearer": []}]
        if r.path == "/readyz":
            responses["503"] = {"description": "未就绪", "content": content}
        op["responses"] = responses
        paths.setdefault(path, {})[r.method.lower()] = op
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
