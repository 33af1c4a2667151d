"""The leads service's nameko entrypoints: thin, they load, check the rules and store.

Need-to-know is enforced here, in the service that owns the data: a lead outside the caller's
need-to-know is ``NotFound`` for every RPC that names it and absent from every list, search,
portrait and trace answer. Aggregate counts (``stats``) stay available to everyone.
"""

import logging
import re
from datetime import date

from nameko.timer import Timer
from sqlalchemy import and_, case, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from contracts.errors import Forbidden, NotFound, ValidationFailed
from contracts.schemas import leads as schemas
from contracts.schemas.base import load
from contracts.units import OFFICE_UNIT
from runtime import clock
from runtime.db import Database
from runtime.events import event_handler
from runtime.identity import Identity
from runtime.ids import new_id
from runtime.rpc import ServiceRpc, rpc
from runtime.service_base import ServiceBase
from services.leads import metrics, rules, serialize, similarity
from services.leads.models import Base, Escalation, Lead, LeadStep, LeadUnit

log = logging.getLogger(__name__)

# the platform acting on its own behalf (the overdue check, links learned from events)
SYSTEM = Identity(username="system:leads", unit=OFFICE_UNIT, role="system")
DEFAULT_CHECK_SECONDS = 60
DUPLICATE_CANDIDATES = 500
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class OverdueTimer(Timer):
    """nameko's timer, every ``lead_overdue_check_seconds`` of the config (default 60), and
    once at start."""

    def __init__(self, **kwargs):
        kwargs.setdefault("interval", DEFAULT_CHECK_SECONDS)
        kwargs.setdefault("eager", True)
        super().__init__(**kwargs)

    def setup(self):
        self.interval = float(
            self.container.config.get("lead_overdue_check_seconds", DEFAULT_CHECK_SECONDS)
        )


overdue_timer = OverdueTimer.decorator


def _lead_id(payload) -> str:
    """The id asked for; anything that cannot be an id is simply not found (never a query)."""
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "请求体应为 JSON 对象", "validation_failed", {"_body": ["应为 JSON 对象"]}
        )
    value = str(payload.get("id") or "")
    return value if _ID.fullmatch(value) else ""


def _text(payload, key: str, limit: int) -> str:
    """A free-text RPC argument made safe for any database (no NUL, valid UTF-8)."""
    value = str(payload.get(key, "") if isinstance(payload, dict) else "")[:limit]
    return value.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8").strip()


def _body(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k != "id"}


def _overdue_clause(today: date):
    return or_(
        and_(Lead.status == "transferred", Lead.accept_due < today),
        and_(Lead.status.in_(rules.HANDLING), Lead.feedback_due < today),
    )


PORTRAIT_ROWS = 30
# what a portrait shows of a lead (serialize.search_hit, rules.overdue)
PORTRAIT_COLUMNS = (
    Lead.id,
    Lead.summary,
    Lead.status,
    Lead.subject,
    Lead.created_at,
    Lead.category,
    Lead.holder_unit,
    Lead.accept_due,
    Lead.feedback_due,
)


def _visible(stmt, who: Identity):
    """Narrow a query on ``Lead`` to the caller's need-to-know."""
    if rules.sees_all(who):
        return stmt
    if not rules.may_read_for_unit(who):
        return stmt.where(false())
    return stmt.where(Lead.id.in_(select(LeadUnit.lead_id).where(LeadUnit.unit == who.unit)))


def _state(lead) -> dict:
    return {
        "status": lead.status,
        "holder_unit": lead.holder_unit,
        "accept_due": clock.iso(lead.accept_due),
        "feedback_due": clock.iso(lead.feedback_due),
    }


# event type, audit action, and the step fields the event carries besides the lead
ACTIONS = {
    "transferred": ("lead_transferred", "transfer", ("to_unit", "reason")),
    "accepted": ("lead_accepted", "accept", ("note",)),
    "returned": ("lead_returned", "return", ("reason",)),
    "handling": ("lead_progressed", "progress", ("note",)),
    "concluded": ("lead_concluded", "feedback", ("result",)),
}


