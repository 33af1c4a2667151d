"""10,000 events through the outbox while the consuming service is SIGKILLed 10 times.

Half of the kills come from the consumer itself right after it committed an event and before
the broker heard its ack (the moment that applies an event twice unless the handler is
idempotent); the other half land wherever the test's timer says. Every effect must be there
exactly once.
"""

import random
import time

import pytest

from tests.faults.harness import queue_depth, wait_for

EVENTS = 10_000
KILLS = 10
QUEUE = "evt-faultproducer-tick--faultconsumer.apply"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_outbox_survives_ten_sigkills_of_the_consumer(database, vhost_uri, world_factory):
    rng = random.Random(8)
    _, uri = vhost_uri
    world = world_factory(uri, database, PYTHONWARNINGS="ignore")
    world.declare_queue()
    producer = world.start("faultproducer")

    def die_at(kill):  # even kills: the consumer kills itself after its n-th commit
        return rng.randint(30, 250) if kill < KILLS and kill % 2 == 0 else 0

    consumer = world.start("faultconsumer", wait=False, FAULT_DIE_AFTER_COMMIT=die_at(0))
    world.set_target(EVENTS)
    started = time.monotonic()
    for kill in range(KILLS):
        if kill % 2 == 0:
            consumer.proc.wait(60)
        else:
            consumer.wait_ready()
            time.sleep(rng.uniform(0.3, 1.5))
            consumer.sigkill()
        assert consumer.proc.returncode == -9, consumer.log()[-2000:]
        if kill == 0:
            assert world.counts().stored < EVENTS, "the kills must land while work remains"
        consumer.start(FAULT_DIE_AFTER_COMMIT=die_at(kill + 1))
    consumer.wait_ready()
    counts = world.wait_applied(EVENTS, timeout=180)
    wait_for(lambda: queue_depth(uri, QUEUE) == 0, 30, "queue drained")
    counts = world.counts()
    died = world.lines("died-after-commit")
    line = counts.report(
        f"consumer SIGKILLed x{KILLS} ({database})",
        kills=KILLS,
        kills_between_commit_and_ack=len(died),
        seconds=round(time.monotonic() - started, 1),
    )
    assert counts.published == EVENTS, line
    assert counts.stored == EVENTS, line
    assert counts.lost == 0, line
    assert counts.duplicated == 0, line
    assert counts.redeliveries > 0, "the kills returned no message: the fault did not bite"
    assert len(died) == KILLS // 2
    # each event whose ack died with the process came back and was recognised, not re-applied
    assert set(died) <= set(world.skipped_ids()), line
    assert producer.alive()
