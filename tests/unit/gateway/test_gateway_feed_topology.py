"""The feed's queues are declared up front, from the handlers on the mixin, for known events."""

from contracts.events import is_known
from gateway.views.notices import SUBSCRIBED
from runtime.topology import consumer_queues


def test_every_event_the_feed_needs_has_a_gateway_queue_declared():
    queues = {q.name for q in consumer_queues()}
    for source, event_type in SUBSCRIBED:
        assert is_known(source, event_type), (source, event_type)
        assert f"evt-{source}-{event_type}--gateway.on_{event_type}" in queues
    gateway_queues = {
        q for q in queues if q.endswith(tuple(f"--gateway.on_{t}" for _, t in SUBSCRIBED))
    }
    assert len(gateway_queues) == len(SUBSCRIBED)
