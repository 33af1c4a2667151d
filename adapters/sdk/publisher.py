"""Publishing from the outbox to the bus, with publisher confirms and back-off.

Records leave in batches (at most BATCH_SIZE records and BATCH_BYTES bytes per message, one routing
key `<agency>.<kind>` per message) to the durable topic exchange `cosupervise.records`: persistent,
`mandatory`, with the message property `user_id` set to the broker user from the AMQP URI — RabbitMQ
refuses a message whose user_id is not the connection's user, so a sender cannot pose as another.
A batch is marked sent only after the broker confirmed it.

Records kept without a signature (the outbox's manifest form, the default) leave with one
manifest per message: the SHA-256 of each record's stored canonical JSON, signed once with the
agency's key over the batch actually sent (contracts.records.sign_manifest). A batch that is
sent again after a lost confirm is built from the same rows, so it carries the same records
and an identical manifest (Ed25519 is deterministic); the sharing service dedupes both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import amqp.exceptions
import kombu
import kombu.exceptions

from adapters.sdk import settings
from adapters.sdk.outbox import Outbox
from contracts.records import (
    canonical_json,
    key_id_for,
    load_or_create_private_key,
    loaded_private_key,
    sign_manifest,
)

log = logging.getLogger(__name__)

EXCHANGE = "cosupervise.records"
SHARING_QUEUE = "sharing.records"
# records per message: each message costs the service a commit, an audit entry, counts and the
# warning rules, and on SQLite each commit writes every index page its rows touched: 5,000
# (about 2.6 MB) touch each random-ordered index page once for several rows where 2,000 touched
# it for one or two (the service's CPU per record at 100-150k rows: 84-95 us -> 64-78 us).
# The service refuses more than 5,000 (services.sharing.rules.MAX_RECORDS_PER_MESSAGE).
BATCH_SIZE = 5000
BATCH_BYTES = 4 * 1024 * 1024

# Errors that mean "the broker is away or dropped us": wait and try again.
RECOVERABLE = (
    OSError,
    kombu.exceptions.OperationalError,
    amqp.exceptions.ConnectionError,
    amqp.exceptions.ChannelError,
    amqp.exceptions.MessageNacked,
    TimeoutError,
)
# Errors that retrying will not fix: wrong password, no such vhost, no permission.
PERMANENT = (amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed, amqp.exceptions.InvalidPath)


class BrokerUnavailable(Exception):
    """The broker could not be reached (or refused us) within the retry window."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class FlushResult:
    records_published: int = 0
    quarantine_published: int = 0
    messages: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)


def broker_user(connection: kombu.Connection) -> str:
    defaults = connection.transport.default_connection_params
    return connection.userid or defaults.get("userid") or "guest"


class Publisher:
    """One connection to the broker; `publish` returns only once the broker confirmed."""

    def __init__(self, agency: str, uri: str, connect_timeout: float = 5.0, private_key=None):
        self.agency = agency
        self.uri = uri
        self.connect_timeout = connect_timeout
        # signs the manifests; None: the agency's key under $COSUPERVISE_VAR, read when needed
        self.private_key = private_key
        self.connection: kombu.Connection | None = None
        self.producer: kombu.Producer | None = None

    def connect(self) -> Publisher:
        conn = kombu.Connection(
            self.uri,
            connect_timeout=self.connect_timeout,
            heartbeat=0,
            transport_options={"confirm_publish": True},
        )
        try:
            # One attempt (kombu's connect() retries once after 2 s); flush() owns the back-off.
            conn.ensure_connection(max_retries=0, reraise_as_library_errors=False)
            ensure_topology(conn)
            channel = conn.channel()
            self.producer = kombu.Producer(
                channel,
                exchange=kombu.Exchange(EXCHANGE, type="topic", durable=True),
                auto_declare=False,
            )
            self.connection = conn
            self.user = broker_user(conn)
        except BaseException:
            _close_quietly(conn)
            raise
        return self

    # publish_once may hand over a records message already encoded (see _records_message)
    takes_bytes = True

    def publish(self, routing_key: str, body: dict | bytes, message_id: str) -> None:
        if isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self.producer.publish(
            payload,
            routing_key=routing_key,
            mandatory=True,
            delivery_mode=2,
            retry=False,
            content_type="application/json",
            content_encoding="utf-8",
            message_id=message_id,
            user_id=self.user,
            app_id=f"cosupervise-adapter/{self.agency}",
            timestamp=int(time.time()),
            headers={"adapter": self.agency},
        )

    def close(self) -> None:
        if self.connection is not None:
            _close_quietly(self.connection)
        self.connection = None
        self.producer = None


