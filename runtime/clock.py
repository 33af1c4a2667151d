"""Time: stored in UTC, shown in Asia/Shanghai, deadlines in calendar days."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(LOCAL_TZ).date()


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601 with the +08:00 offset for times; plain dates stay dates."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite gives naive UTC back
            value = value.replace(tzinfo=UTC)
        return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
    return value.isoformat()


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def add_days(start: date, days: int) -> date:
    return start + timedelta(days=days)
