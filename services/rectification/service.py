"""The rectification service's nameko entrypoints: thin, they load, check the rules and store."""

import base64
import json
import logging
import os
from datetime import datetime

from nameko.timer import Timer
from sqlalchemy import Text, case, cast, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from contracts.errors import NotFound, RuleViolation
from contracts.schemas import rectification as schemas
from contracts.schemas.base import load
from contracts.units import OFFICE_UNIT, registry
from runtime import clock
from runtime.db import Database
from runtime.identity import Identity, require_writer
from runtime.ids import new_id
from runtime.queries import json_list_has
from runtime.rpc import ServiceRpc, rpc
from runtime.service_base import ServiceBase
from services.rectification import docx_export, redaction, report, rules, serialize
from services.rectification.models import Base, Circular, KeyUnit, Problem, Task, TaskEvent

log = logging.getLogger(__name__)

DEFAULT_OVERDUE_CHECK_SECONDS = 60
NATURE_NAMES = {
    "typical": "典型性问题",
    "common": "普遍性问题",
    "tendency": "倾向性问题",
    "negative_case": "整改不力、敷衍塞责反面典型",
    "other": "其他",
}


class OverdueTimer(Timer):
    """Checks for newly overdue tasks at start and then every ``overdue_check_seconds``."""

    def setup(self):
        config = self.container.config
        seconds = (
            (config.get("rectification") or {}).get("overdue_check_seconds")
            or os.environ.get("COSUPERVISE_OVERDUE_CHECK_SECONDS")
            or DEFAULT_OVERDUE_CHECK_SECONDS
        )
        self.interval = float(seconds)


def _circular_settings(config) -> dict:
    """Who issues circulars and how they are numbered: configurable, with the seed's defaults."""
    own = (config.get("rectification") or {}).get("circulars") or {}
    return {
        "issuer": own.get("issuer", "巴南区人大常委会办公室"),
        "number_prefix": own.get("number_prefix", "巴南人办发"),
        "recipients": own.get("recipients", "各协同联动单位，各被监督单位："),
        "cc": own.get("cc") or [registry().name(u) for u in registry().ids("agency")],
    }


def _get(session, model, key, what):
    obj = session.get(model, str(key or ""))
    if obj is None:
        raise NotFound(f"{what}不存在", "not_found")
    return obj


PORTRAIT_ROWS = 30  # the newest of each in a portrait; totals count them all


def _problems_in_scope(stmt, who: Identity):
    if rules.reads_everything(who):
        return stmt
    if rules.is_supervised(who):
        return stmt.where(
            or_(
                Problem.subject == who.unit,
                Problem.id.in_(select(Task.problem_id).where(Task.responsible_unit == who.unit)),
            )
        )
    return stmt.where(false())


def _tasks_in_scope(stmt, who: Identity):
    if rules.reads_everything(who):
        return stmt
    if rules.is_supervised(who):
        return stmt.where(Task.responsible_unit == who.unit)
    return stmt.where(false())


def _circulars_in_scope(stmt, who: Identity):
    if who.is_system or who.is_office_unit:
        return stmt
    return stmt.where(Circular.status == "issued")


def _page(session, stmt, order, query):
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(*order).limit(query["limit"]).offset(query["offset"]))
    return rows, total


def _event(task, who, action, *, note=None, reason=None, evidence=()) -> TaskEvent:
    seq = max((e.seq for e in task.history), default=0) + 1
    ev = TaskEvent(
        id=new_id("tev"),
        seq=seq,
        round=task.round,
        action=action,
        unit=getattr(who, "unit", None),
        author=getattr(who, "username", None),
        note=note,
        reason=reason,
        evidence=list(evidence),
        at=clock.now(),
    )
    task.history.append(ev)
    return ev


