"""Broker definitions for adapters: each agency's user publishes only its own routing keys."""

import json
import uuid

import amqp.exceptions
import kombu
import pytest

from adapters.sdk import broker, get_adapter
from adapters.sdk.ingest import outbox_path, process_file
from adapters.sdk.outbox import Outbox
from adapters.sdk.publisher import BrokerUnavailable, Publisher, ensure_topology, flush
from contracts.records import load_or_create_private_key

pytestmark = pytest.mark.integration


# Broker users are global, not per vhost: tests use their own names so that they never touch the
# real `plc` user of a stack running on the same broker.
PLC_USER = f"plc-test-{uuid.uuid4().hex[:8]}"
AUDIT_USER = f"audit-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def plc_user(rabbit):
    password = uuid.uuid4().hex
    broker.apply(rabbit.base, rabbit.vhost, "plc", password, auth=rabbit.auth, user=PLC_USER)
    with kombu.Connection(rabbit.uri) as conn:  # topology pre-declared, as in deployment
        ensure_topology(conn)
    yield rabbit.uri.replace("guest:guest", f"{PLC_USER}:{password}")
    rabbit.api("DELETE", f"users/{PLC_USER}")


def test_agency_user_publishes_its_own_kinds(rabbit, var, samples, plc_user):
    with Outbox(outbox_path("plc")) as box:
        process_file(
            get_adapter("plc"),
            samples["plc"] / "信访投诉登记表_2025.csv",
            box,
            load_or_create_private_key("plc"),
        )
        result = flush(box, "plc", plc_user, retry_seconds=5)
    assert result.records_published == 9
    messages = rabbit.drain()
    assert {props["user_id"] for _, props, _ in messages} == {PLC_USER}


def test_agency_user_cannot_publish_another_agencys_kind(rabbit, var, plc_user):
    publisher = Publisher("plc", plc_user).connect()
    try:
        with pytest.raises(amqp.exceptions.AccessRefused):
            publisher.publish("audit.finding", {"records": []}, "m1")
    finally:
        publisher.close()
    assert rabbit.drain() == []


def test_forged_user_id_is_refused(rabbit, var, plc_user):
    publisher = Publisher("plc", plc_user).connect()
    publisher.user = "audit"  # pretend to be another agency
    try:
        with pytest.raises(amqp.exceptions.PreconditionFailed):
            publisher.publish("plc.petition", {"records": []}, "m1")
    finally:
        publisher.close()
    assert rabbit.drain() == []


def test_agency_user_can_neither_read_nor_configure(rabbit, var, plc_user):
    with kombu.Connection(plc_user) as conn:
        channel = conn.channel()
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel.basic_get(queue="sharing.records")
        channel = conn.channel()
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel.queue_declare(queue="plc-own-queue")


def test_refused_publish_is_permanent_and_keeps_the_outbox(rabbit, var, plc_user):
    """An outbox holding another agency's kind (never produced by ingest) is not forced out."""
    from contracts.records import sign_record

    key = load_or_create_private_key("plc")
    forged = sign_record(
        {
            "record_id": "X",
            "type": "audit.finding",
            "subject": "court",
            "occurred_at": "2025-01-01",
            "data": {},
        },
        key,
        "plc",
    )
    with Outbox(outbox_path("plc")) as box:
        box.add_records([(forged, None, 1)])
        with pytest.raises(BrokerUnavailable) as info:
            flush(box, "plc", plc_user, retry_seconds=30)
        assert info.value.permanent
        assert box.pending_counts()["records"] == 1


def test_definitions_file_users_log_in_and_are_confined(rabbit, var, monkeypatch, capsys):
    for agency in ("plc", "audit"):
        monkeypatch.setenv(f"COSUPERVISE_ADAPTER_PASSWORD_{agency.upper()}", f"pw-{agency}")
    assert broker.main(["definitions", "--vhost", "/", "--agency", "plc", "--agency", "audit"]) == 0
    defs = json.loads(capsys.readouterr().out)
    assert [u["name"] for u in defs["users"]] == ["plc", "audit"]
    assert defs["topic_permissions"][0]["write"] == "^plc\\."
    assert defs["bindings"][0]["routing_key"] == "#"
    assert "pw-plc" not in json.dumps(defs)
    # The generated password hash is what RabbitMQ itself accepts: log in with the password.
    user = defs["users"][1]
    assert user["name"] == "audit"
    rabbit.api(
        "PUT",
        f"users/{AUDIT_USER}",
        json={
            "password_hash": user["password_hash"],
            "hashing_algorithm": user["hashing_algorithm"],
            "tags": "",
        },
    )
    try:
        perms = defs["permissions"][1]
        rabbit.api(
            "PUT",
            f"permissions/{rabbit.vhost}/{AUDIT_USER}",
            json={k: perms[k] for k in ("configure", "write", "read")},
        )
        topic = defs["topic_permissions"][1]
        rabbit.api(
            "PUT",
            f"topic-permissions/{rabbit.vhost}/{AUDIT_USER}",
            json={k: topic[k] for k in ("exchange", "write", "read")},
        )
        uri = rabbit.uri.replace("guest:guest", f"{AUDIT_USER}:pw-audit")
        with kombu.Connection(rabbit.uri) as conn:
            ensure_topology(conn)
        publisher = Publisher("audit", uri).connect()
        try:
            publisher.publish("audit.finding", {"records": []}, "ok")
            with pytest.raises(amqp.exceptions.AccessRefused):
                publisher.publish("plc.petition", {"records": []}, "refused")
        finally:
            publisher.close()
        assert [key for key, _, _ in rabbit.drain()] == ["audit.finding"]
    finally:
        rabbit.api("DELETE", f"users/{AUDIT_USER}")
    monkeypatch.delenv("COSUPERVISE_ADAPTER_PASSWORD_AUDIT")
    assert broker.main(["definitions", "--agency", "audit"]) == 2
