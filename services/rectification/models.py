"""Tables the rectification service owns."""

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from runtime.tables import add_runtime_tables


class Base(DeclarativeBase):
    pass


RUNTIME_TABLES = add_runtime_tables(Base.metadata)


class Problem(Base):
    __tablename__ = "problems"
    # a subject's newest problems (the portrait) read through this index, not sorted from all
    __table_args__ = (Index("ix_problems_subject_created", "subject", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(40))
    nature: Mapped[str] = mapped_column(String(20))
    origin_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    origin_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    unit: Mapped[str] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))
    tasks: Mapped[list["Task"]] = relationship(
        back_populates="problem", order_by="Task.created_at", lazy="selectin"
    )


class Task(Base):
    __tablename__ = "tasks"
    # a unit's newest tasks (the portrait, the unit's list) through this index
    __table_args__ = (Index("ix_tasks_unit_created", "responsible_unit", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    problem_id: Mapped[str] = mapped_column(ForeignKey("problems.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    responsible_unit: Mapped[str] = mapped_column(String(60))
    supervising_units: Mapped[list] = mapped_column(JSON)
    measures: Mapped[str] = mapped_column(Text)
    deadline = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    send_back_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    assigned_by: Mapped[str] = mapped_column(String(120))
    assigned_unit: Mapped[str] = mapped_column(String(60))
    created_at = mapped_column(DateTime(timezone=True))
    submitted_at = mapped_column(DateTime(timezone=True), nullable=True)
    verified_at = mapped_column(DateTime(timezone=True), nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    verified_unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # the deadline for which task_overdue was announced: once per task and deadline
    overdue_announced_for = mapped_column(Date, nullable=True)
    problem: Mapped[Problem] = relationship(back_populates="tasks", lazy="joined")
    history: Mapped[list["TaskEvent"]] = relationship(order_by="TaskEvent.seq", lazy="selectin")


class TaskEvent(Base):
    """One step of a task's life: assigned, a progress note, submitted, sent back, verified."""

    __tablename__ = "task_events"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    author: Mapped[str | None] = mapped_column(String(120), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    at = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("task_id", "seq", name="uq_task_events_seq"),)


class KeyUnit(Base):
    """整改重点单位. ``slot`` 1 or 2 lets the database itself refuse a third for a year."""

    __tablename__ = "key_units"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text, default="")
    selected_by: Mapped[str] = mapped_column(String(120))
    selected_at = mapped_column(DateTime(timezone=True))
    reported_at = mapped_column(DateTime(timezone=True), nullable=True)
    reported_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    report: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (
        UniqueConstraint("year", "unit", name="uq_key_units_year_unit"),
        CheckConstraint("slot in (1, 2)", name="ck_key_units_slot"),
    )


class Circular(Base):
    __tablename__ = "circulars"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    # 发文字号 〔number_year〕seq号: numbered within the year it is issued
    number_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    nature: Mapped[str] = mapped_column(String(20))
    problem_ids: Mapped[list] = mapped_column(JSON)
    redact: Mapped[list] = mapped_column(JSON)
    names: Mapped[list] = mapped_column(JSON)
    recipients: Mapped[str] = mapped_column(String(500), default="")
    cc: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    approved_at = mapped_column(DateTime(timezone=True), nullable=True)
    issued_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    issued_at = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    published_at = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    # the redacted public copy, computed once when published and served as stored
    public: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (UniqueConstraint("number_year", "seq", name="uq_circulars_number"),)
