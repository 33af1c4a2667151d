"""The broker topology, declared up front so no event is ever published into the void.

Consumer queues are derived from the services' own ``event_handler`` declarations, so the
list cannot drift from the code.
"""

import importlib
import inspect
import logging

from kombu import Connection, Exchange, Queue
from nameko.events import get_event_exchange
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from runtime.config import SERVICES

log = logging.getLogger(__name__)

DEAD_LETTER_QUEUE = "cosupervise.dead-letter"
RECORDS_EXCHANGE = "cosupervise.records"
RECORDS_QUEUE = "sharing.records"
CONSUMER_MODULES = [f"services.{name}.service" for name in SERVICES] + ["gateway.service"]


def event_queue(source_service: str, event_type: str, service_name: str, method_name: str) -> Queue:
    """Exactly the queue nameko's SERVICE_POOL handler with reliable delivery declares."""
    return Queue(
        f"evt-{source_service}-{event_type}--{service_name}.{method_name}",
        exchange=get_event_exchange(source_service, {}),
        routing_key=event_type,
        durable=True,
        auto_delete=False,
        exclusive=False,
    )


def service_classes():
    for module_name in CONSUMER_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that service is not built yet
            raise
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and isinstance(getattr(cls, "name", None), str):
                yield cls


def subscriptions() -> set[tuple[str, str]]:
    """Every (source service, event type) some service's ReliableEventHandler consumes."""
    from runtime.events import ReliableEventHandler

    pairs = set()
    for cls in service_classes():
        for _, method in inspect.getmembers(cls, callable):
            for ext in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(ext, ReliableEventHandler):
                    pairs.add((ext.source_service, ext.event_type))
    return pairs


def consumer_queues() -> list[Queue]:
    from runtime.events import ReliableEventHandler

    queues = []
    for cls in service_classes():
        for method_name, method in inspect.getmembers(cls, callable):
            for ext in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(ext, ReliableEventHandler):
                    queues.append(
                        event_queue(ext.source_service, ext.event_type, cls.name, method_name)
                    )
    return queues


def fixed_queues() -> list[Queue]:
    records = Exchange(RECORDS_EXCHANGE, type="topic", durable=True)
    return [
        Queue(
            DEAD_LETTER_QUEUE,
            exchange=Exchange("", type="direct"),
            durable=True,
            auto_delete=False,
            routing_key=DEAD_LETTER_QUEUE,
            no_declare=False,
        ),
        Queue(RECORDS_QUEUE, exchange=records, routing_key="#", durable=True, auto_delete=False),
    ]


def event_exchanges() -> list[Exchange]:
    from contracts.events import CATALOGUE

    return [get_event_exchange(source, {}) for source in CATALOGUE]


def declare(amqp_uri: str) -> int:
    queues = consumer_queues() + fixed_queues()
    with Connection(amqp_uri, connect_timeout=5) as conn:
        channel = conn.channel()
        for exchange in event_exchanges():
            exchange(channel).declare()
        for queue in queues:
            bound = queue(channel)
            if queue.name == DEAD_LETTER_QUEUE:
                bound.queue_declare()  # the default exchange needs no binding
            else:
                bound.declare()
        channel.close()
    return len(queues)
