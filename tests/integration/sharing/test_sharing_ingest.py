"""Adapter → broker → sharing service → rows, on the real broker and both databases."""

import time
from collections import Counter
from urllib.parse import quote

import pytest
import requests
from sharing_support import GOOD_FILES, SAMPLE_RECORDS, SAMPLES, canonical
from sqlalchemy import func, select

from adapters import cli
from adapters.sdk.ingest import outbox_path
from adapters.sdk.outbox import Outbox
from runtime.engine import make_engine
from tests.support import rabbit

pytestmark = pytest.mark.integration


def _count(platform, table):
    from services.sharing.models import Base

    engine = make_engine("sharing", platform.config)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(Base.metadata.tables[table])
            ).scalar_one()
    finally:
        engine.dispose()


def test_every_sample_is_stored_once_with_provenance_and_a_resend_adds_nothing(bus):
    for agency, path in GOOD_FILES:
        bus.ingest(agency, path)
    bus.wait_records(SAMPLE_RECORDS)
    page = bus.call("office", "list_records", {"limit": 500})
    assert page["total"] == SAMPLE_RECORDS
    by_type = Counter(r["type"] for r in page["items"])
    assert by_type["finance.disbursement"] == 11 and by_type["plc.petition"] == 9
    record = next(r for r in page["items"] if r["record_id"] == "CZBF-2025-0342")
    assert record["source_unit"] == "finance" and record["subject"] == "town-jieshi"
    assert record["event_id"] and record["received_at"].endswith("+08:00")
    assert record["occurred_at"] == "2025-07-15T00:00:00+08:00"
    assert record["data"]["disbursed_percent"] == 85.0

    # the adapter sends the whole file again (its confirms lost, say), and the same signed batch
    # arrives twice more straight off the bus: the database keeps each record once
    finance = SAMPLES["finance"] / "乡村振兴衔接资金拨付台账_2025.csv"
    bus.ingest("finance", finance)  # the outbox knows it: publishes nothing new
    with Outbox(outbox_path("finance", bus.var)) as box:
        box.db.execute("UPDATE records SET sent_at = NULL")
    assert (
        cli.main(
            [
                "adapter",
                "finance",
                "publish",
                "--amqp-uri",
                bus.uri,
                "--var",
                bus.var,
                "--retry-seconds",
                "5",
            ]
        )
        == 0
    )
    signed = [bus.sign("finance", canonical("CZBF-2025-0101", amount=5))]
    for _ in range(2):
        bus.publish("finance.disbursement", {"records": signed})
    bus.publish("finance.disbursement", {"records": signed + signed})
    time.sleep(1.0)
    assert bus.records_total() == SAMPLE_RECORDS
    kept = bus.call(
        "office", "list_records", {"subject": "town-jieshi", "type": "finance.disbursement"}
    )
    first = next(r for r in kept["items"] if r["record_id"] == "CZBF-2025-0101")
    assert first["data"]["amount"] == 900000  # the first arrival wins; nothing overwritten
    assert _count(bus.platform, "records") == SAMPLE_RECORDS


def test_sharing_rules_decide_what_each_unit_reads(bus):
    for agency, path in GOOD_FILES:
        bus.ingest(agency, path)
    bus.wait_records(SAMPLE_RECORDS)
    plc = bus.call("plc-liaison", "list_records", {"limit": 500})
    assert {r["type"] for r in plc["items"]} == {
        "statistics.indicator",
        "plc.case_quality",
        "plc.petition",
    }
    assert plc["total"] == 12 + 6 + 9
    # asking for a type it may not read answers nothing, not somebody else's data
    assert bus.call("plc-liaison", "list_records", {"type": "audit.finding"})["total"] == 0
    assert bus.call("court-reporter", "list_records", {})["total"] == 0
    assert (
        bus.call(
            "audit-liaison", "list_records", {"type": "audit.finding", "subject": "town-jieshi"}
        )["total"]
        == 1
    )
    assert bus.call("leader", "list_records", {"limit": 1})["total"] == SAMPLE_RECORDS


def test_the_broker_drops_everyone_mid_file_and_every_record_still_arrives_once(bus, platform):
    """Half-way through a file the broker closes every connection of the vhost — the adapter's
    and the sharing service's consumer alike — and stays away a while; the adapter retries from
    its outbox, the service reconnects, unacked batches come back: each record is stored once."""
    from adapters.sdk import get_adapter
    from adapters.sdk.ingest import process_file
    from adapters.sdk.publisher import Publisher, flush
    from contracts.records import load_or_create_private_key

    vhost = platform.config["AMQP_URI"].rsplit("/", 1)[1]
    auth = rabbit._auth()
    base = rabbit.MANAGEMENT

    def connections():
        r = requests.get(f"{base}/api/vhosts/{vhost}/connections", auth=auth, timeout=10)
        return r.json() if r.ok else []

    with Outbox(outbox_path("plc", bus.var)) as box:
        key = load_or_create_private_key("plc", bus.var)
        for name in ("信访投诉登记表_2025.csv", "案件质量评查台账_2025.csv"):
            process_file(get_adapter("plc"), SAMPLES["plc"] / name, box, key)
        state = {"published": 0, "attempts": 0}

        class DroppingPublisher(Publisher):
            def publish(self, routing_key, body, message_id):
                if state["published"] == 2 and not state.get("dropped"):
                    deadline = time.monotonic() + 15
                    while len(found := connections()) < 2:  # the adapter's and the service's
                        assert time.monotonic() < deadline, "connections never listed"
                        time.sleep(0.2)
                    for conn in found:
                        requests.delete(
                            f"{base}/api/connections/{quote(conn['name'], safe='')}",
                            auth=auth,
                            timeout=10,
                        )
                    state["dropped"] = True
                super().publish(routing_key, body, message_id)
                state["published"] += 1

        def factory():
            state["attempts"] += 1
            if state["attempts"] == 1:
                return DroppingPublisher("plc", bus.uri)
            if state["attempts"] <= 3:
                return Publisher("plc", "amqp://guest:guest@127.0.0.1:1/")  # still away
            return Publisher("plc", bus.uri)

        result = flush(
            box,
            "plc",
            bus.uri,
            batch_size=4,
            retry_seconds=30,
            publisher_factory=factory,
            sleep=lambda s: time.sleep(0.2),
        )
        assert state.get("dropped") and result.retries >= 2
        assert box.pending_counts()["records"] == 0
    total = bus.wait(
        lambda: bus.records_total() >= 15 and bus.records_total(),
        timeout=60,
        what="all 15 records after the broker came back",
    )
    assert total == 15
    assert _count(platform, "records") == 15
    spikes = bus.call("office", "list_warnings", {"rule": "petition_spike"})
    assert spikes["total"] == 1 and spikes["items"][0]["facts"]["count"] == 6
