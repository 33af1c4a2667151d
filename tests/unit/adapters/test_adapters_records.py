"""contracts.records: schema, signatures, kinds, size, key files."""

import base64
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts import records as r


def record(**over):
    base = {
        "record_id": "SJ2025-001",
        "type": "audit.finding",
        "subject": "town-jieshi",
        "occurred_at": "2025-08-12",
        "data": {"amount": 1650000, "description": "超进度拨付"},
    }
    base.update(over)
    return base


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def test_valid_record_is_normalized():
    loaded = r.validate_record(record())
    assert loaded["occurred_at"] == "2025-08-12T00:00:00+08:00"
    assert loaded["data"] == {"amount": 1650000, "description": "超进度拨付"}


def test_aware_time_keeps_its_offset():
    assert r.validate_record(record(occurred_at="2025-08-12T01:02:03Z"))["occurred_at"] == (
        "2025-08-12T01:02:03+00:00"
    )


@pytest.mark.parametrize(
    "change, field, text",
    [
        ({"record_id": 12}, "record_id", "字符串"),
        ({"record_id": ""}, "record_id", "record_id"),
        ({"type": "finding"}, "type", "<单位>.<种类>"),
        ({"subject": "区 法院"}, "subject", "subject"),
        ({"occurred_at": "2025-02-30"}, "occurred_at", "ISO 8601"),
        ({"occurred_at": None}, "occurred_at", "不能为空"),
        ({"data": ["x"]}, "data", "对象"),
        ({"extra": 1}, "extra", "未知字段"),
    ],
)
def test_each_bad_field_is_named(change, field, text):
    with pytest.raises(r.RecordRejected) as info:
        r.validate_record(record(**change))
    assert info.value.code == r.SCHEMA_INVALID
    assert info.value.field == field
    assert text in info.value.message


def test_missing_field_is_named():
    bad = record()
    del bad["subject"]
    with pytest.raises(r.RecordRejected) as info:
        r.validate_record(bad)
    assert (info.value.field, info.value.code) == ("subject", r.SCHEMA_INVALID)
    assert "必填" in info.value.message


def test_not_an_object():
    with pytest.raises(r.RecordRejected):
        r.validate_record(["x"])


def test_oversized_record_is_rejected():
    big = record(data={"text": "x" * (r.MAX_RECORD_BYTES + 1)})
    with pytest.raises(r.RecordRejected) as info:
        r.validate_record(big)
    assert info.value.code == r.TOO_LARGE


def test_kind_allowed_only_own_registered_kinds():
    assert r.kind_allowed("audit", "audit.finding")
    assert r.kind_allowed("plc", "plc.petition")
    assert not r.kind_allowed("statistics", "audit.finding")  # another agency's kind
    assert not r.kind_allowed("audit", "audit.petition")  # not a registered audit kind
    assert not r.kind_allowed("audit", "finding")
    assert not r.kind_allowed("audit", "")
    assert r.kind_allowed("newbody", "newbody.report", {"newbody": ["report"]})
    assert not r.kind_allowed("audit", "audit.finding", {"newbody": ["report"]})


def test_sign_then_verify_round_trip(key):
    signed = r.sign_record(record(), key, "audit")
    assert signed["source_unit"] == "audit"
    assert signed["key_id"] == r.key_id_for("audit", key.public_key())
    assert len(base64.b64decode(signed["signature"])) == 64
    verified = r.verify_record(signed, lambda unit, kid: key.public_key())
    assert verified == {**r.validate_record(record()), "source_unit": "audit"}
    assert r.verify_record(signed, {"audit": key.public_key()})["record_id"] == "SJ2025-001"


