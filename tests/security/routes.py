"""Every operation of the OpenAPI document, made callable: path parameters filled with real ids
of the demo (as the office sees them), and a plausible body built from the documented schema.
"""

import re
from dataclasses import dataclass

YEAR = 2025
SUBJECT = "town-jieshi"
# the collection a path segment's `{id}` belongs to
COLLECTION = {
    "items": "item",
    "leads": "lead",
    "findings": "finding",
    "problems": "problem",
    "tasks": "task",
    "circulars": "circular",
    "research-topics": "topic",
    "records": "record",
    "warnings": "warning",
    "results": "result",
    "notifications": "notification",
}


@dataclass
class Operation:
    method: str
    template: str
    path: str
    auth: bool
    body: dict | None

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    def __str__(self):
        return f"{self.method} {self.template}"


def demo_ids(office, base) -> dict:
    """One real id of each kind, looked up as the office (who sees everything)."""

    def first(path, **params):
        r = office.get(f"{base}{path}", params={"limit": 50, **params}, timeout=30)
        r.raise_for_status()
        items = r.json().get("items") or []
        return items

    ids = {}
    items = first("/api/v1/items", year=YEAR)
    ids["item"] = items[0]["id"]
    for item in items:
        detail = office.get(f"{base}/api/v1/items/{item['id']}", timeout=30).json()
        if detail.get("findings"):
            ids["finding"] = detail["findings"][0]["id"]
            break
    for kind, path in (
        ("lead", "/api/v1/leads"),
        ("problem", "/api/v1/problems"),
        ("task", "/api/v1/tasks"),
        ("circular", "/api/v1/circulars"),
        ("record", "/api/v1/records"),
        ("warning", "/api/v1/warnings"),
        ("result", "/api/v1/results"),
        ("notification", "/api/v1/notifications"),
    ):
        found = first(path)
        ids[kind] = found[0]["id"] if found else "absent-0"
    topics = first("/api/v1/research-topics", year=YEAR)
    ids["topic"] = topics[0]["id"]
    outputs = first(f"/api/v1/research-topics/{ids['topic']}/outputs")
    ids["output"] = outputs[0]["id"] if outputs else "absent-0"
    key_units = first("/api/v1/key-units", year=YEAR)
    ids["key_unit"] = key_units[0]["unit"] if key_units else "court"
    return ids


def fill(template: str, ids: dict) -> str | None:
    if "{path}" in template:
        return None  # static files: not an API resource
    segments = template.split("/")
    out = []
    for i, seg in enumerate(segments):
        name = re.fullmatch(r"\{(\w+)\}(\.\w+)?", seg)
        if not name:
            out.append(seg)
            continue
        param, suffix = name.group(1), name.group(2) or ""
        before = segments[i - 1]
        if param == "year":
            value = str(YEAR)
        elif param == "unit":
            value = ids["key_unit"]
        elif param == "subject":
            value = SUBJECT
        elif param == "kind":
            value = "lead"
        elif param == "output_id":
            value = ids["output"]
        elif before in COLLECTION:
            value = ids[COLLECTION[before]]
        elif before == "trace" or segments[i - 2] == "trace":
            value = ids["lead"]
        else:
            raise AssertionError(f"no demo value for {param} in {template}")
        out.append(value + suffix)
    return "/".join(out)


def example(schema: dict, components: dict, depth: int = 0):
    """A plausible value for a JSON schema: what a careful client would send."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[1]], components, depth)
    if "allOf" in schema:
        return example(schema["allOf"][0], components, depth)
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        return values[-1] if values else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = schema.get("required", [])
        return {
            k: example(v, components, depth + 1)
            for k, v in props.items()
            if k in required or depth == 0 and not v.get("readOnly")
        }
    if kind == "array":
        count = max(1, schema.get("minItems", 0))
        return [example(schema.get("items", {}), components, depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(schema.get("minimum", YEAR), min(YEAR, schema.get("maximum", YEAR)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-12-31"
    if schema.get("format") == "date-time":
        return "2026-12-31T09:00:00+08:00"
    text = "权限矩阵测试"
    return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "测")


def operations(document: dict, ids: dict) -> list[Operation]:
    components = document.get("components", {}).get("schemas", {})
    ops = []
    for template, methods in document["paths"].items():
        path = fill(template, ids)
        if path is None:
            continue
        for method, op in methods.items():
            body = None
            if "requestBody" in op:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                body = example(schema, components)
            ops.append(Operation(method.upper(), template, path, bool(op.get("security")), body))
    return ops
