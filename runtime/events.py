"""Event handlers that neither lose a failing message nor loop on it forever.

nameko acks a message whose handler raised (``requeue_on_error=False``) — the event is gone —
or requeues it at once, forever (``True``). Here a failure is republished to the same queue
with an attempt counter and a growing pause, and after ``events.max_attempts`` it goes to the
dead-letter queue with its error, where operators see it. Handlers make themselves idempotent
with ``uow.first_time(envelope)``, so a republish racing a crash changes nothing twice.
"""

import json
import logging
import traceback

import eventlet
from kombu import Connection, Queue
from kombu.pools import producers
from nameko.events import SERVICE_POOL, EventHandler

import runtime.rpc  # noqa: F401 - acks survive a lost broker connection (see there)
from runtime import clock, metrics
from runtime.topology import DEAD_LETTER_QUEUE

log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-cosupervise-attempts"


class ReliableEventHandler(EventHandler):
    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(
            source_service,
            event_type,
            handler_type=SERVICE_POOL,
            reliable_delivery=True,
            requeue_on_error=False,
            **kwargs,
        )

    def _settings(self):
        events = self.container.config.get("events", {})
        return int(events.get("max_attempts", 5)), float(events.get("retry_base_seconds", 0.2))

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None:
            try:
                self._retry_or_dead_letter(message, exc_info)
            except Exception:
                # could not republish: give the message back to the broker rather than lose it
                log.exception("could not republish a failed event; requeueing it")
                self.queue_consumer.requeue_message(message)
                return
        self.queue_consumer.ack_message(message)

    def _retry_or_dead_letter(self, message, exc_info):
        max_attempts, base = self._settings()
        headers = dict(message.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        headers[ATTEMPTS_HEADER] = attempts
        service, handler = self.container.service_name, self.method_name
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        if attempts < max_attempts:
            metrics.EVENTS_RETRIED.labels(service, handler).inc()
            eventlet.sleep(min(base * (2 ** (attempts - 1)), 5.0))
            self._publish(
                message.body,
                routing_key=self.queue.name,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
            )
            return
        metrics.EVENTS_DEAD_LETTERED.labels(service, handler).inc()
        log.error(
            "event dead-lettered after %s attempts in %s.%s: %s", attempts, service, handler, error
        )
        body = message.body.decode("utf-8") if isinstance(message.body, bytes) else message.body
        letter = {
            "queue": self.queue.name,
            "service": service,
            "handler": handler,
            "attempts": attempts,
            "error": error,
            "body": body,
            "headers": {k: v for k, v in headers.items() if isinstance(v, (str, int, float))},
            "dead_lettered_at": clock.now().isoformat(),
        }
        self._publish(
            json.dumps(letter, ensure_ascii=False),
            routing_key=DEAD_LETTER_QUEUE,
            headers={ATTEMPTS_HEADER: attempts},
            content_type="application/json",
            content_encoding="utf-8",
        )

    def _publish(self, body, *, routing_key, headers, content_type, content_encoding):
        _publish(
            self.container.config["AMQP_URI"],
            body,
            routing_key=routing_key,
            headers=headers,
            content_type=content_type,
            content_encoding=content_encoding,
        )


def _publish(amqp_uri, body, *, routing_key, headers, content_type, content_encoding):
    conn = Connection(amqp_uri)
    # A letter sent before anything declared the dead-letter queue (a service started without
    # `cosupervise migrate`, or the letter raced the relay's topology) was routed nowhere and
    # lost: declare it with the letter (kombu declares once per connection).
    declare = (
        [Queue(DEAD_LETTER_QUEUE, durable=True, auto_delete=False)]
        if routing_key == DEAD_LETTER_QUEUE
        else []
    )
    with producers[conn].acquire(block=True, timeout=10) as producer:
        producer.publish(
            body,
            exchange="",
            routing_key=routing_key,
            headers=headers,
            content_type=content_type,
            content_encoding=content_encoding,
            delivery_mode=2,
            retry=True,
            retry_policy={"max_retries": 3},
            mandatory=False,
            declare=declare,
        )


event_handler = ReliableEventHandler.decorator


def _dead_letter_unreadable_messages():
    """A message no one can decode goes to the dead-letter queue, not into the void.

    nameko's queue consumer inherits kombu's ``on_decode_error``, which logs the body and acks
    it: an event whose JSON was broken on the way was gone for good (found by
    tests/faults/test_poison.py). Here it becomes a dead letter with the decoding error and
    the raw body, like any event that failed, and only then is it acked; if even that cannot
    be published, it goes back to the broker.
    """
    from nameko.messaging import QueueConsumer

    if getattr(QueueConsumer, "_cosupervise_dead_letters_unreadable", False):
        return

    def queue_of(consumer, message):
        tag = (message.delivery_info or {}).get("consumer_tag")
        for kombu_consumer in list(getattr(consumer, "_consumers", {}).values()):
            for queue_name, active in getattr(kombu_consumer, "_active_tags", {}).items():
                if active == tag:
                    return queue_name
        return None

    def on_decode_error(self, message, exc):
        service = self.container.service_name
        raw = message.body
        letter = {
            "queue": queue_of(self, message),
            "service": service,
            "handler": None,
            "attempts": 0,
            "error": f"消息无法解析 (undecodable {message.content_type}): {exc!r}",
            "body": raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw),
            "headers": {
                k: v for k, v in (message.headers or {}).items() if isinstance(v, (str, int, float))
            },
            "dead_lettered_at": clock.now().isoformat(),
        }
        try:
            _publish(
                self.container.config["AMQP_URI"],
                json.dumps(letter, ensure_ascii=False),
                routing_key=DEAD_LETTER_QUEUE,
                headers={ATTEMPTS_HEADER: 0},
                content_type="application/json",
                content_encoding="utf-8",
            )
        except Exception:
            log.exception("could not dead-letter an undecodable message; requeueing it")
            self.requeue_message(message)
            return
        metrics.EVENTS_DEAD_LETTERED.labels(service, "undecodable").inc()
        log.error("undecodable message on %s dead-lettered: %r", letter["queue"], exc)
        self.ack_message(message)

    QueueConsumer.on_decode_error = on_decode_error
    QueueConsumer._cosupervise_dead_letters_unreadable = True


_dead_letter_unreadable_messages()
