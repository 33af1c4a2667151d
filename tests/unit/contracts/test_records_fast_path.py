"""contracts.records' fast path (no marshmallow for plainly valid records) answers exactly what
the schema answers: the same record, or the same refusal with the same code, field and message."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import records as r

KEY = Ed25519PrivateKey.generate()
KINDS = {"finance": ("disbursement",), "audit": ("finding",)}


def schema_only(monkeypatch):
    monkeypatch.setattr(r, "_fast_load", lambda record, keys: None)


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except r.RecordRejected as exc:
        return ("refused", exc.code, exc.field, exc.message)


def both(monkeypatch, fn, *args):
    fast = outcome(fn, *args)
    with monkeypatch.context() as m:
        schema_only(m)
        slow = outcome(fn, *args)
    return fast, slow


def canonical(**over):
    base = {
        "record_id": "CZBF-2025-0101",
        "type": "finance.disbursement",
        "subject": "town-jieshi",
        "occurred_at": "2025-03-10",
        "data": {"amount": 900000, "note": "首笔"},
    }
    base.update(over)
    return base


def signed(**over):
    rec = r.sign_record(canonical(), KEY, "finance")
    rec.update(over)
    return rec


def lookup(agency, key_id):
    return KEY.public_key() if key_id == r.key_id_for("finance", KEY.public_key()) else None


ODD_CANONICAL = [
    {},
    canonical(extra=1),
    canonical(record_id=" padded "),
    canonical(record_id="trailing "),
    canonical(record_id=""),
    canonical(record_id=7),
    canonical(record_id=None),
    canonical(type="Finance.x"),
    canonical(type=" finance.disbursement "),
    canonical(subject="official:GZ-1"),
    canonical(subject="-bad"),
    canonical(subject=b"town"),
    canonical(occurred_at="2025-13-01"),
    canonical(occurred_at=""),
    canonical(occurred_at=None),
    canonical(occurred_at=20250101),
    canonical(occurred_at="2025-03-10T08:00:00Z"),
    canonical(data=[]),
    canonical(data=None),
    canonical(data={}),
    canonical(data={1: "x"}),
    canonical(data={"a": {"b": [1, 2]}}),
    canonical(data={"big": "x" * 70_000}),
    canonical(data={"nan": float("nan")}),
    canonical(data={"s": {1, 2}}),
]


@pytest.mark.parametrize("record", ODD_CANONICAL)
def test_validate_record_answers_as_the_schema(monkeypatch, record):
    fast, slow = both(monkeypatch, r.validate_record, record)
    assert fast == slow


ODD_SIGNED = [
    signed(),
    signed(extra=1),
    signed(source_unit=" finance"),
    signed(source_unit="Finance"),
    signed(source_unit=""),
    signed(key_id=""),
    signed(key_id=" " * 3),
    signed(key_id="k" * 129),
    signed(signature=""),
    signed(signature="!!notbase64"),
    signed(signature=7),
    signed(signature=" " + signed()["signature"]),
    signed(data={"amount": 1}),
    signed(type="audit.finding"),
    signed(record_id=" CZBF-2025-0101"),
    signed(occurred_at="2025-03-10T00:00:00+08:00"),
    signed(data={"big": "x" * 70_000}),
    signed(subject=None),
    signed(key_id="finance:0000000000000000"),
    {k: v for k, v in signed().items() if k != "signature"},
    {k: v for k, v in signed().items() if k != "data"},
    base64.b64encode(b"not a record"),
]


@pytest.mark.parametrize("record", ODD_SIGNED)
def test_verify_record_answers_as_the_schema(monkeypatch, record):
    fast, slow = both(monkeypatch, r.verify_record, record, lookup, KINDS)
    assert fast == slow


def test_a_good_record_passes_the_fast_path_and_verifies():
    got = r.verify_record(signed(), lookup, KINDS)
    assert got == {**r.validate_record(canonical()), "source_unit": "finance"}
    assert r._fast_load(signed(), r._SIGNED_KEYS) is not None


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
values = st.one_of(st.none(), st.integers(), text, st.booleans(), st.binary(max_size=4))


@settings(max_examples=300, deadline=None)
@given(
    record_id=st.one_of(values, st.from_regex(r"\A[A-Z]{2}-[0-9]{1,6}\Z")),
    subject=st.one_of(values, st.sampled_from(["court", "town-jieshi", " court", "official:"])),
    occurred=st.one_of(
        values,
        st.sampled_from(
            ["2025-01-02", "2025-01-02T03:04:05+08:00", "2025-01-02 03:04", "2025-02-30"]
        ),
    ),
    data=st.one_of(values, st.dictionaries(text, values, max_size=3)),
)
def test_any_record_is_judged_alike(record_id, subject, occurred, data):
    record = canonical(record_id=record_id, subject=subject, occurred_at=occurred, data=data)
    fast = outcome(r.validate_record, record)
    original = r._fast_load
    r._fast_load = lambda record, keys: None
    try:
        slow = outcome(r.validate_record, record)
    finally:
        r._fast_load = original
    assert fast == slow


def test_signing_refuses_exactly_the_records_over_the_size_limit():
    def signed_size(pad):
        rec = {
            **r.validate_record(canonical(data={"p": "x" * pad})),
            "source_unit": "finance",
            "key_id": r.key_id_for("finance", KEY.public_key()),
            "signature": "A" * 88,
        }
        return len(r.canonical_json(rec))

    limit_pad = r.MAX_RECORD_BYTES - signed_size(0)
    assert signed_size(limit_pad) == r.MAX_RECORD_BYTES
    for pad in (limit_pad - 1, limit_pad, limit_pad + 1):
        rec = canonical(data={"p": "x" * pad})
        if signed_size(pad) <= r.MAX_RECORD_BYTES:
            got = r.sign_record(rec, KEY, "finance")
            assert len(r.canonical_json(got)) == signed_size(pad)
            assert r.verify_record(got, lookup, KINDS)["data"] == {"p": "x" * pad}
        else:
            with pytest.raises(r.RecordRejected) as info:
                r.sign_record(rec, KEY, "finance")
            assert info.value.code == r.TOO_LARGE
            assert f"{signed_size(pad)} 字节" in info.value.message


def test_sign_validated_signs_as_sign_record():
    loaded = r.validate_record(canonical())
    a = r.sign_validated(loaded, KEY, "finance", r.key_id_for("finance", KEY.public_key()))
    assert a == r.sign_record(canonical(), KEY, "finance")  # Ed25519 signatures are deterministic


def test_libsodium_signs_and_judges_signatures_as_openssl(monkeypatch):
    pytest.importorskip("nacl")
    good = signed()
    cases = [
        good,
        {**good, "data": {"amount": 900001, "note": "首笔"}},
        {**good, "signature": base64.b64encode(b"\0" * 64).decode()},
        {**good, "signature": base64.b64encode(b"short").decode()},
        {**good, "signature": good["signature"][:-4] + "AAA="},
        {**good, "key_id": "finance:other"},
    ]
    with_sodium = [outcome(r.verify_record, c, lookup, KINDS) for c in cases]
    sodium_signed = r.sign_record(canonical(), KEY, "finance")
    monkeypatch.setattr(r, "VerifyKey", None)
    monkeypatch.setattr(r, "SigningKey", None)
    assert [outcome(r.verify_record, c, lookup, KINDS) for c in cases] == with_sodium
    assert [o[0] for o in with_sodium] == ["ok"] + ["refused"] * 5
    assert r.sign_record(canonical(), KEY, "finance") == sodium_signed
