"""Prometheus metrics every service exposes on /metrics."""

import time
import weakref

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge, Histogram

from contracts.errors import PlatformError

CALLS = Counter(
    "cosupervise_entrypoint_calls_total", "Entrypoint calls", ["service", "entrypoint", "outcome"]
)
LATENCY = Histogram(
    "cosupervise_entrypoint_seconds",
    "Entrypoint latency",
    ["service", "entrypoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
VIEW_CACHE = Counter(
    "cosupervise_gateway_view_cache_total",
    "Cross-service views answered from the gateway's cache (hit) or by asking the services",
    ["route", "outcome"],
)
ERRORS = Counter(
    "cosupervise_entrypoint_errors_total",
    "Entrypoint failures (not rule refusals)",
    ["service", "entrypoint", "error"],
)
OUTBOX_BACKLOG = Gauge(
    "cosupervise_outbox_backlog", "Committed events not yet published", ["service"]
)
OUTBOX_PUBLISHED = Counter("cosupervise_outbox_published_total", "Events published", ["service"])
OUTBOX_UNROUTABLE = Counter(
    "cosupervise_outbox_unroutable_total", "Events no queue was bound for", ["service"]
)
EVENTS_DUPLICATE = Counter(
    "cosupervise_events_duplicate_total", "Redelivered events skipped by event_id", ["service"]
)
EVENTS_RETRIED = Counter(
    "cosupervise_events_retried_total", "Failed events retried", ["service", "handler"]
)
EVENTS_DEAD_LETTERED = Counter(
    "cosupervise_events_dead_lettered_total",
    "Events given up after bounded retries",
    ["service", "handler"],
)
OVERDUE = Gauge(
    "cosupervise_overdue", "Overdue matters escalated to the office", ["service", "kind"]
)


class Metrics(DependencyProvider):
    """Counts and times every entrypoint of the service it is declared on."""

    def setup(self):
        self._started = weakref.WeakKeyDictionary()

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        service = self.container.service_name
        name = worker_ctx.entrypoint.method_name
        started = self._started.pop(worker_ctx, None)
        if started is not None:
            LATENCY.labels(service, name).observe(time.perf_counter() - started)
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], PlatformError) and exc_info[1].status < 500:
            outcome = "refused"
        else:
            outcome = "error"
            ERRORS.labels(service, name, type(exc_info[1]).__name__).inc()
        CALLS.labels(service, name, outcome).inc()
