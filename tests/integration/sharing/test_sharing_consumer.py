"""The records consumer loses nothing and does not loop on a poison batch."""

import json
import time

import kombu
import pytest
from sharing_support import canonical

from runtime.topology import DEAD_LETTER_QUEUE, RECORDS_QUEUE
from services.sharing import store
from tests.support import rabbit

pytestmark = pytest.mark.integration


def _letters(uri):
    out = []
    with kombu.Connection(uri) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(queue=DEAD_LETTER_QUEUE, no_ack=False)) is not None:
            out.append(json.loads(message.body))
            channel.basic_ack(message.delivery_tag)
    return out


@pytest.fixture
def failing(monkeypatch):
    """Make storing fail for batches holding a given record id, a given number of times."""
    plan = {}
    real = store.insert_records

    def insert_records(session, good, **kw):
        for r in good:
            if plan.get(r["record_id"], 0) > 0:
                plan[r["record_id"]] -= 1
                raise RuntimeError(f"storage failed for {r['record_id']}")
        return real(session, good, **kw)

    monkeypatch.setattr(store, "insert_records", insert_records)
    return plan


def test_a_failing_batch_is_retried_then_dead_lettered_and_the_rest_flows(platform, failing):
    platform.config["events"] = {"max_attempts": 3, "retry_base_seconds": 0.05}
    from sharing_support import Bus

    from services.sharing.service import SharingService

    platform.start(SharingService)
    bus = Bus(platform)
    failing["FIN-FLAKY"] = 2  # fails twice, then succeeds on the third attempt
    failing["FIN-POISON"] = 10**6  # never succeeds
    bus.publish(
        "finance.disbursement",
        {"records": [bus.sign("finance", canonical("FIN-POISON"))]},
        message_id="poison",
    )
    bus.publish(
        "finance.disbursement",
        {"records": [bus.sign("finance", canonical("FIN-FLAKY"))]},
        message_id="flaky",
    )
    bus.publish(
        "finance.disbursement",
        {"records": [bus.sign("finance", canonical("FIN-FINE"))]},
        message_id="fine",
    )
    bus.wait_records(2)
    stored = {r["record_id"] for r in bus.call("office", "list_records", {})["items"]}
    assert stored == {"FIN-FLAKY", "FIN-FINE"}

    vhost = platform.config["AMQP_URI"].rsplit("/", 1)[1]
    letters = bus.wait(lambda: _letters(platform.config["AMQP_URI"]), what="a dead letter")
    assert len(letters) == 1
    letter = letters[0]
    assert letter["queue"] == RECORDS_QUEUE and letter["attempts"] == 3
    assert "storage failed for FIN-POISON" in letter["error"]
    assert letter["message_id"] == "poison" and letter["routing_key"] == "finance.disbursement"
    assert letter["user_id"] == "guest"
    assert json.loads(letter["body"])["records"][0]["record_id"] == "FIN-POISON"
    time.sleep(0.5)
    assert rabbit.queue_depth(vhost, RECORDS_QUEUE) == 0
    # nothing half-written: the poison batch left no row and no quarantine entry
    assert bus.quarantine()["total"] == 0


def test_records_published_while_the_service_is_down_arrive_when_it_starts(platform):
    from sharing_support import Bus

    from runtime import topology
    from services.sharing.service import SharingService

    topology.declare(platform.config["AMQP_URI"])
    bus = Bus(platform)
    bus.publish(
        "finance.disbursement",
        {"records": [bus.sign("finance", canonical(f"FIN-EARLY-{i}")) for i in range(3)]},
    )
    platform.start(SharingService)
    bus.wait_records(3)
    assert bus.records_total() == 3
