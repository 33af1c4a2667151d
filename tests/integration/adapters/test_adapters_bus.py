"""Adapters against the real broker: every sample arrives, once, even when the broker goes away."""

import socket
import time
from collections import Counter

import amqp.exceptions
import kombu
import pytest

from adapters import cli
from adapters.sdk import get_adapter
from adapters.sdk.ingest import outbox_path, process_file
from adapters.sdk.outbox import Outbox
from adapters.sdk.publisher import BrokerUnavailable, Publisher, ensure_topology, flush
from contracts.records import (
    FilePublicKeys,
    load_or_create_private_key,
    verify_manifest,
    verify_manifest_record,
)

pytestmark = pytest.mark.integration

GOOD_FILES = [
    (agency, path)
    for agency, folder in sorted(__import__("conftest").SAMPLES.items())
    for path in sorted(folder.glob("*.*"))
]


def closed_port_uri():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"amqp://guest:guest@127.0.0.1:{port}/"


def records_of(messages):
    return [rec for key, _, body in messages if "records" in body for rec in body["records"]]


def ingest_all(rabbit, files, *extra):
    return [
        cli.main(
            [
                "adapter",
                agency,
                "ingest",
                str(path),
                "--amqp-uri",
                rabbit.uri,
                "--retry-seconds",
                "5",
                *extra,
            ]
        )
        for agency, path in files
    ]


def test_every_sample_arrives_signed_and_resending_adds_nothing(rabbit, var):
    assert ingest_all(rabbit, GOOD_FILES) == [0] * len(GOOD_FILES)
    messages = rabbit.drain()
    records = records_of(messages)
    for agency, _ in GOOD_FILES:
        with Outbox(outbox_path(agency)) as box:
            assert box.pending_counts() == {"records": 0, "quarantine": 0}
    assert len(records) == 58  # 11+6 finance, 6+9 plc, 5 audit, 5 inspection, 4 cdi, 9+3 stats
    assert len({(r["source_unit"], r["record_id"]) for r in records}) == 58
    keys = FilePublicKeys(var)
    for key, props, body in messages:
        assert props["user_id"] == "guest" and props["delivery_mode"] == 2
        assert props["content_type"] == "application/json" and body["batch_id"]
        # one signed manifest per message; each record matches its digest
        digests = verify_manifest(body["manifest"], len(body["records"]), body["adapter"], keys)
        for rec, digest in zip(body["records"], digests, strict=True):
            assert key == rec["type"] and body["adapter"] == rec["source_unit"]
            assert "signature" not in rec
            verify_manifest_record(rec, digest, body["manifest"]["key_id"])
    by_type = Counter(r["type"] for r in records)
    assert by_type == {
        "finance.disbursement": 11,
        "finance.budget_execution": 6,
        "plc.case_quality": 6,
        "plc.petition": 9,
        "audit.finding": 5,
        "inspection.feedback": 5,
        "cdi.case_concluded": 4,
        "statistics.indicator": 12,
    }

    # Send every file again: nothing is stored or published twice.
    assert ingest_all(rabbit, GOOD_FILES) == [0] * len(GOOD_FILES)
    assert rabbit.drain() == []


def test_broken_samples_publish_quarantine_reports_and_good_rows(rabbit, var, samples):
    broken = [
        (a, p)
        for a, folder in sorted(samples.items())
        for p in sorted((folder / "broken").glob("*.*"))
    ]
    assert len(broken) == 6
    assert ingest_all(rabbit, broken) == [0] * 6
    messages = rabbit.drain()
    reports = {key: body for key, _, body in messages if key.endswith(".quarantine")}
    assert set(reports) == {f"{a}.quarantine" for a, _ in broken}
    counts = {key: len(body["quarantine"]) for key, body in reports.items()}
    assert counts == {
        "finance.quarantine": 6,
        "plc.quarantine": 6,
        "audit.quarantine": 4,
        "inspection.quarantine": 3,
        "cdi.quarantine": 3,
        "statistics.quarantine": 7,
    }
    for key, body in reports.items():
        assert body["adapter"] == key.split(".")[0]
        for entry in body["quarantine"]:
            assert entry["line"] > 1 and entry["reason"] and entry["code"] and entry["file"]
    assert len(records_of(messages)) == 6  # one good row in each broken file
    assert ingest_all(rabbit, broken) == [0] * 6
    assert rabbit.drain() == []  # neither the rows nor the reports are sent twice


