"""The SQLAlchemy 2.x dependency provider for nameko, with its unit of work and outbox relay.

``with self.db.unit_of_work(identity) as uow:`` gives one transaction in which a service
changes its tables, records the events that announce the change (``uow.emit``) and the audit
entry (``uow.audit``). After the commit the relay publishes the events with publisher
confirms; while the broker is away they wait in the outbox.
"""

import functools
import logging
import weakref
from contextlib import contextmanager

import eventlet
import eventlet.queue
import eventlet.semaphore
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts.errors import PlatformError
from contracts.events import make_envelope
from runtime import audit, clock, metrics
from runtime.engine import make_engine

log = logging.getLogger(__name__)

RELAY_BATCH = 200
RELAY_IDLE_SECONDS = 1.0


class UnitOfWork:
    def __init__(self, handle: "DatabaseHandle", actor, consumer: str | None):
        self._handle = handle
        self.actor = actor
        self.consumer = consumer
        self.session = Session(bind=handle.engine, expire_on_commit=False, autoflush=True)
        self.emitted = 0

    @property
    def tables(self):
        return self._handle.tables

    def emit(self, event_type: str, payload: dict):
        envelope = make_envelope(
            event_type,
            payload,
            actor=getattr(self.actor, "username", None),
            source_unit=getattr(self.actor, "unit", None),
        )
        self.session.execute(
            self.tables["outbox"]
            .insert()
            .values(
                event_id=envelope["event_id"],
                event_type=event_type,
                body=envelope,
                created_at=clock.now(),
                attempts=0,
            )
        )
        self.emitted += 1
        return envelope

    def audit(
        self, entity: str, entity_id, action: str, before=None, after=None, outcome: str = "applied"
    ):
        self.session.flush()
        return audit.append(
            self.session.connection(),
            self.tables,
            actor=self.actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
            outcome=outcome,
        )

    def first_time(self, envelope: dict) -> bool:
        """Record that this consumer handled ``event_id``; False when it already had."""
        table = self.tables["processed_events"]
        key = (envelope["event_id"], self.consumer or "?")
        seen = self.session.execute(
            select(table.c.event_id).where(table.c.event_id == key[0], table.c.consumer == key[1])
        ).first()
        if seen:
            metrics.EVENTS_DUPLICATE.labels(self._handle.service).inc()
            return False
        self.session.execute(
            table.insert().values(event_id=key[0], consumer=key[1], processed_at=clock.now())
        )
        return True


