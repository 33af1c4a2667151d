"""The dashboard: every service's ``stats`` merged into one answer.

A service that does not answer gets ``{"unavailable": true}`` in its section and the rest of
the dashboard still stands: a leader reading figures should not get an error page because one
mechanism is being redeployed.
"""

from gateway.views.kinds import SERVICE_LABELS


def merge(year: int | None, answers: dict, *, unit_names: dict | None = None) -> dict:
    """``answers``: {service: its stats dict, or the exception it failed with}."""
    mechanisms, overdue, per_unit, unavailable = {}, {}, {}, []
    for service, stats in answers.items():
        if not isinstance(stats, dict):
            mechanisms[service] = {"unavailable": True}
            unavailable.append(service)
            continue
        mechanisms[service] = {k: v for k, v in stats.items() if k != "per_unit"}
        overdue[service] = _count(stats.get("overdue"))
        for unit, count in (stats.get("per_unit") or {}).items():
            n = _count(count)
            if n:
                per_unit.setdefault(str(unit), {})[service] = n
    overdue["total"] = sum(overdue.values())
    units = sorted(per_unit, key=lambda u: (-sum(per_unit[u].values()), u))
    return {
        "year": year,
        "mechanisms": mechanisms,
        "labels": {s: SERVICE_LABELS.get(s, s) for s in mechanisms},
        "overdue": overdue,
        "per_unit": {u: per_unit[u] for u in units},
        "unit_names": {u: (unit_names or {}).get(u, u) for u in units},
        "unavailable": unavailable,
    }


def _count(value) -> int:
    """A count may come as a number or as a breakdown ({status: n}); anything else is 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float):
        return max(int(value), 0)
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    return 0


def total(value) -> int:
    return _count(value)
