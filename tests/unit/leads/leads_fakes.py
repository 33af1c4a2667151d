"""Fakes the leads unit tests share: a lead without a database, demo-like identities."""

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from runtime.identity import Identity  # noqa: E402

TODAY = date(2025, 6, 2)
DAYS = {
    "default": {"accept_days": 7, "feedback_days": 30},
    "funds": {"accept_days": 5, "feedback_days": 30},
}


class FakeLead:
    """The attributes the rules work on, without a database."""

    def __init__(self, source="audit", category="funds"):
        self.status = "registered"
        self.source_unit = self.holder_unit = source
        self.sender_unit = None
        self.category = category
        self.registered_on = TODAY
        self.transferred_on = self.accepted_on = None
        self.accept_due = self.feedback_due = None
        self.result = self.concluded_at = None
        self._units = [source]

    @property
    def units(self):
        return list(self._units)

    def involve(self, unit, now):
        if unit not in self._units:
            self._units.append(unit)


def person(unit, role="liaison"):
    return Identity(username=f"{unit}-{role}", unit=unit, role=role)


OFFICE = Identity("office", "npc", "office_admin")
LEADER = Identity("leader", "npc", "viewer")
