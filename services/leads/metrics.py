"""Prometheus figures of the leads service (the overdue check sets them)."""

from prometheus_client import Counter, Gauge

from runtime import metrics

LEADS_OVERDUE = Gauge(
    "cosupervise_leads_overdue",
    "Leads past their acceptance or feedback deadline, escalated to the office",
    ["deadline"],
)
LEADS_ESCALATED = Counter(
    "cosupervise_leads_escalated_total",
    "Overdue leads escalated to the office (once per lead and deadline)",
    ["deadline"],
)


def set_overdue(counts: dict[str, int]) -> None:
    for deadline in ("accept", "feedback"):
        LEADS_OVERDUE.labels(deadline).set(counts.get(deadline, 0))
    metrics.OVERDUE.labels("leads", "lead").set(sum(counts.values()))
