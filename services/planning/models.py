"""Tables the planning service owns."""

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from runtime.tables import add_runtime_tables


class Base(DeclarativeBase):
    pass


RUNTIME_TABLES = add_runtime_tables(Base.metadata)


class Proposal(Base):
    __tablename__ = "proposals"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text)
    concern_source: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(60))
    proposed_by: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))


class Meeting(Base):
    __tablename__ = "meetings"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    held_on = mapped_column(Date)
    attending_units: Mapped[list] = mapped_column(JSON)
    proposal_ids: Mapped[list] = mapped_column(JSON)
    minutes: Mapped[str] = mapped_column(Text)
    decisions: Mapped[list] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))


class Plan(Base):
    __tablename__ = "plans"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(20))
    created_at = mapped_column(DateTime(timezone=True))
    adopted_at = mapped_column(DateTime(timezone=True), nullable=True)
    items: Mapped[list["Item"]] = relationship(back_populates="plan", order_by="Item.seq")


class Item(Base):
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("plans.year"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(40))
    lead_unit: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    participating_units: Mapped[list] = mapped_column(JSON)
    key: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    subjects: Mapped[list] = mapped_column(JSON, default=list)
    proposal_ids: Mapped[list] = mapped_column(JSON, default=list)
    conclusion: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(DateTime(timezone=True))
    started_at = mapped_column(DateTime(timezone=True), nullable=True)
    concluded_at = mapped_column(DateTime(timezone=True), nullable=True)
    plan: Mapped[Plan] = relationship(back_populates="items")
    versions: Mapped[list["ImplementationPlanVersion"]] = relationship(
        order_by="ImplementationPlanVersion.version", lazy="selectin"
    )
    staff: Mapped[list["Staff"]] = relationship(order_by="Staff.dispatched_at", lazy="selectin")
    milestones: Mapped[list["Milestone"]] = relationship(
        order_by="Milestone.due_on", lazy="selectin"
    )
    findings: Mapped[list["Finding"]] = relationship(order_by="Finding.created_at", lazy="selectin")
    notes: Mapped[list["ProgressNote"]] = relationship(
        order_by="ProgressNote.created_at", lazy="selectin"
    )


class ImplementationPlanVersion(Base):
    __tablename__ = "implementation_plan_versions"
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    content: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(60))
    created_at = mapped_column(DateTime(timezone=True))
    approved_at = mapped_column(DateTime(timezone=True), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    unit: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(60))
    dispatched_at = mapped_column(DateTime(timezone=True))


class Milestone(Base):
    __tablename__ = "milestones"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_unit: Mapped[str] = mapped_column(String(60))
    due_on = mapped_column(Date)
    done_on = mapped_column(Date, nullable=True)


class ProgressNote(Base):
    __tablename__ = "progress_notes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    milestone_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    unit: Mapped[str] = mapped_column(String(60))
    author: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(DateTime(timezone=True))


class Finding(Base):
    __tablename__ = "findings"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(120), index=True)
    unit: Mapped[str] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))
    lead_ids: Mapped[list] = mapped_column(JSON, default=list)
    problem_ids: Mapped[list] = mapped_column(JSON, default=list)
