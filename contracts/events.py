"""The event envelope and the catalogue of events each service announces.

Names are past-tense facts. Every event travels in the same envelope so consumers can
deduplicate by ``event_id`` and audit who caused it.
"""

import uuid
from datetime import UTC, datetime

from marshmallow import Schema, fields

ENVELOPE_VERSION = 1

# source service -> event types it publishes (payload keys in the comment)
CATALOGUE = {
    "planning": {
        "proposal_submitted": "{proposal}",
        "meeting_held": "{meeting}",
        "plan_created": "{plan}",
        "plan_item_added": "{item}",
        "plan_adopted": "{plan}",
        "implementation_plan_submitted": "{item_id, version}",
        "implementation_plan_approved": "{item_id, version}",
        "staff_dispatched": "{item_id, staff}",
        "item_started": "{item}",
        "milestone_added": "{item_id, milestone}",
        "finding_recorded": "{finding, item}",
        "item_concluded": "{item}",
    },
    "leads": {
        "lead_registered": "{lead}",
        "lead_transferred": "{lead, to_unit, reason}",
        "lead_accepted": "{lead, note}",
        "lead_returned": "{lead, reason}",
        "lead_progressed": "{lead, note}",
        "lead_concluded": "{lead, result}",
        "lead_overdue": "{lead, deadline, due_on}",
    },
    "rectification": {
        "problem_recorded": "{problem}",
        "task_assigned": "{task}",
        "task_progressed": "{task}",
        "task_submitted": "{task}",
        "task_verified": "{task}",
        "task_sent_back": "{task, reason}",
        "task_overdue": "{task}",
        "key_unit_selected": "{year, unit}",
        "circular_issued": "{circular}",
        "circular_published": "{circular}",
    },
    "research": {
        "research_topic_created": "{topic}",
        "research_output_added": "{topic_id, output}",
        "research_topic_concluded": "{topic, final_output}",
    },
    "sharing": {
        "record_received": "{record}",
        "warning_raised": "{warning}",
        "result_reused": "{result_id, unit, purpose}",
    },
}


class EnvelopeSchema(Schema):
    event_id = fields.String(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True)
    occurred_at = fields.String(required=True)
    source_unit = fields.String(required=True, allow_none=True)
    actor = fields.String(required=True, allow_none=True)
    payload = fields.Dict(required=True)


def make_envelope(
    event_type: str, payload: dict, *, actor: str | None, source_unit: str | None
) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "version": ENVELOPE_VERSION,
        "occurred_at": datetime.now(UTC).isoformat(),
        "source_unit": source_unit,
        "actor": actor,
        "payload": payload,
    }


def is_known(source_service: str, event_type: str) -> bool:
    return event_type in CATALOGUE.get(source_service, {})
