"""The sharing service's nameko entrypoints: thin, they load, check the rules and store."""

from datetime import UTC, datetime

import eventlet
from sqlalchemy import func, or_, select, text

from contracts.errors import NotFound
from contracts.records import DEFAULT_RECORD_KINDS
from contracts.schemas import sharing as schemas
from contracts.schemas.base import load
from contracts.units import registry
from runtime import clock
from runtime.db import Database
from runtime.events import event_handler
from runtime.identity import Identity
from runtime.ids import new_id
from runtime.rpc import ServiceRpc, rpc
from runtime.service_base import ServiceBase
from services.sharing import counts, metrics, pages, rules, serialize, store
from services.sharing import warnings as wr
from services.sharing.ingest import AgencyKeys, records_consumer
from services.sharing.models import (
    Base,
    EarlyWarning,
    Quarantined,
    Record,
    RectificationFact,
    Result,
    Reuse,
    WarningRecord,
)

# one key for the advisory lock that lets concurrent consumers (PostgreSQL) see each other's
# records and warnings when a rule joins them: taken after the inserts, held to the commit
WARNINGS_LOCK = 7_310_312_001
MAX_WARNING_RECORDS = 200


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SharingService(ServiceBase):
    name = "sharing"
    db = Database(Base.metadata)
    keys = AgencyKeys()
    services = ServiceRpc()

    # -- configuration ------------------------------------------------------------------------

    def _record_kinds(self) -> dict:
        kinds = self.config.get("record_kinds")
        return kinds if isinstance(kinds, dict) and kinds else dict(DEFAULT_RECORD_KINDS)

    def _sharing_rules(self) -> dict:
        return self.config.get("sharing_rules") or {}

    def _trusted_users(self) -> list[str]:
        value = self.config.get("records_trusted_users", "guest")
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return [str(v) for v in value or ()]

    def _user_agencies(self) -> dict[str, str]:
        value = self.config.get("records_broker_users") or {}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def _warning_rules(self) -> dict[str, wr.RuleSpec]:
        return wr.configured_rules(self.config.get("sharing_warnings"))

    def _readable(self, who: Identity):
        return rules.readable_types(who, self._sharing_rules(), self._record_kinds())

    def _coordinating(self) -> list[str]:
        return registry().coordinating()

    # -- 信息共享: agency records arrive ----------------------------------------------------------

    @records_consumer
    def receive_records(self, delivery):
        screened = rules.screen(
            delivery,
            public_keys=self.keys,
            record_kinds=self._record_kinds(),
            trusted_users=self._trusted_users(),
            user_agencies=self._user_agencies(),
            pause=eventlet.sleep,
        )
        sender = screened.sender
        actor = Identity(
            username=f"adapter:{sender or delivery.user_id or '?'}"[:120],
            unit=sender,
            role="adapter",
        )
        now = clock.now()
        message_id = (delivery.message_id or None) and str(delivery.message_id)[:128]
        specs = self._warning_rules()
        with self.db.unit_of_work(actor) as uow:
            new = store.insert_records(
                uow.session,
                screened.good,
                sender=delivery.user_id,
                message_id=message_id,
                now=now,
                manifest=screened.manifest,
                source_unit=sender,
            )
            counts.bump(uow.session, new)
            quarantined = store.insert_refusals(
                uow.session,
                screened.refused,
                sender=sender,
                routing_key=delivery.routing_key,
                message_id=message_id,
                now=now,
            )
            raised = []
            if new and self._rules_care(specs, new):
                self._lock_warnings(uow.session)
                raised = store.evaluate_records(uow.session, specs, new, now, registry().name)
            for hit in raised:
                self._announce(uow, hit)
            uow.audit(
                "records",
                store.clean(delivery.key())[:64],
                "receive",
                after={
                    "sender": sender,
                    "routing_key": delivery.routing_key,
                    "stored": len(new),
                    "duplicates": len(screened.good) - len(new) + screened.duplicates_in_batch,
                    "refused": len(screened.refused),
                    "quarantined": quarantined,
                    "record_ids": [r["record_id"] for r in new],  # every one: a batch is bounded
                    "warnings": [h.warning.id for h in raised],
                },
            )
        agency = sender or "unknown"
        metrics.RECORDS.labels(agency, "stored").inc(len(new))
        metrics.RECORDS.labels(agency, "duplicate").inc(
            len(screened.good) - len(new) + screened.duplicates_in_batch
        )
        metrics.RECORDS.labels(agency, "quarantined").inc(len(screened.refused))
        return {"stored": len(new), "quarantined": quarantined}

    @staticmethod
    def _lock_warnings(session):
        """Serialise rule evaluation across consumers until commit (PostgreSQL; SQLite has one
        writer already), so a rule joining two facts sees the one committed just before."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WARNINGS_LOCK})

    @staticmethod
    def _rules_care(specs, rows) -> bool:
        types = {t for s in specs.values() for t in (*s.trigger_types, *s.evidence_types)}
        return any(r["type"] in types for r in rows)

    def _announce(self, uow, hit):
        w = hit.warning
        if hit.created:
            metrics.WARNINGS.labels(w.rule).inc()
            uow.emit("warning_raised", {"warning": serialize.warning_event(w)})
            uow.audit(
                "warning",
                w.id,
                "raise",
                after={
                    "rule": w.rule,
                    "subject": w.subject,
                    "key": w.key,
                    "title": w.title,
                    "facts": w.facts,
                    "records_attached": hit.attached,
                },
            )
        elif hit.attached:
            uow.audit(
                "warning",
                w.id,
                "evidence",
                after={"records_attached": hit.attached, "facts": w.facts},
            )

    # -- records ------------------------------------------------------------------------------

    @rpc
    def list_records(self, payload):
        who = self.caller.identity
        query = load(schemas.RecordQuery(), payload or {})
        types = rules.narrow(query.get("type"), self._readable(who))
        if types == []:
            return {"items": [], "total": 0}
        with self.db.read() as session:
            # kept with the records (services.sharing.counts): no COUNT(*) over a million rows
            total = counts.total(
                session,
                subject=query.get("subject"),
                types=types,
                source_unit=query.get("source_unit"),
            )
            rows = pages.newest(
                session,
                types=types,
                subject=query.get("subject"),
                source_unit=query.get("source_unit"),
                limit=query["limit"],
                offset=query["offset"],
            )
            return {"items": [serialize.record(r) for r in rows], "total": total}

    @rpc
    def get_record(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            row = self._record(session, (payload or {}).get("id"), self._readable(who))
            out = serialize.record(row)
            out["warnings"] = [
                self._warning_brief(w)
                for w in self._visible_warnings(
                    session,
                    who,
                    select(EarlyWarning)
                    .join(WarningRecord, WarningRecord.warning_id == EarlyWarning.id)
                    .where(WarningRecord.record_pk == row.id),
                )
            ]
            return out

    def _record(self, session, key, readable) -> Record:
        try:
            pk = int(str(key))
        except (TypeError, ValueError):
            raise NotFound("共享数据不存在", "not_found") from None
        row = session.get(Record, pk)
        if row is None or not rules.may_read(row.type, readable):
            raise NotFound("共享数据不存在", "not_found")
        return row

    @rpc
    def portrait_facts(self, payload):
        """The facts about a subject the caller may read, with provenance (the newest ``limit``,
        oldest first; counts of all of them by type), and its warnings."""
        who = self.caller.identity
        query = load(schemas.PortraitQuery(), payload or {})
        subject, readable = query["subject"], self._readable(who)
        types = rules.narrow(None, readable)
        with self.db.read() as session:
            stmt = select(Record).where(Record.subject == subject)
            if types is not None:
                stmt = stmt.where(Record.type.in_(types or ["-"]))
            # newest first through the (subject, occurred_at) index: a subject with a hundred
            # thousand records costs what one with a hundred does
            rows = list(
                session.scalars(
                    stmt.order_by(Record.occurred_at.desc(), Record.id.desc()).limit(query["limit"])
                )
            )[::-1]
            by_type = counts.by_type(session, subject=subject, types=types)
            total = sum(by_type.values())
            warnings = [
                self._warning_out(session, w, readable)
                for w in self._visible_warnings(
                    session,
                    who,
                    select(EarlyWarning)
                    .where(EarlyWarning.subject == subject)
                    .order_by(EarlyWarning.raised_at),
                )
            ]
            return {
                "subject": subject,
                "subject_name": registry().name(subject),
                "facts": [serialize.record(r) for r in rows],
                "facts_total": total,
                "by_type": by_type,
                "warnings": warnings,
            }

    # -- early warnings -----------------------------------------------------------------------

    def _warning_filter(self, stmt, who: Identity):
        readable = self._readable(who)
        if readable is None:
            return stmt
        if who.unit not in self._coordinating():
            return stmt.where(False)
        return stmt.where(
            or_(
                EarlyWarning.visible_type.is_(None),
                EarlyWarning.visible_type.in_(sorted(readable) or ["-"]),
            )
        )

    def _visible_warnings(self, session, who, stmt):
        return list(session.scalars(self._warning_filter(stmt, who)))

    def _warning_out(self, session, w, readable) -> dict:
        rows = session.execute(
            select(Record, WarningRecord.role)
            .join(WarningRecord, WarningRecord.record_pk == Record.id)
            .where(WarningRecord.warning_id == w.id)
            .order_by(Record.occurred_at, Record.id)
            .limit(MAX_WARNING_RECORDS)
        ).all()
        shown = [
            {**serialize.record(r), "role": role}
            for r, role in rows
            if rules.may_read(r.type, readable)
        ]
        out = serialize.warning(
            w,
            shown,
            hidden=len(rows) - len(shown),
            rule=self._warning_rules().get(w.rule) or _known_rule(w.rule),
        )
        return rules.hide_lead_link(out, self.caller.identity)

    @staticmethod
    def _warning_brief(w) -> dict:
        return {
            "kind": "warning",
            "id": w.id,
            "title": w.title,
            "status": w.status,
            "rule": w.rule,
            "at": clock.iso(w.raised_at),
        }

    def _load_warning(self, session, who, key, lock=False) -> EarlyWarning:
        stmt = self._warning_filter(
            select(EarlyWarning).where(EarlyWarning.id == str(key or "")), who
        )
        if lock and session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        w = session.scalar(stmt)
        if w is None:
            raise NotFound("预警不存在", "not_found")
        return w

    @rpc
    def list_warnings(self, payload):
        who = self.caller.identity
        query = load(schemas.WarningQuery(), payload or {})
        stmt = self._warning_filter(select(EarlyWarning), who)
        for name in ("status", "subject", "rule"):
            if query.get(name):
                stmt = stmt.where(getattr(EarlyWarning, name) == query[name])
        readable = self._readable(who)
        with self.db.read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = session.scalars(
                stmt.order_by(EarlyWarning.raised_at.desc(), EarlyWarning.id)
                .limit(query["limit"])
                .offset(query["offset"])
            )
            return {
                "items": [self._warning_out(session, w, readable) for w in rows],
                "total": total,
            }

    @rpc
    def get_warning(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            w = self._load_warning(session, who, (payload or {}).get("id"))
            return self._warning_out(session, w, self._readable(who))

    @rpc
    def list_warning_rules(self, payload=None):
        self.caller.identity  # noqa: B018 - authenticates
        return {"items": [s.as_dict() for s in self._warning_rules().values()]}

    @rpc
    def warning_to_lead(self, payload):
        """Turn a warning into a lead, sent on to ``to_unit`` (the leads service registers it)."""
        who = self.caller.identity
        rules.require_coordinating_writer(who, self._coordinating(), "将预警转为问题线索")
        payload = payload or {}
        data = load(schemas.ToLeadIn(), {k: v for k, v in payload.items() if k != "id"})
        now = clock.now()
        with self.db.unit_of_work(who) as uow:
            w = self._load_warning(uow.session, who, payload.get("id"), lock=True)
            rules.check_warning_convertible(w.status, w.handled_at, now)
            before = w.status
            # claimed before the call, so a second click cannot make a second lead
            w.status, w.handled_by, w.handled_unit, w.handled_at = (
                "converting",
                who.username,
                who.unit,
                now,
            )
            w.to_unit = data["to_unit"]
            latest = uow.session.scalar(
                select(func.max(Record.occurred_at))
                .join(WarningRecord, WarningRecord.record_pk == Record.id)
                .where(WarningRecord.warning_id == w.id)
            )
            request = {
                "subject": w.subject,
                # the lead belongs to the year of the facts that raised it, not of the click
                **({"year": clock.aware(latest).astimezone(clock.LOCAL_TZ).year} if latest else {}),
                "summary": f"{w.title}：{w.explanation}"[:5000],
                "category": data["category"] or w.category or "default",
                "sensitivity": data["sensitivity"],
                "origin": {"kind": "warning", "id": w.id},
                "transfer_to": {
                    "to_unit": data["to_unit"],
                    "reason": (data["reason"] or f"风险预警移送（{w.title}）")[:500],
                },
            }
        try:
            lead = self.services.leads.register_lead(request)
        except Exception:
            with self.db.unit_of_work(who) as uow:
                w = uow.session.get(EarlyWarning, payload.get("id"))
                if w is not None and w.status == "converting":
                    w.status, w.handled_by, w.handled_unit, w.handled_at, w.to_unit = (
                        before,
                        None,
                        None,
                        None,
                        None,
                    )
            raise
        with self.db.unit_of_work(who) as uow:
            w = uow.session.get(EarlyWarning, payload.get("id"))
            w.status, w.lead_id, w.updated_at = "converted", lead.get("id"), clock.now()
            uow.audit(
                "warning",
                w.id,
                "to_lead",
                before={"status": before},
                after={"status": "converted", "lead_id": w.lead_id, "to_unit": w.to_unit},
            )
        return lead

    @rpc
    def dismiss_warning(self, payload):
        who = self.caller.identity
        rules.require_coordinating_writer(who, self._coordinating(), "排除预警")
        payload = payload or {}
        data = load(schemas.DismissIn(), {k: v for k, v in payload.items() if k != "id"})
        with self.db.unit_of_work(who) as uow:
            w = self._load_warning(uow.session, who, payload.get("id"), lock=True)
            rules.check_warning_dismissible(w.status)
            w.status, w.dismiss_reason = "dismissed", data["reason"].strip()
            w.handled_by, w.handled_unit, w.handled_at = who.username, who.unit, clock.now()
            w.updated_at = w.handled_at
            uow.audit(
                "warning",
                w.id,
                "dismiss",
                before={"status": "open"},
                after={"status": "dismissed", "reason": w.dismiss_reason},
            )
            return self._warning_out(uow.session, w, self._readable(who))

    @event_handler("leads", "lead_registered")
    def on_lead_registered(self, envelope):
        """A lead made from a warning (here, or by anyone) closes that warning with the link."""
        lead = (envelope.get("payload") or {}).get("lead") or {}
        origin = lead.get("origin") or {}
        if origin.get("kind") != "warning" or not lead.get("id"):
            return
        with self.db.unit_of_work(None) as uow:
            if not uow.first_time(envelope):
                return
            w = uow.session.get(EarlyWarning, str(origin.get("id")))
            if w is None or w.lead_id == lead["id"]:
                return
            before = w.status
            w.status, w.lead_id, w.updated_at = "converted", lead["id"], clock.now()
            w.to_unit = w.to_unit or lead.get("holder_unit")
            uow.audit(
                "warning",
                w.id,
                "link_lead",
                before={"status": before},
                after={"status": "converted", "lead_id": lead["id"]},
            )

    # -- a problem that comes back after its rectification was verified ---------------------

    @event_handler("rectification", "task_verified")
    def on_task_verified(self, envelope):
        task = (envelope.get("payload") or {}).get("task") or {}
        if not task.get("id") or not task.get("subject"):
            return
        at = _when(task.get("verified_at")) or _when(envelope.get("occurred_at"))
        self._rectification_fact(
            envelope,
            "verified_task",
            task["id"],
            task["subject"],
            task.get("problem_title") or task.get("title") or "",
            at,
            task.get("problem_id"),
        )

    @event_handler("rectification", "problem_recorded")
    def on_problem_recorded(self, envelope):
        problem = (envelope.get("payload") or {}).get("problem") or {}
        if not problem.get("id") or not problem.get("subject"):
            return
        at = _when(problem.get("created_at")) or _when(envelope.get("occurred_at"))
        self._rectification_fact(
            envelope,
            "problem",
            problem["id"],
            problem["subject"],
            problem.get("title") or "",
            at,
            problem["id"],
        )

    def _rectification_fact(self, envelope, kind, ref_id, subject, title, at, problem_id):
        spec = self._warning_rules().get("problem_recurred")
        with self.db.unit_of_work(None) as uow:
            if not uow.first_time(envelope):
                return
            self._lock_warnings(uow.session)  # the verification and the problem race otherwise
            fact_id = f"{kind}:{ref_id}"[:80]
            if uow.session.get(RectificationFact, fact_id) is None:
                uow.session.add(
                    RectificationFact(
                        id=fact_id,
                        kind=kind,
                        ref_id=str(ref_id)[:64],
                        subject=str(subject)[:128],
                        title=str(title)[:300],
                        problem_id=problem_id and str(problem_id)[:64],
                        at=at or clock.now(),
                    )
                )
                uow.session.flush()
            if spec is None:
                return
            facts = list(
                uow.session.scalars(
                    select(RectificationFact).where(RectificationFact.subject == subject)
                )
            )
            verified = [f for f in facts if f.kind == "verified_task"]
            problems = [f for f in facts if f.kind == "problem"]
            now = clock.now()
            for v in verified:
                for p in problems:
                    if fact_id not in (f"verified_task:{v.ref_id}", f"problem:{p.ref_id}"):
                        continue
                    signal = wr.recurrence(spec, _fact(v), _fact(p), registry().name)
                    if signal is None:
                        continue
                    warning, created = store.upsert(uow.session, spec, signal, now)
                    self._announce(uow, store.Raised(warning, created, 0))

    # -- 成果共用: the results library -------------------------------------------------------------

    @event_handler("planning", "item_concluded")
    def on_item_concluded(self, envelope):
        item = (envelope.get("payload") or {}).get("item") or {}
        if not item.get("id"):
            return
        self._add_result(
            envelope,
            kind="item_conclusion",
            origin=("item", item["id"]),
            title=item.get("title") or "监督事项结论",
            content=item.get("conclusion") or "",
            source_unit=item.get("lead_unit"),
            units=[
                u for u in [item.get("lead_unit"), *(item.get("participating_units") or [])] if u
            ],
            year=item.get("year"),
            meta={
                "form": item.get("form"),
                "key": item.get("key"),
                "concluded_at": item.get("concluded_at"),
            },
        )

    @event_handler("research", "research_topic_concluded")
    def on_research_concluded(self, envelope):
        payload = envelope.get("payload") or {}
        topic, final = payload.get("topic") or {}, payload.get("final_output") or {}
        if not topic.get("id"):
            return
        origin = ("output", final["id"]) if final.get("id") else ("topic", topic["id"])
        self._add_result(
            envelope,
            kind="research_output",
            origin=origin,
            title=final.get("title") or topic.get("title") or "研究成果",
            content=final.get("content") or topic.get("conclusion") or "",
            source_unit=topic.get("lead_unit"),
            units=[
                u for u in [topic.get("lead_unit"), *(topic.get("participating_units") or [])] if u
            ],
            year=topic.get("year"),
            meta={
                "topic_id": topic["id"],
                "topic_title": topic.get("title"),
                "version": final.get("version"),
                "conclusion": topic.get("conclusion"),
            },
        )

    @event_handler("rectification", "circular_issued")
    def on_circular_issued(self, envelope):
        circular = (envelope.get("payload") or {}).get("circular") or {}
        if not circular.get("id"):
            return
        self._add_result(
            envelope,
            kind="circular",
            origin=("circular", circular["id"]),
            title=circular.get("title") or "通报",
            content=circular.get("body") or "",
            source_unit="npc",
            units=["npc"],
            year=circular.get("year"),
            meta={
                "nature": circular.get("nature"),
                "number": circular.get("number"),
                "issued_at": circular.get("issued_at"),
                "problem_ids": circular.get("problem_ids") or [],
            },
        )

    def _add_result(
        self, envelope, *, kind, origin, title, content, source_unit, units, year, meta
    ):
        with self.db.unit_of_work(None) as uow:
            if not uow.first_time(envelope):
                return
            exists = uow.session.scalar(
                select(Result.id).where(
                    Result.origin_kind == origin[0], Result.origin_id == str(origin[1])
                )
            )
            if exists:
                return
            r = Result(
                id=new_id("res"),
                kind=kind,
                title=str(title)[:300],
                content=str(content or ""),
                source_unit=source_unit,
                units=list(dict.fromkeys(units)),
                year=year if isinstance(year, int) else None,
                origin_kind=origin[0],
                origin_id=str(origin[1])[:64],
                meta=meta,
                created_at=clock.now(),
            )
            uow.session.add(r)
            uow.audit(
                "result",
                r.id,
                "add",
                after={
                    "kind": kind,
                    "title": r.title,
                    "origin": {"kind": origin[0], "id": r.origin_id},
                },
            )

    def _result_filter(self, stmt, who: Identity):
        # supervised units read the circulars addressed to them; the rest of the library is
        # the coordinating units' shared work
        if who.is_office_unit or who.is_system or who.unit in self._coordinating():
            return stmt
        return stmt.where(Result.kind == "circular")

    @rpc
    def list_results(self, payload):
        who = self.caller.identity
        query = load(schemas.ResultQuery(), payload or {})
        stmt = self._result_filter(select(Result), who)
        if query.get("kind"):
            stmt = stmt.where(Result.kind == query["kind"])
        if query.get("q"):
            like = _like(query["q"])
            stmt = stmt.where(
                or_(Result.title.like(like, escape="\\"), Result.content.like(like, escape="\\"))
            )
        with self.db.read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = list(
                session.scalars(
                    stmt.order_by(Result.created_at.desc(), Result.id)
                    .limit(query["limit"])
                    .offset(query["offset"])
                )
            )
            reuses = self._reuses(session, [r.id for r in rows])
            return {
                "items": [serialize.result(r, reuses.get(r.id, []), full=False) for r in rows],
                "total": total,
            }

    @staticmethod
    def _reuses(session, ids) -> dict:
        out: dict[str, list] = {}
        if ids:
            for u in session.scalars(
                select(Reuse).where(Reuse.result_id.in_(ids)).order_by(Reuse.at)
            ):
                out.setdefault(u.result_id, []).append(u)
        return out

    def _load_result(self, session, who, key) -> Result:
        r = session.scalar(
            self._result_filter(select(Result).where(Result.id == str(key or "")), who)
        )
        if r is None:
            raise NotFound("成果不存在", "not_found")
        return r

    @rpc
    def get_result(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            r = self._load_result(session, who, (payload or {}).get("id"))
            return serialize.result(r, self._reuses(session, [r.id]).get(r.id, []))

    @rpc
    def reuse_result(self, payload):
        who = self.caller.identity
        rules.require_coordinating_writer(who, self._coordinating(), "登记成果复用")
        payload = payload or {}
        data = load(schemas.ReuseIn(), {k: v for k, v in payload.items() if k != "id"})
        with self.db.unit_of_work(who) as uow:
            r = self._load_result(uow.session, who, payload.get("id"))
            u = Reuse(
                id=new_id("reuse"),
                result_id=r.id,
                unit=who.unit,
                user=who.username,
                purpose=data["purpose"].strip(),
                at=clock.now(),
            )
            uow.session.add(u)
            out = serialize.reuse(u)
            uow.emit(
                "result_reused",
                {
                    "result_id": r.id,
                    "unit": u.unit,
                    "purpose": u.purpose,
                    "reuse": out,
                    "origin": {"kind": r.origin_kind, "id": r.origin_id},
                },
            )
            uow.audit("result", r.id, "reuse", after=out)
        return out

    # -- the quarantine -----------------------------------------------------------------------

    @rpc
    def list_quarantine(self, payload):
        who = self.caller.identity
        query = load(schemas.QuarantineQuery(), payload or {})
        scope = rules.quarantine_scope(who, self._coordinating())
        stmt = select(Quarantined)
        if scope is not None:
            stmt = stmt.where(Quarantined.source_unit == scope)
        if query.get("source_unit"):
            stmt = stmt.where(Quarantined.source_unit == query["source_unit"])
        if query.get("code"):
            stmt = stmt.where(Quarantined.code == query["code"])
        with self.db.read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = session.scalars(
                stmt.order_by(Quarantined.received_at.desc(), Quarantined.id.desc())
                .limit(query["limit"])
                .offset(query["offset"])
            )
            return {"items": [serialize.quarantined(q) for q in rows], "total": total}

    # -- what every service answers for the gateway's cross-service views ----------------------

    @rpc
    def stats(self, payload):
        who = self.caller.identity
        readable = self._readable(who)
        types = rules.narrow(None, readable)
        with self.db.read() as session:
            by_type = counts.by_type(session, types=types)
            per_unit: dict[str, int] = {}
            for record_type, count in by_type.items():
                unit = record_type.partition(".")[0]  # a record's agency is its type's
                per_unit[unit] = per_unit.get(unit, 0) + count
            warnings = dict(
                session.execute(
                    self._warning_filter(select(EarlyWarning.status, func.count()), who).group_by(
                        EarlyWarning.status
                    )
                ).all()
            )
            results = session.scalar(
                self._result_filter(select(func.count()).select_from(Result), who)
            )
            reuses = session.scalar(select(func.count()).select_from(Reuse))
            quarantine = None
            try:
                scope = rules.quarantine_scope(who, self._coordinating())
                q = select(func.count()).select_from(Quarantined)
                if scope is not None:
                    q = q.where(Quarantined.source_unit == scope)
                quarantine = session.scalar(q)
            except Exception:  # noqa: BLE001 - a unit without a quarantine just has no count
                quarantine = None
        return {
            "records": sum(by_type.values()),
            "records_by_type": by_type,
            "warnings": warnings,
            "warnings_total": sum(warnings.values()),
            "warnings_open": warnings.get("open", 0),
            "results": results,
            "reuses": reuses,
            "quarantine": quarantine,
            "overdue": 0,
            "per_unit": per_unit,
        }

    @rpc
    def search(self, payload):
        who = self.caller.identity
        q = " ".join(str((payload or {}).get("q") or "").split())[:100]
        limit = min(int((payload or {}).get("limit") or 20), 50)
        if not q:
            return {"items": []}
        like = _like(q)
        readable = self._readable(who)
        types = rules.narrow(None, readable)
        with self.db.read() as session:
            warnings = self._visible_warnings(
                session,
                who,
                select(EarlyWarning)
                .where(
                    or_(
                        EarlyWarning.title.like(like, escape="\\"),
                        EarlyWarning.explanation.like(like, escape="\\"),
                    )
                )
                .limit(limit),
            )
            results = session.scalars(
                self._result_filter(
                    select(Result).where(
                        or_(
                            Result.title.like(like, escape="\\"),
                            Result.content.like(like, escape="\\"),
                        )
                    ),
                    who,
                ).limit(limit)
            )
            # records: by id or subject only (indexed) — a full-text scan of a million rows
            # has no place in an interactive search
            stmt = select(Record).where(
                or_(Record.record_id == q, Record.subject == q, Record.ref == q)
            )
            if types is not None:
                stmt = stmt.where(Record.type.in_(types or ["-"]))
            records = session.scalars(stmt.order_by(Record.occurred_at.desc()).limit(limit))
            return {
                "items": [
                    *(
                        {
                            "kind": "warning",
                            "id": w.id,
                            "title": w.title,
                            "status": w.status,
                            "subject": w.subject,
                        }
                        for w in warnings
                    ),
                    *(
                        {"kind": "result", "id": r.id, "title": r.title, "result_kind": r.kind}
                        for r in results
                    ),
                    *(
                        {
                            "kind": "record",
                            "id": str(r.id),
                            "title": serialize.record_title(r.type, r.data),
                            "type": r.type,
                            "subject": r.subject,
                            "at": clock.iso(r.occurred_at),
                        }
                        for r in records
                    ),
                ]
            }

    @rpc
    def by_subject(self, payload):
        """What sharing knows about a subject: its warnings and its latest records."""
        who = self.caller.identity
        subject = str((payload or {}).get("subject", ""))[:128]
        types = rules.narrow(None, self._readable(who))
        with self.db.read() as session:
            warnings = self._visible_warnings(
                session,
                who,
                select(EarlyWarning)
                .where(EarlyWarning.subject == subject)
                .order_by(EarlyWarning.raised_at),
            )
            stmt = select(Record).where(Record.subject == subject)
            if types is not None:
                stmt = stmt.where(Record.type.in_(types or ["-"]))
            records = session.scalars(stmt.order_by(Record.occurred_at.desc()).limit(50))
            return {
                "items": [
                    *({**self._warning_brief(w), "subject": w.subject} for w in warnings),
                    *(
                        {
                            "kind": "record",
                            "id": str(r.id),
                            "title": serialize.record_title(r.type, r.data),
                            "type": r.type,
                            "source_unit": r.source_unit,
                            "at": clock.iso(r.occurred_at),
                        }
                        for r in records
                    ),
                ]
            }

    @rpc
    def links(self, payload):
        """One node of a trace (record, warning or result) and what it links to, both ways."""
        who = self.caller.identity
        kind, key = (payload or {}).get("kind"), (payload or {}).get("id")
        readable = self._readable(who)
        with self.db.read() as session:
            if kind == "record":
                r = self._record(session, key, readable)
                warnings = self._visible_warnings(
                    session,
                    who,
                    select(EarlyWarning)
                    .join(WarningRecord, WarningRecord.warning_id == EarlyWarning.id)
                    .where(WarningRecord.record_pk == r.id),
                )
                return {
                    "node": {
                        "kind": "record",
                        "id": str(r.id),
                        "title": serialize.record_title(r.type, r.data),
                        "type": r.type,
                        "subject": r.subject,
                        "source_unit": r.source_unit,
                        "at": clock.iso(r.occurred_at),
                    },
                    "links": [{"kind": "warning", "id": w.id} for w in warnings],
                }
            if kind == "warning":
                w = self._load_warning(session, who, key)
                pks = session.execute(
                    select(Record.id, Record.type)
                    .join(WarningRecord, WarningRecord.record_pk == Record.id)
                    .where(WarningRecord.warning_id == w.id)
                ).all()
                links = [
                    {"kind": "record", "id": str(pk)}
                    for pk, t in pks
                    if rules.may_read(t, readable)
                ]
                links += [
                    {"kind": e["kind"], "id": e["id"]}
                    for e in w.evidence or []
                    if e.get("kind") and e.get("id")
                ]
                if w.lead_id:
                    links.append({"kind": "lead", "id": w.lead_id})
                return {
                    "node": {
                        "kind": "warning",
                        "id": w.id,
                        "title": w.title,
                        "status": w.status,
                        "subject": w.subject,
                    },
                    "links": links,
                }
            if kind == "result":
                r = self._load_result(session, who, key)
                links = [{"kind": r.origin_kind, "id": r.origin_id}]
                if (
                    r.kind == "research_output"
                    and (r.meta or {}).get("topic_id")
                    and r.origin_kind != "topic"
                ):
                    links.append({"kind": "topic", "id": r.meta["topic_id"]})
                return {
                    "node": {"kind": "result", "id": r.id, "title": r.title, "status": r.kind},
                    "links": links,
                }
        raise NotFound("不支持的追溯对象", "not_found")


def _when(value):
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _fact(f: RectificationFact) -> dict:
    return {
        "ref_id": f.ref_id,
        "subject": f.subject,
        "title": f.title,
        "problem_id": f.problem_id,
        "at": clock.aware(f.at),
    }


def _known_rule(code):
    for spec in wr.DEFAULT_RULES:
        if spec.code == code:
            return spec
    return None
