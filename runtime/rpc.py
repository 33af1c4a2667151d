"""RPC to other services with a deadline: a dead service gives a clear 503, never a hang.

nameko's ``RpcProxy`` waits forever for a reply; this client waits ``rpc_timeout_seconds``
and can fan out to several services at once.
"""

import logging

import eventlet
from kombu.mixins import ConsumerMixin
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy
from nameko.rpc import rpc as nameko_rpc

from contracts.errors import EXPECTED, ServiceUnavailable


# Rule refusals and bad input are answers, not failures: no traceback in the logs for them.
def rpc(fn):
    return nameko_rpc(expected_exceptions=EXPECTED)(fn)


class _QuietExpected(logging.Filter):
    def filter(self, record):
        if record.getMessage().startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


logging.getLogger("nameko.containers").addFilter(_QuietExpected())


def _consume_with_quick_stop(self, limit=None, timeout=None, safety_interval=0.2, **kwargs):
    return _kombu_consume(
        self, limit=limit, timeout=timeout, safety_interval=safety_interval, **kwargs
    )


# nameko's QueueConsumer notices a stop request only between 1 s drain_events polls, so every
# stop (SIGTERM, a rolling update, each test) waited a second per consumer; 0.2 s costs nothing.
_kombu_consume = ConsumerMixin.consume
ConsumerMixin.consume = _consume_with_quick_stop


def _survive_lost_connections():
    """Keep a service alive when the broker goes away under it (found by
    tests/faults/test_broker_restarted.py: every consumer died on the first broker restart).

    nameko 2.14 means an ack or requeue on a connection that is gone to be a no-op (the broker
    gives an unacked message back to its queue by itself), but it only catches py-amqp's own
    ``ConnectionError``; py-amqp 5 raises socket errors (``ConnectionResetError``,
    ``BrokenPipeError``) instead. They escaped into the worker and nameko killed the whole
    container, so `cosupervise up` stopped the platform. Likewise an RPC reply that cannot be
    sent after nameko's retries killed the container; the caller has given up by then (its
    timeout answers 503), so the reply is logged and dropped and the request is acked.
    """
    from amqp.exceptions import ConnectionError as AmqpConnectionError
    from amqp.exceptions import RecoverableConnectionError
    from nameko.messaging import QueueConsumer
    from nameko.rpc import Responder

    lost = (OSError, AmqpConnectionError, RecoverableConnectionError)
    if getattr(QueueConsumer, "_cosupervise_guarded", False):
        return
    log = logging.getLogger(__name__)

    def guard(method):
        def guarded(self, message):
            try:
                return method(self, message)
            except lost as exc:
                log.warning(
                    "broker connection lost before %s (%s); the broker redelivers the message",
                    method.__name__,
                    exc,
                )
                # the failed write marked the connection dead behind the consumer loop's back:
                # have it reconnect in full (see _ack_in_flight_work_before_disconnecting)
                self._cosupervise_connection_lost = True

        guarded.__name__ = method.__name__
        return guarded

    send_response = Responder.send_response

    def send_response_or_drop(self, result, exc_info):
        try:
            return send_response(self, result, exc_info)
        except lost as exc:
            log.warning("RPC reply not sent, broker unreachable (%s); the caller times out", exc)
            return result, exc_info

    QueueConsumer.ack_message = guard(QueueConsumer.ack_message)
    QueueConsumer.requeue_message = guard(QueueConsumer.requeue_message)
    Responder.send_response = send_response_or_drop
    QueueConsumer._cosupervise_guarded = True


_survive_lost_connections()


