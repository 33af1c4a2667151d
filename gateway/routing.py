"""The route table: every API route declared once, with the schemas the OpenAPI document uses."""

from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug.routing import Map, Rule


@dataclass(eq=False)
class Route:
    method: str
    path: str  # werkzeug syntax: /api/v1/items/<id>
    handler: Callable
    summary: str
    tag: str
    body: type | None = None
    query: type | None = None
    response: type | None = None
    many: bool = False  # answers {items, total}
    status: int = 200
    auth: bool = True
    roles: tuple = ()
    produces: str = "application/json"
    errors: tuple = field(default_factory=tuple)
    # kept per caller for config `view_cache_seconds` (gateway/viewcache.py); GET only
    cached: bool = False


ROUTES: list[Route] = []


def route(method: str, path: str, *, summary: str, tag: str, **options):
    def register(handler):
        ROUTES.append(
            Route(method=method, path=path, handler=handler, summary=summary, tag=tag, **options)
        )
        return handler

    return register


def url_map() -> Map:
    return Map([Rule(r.path, methods=[r.method], endpoint=r, strict_slashes=False) for r in ROUTES])
