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
from kombu import Connection
from kombu.pools import producers
from nameko.events import SERVICE_POOL, EventHandler

import runtime.rpc  # noqa: F401 - acks survive a lost broker connection (see there)
from runtime import metrics
from runtime.topology import DEAD_LETTER_QUEUE

log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-cosupervise-attempts"


class ReliableEventHandler(EventHandler):
    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

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
            self._publish(message.body, routing_key=self.queue.name, headers=headers,
                          content_type=message.content_type,
                          content_encoding=message.content_encoding)
            return
        metrics.EVENTS_DEAD_LETTERED.labels(service, handler).inc()
        log.error("event dead-lettered after %s attempts in %s.%s: %s", attempts, service,
                  handler, error)
        body = message.body.decode("utf-8") if isinstance(message.body, bytes) else message.body
        letter = {
            "queue": self.queue.name,
            "service": service,
            "handler": handler,
            "attempts": attempts,
            "error": error,
            "body": body,
            "headers": {k: v for k, v in headers.items() if isinstance(v, (str, int, float))},
        }
        self._publish(json.dumps(letter, ensure_ascii=False), routing_key=DEAD_LETTER_QUEUE,
                      headers={ATTEMPTS_HEADER: attempts}, content_type="application/json",
                      content_encoding="utf-8")

    def _publish(self, body, *, routing_key, headers, content_type, content_encoding):
        conn = Connection(self.container.config["AMQP_URI"])
        with producers[conn].acquire(block=True, timeout=10) as producer:
            producer.publish(
                body, exchange="", routing_key=routing_key, headers=headers,
                content_type=content_type, content_encoding=content_encoding,
                delivery_mode=2, retry=True, retry_policy={"max_retries": 3},
                mandatory=False,
            )


event_handler = ReliableEventHandler.decorator
