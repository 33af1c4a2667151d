"""The planning service's nameko entrypoints: thin, they load, check the rules and store."""

from sqlalchemy import func, or_, select

from contracts.errors import NotFound
from contracts.schemas import planning as schemas
from contracts.schemas.base import load
from runtime import clock
from runtime.db import Database
from runtime.events import event_handler
from runtime.identity import require_writer
from runtime.ids import new_id
from runtime.queries import json_list_has, page
from runtime.rpc import rpc
from runtime.service_base import ServiceBase
from services.planning import rules, serialize
from services.planning.models import (
    Base,
    Finding,
    ImplementationPlanVersion,
    Item,
    Meeting,
    Milestone,
    Plan,
    ProgressNote,
    Proposal,
    Staff,
)


def _get(session, model, key, what):
    obj = session.get(model, key)
    if obj is None:
        raise NotFound(f"{what}不存在", "not_found")
    return obj


class PlanningService(ServiceBase):
    name = "planning"
    db = Database(Base.metadata)

    # -- 计划共商: proposals and consultation ------------------------------------------------

    @rpc
    def submit_proposal(self, payload):
        who = self.caller.identity
        data = load(schemas.ProposalIn(), payload)
        rules.require_coordinating(who, "提出议题建议")
        with self.db.unit_of_work(who) as uow:
            p = Proposal(
                id=new_id("prop"),
                unit=who.unit,
                proposed_by=who.username,
                created_at=clock.now(),
                **data,
            )
            uow.session.add(p)
            out = serialize.proposal(p)
            uow.emit("proposal_submitted", {"proposal": out})
            uow.audit("proposal", p.id, "submit", after=out)
        return out

    @rpc
    def list_proposals(self, payload):
        self.caller.identity  # noqa: B018 - authenticates
        query = load(schemas.ProposalQuery(), payload or {})
        with self.db.read() as session:
            stmt = select(Proposal)
            if "year" in query:
                stmt = stmt.where(Proposal.year == query["year"])
            total, rows = page(session, stmt, query, Proposal.created_at)
            return {"items": [serialize.proposal(p) for p in rows], "total": total}

    @rpc
    def hold_meeting(self, payload):
        who = self.caller.identity
        rules.require_office(who, "召开联合会商会议")
        data = load(schemas.MeetingIn(), payload)
        with self.db.unit_of_work(who) as uow:
            proposals = {
                p.id: p
                for p in uow.session.scalars(
                    select(Proposal).where(Proposal.id.in_(data["proposal_ids"]))
                )
            }
            rules.check_meeting_proposals(data["year"], data["proposal_ids"], proposals)
            m = Meeting(id=new_id("meet"), created_by=who.username, created_at=clock.now(), **data)
            uow.session.add(m)
            out = serialize.meeting(m)
            uow.emit("meeting_held", {"meeting": out})
            uow.audit("meeting", m.id, "hold", after=out)
        return out

    @rpc
    def list_meetings(self, payload):
        self.caller.identity  # noqa: B018
        query = load(schemas.ProposalQuery(), payload or {})
        with self.db.read() as session:
            stmt = select(Meeting)
            if "year" in query:
                stmt = stmt.where(Meeting.year == query["year"])
            total, rows = page(session, stmt, query, Meeting.held_on)
            return {"items": [serialize.meeting(m) for m in rows], "total": total}

    # -- the annual plan ------------------------------------------------------------------

    @rpc
    def create_plan(self, payload):
        who = self.caller.identity
        rules.require_office(who, "制定年度计划")
        data = load(schemas.PlanIn(), payload)
        with self.db.unit_of_work(who) as uow:
            rules.check_new_plan(uow.session.get(Plan, data["year"]))
            plan = Plan(year=data["year"], status="draft", created_at=clock.now())
            uow.session.add(plan)
            uow.session.flush()
            out = serialize.plan(plan, [])
            uow.emit("plan_created", {"plan": {"year": plan.year, "status": plan.status}})
            uow.audit("plan", plan.year, "create", after={"status": "draft"})
        return out

    @rpc
    def get_plan(self, payload):
        self.caller.identity  # noqa: B018
        year = load(schemas.PlanIn(), payload)["year"]
        with self.db.read() as session:
            plan = _get(session, Plan, year, f"{year} 年度计划")
            return rules.for_caller(serialize.plan(plan, plan.items), self.caller.identity)

    @rpc
    def add_item(self, payload):
        who = self.caller.identity
        rules.require_office(who, "增加监督事项")
        year = load(schemas.PlanIn(), {"year": payload.get("year")})["year"]
        data = load(schemas.ItemIn(), {k: v for k, v in payload.items() if k != "year"})
        rules.check_item_units(data["lead_unit"], data["participating_units"])
        with self.db.unit_of_work(who) as uow:
            plan = _get(uow.session, Plan, year, f"{year} 年度计划")
            rules.check_plan_is_draft(plan)
            seq = (uow.session.scalar(select(func.max(Item.seq)).where(Item.year == year)) or 0) + 1
            item = Item(
                id=new_id("item"),
                year=year,
                seq=seq,
                status="planned",
                created_at=clock.now(),
                **data,
            )
            uow.session.add(item)
            uow.session.flush()
            uow.session.refresh(item)
            out = serialize.item(item)
            uow.emit("plan_item_added", {"item": serialize.item_summary(item)})
            uow.audit("item", item.id, "add", after=serialize.item_summary(item))
        return out

    @rpc
    def adopt_plan(self, payload):
        who = self.caller.identity
        rules.require_office(who, "通过年度计划")
        year = load(schemas.PlanIn(), payload)["year"]
        with self.db.unit_of_work(who) as uow:
            plan = _get(uow.session, Plan, year, f"{year} 年度计划")
            rules.check_adoption(plan, plan.items)
            plan.status, plan.adopted_at = "adopted", clock.now()
            out = serialize.plan(plan, plan.items)
            uow.emit(
                "plan_adopted", {"plan": {"year": year, "item_ids": [i.id for i in plan.items]}}
            )
            uow.audit(
                "plan", year, "adopt", before={"status": "draft"}, after={"status": "adopted"}
            )
        return rules.for_caller(out, who)

    # -- items: 一事一案, 派员, start ------------------------------------------------------

    @rpc
    def get_item(self, payload):
        self.caller.identity  # noqa: B018
        with self.db.read() as session:
            return rules.for_caller(
                serialize.item(_get(session, Item, str(payload.get("id")), "监督事项")),
                self.caller.identity,
            )

    @rpc
    def list_items(self, payload):
        self.caller.identity  # noqa: B018
        query = load(schemas.ItemQuery(), payload or {})
        with self.db.read() as session:
            stmt = select(Item)
            if "year" in query:
                stmt = stmt.where(Item.year == query["year"])
            if "status" in query:
                stmt = stmt.where(Item.status == query["status"])
            if "unit" in query:
                unit = query["unit"]
                stmt = stmt.where(
                    or_(Item.lead_unit == unit, json_list_has(Item.participating_units, unit))
                )
            if "subject" in query:
                stmt = stmt.where(json_list_has(Item.subjects, query["subject"]))
            total, rows = page(session, stmt, query, Item.year.desc(), Item.seq)
            return {"items": [serialize.item_summary(i) for i in rows], "total": total}

    @rpc
    def submit_implementation_plan(self, payload):
        who = self.caller.identity
        data = load(schemas.ImplementationPlanIn(), {"content": payload.get("content")})
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.require_lead_unit(who, item, "编制实施方案")
            rules.check_open(item)
            latest = rules.current_version(item)
            version = ImplementationPlanVersion(
                item_id=item.id,
                version=(latest.version + 1) if latest else 1,
                content=data["content"],
                author=who.username,
                unit=who.unit,
                created_at=clock.now(),
            )
            uow.session.add(version)
            uow.session.flush()
            uow.session.refresh(item)
            uow.emit(
                "implementation_plan_submitted", {"item_id": item.id, "version": version.version}
            )
            uow.audit(
                "item",
                item.id,
                "implementation_plan_submit",
                before={"version": latest.version if latest else None},
                after={"version": version.version},
            )
            return serialize.implementation_plan(item)

    @rpc
    def approve_implementation_plan(self, payload):
        who = self.caller.identity
        rules.require_office(who, "批准实施方案")
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.check_open(item)
            rules.check_approval(item)
            latest = rules.current_version(item)
            latest.approved_at, latest.approved_by = clock.now(), who.username
            uow.emit(
                "implementation_plan_approved", {"item_id": item.id, "version": latest.version}
            )
            uow.audit(
                "item",
                item.id,
                "implementation_plan_approve",
                before={"version": latest.version, "approved": False},
                after={"version": latest.version, "approved": True},
            )
            return serialize.implementation_plan(item)

    @rpc
    def dispatch_staff(self, payload):
        who = self.caller.identity
        require_writer(who)
        data = load(schemas.StaffIn(), {k: payload.get(k) for k in ("unit", "name", "role")})
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.check_open(item)
            rules.check_staff_dispatch(who, item, data["unit"])
            staff = Staff(id=new_id("staff"), item_id=item.id, dispatched_at=clock.now(), **data)
            uow.session.add(staff)
            out = {"id": staff.id, **data, "dispatched_at": clock.iso(staff.dispatched_at)}
            uow.emit("staff_dispatched", {"item_id": item.id, "staff": out})
            uow.audit("item", item.id, "staff_dispatch", after=out)
        return out

    @rpc
    def start_item(self, payload):
        who = self.caller.identity
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.require_lead_or_office(who, item, "启动事项")
            rules.check_start(item.plan, item)
            item.status, item.started_at = "in_progress", clock.now()
            out = serialize.item(item)
            uow.emit("item_started", {"item": serialize.item_summary(item)})
            uow.audit(
                "item",
                item.id,
                "start",
                before={"status": "planned"},
                after={"status": "in_progress"},
            )
        return rules.for_caller(out, who)

    # -- 工作共推: milestones, progress, findings, conclusion ---------------------------------

    @rpc
    def add_milestone(self, payload):
        who = self.caller.identity
        data = load(
            schemas.MilestoneIn(), {k: payload.get(k) for k in ("title", "owner_unit", "due_on")}
        )
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.require_lead_or_office(who, item, "设置工作节点")
            rules.check_open(item)
            rules.check_milestone_owner(item, data["owner_unit"])
            m = Milestone(id=new_id("ms"), item_id=item.id, **data)
            uow.session.add(m)
            out = {
                "id": m.id,
                "title": m.title,
                "owner_unit": m.owner_unit,
                "due_on": clock.iso(m.due_on),
                "done_on": None,
                "overdue": rules.milestone_overdue(m, clock.today()),
            }
            uow.emit("milestone_added", {"item_id": item.id, "milestone": out})
            uow.audit("item", item.id, "milestone_add", after=out)
        return out

    @rpc
    def add_progress(self, payload):
        who = self.caller.identity
        data = load(
            schemas.ProgressIn(),
            {k: payload[k] for k in ("note", "milestone_id", "done") if k in payload},
        )
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.require_item_member(who, item, "报告工作进展")
            rules.check_open(item)
            if data.get("milestone_id"):
                milestone = uow.session.get(Milestone, data["milestone_id"])
                if milestone is None or milestone.item_id != item.id:
                    raise NotFound("工作节点不存在", "not_found")
                if data["done"] and milestone.done_on is None:
                    milestone.done_on = clock.today()
            note = ProgressNote(
                id=new_id("note"),
                item_id=item.id,
                unit=who.unit,
                author=who.username,
                note=data["note"],
                milestone_id=data.get("milestone_id"),
                created_at=clock.now(),
            )
            uow.session.add(note)
            uow.audit(
                "item",
                item.id,
                "progress",
                after={"note": data["note"], "milestone_id": note.milestone_id},
            )
            uow.session.flush()
            uow.session.refresh(item)
            return rules.for_caller(serialize.item(item), who)

    @rpc
    def record_finding(self, payload):
        who = self.caller.identity
        data = load(
            schemas.FindingIn(), {k: payload.get(k) for k in ("title", "description", "subject")}
        )
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.require_item_member(who, item, "记录发现问题")
            rules.check_in_progress(item, "记录发现问题")
            f = Finding(
                id=new_id("find"),
                item_id=item.id,
                unit=who.unit,
                recorded_by=who.username,
                created_at=clock.now(),
                lead_ids=[],
                problem_ids=[],
                **data,
            )
            uow.session.add(f)
            out = serialize.finding(f)
            uow.emit(
                "finding_recorded",
                {"finding": out, "item": {"id": item.id, "title": item.title, "year": item.year}},
            )
            uow.audit("finding", f.id, "record", after=out)
        return out

    @rpc
    def get_finding(self, payload):
        self.caller.identity  # noqa: B018
        with self.db.read() as session:
            return rules.for_caller(
                serialize.finding(_get(session, Finding, str(payload.get("id")), "发现问题")),
                self.caller.identity,
            )

    @rpc
    def list_findings(self, payload):
        self.caller.identity  # noqa: B018
        with self.db.read() as session:
            stmt = select(Finding)
            if payload.get("subject"):
                stmt = stmt.where(Finding.subject == payload["subject"])
            if payload.get("item_id"):
                stmt = stmt.where(Finding.item_id == payload["item_id"])
            rows = session.scalars(stmt.order_by(Finding.created_at).limit(500))
            return rules.for_caller(
                {"items": [serialize.finding(f) for f in rows]}, self.caller.identity
            )

    @rpc
    def conclude_item(self, payload):
        who = self.caller.identity
        data = load(schemas.ConcludeIn(), {"conclusion": payload.get("conclusion")})
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.require_lead_or_office(who, item, "办结事项")
            rules.check_in_progress(item, "办结")
            item.status, item.conclusion, item.concluded_at = (
                "concluded",
                data["conclusion"],
                clock.now(),
            )
            out = serialize.item(item)
            uow.emit("item_concluded", {"item": serialize.item_summary(item)})
            uow.audit(
                "item",
                item.id,
                "conclude",
                before={"status": "in_progress"},
                after={"status": "concluded", "conclusion": data["conclusion"]},
            )
        return rules.for_caller(out, who)

    @rpc
    def cancel_item(self, payload):
        who = self.caller.identity
        rules.require_office(who, "撤销事项")
        data = load(schemas.CancelIn(), {"reason": payload.get("reason")})
        with self.db.unit_of_work(who) as uow:
            item = _get(uow.session, Item, str(payload.get("item_id")), "监督事项")
            rules.check_open(item)
            before = item.status
            item.status = "cancelled"
            uow.audit(
                "item",
                item.id,
                "cancel",
                before={"status": before},
                after={"status": "cancelled", "reason": data["reason"]},
            )
            return rules.for_caller(serialize.item(item), who)

    # -- views other services and the gateway ask for --------------------------------------

    @rpc
    def search(self, payload):
        self.caller.identity  # noqa: B018
        q = str(payload.get("q", ""))[:100]
        if not q:
            return {"items": []}
        like = f"%{q}%"
        with self.db.read() as session:
            items = session.scalars(
                select(Item)
                .where(or_(Item.title.like(like), Item.description.like(like)))
                .limit(20)
            )
            findings = session.scalars(
                select(Finding)
                .where(or_(Finding.title.like(like), Finding.description.like(like)))
                .limit(20)
            )
            proposals = session.scalars(
                select(Proposal)
                .where(or_(Proposal.title.like(like), Proposal.rationale.like(like)))
                .limit(20)
            )
            return {
                "items": [
                    *(
                        {"kind": "item", "id": i.id, "title": i.title, "status": i.status}
                        for i in items
                    ),
                    *(
                        {"kind": "finding", "id": f.id, "title": f.title, "item_id": f.item_id}
                        for f in findings
                    ),
                    *(
                        {"kind": "proposal", "id": p.id, "title": p.title, "year": p.year}
                        for p in proposals
                    ),
                ]
            }

    @rpc
    def stats(self, payload):
        self.caller.identity  # noqa: B018
        year = payload.get("year")
        with self.db.read() as session:
            stmt = select(Item.status, func.count()).group_by(Item.status)
            if year:
                stmt = stmt.where(Item.year == year)
            by_status = dict(session.execute(stmt).all())
            units = {}
            item_stmt = select(Item)
            if year:
                item_stmt = item_stmt.where(Item.year == year)
            for item in session.scalars(item_stmt):
                for unit in rules.item_units(item):
                    units[unit] = units.get(unit, 0) + 1
            today = clock.today()
            ms_stmt = (
                select(func.count())
                .select_from(Milestone)
                .where(Milestone.done_on.is_(None), Milestone.due_on < today)
            )
            return {
                "items": by_status,
                "items_total": sum(by_status.values()),
                "proposals": session.scalar(
                    select(func.count()).select_from(Proposal).where(Proposal.year == year)
                    if year
                    else select(func.count()).select_from(Proposal)
                ),
                "findings": session.scalar(select(func.count()).select_from(Finding)),
                "overdue_milestones": (overdue := session.scalar(ms_stmt)),
                "overdue": overdue,
                "per_unit": units,
                "plan_status": (
                    session.get(Plan, year).status if year and session.get(Plan, year) else None
                ),
            }

    @rpc
    def by_subject(self, payload):
        """What planning knows about a subject (a unit id or an official's name), for portraits."""
        self.caller.identity  # noqa: B018
        subject = str((payload or {}).get("subject", ""))[:120]
        with self.db.read() as session:
            findings = session.scalars(
                select(Finding)
                .where(Finding.subject == subject)
                .order_by(Finding.created_at)
                .limit(200)
            )
            out = []
            for f in findings:
                item = session.get(Item, f.item_id)
                out.append(
                    {
                        "kind": "finding",
                        "id": f.id,
                        "title": f.title,
                        "at": clock.iso(f.created_at),
                        "item_id": f.item_id,
                        "item_title": item.title if item else None,
                    }
                )
            # a year holds a handful of items: filtering units in Python keeps JSON portable
            for i in session.scalars(select(Item).order_by(Item.year.desc()).limit(2000)):
                if subject in rules.item_units(i):
                    out.append(
                        {
                            "kind": "item",
                            "id": i.id,
                            "title": i.title,
                            "status": i.status,
                            "year": i.year,
                        }
                    )
            return {"items": out}

    @rpc
    def links(self, payload):
        """One node of a trace (item or finding) and the nodes it links to, both ways."""
        self.caller.identity  # noqa: B018
        kind, key = (payload or {}).get("kind"), str((payload or {}).get("id", ""))
        with self.db.read() as session:
            if kind == "item":
                item = _get(session, Item, key, "监督事项")
                findings = session.scalars(select(Finding).where(Finding.item_id == item.id))
                return {
                    "node": {
                        "kind": "item",
                        "id": item.id,
                        "title": item.title,
                        "status": item.status,
                    },
                    "links": [{"kind": "finding", "id": f.id} for f in findings],
                }
            if kind == "finding":
                f = _get(session, Finding, key, "发现问题")
                return {
                    "node": {"kind": "finding", "id": f.id, "title": f.title, "subject": f.subject},
                    "links": [
                        {"kind": "item", "id": f.item_id},
                        *({"kind": "lead", "id": i} for i in f.lead_ids or []),
                        *({"kind": "problem", "id": i} for i in f.problem_ids or []),
                    ],
                }
        raise NotFound("不支持的追溯对象", "not_found")

    # -- links announced by other services ----------------------------------------------------

    @event_handler("leads", "lead_registered")
    def on_lead_registered(self, envelope):
        self._link_finding(envelope, "lead", "lead_ids")

    @event_handler("rectification", "problem_recorded")
    def on_problem_recorded(self, envelope):
        self._link_finding(envelope, "problem", "problem_ids")

    def _link_finding(self, envelope, kind, column):
        record = envelope["payload"].get(kind) or {}
        origin = record.get("origin") or {}
        if origin.get("kind") != "finding":
            return
        with self.db.unit_of_work(None) as uow:
            if not uow.first_time(envelope):
                return
            finding = uow.session.get(Finding, origin.get("id"))
            if finding is None:
                return
            links = list(getattr(finding, column) or [])
            if record["id"] not in links:
                setattr(finding, column, [*links, record["id"]])
                uow.audit("finding", finding.id, f"link_{kind}", after={kind: record["id"]})
