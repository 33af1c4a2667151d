"""The OpenAPI 3 document, generated from the route table and its marshmallow schemas."""

import functools
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from contracts.records import SUBJECT_RE
from gateway.routing import ROUTES

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>[a-z_]+)>")


def _openapi_path(path: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        conv, name = match.group("conv"), match.group("name")
        schema = {"type": "integer"} if conv == "int" else {"type": "string"}
        if name == "subject":  # a unit id or official:<id>, as the routes check it
            schema["pattern"] = SUBJECT_RE.pattern
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _PARAM.sub(replace, path), params


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = f"{cls.__module__.split('.')[-1].capitalize()}{cls.__name__}"
    modifiers = getattr(schema, "partial", None) or getattr(schema, "only", None)
    return name + ("Partial" if modifiers else "")


def _unit_ids(self, field, **kwargs) -> dict:
    """A unit field names the registry's ids as its enum. Validated by a function the converter
    cannot read, it was documented as any string, so clients (and schemathesis) sent strings
    that were then refused with 422."""
    from contracts.schemas import common
    from contracts.units import registry

    kinds = {
        common.known_unit: None,
        common.coordinating_unit: ("npc", "agency"),
        common.supervised_unit: ("supervised",),
    }
    for validator in getattr(field, "validators", ()):
        if validator in kinds:
            wanted = kinds[validator]
            ids = [u.id for u in registry().all() if wanted is None or u.kind in wanted]
            return {"enum": ids + [None] if kwargs.get("ret", {}).get("nullable") else ids}
    return {}


# What contracts.schemas.base.StrictSchema refuses in any request string (control characters
# other than tab and line breaks), and the same with at least one visible character (not_blank).
_PRINTABLE = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]"
_VISIBLE = "[^\\s\\u0000-\\u001f\\u007f]"
PRINTABLE_TEXT = f"^{_PRINTABLE}*$"
VISIBLE_TEXT = f"^{_PRINTABLE}*{_VISIBLE}{_PRINTABLE}*$"


def _in_request(field) -> bool:
    from contracts.schemas.base import StrictSchema

    parent = getattr(field, "parent", None)
    while parent is not None and not isinstance(parent, Schema):
        parent = getattr(parent, "parent", None)
    return isinstance(parent, StrictSchema)


def _request_text(self, field, **kwargs) -> dict:
    """Document the text rules every request schema enforces, so a client can know them."""
    ret = kwargs.get("ret", {})
    names = {getattr(v, "__name__", "") for v in getattr(field, "validators", ())}
    out = {}
    if isinstance(field, fields.List) and "unique_list" in names:
        out["uniqueItems"] = True
    if (
        isinstance(field, fields.String)
        and _in_request(field)
        and not ({"pattern", "enum", "format"} & set(ret))
    ):
        out["pattern"] = VISIBLE_TEXT if "not_blank" in names else PRINTABLE_TEXT
    return out


@functools.lru_cache(maxsize=1)
def document() -> dict:
    marshmallow_plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="协同联动监督平台 API",
        version="1.0.0",
        openapi_version="3.0.3",
        info={
            "description": "区人大常委会与协同联动单位（1+N）的监督协同平台。"
            "错误统一为 {error: {code, message, fields}}。"
        },
        plugins=[marshmallow_plugin],
    )
    marshmallow_plugin.converter.add_attribute_function(_unit_ids)
    marshmallow_plugin.converter.add_attribute_function(_request_text)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    spec.components.schema("Error", ERROR)
    paths: dict[str, dict] = {}
    for r in ROUTES:
        path, params = _openapi_path(r.path)
        op: dict = {
            "summary": r.summary,
            "tags": [r.tag],
            "operationId": f"{r.method.lower()}_{r.handler.__name__}",
        }
        if params:
            op["parameters"] = list(params)
        if r.query is not None:
            op.setdefault("parameters", []).append({"in": "query", "schema": r.query})
        if r.body is not None:
            # an empty body reads as {}: it is optional where no field is required
            required = any(f.required for f in r.body().fields.values())
            op["requestBody"] = {
                "required": required,
                "content": {"application/json": {"schema": r.body}},
            }
        if r.produces == "application/json":
            if r.response is None:
                content = {"application/json": {"schema": {"type": "object"}}}
            elif r.many:
                content = {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["items", "total"],
                            "properties": {
                                "items": {"type": "array", "items": r.response},
                                "total": {"type": "integer"},
                            },
                        }
                    }
                }
            else:
                content = {"application/json": {"schema": r.response}}
        else:
            content = {r.produces: {"schema": {"type": "string"}}}
        responses = {str(r.status): {"description": "成功", "content": content}}
        error = {
            "description": "错误",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in ("400", "404", "409", "413", "422", "429", "503"):
            responses[status] = error
        if r.auth:
            responses["401"] = error
            responses["403"] = error
            op["security"] = [{"bearer": []}]
        elif r.body is not None:
            responses["401"] = error  # a public route taking credentials (login) refuses them
        if r.path == "/readyz":
            responses["503"] = {"description": "未就绪", "content": content}
        op["responses"] = responses
        paths.setdefault(path, {})[r.method.lower()] = op
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
