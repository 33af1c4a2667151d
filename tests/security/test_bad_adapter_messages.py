"""1,000 bad adapter messages published straight onto exchange `cosupervise.records`: each is
quarantined with its reason, none is applied, and the platform stays healthy.

Kinds (125 messages each): invalid JSON, wrong types, missing fields, oversized, bad signature,
replayed record, another agency's kind, forged sender. A replay is a valid record sent again:
it is not a refusal but must add nothing. Each message carries one distinct record, so the
quarantine (which keeps a refusal once per sender, reason and raw record) has one row each.
"""

import base64
import json
import time
import uuid

import kombu
import pytest
import requests
from amqp.exceptions import PreconditionFailed

from contracts.records import canonical_json, load_or_create_private_key, sign_record
from runtime.topology import DEAD_LETTER_QUEUE, RECORDS_EXCHANGE

PER_KIND = 125
RUN = uuid.uuid4().hex[:8]  # record ids of this run, so nothing collides with the demo's


def record(n: int, kind: str, record_type="finance.disbursement", **data) -> dict:
    return {
        "record_id": f"sec-{RUN}-{kind}-{n}",
        "type": record_type,
        "subject": "town-jieshi",
        "occurred_at": "2025-10-01",
        "data": data or {"amount": n, "project_id": f"sec-{RUN}"},
    }


def sign_anything(rec: dict, key, agency: str) -> dict:
    """Sign exactly what is given, valid or not (a broken adapter still signs)."""
    from contracts.records import key_id_for

    signed = {**rec, "source_unit": agency, "key_id": key_id_for(agency, key.public_key())}
    payload = canonical_json({k: v for k, v in signed.items() if k != "signature"})
    signed["signature"] = base64.b64encode(key.sign(payload)).decode()
    return signed


def build(var) -> tuple[list[tuple[str, str, bytes]], list[bytes]]:
    """[(kind, routing key, body)] of the 1,000 bad messages, and the replays' originals."""
    finance = load_or_create_private_key("finance", var)
    audit = load_or_create_private_key("audit", var)
    messages, originals = [], []

    def batch(*records):
        return json.dumps({"records": list(records)}, ensure_ascii=False).encode()

    for n in range(PER_KIND):
        messages.append(
            (
                "invalid_json",
                "finance.disbursement",
                f'{{"records": [{{"record_id": "sec-{RUN}-json-{n}", '.encode(),
            )
        )
        wrong = sign_anything(
            {**record(n, "types"), "data": f"not an object {n}", "subject": 12345},
            finance,
            "finance",
        )
        messages.append(("wrong_types", "finance.disbursement", batch(wrong)))
        missing = record(n, "missing")
        del missing["subject"], missing["occurred_at"]
        messages.append(
            (
                "missing_fields",
                "finance.disbursement",
                batch(sign_anything(missing, finance, "finance")),
            )
        )
        big = sign_anything(record(n, "big", note="大" * 30_000), finance, "finance")
        messages.append(("oversized", "finance.disbursement", batch(big)))
        tampered = sign_record(record(n, "sig"), finance, "finance")
        tampered["data"] = {**tampered["data"], "amount": 10_000_000}  # changed after signing
        messages.append(("bad_signature", "finance.disbursement", batch(tampered)))
        original = batch(sign_record(record(n, "replay"), finance, "finance"))
        originals.append(original)
        messages.append(("replayed", "finance.disbursement", original))
        foreign = sign_anything(record(n, "kind", record_type="audit.finding"), finance, "finance")
        messages.append(("other_agency_kind", "finance.disbursement", batch(foreign)))
        # audit's own, correctly signed record, sent on finance's channel: finance cannot
        # speak for audit
        forged = sign_record(record(n, "forged", record_type="audit.finding"), audit, "audit")
        messages.append(("forged_sender", "finance.disbursement", batch(forged)))
    return messages, originals


EXPECTED_CODE = {
    "invalid_json": "batch_malformed",
    "wrong_types": "schema_invalid",
    "missing_fields": "schema_invalid",
    "oversized": "too_large",
    "bad_signature": "bad_signature",
    "other_agency_kind": "kind_not_allowed",
    "forged_sender": "forged_sender",
}


def publish(uri, items):
    with kombu.Connection(uri, transport_options={"confirm_publish": True}) as conn:
        producer = kombu.Producer(
            conn.channel(),
            exchange=kombu.Exchange(RECORDS_EXCHANGE, type="topic", durable=True),
            auto_declare=False,
        )
        for routing_key, body in items:
            producer.publish(
                body,
                routing_key=routing_key,
                delivery_mode=2,
                mandatory=True,
                content_type="application/json",
                content_encoding="utf-8",
                user_id="guest",
                message_id=uuid.uuid4().hex,
            )