def _close_quietly(conn: kombu.Connection) -> None:
    try:
        conn.release()
    except Exception:  # noqa: BLE001 - a dead connection may fail to close; nothing to do
        pass


def ensure_topology(conn: kombu.Connection) -> None:
    """The exchange and the sharing queue exist before the first publish.

    Checked passively first: in deployment they are pre-declared by `cosupervise migrate` or the
    broker definitions (possibly with arguments of their own) and an adapter's broker user has
    only write permission; a passive check needs none. Declared only when missing.
    """
    exchange = kombu.Exchange(EXCHANGE, type="topic", durable=True)
    queue = kombu.Queue(SHARING_QUEUE, exchange=exchange, routing_key="#", durable=True)
    checks = [
        (lambda ch: ch.exchange_declare(EXCHANGE, "topic", passive=True), exchange),
        (lambda ch: ch.queue_declare(queue=SHARING_QUEUE, passive=True), queue),
    ]
    for check, entity in checks:
        channel = conn.channel()
        try:
            check(channel)
        except amqp.exceptions.NotFound:
            # A failed passive declare closes the channel: declare on a fresh one.
            channel = conn.channel()
            entity.bind(channel).declare()
        finally:
            _close_channel(channel)


def _close_channel(channel) -> None:
    try:
        channel.close()
    except Exception:  # noqa: BLE001 - already closed by the broker
        pass


def _record_batches(rows, max_records: int, max_bytes: int):
    """Consecutive rows of one type, cut at max_records and max_bytes."""
    batch, size, current_type = [], 0, None
    for row in rows:
        row_size = len(row.raw) + 2
        if batch and (
            row.type != current_type
            or row.signed != batch[0].signed  # one message, one form
            or len(batch) >= max_records
            or size + row_size > max_bytes
        ):
            yield current_type, batch
            batch, size = [], 0
        batch.append(row)
        current_type = row.type
        size += row_size
    if batch:
        yield current_type, batch


