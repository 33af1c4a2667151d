"""A poison message: retried a bounded number of times, then dead-lettered with its error,
visible to operators (`cosupervise deadletters`, a metric), replayable once the cause is fixed;
it never loops and is never silently acknowledged away. Neither is a message nobody can read.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import requests
from kombu import Connection

from runtime.topology import DEAD_LETTER_QUEUE
from tests.faults.harness import ROOT, queue_depth, wait_for

QUEUE = "evt-faultproducer-tick--faultconsumer.apply"
MAX_ATTEMPTS = 5  # config/cosupervise.yaml events.max_attempts


def deadletters(uri, *args):
    env = dict(os.environ, AMQP_URI=uri, PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-m", "cosupervise.cli", "deadletters", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.timeout(180)
def test_poison_message_is_dead_lettered_and_replayable(vhost_uri, world_factory):
    _, uri = vhost_uri
    world = world_factory(uri, "sqlite", PYTHONWARNINGS="ignore")
    world.declare_queue()
    consumer = world.start("faultconsumer", wait=False)
    world.start("faultproducer", FAULT_POISON_SEQS="7")
    consumer.wait_ready()
    world.set_target(50)
    wait_for(lambda: world.counts().stored == 49, 60, "the 49 good events applied")
    wait_for(lambda: queue_depth(uri, DEAD_LETTER_QUEUE) == 1, 60, "dead-lettered")

    # bounded: it stays at max_attempts, and nothing is left looping on the queue
    time.sleep(3)
    attempts = world.lines("poison-attempts")
    assert len(attempts) == MAX_ATTEMPTS, attempts
    assert queue_depth(uri, QUEUE) == 0
    assert queue_depth(uri, DEAD_LETTER_QUEUE) == 1

    # visible to operators: the CLI (which leaves the letter where it is) and the metric
    letters = json.loads(deadletters(uri, "list", "--json"))
    assert len(letters) == 1
    letter = letters[0]
    assert letter["event_id"] == attempts[0]
    assert letter["service"] == "faultconsumer" and letter["handler"] == "apply"
    assert letter["attempts"] == MAX_ATTEMPTS and letter["queue"] == QUEUE
    assert "毒消息" in letter["error"] and "RuntimeError" in letter["error"]
    assert json.loads(letter["body"])["payload"]["seq"] == 7
    assert "毒消息" in deadletters(uri, "list")  # the human listing says why, in Chinese
    assert queue_depth(uri, DEAD_LETTER_QUEUE) == 1, "listing must not consume"
    metrics = requests.get(f"http://127.0.0.1:{consumer.port}/metrics", timeout=5).text
    assert (
        'cosupervise_events_dead_lettered_total{handler="apply",service="faultconsumer"} 1.0'
        in metrics
    )

    # the cause fixed, the operator replays it: applied once, the letter gone
    (world.control / "cured").write_text("")
    out = deadletters(uri, "replay", "--event", letter["event_id"])
    assert "已重放 1 条" in out
    counts = world.wait_applied(50, timeout=60)
    assert queue_depth(uri, DEAD_LETTER_QUEUE) == 0
    line = counts.report("poison message", attempts=len(attempts), dead_lettered=1, replayed=1)
    assert counts.lost == 0 and counts.duplicated == 0, line


@pytest.mark.timeout(120)
def test_unreadable_message_is_dead_lettered_not_acked_away(vhost_uri, world_factory):
    _, uri = vhost_uri
    world = world_factory(uri, "sqlite", PYTHONWARNINGS="ignore")
    world.declare_queue()
    world.start("faultconsumer")
    with Connection(uri) as conn:
        producer = conn.Producer()
        producer.publish(
            b'{"event_id": "broken", "payload": ',
            exchange="",
            routing_key=QUEUE,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
        )
    wait_for(
        lambda: queue_depth(uri, DEAD_LETTER_QUEUE) == 1, 30, "the unreadable message dead-lettered"
    )
    letters = json.loads(deadletters(uri, "list", "--json"))
    assert letters[0]["queue"] == QUEUE
    assert "decode" in letters[0]["error"].lower() or "解析" in letters[0]["error"]
    assert letters[0]["body"].startswith('{"event_id": "broken"')
    assert queue_depth(uri, QUEUE) == 0
    print(f"\n[unreadable message] dead_lettered=1 error={letters[0]['error']!r}", flush=True)
