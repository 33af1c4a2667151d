"""Tables the gateway owns: local users, login throttling, notifications."""

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runtime.tables import add_runtime_tables


class Base(DeclarativeBase):
    pass


RUNTIME_TABLES = add_runtime_tables(Base.metadata)


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(30))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    __tablename__ = "login_throttle"
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until = mapped_column(DateTime(timezone=True), nullable=True)


class Notification(Base):
    """A notice addressed to a unit (optionally one role, optionally one user)."""

    __tablename__ = "notifications"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit: Mapped[str] = mapped_column(String(60), index=True)
    role: Mapped[str | None] = mapped_column(String(30), nullable=True)
    username: Mapped[str | None] = mapped_column(String(120), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    entity: Mapped[dict] = mapped_column(JSON)
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at = mapped_column(DateTime(timezone=True), index=True)
    due_on = mapped_column(Date, nullable=True)


class NotificationRead(Base):
    __tablename__ = "notification_reads"
    notification_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    read_at = mapped_column(DateTime(timezone=True))


class DeadlineWatch(Base):
    """A due date learned from an event (a lead's acceptance or feedback, a task's deadline),
    open until a later event closes it; the gateway's timer reminds three days ahead."""

    __tablename__ = "deadline_watches"
    __table_args__ = (Index("ix_deadline_watches_open_due", "open", "due_on"),)
    entity_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[str] = mapped_column(String(20), primary_key=True)
    open: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on = mapped_column(Date, nullable=True)
    units: Mapped[list] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(300), default="")
    event_at = mapped_column(DateTime(timezone=True), nullable=True)
    reminded_due = mapped_column(Date, nullable=True)
