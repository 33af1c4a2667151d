"""Errors that cross the bus as themselves and map to one HTTP status each in the gateway.

Registered with nameko's ``deserialize_to_instance`` so that a service raising
``RuleViolation("plan_needs_key_item", ...)`` reaches the gateway as that same class.
"""

from nameko.exceptions import deserialize_to_instance


class PlatformError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str = "", code: str | None = None, fields: dict | None = None):
        # nameko rebuilds the instance from exc_args after passing each through
        # safe_for_serialization, which turns None into the string "None": never send None
        super().__init__(message, code or "", fields or {})
        self.message = message or self.__class__.__doc__ or ""
        if code:
            self.code = code
        self.fields = fields if isinstance(fields, dict) else {}

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}

    def __str__(self):
        return f"{self.code}: {self.message}"


@deserialize_to_instance
class ValidationFailed(PlatformError):
    """输入有误"""

    status = 422
    code = "validation_failed"


@deserialize_to_instance
class BadRequest(PlatformError):
    """请求格式错误"""

    status = 400
    code = "bad_request"


@deserialize_to_instance
class Unauthenticated(PlatformError):
    """未登录或登录已过期"""

    status = 401
    code = "unauthenticated"


@deserialize_to_instance
class Forbidden(PlatformError):
    """无权执行此操作"""

    status = 403
    code = "forbidden"


@deserialize_to_instance
class NotFound(PlatformError):
    """对象不存在"""

    status = 404
    code = "not_found"


@deserialize_to_instance
class RuleViolation(PlatformError):
    """A rule of the mechanism refuses it; ``code`` names the rule."""

    status = 409
    code = "rule_violation"


@deserialize_to_instance
class TooManyRequests(PlatformError):
    """请求过于频繁"""

    status = 429
    code = "too_many_requests"


@deserialize_to_instance
class ServiceUnavailable(PlatformError):
    """服务暂不可用"""

    status = 503
    code = "service_unavailable"


EXPECTED = (ValidationFailed, BadRequest, Unauthenticated, Forbidden, NotFound, RuleViolation)
