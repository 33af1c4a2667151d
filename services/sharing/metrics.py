"""What the sharing service counts, beside every service's entrypoint metrics."""

from prometheus_client import Counter

RECORDS = Counter(
    "cosupervise_sharing_records_total",
    "Agency records received, by agency and outcome (stored, duplicate, quarantined)",
    ["agency", "outcome"],
)
BATCHES = Counter(
    "cosupervise_sharing_batches_total",
    "Record batches that failed: retried or dead-lettered",
    ["outcome"],
)
WARNINGS = Counter("cosupervise_sharing_warnings_total", "Early warnings raised, by rule", ["rule"])
