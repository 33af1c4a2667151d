"""Schema conventions: unknown fields refused, bounded strings, errors in Chinese."""

import re

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from contracts.errors import ValidationFailed

MAX_TEXT = 20_000
MAX_TITLE = 200
MAX_OFFSET = 1_000_000_000

_TRANSLATIONS = [
    (r"^Missing data for required field\.$", "必填字段缺失"),
    (r"^Field may not be null\.$", "不能为空"),
    (r"^Unknown field\.$", "不允许的字段"),
    (r"^Not a valid string\.$", "应为字符串"),
    (r"^Not a valid integer\.$", "应为整数"),
    (r"^Not a valid number\.$", "应为数字"),
    (r"^Not a valid boolean\.$", "应为布尔值 (true/false)"),
    (r"^Not a valid date\.$", "日期格式应为 YYYY-MM-DD"),
    (r"^Not a valid datetime\.$", "时间格式应为 ISO 8601"),
    (r"^Not a valid list\.$", "应为列表"),
    (r"^Not a valid mapping type\.$", "应为对象"),
    (r"^Invalid input type\.$", "输入类型错误"),
    (r"^Invalid input type\.?$", "输入类型错误"),
    (r"^Must be one of: (.*)\.$", r"取值应为以下之一：\1"),
    (r"^Length must be between (\d+) and (\d+)\.$", r"长度应在 \1 到 \2 之间"),
    (r"^Shorter than minimum length (\d+)\.$", r"长度不能少于 \1"),
    (r"^Longer than maximum length (\d+)\.$", r"长度不能超过 \1"),
    (
        r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
        r"应在 \1 到 \2 之间",
    ),
    (r"^Invalid value\.$", "取值无效"),
]


def translate(message: str) -> str:
    for pattern, replacement in _TRANSLATIONS:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def flatten(messages, prefix="") -> dict[str, list[str]]:
    """marshmallow's nested messages -> {"field" or "field.0": ["why", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if name == "_schema":
                name = "_body"
            for k, v in flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_body"] = [translate(m) for m in messages]
        else:
            for i, item in enumerate(messages):
                for k, v in flatten(item, f"{prefix}.{i}").items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "_body"] = [translate(str(messages))]
    return out


# C0 controls other than tab and line breaks, DEL, and lone surrogates (invalid Unicode).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _unprintable_fields(value, path="") -> list[str]:
    if isinstance(value, str):
        return [path or "_body"] if _UNPRINTABLE.search(value) else []
    if isinstance(value, dict):
        return [
            f
            for k, v in value.items()
            for f in _unprintable_fields(v, f"{path}.{k}" if path else str(k))
        ]
    if isinstance(value, list):
        return [
            f
            for i, v in enumerate(value)
            for f in _unprintable_fields(v, f"{path}.{i}" if path else str(i))
        ]
    return []


class StrictSchema(Schema):
    """Requests: an unknown field is an error, not silently dropped."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _refuse_unprintable(self, data, **kwargs):
        # Control characters and lone surrogates were stored as given and later broke what
        # renders the text: a circular with "\x02" in its body made its DOCX export a 500
        # (found by tests/security/test_schemathesis.py). Refused at the door instead.
        bad = _unprintable_fields(data) if isinstance(data, (dict, list)) else []
        if bad:
            raise ValidationError({f: ["含有不可见的控制字符或无效的 Unicode 字符"] for f in bad})
        return data


class Answer(Schema):
    """Answers: documented fields; an answer may carry more (API.md allows it)."""

    class Meta:
        unknown = INCLUDE


def load(schema: Schema, data, *, partial=False) -> dict:
    """Validate or raise the contract's 422 with every field and why."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "请求体应为 JSON 对象", "validation_failed", {"_body": ["应为 JSON 对象"]}
        )
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(
            "输入有误，请检查标注的字段", "validation_failed", flatten(exc.messages)
        ) from None


def Title(**kw):  # noqa: N802 - a field factory reads like a field
    return fields.String(validate=validate.Length(min=1, max=MAX_TITLE), **kw)


def Text(**kw):  # noqa: N802
    return fields.String(validate=validate.Length(max=MAX_TEXT), **kw)


def Year(**kw):  # noqa: N802
    return fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100), **kw)


class _JsonBoolean(fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:  # 1 == True in Python: a set of truthy values can't tell
            raise self.make_error("invalid")
        return value


def Flag(**kw):  # noqa: N802
    """A JSON boolean: true or false only (marshmallow's Boolean would also take 1 and "yes")."""
    return _JsonBoolean(**kw)


def QueryYear(**kw):  # noqa: N802
    """A year in a query string: arrives as text, so not strict like a JSON body's year."""
    return fields.Integer(validate=validate.Range(min=2000, max=2100), **kw)


class ListQuery(StrictSchema):
    """Query-string schemas arrive as text: use non-strict fields (QueryYear, not Year)."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    # bounded: an offset past 2**63 reached the database and came back a 500 (OverflowError)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))
