"""No event is published into the void: with no queue bound for its type, the relay's
mandatory publish comes back, and the outbox row keeps the reason (and a metric counts it)
instead of the event silently vanishing. Once the queue exists, events flow again.
"""

import pytest
import requests
from sqlalchemy import select

from tests.faults.faultsvc import service as faultsvc
from tests.faults.harness import wait_for


@pytest.mark.timeout(120)
def test_unroutable_events_are_reported_not_dropped(vhost_uri, world_factory):
    _, uri = vhost_uri
    world = world_factory(uri, "sqlite", PYTHONWARNINGS="ignore")
    # the exchange exists, but deliberately no queue is bound for `tick` yet
    world.declare_exchange()
    producer = world.start("faultproducer")
    world.set_target(5)
    wait_for(lambda: world.counts().unroutable == 5, 60, "the relay reported 5 unroutable")
    outbox = faultsvc.metadata.tables["outbox"]
    with world.engines["faultproducer"].connect() as conn:
        rows = conn.execute(
            select(outbox.c.published_at, outbox.c.last_error, outbox.c.attempts)
        ).all()
    assert len(rows) == 5
    assert all(r.last_error and r.last_error.startswith("unroutable") for r in rows), rows
    metrics = requests.get(f"http://127.0.0.1:{producer.port}/metrics", timeout=5).text
    assert 'cosupervise_outbox_unroutable_total{service="faultproducer"} 5.0' in metrics

    # the consumer's queue declared (what `cosupervise migrate` does): the next events arrive
    world.declare_queue()
    world.start("faultconsumer")
    world.set_target(25)
    wait_for(lambda: world.counts().stored == 20, 60, "the 20 later events applied")
    counts = world.counts()
    counts.report(
        "unroutable publish", unroutable_reported=counts.unroutable, emitted=counts.emitted
    )
    assert counts.unroutable == 5 and counts.published == 20 and counts.lost == 0
