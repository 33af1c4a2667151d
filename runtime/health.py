"""/healthz, /readyz and /metrics for every service process (the probes Kubernetes uses)."""

import json

from kombu import Connection
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from werkzeug.wrappers import Response


def _json(status, body):
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )


class HealthEntrypoints:
    """Mixed into a service class that has ``db`` (runtime.db.Database), ``config`` and ``name``."""

    @http("GET", "/healthz")
    def healthz(self, request):
        return _json(200, {"status": "ok", "service": self.name})

    @http("GET", "/readyz")
    def readyz(self, request):
        checks = {}
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported to the probe
            checks["database"] = f"error: {exc.__class__.__name__}"
        try:
            with Connection(self.config["AMQP_URI"], connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {exc.__class__.__name__}"
        ready = all(v == "ok" for v in checks.values())
        return _json(
            200 if ready else 503, {"ready": ready, "service": self.name, "checks": checks}
        )

    @http("GET", "/metrics")
    def metrics_endpoint(self, request):
        return Response(
            generate_latest(), status=200, headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
