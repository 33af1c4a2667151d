"""Helpers for the sharing service's integration tests on the real broker: ingest through the
adapters' SDK (as an agency would), publish hand-made batches (as a broken or hostile sender
would), wait for rows. A module of its own name: `conftest` is ambiguous across test folders."""

import json
import time
import uuid
from pathlib import Path

import kombu

from adapters.sdk import get_adapter
from adapters.sdk.ingest import ingest_file
from contracts.records import load_or_create_private_key, sign_record

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = {
    a: ROOT / "adapters" / a / "samples"
    for a in ("cdi", "plc", "inspection", "audit", "finance", "statistics")
}
GOOD_FILES = [
    (agency, path)
    for agency, folder in sorted(SAMPLES.items())
    for path in sorted(folder.glob("*.*"))
]
SAMPLE_RECORDS = 58  # 11+6 finance, 6+9 plc, 5 audit, 5 inspection, 4 cdi, 9+3 statistics


class Bus:
    def __init__(self, platform):
        self.platform = platform
        self.var = platform.config["VAR_DIR"]
        self.uri = platform.config["AMQP_URI"]

    def ingest(self, agency, path, **kw):
        report = ingest_file(
            get_adapter(agency), path, uri=self.uri, var=self.var, retry_seconds=10, **kw
        )
        assert report.error is None, report.error
        return report

    def sign(self, agency, record, key_agency=None):
        key = load_or_create_private_key(key_agency or agency, self.var)
        return sign_record(record, key, agency)

    def publish(self, routing_key, body, *, uri=None, user_id="guest", message_id=None):
        """A raw batch; ``body`` bytes go out as they are (a broken adapter)."""
        payload = (
            body
            if isinstance(body, bytes)
            else json.dumps(body, ensure_ascii=False).encode("utf-8")
        )
        with kombu.Connection(uri or self.uri, transport_options={"confirm_publish": True}) as c:
            producer = kombu.Producer(
                c.channel(),
                exchange=kombu.Exchange("cosupervise.records", type="topic", durable=True),
                auto_declare=False,
            )
            props = {"user_id": user_id} if user_id else {}
            producer.publish(
                payload,
                routing_key=routing_key,
                delivery_mode=2,
                mandatory=True,
                content_type="application/json",
                content_encoding="utf-8",
                message_id=message_id or uuid.uuid4().hex,
                **props,
            )

    def call(self, person, method, payload=None):
        return self.platform.call(person, "sharing", method, payload or {})

    def wait(self, predicate, timeout=20, what="condition"):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; last: {last!r}")

    def records_total(self, person="office", **query):
        return self.call(person, "list_records", {"limit": 1, **query})["total"]

    def wait_records(self, count, **query):
        return self.wait(
            lambda: self.records_total(**query) >= count or None, what=f"{count} records"
        )

    def quarantine(self, person="office", **query):
        return self.call(person, "list_quarantine", {"limit": 500, **query})


def canonical(record_id, subject="town-jieshi", record_type="finance.disbursement", **data):
    return {
        "record_id": record_id,
        "type": record_type,
        "subject": subject,
        "occurred_at": "2025-09-01",
        "data": data or {"amount": 1},
    }
