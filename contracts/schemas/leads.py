"""Leads (线索共处): requests and answers, for the gateway routes and the leads service's RPCs."""

from marshmallow import ValidationError, fields, validate

from contracts.schemas.base import Answer, ListQuery, QueryYear, StrictSchema, Year
from contracts.schemas.common import CoordinatingUnitId, UnitId

LEAD_STATUSES = ("registered", "transferred", "accepted", "handling", "returned", "concluded")
SENSITIVITIES = ("normal", "sensitive", "secret")
ORIGIN_KINDS = ("finding", "warning", "record", "problem")
DEADLINES = ("accept", "feedback")
MAX_SUMMARY = 5000
MAX_REASON = 2000


def not_blank(value):
    if isinstance(value, str) and not value.strip():
        raise ValidationError("不能为空白")


def clean_text(value):
    """No NUL characters (PostgreSQL refuses them) and no lone surrogates (not UTF-8)."""
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise ValidationError("不能包含空字符 (NUL)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("包含无效的字符编码") from None


def LeadSubject(**kw):  # noqa: N802
    """A supervised unit or an official (free id, bounded), as planning's ``Subject``."""
    return fields.String(validate=[validate.Length(min=1, max=120), not_blank, clean_text], **kw)


def Summary(**kw):  # noqa: N802 - a field factory reads like a field
    return fields.String(
        validate=[validate.Length(min=1, max=MAX_SUMMARY), not_blank, clean_text], **kw
    )


def Category(**kw):  # noqa: N802
    """A category of config ``lead_deadlines``; any other falls back to its ``default``."""
    return fields.String(validate=[validate.Length(min=1, max=40), not_blank, clean_text], **kw)


def Reason(**kw):  # noqa: N802
    """Blank is allowed here so the rule can refuse it with its own code (409)."""
    return fields.String(
        load_default="", validate=[validate.Length(max=MAX_REASON), clean_text], **kw
    )


# -- requests -------------------------------------------------------------------------------


class LeadIn(StrictSchema):
    """POST /api/v1/leads. ``registered_on``: the office entering a clue received earlier (补录);
    ``year``: the work year it counts in (default: the year of its origin finding's item, else
    the year it was registered)."""

    subject = LeadSubject(required=True)
    summary = Summary(required=True)
    category = Category(required=True)
    sensitivity = fields.String(required=True, validate=validate.OneOf(SENSITIVITIES))
    registered_on = fields.Date(load_default=None, allow_none=True)
    year = Year(load_default=None, allow_none=True)


class OriginIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(ORIGIN_KINDS))
    id = fields.String(required=True, validate=[validate.Length(min=1, max=64), clean_text])


class TransferIn(StrictSchema):
    """POST /api/v1/leads/{id}/transfer. ``transferred_on``: office only, a transfer made on paper."""

    to_unit = CoordinatingUnitId(required=True)
    reason = Reason()
    transferred_on = fields.Date(load_default=None, allow_none=True)


class RegisterIn(LeadIn):
    """The ``register_lead`` RPC: a lead by hand, or from a finding or a warning, maybe sent on."""

    origin = fields.Nested(OriginIn, load_default=None, allow_none=True)
    transfer_to = fields.Nested(TransferIn, load_default=None, allow_none=True)


class AcceptIn(StrictSchema):
    note = fields.String(load_default="", validate=[validate.Length(max=MAX_REASON), clean_text])


class ReturnIn(StrictSchema):
    reason = Reason()


class ProgressIn(StrictSchema):
    note = fields.String(
        required=True, validate=[validate.Length(min=1, max=MAX_REASON), not_blank, clean_text]
    )


class FeedbackIn(StrictSchema):
    result = fields.String(load_default="", validate=[validate.Length(max=20_000), clean_text])


class LeadQuery(ListQuery):
    status = fields.String(validate=validate.OneOf(LEAD_STATUSES))
    overdue = fields.Boolean()
    subject = LeadSubject()
    category = Category()
    unit = UnitId()  # the current holder
    year = QueryYear()


class EscalationQuery(ListQuery):
    status = fields.String(
        load_default="open", validate=validate.OneOf(("open", "resolved", "all"))
    )


# -- answers ------------------------------------------------------------------------------


class OriginOut(Answer):
    kind = fields.String()
    id = fields.String()


class DuplicateOut(Answer):
    id = fields.String()
    subject = fields.String()
    summary = fields.String()
    score = fields.Float()
    status = fields.String()
    holder_unit = fields.String()


class HistoryEntry(Answer):
    seq = fields.Integer()
    action = fields.String()
    unit = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    at = fields.String()
    on = fields.String(allow_none=True)
    to_unit = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    result = fields.String(allow_none=True)


class LeadOut(Answer):
    id = fields.String()
    subject = fields.String()
    summary = fields.String()
    category = fields.String()
    sensitivity = fields.String()
    status = fields.String()
    source_unit = fields.String()
    holder_unit = fields.String()
    sender_unit = fields.String(allow_none=True)
    units = fields.List(fields.String())
    registered_on = fields.String()
    year = fields.Integer(allow_none=True)
    transferred_on = fields.String(allow_none=True)
    accepted_on = fields.String(allow_none=True)
    accept_due = fields.String(allow_none=True)
    feedback_due = fields.String(allow_none=True)
    overdue = fields.Boolean()
    overdue_deadline = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    origin = fields.Nested(OriginOut, allow_none=True)
    problem_ids = fields.List(fields.String())
    possible_duplicates = fields.List(fields.Nested(DuplicateOut))
    history = fields.List(fields.Nested(HistoryEntry))
    created_at = fields.String()
    concluded_at = fields.String(allow_none=True)


class EscalationOut(Answer):
    id = fields.String()
    lead_id = fields.String()
    deadline = fields.String()
    due_on = fields.String()
    holder_unit = fields.String()
    source_unit = fields.String()
    subject = fields.String()
    summary = fields.String()
    escalated_at = fields.String()
    resolved_at = fields.String(allow_none=True)


class OverdueCheckOut(Answer):
    escalated = fields.Integer()
    overdue = fields.Integer()
