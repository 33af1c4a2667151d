"""`cosupervise deadletters`: the events the services gave up on, for operators to see and replay.

An event handler that keeps failing (runtime.events) ends on queue ``cosupervise.dead-letter`` as
a JSON letter ``{queue, service, handler, attempts, error, body, headers}``. ``list`` shows them
without taking them off the queue; ``replay`` puts an event back on the queue it came from with
a fresh attempt count (once the cause is fixed) and removes the letter only after the broker
confirmed the replayed message; ``drop`` removes letters an operator decided to discard.
"""

import argparse
import hashlib
import json

from runtime.events import ATTEMPTS_HEADER
from runtime.topology import DEAD_LETTER_QUEUE, RECORDS_EXCHANGE, RECORDS_QUEUE


class Letter:
    def __init__(self, message):
        self.message = message
        raw = message.body
        self.raw = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        try:
            self.data = json.loads(self.raw)
            if not isinstance(self.data, dict):
                raise ValueError("not an object")
        except ValueError:
            self.data = {"error": "死信本身无法解析 (unreadable letter)", "body": self.raw}

    @property
    def body(self) -> str:
        body = self.data.get("body")
        return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)

    @property
    def event_id(self) -> str:
        try:
            event_id = json.loads(self.body).get("event_id")
        except (ValueError, AttributeError):
            event_id = None
        return event_id or "sha1:" + hashlib.sha1(self.raw.encode()).hexdigest()[:16]

    def summary(self) -> dict:
        d = self.data
        return {
            "event_id": self.event_id,
            "queue": d.get("queue"),
            "service": d.get("service"),
            "handler": d.get("handler"),
            "attempts": d.get("attempts"),
            "error": d.get("error"),
            "dead_lettered_at": d.get("dead_lettered_at"),
            "body": self.body,
        }


def browse(channel) -> list[Letter]:
    """Every letter, unacknowledged: closing the channel puts back those not acked."""
    letters = []
    while True:
        message = channel.basic_get(DEAD_LETTER_QUEUE, no_ack=False)
        if message is None:
            return letters
        letters.append(Letter(message))


def _selected(letters, args) -> list[Letter]:
    if args.all:
        return letters
    wanted = set(args.event or [])
    return [letter for letter in letters if letter.event_id in wanted]


def replay(conn, channel, letters) -> list[str]:
    """Republish each letter's event to its queue (confirmed, mandatory), then ack the letter."""
    publisher = conn.channel()
    publisher.confirm_select()
    done = []
    returned = []
    publisher.events["basic_return"].add(lambda *a: returned.append(a))
    try:
        for letter in letters:
            queue = letter.data.get("queue")
            if not queue:
                print(f"跳过 {letter.event_id}：死信未记录原队列 (no queue recorded)")
                continue
            headers = {
                k: v for k, v in (letter.data.get("headers") or {}).items() if k != ATTEMPTS_HEADER
            }
            exchange, routing_key = "", queue
            if queue == RECORDS_QUEUE and letter.data.get("routing_key"):
                # an agency batch goes back through its exchange with its routing key; the
                # broker stamps the operator's user as sender (sharing accepts it only from a
                # user in records_trusted_users: otherwise ask the agency to resend)
                exchange, routing_key = RECORDS_EXCHANGE, letter.data["routing_key"]
            from amqp import Message

            message = Message(
                letter.body,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                application_headers=headers,
            )
            returned.clear()
            publisher.basic_publish_confirm(
                message, exchange=exchange, routing_key=routing_key, mandatory=True
            )
            if returned:
                print(f"未重放 {letter.event_id}：{routing_key} 无队列接收 (unroutable)")
                continue
            channel.basic_ack(letter.message.delivery_tag)
            done.append(letter.event_id)
    finally:
        publisher.close()
    return done


def run(args) -> int:
    from kombu import Connection

    from runtime.config import settings

    uri = args.amqp_uri or settings()["AMQP_URI"]
    with Connection(uri, connect_timeout=10) as conn:
        conn.ensure_connection(max_retries=3)
        channel = conn.channel()
        channel.queue_declare(DEAD_LETTER_QUEUE, durable=True, auto_delete=False)
        letters = browse(channel)
        if args.action == "list":
            _print(letters, args.json)
            channel.close()  # nothing acked: every letter stays
            return 0
        chosen = _selected(letters, args)
        if not chosen:
            print("没有匹配的死信 (no matching dead letter); 用 --event ID 或 --all")
            channel.close()
            return 1
        if args.action == "replay":
            done = replay(conn, channel, chosen)
            print(f"已重放 {len(done)} 条 (replayed): {', '.join(done)}")
            result = 0 if len(done) == len(chosen) else 1
        else:
            for letter in chosen:
                print(json.dumps(letter.summary(), ensure_ascii=False))
                channel.basic_ack(letter.message.delivery_tag)
            print(f"已丢弃 {len(chosen)} 条 (dropped)")
            result = 0
        channel.close()
        return result


def _print(letters, as_json: bool):
    if as_json:
        print(json.dumps([letter.summary() for letter in letters], ensure_ascii=False, indent=1))
        return
    print(f"死信队列 {DEAD_LETTER_QUEUE}：{len(letters)} 条 (dead letters)")
    for n, letter in enumerate(letters, 1):
        s = letter.summary()
        print(
            f"{n}. 事件 {s['event_id']}  {s['service']}.{s['handler']}  "
            f"尝试 {s['attempts']} 次  队列 {s['queue']}"
        )
        print(f"   错误: {s['error']}")


def add_subparser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "deadletters",
        help="死信队列：查看、重放、丢弃 (dead-lettered events)",
        description="列出事件处理多次失败后进入死信队列的事件；修复原因后可重放。",
    )
    parser.add_argument("action", nargs="?", choices=["list", "replay", "drop"], default="list")
    parser.add_argument(
        "--event", action="append", metavar="EVENT_ID", help="要重放或丢弃的事件编号（可多次给出）"
    )
    parser.add_argument("--all", action="store_true", help="全部死信")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出 (list)")
    parser.add_argument("--amqp-uri", default=None, help="消息代理地址 (default: $AMQP_URI)")
    parser.set_defaults(func=run)
    return parser
