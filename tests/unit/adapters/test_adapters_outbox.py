"""The outbox stores nothing twice and publishes only what the broker confirmed."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.sdk import get_adapter
from adapters.sdk.ingest import process_file
from adapters.sdk.outbox import Outbox, QuarantineEntry
from adapters.sdk.publisher import BrokerUnavailable, _record_batches, flush
from contracts.records import sign_record

KEY = Ed25519PrivateKey.generate()


def signed(i, kind="petition"):
    return sign_record(
        {
            "record_id": f"XF-{i}",
            "type": f"plc.{kind}",
            "subject": "court",
            "occurred_at": "2025-05-06",
            "data": {"i": i},
        },
        KEY,
        "plc",
    )


@pytest.fixture
def box(tmp_path):
    with Outbox(tmp_path / "o.db") as outbox:
        yield outbox


def test_same_record_twice_is_stored_once(box):
    assert box.add_records([(signed(1), "a.csv", 2), (signed(2), "a.csv", 3)]) == (2, 0)
    assert box.add_records([(signed(1), "b.csv", 9), (signed(3), "b.csv", 10)]) == (1, 1)
    assert box.totals()["records"] == 3


def test_same_id_different_kind_are_different_records(box):
    assert box.add_records(
        [(signed(1, "petition"), None, 1), (signed(1, "case_quality"), None, 1)]
    ) == (2, 0)


def test_resending_a_file_stores_nothing_new(samples, box):
    adapter = get_adapter("plc")
    path = samples["plc"] / "broken" / "信访投诉登记表_含错误行.csv"
    first = process_file(adapter, path, box, KEY)
    second = process_file(adapter, path, box, KEY)
    assert (first.new, first.duplicates) == (1, 0)
    assert (second.new, second.duplicates) == (0, 1)
    assert box.totals() == {"records": 1, "records_sent": 0, "quarantine": 6}


def test_quarantine_is_unique_per_file_line_and_reason(box):
    entry = QuarantineEntry(line=3, code="wrong_type", reason="x", raw="a,b")
    assert box.add_quarantine("h1", "f.csv", [entry, entry]) == 1
    assert box.add_quarantine("h2", "f.csv", [entry]) == 1  # changed file: reported again


class FakePublisher:
    """Stands in for the broker (outside this unit): fails while `down`, records what it got."""

    def __init__(self, world):
        self.world = world

    def connect(self):
        if self.world["down"] > 0:
            self.world["down"] -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        return self

    def publish(self, routing_key, body, message_id):
        if self.world.get("fail_after") is not None:
            if self.world["fail_after"] == 0:
                self.world["fail_after"] = None
                raise ConnectionResetError(104, "reset")
            self.world["fail_after"] -= 1
        self.world["sent"].append((routing_key, body))

    def close(self):
        pass


def run_flush(box, world, retry_seconds=30.0, batch_size=500):
    clock = {"t": 0.0}
    sleeps = []

    def sleep(s):
        sleeps.append(s)
        clock["t"] += s

    result = flush(
        box,
        "plc",
        "amqp://unused",
        retry_seconds=retry_seconds,
        batch_size=batch_size,
        sleep=sleep,
        clock=lambda: clock["t"],
        publisher_factory=lambda: FakePublisher(world),
    )
    return result, sleeps


def test_flush_backs_off_while_the_broker_is_away_then_publishes(box):
    box.add_records([(signed(i), None, i) for i in range(5)])
    box.add_quarantine("h", "f.csv", [QuarantineEntry(line=2, code="malformed", reason="x")])
    world = {"down": 3, "sent": []}
    result, sleeps = run_flush(box, world)
    assert sleeps == [0.5, 1.0, 2.0]
    assert (result.records_published, result.quarantine_published, result.retries) == (5, 1, 3)
    keys = [k for k, _ in world["sent"]]
    assert keys == ["plc.quarantine", "plc.petition"]
    body = world["sent"][1][1]
    assert body["adapter"] == "plc" and body["batch_id"] and len(body["records"]) == 5
    assert box.pending_counts() == {"records": 0, "quarantine": 0}


def test_flush_gives_up_after_the_window_and_keeps_everything(box):
    box.add_records([(signed(i), None, i) for i in range(3)])
    world = {"down": 10**6, "sent": []}
    with pytest.raises(BrokerUnavailable) as info:
        run_flush(box, world, retry_seconds=5)
    assert not info.value.permanent
    assert box.pending_counts()["records"] == 3 and world["sent"] == []


def test_broker_lost_mid_way_sends_each_record_once(box):
    box.add_records([(signed(i), None, i) for i in range(10)])
    world = {"down": 0, "sent": [], "fail_after": 2}  # third message fails
    result, _ = run_flush(box, world, batch_size=3)
    ids = [rec["record_id"] for _, body in world["sent"] for rec in body["records"]]
    assert sorted(ids) == sorted(f"XF-{i}" for i in range(10))
    assert len(ids) == len(set(ids)) == 10
    assert result.records_published == 10 and box.pending_counts()["records"] == 0


def test_batches_split_by_type_count_and_bytes(box):
    box.add_records(
        [(signed(i, "petition" if i < 4 else "case_quality"), None, i) for i in range(7)]
    )
    rows = box.unsent_records()
    assert [(t, len(b)) for t, b in _record_batches(rows, 3, 10**6)] == [
        ("plc.petition", 3),
        ("plc.petition", 1),
        ("plc.case_quality", 3),
    ]
    one = len(__import__("json").dumps(rows[0].body, ensure_ascii=False).encode()) + 2
    assert [len(b) for _, b in _record_batches(rows[:4], 500, one * 2)] == [2, 2]
