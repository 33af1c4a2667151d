"""Tables the research service owns."""

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
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


class Topic(Base):
    __tablename__ = "topics"
    # (year, slot) is unique and slot is 1 or 2: two offices racing for a third topic
    # cannot both win, whatever the isolation level of the database
    __table_args__ = (UniqueConstraint("year", "slot", name="uq_topics_year_slot"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    slot: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    lead_unit: Mapped[str] = mapped_column(String(60), index=True)
    participating_units: Mapped[list] = mapped_column(JSON)
    questions: Mapped[list] = mapped_column(JSON)
    deliverables: Mapped[list] = mapped_column(JSON, default=list)
    due_on = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # the one final report of the topic: a single column makes "exactly one" structural
    final_output_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    conclusion: Mapped[str | None] = mapped_column(Text, nullable=True)
    # title, questions and deliverables as plain text: JSON columns may store Chinese
    # escaped, and search is a substring match
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))
    concluded_at = mapped_column(DateTime(timezone=True), nullable=True)
    concluded_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    outputs: Mapped[list["Output"]] = relationship(order_by="Output.created_at", lazy="selectin")
    links: Mapped[list["TopicLink"]] = relationship(
        order_by="TopicLink.linked_at", lazy="selectin", cascade="all, delete-orphan"
    )
    history: Mapped[list["TopicHistory"]] = relationship(
        order_by="TopicHistory.id", lazy="selectin"
    )


class Output(Base):
    __tablename__ = "outputs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # the current version's text, kept here for lists and search; versions keep every text
    content: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(60))
    author: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))
    updated_at = mapped_column(DateTime(timezone=True))
    versions: Mapped[list["OutputVersion"]] = relationship(
        order_by="OutputVersion.version", lazy="selectin"
    )


class OutputVersion(Base):
    __tablename__ = "output_versions"
    output_id: Mapped[str] = mapped_column(ForeignKey("outputs.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(60))
    author: Mapped[str] = mapped_column(String(120))
    created_at = mapped_column(DateTime(timezone=True))


class TopicLink(Base):
    """An item (planning) or problem (rectification) the topic studies, as it was when linked."""

    __tablename__ = "topic_links"
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    ref_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    # the supervised units or officials the linked item/problem is about (for portraits)
    subjects: Mapped[list] = mapped_column(JSON, default=list)
    linked_by: Mapped[str] = mapped_column(String(120))
    linked_at = mapped_column(DateTime(timezone=True))


class TopicHistory(Base):
    """What happened to a topic, in the order it happened, for the people working on it."""

    __tablename__ = "topic_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), index=True)
    at = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(120), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(60), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
