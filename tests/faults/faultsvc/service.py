"""The fault-test producer and consumer (see the package docstring).

Everything they do is steered by files in ``$FAULT_CONTROL`` (so a test can change the load
without restarting them) and by a few environment variables read at start:

- ``target`` (file): how many ``tick`` events the producer should have emitted in total.
- ``FAULT_BATCH``: events per producer transaction (default 100).
- ``FAULT_DIE_AFTER_COMMIT=N``: the consumer SIGKILLs itself right after committing its N-th
  event, i.e. between the database commit and the broker ack. It first notes the event id in
  ``died-after-commit`` so the test can check that this very event came back and was skipped.
- ``FAULT_HANDLER_SECONDS``: the consumer sleeps this long inside each handler (slow work, so
  a SIGTERM finds work in flight).
- a tick whose payload says ``poison`` fails every time until the file ``cured`` exists.
"""

import logging
import os
import signal
import time
from pathlib import Path

from nameko.timer import timer
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, select

from runtime import clock
from runtime.db import Database
from runtime.events import ReliableEventHandler
from runtime.service_base import ServiceBase
from runtime.tables import add_runtime_tables

log = logging.getLogger(__name__)

metadata = MetaData()
add_runtime_tables(metadata)
# the effect of an event: not unique on event_id, so applying twice would show as a second row
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)
# deliveries that reached the handler after the effect was already committed
skipped = Table(
    "skipped",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("pid", Integer, nullable=False),
)

TICK = "tick"


def control_dir() -> Path:
    path = Path(os.environ.get("FAULT_CONTROL", "/tmp/cv-faults-control"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def note(name: str, line: str) -> None:
    """Append one line to a control file; O_APPEND survives the SIGKILL that may follow."""
    fd = os.open(control_dir() / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


class CountingEventHandler(ReliableEventHandler):
    """The runtime's handler, unchanged, plus a note of every delivery the broker marks as
    redelivered (the proof that a fault really returned messages)."""

    def handle_message(self, body, message):
        if (message.delivery_info or {}).get("redelivered"):
            note("redelivered", f"{os.getpid()}")
        return super().handle_message(body, message)


counting_handler = CountingEventHandler.decorator


class FaultProducer(ServiceBase):
    name = "faultproducer"
    db = Database(metadata)
    _emitted = None

    @timer(interval=float(os.environ.get("FAULT_TICK_SECONDS", "0.05")), eager=True)
    def produce(self):
        try:
            target = int((control_dir() / "target").read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return
        if FaultProducer._emitted is None:
            with self.db.read() as session:
                FaultProducer._emitted = session.scalar(
                    select(func.count()).select_from(self.db.tables["outbox"])
                )
        batch = min(int(os.environ.get("FAULT_BATCH", "100")), target - FaultProducer._emitted)
        if batch <= 0:
            return
        poison = {int(s) for s in os.environ.get("FAULT_POISON_SEQS", "").split(",") if s}
        start = FaultProducer._emitted
        with self.db.unit_of_work(None) as uow:
            for seq in range(start, start + batch):
                uow.emit(TICK, {"seq": seq, "poison": seq in poison})
        FaultProducer._emitted = start + batch


class FaultConsumer(ServiceBase):
    name = "faultconsumer"
    db = Database(metadata)
    _applied = 0

    @counting_handler("faultproducer", TICK)
    def apply(self, envelope):
        pause = float(os.environ.get("FAULT_HANDLER_SECONDS", "0"))
        if pause:
            note("started", f"{os.getpid()} {envelope['event_id']}")
            time.sleep(pause)
        self._apply(envelope)
        if pause:
            note("finished", f"{os.getpid()} {envelope['event_id']}")

    def _apply(self, envelope):
        payload = envelope["payload"]
        if payload.get("poison") and not (control_dir() / "cured").exists():
            note("poison-attempts", envelope["event_id"])
            raise RuntimeError(f"毒消息 seq={payload['seq']}：处理总是失败")
        with self.db.unit_of_work(None) as uow:
            if not uow.first_time(envelope):
                uow.session.execute(
                    skipped.insert().values(event_id=envelope["event_id"], pid=os.getpid())
                )
                return
            uow.session.execute(
                effects.insert().values(
                    event_id=envelope["event_id"],
                    seq=payload["seq"],
                    pid=os.getpid(),
                    applied_at=clock.now(),
                )
            )
        FaultConsumer._applied += 1
        if FaultConsumer._applied == int(os.environ.get("FAULT_DIE_AFTER_COMMIT", "0") or -1):
            # committed, not yet acked: the worst moment to die
            note("died-after-commit", envelope["event_id"])
            os.kill(os.getpid(), signal.SIGKILL)


SERVICES = {cls.name: cls for cls in (FaultProducer, FaultConsumer)}
