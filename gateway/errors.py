"""The one table from failures to the contract's error answers."""

import json
import logging

from nameko.exceptions import RemoteError, UnknownService
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.wrappers import Response

from contracts.errors import PlatformError

log = logging.getLogger(__name__)

# RemoteError.exc_type -> (status, code, message) for what a service may raise unexpectedly
REMOTE = {
    "MethodNotFound": (404, "not_found", "接口不存在"),
    "IncorrectSignature": (400, "bad_request", "请求参数不符合接口定义"),
    "MalformedRequest": (400, "bad_request", "请求格式错误"),
}


def json_response(status: int, body, headers=None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def error_body(code: str, message: str, fields=None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def response_from_exception(exc: BaseException) -> Response:
    if isinstance(exc, PlatformError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return json_response(exc.status, exc.as_dict(), headers)
    if isinstance(exc, UnknownService):
        return json_response(503, error_body("service_unavailable", "服务暂不可用，请稍后重试"))
    if isinstance(exc, RemoteError):
        if exc.exc_type in REMOTE:
            status, code, message = REMOTE[exc.exc_type]
            return json_response(status, error_body(code, message))
        log.error("remote failure %s: %s", exc.exc_type, exc.value)
        return json_response(
            500, error_body("internal_error", "服务内部错误，已记录，请联系运维人员")
        )
    if isinstance(exc, RequestEntityTooLarge):
        return json_response(413, error_body("payload_too_large", "请求体过大"))
    if isinstance(exc, MethodNotAllowed):
        # RFC 9110: a 405 says which methods the resource has (schemathesis ST204)
        allow = {"Allow": ", ".join(sorted(exc.valid_methods))} if exc.valid_methods else None
        return json_response(405, error_body("method_not_allowed", "不支持该请求方法"), allow)
    if isinstance(exc, RouteNotFound):
        return json_response(404, error_body("not_found", "接口不存在"))
    if isinstance(exc, HTTPException):
        return json_response(exc.code or 400, error_body("bad_request", exc.description or ""))
    log.exception("unexpected failure", exc_info=exc)
    return json_response(500, error_body("internal_error", "服务内部错误，已记录，请联系运维人员"))
