"""What a route handler gets: the request, the caller, validated input, RPC to the services."""

import json

from contracts.errors import BadRequest
from contracts.schemas.base import load
from runtime.identity import Identity, decode_token


class RequestContext:
    def __init__(self, request, route, rpc, db, token: str | None, config: dict):
        self.request = request
        self.route = route
        self.rpc = rpc
        self.db = db
        self.token = token
        self.config = config
        self._identity = None
        self._body = None

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            from runtime.identity import bearer

            self._identity = decode_token(self.token or bearer(None))
        return self._identity

    def json(self):
        raw = self.request.get_data(cache=True)
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(
                "请求体不是有效的 JSON", "invalid_json", {"_body": ["不是有效的 JSON"]}
            ) from None

    @property
    def body(self) -> dict:
        """The JSON body validated by the route's schema (422 with fields when wrong)."""
        if self._body is None:
            data = self.json()
            self._body = load(self.route.body(), data) if self.route.body else data
        return self._body

    @property
    def query(self) -> dict:
        args = {k: v for k, v in self.request.args.items()}
        if self.route.query is None:
            return args
        return load(self.route.query(), args)