class DatabaseHandle:
    """What ``self.db`` is inside a worker."""

    def __init__(self, provider: "Database", worker_ctx):
        self._provider = provider
        self._ctx = worker_ctx
        self.engine = provider.engine
        self.tables = provider.tables
        self.service = provider.service_name

    @contextmanager
    def unit_of_work(self, actor):
        consumer = f"{self.service}.{self._ctx.entrypoint.method_name}" if self._ctx else None
        uow = UnitOfWork(self, actor, consumer)
        try:
            yield uow
            uow.session.commit()
        except BaseException:
            uow.session.rollback()
            raise
        finally:
            uow.session.close()
        if uow.emitted:
            self._provider.wake_relay()

    @contextmanager
    def read(self):
        session = Session(bind=self.engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def audit_denial(self, actor, entity: str, entity_id, action: str, reason: str):
        """A refusal leaves a trace too, in its own transaction (the action's was rolled back)."""
        try:
            with self.unit_of_work(actor) as uow:
                uow.audit(entity, entity_id, action, after={"reason": reason}, outcome="denied")
        except Exception:  # never turn a refusal into a server error
            log.exception("could not audit a denial")


class Database(DependencyProvider):
    def __init__(self, metadata):
        self.metadata = metadata
        self.engine = None
        self._wake = None
        self._publisher = None

    @property
    def service_name(self):
        return self.container.service_name

    @property
    def tables(self):
        return self.metadata.tables

    def setup(self):
        self.engine = make_engine(self.service_name, self.container.config)
        self._wake = eventlet.queue.LightQueue()
        self._drain_lock = eventlet.semaphore.Semaphore()
        self._handles = weakref.WeakKeyDictionary()

    def start(self):
        self.container.spawn_managed_thread(self._relay_loop)

    def stop(self):
        # one last drain so an orderly shutdown leaves nothing behind that it could publish
        try:
            self.drain_outbox()
        except Exception:
            log.warning("outbox not drained at stop; the next start publishes it")
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        if self.engine is not None:
            self.engine.dispose()

    def get_dependency(self, worker_ctx):
        handle = DatabaseHandle(self, worker_ctx)
        self._handles[worker_ctx] = handle
        return handle

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        handle = self._handles.pop(worker_ctx, None)
        if exc_info is None or handle is None:
            return
        exc = exc_info[1]
        if isinstance(exc, PlatformError) and exc.status in (403, 404):
            # need-to-know refusals and forbidden actions are audited; which one it was
            # stays in the trail only, never in the answer
            handle.audit_denial(
                _actor_from_context(worker_ctx),
                "rpc",
                worker_ctx.entrypoint.method_name,
                "denied",
                f"{exc.status} {exc.code}",
            )

    # -- outbox relay -------------------------------------------------------------------

    def wake_relay(self):
        if self._wake is not None:
            self._wake.put(None)

    def _relay_loop(self):
        from runtime import topology

        backoff = 0.5
        while True:
            try:
                topology.declare(self.container.config["AMQP_URI"])
                break
            except Exception as exc:
                log.warning("broker not ready for topology (%s); retrying", exc)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 10)
        backoff = 0.5
        while True:
            try:
                self._wake.get(timeout=RELAY_IDLE_SECONDS)
            except eventlet.queue.Empty:
                pass
            try:
                while self.drain_outbox() >= RELAY_BATCH:
                    pass
                backoff = 0.5
            except Exception as exc:
                log.warning("outbox relay could not publish (%s); retrying in %.1fs", exc, backoff)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 15)

    def _get_publisher(self):
        if self._publisher is None:
            self._publisher = Publisher(
                self.container.config["AMQP_URI"],
                use_confirms=True,
                mandatory=True,
                delivery_mode=2,
                serializer="json",
            )
        return self._publisher

    def drain_outbox(self) -> int:
        """Publish what is committed and unpublished; returns how many rows it handled."""
        outbox = self.tables["outbox"]
        exchange = get_event_exchange(self.service_name, self.container.config)
        publisher = self._get_publisher()
        # the relay loop and stop() may both drain: one at a time, never the same row twice
        with self._drain_lock, Session(bind=self.engine) as session:
            query = (
                select(outbox.c.id, outbox.c.event_type, outbox.c.body)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(RELAY_BATCH)
            )
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if self.engine.dialect.name == "sqlite":
                # Every SQLite transaction here holds the database's write lock
                # (runtime.engine begins IMMEDIATE). Holding it while publishing meant that a
                # slow or absent broker blocked every write of the service until SQLite gave
                # up with "database is locked" (found by tests/faults/test_broker_restarted.py).
                # Release it while talking to the broker; PostgreSQL keeps its row locks.
                session.commit()
            outcomes = []  # (row id, error or None), written after the publishing
            try:
                for row_id, event_type, body in rows:
                    try:
                        publisher.publish(
                            body, exchange=exchange, routing_key=event_type, retry=False
                        )
                        outcomes.append((row_id, None))
                    except UndeliverableMessage:
                        # no queue is bound: reported (metric, outbox row), never silently
                        # dropped
                        outcomes.append((row_id, "unroutable: no queue bound for this event type"))
                        metrics.OUTBOX_UNROUTABLE.labels(self.service_name).inc()
                        if (self.service_name, event_type) in _subscribed():
                            # someone subscribes, yet its queue is missing: a fault
                            log.warning(
                                "event %s from %s is unroutable although subscribed",
                                event_type,
                                self.service_name,
                            )
                        else:  # an announcement nobody subscribes to (yet): expected
                            log.debug(
                                "event %s from %s has no subscriber", event_type, self.service_name
                            )
            finally:
                # keep what was published so far, also when the broker went away mid-batch
                self._mark_published(session, outcomes)
            backlog = session.execute(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            ).scalar_one()
            session.commit()
            metrics.OUTBOX_BACKLOG.labels(self.service_name).set(backlog)
            return len(outcomes)

    def _mark_published(self, session, outcomes):
        outbox = self.tables["outbox"]
        now = clock.now()
        published = [row_id for row_id, error in outcomes if error is None]
        if published:
            # one statement for the batch: a row per statement halved the relay on PostgreSQL
            session.execute(
                update(outbox)
                .where(outbox.c.id.in_(published))
                .values(published_at=now, attempts=outbox.c.attempts + 1, last_error=None)
            )
            metrics.OUTBOX_PUBLISHED.labels(self.service_name).inc(len(published))
        for row_id, error in outcomes:
            if error is not None:
                session.execute(
                    update(outbox)
                    .where(outbox.c.id == row_id)
                    .values(published_at=now, attempts=outbox.c.attempts + 1, last_error=error)
                )
        session.commit()


@functools.lru_cache(maxsize=1)
def _subscribed() -> frozenset:
    """(source service, event type) pairs some service handles, from the handlers in the code."""
    from runtime import topology

    return frozenset(topology.subscriptions())


class _QuietReturnedMessage(logging.Filter):
    """py-amqp logs the broker's basic.return of a mandatory publish as a warning; the relay
    handles it (UndeliverableMessage above), so the line is noise."""

    def filter(self, record):
        return "during closing channel" not in record.getMessage()


logging.getLogger("amqp").addFilter(_QuietReturnedMessage())


def _actor_from_context(worker_ctx):
    from runtime.identity import decode_token

    token = worker_ctx.data.get("authorization")
    if not token:
        return None
    try:
        return decode_token(token)
    except Exception:
        return None


__all__ = ["Database", "UnitOfWork", "IntegrityError"]