def test_signature_is_over_canonical_json_independent_of_key_order(key):
    signed = r.sign_record(record(), key, "audit")
    reordered = dict(reversed(list(signed.items())))
    assert r.verify_record(reordered, {"audit": key.public_key()})


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s["data"].__setitem__("amount", 1),
        lambda s: s.__setitem__("subject", "court"),
        lambda s: s.__setitem__("occurred_at", "2025-08-13T00:00:00+08:00"),
        lambda s: s.__setitem__("record_id", "SJ2025-999"),
    ],
)
def test_tampered_record_is_rejected(key, tamper):
    signed = r.sign_record(record(), key, "audit")
    signed = {**signed, "data": dict(signed["data"])}
    tamper(signed)
    with pytest.raises(r.RecordRejected) as info:
        r.verify_record(signed, {"audit": key.public_key()})
    assert info.value.code == r.BAD_SIGNATURE


def test_signature_of_another_key_is_rejected(key):
    other = Ed25519PrivateKey.generate()
    signed = r.sign_record(record(), other, "audit")
    signed["key_id"] = r.key_id_for("audit", key.public_key())  # claims the real key
    with pytest.raises(r.RecordRejected) as info:
        r.verify_record(signed, {"audit": key.public_key()})
    assert info.value.code == r.BAD_SIGNATURE


def test_unknown_key_and_missing_signature(key):
    signed = r.sign_record(record(), key, "audit")
    with pytest.raises(r.RecordRejected) as info:
        r.verify_record(signed, lambda unit, kid: None)
    assert info.value.code == r.UNKNOWN_KEY
    unsigned = {k: v for k, v in signed.items() if k != "signature"}
    with pytest.raises(r.RecordRejected) as info:
        r.verify_record(unsigned, {"audit": key.public_key()})
    assert info.value.code == r.MISSING_SIGNATURE
    garbage = {**signed, "signature": "!!!not base64!!!"}
    with pytest.raises(r.RecordRejected) as info:
        r.verify_record(garbage, {"audit": key.public_key()})
    assert info.value.code == r.BAD_SIGNATURE


def test_source_unit_swap_is_caught(key):
    """Re-labelling a record as another agency's fails: that agency's key does not match."""
    audit_key, finance_key = key, Ed25519PrivateKey.generate()
    signed = r.sign_record(record(), audit_key, "audit")
    forged = {**signed, "source_unit": "finance"}
    with pytest.raises(r.RecordRejected) as info:
        r.verify_record(
            forged, {"audit": audit_key.public_key(), "finance": finance_key.public_key()}
        )
    assert info.value.code in (r.UNKNOWN_KEY, r.BAD_SIGNATURE)


def test_validly_signed_foreign_kind_is_rejected(key):
    """An agency signing another agency's kind with its own key is still refused."""
    signed = r.sign_record(record(type="audit.finding"), key, "statistics")
    with pytest.raises(r.RecordRejected) as info:
        r.verify_record(signed, {"statistics": key.public_key()})
    assert info.value.code == r.KIND_NOT_ALLOWED


def test_keys_created_once_private_0600_public_beside(tmp_path):
    key = r.load_or_create_private_key("finance", tmp_path)
    private_path, public_path = r.key_paths("finance", tmp_path)
    assert stat.S_IMODE(os.stat(private_path).st_mode) == 0o600
    assert public_path.read_bytes() == r.public_key_pem(key.public_key())
    again = r.load_or_create_private_key("finance", tmp_path)
    assert r.key_id_for("finance", again.public_key()) == r.key_id_for("finance", key.public_key())
    with pytest.raises(ValueError):
        r.key_paths("../etc", tmp_path)


def test_file_public_keys_lookup(tmp_path):
    key = r.load_or_create_private_key("plc", tmp_path)
    lookup = r.FilePublicKeys(tmp_path)
    signed = r.sign_record(record(type="plc.petition", subject="court"), key, "plc")
    assert r.verify_record(signed, lookup)["source_unit"] == "plc"
    assert lookup("plc", "plc:0000000000000000") is None
    assert lookup("audit", signed["key_id"]) is None  # no audit.pub
