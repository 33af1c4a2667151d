"""Who is calling: a JWT that travels with every RPC and is verified by the service that owns the data.

The gateway forwards the user's own bearer token as nameko context data ``authorization``;
services never trust a bare user name, so a forged identity on a direct RPC call is refused.
"""

import functools
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jwt
from nameko.extensions import DependencyProvider

from contracts.errors import Forbidden, Unauthenticated
from contracts.units import OFFICE_UNIT
from runtime.config import is_production, settings

CONTEXT_KEY = "authorization"
# never accept these, whatever the configuration says
_FORBIDDEN_ALGORITHMS = {"none", ""}


@dataclass(frozen=True)
class Identity:
    username: str
    unit: str | None
    role: str

    @property
    def is_office(self) -> bool:
        """The standing committee's office: convenes, adopts, approves."""
        return self.role == "office_admin"

    @property
    def is_office_unit(self) -> bool:
        """Office staff and the committee's leaders read everything (need-to-know's "office")."""
        return self.unit == OFFICE_UNIT and self.role in ("office_admin", "viewer")

    @property
    def is_system(self) -> bool:
        return self.role == "system"

    @property
    def may_write(self) -> bool:
        return self.role not in ("viewer",)

    def as_dict(self) -> dict:
        return asdict(self)


def _secret(config) -> str:
    secret = config["auth"].get("jwt_secret")
    if secret:
        return secret
    if is_production(config):
        raise RuntimeError("COSUPERVISE_JWT_SECRET must be set when COSUPERVISE_ENV=production")
    # A development key kept under var/ so every process of this checkout agrees on it
    # and no key is ever committed.
    return _dev_secret(str(Path(config.get("VAR_DIR") or "./var") / "dev-jwt-secret"))


@functools.lru_cache(maxsize=8)
def _dev_secret(path: str) -> str:
    """Read (or made) once per process: every request and RPC verifies a token with it."""
    key_file = Path(path)
    if not key_file.exists():
        import secrets

        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _keys(config: dict):
    algorithms = [
        a.strip()
        for a in str(config["auth"]["algorithms"]).split(",")
        if a.strip().lower() not in _FORBIDDEN_ALGORITHMS
    ]
    public_key_file = config["auth"].get("public_key_file")
    return algorithms, (_public_key(public_key_file) if public_key_file else _secret(config))


@functools.lru_cache(maxsize=8)
def _public_key(path: str) -> str:
    return Path(path).read_text()


def issue_token(
    username: str,
    unit: str | None,
    role: str,
    *,
    ttl: int | None = None,
    config: dict | None = None,
) -> tuple[str, int]:
    """A development/local-user token (HS256). Production tokens come from the OIDC issuer."""
    config = config or settings()
    ttl = ttl or int(config["auth"]["token_ttl_seconds"])
    now = int(time.time())
    claims = {
        "sub": username,
        "unit": unit,
        "role": role,
        "iss": config["auth"]["issuer"],
        "aud": config["auth"]["audience"],
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, _secret(config), algorithm="HS256"), ttl


def decode_token(token: str, config: dict | None = None) -> Identity:
    config = config or settings()
    algorithms, key = _keys(config)
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in algorithms:
            raise Unauthenticated("令牌算法不被接受", "invalid_token")
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=config["auth"]["audience"],
            issuer=config["auth"]["issuer"],
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("登录已过期，请重新登录", "token_expired") from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"令牌无效：{exc}", "invalid_token") from None
    role = claims.get("role")
    if not isinstance(role, str):
        raise Unauthenticated("令牌缺少角色", "invalid_token")
    return Identity(username=claims["sub"], unit=claims.get("unit"), role=role)


def system_token(service: str) -> str:
    """For work a service does on its own behalf (timers, demo set-up)."""
    token, _ = issue_token(f"system:{service}", OFFICE_UNIT, "system", ttl=300)
    return token


def bearer(headers_value: str | None) -> str:
    if not headers_value or not headers_value.startswith("Bearer "):
        raise Unauthenticated("缺少身份令牌 (Authorization: Bearer …)", "unauthenticated")
    return headers_value[len("Bearer ") :].strip()


class Caller(DependencyProvider):
    """``self.caller`` in a service: the verified identity of whoever made this call."""

    def get_dependency(self, worker_ctx):
        return _LazyCaller(worker_ctx)


class _LazyCaller:
    def __init__(self, worker_ctx):
        self._ctx = worker_ctx
        self._identity = None

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            token = self._ctx.data.get(CONTEXT_KEY)
            if not token:
                raise Unauthenticated(
                    "调用缺少身份 (RPC without caller identity)", "unauthenticated"
                )
            self._identity = decode_token(token)
        return self._identity

    @property
    def token(self) -> str | None:
        return self._ctx.data.get(CONTEXT_KEY)


def require_role(identity: Identity, *roles: str, message: str = "当前角色无权执行此操作"):
    if identity.role not in roles and not identity.is_system:
        raise Forbidden(message, "forbidden")


def require_writer(identity: Identity):
    if not identity.may_write:
        raise Forbidden("只读账号不能修改数据", "read_only")
