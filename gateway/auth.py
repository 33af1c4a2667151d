"""Local users (development and small deployments), password hashing and login throttling."""

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from contracts.errors import TooManyRequests, Unauthenticated
from gateway.models import LoginThrottle, User
from runtime import clock
from runtime.identity import issue_token

_hasher = PasswordHasher()
# a real hash to verify against when the user does not exist, so timing does not tell
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def login(session, username: str, password: str, *, max_failures: int, lockout_seconds: int):
    """Returns (token, ttl, user) or raises 401/429. Commits the throttle state itself."""
    now = clock.now()
    throttle = session.get(LoginThrottle, username)
    if throttle and throttle.locked_until and clock.aware(throttle.locked_until) > now:
        wait = int((clock.aware(throttle.locked_until) - now).total_seconds()) + 1
        raise TooManyRequests(f"登录失败次数过多，请 {wait} 秒后再试", "login_throttled")
    user = session.get(User, username)
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        throttle = throttle or LoginThrottle(username=username, failures=0)
        throttle.failures = (throttle.failures or 0) + 1
        if throttle.failures >= max_failures:
            throttle.locked_until = now + timedelta(seconds=lockout_seconds)
            throttle.failures = 0
        session.merge(throttle)
        session.commit()
        raise Unauthenticated("用户名或密码错误", "invalid_credentials")
    if throttle:
        session.delete(throttle)
        session.commit()
    token, ttl = issue_token(user.username, user.unit, user.role)
    return token, ttl, user