def test_broker_away_then_back_every_record_once(rabbit, var, samples):
    path = samples["finance"] / "乡村振兴衔接资金拨付台账_2025.csv"
    code = cli.main(
        [
            "adapter",
            "finance",
            "ingest",
            str(path),
            "--amqp-uri",
            closed_port_uri(),
            "--retry-seconds",
            "1",
        ]
    )
    assert code == 3
    with Outbox(outbox_path("finance")) as box:
        assert box.pending_counts()["records"] == 11
    assert rabbit.drain() == []
    # A later run (here: the same file again) publishes what waited in the outbox.
    assert cli.main(["adapter", "finance", "ingest", str(path), "--amqp-uri", rabbit.uri]) == 0
    ids = [r["record_id"] for r in records_of(rabbit.drain())]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 11


def test_broker_lost_half_way_through_a_file(rabbit, var, samples):
    """The broker drops the connection after two batches, is away for a while, then returns."""
    agency = "plc"
    key = load_or_create_private_key(agency)
    with Outbox(outbox_path(agency)) as box:
        process_file(get_adapter(agency), samples[agency] / "信访投诉登记表_2025.csv", box, key)
        process_file(get_adapter(agency), samples[agency] / "案件质量评查台账_2025.csv", box, key)
        assert box.pending_counts()["records"] == 15
        state = {"published": 0, "attempts": 0}

        class DroppingPublisher(Publisher):
            def publish(self, routing_key, body, message_id):
                if state["published"] == 2:
                    # The broker closes our connection (as when it is stopped). The management
                    # API lists a new connection after its next stats tick: wait for it.
                    deadline = time.monotonic() + 15
                    while not (conns := rabbit.api("GET", f"vhosts/{rabbit.vhost}/connections")):
                        assert time.monotonic() < deadline, "connection never listed"
                        time.sleep(0.2)
                    for conn in conns:
                        rabbit.api("DELETE", f"connections/{conn['name']}")
                    state["dropped"] = True
                    time.sleep(0.2)
                    state["published"] += 1
                super().publish(routing_key, body, message_id)
                state["published"] += 1

        def factory():
            state["attempts"] += 1
            if state["attempts"] == 1:
                return DroppingPublisher(agency, rabbit.uri)
            if state["attempts"] <= 3:
                return Publisher(agency, closed_port_uri())  # still away
            return Publisher(agency, rabbit.uri)

        result = flush(
            box,
            agency,
            rabbit.uri,
            batch_size=4,
            retry_seconds=30,
            publisher_factory=factory,
            sleep=lambda s: None,
        )
        assert state.get("dropped") and result.retries >= 3
        assert box.pending_counts()["records"] == 0
    records = records_of(rabbit.drain())
    ids = Counter((r["source_unit"], r["record_id"]) for r in records)
    assert len(ids) == 15 and set(ids.values()) == {1}


def test_wrong_password_is_refused_at_once(rabbit, var):
    with Outbox(outbox_path("cdi")) as box:
        uri = rabbit.uri.replace("guest:guest", "guest:wrong")
        with pytest.raises(BrokerUnavailable) as info:
            flush(box, "cdi", uri, retry_seconds=30)
        assert info.value.permanent


def test_queue_declared_before_any_consumer_exists(rabbit, var):
    with kombu.Connection(rabbit.uri) as conn:
        ensure_topology(conn)
        ensure_topology(conn)  # idempotent, passive when present
    queue = rabbit.api("GET", f"queues/{rabbit.vhost}/sharing.records")
    assert queue["durable"] is True
    bindings = rabbit.api("GET", f"queues/{rabbit.vhost}/sharing.records/bindings")
    assert {"cosupervise.records": "#"}.items() <= {
        b["source"]: b["routing_key"] for b in bindings if b["source"]
    }.items()


def test_unroutable_publish_is_not_marked_sent(rabbit, var):
    """mandatory: if the queue vanished, the batch is not confirmed as delivered."""
    publisher = Publisher("cdi", rabbit.uri).connect()
    try:
        rabbit.api("DELETE", f"queues/{rabbit.vhost}/sharing.records")
        with pytest.raises(amqp.exceptions.ChannelError, match="NO_ROUTE"):
            publisher.publish("cdi.case_concluded", {"records": []}, "m1")
    finally:
        publisher.close()


def test_flush_redeclares_a_deleted_queue_and_delivers(rabbit, var, samples):
    with Outbox(outbox_path("cdi")) as box:
        process_file(
            get_adapter("cdi"),
            samples["cdi"] / "已结案件信息表_2025.csv",
            box,
            load_or_create_private_key("cdi"),
        )
        with kombu.Connection(rabbit.uri) as conn:
            ensure_topology(conn)
        rabbit.api("DELETE", f"queues/{rabbit.vhost}/sharing.records")
        assert flush(box, "cdi", rabbit.uri, retry_seconds=5).records_published == 4
    assert len(records_of(rabbit.drain())) == 4
