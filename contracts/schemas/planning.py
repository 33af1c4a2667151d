"""Planning (计划共商 · 工作共推): requests and answers."""

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
from contracts.schemas.common import CoordinatingUnitId, Subject, UnitId, unique_list

CONCERN_SOURCES = ("party_government", "deputies", "public", "npc_key_work")
ITEM_FORMS = ("joint_supervision", "law_enforcement_inspection", "special_governance")
ITEM_STATUSES = ("planned", "in_progress", "concluded", "cancelled")
PLAN_STATUSES = ("draft", "adopted")


class ProposalIn(StrictSchema):
    year = Year(required=True)
    title = Title(required=True)
    rationale = Text(required=True)
    concern_source = fields.String(required=True, validate=validate.OneOf(CONCERN_SOURCES))


class ProposalOut(Answer):
    year = fields.Integer()
    title = fields.String()
    rationale = fields.String()
    concern_source = fields.String()
    id = fields.String()
    unit = fields.String()
    proposed_by = fields.String()
    created_at = fields.String()


class ProposalQuery(ListQuery):
    year = QueryYear()


class MeetingIn(StrictSchema):
    year = Year(required=True)
    held_on = fields.Date(required=True)
    attending_units = fields.List(
        CoordinatingUnitId(), required=True, validate=[validate.Length(min=1, max=50), unique_list]
    )
    proposal_ids = fields.List(
        fields.String(validate=validate.Length(max=40)),
        load_default=list,
        validate=[validate.Length(max=200), unique_list],
    )
    minutes = Text(required=True)
    decisions = fields.List(Text(), load_default=list, validate=validate.Length(max=100))


class MeetingOut(Answer):
    id = fields.String()
    year = fields.Integer()
    held_on = fields.String()
    attending_units = fields.List(fields.String())
    proposal_ids = fields.List(fields.String())
    minutes = fields.String()
    decisions = fields.List(fields.String())
    created_at = fields.String()


class PlanIn(StrictSchema):
    year = Year(required=True)


class ItemIn(StrictSchema):
    title = Title(required=True)
    form = fields.String(required=True, validate=validate.OneOf(ITEM_FORMS))
    lead_unit = CoordinatingUnitId(required=True, allow_none=True)
    participating_units = fields.List(
        CoordinatingUnitId(), load_default=list, validate=[validate.Length(max=20), unique_list]
    )
    key = Flag(load_default=False)
    description = Text(load_default="")
    subjects = fields.List(
        Subject(), load_default=list, validate=[validate.Length(max=50), unique_list]
    )
    proposal_ids = fields.List(
        fields.String(validate=validate.Length(max=40)),
        load_default=list,
        validate=validate.Length(max=50),
    )


class ImplementationPlanIn(StrictSchema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=50_000))


class ImplementationPlanVersion(Answer):
    version = fields.Integer()
    content = fields.String()
    author = fields.String()
    unit = fields.String()
    created_at = fields.String()
    approved = fields.Boolean()
    approved_at = fields.String(allow_none=True)
    approved_by = fields.String(allow_none=True)


class ImplementationPlanOut(Answer):
    current_version = fields.Integer(allow_none=True)
    approved = fields.Boolean()
    content = fields.String(allow_none=True)
    versions = fields.List(fields.Nested(ImplementationPlanVersion))


class StaffIn(StrictSchema):
    unit = UnitId(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    role = fields.String(required=True, validate=validate.Length(min=1, max=60))


class StaffOut(Answer):
    unit = fields.String()
    name = fields.String()
    role = fields.String()
    id = fields.String()
    dispatched_at = fields.String()


class MilestoneIn(StrictSchema):
    title = Title(required=True)
    owner_unit = UnitId(required=True)
    due_on = fields.Date(required=True)


class MilestoneOut(Answer):
    id = fields.String()
    title = fields.String()
    owner_unit = fields.String()
    due_on = fields.String()
    done_on = fields.String(allow_none=True)
    overdue = fields.Boolean()


class ProgressIn(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    milestone_id = fields.String(load_default=None, allow_none=True)
    done = Flag(load_default=False)


class FindingIn(StrictSchema):
    title = Title(required=True)
    description = Text(required=True)
    subject = Subject(required=True)


class FindingOut(Answer):
    id = fields.String()
    item_id = fields.String()
    title = fields.String()
    description = fields.String()
    subject = fields.String()
    unit = fields.String()
    recorded_by = fields.String()
    created_at = fields.String()
    lead_ids = fields.List(fields.String())
    problem_ids = fields.List(fields.String())


class ConcludeIn(StrictSchema):
    conclusion = fields.String(required=True, validate=validate.Length(min=1, max=50_000))


class CancelIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ItemOut(Answer):
    id = fields.String()
    year = fields.Integer()
    seq = fields.Integer()
    title = fields.String()
    form = fields.String()
    lead_unit = fields.String(allow_none=True)
    participating_units = fields.List(fields.String())
    key = fields.Boolean()
    status = fields.String()
    description = fields.String()
    subjects = fields.List(fields.String())
    proposal_ids = fields.List(fields.String())
    conclusion = fields.String(allow_none=True)
    implementation_plan = fields.Nested(ImplementationPlanOut)
    staff = fields.List(fields.Nested(StaffOut))
    milestones = fields.List(fields.Nested(MilestoneOut))
    findings = fields.List(fields.Nested(FindingOut))
    progress = fields.List(fields.Dict())
    missing_staff = fields.List(fields.String())
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    concluded_at = fields.String(allow_none=True)


class PlanOut(Answer):
    year = fields.Integer()
    status = fields.String()
    adopted_at = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ItemOut))


class ItemQuery(ListQuery):
    year = QueryYear()
    status = fields.String(validate=validate.OneOf(ITEM_STATUSES))
    unit = UnitId()
    subject = Subject()


class ToLeadIn(StrictSchema):
    to_unit = CoordinatingUnitId(required=True)
    category = fields.String(load_default="default", validate=validate.Length(max=40))
    sensitivity = fields.String(
        load_default="normal", validate=validate.OneOf(("normal", "sensitive", "secret"))
    )


class ToProblemIn(StrictSchema):
    nature = fields.String(
        required=True, validate=validate.OneOf(("typical", "common", "tendency", "other"))
    )
