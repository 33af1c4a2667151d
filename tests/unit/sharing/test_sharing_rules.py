"""Who sent a batch, which records pass, who reads what — the sharing rules without a broker."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.errors import Forbidden, RuleViolation
from contracts.records import DEFAULT_RECORD_KINDS, key_id_for, sign_record
from runtime.identity import Identity
from services.sharing import rules
from services.sharing.rules import Delivery

KEYS = {agency: Ed25519PrivateKey.generate() for agency in ("finance", "audit", "plc")}
AGENCIES = list(DEFAULT_RECORD_KINDS)
SHARING_RULES = {
    "audit.finding": ["npc", "cdi", "inspection", "audit", "finance"],
    "finance.disbursement": ["npc", "cdi", "inspection", "audit", "finance"],
    "plc.petition": ["npc", "cdi", "plc", "inspection"],
}
COORDINATING = ["npc", "cdi", "plc", "inspection", "audit", "finance", "statistics"]


def lookup(agency, key_id):
    key = KEYS.get(agency)
    if key is not None and key_id_for(agency, key.public_key()) == key_id:
        return key.public_key()
    return None


def record(record_id="R1", record_type="finance.disbursement", **data):
    return {
        "record_id": record_id,
        "type": record_type,
        "subject": "town-jieshi",
        "occurred_at": "2025-07-15",
        "data": data or {"amount": 1},
    }


def signed(agency="finance", **kw):
    return sign_record(record(**kw), KEYS[agency], agency)


def screen(records=None, *, body=None, routing_key="finance.disbursement", user_id="guest", **kw):
    body = body if body is not None else {"records": records}
    return rules.screen(
        Delivery(
            body=json.dumps(body).encode() if not isinstance(body, bytes) else body,
            routing_key=routing_key,
            user_id=user_id,
        ),
        public_keys=lookup,
        record_kinds=DEFAULT_RECORD_KINDS,
        trusted_users=["guest"],
        **kw,
    )


def who(unit, role="liaison", username="u"):
    return Identity(username=username, unit=unit, role=role)


# -- the sender ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_id, routing_key, mapped, expected",
    [
        ("finance", "finance.disbursement", {}, ("finance", None)),
        ("finance", "audit.finding", {}, ("finance", rules.ROUTING_NOT_OWN)),
        ("adapter-fin", "finance.disbursement", {"adapter-fin": "finance"}, ("finance", None)),
        (
            "adapter-fin",
            "plc.petition",
            {"adapter-fin": "finance"},
            ("finance", rules.ROUTING_NOT_OWN),
        ),
        ("guest", "plc.petition", {}, ("plc", None)),  # a development broker: the routing key says
        ("guest", "nobody.kind", {}, (None, rules.SENDER_UNKNOWN)),
        ("stranger", "finance.disbursement", {}, (None, rules.SENDER_UNKNOWN)),
        (None, "finance.disbursement", {}, (None, rules.SENDER_UNKNOWN)),
    ],
)
def test_the_broker_user_decides_who_sent_a_batch(user_id, routing_key, mapped, expected):
    assert rules.resolve_sender(user_id, routing_key, AGENCIES, ["guest"], mapped) == expected


# -- screening a batch --------------------------------------------------------------------------


def test_good_records_pass_with_their_signature_kept():
    out = screen([signed(record_id="R1"), signed(record_id="R2")])
    assert out.sender == "finance" and out.refused == []
    assert [r["record_id"] for r in out.good] == ["R1", "R2"]
    assert out.good[0]["source_unit"] == "finance" and out.good[0]["signature"]
    assert out.good[0]["occurred_at"] == "2025-07-15T00:00:00+08:00"


def test_each_kind_of_bad_record_is_refused_with_its_reason_and_the_good_one_passes():
    tampered = signed(record_id="T")
    tampered["data"] = {"amount": 2}
    foreign = signed(record_id="F", record_type="audit.finding")
    forged = signed("audit", record_id="A", record_type="audit.finding")
    rogue = sign_record(record("K"), Ed25519PrivateKey.generate(), "finance")
    unsigned = record("U")
    out = screen([signed(record_id="OK"), tampered, foreign, forged, rogue, unsigned, 42])
    assert [r["record_id"] for r in out.good] == ["OK"]
    codes = [(r.record_id, r.code) for r in out.refused]
    assert codes == [
        ("T", "bad_signature"),
        ("F", "kind_not_allowed"),
        ("A", "forged_sender"),
        ("K", "unknown_key"),
        ("U", "missing_signature"),
        (None, "schema_invalid"),
    ]
    forged_refusal = out.refused[2]
    assert forged_refusal.claimed_unit == "audit" and "finance" in forged_refusal.reason
    assert all(r.raw and r.origin == "sharing" for r in out.refused)


def test_a_record_twice_in_one_batch_counts_once():
    out = screen([signed(record_id="R1"), signed(record_id="R1")])
    assert len(out.good) == 1 and out.duplicates_in_batch == 1


def test_a_batch_nobody_vouches_for_is_refused_whole():
    out = screen([signed(record_id="R1")], user_id="stranger")
    assert out.good == [] and [r.code for r in out.refused] == ["sender_unknown"]
    assert out.refused[0].record_id == "R1" and out.refused[0].claimed_unit == "finance"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        json.dumps([1]).encode(),
        json.dumps({"records": "x"}).encode(),
        json.dumps({"nothing": []}).encode(),
    ],
)
def test_a_malformed_body_is_one_refusal_never_an_exception(body):
    out = screen(body=body)
    assert out.good == [] and [r.code for r in out.refused] == ["batch_malformed"]


def test_an_oversized_batch_is_refused_whole():
    out = screen([signed()] * (rules.MAX_RECORDS_PER_MESSAGE + 1))
    assert out.good == [] and [r.code for r in out.refused] == ["batch_too_large"]


def test_a_time_the_database_cannot_hold_is_refused_not_a_crash():
    out = screen(
        [
            sign_record(
                {**record("Y"), "occurred_at": "9999-12-31T23:59:59-14:00"},
                KEYS["finance"],
                "finance",
            )
        ]
    )
    assert out.good == [] and [(r.code, r.field) for r in out.refused] == [
        ("schema_invalid", "occurred_at")
    ]


def test_the_adapters_own_refusals_become_quarantine_entries():
    out = screen(
        body={
            "quarantine": [
                {
                    "line": 3,
                    "code": "wrong_type",
                    "reason": "金额不是数字",
                    "field": "下达资金（元）",
                    "raw": "a,b,c",
                    "file": "拨付台账.csv",
                    "record_id": None,
                    "type": None,
                },
                "garbage",
            ]
        },
        routing_key="finance.quarantine",
    )
    assert [(r.code, r.line, r.file, r.origin) for r in out.refused] == [
        ("wrong_type", 3, "拨付台账.csv", "adapter"),
        ("schema_invalid", None, None, "adapter"),
    ]


def test_the_same_refusal_has_the_same_fingerprint():
    tampered = signed(record_id="T")
    tampered["data"] = {"amount": 2}
    first = screen([tampered]).refused[0]
    again = screen([tampered]).refused[0]
    other = screen([signed(record_id="F", record_type="audit.finding")]).refused[0]
    assert rules.fingerprint(first, "finance") == rules.fingerprint(again, "finance")
    assert rules.fingerprint(first, "finance") != rules.fingerprint(other, "finance")


def test_a_record_row_carries_provenance_and_the_project_it_is_about():
    verified = screen([signed(project_id="XC2025-001", amount=5)]).good[0]
    row = rules.record_row(
        verified,
        sender="guest",
        message_id="m1",
        event_id="e1",
        now=rules.occurred("2025-09-01T00:00:00+08:00"),
    )
    assert row["ref"] == "XC2025-001" and row["event_id"] == "e1"
    assert row["occurred_at"].isoformat() == "2025-07-14T16:00:00+00:00"


# -- who reads what -------------------------------------------------------------------------------


def test_the_office_reads_every_type_and_a_unit_what_the_matrix_and_its_own_kinds_allow():
    assert (
        rules.readable_types(who("npc", "office_admin"), SHARING_RULES, DEFAULT_RECORD_KINDS)
        is None
    )
    assert rules.readable_types(who("npc", "viewer"), SHARING_RULES, DEFAULT_RECORD_KINDS) is None
    plc = rules.readable_types(who("plc"), SHARING_RULES, DEFAULT_RECORD_KINDS)
    assert plc == {"plc.petition", "plc.case_quality"}  # case_quality: its own kind
    assert (
        rules.readable_types(who("court", "supervised"), SHARING_RULES, DEFAULT_RECORD_KINDS)
        == frozenset()
    )
    assert rules.narrow("audit.finding", plc) == []
    assert rules.narrow("plc.petition", plc) == ["plc.petition"]
    assert rules.narrow(None, None) is None


def test_a_warning_is_read_by_the_readers_of_its_record_type():
    plc = rules.readable_types(who("plc"), SHARING_RULES, DEFAULT_RECORD_KINDS)
    assert not rules.warning_visible(who("plc"), "finance.disbursement", plc, COORDINATING)
    assert rules.warning_visible(who("plc"), "plc.petition", plc, COORDINATING)
    assert rules.warning_visible(who("plc"), None, plc, COORDINATING)
    assert not rules.warning_visible(who("court", "supervised"), None, frozenset(), COORDINATING)


def test_an_agency_sees_its_own_quarantine_the_office_all_a_supervised_unit_none():
    assert rules.quarantine_scope(who("npc", "office_admin"), COORDINATING) is None
    assert rules.quarantine_scope(who("finance"), COORDINATING) == "finance"
    with pytest.raises(Forbidden):
        rules.quarantine_scope(who("court", "supervised"), COORDINATING)


def test_a_warning_becomes_one_lead_and_a_stalled_conversion_frees_it():
    from datetime import UTC, datetime, timedelta

    now = datetime(2025, 9, 1, tzinfo=UTC)
    rules.check_warning_convertible("open", None, now)
    for status in ("converted", "converting"):
        with pytest.raises(RuleViolation) as refused:
            rules.check_warning_convertible(status, now - timedelta(seconds=5), now)
        assert refused.value.code == "warning_already_converted"
    rules.check_warning_convertible("converting", now - timedelta(hours=1), now)
    with pytest.raises(RuleViolation) as refused:
        rules.check_warning_convertible("dismissed", None, now)
    assert refused.value.code == "warning_not_open"


def test_writers_of_the_sharing_mechanism_are_coordinating_units():
    rules.require_coordinating_writer(who("audit"), COORDINATING, "登记成果复用")
    with pytest.raises(Forbidden):
        rules.require_coordinating_writer(who("npc", "viewer"), COORDINATING, "登记成果复用")
    with pytest.raises(Forbidden):
        rules.require_coordinating_writer(who("court", "supervised"), COORDINATING, "登记")


def test_a_long_batch_pauses_so_the_service_keeps_answering():
    calls = []
    out = screen([signed(record_id=f"R{i}") for i in range(250)], pause=lambda: calls.append(1))
    assert len(out.good) == 250 and len(calls) == 2
