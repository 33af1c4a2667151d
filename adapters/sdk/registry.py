"""Which adapter serves an agency: `adapters.<agency>` if it exists, else canonical JSON Lines only.

Adding an agency is a config entry (`units`, `record_kinds`); its own export format is then one
new package `adapters/<agency>/` with an `ADAPTER` — no change to the SDK or any service.
"""

from __future__ import annotations

import importlib

from adapters.sdk import settings
from adapters.sdk.mapping import Adapter
from contracts.records import AGENCY_RE

REFERENCE_AGENCIES = ("cdi", "plc", "inspection", "audit", "finance", "statistics")


class UnknownAgency(Exception):
    pass


def known_agencies() -> list[str]:
    return sorted(set(REFERENCE_AGENCIES) | set(settings.record_kinds()))


def get_adapter(agency: str) -> Adapter:
    if not AGENCY_RE.match(agency or "") or agency not in known_agencies():
        raise UnknownAgency(
            f"未知的单位 {agency!r}；可用：{'、'.join(known_agencies())} (unknown agency)"
        )
    try:
        module = importlib.import_module(f"adapters.{agency}")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"adapters.{agency}",):
            raise
        names = {u["id"]: u.get("name", u["id"]) for u in settings.units()}
        return Adapter(agency=agency, name=names.get(agency, agency), mappers=[])
    return module.ADAPTER
