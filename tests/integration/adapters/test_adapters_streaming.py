"""A big file's first batches leave while the rest is still being signed; nothing twice, nothing lost."""

import csv
import time

import pytest

from adapters.finance.mapping import DISBURSEMENT
from adapters.sdk import get_adapter
from adapters.sdk.ingest import STORE_EVERY, ingest_file, outbox_path, process_file
from adapters.sdk.outbox import Outbox
from adapters.sdk.publisher import BATCH_SIZE, Streamer, flush
from contracts.records import load_or_create_private_key

pytestmark = pytest.mark.integration

HEADER = DISBURSEMENT.export_header


def ledger(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            w.writerow(
                [
                    f"CZBF-S-{i:06d}",
                    f"XC-S-{i // 10}",
                    "项目",
                    "衔接资金",
                    "界石镇",
                    "1,000,000.00",
                    "10,000.00",
                    "10,000.00",
                    "50%",
                    "2025-03-10",
                    "",
                ]
            )
    return path


def closed_port_uri():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"amqp://guest:guest@127.0.0.1:{s.getsockname()[1]}/"


def test_a_big_file_arrives_whole_each_record_once(rabbit, var, tmp_path):
    rows = 2 * STORE_EVERY + 37
    path = ledger(tmp_path / "台账.csv", rows)
    report = ingest_file(get_adapter("finance"), path, uri=rabbit.uri, retry_seconds=10)
    assert report.error is None
    assert (report.accepted, report.new, report.published, report.pending) == (rows, rows, rows, 0)
    messages = rabbit.drain()
    ids = [r["record_id"] for _, _, body in messages for r in body.get("records", [])]
    assert len(ids) == len(set(ids)) == rows
    assert max(len(body["records"]) for _, _, body in messages) <= BATCH_SIZE


def test_the_streamer_publishes_what_is_stored_as_soon_as_it_is_woken(rabbit, var, tmp_path):
    rows = 2 * BATCH_SIZE + 200
    path = ledger(tmp_path / "台账.csv", rows)
    box = outbox_path("finance")
    key = load_or_create_private_key("finance")
    with Outbox(box) as outbox:
        process_file(get_adapter("finance"), path, outbox, key)
        streamer = Streamer(box, "finance", rabbit.uri)
        streamer.wake()
        deadline = time.monotonic() + 20
        while outbox.pending_counts()["records"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outbox.pending_counts()["records"] == 0  # sent before anyone flushed
        assert streamer.finish().records_published == rows
    assert len(rabbit.drain()) == 3  # two full batches and the rest


def test_a_streamer_that_cannot_reach_the_broker_leaves_everything_to_the_final_flush(
    rabbit, var, tmp_path
):
    path = ledger(tmp_path / "台账.csv", 700)
    box = outbox_path("finance")
    key = load_or_create_private_key("finance")
    with Outbox(box) as outbox:
        streamer = Streamer(box, "finance", closed_port_uri())
        process_file(get_adapter("finance"), path, outbox, key, on_stored=streamer.wake)
        streamer.wake()
        time.sleep(0.5)
        assert streamer.finish().records_published == 0
        assert outbox.pending_counts()["records"] == 700
        assert flush(outbox, "finance", rabbit.uri, retry_seconds=5).records_published == 700
    ids = [r["record_id"] for _, _, body in rabbit.drain() for r in body.get("records", [])]
    assert len(ids) == len(set(ids)) == 700