class LeadsService(ServiceBase):
    name = "leads"
    db = Database(Base.metadata)
    peers = ServiceRpc()  # RPC to the other services, with a deadline

    # -- registering -------------------------------------------------------------------------

    @rpc
    def register_lead(self, payload):
        """A lead by hand, or from a finding or a warning (``origin``), maybe sent on at once
        (``transfer_to``). Answers the lead with ``possible_duplicates`` the caller may see."""
        who = self.caller.identity
        rules.require_can_register(who)
        data = load(schemas.RegisterIn(), payload)
        today, now = clock.today(), clock.now()
        registered_on = rules.effective_date(
            who, data["registered_on"], today, field="registered_on"
        )
        year = data["year"] or self._origin_year(data.get("origin")) or registered_on.year
        with self.db.unit_of_work(who) as uow:
            unit = rules.acting_unit(who)
            origin = data.get("origin") or {}
            lead = Lead(
                id=new_id("lead"),
                subject=data["subject"].strip(),
                summary=data["summary"].strip(),
                category=data["category"].strip(),
                sensitivity=data["sensitivity"],
                status="registered",
                source_unit=unit,
                registered_by=who.username,
                registered_on=registered_on,
                year=year,
                holder_unit=unit,
                origin_kind=origin.get("kind"),
                origin_id=origin.get("id"),
                duplicates=[],
                problem_ids=[],
                created_at=now,
                updated_at=now,
            )
            lead.involve(unit, now)
            self._step(lead, who, {"action": "registered", "unit": unit, "on": registered_on}, now)
            uow.session.add(lead)
            self._flag_duplicates(uow.session, lead)
            uow.session.flush()
            uow.emit("lead_registered", {"lead": serialize.event_lead(lead, today)})
            uow.audit(
                "lead",
                lead.id,
                "register",
                after={
                    "subject": lead.subject,
                    "summary": lead.summary,
                    "category": lead.category,
                    "sensitivity": lead.sensitivity,
                    "origin": serialize.origin(lead),
                    "registered_on": clock.iso(registered_on),
                    "year": year,
                    "duplicates": lead.duplicates,
                    **_state(lead),
                },
            )
            sent = data.get("transfer_to")
            if sent:
                on = rules.effective_date(
                    who,
                    sent["transferred_on"],
                    today,
                    field="transfer_to.transferred_on",
                    not_before=registered_on,
                )
                before = _state(lead)
                self._apply(
                    uow,
                    lead,
                    who,
                    today,
                    now,
                    before,
                    rules.transfer(
                        lead, who, sent["to_unit"], sent["reason"], on, self._days(lead), now
                    ),
                )
            uow.session.flush()
            return serialize.lead(
                lead, today, self._visible_duplicates(uow.session, who, [lead])[lead.id]
            )

    # -- the lifecycle -----------------------------------------------------------------------

    @rpc
    def transfer_lead(self, payload):
        def change(lead, who, data, today, now):
            on = rules.effective_date(
                who,
                data["transferred_on"],
                today,
                field="transferred_on",
                not_before=rules.last_step_date(lead),
            )
            return rules.transfer(
                lead, who, data["to_unit"], data["reason"], on, self._days(lead), now
            )

        return self._act(payload, schemas.TransferIn(), change)

    @rpc
    def accept_lead(self, payload):
        return self._act(
            payload,
            schemas.AcceptIn(),
            lambda lead, who, data, today, now: rules.accept(lead, who, data["note"], today),
        )

    @rpc
    def return_lead(self, payload):
        return self._act(
            payload,
            schemas.ReturnIn(),
            lambda lead, who, data, today, now: rules.give_back(lead, who, data["reason"], today),
        )

    @rpc
    def record_progress(self, payload):
        return self._act(
            payload,
            schemas.ProgressIn(),
            lambda lead, who, data, today, now: rules.progress(lead, who, data["note"], today),
        )

    @rpc
    def give_feedback(self, payload):
        return self._act(
            payload,
            schemas.FeedbackIn(),
            lambda lead, who, data, today, now: rules.conclude(
                lead, who, data["result"], today, now
            ),
        )

    def _act(self, payload, schema, change):
        who = self.caller.identity
        lead_id = _lead_id(payload)
        today, now = clock.today(), clock.now()
        with self.db.unit_of_work(who) as uow:
            # need-to-know before anything else: an outsider learns nothing, not even 422
            lead = self._load(uow.session, lead_id, who, lock=True)
            data = load(schema, _body(payload))
            before = _state(lead)
            self._apply(uow, lead, who, today, now, before, change(lead, who, data, today, now))
            uow.session.flush()
            return serialize.lead(
                lead, today, self._visible_duplicates(uow.session, who, [lead])[lead.id]
            )

    def _apply(self, uow, lead, who, today, now, before: dict, step: dict):
        """Record a step the rules allowed: history, escalations, event, audit."""
        event_type, action, carried = ACTIONS[step["action"]]
        self._step(lead, who, step, now)
        self._resolve_escalations(uow.session, lead, now)
        uow.session.flush()
        uow.emit(
            event_type,
            {"lead": serialize.event_lead(lead, today), **{k: step.get(k) for k in carried}},
        )
        uow.audit(
            "lead",
            lead.id,
            action,
            before=before,
            after={
                **_state(lead),
                **{
                    k: (clock.iso(v) if isinstance(v, date) else v)
                    for k, v in step.items()
                    if v is not None and k != "action"
                },
            },
        )

    # -- reading ---------------------------------------------------------------------------

    @rpc
    def get_lead(self, payload):
        who = self.caller.identity
        lead_id = _lead_id(payload)
        with self.db.read() as session:
            lead = self._load(session, lead_id, who)
            return serialize.lead(
                lead, clock.today(), self._visible_duplicates(session, who, [lead])[lead.id]
            )

    @rpc
    def list_leads(self, payload):
        who = self.caller.identity
        query = load(schemas.LeadQuery(), payload or {})
        today = clock.today()
        with self.db.read() as session:
            stmt = _visible(select(Lead), who)
            if "status" in query:
                stmt = stmt.where(Lead.status == query["status"])
            if "overdue" in query:
                late = _overdue_clause(today)
                stmt = stmt.where(late if query["overdue"] else ~late)
            if "subject" in query:
                stmt = stmt.where(Lead.subject == query["subject"])
            if "category" in query:
                stmt = stmt.where(Lead.category == query["category"])
            if "unit" in query:
                stmt = stmt.where(Lead.holder_unit == query["unit"])
            if "year" in query:
                stmt = stmt.where(Lead.year == query["year"])
            total = session.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = session.scalars(
                stmt.order_by(Lead.created_at.desc(), Lead.id)
                .limit(query["limit"])
                .offset(query["offset"])
            ).all()
            dups = self._visible_duplicates(session, who, rows)
            return {"items": [serialize.lead(r, today, dups[r.id]) for r in rows], "total": total}

    @rpc
    def list_escalations(self, payload):
        """Overdue leads escalated to the office; a unit sees those within its need-to-know."""
        who = self.caller.identity
        query = load(schemas.EscalationQuery(), payload or {})
        with self.db.read() as session:
            stmt = _visible(select(Escalation, Lead).join(Lead, Lead.id == Escalation.lead_id), who)
            if query["status"] == "open":
                stmt = stmt.where(Escalation.resolved_at.is_(None))
            elif query["status"] == "resolved":
                stmt = stmt.where(Escalation.resolved_at.is_not(None))
            total = session.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = session.execute(
                stmt.order_by(Escalation.escalated_at.desc(), Escalation.id)
                .limit(query["limit"])
                .offset(query["offset"])
            ).all()
            return {"items": [serialize.escalation(e, lead) for e, lead in rows], "total": total}

    # -- deadlines: the overdue check -------------------------------------------------------

    @overdue_timer
    def overdue_tick(self):
        self._check_overdue()

    @rpc
    def check_overdue(self, payload=None):
        """Run the overdue check now (the office, or the platform itself)."""
        who = self.caller.identity
        if not (who.is_office or who.is_system):
            raise Forbidden("只有人大常委会办公室可以执行逾期检查", "office_only")
        return self._check_overdue()

    def _check_overdue(self) -> dict:
        today = clock.today()
        accepting = Lead.status == "transferred"
        escalated_before = (
            select(Escalation.id)
            .where(
                Escalation.lead_id == Lead.id,
                Escalation.deadline == case((accepting, "accept"), else_="feedback"),
                Escalation.due_on == case((accepting, Lead.accept_due), else_=Lead.feedback_due),
            )
            .exists()
        )
        with self.db.read() as session:
            late = dict(
                session.execute(
                    select(Lead.status, func.count())
                    .where(_overdue_clause(today))
                    .group_by(Lead.status)
                ).all()
            )
            # only what was not escalated yet: a tick over old overdue leads writes nothing
            fresh = session.scalars(
                select(Lead.id).where(_overdue_clause(today), ~escalated_before)
            ).all()
        escalated = 0
        for lead_id in fresh:
            try:
                escalated += self._escalate(lead_id, today)
            except IntegrityError:
                # another instance of this service escalated it in the same moment
                log.info("lead %s was escalated concurrently", lead_id)
        counts = {
            "accept": late.get("transferred", 0),
            "feedback": sum(late.values()) - late.get("transferred", 0),
        }
        metrics.set_overdue(counts)
        return {"escalated": escalated, "overdue": sum(counts.values())}

    def _escalate(self, lead_id: str, today: date) -> int:
        now = clock.now()
        with self.db.unit_of_work(SYSTEM) as uow:
            lead = uow.session.get(Lead, lead_id, with_for_update=True)
            if lead is None:
                return 0
            already = {
                (e.deadline, e.due_on)
                for e in uow.session.scalars(
                    select(Escalation).where(Escalation.lead_id == lead.id)
                )
            }
            due = rules.escalation_due(lead, today, already)
            if due is None:
                return 0
            deadline, due_on = due
            what = "受理" if deadline == "accept" else "反馈办理结果"
            uow.session.add(
                Escalation(
                    id=new_id("esc"),
                    lead_id=lead.id,
                    deadline=deadline,
                    due_on=due_on,
                    holder_unit=lead.holder_unit,
                    escalated_at=now,
                )
            )
            self._step(
                lead,
                SYSTEM,
                {
                    "action": "escalated",
                    "unit": None,
                    "to_unit": OFFICE_UNIT,
                    "on": today,
                    "note": f"超过{what}期限（{due_on.isoformat()}），已提请人大常委会办公室督办",
                },
                now,
            )
            uow.session.flush()
            uow.emit(
                "lead_overdue",
                {
                    "lead": serialize.event_lead(lead, today),
                    "deadline": deadline,
                    "due_on": due_on.isoformat(),
                },
            )
            uow.audit(
                "lead",
                lead.id,
                "escalate",
                after={
                    "deadline": deadline,
                    "due_on": due_on.isoformat(),
                    "holder_unit": lead.holder_unit,
                },
            )
            metrics.LEADS_ESCALATED.labels(deadline).inc()
            return 1

    # -- views other services and the gateway ask for ----------------------------------------

    @rpc
    def stats(self, payload):
        """Counts only, for everyone: need-to-know hides content, not how much work there is."""
        self.caller.identity  # noqa: B018 - authenticates
        year = (payload or {}).get("year") if isinstance(payload, dict) else None
        if year is not None:
            year = load(schemas.LeadQuery(), {"year": year})["year"]
        today = clock.today()
        with self.db.read() as session:

            def scoped(stmt):
                if year is None:
                    return stmt
                return stmt.where(Lead.year == year)

            by_status = dict(
                session.execute(
                    scoped(select(Lead.status, func.count()).group_by(Lead.status))
                ).all()
            )
            late = dict(
                session.execute(
                    scoped(
                        select(Lead.status, func.count())
                        .where(_overdue_clause(today))
                        .group_by(Lead.status)
                    )
                ).all()
            )
            per_unit = dict(
                session.execute(
                    scoped(select(Lead.holder_unit, func.count()).group_by(Lead.holder_unit))
                ).all()
            )
            per_category = dict(
                session.execute(
                    scoped(select(Lead.category, func.count()).group_by(Lead.category))
                ).all()
            )
            escalations = session.scalar(
                scoped(
                    select(func.count())
                    .select_from(Escalation)
                    .join(Lead, Lead.id == Escalation.lead_id)
                    .where(Escalation.resolved_at.is_(None))
                )
            )
        overdue_accept = late.get("transferred", 0)
        overdue_feedback = sum(late.values()) - overdue_accept
        return {
            "leads": by_status,
            "total": sum(by_status.values()),
            "open": sum(n for s, n in by_status.items() if s in rules.OPEN),
            "concluded": by_status.get("concluded", 0),
            "overdue": overdue_accept + overdue_feedback,
            "overdue_accept": overdue_accept,
            "overdue_feedback": overdue_feedback,
            "escalations_open": escalations or 0,
            "per_unit": per_unit,
            "per_category": per_category,
        }

    @rpc
    def search(self, payload):
        who = self.caller.identity
        q = _text(payload, "q", 100)
        if not q:
            return {"items": []}
        try:
            limit = max(1, min(int(payload.get("limit") or 20), 50))
        except (TypeError, ValueError):
            limit = 20
        with self.db.read() as session:
            rows = session.scalars(
                _visible(select(Lead), who)
                .where(
                    or_(
                        Lead.summary.contains(q, autoescape=True),
                        Lead.subject.contains(q, autoescape=True),
                    )
                )
                .order_by(Lead.created_at.desc())
                .limit(limit)
            )
            return {"items": [serialize.search_hit(r) for r in rows]}

    @rpc
    def by_subject(self, payload):
        """The leads about a subject that the caller may see, for portraits."""
        who = self.caller.identity
        subject = _text(payload, "subject", 120)
        today = clock.today()
        with self.db.read() as session:
            # the newest few, and how many in all: the leads list pages the rest.
            # Columns, not Lead objects: a portrait is asked often and needs none of the rest
            rows = session.execute(
                _visible(select(*PORTRAIT_COLUMNS), who)
                .where(Lead.subject == subject)
                .order_by(Lead.created_at.desc())
                .limit(PORTRAIT_ROWS)
            ).all()
            total = len(rows)
            if total == PORTRAIT_ROWS:
                total = session.scalar(
                    _visible(select(func.count(Lead.id)), who).where(Lead.subject == subject)
                )
            return {
                "total": total,
                "items": [
                    {
                        **serialize.search_hit(r),
                        "category": r.category,
                        "holder_unit": r.holder_unit,
                        "overdue": rules.overdue(r, today),
                    }
                    for r in reversed(rows)
                ],
            }

    @rpc
    def links(self, payload):
        """One lead in a trace and what it links to: its origin, the problems made from it,
        and resembling leads the caller may see."""
        who = self.caller.identity
        if not isinstance(payload, dict) or payload.get("kind") != "lead":
            raise NotFound("不支持的追溯对象", "not_found")
        with self.db.read() as session:
            lead = self._load(session, _lead_id(payload), who)
            dups = self._visible_duplicates(session, who, [lead])[lead.id]
            links = [
                *([serialize.origin(lead)] if lead.origin_kind else []),
                *({"kind": "problem", "id": p} for p in lead.problem_ids or []),
                *({"kind": "lead", "id": d["id"], "relation": "possible_duplicate"} for d in dups),
            ]
            return {
                "node": {
                    "kind": "lead",
                    "id": lead.id,
                    "title": serialize.title(lead),
                    "status": lead.status,
                    "subject": lead.subject,
                    "holder_unit": lead.holder_unit,
                },
                "links": links,
            }

    # -- links announced by other services ---------------------------------------------------

    @event_handler("rectification", "problem_recorded")
    def on_problem_recorded(self, envelope):
        problem = envelope["payload"].get("problem") or {}
        origin = problem.get("origin") or {}
        if origin.get("kind") != "lead" or not problem.get("id"):
            return
        now = clock.now()
        with self.db.unit_of_work(SYSTEM) as uow:
            if not uow.first_time(envelope):
                return
            lead = uow.session.get(Lead, str(origin.get("id")))
            if lead is None or problem["id"] in (lead.problem_ids or []):
                return
            lead.problem_ids = [*(lead.problem_ids or []), problem["id"]]
            self._step(
                lead,
                Identity(
                    envelope.get("actor") or "rectification", envelope.get("source_unit"), "system"
                ),
                {
                    "action": "problem_recorded",
                    "unit": envelope.get("source_unit"),
                    "note": f"已转为整改问题：{problem.get('title') or problem['id']}",
                },
                now,
            )
            uow.audit("lead", lead.id, "link_problem", after={"problem": problem["id"]})

    # -- helpers -------------------------------------------------------------------------------

    def _origin_year(self, origin) -> int | None:
        """A lead from a planning finding counts in the year of the finding's item. Asked of
        planning as the caller; if planning cannot say, the registration year applies."""
        if not origin or origin.get("kind") != "finding":
            return None
        try:
            finding = self.peers.planning.get_finding({"id": origin["id"]})
            return int(self.peers.planning.get_item({"id": finding["item_id"]})["year"])
        except Exception as exc:  # noqa: BLE001 - the year is a convenience, never a failure
            log.info(
                "year of finding %s unknown (%s); using the registration year",
                origin.get("id"),
                exc.__class__.__name__,
            )
            return None

    def _days(self, lead) -> tuple[int, int]:
        return rules.deadline_days(lead.category, self.config.get("lead_deadlines"))

    @staticmethod
    def _load(session, lead_id: str, who: Identity, lock: bool = False) -> Lead:
        lead = session.get(Lead, lead_id, with_for_update=lock) if lead_id else None
        if lead is None:
            raise NotFound("线索不存在", "not_found")
        rules.require_visible(who, lead)
        return lead

    @staticmethod
    def _step(lead, who: Identity, step: dict, now) -> None:
        lead.steps.append(
            LeadStep(
                seq=len(lead.steps) + 1,
                actor=who.username,
                at=now,
                **{k: v for k, v in step.items()},
            )
        )
        lead.updated_at = now

    @staticmethod
    def _resolve_escalations(session, lead, now) -> None:
        """An escalation stands while its deadline is the one the lead still runs against."""
        current = rules.current_deadline(lead)
        stale = [
            e
            for e in session.scalars(
                select(Escalation).where(
                    Escalation.lead_id == lead.id, Escalation.resolved_at.is_(None)
                )
            )
            if (e.deadline, e.due_on) != current
        ]
        if stale:
            session.execute(
                update(Escalation)
                .where(Escalation.id.in_([e.id for e in stale]))
                .values(resolved_at=now)
            )

    @staticmethod
    def _flag_duplicates(session, lead) -> None:
        """Open leads on the same subject that resemble this one, linked both ways. All are
        kept; each reader is shown only those within its own need-to-know."""
        candidates = session.scalars(
            select(Lead)
            .where(Lead.subject == lead.subject, Lead.status.in_(rules.OPEN), Lead.id != lead.id)
            .order_by(Lead.created_at.desc())
            .limit(DUPLICATE_CANDIDATES)
        ).all()
        matches = similarity.resembling(lead.summary, [(c, c.summary) for c in candidates])
        lead.duplicates = [{"id": c.id, "score": score} for c, score in matches]
        for c, score in matches:
            c.duplicates = [*(c.duplicates or []), {"id": lead.id, "score": score}]

    @staticmethod
    def _visible_duplicates(session, who: Identity, leads) -> dict[str, list[dict]]:
        ids = {d["id"] for lead in leads for d in (lead.duplicates or [])}
        others = {}
        if ids:
            others = {
                o.id: o
                for o in session.scalars(select(Lead).where(Lead.id.in_(ids)))
                if rules.may_see(who, o.units)
            }
        out = {}
        for lead in leads:
            found = [
                serialize.duplicate(others[d["id"]], d["score"])
                for d in (lead.duplicates or [])
                if d["id"] in others
            ]
            out[lead.id] = sorted(found, key=lambda d: -d["score"])
        return out
