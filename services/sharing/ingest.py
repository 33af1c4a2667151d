"""The consumer of queue `sharing.records`: agency batches in, nothing lost, no poison loop.

Same promise as runtime.events for event handlers: a message is acked only after its
transaction committed; a failure is retried a bounded number of times (``events.max_attempts``,
with a growing pause), then dead-lettered to `cosupervise.dead-letter` with the error.

Unlike an event, a batch is retried by giving it back to the broker (requeue), not by
republishing it: the properties the sender check relies on — the broker-stamped ``user_id`` and
the routing key — survive a requeue, and nobody can forge them on a republished copy.

Raw bodies are handed to the worker undecoded: a message that is not JSON is an adapter's
mistake to quarantine, not an exception that would kill the shared consumer loop. Message
headers never become worker context data (an adapter must not be able to pass a bearer token).
"""

from __future__ import annotations

import json
import logging
import traceback
from collections import OrderedDict
from functools import partial
from pathlib import Path

import eventlet
from kombu import Connection, Exchange, Queue
from kombu.pools import producers
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer, QueueConsumer

from contracts.records import FilePublicKeys
from runtime.memory import give_back
from runtime.topology import DEAD_LETTER_QUEUE, RECORDS_EXCHANGE, RECORDS_QUEUE
from services.sharing import metrics
from services.sharing.rules import Delivery

log = logging.getLogger(__name__)
MAX_TRACKED = 10_000  # failing messages remembered for their attempt count


def records_queue() -> Queue:
    """Exactly what runtime.topology declares (so declaring it again changes nothing)."""
    return Queue(
        RECORDS_QUEUE,
        exchange=Exchange(RECORDS_EXCHANGE, type="topic", durable=True),
        routing_key="#",
        durable=True,
        auto_delete=False,
    )


class RawQueueConsumer(QueueConsumer):
    """nameko's queue consumer, handing messages over undecoded (its own connection)."""

    @property
    def prefetch_count(self):
        # batches in the process at once (config ``records_prefetch``, default 2): one being
        # written while the next is checked. nameko's default (max_workers, 10) let ten batches
        # of thousands of records wait parsed for the one database writer: memory the process
        # never gave back (+90-120 MB RSS over a million records), for no speed
        return max(1, int(self.container.config.get("records_prefetch", 2)))

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(
                queues=[provider.queue],
                accept=self.accept,
                on_message=partial(self._raw_message, provider),
            )
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _raw_message(self, provider, message):
        self.handle_message(provider, None, message)


class RecordsConsumer(Consumer):
    queue_consumer = RawQueueConsumer()

    def __init__(self, **kwargs):
        super().__init__(records_queue(), requeue_on_error=False, **kwargs)
        self._attempts: OrderedDict[str, int] = OrderedDict()

    def _settings(self):
        events = self.container.config.get("events", {})
        return int(events.get("max_attempts", 5)), float(events.get("retry_base_seconds", 0.2))

    def handle_message(self, body, message):
        props = message.properties or {}
        delivery = Delivery(
            body=message.body,
            routing_key=str(message.delivery_info.get("routing_key") or ""),
            user_id=props.get("user_id"),
            message_id=props.get("message_id"),
        )
        try:
            self.container.spawn_worker(
                self,
                (delivery,),
                {},
                context_data={},
                handle_result=partial(self.handle_result, message),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        self.handle_message_processed(message, worker_ctx.args[0], exc_info)
        # a batch's thousands of parsed records are garbage now: give their pages back, or the
        # heap keeps the high-water mark of two batches in flight (runtime.memory)
        give_back()
        return result, exc_info

    def handle_message_processed(self, message, delivery=None, exc_info=None):
        key = delivery.key() if delivery is not None else str(message.delivery_tag)
        if exc_info is None:
            self._attempts.pop(key, None)
            self.queue_consumer.ack_message(message)
            return
        max_attempts, base = self._settings()
        attempts = self._attempts.pop(key, 0) + 1
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        if attempts < max_attempts:
            self._attempts[key] = attempts
            while len(self._attempts) > MAX_TRACKED:
                self._attempts.popitem(last=False)
            metrics.BATCHES.labels("retried").inc()
            log.warning(
                "records batch %s failed (attempt %s of %s), retrying: %s",
                key,
                attempts,
                max_attempts,
                error,
            )
            eventlet.sleep(min(base * (2 ** (attempts - 1)), 5.0))
            self.queue_consumer.requeue_message(message)
            return
        try:
            self._dead_letter(message, delivery, attempts, error)
        except Exception:
            # could not park it: give it back rather than lose it
            log.exception("could not dead-letter records batch %s; requeueing it", key)
            self.queue_consumer.requeue_message(message)
            return
        metrics.BATCHES.labels("dead_lettered").inc()
        log.error("records batch %s dead-lettered after %s attempts: %s", key, attempts, error)
        self.queue_consumer.ack_message(message)

    def _dead_letter(self, message, delivery, attempts, error):
        body = message.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        letter = {
            "queue": RECORDS_QUEUE,
            "service": self.container.service_name,
            "handler": self.method_name,
            "attempts": attempts,
            "error": error,
            "routing_key": delivery.routing_key if delivery else None,
            "user_id": delivery.user_id if delivery else None,
            "message_id": delivery.message_id if delivery else None,
            "body": body,
        }
        # ASCII-escaped: the error text may quote a character UTF-8 cannot carry (a surrogate)
        conn = Connection(self.container.config["AMQP_URI"])
        with producers[conn].acquire(block=True, timeout=10) as producer:
            producer.publish(
                json.dumps(letter),
                exchange="",
                routing_key=DEAD_LETTER_QUEUE,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                headers={"x-cosupervise-attempts": attempts},
                retry=True,
                retry_policy={"max_retries": 3},
                mandatory=False,
            )


records_consumer = RecordsConsumer.decorator


class AgencyKeys(DependencyProvider):
    """The agencies' Ed25519 public keys: ``<VAR_DIR>/keys/<agency>.pub`` (a mounted ConfigMap
    in Kubernetes), plus PEMs from config ``agency_public_keys`` when given."""

    def setup(self):
        extra = self.container.config.get("agency_public_keys") or {}
        pems = {}
        for agency, value in extra.items() if isinstance(extra, dict) else ():
            text = str(value or "")
            if text and "BEGIN" not in text and Path(text).exists():
                text = Path(text).read_text()
            if text:
                pems[agency] = text
        self.keys = FilePublicKeys(self.container.config.get("VAR_DIR") or None, extra_pems=pems)

    def get_dependency(self, worker_ctx):
        return self.keys
