"""The notification centre, fed by the services' events (read through gateway.routes.notifications).

``NotificationFeed`` is mixed into the gateway service: its event handlers turn the services'
events into notices addressed to units (the rules are plain functions in
``gateway.views.notices``) and keep the deadline watches from which a timer reminds three days
ahead. Each handler applies an event once (``uow.first_time``, in the same transaction as the
notices), so a redelivered event never gives a second notice. The queues are declared up front
by ``runtime.topology``, which finds these handlers on ``GatewayService`` through inheritance.
"""

import logging
import os
from datetime import UTC, datetime, timedelta

from nameko.timer import timer
from sqlalchemy import and_, false, func, or_, select

from contracts.errors import NotFound
from contracts.units import registry
from gateway.models import DeadlineWatch, Notification, NotificationRead
from gateway.views import notices as rules
from runtime import clock
from runtime.events import event_handler
from runtime.ids import new_id

log = logging.getLogger(__name__)

# the reminders are per day; scanning every few minutes is plenty and costs one indexed query
SCAN_SECONDS = float(os.environ.get("COSUPERVISE_NOTICE_SCAN_SECONDS", "300"))
MARK_ALL_LIMIT = 5000


class NotificationFeed:
    """Mixed into GatewayService, which provides ``db``, ``config`` and ``views``."""

    # -- leads ---------------------------------------------------------------------------------
    @event_handler("leads", "lead_transferred")
    def on_lead_transferred(self, envelope):
        self._take("leads", envelope)

    @event_handler("leads", "lead_accepted")
    def on_lead_accepted(self, envelope):
        self._take("leads", envelope)

    @event_handler("leads", "lead_returned")
    def on_lead_returned(self, envelope):
        self._take("leads", envelope)

    @event_handler("leads", "lead_concluded")
    def on_lead_concluded(self, envelope):
        self._take("leads", envelope)

    @event_handler("leads", "lead_overdue")
    def on_lead_overdue(self, envelope):
        self._take("leads", envelope)

    # -- rectification -----------------------------------------------------------------------
    @event_handler("rectification", "task_assigned")
    def on_task_assigned(self, envelope):
        self._take("rectification", envelope)

    @event_handler("rectification", "task_submitted")
    def on_task_submitted(self, envelope):
        self._take("rectification", envelope)

    @event_handler("rectification", "task_sent_back")
    def on_task_sent_back(self, envelope):
        self._take("rectification", envelope)

    @event_handler("rectification", "task_verified")
    def on_task_verified(self, envelope):
        self._take("rectification", envelope)

    @event_handler("rectification", "task_overdue")
    def on_task_overdue(self, envelope):
        self._take("rectification", envelope)

    @event_handler("rectification", "circular_issued")
    def on_circular_issued(self, envelope):
        self._take("rectification", envelope)

    # -- deadlines in three days ------------------------------------------------------------
    @timer(interval=SCAN_SECONDS, eager=True)
    def remind_deadlines(self):
        with self.db.unit_of_work(None) as uow:
            return remind(uow.session, clock.today())

    def _take(self, source: str, envelope: dict):
        self.views.invalidate()  # a lead or a task changed: portraits are asked again
        names = registry(self.config).name
        with self.db.unit_of_work(None) as uow:
            if not uow.first_time(envelope):
                return 0
            at = event_time(envelope)
            for change in rules.watch_changes(source, envelope):
                apply_watch(uow.session, change, at)
            found = rules.notices_for(source, envelope, unit_name=names)
            store(
                uow.session, [(new_id("ntc"), n) for n in found], event_id=envelope.get("event_id")
            )
            return len(found)


# -- the store ------------------------------------------------------------------------------------


def store(session, notices, *, event_id=None) -> int:
    now = clock.now()
    for notice_id, n in notices:
        session.add(
            Notification(
                id=notice_id,
                unit=n.unit,
                role=n.role,
                username=None,
                kind=n.type,
                title=n.title[:300],
                body=n.message,
                entity=n.entity,
                event_id=event_id,
                created_at=now,
                due_on=rules.parse_day(n.due_on),
            )
        )
    session.flush()
    return len(notices)


