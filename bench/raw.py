"""The baseline: a raw AMQP publisher and consumer moving 1 KB persistent messages.

Publisher confirms are pipelined in a window (publish up to WINDOW unconfirmed, then wait for
acks), the consumer acks every message; the rate is end to end, first publish to last consumed.
"""

import threading
import time
import uuid
from urllib.parse import unquote, urlparse

import amqp


def _connect(uri: str) -> amqp.Connection:
    u = urlparse(uri)
    conn = amqp.Connection(
        host=f"{u.hostname}:{u.port or 5672}",
        userid=unquote(u.username or "guest"),
        password=unquote(u.password or "guest"),
        virtual_host=unquote(u.path[1:]) if len(u.path) > 1 else "/",
    )
    conn.connect()
    return conn


def _publish_windowed(channel, drain, publish, count, window, consumed, received) -> dict:
    """Publish ``count`` persistent messages keeping at most ``window`` unconfirmed, then wait
    for the consumer: the part both baselines share, timed from the first publish."""
    channel.confirm_select()
    confirmed = [0]

    def on_ack(delivery_tag, multiple):
        confirmed[0] = max(confirmed[0], delivery_tag) if multiple else confirmed[0] + 1

    channel.events["basic_ack"].add(on_ack)
    started = time.perf_counter()
    for sent in range(1, count + 1):
        publish()
        while sent - confirmed[0] >= window:
            drain(timeout=10)
    while confirmed[0] < count:
        drain(timeout=10)
    published = time.perf_counter() - started
    consumed.wait(120)
    elapsed = time.perf_counter() - started
    return {
        "messages": count,
        "window": window,
        "publish_per_s": round(count / published, 1),
        "per_s": round(received[0] / elapsed, 1),
    }


def raw_bus(uri: str, count: int = 10_000, size: int = 1024, window: int = 200) -> dict:
    queue = f"bench.raw.{uuid.uuid4().hex[:8]}"
    setup = _connect(uri)
    ch = setup.channel()
    ch.queue_declare(queue, durable=True, auto_delete=False)

    consumed = threading.Event()
    received = [0]

    def consume():
        conn = _connect(uri)
        c = conn.channel()
        c.basic_qos(0, window, False)

        def on_message(msg):
            received[0] += 1
            c.basic_ack(msg.delivery_tag)
            if received[0] >= count:
                consumed.set()

        c.basic_consume(queue, callback=on_message)
        while not consumed.is_set():
            try:
                conn.drain_events(timeout=1)
            except TimeoutError:
                continue
        conn.close()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    time.sleep(0.3)

    pub = _connect(uri)
    pch = pub.channel()
    body = b"x" * size
    figures = _publish_windowed(
        pch,
        pub.drain_events,
        lambda: pch.basic_publish(
            amqp.Message(body, delivery_mode=2), exchange="", routing_key=queue
        ),
        count,
        window,
        consumed,
        received,
    )
    ch.queue_delete(queue)
    pub.close()
    setup.close()
    return {**figures, "bytes": size}


def kombu_bus(uri: str, count: int = 10_000, size: int = 1024, window: int = 200) -> dict:
    """raw_bus through kombu, issue 9's "raw kombu publisher and consumer": the client library
    the adapters and nameko use, with the same confirms window and per-message acks, so that
    what kombu itself costs is not counted against the ingest path."""
    import kombu

    queue = kombu.Queue(
        f"bench.kombu.{uuid.uuid4().hex[:8]}", durable=True, auto_delete=False, routing_key=""
    )
    setup = kombu.Connection(uri)
    setup_channel = setup.channel()
    queue.bind(setup_channel).declare()

    consumed = threading.Event()
    ready = threading.Event()
    received = [0]

    def consume():
        with kombu.Connection(uri) as conn:
            channel = conn.channel()

            def on_message(message):
                received[0] += 1
                message.ack()
                if received[0] >= count:
                    consumed.set()

            consumer = kombu.Consumer(
                channel, queues=[queue], on_message=on_message, prefetch_count=window
            )
            with consumer:
                ready.set()
                while not consumed.is_set():
                    try:
                        conn.drain_events(timeout=1)
                    except TimeoutError:
                        continue

    consumer_thread = threading.Thread(target=consume, daemon=True)
    consumer_thread.start()
    ready.wait(10)

    pub = kombu.Connection(uri)
    channel = pub.channel()
    producer = kombu.Producer(
        channel, exchange=kombu.Exchange(""), routing_key=queue.name, auto_declare=False
    )
    body = b"x" * size
    figures = _publish_windowed(
        channel,
        pub.drain_events,
        lambda: producer.publish(body, delivery_mode=2, content_type="application/octet-stream"),
        count,
        window,
        consumed,
        received,
    )
    consumer_thread.join(5)
    queue.bind(setup_channel).delete()
    pub.release()
    setup.release()
    return {**figures, "bytes": size}
