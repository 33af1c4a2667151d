"""Rectification (整改共促): requests and answers."""

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.schemas.base import Answer, ListQuery, QueryYear, StrictSchema, Title, Year
from contracts.schemas.common import (
    CoordinatingUnitId,
    Subject,
    UnitId,
    supervised_unit,
    unique_list,
)

SOURCES = (
    "finding",
    "lead",
    "audit_finding",
    "inspection_feedback",
    "environmental_inspection",
    "other",
)
NATURES = ("typical", "common", "tendency", "other")
CIRCULAR_NATURES = ("typical", "common", "tendency", "negative_case")
TASK_STATUSES = ("assigned", "in_progress", "submitted", "verified", "sent_back")
PROBLEM_STATUSES = ("open", "rectifying", "resolved")
CIRCULAR_STATUSES = ("draft", "approved", "issued")
# what a problem may have been created from, and the source each kind implies
ORIGIN_SOURCES = {"finding": "finding", "lead": "lead", "warning": None, "record": None}

_ID = validate.Length(min=1, max=64)


def SupervisedUnitId(**kw):  # noqa: N802 - a field factory reads like a field
    return fields.String(validate=supervised_unit, **kw)


class OriginIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(tuple(ORIGIN_SOURCES)))
    id = fields.String(required=True, validate=_ID)


class ProblemIn(StrictSchema):
    title = Title(required=True)
    # may be empty, as a finding's description may be: to-problem must not trip over it
    description = fields.String(required=True, validate=validate.Length(max=20_000))
    subject = Subject(required=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    nature = fields.String(required=True, validate=validate.OneOf(NATURES))
    origin = fields.Nested(OriginIn, load_default=None, allow_none=True)
    year = Year(load_default=None, allow_none=True)

    @validates_schema
    def _origin_matches_source(self, data, **kwargs):
        origin = data.get("origin")
        implied = ORIGIN_SOURCES.get(origin["kind"]) if origin else None
        if implied and data.get("source") and data["source"] != implied:
            raise ValidationError(
                f"来源为 {origin['kind']} 的问题，source 应为 {implied}", "source"
            )


class ProblemQuery(ListQuery):
    year = QueryYear()
    subject = Subject()
    source = fields.String(validate=validate.OneOf(SOURCES))
    nature = fields.String(validate=validate.OneOf(NATURES))


class TaskIn(StrictSchema):
    responsible_unit = SupervisedUnitId(required=True)
    supervising_units = fields.List(
        CoordinatingUnitId(), required=True, validate=[validate.Length(min=1, max=20), unique_list]
    )
    measures = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    deadline = fields.Date(required=True)


class TaskQuery(ListQuery):
    unit = UnitId()
    overdue = fields.Boolean()
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    problem_id = fields.String(validate=_ID)
    year = QueryYear()


class Evidence(fields.List):
    def __init__(self, **kw):
        super().__init__(
            fields.String(validate=validate.Length(min=1, max=500)),
            validate=validate.Length(max=50),
            **kw,
        )


class ProgressIn(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    evidence = Evidence(load_default=list)


class SubmitIn(StrictSchema):
    """Submitting may carry the last progress note and its evidence in the same request."""

    note = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=20_000)
    )
    evidence = Evidence(load_default=list)


class VerifyIn(StrictSchema):
    opinion = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class SendBackIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class DeadlineIn(StrictSchema):
    deadline = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class HistoryOut(Answer):
    action = fields.String()
    at = fields.String()
    unit = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    evidence = fields.List(fields.String())


class TaskOut(Answer):
    id = fields.String()
    problem_id = fields.String()
    problem_title = fields.String()
    year = fields.Integer()
    subject = fields.String()
    responsible_unit = fields.String()
    supervising_units = fields.List(fields.String())
    measures = fields.String()
    deadline = fields.String()
    status = fields.String()
    overdue = fields.Boolean()
    days_overdue = fields.Integer()
    submitted_late = fields.Boolean()
    round = fields.Integer()
    send_back_reason = fields.String(allow_none=True)
    assigned_by = fields.String()
    created_at = fields.String()
    submitted_at = fields.String(allow_none=True)
    verified_at = fields.String(allow_none=True)
    verified_by = fields.String(allow_none=True)
    progress = fields.List(fields.Nested(HistoryOut))


class OriginOut(Answer):
    kind = fields.String()
    id = fields.String()


class ProblemOut(Answer):
    id = fields.String()
    year = fields.Integer()
    title = fields.String()
    description = fields.String()
    subject = fields.String()
    source = fields.String()
    nature = fields.String()
    origin = fields.Nested(OriginOut, allow_none=True)
    status = fields.String()
    unit = fields.String()
    recorded_by = fields.String()
    created_at = fields.String()
    tasks = fields.List(fields.Nested(TaskOut))
    circular_ids = fields.List(fields.String())


class KeyUnitIn(StrictSchema):
    year = Year(required=True)
    unit = SupervisedUnitId(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class KeyUnitQuery(ListQuery):
    year = QueryYear()


class KeyUnitOut(Answer):
    year = fields.Integer()
    unit = fields.String()
    unit_name = fields.String()
    reason = fields.String()
    selected_by = fields.String()
    selected_at = fields.String()
    reported_at = fields.String(allow_none=True)
    tasks = fields.Integer()
    verified = fields.Integer()
    overdue = fields.Integer()


class ReportIn(StrictSchema):
    summary = fields.String(load_default="", validate=validate.Length(max=20_000))


class KeyUnitReportOut(Answer):
    year = fields.Integer()
    unit = fields.String()
    unit_name = fields.String()
    title = fields.String()
    counts = fields.Dict()
    sections = fields.List(fields.Dict())
    tasks = fields.List(fields.Nested(TaskOut))
    reported_at = fields.String(allow_none=True)
    reported_by = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)


_TERM = fields.String(validate=validate.Length(min=2, max=200))
_NAME = fields.String(validate=validate.Length(min=1, max=40))


class CircularIn(StrictSchema):
    title = Title(required=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=50_000))
    nature = fields.String(required=True, validate=validate.OneOf(CIRCULAR_NATURES))
    problem_ids = fields.List(
        fields.String(validate=_ID),
        load_default=list,
        validate=[validate.Length(max=200), unique_list],
    )
    redact = fields.List(_TERM, load_default=list, validate=[validate.Length(max=200), unique_list])
    names = fields.List(_NAME, load_default=list, validate=[validate.Length(max=200), unique_list])
    recipients = fields.String(load_default="", validate=validate.Length(max=500))
    cc = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    year = Year(load_default=None, allow_none=True)


class CircularQuery(ListQuery):
    status = fields.String(validate=validate.OneOf(CIRCULAR_STATUSES))
    nature = fields.String(validate=validate.OneOf(CIRCULAR_NATURES))
    year = QueryYear()


class CircularOut(Answer):
    id = fields.String()
    year = fields.Integer()
    number = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    nature = fields.String()
    problem_ids = fields.List(fields.String())
    redact = fields.List(fields.String())
    names = fields.List(fields.String())
    recipients = fields.String()
    cc = fields.List(fields.String())
    status = fields.String()
    published = fields.Boolean()
    created_by = fields.String()
    created_at = fields.String()
    approved_at = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True)


class PublicCircularOut(Answer):
    id = fields.String()
    number = fields.String()
    title = fields.String()
    body = fields.String()
    nature = fields.String()
    issuer = fields.String()
    issued_on = fields.String()
    published_at = fields.String()


class PublicQuery(ListQuery):
    pass
