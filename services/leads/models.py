"""Tables the leads service owns."""

from sqlalchemy import (
    JSON,
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


class Lead(Base):
    __tablename__ = "leads"
    # a subject's newest leads (the portrait) read through this index, not sorted from all
    __table_args__ = (Index("ix_leads_subject_created", "subject", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    sensitivity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    source_unit: Mapped[str] = mapped_column(String(60))
    registered_by: Mapped[str] = mapped_column(String(120))
    registered_on = mapped_column(Date)
    # the work year it counts in (a 2025 item's finding is 2025's lead, whenever entered)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    holder_unit: Mapped[str] = mapped_column(String(60), index=True)
    # the unit that sent it to the current holder: where a return sends it back
    sender_unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    transferred_on = mapped_column(Date, nullable=True)
    accepted_on = mapped_column(Date, nullable=True)
    accept_due = mapped_column(Date, nullable=True, index=True)
    feedback_due = mapped_column(Date, nullable=True, index=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    origin_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    origin_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # [{id, score}] of open leads on the same subject that resembled it (or it them)
    duplicates: Mapped[list] = mapped_column(JSON, default=list)
    problem_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at = mapped_column(DateTime(timezone=True))
    updated_at = mapped_column(DateTime(timezone=True))
    concluded_at = mapped_column(DateTime(timezone=True), nullable=True)
    unit_rows: Mapped[list["LeadUnit"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="LeadUnit.since"
    )
    steps: Mapped[list["LeadStep"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="LeadStep.seq"
    )

    @property
    def units(self) -> list[str]:
        """Need-to-know: every unit that registered, transferred or held it."""
        return [row.unit for row in self.unit_rows]

    def involve(self, unit: str, now) -> None:
        if unit not in self.units:
            self.unit_rows.append(LeadUnit(unit=unit, since=now))


class LeadUnit(Base):
    """One row per unit within a lead's need-to-know (indexed for list filtering)."""

    __tablename__ = "lead_units"
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    since = mapped_column(DateTime(timezone=True))


class LeadStep(Base):
    """The lead's history: one row per step of its lifecycle."""

    __tablename__ = "lead_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(120), nullable=True)
    at = mapped_column(DateTime(timezone=True))
    # the date the step counts from (differs from ``at`` only for the office's 补录)
    on = mapped_column("on_date", Date, nullable=True)
    to_unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)


class Escalation(Base):
    """An overdue lead escalated to the office: once per lead, deadline and due date."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("lead_id", "deadline", "due_on", name="uq_escalation_once"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"), index=True)
    deadline: Mapped[str] = mapped_column(String(20))  # accept | feedback
    due_on = mapped_column(Date)
    holder_unit: Mapped[str] = mapped_column(String(60))
    escalated_at = mapped_column(DateTime(timezone=True))
    resolved_at = mapped_column(DateTime(timezone=True), nullable=True, index=True)
