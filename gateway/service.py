"""The gateway: one nameko HTTP entrypoint that dispatches to the route table."""

import logging
import socket
import time

from nameko.dependency_providers import Config
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from gateway import errors, notifications, routes  # noqa: F401 - routes register themselves
from gateway.context import RequestContext
from gateway.models import Base
from gateway.notifications import NotificationFeed
from gateway.routing import url_map
from gateway.viewcache import Answer, Views
from runtime.db import Database
from runtime.metrics import CALLS, LATENCY, VIEW_CACHE, Metrics
from runtime.rpc import ServiceRpc

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000
READS = frozenset({"GET", "HEAD", "OPTIONS"})

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'"
    ),
}


class _JsonNotFoundApp(WsgiApp):
    """A path no gateway rule can match (werkzeug's path converter stops at a newline, e.g.
    ``/api/v1/tasks/%0A/send-back``) got werkzeug's HTML 404; answer it in the contract's JSON
    like every other error (found by tests/security/test_schemathesis.py)."""

    def __call__(self, environ, start_response):
        try:
            self.url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            response = ApiEntrypoint._secure(errors.response_from_exception(exc))
            return response(environ, start_response)
        return super().__call__(environ, start_response)


class _NoDelayProtocol(HttpOnlyProtocol):
    """Answers leave at once. The server writes an answer in 16 KB pieces; with Nagle's
    algorithm on, a piece waits for the client's delayed ACK (40 ms on Linux) whenever the one
    before is unacknowledged: every answer over 16 KB (a page of records, a portrait) took
    40 ms more than its work (measured by `make bench`)."""

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass


class _GatewayWebServer(WebServer):
    def get_wsgi_app(self):
        return _JsonNotFoundApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=_NoDelayProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)


class ApiEntrypoint(HttpRequestHandler):
    """nameko's http entrypoint, minus what a public gateway must not do.

    It ignores ``X-Nameko-*`` headers (nameko would turn them into trusted context data)
    and forwards only the caller's bearer token, which every service verifies itself.
    """

    server = _GatewayWebServer()  # the gateway's only HTTP entrypoints share this server

    def handle_request(self, request):
        request.max_content_length = MAX_BODY_BYTES
        request.shallow = False
        auth = request.headers.get("Authorization", "")
        context_data = {}
        if auth.startswith("Bearer "):
            context_data["authorization"] = auth[len("Bearer ") :].strip()
        try:
            from functools import partial

            from eventlet.event import Event

            event = Event()
            self.container.spawn_worker(
                self,
                (request,),
                {},
                context_data=context_data,
                handle_result=partial(self.handle_result, event),
            )
            response = event.wait()
        except Exception as exc:  # noqa: BLE001
            response = errors.response_from_exception(exc)
        return self._secure(response)

    def handle_result(self, event, worker_ctx, result, exc_info):
        if exc_info is not None:
            event.send(errors.response_from_exception(exc_info[1]))
        else:
            event.send(result)
        return result, exc_info

    @staticmethod
    def _secure(response: Response) -> Response:
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response


api = ApiEntrypoint.decorator


class GatewayService(NotificationFeed):
    name = "gateway"
    config = Config()
    rpc = ServiceRpc()
    db = Database(Base.metadata)
    collector = Metrics()
    views = Views()
    _map = None

    @api("GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS", "/<path:path>")
    def dispatch(self, request, path=None):
        return self._dispatch(request)

    @api("GET", "/")
    def root(self, request):
        return self._dispatch(request)

    def _dispatch(self, request):
        if GatewayService._map is None:
            GatewayService._map = url_map()
        adapter = GatewayService._map.bind_to_environ(request.environ)
        started = time.perf_counter()
        label = "unmatched"
        try:
            route, values = adapter.match()
            label = f"{route.method} {route.path}"
            token = request.headers.get("Authorization", "")
            token = token[len("Bearer ") :].strip() if token.startswith("Bearer ") else None
            ctx = RequestContext(request, route, self.rpc, self.db, token, self.config)
            if route.auth:
                ctx.identity  # noqa: B018 - 401 before anything else
            if route.cached and request.method == "GET" and route.auth:
                response = self._cached(route, ctx, values, request)
            else:
                response = _to_response(route.handler(ctx, **values), route.status)
            outcome = "ok"
        except HTTPException as exc:
            response, outcome = errors.response_from_exception(exc), "refused"
        except Exception as exc:  # noqa: BLE001 - mapped by the one table
            response = errors.response_from_exception(exc)
            outcome = "refused" if response.status_code < 500 else "error"
        if request.method not in READS and not 400 <= response.status_code < 500:
            # whoever changed something sees it in the next view; a 5xx may have applied too
            # (a reply lost after the commit), so only a refusal keeps what was kept
            self.views.invalidate()
        LATENCY.labels("gateway", label).observe(time.perf_counter() - started)
        CALLS.labels("gateway", label, outcome).inc()
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _cached(self, route, ctx, values, request) -> Response:
        ttl = float(self.config.get("view_cache_seconds", 5) or 0)
        who = ctx.identity
        key = (
            route.path,
            tuple(sorted(values.items())),
            tuple(sorted(request.args.items(multi=True))),
            who.username,
            who.unit,
            who.role,
        )

        def compute() -> Answer:
            result = route.handler(ctx, **values)
            response = _to_response(result, route.status)
            return Answer(
                status=response.status_code,
                body=response.get_data(),
                content_type=response.content_type,
                complete=not (isinstance(result, dict) and result.get("unavailable")),
            )

        no_cache = "no-cache" in request.headers.get("Cache-Control", "").lower()
        if ttl <= 0 or no_cache:
            answer, hit = compute(), False
        else:
            answer, hit = self.views.get_or_compute(key, ttl, compute)
        VIEW_CACHE.labels(route.path, "hit" if hit else "miss").inc()
        response = Response(answer.body, status=answer.status, content_type=answer.content_type)
        response.headers["X-Cache"] = "hit" if hit else "miss"
        if hit:
            response.headers["Age"] = str(int(self.views.clock() - answer.stored_at))
        return response


def _to_response(result, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        status, result = result
    return errors.json_response(status, result)
