"""Sharing (信息共享 · 成果共用): requests and answers."""

from marshmallow import ValidationError, fields, validate

from contracts.records import SUBJECT_RE, TYPE_RE
from contracts.schemas.base import Answer, ListQuery, StrictSchema
from contracts.schemas.common import CoordinatingUnitId, UnitId

WARNING_STATUSES = ("open", "converting", "converted", "dismissed")
RESULT_KINDS = ("item_conclusion", "research_output", "circular")
SENSITIVITIES = ("normal", "sensitive", "secret")


def not_blank(value):
    if isinstance(value, str) and not value.strip():
        raise ValidationError("不能为空白")


def SubjectId(**kw):  # noqa: N802 - a field factory reads like a field
    """A supervised unit's id or ``official:<id>``, as the agencies' records name them."""
    return fields.String(
        validate=validate.Regexp(SUBJECT_RE, error="监督对象应为单位编号或 official:<编号>"), **kw
    )


def RecordType(**kw):  # noqa: N802
    return fields.String(
        validate=validate.Regexp(TYPE_RE, error="数据类型应为 <单位>.<种类>，如 audit.finding"),
        **kw,
    )


# -- requests -------------------------------------------------------------------------------


class RecordQuery(ListQuery):
    subject = SubjectId()
    type = RecordType()
    source_unit = UnitId()


class PortraitQuery(StrictSchema):
    subject = SubjectId(required=True)
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=2000))


class WarningQuery(ListQuery):
    status = fields.String(validate=validate.OneOf(WARNING_STATUSES))
    subject = SubjectId()
    rule = fields.String(validate=validate.Length(min=1, max=60))


class ToLeadIn(StrictSchema):
    """POST /api/v1/warnings/{id}/to-lead. Category defaults to the rule's own."""

    to_unit = CoordinatingUnitId(required=True)
    category = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(min=1, max=40), not_blank]
    )
    sensitivity = fields.String(load_default="normal", validate=validate.OneOf(SENSITIVITIES))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class DismissIn(StrictSchema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank])


class ResultQuery(ListQuery):
    kind = fields.String(validate=validate.OneOf(RESULT_KINDS))
    q = fields.String(validate=validate.Length(min=1, max=100))


class ReuseIn(StrictSchema):
    purpose = fields.String(required=True, validate=[validate.Length(min=1, max=2000), not_blank])


class QuarantineQuery(ListQuery):
    source_unit = UnitId()
    code = fields.String(validate=validate.Length(min=1, max=40))


# -- answers --------------------------------------------------------------------------------


class RecordOut(Answer):
    id = fields.String()
    record_id = fields.String()
    type = fields.String()
    subject = fields.String()
    occurred_at = fields.String()
    data = fields.Dict()
    title = fields.String()
    source_unit = fields.String()
    event_id = fields.String()
    received_at = fields.String()


class QuarantineOut(Answer):
    id = fields.String()
    source_unit = fields.String(allow_none=True)
    record_id = fields.String(allow_none=True)
    type = fields.String(allow_none=True)
    code = fields.String()
    reason = fields.String()
    origin = fields.String()
    received_at = fields.String()


class WarningOut(Answer):
    id = fields.String()
    rule = fields.String()
    rule_name = fields.String()
    title = fields.String()
    subject = fields.String()
    status = fields.String()
    explanation = fields.String()
    records = fields.List(fields.Nested(RecordOut))
    evidence = fields.List(fields.Dict())
    lead_id = fields.String(allow_none=True)
    raised_at = fields.String()


class ReuseOut(Answer):
    id = fields.String()
    result_id = fields.String()
    unit = fields.String()
    user = fields.String()
    purpose = fields.String()
    at = fields.String()


class ResultOut(Answer):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    content = fields.String()
    source_unit = fields.String(allow_none=True)
    origin = fields.Dict()
    reuses = fields.List(fields.Nested(ReuseOut))
    created_at = fields.String()


class PortraitOut(Answer):
    subject = fields.String()
    subject_name = fields.String()
    facts = fields.List(fields.Nested(RecordOut))
    facts_total = fields.Integer()
    # how many leads, problems and tasks there are in all (the lists hold the newest 30)
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    timeline = fields.List(fields.Dict())
    items = fields.List(fields.Dict())
    findings = fields.List(fields.Dict())
    leads = fields.List(fields.Dict())
    tasks = fields.List(fields.Dict())
    problems = fields.List(fields.Dict())
    circulars = fields.List(fields.Dict())
    topics = fields.List(fields.Dict())
    warnings = fields.List(fields.Nested(WarningOut))
    sections = fields.Dict()
    unavailable = fields.List(fields.String())