def _records_message(batch, agency: str, batch_id: str, manifest: dict | None = None) -> bytes:
    """The records message, byte for byte what json.dumps(..., sort_keys=True) of
    {"adapter", "batch_id", "records"} gives (with "manifest" when given), built from the
    records as the outbox stored them: no decoding and encoding again of every record. The
    records' own separators are kept (the manifest form's are compact: its digests are taken
    over those very bytes)."""
    head = {"adapter": agency, "batch_id": batch_id}
    if manifest is not None:
        head["manifest"] = manifest
    head = json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "records": ['
    return b"".join((head.encode("utf-8"), b", ".join([r.raw for r in batch]), b"]}"))


def _manifest_for(batch, publisher, agency: str) -> dict | None:
    """The signed manifest of a batch of unsigned records (None for records signed each)."""
    if batch[0].signed:
        return None
    key = getattr(publisher, "private_key", None)
    if key is None:
        # the key the records were kept under, if this process loaded it (process_file did);
        # else the agency's key under $COSUPERVISE_VAR
        named = json.loads(batch[0].text).get("key_id")
        key = loaded_private_key(named) if isinstance(named, str) else None
        if key is None:
            key = load_or_create_private_key(agency, settings.var_dir())
    key_id = key_id_for(agency, key.public_key())
    member = f'"key_id":"{key_id}"'.encode()
    digests = []
    sha256 = hashlib.sha256
    for row in batch:
        raw = row.raw
        if member not in raw:
            # kept under a key since replaced: the record now names the key that signs it
            body = json.loads(raw)
            body["key_id"] = key_id
            row.text = canonical_json(body).decode("utf-8")
            raw = row.raw
        digests.append(sha256(raw).hexdigest())
    return sign_manifest(digests, key, agency, key_id)


def publish_once(
    publisher: Publisher,
    outbox: Outbox,
    agency: str,
    result: FlushResult,
    batch_size: int = BATCH_SIZE,
    batch_bytes: int = BATCH_BYTES,
    on_progress: Callable[[], None] | None = None,
    quarantine: bool = True,
) -> None:
    """Send every unsent quarantine report and record; raises on the first broker failure."""
    while quarantine:
        entries = outbox.unsent_quarantine(limit=batch_size)
        if not entries:
            break
        batch_id = uuid.uuid4().hex
        publisher.publish(
            f"{agency}.quarantine",
            {"quarantine": [e for _, e in entries], "adapter": agency, "batch_id": batch_id},
            batch_id,
        )
        outbox.mark_quarantine_sent([i for i, _ in entries])
        result.quarantine_published += len(entries)
        result.messages += 1
        if on_progress:
            on_progress()
    after_id = 0
    while True:
        rows = outbox.unsent_records(limit=batch_size, after_id=after_id)
        if not rows:
            break
        for record_type, batch in _record_batches(rows, batch_size, batch_bytes):
            batch_id = uuid.uuid4().hex
            manifest = _manifest_for(batch, publisher, agency)
            if getattr(publisher, "takes_bytes", False):
                body = _records_message(batch, agency, batch_id, manifest)
            else:
                body = {"records": [r.body for r in batch], "adapter": agency, "batch_id": batch_id}
                if manifest is not None:
                    body["manifest"] = manifest
            publisher.publish(record_type, body, batch_id)
            outbox.mark_records_sent([r.id for r in batch], batch_id)
            result.records_published += len(batch)
            result.messages += 1
            if on_progress:
                on_progress()
        after_id = rows[-1].id


def flush(
    outbox: Outbox,
    agency: str,
    uri: str,
    *,
    retry_seconds: float = 60.0,
    batch_size: int = BATCH_SIZE,
    batch_bytes: int = BATCH_BYTES,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_retry: Callable[[Exception, float], None] | None = None,
    publisher_factory: Callable[[], Publisher] | None = None,
    private_key=None,
) -> FlushResult:
    """Publish everything pending; retry with exponential back-off while the broker is away.

    The retry window counts from the last progress: a broker that comes back and then goes away
    again gets a fresh window. Raises BrokerUnavailable when the window runs out (the records stay
    in the outbox for the next run) or at once when the broker refuses us for good.
    """
    result = FlushResult()
    factory = publisher_factory or (lambda: Publisher(agency, uri, private_key=private_key))
    deadline = clock() + retry_seconds
    delay = 0.5

    def progressed():
        nonlocal deadline, delay
        deadline = clock() + retry_seconds
        delay = 0.5

    while True:
        publisher = factory()
        try:
            publisher.connect()
            publish_once(publisher, outbox, agency, result, batch_size, batch_bytes, progressed)
            return result
        except PERMANENT as exc:
            raise BrokerUnavailable(
                f"消息代理拒绝了连接或发布：{exc} (broker refused)", permanent=True
            ) from exc
        except RECOVERABLE as exc:
            result.errors.append(str(exc) or exc.__class__.__name__)
            if clock() + delay > deadline:
                raise BrokerUnavailable(
                    f"在 {retry_seconds:g} 秒内无法连接消息代理：{exc or exc.__class__.__name__}"
                    f" (broker unreachable)"
                ) from exc
            result.retries += 1
            if on_retry:
                on_retry(exc, delay)
            sleep(delay)
            delay = min(delay * 2, 10.0)
        finally:
            publisher.close()


class Streamer:
    """Publishes what is stored in the outbox while a file is still being processed.

    A thread with its own outbox connection and one broker connection: ``wake()`` after each
    commit of records, ``finish()`` at the end (returns what it published). It never retries:
    on the first broker error it stops, and the caller's final flush() (with its back-off and
    its report) sends the rest. A batch is marked sent only once confirmed, as in flush().
    """

    def __init__(self, outbox_path: str | Path, agency: str, uri: str, private_key=None):
        self.outbox_path, self.agency, self.uri = outbox_path, agency, uri
        self.private_key = private_key
        self.result = FlushResult()
        self._wake = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, name=f"streamer-{agency}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def finish(self) -> FlushResult:
        self._done = True
        self._wake.set()
        self._thread.join()
        return self.result

    def _run(self) -> None:
        publisher = None
        self._wake.wait()  # a small file never wakes it: nothing opened, nothing sent
        if self._done:
            return
        try:
            with Outbox(self.outbox_path) as outbox:
                while not self._done:  # once done, the final flush sends the rest
                    self._wake.clear()
                    if publisher is None:
                        publisher = Publisher(
                            self.agency, self.uri, private_key=self.private_key
                        ).connect()
                    publish_once(publisher, outbox, self.agency, self.result, quarantine=False)
                    self._wake.wait()
        except Exception as exc:  # noqa: BLE001 - the final flush retries and reports
            log.info("streaming publish stopped (%s); the final flush sends the rest", exc)
        finally:
            if publisher is not None:
                publisher.close()