def quarantine_total(office, base, **query) -> int:
    r = office.get(f"{base}/api/v1/quarantine", params={"limit": 1, **query}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def records_of_run(office, base) -> list[dict]:
    r = office.get(
        f"{base}/api/v1/records", params={"source_unit": "finance", "limit": 500}, timeout=30
    )
    assert r.status_code == 200, r.text
    return [x for x in r.json()["items"] if x["record_id"].startswith(f"sec-{RUN}-")]


def dead_letters(uri) -> int:
    with kombu.Connection(uri) as conn:
        channel = conn.channel()
        _, count, _ = channel.queue_declare(DEAD_LETTER_QUEUE, passive=True)
        return count


@pytest.mark.timeout(300)
def test_a_thousand_bad_adapter_messages_are_quarantined_not_applied(stack, callers):
    base, office = stack.url, callers.session("office")
    messages, originals = build(stack.var)
    assert len(messages) == 8 * PER_KIND == 1000
    codes = sorted(set(EXPECTED_CODE.values()))
    before = {code: quarantine_total(office, base, code=code) for code in codes}
    before_all = quarantine_total(office, base)
    letters_before = dead_letters(stack.amqp_uri)

    # the replays' originals go first, as the agency's adapter sent them once
    publish(stack.amqp_uri, [("finance.disbursement", body) for body in originals])
    deadline = time.monotonic() + 60
    while len(records_of_run(office, base)) < PER_KIND and time.monotonic() < deadline:
        time.sleep(0.5)
    stored_originals = {r["record_id"]: r for r in records_of_run(office, base)}
    assert len(stored_originals) == PER_KIND

    started = time.monotonic()
    publish(stack.amqp_uri, [(rk, body) for _, rk, body in messages])
    expected_new = 7 * PER_KIND
    deadline = time.monotonic() + 120
    while (
        quarantine_total(office, base) < before_all + expected_new and time.monotonic() < deadline
    ):
        time.sleep(0.5)
    took = time.monotonic() - started

    after = {code: quarantine_total(office, base, code=code) for code in codes}
    per_code = {code: after[code] - before[code] for code in codes}
    expected = {}
    for code in EXPECTED_CODE.values():
        expected[code] = expected.get(code, 0) + PER_KIND
    stored = records_of_run(office, base)
    print(
        f"\n[bad adapter messages] sent=1000 quarantined={sum(per_code.values())} "
        f"by_reason={per_code} replays_added={len(stored) - PER_KIND} "
        f"applied_bad=0 seconds={took:.1f}",
        flush=True,
    )
    assert per_code == expected
    assert quarantine_total(office, base) == before_all + expected_new  # nothing else refused

    # none applied: only the replays' originals are stored, each once and unchanged
    assert len(stored) == PER_KIND
    assert {r["record_id"] for r in stored} == set(stored_originals)
    for r in stored:
        assert r == stored_originals[r["record_id"]]
    # each refusal says why, in Chinese, and names the field where there is one
    sample = office.get(
        f"{base}/api/v1/quarantine", params={"code": "bad_signature", "limit": 1}, timeout=30
    ).json()
    assert "签名" in sample["items"][0]["reason"]
    assert sample["items"][0]["field"] == "signature"
    # the forger sees what it tried under its own name; another agency sees none of it
    finance_view = callers.session("finance-liaison").get(
        f"{base}/api/v1/quarantine", params={"code": "forged_sender", "limit": 1}, timeout=30
    )
    assert finance_view.status_code == 200 and finance_view.json()["total"] >= PER_KIND
    audit_view = callers.session("audit-liaison").get(
        f"{base}/api/v1/quarantine", params={"code": "forged_sender"}, timeout=30
    )
    assert audit_view.status_code == 200
    assert all(q["source_unit"] == "audit" for q in audit_view.json()["items"])
    assert (
        callers.session("court-reporter").get(f"{base}/api/v1/quarantine", timeout=30).status_code
        == 403
    )

    # healthy: every service answers, nothing was dead-lettered, a good record still flows
    assert requests.get(f"{base}/readyz", timeout=30).status_code == 200
    assert dead_letters(stack.amqp_uri) == letters_before
    finance = load_or_create_private_key("finance", stack.var)
    good = sign_record(record(0, "after"), finance, "finance")
    publish(stack.amqp_uri, [("finance.disbursement", json.dumps({"records": [good]}).encode())])
    deadline = time.monotonic() + 30
    while not any(r["record_id"] == good["record_id"] for r in records_of_run(office, base)):
        assert time.monotonic() < deadline, "a good record after the flood was not stored"
        time.sleep(0.3)


def test_a_forged_broker_user_is_refused_by_the_broker(stack):
    """The sender is the broker-stamped user_id: a connection cannot claim another user."""
    with pytest.raises(PreconditionFailed):
        with kombu.Connection(stack.amqp_uri, transport_options={"confirm_publish": True}) as conn:
            producer = kombu.Producer(
                conn.channel(),
                exchange=kombu.Exchange(RECORDS_EXCHANGE, type="topic", durable=True),
                auto_declare=False,
            )
            producer.publish(
                b'{"records": []}',
                routing_key="finance.disbursement",
                user_id="finance",
                content_type="application/json",
            )
            conn.drain_events(timeout=2)