class RectificationService(ServiceBase):
    name = "rectification"
    db = Database(Base.metadata)
    peers = ServiceRpc()  # not `rpc`: that name is the entrypoint decorator

    # -- problems --------------------------------------------------------------------------

    @rpc
    def record_problem(self, payload):
        who = self.caller.identity
        require_writer(who)
        rules.require_coordinating(who, "登记整改问题")
        data = load(schemas.ProblemIn(), payload)
        origin = data.pop("origin", None)
        year = data.pop("year") or self._year_of(origin)  # asked before the write lock
        with self.db.unit_of_work(who) as uow:
            if origin:
                existing = uow.session.scalars(
                    select(Problem).where(
                        Problem.origin_kind == origin["kind"], Problem.origin_id == origin["id"]
                    )
                ).first()
                rules.check_origin_new(origin, existing)
            p = Problem(
                id=new_id("prob"),
                year=year,
                origin_kind=origin["kind"] if origin else None,
                origin_id=origin["id"] if origin else None,
                unit=who.unit or "",
                recorded_by=who.username,
                created_at=clock.now(),
                **data,
            )
            uow.session.add(p)
            uow.session.flush()
            announced = serialize.problem_event(p)
            uow.emit("problem_recorded", {"problem": announced})
            uow.audit("problem", p.id, "record", after=announced)
            return serialize.problem(p)

    def _year_of(self, origin) -> int:
        """A problem from a finding belongs to its item's year; otherwise to this year."""
        if origin and origin["kind"] == "finding":
            try:
                finding = self.peers.planning.get_finding({"id": origin["id"]})
                return int(self.peers.planning.get_item({"id": finding["item_id"]})["year"])
            except Exception as exc:  # noqa: BLE001 - planning away: the year is a default
                log.warning(
                    "year of finding %s unknown (%s); using this year",
                    origin["id"],
                    exc.__class__.__name__,
                )
        return clock.today().year

    @rpc
    def list_problems(self, payload):
        who = self.caller.identity
        query = load(schemas.ProblemQuery(), payload or {})
        with self.db.read() as session:
            stmt = _problems_in_scope(select(Problem), who)
            for key in ("year", "subject", "source", "nature"):
                if key in query:
                    stmt = stmt.where(getattr(Problem, key) == query[key])
            rows, total = _page(session, stmt, (Problem.created_at.desc(),), query)
            today = clock.today()
            return {
                "items": [
                    serialize.problem(p, tasks=self._own_tasks(who, p), today=today) for p in rows
                ],
                "total": total,
            }

    @rpc
    def get_problem(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            p = _get(session, Problem, (payload or {}).get("id"), "整改问题")
            rules.check_problem_visible(who, p)
            circulars = session.scalars(
                _circulars_in_scope(
                    select(Circular.id).where(json_list_has(Circular.problem_ids, p.id)), who
                )
            )
            return serialize.problem(p, tasks=self._own_tasks(who, p), circular_ids=list(circulars))

    @staticmethod
    def _own_tasks(who, problem):
        return [t for t in problem.tasks if rules.may_see_task(who, t)]

    # -- tasks: assigned → in_progress → submitted → verified, or sent back ------------------

    @rpc
    def assign_task(self, payload):
        who = self.caller.identity
        require_writer(who)
        payload = dict(payload or {})
        problem_id = payload.pop("problem_id", None)
        data = load(schemas.TaskIn(), payload)
        rules.require_assigner(who, data["supervising_units"])
        rules.check_deadline(who, data["deadline"], clock.today())
        with self.db.unit_of_work(who) as uow:
            problem = _get(uow.session, Problem, problem_id, "整改问题")
            rules.check_problem_visible(who, problem)
            task = Task(
                id=new_id("task"),
                problem=problem,
                year=problem.year,
                status="assigned",
                round=1,
                assigned_by=who.username,
                assigned_unit=who.unit or "",
                created_at=clock.now(),
                history=[],
                **data,
            )
            uow.session.add(task)
            _event(task, who, "assigned", note=data["measures"])
            uow.session.flush()
            out = serialize.task(task)
            uow.emit("task_assigned", {"task": serialize.task_brief(task)})
            uow.audit("task", task.id, "assign", after=serialize.task_brief(task))
            return out

    @rpc
    def list_tasks(self, payload):
        who = self.caller.identity
        query = load(schemas.TaskQuery(), payload or {})
        today = clock.today()
        with self.db.read() as session:
            stmt = _tasks_in_scope(select(Task), who)
            if "unit" in query:
                stmt = stmt.where(
                    or_(
                        Task.responsible_unit == query["unit"],
                        json_list_has(Task.supervising_units, query["unit"]),
                    )
                )
            if "overdue" in query:
                late = Task.status.in_(rules.OVERDUE_STATUSES) & (Task.deadline < today)
                stmt = stmt.where(late if query["overdue"] else ~late)
            for key in ("status", "problem_id", "year"):
                if key in query:
                    stmt = stmt.where(getattr(Task, key) == query[key])
            rows, total = _page(session, stmt, (Task.deadline, Task.created_at), query)
            return {"items": [serialize.task(t, today) for t in rows], "total": total}

    @rpc
    def get_task(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            task = _get(session, Task, (payload or {}).get("id"), "整改任务")
            rules.check_task_visible(who, task)
            return serialize.task(task)

    @rpc
    def report_progress(self, payload):
        who = self.caller.identity
        data = load(schemas.ProgressIn(), _without(payload, "task_id"))
        with self.db.unit_of_work(who) as uow:
            task = _get(uow.session, Task, payload.get("task_id"), "整改任务")
            rules.require_responsible(who, task, "报告整改进展")
            rules.check_open(task, "报告进展")
            before = task.status
            _event(task, who, "in_progress", note=data["note"], evidence=data["evidence"])
            task.status = "in_progress"
            uow.session.flush()
            uow.emit("task_progressed", {"task": serialize.task_brief(task)})
            uow.audit(
                "task",
                task.id,
                "progress",
                before={"status": before},
                after={"status": task.status, "note": data["note"], "evidence": data["evidence"]},
            )
            return serialize.task(task)

    @rpc
    def submit_task(self, payload):
        who = self.caller.identity
        data = load(schemas.SubmitIn(), _without(payload, "task_id"))
        with self.db.unit_of_work(who) as uow:
            task = _get(uow.session, Task, payload.get("task_id"), "整改任务")
            rules.require_responsible(who, task, "报送整改完成")
            before = task.status
            if data["note"] or data["evidence"]:
                rules.check_open(task, "报送")
                _event(
                    task,
                    who,
                    "in_progress",
                    note=data["note"] or "随报送附佐证材料",
                    evidence=data["evidence"],
                )
                task.status = "in_progress"
            rules.check_submit(task)
            task.status, task.submitted_at = "submitted", clock.now()
            _event(task, who, "submitted")
            uow.session.flush()
            uow.emit("task_submitted", {"task": serialize.task_brief(task)})
            uow.audit(
                "task",
                task.id,
                "submit",
                before={"status": before},
                after={
                    "status": "submitted",
                    "note": data["note"],
                    "evidence": rules.round_evidence(task),
                },
            )
            return serialize.task(task)

    @rpc
    def verify_task(self, payload):
        who = self.caller.identity
        data = load(schemas.VerifyIn(), _without(payload, "task_id"))
        with self.db.unit_of_work(who) as uow:
            task = _get(uow.session, Task, payload.get("task_id"), "整改任务")
            rules.require_supervising(who, task, "核验销号")
            rules.check_awaiting_verification(task, "销号")
            task.status, task.verified_at, task.send_back_reason = "verified", clock.now(), None
            task.verified_by, task.verified_unit = who.username, who.unit
            _event(task, who, "verified", note=data["opinion"])
            uow.session.flush()
            uow.emit("task_verified", {"task": serialize.task_brief(task)})
            uow.audit(
                "task",
                task.id,
                "verify",
                before={"status": "submitted"},
                after={"status": "verified", "opinion": data["opinion"]},
            )
            return serialize.task(task)

    @rpc
    def send_back_task(self, payload):
        who = self.caller.identity
        data = load(schemas.SendBackIn(), _without(payload, "task_id"))
        with self.db.unit_of_work(who) as uow:
            task = _get(uow.session, Task, payload.get("task_id"), "整改任务")
            rules.require_supervising(who, task, "退回整改")
            rules.check_awaiting_verification(task, "退回")
            _event(task, who, "sent_back", reason=data["reason"])
            task.status, task.send_back_reason = "sent_back", data["reason"]
            task.round, task.submitted_at = task.round + 1, None
            uow.session.flush()
            uow.emit(
                "task_sent_back", {"task": serialize.task_brief(task), "reason": data["reason"]}
            )
            uow.audit(
                "task",
                task.id,
                "send_back",
                before={"status": "submitted"},
                after={"status": "sent_back", "reason": data["reason"]},
            )
            return serialize.task(task)

    @rpc
    def change_deadline(self, payload):
        """The office or a supervising unit extends (or corrects) a deadline, with a reason."""
        who = self.caller.identity
        data = load(schemas.DeadlineIn(), _without(payload, "task_id"))
        with self.db.unit_of_work(who) as uow:
            task = _get(uow.session, Task, payload.get("task_id"), "整改任务")
            if not who.is_office:
                rules.require_supervising(who, task, "调整整改期限")
            if task.status == "verified":
                raise RuleViolation("整改任务已销号，不能调整期限", "task_closed")
            rules.check_deadline(who, data["deadline"], clock.today())
            old = task.deadline
            task.deadline = data["deadline"]
            _event(
                task,
                who,
                "deadline_changed",
                reason=data["reason"],
                note=f"{clock.iso(old)} → {clock.iso(data['deadline'])}",
            )
            uow.session.flush()
            uow.audit(
                "task",
                task.id,
                "change_deadline",
                before={"deadline": clock.iso(old)},
                after={"deadline": clock.iso(task.deadline), "reason": data["reason"]},
            )
            return serialize.task(task)

    @OverdueTimer.decorator(interval=DEFAULT_OVERDUE_CHECK_SECONDS, eager=True)
    def announce_overdue(self):
        """task_overdue, once per task and deadline, even with several replicas running."""
        today = clock.today()
        actor = Identity(f"system:{self.name}", OFFICE_UNIT, "system")
        late = (
            Task.status.in_(rules.OVERDUE_STATUSES)
            & (Task.deadline < today)
            & or_(Task.overdue_announced_for.is_(None), Task.overdue_announced_for != Task.deadline)
        )
        with self.db.read() as session:
            ids = list(session.scalars(select(Task.id).where(late).limit(1000)))
        announced = 0
        for task_id in ids:
            with self.db.unit_of_work(actor) as uow:
                claimed = uow.session.execute(
                    update(Task)
                    .where(Task.id == task_id, late)
                    .values(overdue_announced_for=Task.deadline)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed != 1:
                    continue  # another replica announced it first
                task = uow.session.get(Task, task_id)
                uow.emit("task_overdue", {"task": serialize.task_brief(task, today)})
                uow.audit(
                    "task",
                    task.id,
                    "overdue",
                    after={
                        "deadline": clock.iso(task.deadline),
                        "days_overdue": rules.days_overdue(task, today),
                    },
                )
                announced += 1
        if announced:
            log.info("announced %s overdue rectification task(s)", announced)
        return announced

    # -- key rectification units -------------------------------------------------------------

    @rpc
    def select_key_unit(self, payload):
        who = self.caller.identity
        rules.require_office(who, "确定整改重点单位")
        data = load(schemas.KeyUnitIn(), payload)
        year, unit = data["year"], data["unit"]
        with self.db.unit_of_work(who) as uow:
            existing = list(uow.session.scalars(select(KeyUnit).where(KeyUnit.year == year)))
            slot = rules.check_key_unit(year, unit, existing)
            k = KeyUnit(
                year=year,
                slot=slot,
                unit=unit,
                reason=data["reason"],
                selected_by=who.username,
                selected_at=clock.now(),
            )
            uow.session.add(k)
            try:
                uow.session.flush()
            except IntegrityError:
                # a concurrent selection took the slot: the database kept the limit
                raise RuleViolation(
                    f"每年选取 1–2 个整改重点单位，{year} 年度已满或已选", "key_units_limit"
                ) from None
            out = serialize.key_unit(k, self._unit_tasks(uow.session, year, unit))
            uow.emit("key_unit_selected", {"year": year, "unit": unit})
            uow.audit("key_unit", f"{year}:{unit}", "select", after=out)
            return out

    @rpc
    def list_key_units(self, payload):
        self.caller.identity  # noqa: B018 - authenticates
        query = load(schemas.KeyUnitQuery(), payload or {})
        with self.db.read() as session:
            stmt = select(KeyUnit)
            if "year" in query:
                stmt = stmt.where(KeyUnit.year == query["year"])
            total = session.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = list(
                session.scalars(
                    stmt.order_by(KeyUnit.year.desc(), KeyUnit.slot)
                    .limit(query["limit"])
                    .offset(query["offset"])
                )
            )
            items = [serialize.key_unit(k, self._unit_tasks(session, k.year, k.unit)) for k in rows]
            return {"items": items, "total": total}

    @staticmethod
    def _unit_tasks(session, year, unit):
        return list(
            session.scalars(select(Task).where(Task.year == year, Task.responsible_unit == unit))
        )

    def _key_unit(self, session, who, payload):
        year, unit = (payload or {}).get("year"), str((payload or {}).get("unit", ""))
        if not rules.may_see_key_unit_report(who, unit):
            raise NotFound("整改重点单位不存在", "not_found")
        k = session.scalars(
            select(KeyUnit).where(KeyUnit.year == year, KeyUnit.unit == unit)
        ).first()
        if k is None:
            raise NotFound(f"{registry().name(unit)} 不是 {year} 年度整改重点单位", "not_found")
        return k

    def _report(self, session, k) -> dict:
        today = clock.today()
        tasks = self._unit_tasks(session, k.year, k.unit)
        summary = (k.report or {}).get("summary", "")
        out = report.build(k.year, k.unit, tasks, today, summary=summary)
        out.update(
            tasks=[serialize.task_brief(t, today) for t in tasks],
            reported_at=clock.iso(k.reported_at),
            reported_by=k.reported_by,
            summary=summary or None,
        )
        return out

    @rpc
    def key_unit_report(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            return self._report(session, self._key_unit(session, who, payload))

    @rpc
    def submit_key_unit_report(self, payload):
        """The key unit (or the office for it) reports its rectification to the committee."""
        who = self.caller.identity
        require_writer(who)
        data = load(schemas.ReportIn(), _without(payload, "year", "unit"))
        with self.db.unit_of_work(who) as uow:
            k = self._key_unit(uow.session, who, payload)
            rules.require_key_unit_reporter(who, k.unit)
            before = {"reported_at": clock.iso(k.reported_at)}
            k.report = {"summary": data["summary"]}
            k.reported_at, k.reported_by = clock.now(), who.username
            out = self._report(uow.session, k)
            k.report = {"summary": data["summary"], "counts": out["counts"]}
            uow.audit(
                "key_unit",
                f"{k.year}:{k.unit}",
                "report",
                before=before,
                after={"reported_at": out["reported_at"], "counts": out["counts"]},
            )
            return out

    @rpc
    def key_unit_report_docx(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            k = self._key_unit(session, who, payload)
            r = self._report(session, k)
            signed = _local_date(k.reported_at)
        content = docx_export.official_document(
            title=r["title"],
            recipients="区人大常委会：",
            paragraphs=report.paragraphs(r),
            signature=r["unit_name"],
            signed_on=signed,
        )
        return _file(
            f"{r['year']}-{r['unit_name']}整改情况报告.docx",
            content,
            f"{r['year']}-{r['unit']}-report.docx",
        )

    # -- circulars: draft → approved → issued, then perhaps published ----------------------

    @rpc
    def draft_circular(self, payload):
        who = self.caller.identity
        rules.require_office(who, "起草通报")
        data = load(schemas.CircularIn(), payload)
        with self.db.unit_of_work(who) as uow:
            self._check_problems(uow.session, data["problem_ids"])
            c = Circular(
                id=new_id("circ"),
                year=data.pop("year") or clock.today().year,
                status="draft",
                created_by=who.username,
                created_at=clock.now(),
                **data,
            )
            uow.session.add(c)
            uow.session.flush()
            out = serialize.circular(c)
            uow.audit("circular", c.id, "draft", after=out)
            return out

    @rpc
    def update_circular(self, payload):
        who = self.caller.identity
        rules.require_office(who, "修改通报")
        data = load(schemas.CircularIn(), _without(payload, "id"))
        with self.db.unit_of_work(who) as uow:
            c = _get(uow.session, Circular, payload.get("id"), "通报")
            rules.check_circular_draft(c)
            self._check_problems(uow.session, data["problem_ids"])
            before = serialize.circular(c)
            c.year = data.pop("year") or c.year
            for key, value in data.items():
                setattr(c, key, value)
            uow.session.flush()
            out = serialize.circular(c)
            uow.audit("circular", c.id, "update", before=before, after=out)
            return out

    @staticmethod
    def _check_problems(session, problem_ids):
        found = (
            {p.id: p for p in session.scalars(select(Problem).where(Problem.id.in_(problem_ids)))}
            if problem_ids
            else {}
        )
        rules.check_circular_problems(problem_ids, found)

    @rpc
    def list_circulars(self, payload):
        who = self.caller.identity
        query = load(schemas.CircularQuery(), payload or {})
        with self.db.read() as session:
            stmt = _circulars_in_scope(select(Circular), who)
            for key in ("status", "nature", "year"):
                if key in query:
                    stmt = stmt.where(getattr(Circular, key) == query[key])
            rows, total = _page(session, stmt, (Circular.created_at.desc(),), query)
            return {"items": [serialize.circular_summary(c) for c in rows], "total": total}

    @rpc
    def get_circular(self, payload):
        who = self.caller.identity
        with self.db.read() as session:
            c = _get(session, Circular, (payload or {}).get("id"), "通报")
            rules.check_circular_visible(who, c)
            return serialize.circular(c)

    def _step(self, payload, what, check, apply, event=None):
        who = self.caller.identity
        rules.require_office(who, what)
        with self.db.unit_of_work(who) as uow:
            c = _get(uow.session, Circular, (payload or {}).get("id"), "通报")
            check(c)
            before = {"status": c.status, "published": c.published_at is not None}
            apply(uow.session, c, who)
            uow.session.flush()
            out = serialize.circular(c)
            if event:
                uow.emit(event, {"circular": _announced(c)})
            uow.audit(
                "circular",
                c.id,
                what,
                before=before,
                after={
                    "status": c.status,
                    "number": c.number,
                    "published": c.published_at is not None,
                },
            )
            return out

    @rpc
    def approve_circular(self, payload):
        def apply(session, c, who):
            c.status, c.approved_at, c.approved_by = "approved", clock.now(), who.username

        return self._step(payload, "审核通报", rules.check_approve, apply)

    @rpc
    def issue_circular(self, payload):
        prefix = _circular_settings(self.config)["number_prefix"]

        def apply(session, c, who):
            year = clock.today().year
            seq = (
                session.scalar(select(func.max(Circular.seq)).where(Circular.number_year == year))
                or 0
            ) + 1
            c.status, c.issued_at, c.issued_by = "issued", clock.now(), who.username
            c.number_year, c.seq, c.number = year, seq, f"{prefix}〔{year}〕{seq}号"
            try:
                session.flush()
            except IntegrityError:
                raise RuleViolation(
                    "另一份通报正在同时印发，请重试", "circular_number_taken"
                ) from None

        return self._step(payload, "印发通报", rules.check_issue, apply, "circular_issued")

    @rpc
    def publish_circular(self, payload):
        issuer = _circular_settings(self.config)["issuer"]

        def apply(session, c, who):
            c.published_at, c.published_by = clock.now(), who.username
            c.public = redaction.public_copy(serialize.circular(c), issuer=issuer)

        return self._step(
            payload, "向社会公开通报", rules.check_publish, apply, "circular_published"
        )

    @rpc
    def circular_docx(self, payload):
        who = self.caller.identity
        settings = _circular_settings(self.config)
        with self.db.read() as session:
            c = _get(session, Circular, (payload or {}).get("id"), "通报")
            rules.check_circular_visible(who, c)
            problems = [session.get(Problem, pid) for pid in c.problem_ids or []]
            annex = [
                f"{i}．{p.title}（{registry().name(p.subject)}，{NATURE_NAMES.get(p.nature, '')}）"
                for i, p in enumerate([p for p in problems if p is not None], 1)
            ]
            c = serialize.circular(c)
        issued = _local_date(c["issued_at"] and datetime.fromisoformat(c["issued_at"]))
        content = docx_export.official_document(
            header=f"{settings['issuer']}文件",
            number=c["number"] or "（未印发稿）",
            title=c["title"],
            recipients=c["recipients"] or settings["recipients"],
            paragraphs=docx_export.split_paragraphs(c["body"]),
            attachments=["通报问题清单"] if annex else [],
            signature=settings["issuer"],
            signed_on=issued,
            note="此件公开发布" if c["published"] else None,
            annex=("通报问题清单", annex) if annex else None,
            cc=c["cc"] or settings["cc"],
            printer=settings["issuer"],
            printed_on=issued,
        )
        return _file(f"{c['number'] or c['title']}.docx", content, f"{c['id']}.docx")

    # -- what the public reads (no caller identity: these never look at one) ----------------

    @rpc
    def list_public_circulars(self, payload):
        query = load(schemas.PublicQuery(), payload or {})
        with self.db.read() as session:
            stmt = select(Circular).where(Circular.published_at.is_not(None))
            rows, total = _page(session, stmt, (Circular.published_at.desc(),), query)
            return {"items": [c.public for c in rows], "total": total}

    @rpc
    def get_public_circular(self, payload):
        with self.db.read() as session:
            c = session.get(Circular, str((payload or {}).get("id", "")))
            if c is None or c.published_at is None or not c.public:
                raise NotFound("通报不存在或未公开", "not_found")
            return c.public

    # -- views other services and the gateway ask for ----------------------------------------

    @rpc
    def stats(self, payload):
        self.caller.identity  # noqa: B018 - aggregate counts are for every signed-in user
        year = (payload or {}).get("year")
        today = clock.today()
        with self.db.read() as session:
            return _stats(session, year, today)

    @rpc
    def search(self, payload):
        who = self.caller.identity
        q = str((payload or {}).get("q", ""))[:100].strip()
        limit = max(1, min(int((payload or {}).get("limit") or 20), 100))
        if not q:
            return {"items": []}
        like = f"%{q}%"
        with self.db.read() as session:
            problems = session.scalars(
                _problems_in_scope(select(Problem), who)
                .where(or_(Problem.title.like(like), Problem.description.like(like)))
                .limit(limit)
            )
            tasks = session.scalars(
                _tasks_in_scope(select(Task), who).where(Task.measures.like(like)).limit(limit)
            )
            circulars = session.scalars(
                _circulars_in_scope(select(Circular), who)
                .where(or_(Circular.title.like(like), Circular.body.like(like)))
                .limit(limit)
            )
            today = clock.today()
            return {
                "items": [
                    *(
                        {
                            "kind": "problem",
                            "id": p.id,
                            "title": p.title,
                            "status": rules.problem_status(p),
                            "subject": p.subject,
                        }
                        for p in problems
                    ),
                    *(
                        {
                            "kind": "task",
                            "id": t.id,
                            "title": t.problem.title,
                            "status": t.status,
                            "overdue": rules.is_overdue(t, today),
                            "responsible_unit": t.responsible_unit,
                        }
                        for t in tasks
                    ),
                    *(
                        {"kind": "circular", "id": c.id, "title": c.title, "status": c.status}
                        for c in circulars
                    ),
                ]
            }

    @rpc
    def by_subject(self, payload):
        """What rectification knows about a subject (a unit id or an official), for portraits."""
        who = self.caller.identity
        subject = str((payload or {}).get("subject", ""))[:120]
        today = clock.today()
        with self.db.read() as session:
            out = []
            problem_ids = []
            # the newest few of each, as columns (not objects with their tasks and histories):
            # a portrait is asked often and must stay fast with 10,000 tasks
            problems = session.execute(
                _problems_in_scope(
                    select(
                        Problem.id,
                        Problem.title,
                        Problem.created_at,
                        Problem.source,
                        Problem.nature,
                    ),
                    who,
                )
                .where(Problem.subject == subject)
                .order_by(Problem.created_at.desc())
                .limit(PORTRAIT_ROWS)
            ).all()
            statuses: dict[str, list[str]] = {p.id: [] for p in problems}
            if statuses:
                for problem_id, status in session.execute(
                    select(Task.problem_id, Task.status).where(Task.problem_id.in_(list(statuses)))
                ):
                    statuses[problem_id].append(status)
            for p in reversed(problems):
                problem_ids.append(p.id)
                out.append(
                    {
                        "kind": "problem",
                        "id": p.id,
                        "title": p.title,
                        "status": rules.status_from_tasks(statuses[p.id]),
                        "at": clock.iso(p.created_at),
                        "source": p.source,
                        "nature": p.nature,
                    }
                )
            tasks = session.execute(
                _tasks_in_scope(
                    select(
                        Task.id,
                        Task.status,
                        Task.created_at,
                        Task.deadline,
                        Task.problem_id,
                        Problem.title,
                    ).join(Problem, Problem.id == Task.problem_id),
                    who,
                )
                .where(Task.responsible_unit == subject)
                .order_by(Task.created_at.desc())
                .limit(PORTRAIT_ROWS)
            ).all()
            for t in sorted(tasks, key=lambda t: (t.deadline is None, t.deadline)):
                out.append(
                    {
                        "kind": "task",
                        "id": t.id,
                        "title": t.title,
                        "status": t.status,
                        "at": clock.iso(t.created_at),
                        "deadline": clock.iso(t.deadline),
                        "overdue": rules.is_overdue(t, today),
                        "problem_id": t.problem_id,
                    }
                )
            for k in session.scalars(select(KeyUnit).where(KeyUnit.unit == subject)):
                out.append(
                    {
                        "kind": "key_unit",
                        "id": f"{k.year}:{k.unit}",
                        "title": f"{k.year} 年度整改重点单位",
                        "year": k.year,
                        "at": clock.iso(k.selected_at),
                        "status": "reported" if k.reported_at else "selected",
                    }
                )
            if problem_ids:
                for c in session.scalars(_circulars_in_scope(select(Circular), who)):
                    if set(c.problem_ids or []) & set(problem_ids):
                        out.append(
                            {
                                "kind": "circular",
                                "id": c.id,
                                "title": c.title,
                                "status": c.status,
                                "at": clock.iso(c.issued_at),
                            }
                        )
            totals = {"problem": len(problems), "task": len(tasks)}
            if len(problems) == PORTRAIT_ROWS:
                totals["problem"] = session.scalar(
                    _problems_in_scope(select(func.count(Problem.id)), who).where(
                        Problem.subject == subject
                    )
                )
            if len(tasks) == PORTRAIT_ROWS:
                totals["task"] = session.scalar(
                    _tasks_in_scope(select(func.count(Task.id)), who).where(
                        Task.responsible_unit == subject
                    )
                )
            return {"items": out, "totals": totals}

    @rpc
    def links(self, payload):
        """One node of a trace (problem, task or circular) and the nodes it links to."""
        who = self.caller.identity
        kind, key = (payload or {}).get("kind"), str((payload or {}).get("id", ""))
        today = clock.today()
        with self.db.read() as session:
            if kind == "problem":
                p = _get(session, Problem, key, "整改问题")
                rules.check_problem_visible(who, p)
                circulars = session.scalars(
                    _circulars_in_scope(
                        select(Circular.id).where(json_list_has(Circular.problem_ids, p.id)), who
                    )
                )
                origin = [serialize.origin(p)] if p.origin_kind else []
                return {
                    "node": {
                        "kind": "problem",
                        "id": p.id,
                        "title": p.title,
                        "status": rules.problem_status(p),
                        "subject": p.subject,
                        "origin": serialize.origin(p),
                    },
                    "links": [
                        *origin,
                        *({"kind": "task", "id": t.id} for t in self._own_tasks(who, p)),
                        *({"kind": "circular", "id": cid} for cid in circulars),
                    ],
                }
            if kind == "task":
                t = _get(session, Task, key, "整改任务")
                rules.check_task_visible(who, t)
                return {
                    "node": {
                        "kind": "task",
                        "id": t.id,
                        "title": t.problem.title,
                        "status": t.status,
                        "overdue": rules.is_overdue(t, today),
                        "responsible_unit": t.responsible_unit,
                        "deadline": clock.iso(t.deadline),
                    },
                    "links": [{"kind": "problem", "id": t.problem_id}],
                }
            if kind == "circular":
                c = _get(session, Circular, key, "通报")
                rules.check_circular_visible(who, c)
                return {
                    "node": {
                        "kind": "circular",
                        "id": c.id,
                        "title": c.title,
                        "status": c.status,
                        "number": c.number,
                    },
                    "links": [{"kind": "problem", "id": pid} for pid in c.problem_ids or []],
                }
        raise NotFound("不支持的追溯对象", "not_found")


def _without(payload, *keys) -> dict:
    return {k: v for k, v in (payload or {}).items() if k not in keys}


def _stats(session, year: int | None, today) -> dict:
    """The dashboard's counts, counted by the database (GROUP BY): 10,000 tasks are never
    loaded into the process to be counted."""

    def by(column, *where, table=None):
        stmt = select(column, func.count()).group_by(column)
        if table is not None:
            stmt = stmt.select_from(table)
        return {k: n for k, n in session.execute(stmt.where(*where)).all()}

    p_year = [Problem.year == year] if year else []
    t_year = [Task.year == year] if year else []
    c_year = [Circular.year == year] if year else []
    problems_by_source = by(Problem.source, *p_year)
    # a problem's status comes from its tasks (rules.status_from_tasks): none → open,
    # all verified → resolved, else rectifying; counted per problem, then per status
    per_problem = (
        select(
            case(
                (func.count(Task.id) == 0, "open"),
                (
                    func.sum(case((Task.status == "verified", 1), else_=0)) == func.count(Task.id),
                    "resolved",
                ),
                else_="rectifying",
            ).label("status")
        )
        .select_from(Problem)
        .outerjoin(Task, Task.problem_id == Problem.id)
        .where(*p_year)
        .group_by(Problem.id)
        .subquery()
    )
    tasks_by_status = by(Task.status, *t_year)
    late = [*t_year, Task.status.in_(rules.OVERDUE_STATUSES), Task.deadline < today]
    overdue_per_unit = by(Task.responsible_unit, *late)
    # each task counts once for its responsible unit and each supervising unit; the lists
    # repeat, so the distinct (unit, list) pairs are few whatever the number of tasks
    per_unit: dict[str, int] = {}
    pairs = select(Task.responsible_unit, cast(Task.supervising_units, Text), func.count())
    for unit, supervising, n in session.execute(
        pairs.where(*t_year).group_by(Task.responsible_unit, cast(Task.supervising_units, Text))
    ):
        for u in dict.fromkeys([unit, *(json.loads(supervising or "null") or [])]):
            per_unit[u] = per_unit.get(u, 0) + n
    circulars_by_status = by(Circular.status, *c_year)
    published = session.scalar(
        select(func.count()).where(*c_year, Circular.published_at.is_not(None))
    )
    keys = select(KeyUnit.unit).order_by(KeyUnit.year, KeyUnit.slot)
    overdue = sum(overdue_per_unit.values())
    return {
        "problems": sum(problems_by_source.values()),
        "problems_by_source": problems_by_source,
        "problems_by_nature": by(Problem.nature, *p_year),
        "problems_by_status": by(per_problem.c.status, table=per_problem),
        "tasks": sum(tasks_by_status.values()),
        "tasks_by_status": tasks_by_status,
        "verified": tasks_by_status.get("verified", 0),
        "overdue": overdue,
        "overdue_tasks": overdue,
        "per_unit": per_unit,
        "overdue_per_unit": overdue_per_unit,
        "key_units": list(session.scalars(keys.where(KeyUnit.year == year) if year else keys)),
        "circulars": sum(circulars_by_status.values()),
        "circulars_by_status": circulars_by_status,
        "published": published,
    }


def _count(values) -> dict:
    out: dict = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _announced(c) -> dict:
    """What an event says about a circular: never the strings the public copy hides."""
    if c.public:
        return {**c.public, "status": c.status, "problem_ids": list(c.problem_ids or [])}
    out = serialize.circular_summary(c)
    out.pop("redact")
    out.pop("names")
    return out


def _local_date(moment):
    """The Asia/Shanghai calendar day of a stored time (today when there is none)."""
    return clock.aware(moment).astimezone(clock.LOCAL_TZ).date() if moment else clock.today()


def _file(filename: str, content: bytes, ascii_name: str) -> dict:
    return {
        "filename": filename,
        "ascii_filename": ascii_name,
        "content_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "content": base64.b64encode(content).decode("ascii"),
    }
