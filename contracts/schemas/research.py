"""Research (课题共研): requests and answers."""

from marshmallow import fields, validate

from contracts.schemas.base import (
    Answer,
    Flag,
    ListQuery,
    QueryYear,
    StrictSchema,
    Text,
    Title,
    Year,
)
from contracts.schemas.common import CoordinatingUnitId, UnitId, unique_list

TOPIC_STATUSES = ("planned", "in_progress", "concluded")
LINK_KINDS = ("item", "problem")
MAX_CONTENT = 200_000  # a final report is long; a bound keeps a bad client from filling the disk


def RefIds(**kw):  # noqa: N802 - a field factory reads like a field
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=[validate.Length(max=50), unique_list],
        **kw,
    )


class TopicIn(StrictSchema):
    year = Year(required=True)
    title = Title(required=True)
    lead_unit = CoordinatingUnitId(required=True)
    participating_units = fields.List(
        CoordinatingUnitId(), required=True, validate=[validate.Length(min=1, max=20), unique_list]
    )
    questions = fields.List(
        fields.String(validate=validate.Length(min=1, max=2000)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    due_on = fields.Date(required=True)
    deliverables = fields.List(Title(), load_default=list, validate=validate.Length(max=20))
    item_ids = RefIds(load_default=list)
    problem_ids = RefIds(load_default=list)


class TopicQuery(ListQuery):
    year = QueryYear()
    status = fields.String(validate=validate.OneOf(TOPIC_STATUSES))
    unit = UnitId()


class OutputIn(StrictSchema):
    title = Title(required=True)
    content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CONTENT))
    final = Flag(load_default=False)


class VersionIn(StrictSchema):
    """A new version of an output; ``final`` omitted leaves the output's final mark as it is."""

    content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CONTENT))
    title = Title()
    final = Flag(load_default=None, allow_none=True)


class LinksIn(StrictSchema):
    """PUT: the whole set of items and problems the topic studies."""

    item_ids = RefIds(load_default=list)
    problem_ids = RefIds(load_default=list)


class LinkIn(StrictSchema):
    """POST: one more item or problem."""

    kind = fields.String(required=True, validate=validate.OneOf(LINK_KINDS))
    id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ConcludeIn(StrictSchema):
    summary = Text(load_default="")


class OutputVersionOut(Answer):
    version = fields.Integer()
    title = fields.String()
    content = fields.String()
    unit = fields.String()
    author = fields.String()
    created_at = fields.String()


class OutputOut(Answer):
    id = fields.String()
    topic_id = fields.String()
    title = fields.String()
    content = fields.String()
    version = fields.Integer()
    final = fields.Boolean()
    unit = fields.String()
    author = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
    versions = fields.List(fields.Nested(OutputVersionOut))


class LinkOut(Answer):
    kind = fields.String()
    id = fields.String()
    title = fields.String()
    subjects = fields.List(fields.String())
    linked_at = fields.String()
    linked_by = fields.String()


class HistoryOut(Answer):
    at = fields.String()
    actor = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    action = fields.String()
    summary = fields.String()
    detail = fields.Dict()


class TopicOut(Answer):
    id = fields.String()
    year = fields.Integer()
    title = fields.String()
    lead_unit = fields.String()
    participating_units = fields.List(fields.String())
    questions = fields.List(fields.String())
    deliverables = fields.List(fields.String())
    due_on = fields.String()
    status = fields.String()
    overdue = fields.Boolean()
    final_output_id = fields.String(allow_none=True)
    item_ids = fields.List(fields.String())
    problem_ids = fields.List(fields.String())
    outputs_count = fields.Integer()
    conclusion = fields.String(allow_none=True)
    created_at = fields.String()
    concluded_at = fields.String(allow_none=True)
    outputs = fields.List(fields.Nested(OutputOut))
    links = fields.List(fields.Nested(LinkOut))
    history = fields.List(fields.Nested(HistoryOut))