def event_time(envelope: dict) -> datetime:
    try:
        moment = datetime.fromisoformat(str(envelope.get("occurred_at")))
    except ValueError:
        return clock.now()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def apply_watch(session, change: rules.WatchChange, at: datetime) -> None:
    row = session.get(DeadlineWatch, (change.kind, change.id, change.slot))
    current = (
        None
        if row is None
        else rules.Watch(
            row.entity_kind,
            row.entity_id,
            row.slot,
            row.open,
            row.due_on,
            list(row.units or []),
            row.title,
            clock.aware(row.event_at),
            row.reminded_due,
        )
    )
    after = rules.apply_change(current, change, at)
    if after is None:
        return  # an older event than the one the watch already took
    if row is None:
        row = DeadlineWatch(entity_kind=change.kind, entity_id=change.id, slot=change.slot)
        session.add(row)
    row.open, row.due_on, row.units = after.open, after.due_on, after.units
    row.title, row.event_at = after.title[:300], after.event_at
    session.flush()


def remind(session, today) -> int:
    """Notices for open watches due within three days; safe to run from several gateways."""
    stmt = select(DeadlineWatch).where(
        DeadlineWatch.open.is_(True),
        DeadlineWatch.due_on >= today,
        DeadlineWatch.due_on <= today + timedelta(days=rules.DUE_SOON_DAYS),
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = {(r.entity_kind, r.entity_id, r.slot): r for r in session.scalars(stmt)}
    watches = [
        rules.Watch(
            r.entity_kind,
            r.entity_id,
            r.slot,
            r.open,
            r.due_on,
            list(r.units or []),
            r.title,
            None,
            r.reminded_due,
        )
        for r in rows.values()
    ]
    made = 0
    for watch in rules.due_soon(watches, today):
        fresh = [
            (nid, n)
            for nid, n in rules.reminders(watch, today)
            if session.get(Notification, nid) is None
        ]
        made += store(session, fresh)
        rows[(watch.kind, watch.id, watch.slot)].reminded_due = watch.due_on
    return made


def _visible(identity):
    if identity.role not in rules.HUMAN_ROLES:
        return false()
    return and_(
        or_(Notification.unit == rules.EVERYONE, Notification.unit == identity.unit),
        or_(Notification.role.is_(None), Notification.role == identity.role),
        or_(Notification.username.is_(None), Notification.username == identity.username),
    )


def _with_reads(identity, *columns):
    return (
        select(*(columns or (Notification, NotificationRead.read_at)))
        .outerjoin(
            NotificationRead,
            and_(
                NotificationRead.notification_id == Notification.id,
                NotificationRead.username == identity.username,
            ),
        )
        .where(_visible(identity))
    )


def _count(session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def for_user(session, identity, *, unread_only=False, limit=50, offset=0) -> dict:
    base = _with_reads(identity)
    unread_stmt = base.where(NotificationRead.read_at.is_(None))
    listed = unread_stmt if unread_only else base
    rows = session.execute(
        listed.order_by(Notification.created_at.desc(), Notification.id).limit(limit).offset(offset)
    ).all()
    return {
        "items": [as_dict(n, read_at) for n, read_at in rows],
        "total": _count(session, listed),
        "unread": _count(session, unread_stmt),
    }


def mark_read(session, identity, notice_id: str) -> dict:
    """Idempotent: a notice read twice keeps its first read time. A concurrent first read
    may make the commit fail on the primary key; the caller then simply reads again."""
    row = session.execute(_with_reads(identity).where(Notification.id == notice_id)).first()
    if row is None:
        raise NotFound("通知不存在", "not_found")
    notice, read_at = row
    if read_at is None:
        read_at = clock.now()
        session.add(
            NotificationRead(notification_id=notice.id, username=identity.username, read_at=read_at)
        )
    return as_dict(notice, read_at)


def mark_all_read(session, identity) -> int:
    ids = session.scalars(
        _with_reads(identity, Notification.id)
        .where(NotificationRead.read_at.is_(None))
        .limit(MARK_ALL_LIMIT)
    ).all()
    now = clock.now()
    session.add_all(
        [NotificationRead(notification_id=i, username=identity.username, read_at=now) for i in ids]
    )
    return len(ids)


def as_dict(n: Notification, read_at) -> dict:
    entity = n.entity or {}
    return {
        "id": n.id,
        "type": n.kind,
        "type_label": rules.TYPE_LABELS.get(n.kind, n.kind),
        "title": n.title,
        "message": n.body,
        "entity": entity,
        "entity_kind": entity.get("kind"),
        "entity_id": entity.get("id"),
        "unit": n.unit,
        "due_on": clock.iso(n.due_on),
        "created_at": clock.iso(n.created_at),
        "read": read_at is not None,
        "read_at": clock.iso(read_at),
        "event_id": n.event_id,
    }
