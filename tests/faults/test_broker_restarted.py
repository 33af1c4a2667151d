"""The broker restarted three times under load: nothing lost, nothing applied twice, the
services reconnect by themselves and the outbox drains afterwards.

The broker here is a private RabbitMQ node started by this test (tests/faults/harness.py:
OwnRabbit); the shared one on 5672 is never touched. The three restarts are three different
ways a broker goes away: the application stopped and started inside the node, the node
stopped in order and started again, and the node SIGKILLed (an OOM kill) and started again.
"""

import time

import pytest

from tests.faults.harness import wait_for

EVENTS = 6_000
QUEUE = "evt-faultproducer-tick--faultconsumer.apply"


@pytest.mark.timeout(300)
def test_three_broker_restarts_under_load(own_rabbit, world_factory):
    world = world_factory(own_rabbit.uri, "sqlite", PYTHONWARNINGS="ignore")
    world.declare_queue()
    consumer = world.start("faultconsumer")
    producer = world.start("faultproducer")
    started = time.monotonic()
    restarts = [
        ("stop_app/start_app", own_rabbit.restart_app),
        ("node stopped and started", own_rabbit.restart_node),
        ("node SIGKILLed and started", own_rabbit.crash_node),
    ]
    progress = []
    for n, (how, restart) in enumerate(restarts, 1):
        # a third of the load per restart: work is always in flight when the broker goes
        world.set_target(EVENTS * n // len(restarts))
        before = world.counts()
        # under load: wait until events are flowing, then pull the broker away
        wait_for(
            lambda b=before: world.counts().stored > b.stored + 300,
            60,
            "events flowing before the restart",
        )
        restart()
        # nobody restarts the services: they must find the broker again by themselves
        after = world.counts()
        wait_for(
            lambda a=after: world.counts().stored > a.stored + 100,
            90,
            f"events flowing again after {how}",
        )
        progress.append((how, after.stored))
        assert consumer.alive() and producer.alive()
    counts = world.wait_applied(EVENTS, timeout=150)
    wait_for(lambda: world.counts().published == EVENTS, 60, "outbox drained")
    wait_for(lambda: own_rabbit.queue_depth(QUEUE) == 0, 30, "queue drained")
    counts = world.counts()
    line = counts.report(
        "broker restarted x3",
        restarts=len(restarts),
        emitted=counts.emitted,
        outbox_backlog=counts.emitted - counts.published - counts.unroutable,
        seconds=round(time.monotonic() - started, 1),
    )
    assert counts.emitted == EVENTS, line
    assert counts.unroutable == 0, line
    assert counts.published == EVENTS and counts.stored == EVENTS, line
    assert counts.lost == 0 and counts.duplicated == 0, line
    assert counts.redeliveries > 0, f"no redelivery: the restarts did not bite ({progress})"
    # the same processes as at the start: they reconnected, nobody restarted them
    assert consumer.generation == 1 and producer.generation == 1
    assert consumer.alive() and producer.alive()
