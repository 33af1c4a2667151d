"""The research service's nameko entrypoints: thin, they load, check the rules and store."""

import logging

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from contracts.errors import (
    NotFound,
    PlatformError,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from contracts.schemas import research as schemas
from contracts.schemas.base import load
from runtime import clock
from runtime.db import Database
from runtime.ids import new_id
from runtime.queries import json_list_has, page
from runtime.rpc import ServiceRpc, rpc
from runtime.service_base import ServiceBase
from services.research import rules, serialize
from services.research.models import (
    Base,
    Output,
    OutputVersion,
    Topic,
    TopicHistory,
    TopicLink,
)

log = logging.getLogger(__name__)

# who owns each kind a topic links to, and how to ask it whether an id exists
LINK_OWNERS = {
    "item": ("planning", "监督事项", "计划共商"),
    "problem": ("rectification", "整改问题", "整改共促"),
}


class _PeerRpc(ServiceRpc):
    """Checking an id with its owner must answer before the gateway gives up on this call,
    so that a dead owner is reported by name rather than as a slow research service."""

    def setup(self):
        super().setup()
        self.timeout = max(1.0, self.timeout * 0.6)


def _get(session, model, key, what):
    obj = session.get(model, str(key or ""))
    if obj is None:
        raise NotFound(f"{what}不存在", "not_found")
    return obj


def _note(topic, who, action: str, summary: str, **detail):
    topic.history.append(
        TopicHistory(
            at=clock.now(),
            actor=getattr(who, "username", None),
            unit=getattr(who, "unit", None),
            action=action,
            summary=summary[:500],
            detail=detail,
        )
    )


class ResearchService(ServiceBase):
    name = "research"
    db = Database(Base.metadata)
    peers = _PeerRpc()

    # -- topics: set by the office, at most two a year -------------------------------------

    @rpc
    def create_topic(self, payload):
        who = self.caller.identity
        rules.require_office(who, "确定理论研究课题")
        data = load(schemas.TopicIn(), payload)
        rules.check_topic_units(data["lead_unit"], data["participating_units"])
        rules.check_due_on(data["year"], data["due_on"])
        with self.db.read() as session:  # refuse a third before asking other services
            rules.check_topic_limit(data["year"], self._count(session, data["year"]))
        links = self._resolve_links(data.pop("item_ids"), data.pop("problem_ids"))
        # a lost race for a slot means another topic of the year was just committed; after
        # as many losses as there are slots, the next attempt sees them all taken and the
        # rule refuses
        for _ in range(rules.MAX_TOPICS_PER_YEAR):
            try:
                return self._insert_topic(who, data, links)
            except IntegrityError:
                continue
        return self._insert_topic(who, data, links)

    def _insert_topic(self, who, data, links):
        year = data["year"]
        with self.db.unit_of_work(who) as uow:
            taken = set(uow.session.scalars(select(Topic.slot).where(Topic.year == year)))
            rules.check_topic_limit(year, len(taken))
            now = clock.now()
            topic = Topic(
                id=new_id("topic"),
                slot=rules.next_slot(taken),
                status="planned",
                created_by=who.username,
                created_at=now,
                search_text=rules.search_text(
                    data["title"], data["questions"], data["deliverables"]
                ),
                **data,
            )
            uow.session.add(topic)
            for link in links:
                topic.links.append(self._link_row(link, who, now))
            _note(topic, who, "created", f"办公室确定课题「{topic.title}」")
            uow.session.flush()
            out = serialize.topic(topic)
            uow.emit("research_topic_created", {"topic": serialize.topic_summary(topic)})
            uow.audit("topic", topic.id, "create", after=serialize.topic_summary(topic))
        return out

    @staticmethod
    def _count(session, year) -> int:
        return session.scalar(select(func.count()).select_from(Topic).where(Topic.year == year))

    @rpc
    def get_topic(self, payload):
        self.caller.identity  # noqa: B018 - authenticates; topics are not secret
        with self.db.read() as session:
            return serialize.topic(_get(session, Topic, (payload or {}).get("id"), "研究课题"))

    @rpc
    def list_topics(self, payload):
        self.caller.identity  # noqa: B018
        query = load(schemas.TopicQuery(), payload or {})
        with self.db.read() as session:
            stmt = select(Topic)
            if "year" in query:
                stmt = stmt.where(Topic.year == query["year"])
            if "status" in query:
                stmt = stmt.where(Topic.status == query["status"])
            if "unit" in query:
                unit = query["unit"]
                stmt = stmt.where(
                    or_(Topic.lead_unit == unit, json_list_has(Topic.participating_units, unit))
                )
            total, rows = page(session, stmt, query, Topic.year.desc(), Topic.slot)
            return {"items": [serialize.topic_summary(t) for t in rows], "total": total}

    # -- outputs: co-written by the topic's units, with versions and one final report -------

    @rpc
    def add_output(self, payload):
        who = self.caller.identity
        data = load(
            schemas.OutputIn(),
            {k: payload[k] for k in ("title", "content", "final") if k in payload},
        )
        with self.db.unit_of_work(who) as uow:
            topic = _get(uow.session, Topic, payload.get("topic_id"), "研究课题")
            rules.require_member(who, topic, "提交研究成果")
            rules.check_open(topic)
            now = clock.now()
            output = Output(
                id=new_id("rout"),
                title=data["title"],
                content=data["content"],
                version=1,
                unit=who.unit,
                author=who.username,
                created_at=now,
                updated_at=now,
            )
            output.versions.append(
                OutputVersion(
                    version=1,
                    title=data["title"],
                    content=data["content"],
                    unit=who.unit,
                    author=who.username,
                    created_at=now,
                )
            )
            topic.outputs.append(output)
            self._start(uow, who, topic)
            _note(
                topic,
                who,
                "output_added",
                f"提交研究成果「{output.title}」（第 1 版）",
                output_id=output.id,
                version=1,
            )
            uow.session.flush()
            self._mark_final(uow, who, topic, output, data["final"])
            out = serialize.output(output, topic.final_output_id)
            uow.emit(
                "research_output_added",
                {
                    "topic_id": topic.id,
                    "output": serialize.output(output, topic.final_output_id, versions=False),
                },
            )
            uow.audit(
                "output",
                output.id,
                "add",
                after={
                    "topic_id": topic.id,
                    "title": output.title,
                    "version": 1,
                    "final": out["final"],
                },
            )
        return out

    @rpc
    def add_version(self, payload):
        who = self.caller.identity
        data = load(
            schemas.VersionIn(),
            {k: payload[k] for k in ("title", "content", "final") if k in payload},
        )
        with self.db.unit_of_work(who) as uow:
            topic = _get(uow.session, Topic, payload.get("topic_id"), "研究课题")
            output = self._output_of(uow.session, topic, payload.get("output_id"))
            rules.require_member(who, topic, "修改研究成果")
            rules.check_open(topic)
            before = {"version": output.version, "title": output.title}
            now = clock.now()
            output.version += 1
            output.title = data.get("title") or output.title
            output.content, output.updated_at = data["content"], now
            output.versions.append(
                OutputVersion(
                    version=output.version,
                    title=output.title,
                    content=output.content,
                    unit=who.unit,
                    author=who.username,
                    created_at=now,
                )
            )
            _note(
                topic,
                who,
                "version_added",
                f"研究成果「{output.title}」形成第 {output.version} 版",
                output_id=output.id,
                version=output.version,
            )
            uow.session.flush()
            self._mark_final(uow, who, topic, output, data["final"])
            out = serialize.output(output, topic.final_output_id)
            uow.emit(
                "research_output_added",
                {
                    "topic_id": topic.id,
                    "output": serialize.output(output, topic.final_output_id, versions=False),
                },
            )
            uow.audit(
                "output",
                output.id,
                "revise",
                before=before,
                after={"version": output.version, "title": output.title, "final": out["final"]},
            )
        return out

    @rpc
    def get_output(self, payload):
        self.caller.identity  # noqa: B018
        with self.db.read() as session:
            topic = _get(session, Topic, payload.get("topic_id"), "研究课题")
            output = self._output_of(session, topic, payload.get("output_id"))
            return serialize.output(output, topic.final_output_id)

    @rpc
    def list_outputs(self, payload):
        self.caller.identity  # noqa: B018
        with self.db.read() as session:
            topic = _get(session, Topic, payload.get("topic_id"), "研究课题")
            items = [serialize.output(o, topic.final_output_id) for o in topic.outputs]
            return {"items": items, "total": len(items)}

    @rpc
    def list_versions(self, payload):
        self.caller.identity  # noqa: B018
        with self.db.read() as session:
            topic = _get(session, Topic, payload.get("topic_id"), "研究课题")
            output = self._output_of(session, topic, payload.get("output_id"))
            items = [serialize.version(v) for v in output.versions]
            return {"items": items, "total": len(items)}

    @staticmethod
    def _output_of(session, topic, output_id):
        output = session.get(Output, str(output_id or ""))
        if output is None or output.topic_id != topic.id:
            raise NotFound("研究成果不存在", "not_found")
        return output

    @staticmethod
    def _start(uow, who, topic):
        before = topic.status
        topic.status = rules.status_after_output(topic)
        if topic.status != before:
            _note(topic, who, "started", "课题进入研究阶段")
            uow.audit(
                "topic",
                topic.id,
                "start",
                before={"status": before},
                after={"status": topic.status},
            )

    @staticmethod
    def _mark_final(uow, who, topic, output, final):
        before, after = rules.final_change(topic, output.id, final)
        if before == after:
            return
        outputs = {o.id: o for o in topic.outputs}
        topic.final_output_id = after
        if before and before != output.id:
            previous = outputs.get(before)
            _note(
                topic,
                who,
                "final_demoted",
                f"「{previous.title if previous else before}」不再是最终研究报告，"
                f"由「{output.title}」取代",
                output_id=before,
                replaced_by=output.id,
            )
        if after == output.id:
            _note(
                topic,
                who,
                "final_marked",
                f"「{output.title}」第 {output.version} 版标为最终研究报告",
                output_id=output.id,
                version=output.version,
            )
        else:
            _note(
                topic,
                who,
                "final_unmarked",
                f"「{output.title}」不再是最终研究报告",
                output_id=output.id,
            )
        uow.audit(
            "topic",
            topic.id,
            "final_output_change",
            before={"final_output_id": before},
            after={"final_output_id": after, "version": output.version},
        )

    # -- links to the items and problems the topic studies ---------------------------------

    @rpc
    def set_links(self, payload):
        """The whole set of linked items and problems (PUT)."""
        who = self.caller.identity
        data = load(
            schemas.LinksIn(), {k: payload[k] for k in ("item_ids", "problem_ids") if k in payload}
        )
        self._check_may_link(who, payload.get("topic_id"))
        links = self._resolve_links(data["item_ids"], data["problem_ids"])
        return self._store_links(who, payload.get("topic_id"), links, replace=True)

    @rpc
    def add_link(self, payload):
        """One more item or problem (POST)."""
        who = self.caller.identity
        data = load(schemas.LinkIn(), {k: payload[k] for k in ("kind", "id") if k in payload})
        self._check_may_link(who, payload.get("topic_id"))
        ids = {"item": [], "problem": []}
        ids[data["kind"]].append(data["id"])
        links = self._resolve_links(ids["item"], ids["problem"], single=True)
        return self._store_links(who, payload.get("topic_id"), links, replace=False)

    def _check_may_link(self, who, topic_id):
        # rights and state first: a refused caller learns nothing from the other services
        with self.db.read() as session:
            topic = _get(session, Topic, topic_id, "研究课题")
            rules.require_lead_or_office(who, topic, "关联研究对象")
            rules.check_open(topic)

    def _store_links(self, who, topic_id, links, *, replace: bool):
        with self.db.unit_of_work(who) as uow:
            topic = _get(uow.session, Topic, topic_id, "研究课题")
            rules.require_lead_or_office(who, topic, "关联研究对象")
            rules.check_open(topic)
            current = {(lk.kind, lk.ref_id): lk for lk in topic.links}
            wanted = {(lk["kind"], lk["id"]): lk for lk in links}
            if not replace:
                wanted = {**{k: None for k in current}, **wanted}
            added, removed = rules.link_changes(set(current), set(wanted))
            now = clock.now()
            for key in removed:
                topic.links.remove(current[key])
            for key in added:
                topic.links.append(self._link_row(wanted[key], who, now))
            if added or removed:
                titles = {
                    **{k: lk.title for k, lk in current.items()},
                    **{k: lk["title"] for k, lk in wanted.items() if lk},
                }
                _note(
                    topic,
                    who,
                    "links_changed",
                    _links_summary(added, removed, titles),
                    added=[{"kind": k, "id": i} for k, i in added],
                    removed=[{"kind": k, "id": i} for k, i in removed],
                )
                uow.audit(
                    "topic",
                    topic.id,
                    "links_change",
                    before={"links": [f"{k}:{i}" for k, i in sorted(current)]},
                    after={"links": [f"{k}:{i}" for k, i in sorted(wanted)]},
                )
            uow.session.flush()
            return serialize.topic(topic)

    @staticmethod
    def _link_row(link, who, now):
        return TopicLink(
            kind=link["kind"],
            ref_id=link["id"],
            title=link["title"][:200],
            subjects=link["subjects"],
            linked_by=who.username,
            linked_at=now,
        )

    def _resolve_links(self, item_ids, problem_ids, *, single=False) -> list[dict]:
        """Ask each id's owner whether it exists (with the caller's own rights)."""
        wanted = [("item", i) for i in item_ids] + [("problem", i) for i in problem_ids]
        if not wanted:
            return []
        calls = {}
        for kind, ref in wanted:
            service = LINK_OWNERS[kind][0]
            calls[(kind, ref)] = (
                (service, "get_item", {"id": ref})
                if kind == "item"
                else (service, "links", {"kind": "problem", "id": ref})
            )
        answers = self.peers.gather(calls)
        bad, out = {}, []
        positions = {"item": list(item_ids), "problem": list(problem_ids)}
        for (kind, ref), answer in answers.items():
            service, what, mechanism = LINK_OWNERS[kind]
            field = "id" if single else f"{kind}_ids.{positions[kind].index(ref)}"
            if isinstance(answer, (NotFound, Unauthenticated)):
                bad.setdefault(field, []).append(f"{what} {ref} 不存在")
                continue
            if isinstance(answer, PlatformError) and not isinstance(answer, ServiceUnavailable):
                raise answer
            if isinstance(answer, Exception):
                # not running, too slow, or an older build without the RPC: the caller
                # learns which service to wait for, not a vague failure of this one
                log.warning("could not check %s %s with %s: %r", kind, ref, service, answer)
                raise ServiceUnavailable(
                    f"{mechanism}服务（{service}）暂不可用，无法核验{what}编号，请稍后重试",
                    "service_unavailable",
                ) from None
            out.append(_link_from_answer(kind, ref, answer))
        if bad:
            raise ValidationFailed(
                "关联的研究对象不存在，请检查标注的字段", "validation_failed", bad
            )
        return out

    # -- conclusion: the final report goes to the results library --------------------------

    @rpc
    def conclude_topic(self, payload):
        who = self.caller.identity
        rules.require_office(who, "办理课题结题")
        data = load(schemas.ConcludeIn(), {k: payload[k] for k in ("summary",) if k in payload})
        with self.db.unit_of_work(who) as uow:
            topic = _get(uow.session, Topic, payload.get("topic_id"), "研究课题")
            rules.check_conclusion(topic)
            before = topic.status
            topic.status, topic.concluded_at, topic.concluded_by = (
                "concluded",
                clock.now(),
                who.username,
            )
            topic.conclusion = data["summary"] or None
            final = serialize.final_report(topic)
            _note(
                topic,
                who,
                "concluded",
                f"课题结题，最终研究报告为「{final['title']}」第 {final['version']} 版",
                final_output_id=final["id"],
                version=final["version"],
            )
            uow.session.flush()
            out = serialize.topic(topic)
            uow.emit(
                "research_topic_concluded",
                {"topic": serialize.topic_summary(topic), "final_output": final},
            )
            uow.audit(
                "topic",
                topic.id,
                "conclude",
                before={"status": before},
                after={
                    "status": "concluded",
                    "final_output_id": final["id"],
                    "version": final["version"],
                },
            )
        return out

    # -- views other services and the gateway ask for --------------------------------------

    @rpc
    def stats(self, payload):
        self.caller.identity  # noqa: B018
        year = (payload or {}).get("year")
        with self.db.read() as session:
            stmt = select(Topic)
            if year:
                stmt = stmt.where(Topic.year == year)
            topics = list(session.scalars(stmt))
            today = clock.today()
            by_status, per_unit = {}, {}
            for t in topics:
                by_status[t.status] = by_status.get(t.status, 0) + 1
                for unit in rules.topic_units(t):
                    per_unit[unit] = per_unit.get(unit, 0) + 1
            return {
                "topics": len(topics),
                "topics_total": len(topics),
                "by_status": by_status,
                "concluded": by_status.get("concluded", 0),
                "outputs": sum(len(t.outputs) for t in topics),
                "final_reports": sum(1 for t in topics if t.final_output_id),
                "overdue": sum(1 for t in topics if rules.overdue(t, today)),
                "per_unit": per_unit,
            }

    @rpc
    def search(self, payload):
        self.caller.identity  # noqa: B018
        q = str((payload or {}).get("q", ""))[:100].strip()
        try:
            limit = max(1, min(int((payload or {}).get("limit") or 20), 100))
        except (TypeError, ValueError):
            limit = 20
        if not q:
            return {"items": []}
        like = f"%{q}%"
        with self.db.read() as session:
            topics = session.scalars(
                select(Topic)
                .where(Topic.search_text.like(like))
                .order_by(Topic.year.desc(), Topic.slot)
                .limit(limit)
            )
            outputs = session.scalars(
                select(Output)
                .where(or_(Output.title.like(like), Output.content.like(like)))
                .order_by(Output.created_at)
                .limit(limit)
            )
            return {
                "items": [
                    *(
                        {
                            "kind": "topic",
                            "id": t.id,
                            "title": t.title,
                            "status": t.status,
                            "year": t.year,
                        }
                        for t in topics
                    ),
                    *(
                        {
                            "kind": "output",
                            "id": o.id,
                            "title": o.title,
                            "topic_id": o.topic_id,
                            "version": o.version,
                        }
                        for o in outputs
                    ),
                ][:limit]
            }

    @rpc
    def by_subject(self, payload):
        """Topics that study an item or problem about the subject, or that the unit works on."""
        self.caller.identity  # noqa: B018
        subject = str((payload or {}).get("subject", ""))[:120]
        if not subject:
            return {"items": []}
        with self.db.read() as session:
            found: dict[str, dict] = {}
            # a year holds two topics and a handful of links: filter the JSON in Python
            for lk in session.scalars(select(TopicLink).order_by(TopicLink.linked_at).limit(5000)):
                if subject in (lk.subjects or []) and lk.topic_id not in found:
                    found[lk.topic_id] = {
                        "via": {"kind": lk.kind, "id": lk.ref_id, "title": lk.title}
                    }
            topics = session.scalars(
                select(Topic).order_by(Topic.year.desc(), Topic.slot).limit(2000)
            )
            out = []
            for t in topics:
                role = (
                    "lead"
                    if t.lead_unit == subject
                    else "participant"
                    if subject in (t.participating_units or [])
                    else None
                )
                if t.id not in found and role is None:
                    continue
                out.append(
                    {
                        "kind": "topic",
                        "id": t.id,
                        "title": t.title,
                        "status": t.status,
                        "year": t.year,
                        "at": clock.iso(t.created_at),
                        **({"role": role} if role else {}),
                        **found.get(t.id, {}),
                    }
                )
            return {"items": out}

    @rpc
    def links(self, payload):
        """One node of a trace (topic or output) and the nodes it links to."""
        self.caller.identity  # noqa: B018
        kind, key = (payload or {}).get("kind"), str((payload or {}).get("id", ""))
        with self.db.read() as session:
            if kind in ("item", "problem"):
                # the other way round: the topics that study this item or problem (planning and
                # rectification do not know them), so a trace from an item reaches its research
                studied_by = session.scalars(
                    select(TopicLink.topic_id).where(
                        TopicLink.kind == kind, TopicLink.ref_id == key
                    )
                )
                return {"node": None, "links": [{"kind": "topic", "id": t} for t in studied_by]}
            if kind == "topic":
                t = _get(session, Topic, key, "研究课题")
                return {
                    "node": {
                        "kind": "topic",
                        "id": t.id,
                        "title": t.title,
                        "status": t.status,
                        "year": t.year,
                    },
                    "links": [
                        *({"kind": "output", "id": o.id} for o in t.outputs),
                        *({"kind": lk.kind, "id": lk.ref_id} for lk in t.links),
                    ],
                }
            if kind == "output":
                o = _get(session, Output, key, "研究成果")
                t = session.get(Topic, o.topic_id)
                return {
                    "node": {
                        "kind": "output",
                        "id": o.id,
                        "title": o.title,
                        "version": o.version,
                        "final": bool(t and t.final_output_id == o.id),
                        "status": "final" if t and t.final_output_id == o.id else "draft",
                    },
                    "links": [{"kind": "topic", "id": o.topic_id}],
                }
        raise NotFound("不支持的追溯对象", "not_found")


def _link_from_answer(kind: str, ref: str, answer: dict) -> dict:
    if kind == "item":
        return {
            "kind": "item",
            "id": ref,
            "title": str(answer.get("title") or ref),
            "subjects": [str(s) for s in answer.get("subjects") or []],
        }
    node = (answer or {}).get("node") or {}
    subjects = node.get("subjects") or ([node["subject"]] if node.get("subject") else [])
    return {
        "kind": "problem",
        "id": ref,
        "title": str(node.get("title") or ref),
        "subjects": [str(s) for s in subjects],
    }


def _links_summary(added, removed, titles) -> str:
    names = {"item": "监督事项", "problem": "整改问题"}

    def say(pairs):
        return "、".join(f"{names[k]}「{titles.get((k, i)) or i}」" for k, i in pairs)

    parts = []
    if added:
        parts.append("关联" + say(added))
    if removed:
        parts.append("取消关联" + say(removed))
    return "；".join(parts)