def _ack_in_flight_work_before_disconnecting():
    """A graceful stop acks the work it finished (found by tests/faults/test_sigterm.py).

    On stop, nameko cancels a service's consumers first and waits for running workers after;
    but its queue consumer leaves the broker as soon as no consumer is left, so the workers
    that finished during the grace period acked into a closed connection and every one of
    them was delivered again to the next instance: an event applied twice unless its handler
    is idempotent, an RPC executed twice (a rolling update duplicated in-flight writes).
    The connection now stays until the container has no worker running.
    """
    from nameko.messaging import QueueConsumer

    if getattr(QueueConsumer, "_cosupervise_acks_before_disconnect", False):
        return

    def on_iteration(self):
        if getattr(self, "_cosupervise_connection_lost", False):
            # A worker's ack failed on a connection the broker dropped. py-amqp then marks the
            # transport disconnected, and kombu's next drain_events silently opened a *bare*
            # new connection, without channel or consumers: the service looked connected and
            # consumed nothing until restarted (found by tests/faults/test_broker_restarted.py,
            # one broker restart in ten). Failing this iteration makes kombu reconnect in full.
            self._cosupervise_connection_lost = False
            raise ConnectionResetError("broker connection lost under an ack; reconnecting")
        self._cancel_consumers_if_requested()
        if len(self._consumers) == 0 and not getattr(self.container, "_worker_threads", None):
            self.should_stop = True

    QueueConsumer.on_iteration = on_iteration
    QueueConsumer._cosupervise_acks_before_disconnect = True


_ack_in_flight_work_before_disconnecting()


class _Pending:
    def __init__(self, service, method, reply, timeout):
        self.service, self.method, self.reply, self.timeout = service, method, reply, timeout

    def result(self):
        try:
            with eventlet.Timeout(self.timeout):
                return self.reply.result()
        except eventlet.Timeout:
            raise ServiceUnavailable(
                f"服务 {self.service} 未在 {self.timeout:g} 秒内响应，请稍后重试",
                "service_unavailable",
            ) from None


class _Method:
    def __init__(self, client, service, method):
        self._client, self._service, self._method = client, service, method

    def __call__(self, *args, **kwargs):
        return self.call_async(*args, **kwargs).result()

    def call_async(self, *args, **kwargs):
        # A request nobody picked up before the caller gave up expires in the queue: a client
        # told "503, try again" must not find its POST applied later when the service returns.
        proxy = ServiceProxy(
            self._client.worker_ctx,
            self._service,
            self._client.reply_listener,
            expiration=self._client.timeout,
        )
        try:
            reply = getattr(proxy, self._method).call_async(*args, **kwargs)
        except UnknownService:
            raise ServiceUnavailable(
                f"服务 {self._service} 未运行", "service_unavailable"
            ) from None
        return _Pending(self._service, self._method, reply, self._client.timeout)


class _Service:
    def __init__(self, client, service):
        self._client, self._service = client, service

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return _Method(self._client, self._service, method)


class RpcClient:
    def __init__(self, worker_ctx, reply_listener, timeout):
        self.worker_ctx, self.reply_listener, self.timeout = worker_ctx, reply_listener, timeout

    def __getattr__(self, service):
        if service.startswith("_"):
            raise AttributeError(service)
        return _Service(self, service)

    def gather(self, calls: dict) -> dict:
        """{key: (service, method, payload)} -> {key: result or the exception}, in parallel."""
        pending = {}
        for key, (service, method, payload) in calls.items():
            try:
                pending[key] = getattr(getattr(self, service), method).call_async(payload)
            except Exception as exc:  # noqa: BLE001 - reported per key
                pending[key] = exc
        results = {}
        for key, item in pending.items():
            if isinstance(item, Exception):
                results[key] = item
                continue
            try:
                results[key] = item.result()
            except Exception as exc:  # noqa: BLE001
                results[key] = exc
        return results


class ServiceRpc(DependencyProvider):
    reply_listener = ReplyListener()

    def setup(self):
        self.timeout = float(self.container.config.get("rpc_timeout_seconds", 5))

    def get_dependency(self, worker_ctx):
        return RpcClient(worker_ctx, self.reply_listener, self.timeout)
