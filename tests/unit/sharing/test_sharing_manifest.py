"""The manifest form of signed records: one signature per message, one digest per record.

contracts.records (sign, verify, re-verify) and the sharing service's screening and storing of
a manifest batch on a real SQLite file; the per-record form keeps working next to it.
"""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts import records as r
from runtime.engine import make_engine
from services.sharing import rules, store
from services.sharing.models import Base, Record, RecordManifest
from services.sharing.rules import Delivery

KEYS = {agency: Ed25519PrivateKey.generate() for agency in ("finance", "audit")}
NOW = datetime(2025, 9, 1, tzinfo=UTC)


def lookup(agency, key_id):
    key = KEYS.get(agency)
    if key is not None and r.key_id_for(agency, key.public_key()) == key_id:
        return key.public_key()
    return None


def record(record_id="R1", record_type="finance.disbursement", occurred="2025-07-15", **data):
    return {
        "record_id": record_id,
        "type": record_type,
        "subject": "town-jieshi",
        "occurred_at": occurred,
        "data": data or {"amount": 1, "note": "界石镇"},
    }


def manifest_batch(*records, agency="finance", key=None):
    """What the SDK publishes: records without signatures, one manifest over them."""
    key = key or KEYS[agency]
    key_id = r.key_id_for(agency, key.public_key())
    out, digests = [], []
    for rec in records:
        body, payload = r.unsigned_record(r.validate_record(rec), agency, key_id)
        out.append(body)
        digests.append(hashlib.sha256(payload).hexdigest())
    return {"records": out, "manifest": r.sign_manifest(digests, key, agency, key_id)}


def screen(body, routing_key="finance.disbursement", user_id="guest"):
    return rules.screen(
        Delivery(body=json.dumps(body).encode(), routing_key=routing_key, user_id=user_id),
        public_keys=lookup,
        record_kinds=r.DEFAULT_RECORD_KINDS,
        trusted_users=["guest"],
    )


def codes(screened):
    return [(x.record_id, x.code) for x in screened.refused]


# --------------------------------------------------------------------------- contracts.records


def test_digest_covers_exactly_what_a_record_signature_covers():
    key = KEYS["finance"]
    signed = r.sign_record(record(), key, "finance")
    body, payload = r.unsigned_record(
        r.validate_record(record()), "finance", r.key_id_for("finance", key.public_key())
    )
    assert body == {k: v for k, v in signed.items() if k != "signature"}
    assert r.record_digest(signed) == r.record_digest(body) == hashlib.sha256(payload).hexdigest()


def test_manifest_signs_and_verifies_once():
    body = manifest_batch(record("R1"), record("R2"))
    digests = r.verify_manifest(body["manifest"], 2, "finance", lookup)
    for rec, digest in zip(body["records"], digests, strict=True):
        verified, _ = r.verify_manifest_record(rec, digest, body["manifest"]["key_id"])
        assert verified["source_unit"] == "finance"
        assert verified["occurred_at"] == "2025-07-15T00:00:00+08:00"


def test_manifest_refusals():
    manifest = manifest_batch(record("R1"))["manifest"]
    with pytest.raises(r.RecordRejected) as exc:
        r.verify_manifest(manifest, 2, "finance", lookup)  # lists one digest for two records
    assert exc.value.code == r.BAD_SIGNATURE
    with pytest.raises(r.RecordRejected) as exc:
        r.verify_manifest({**manifest, "digests": ["0" * 64]}, 1, "finance", lookup)
    assert exc.value.code == r.BAD_SIGNATURE
    with pytest.raises(r.RecordRejected) as exc:
        r.verify_manifest({**manifest, "signature": ""}, 1, "finance", lookup)
    assert exc.value.code == r.MISSING_SIGNATURE
    with pytest.raises(r.RecordRejected) as exc:
        r.verify_manifest(manifest, 1, "audit", lookup)  # not audit's key
    assert exc.value.code == r.UNKNOWN_KEY
    stranger = manifest_batch(record("R1"), key=Ed25519PrivateKey.generate())["manifest"]
    with pytest.raises(r.RecordRejected) as exc:
        r.verify_manifest(stranger, 1, "finance", lookup)
    assert exc.value.code == r.UNKNOWN_KEY


def test_a_record_signature_is_no_manifest_signature_and_back():
    """The scheme is signed too: neither signature can be passed off as the other."""
    key = KEYS["finance"]
    signed = r.sign_record(record(), key, "finance")
    forged = {
        "scheme": r.MANIFEST_SCHEME,
        "key_id": signed["key_id"],
        "digests": [r.record_digest(signed)],
        "signature": signed["signature"],
    }
    with pytest.raises(r.RecordRejected) as exc:
        r.verify_manifest(forged, 1, "finance", lookup)
    assert exc.value.code == r.BAD_SIGNATURE


# --------------------------------------------------------------------------- screening


def test_a_manifest_batch_passes_whole():
    out = screen(manifest_batch(record("R1"), record("R2", amount=5)))
    assert out.refused == [] and [g["record_id"] for g in out.good] == ["R1", "R2"]
    assert out.manifest["digests"] and len(out.manifest["id"]) == 64
    assert [(g["manifest_id"], g["manifest_position"]) for g in out.good] == [
        (out.manifest["id"], 0),
        (out.manifest["id"], 1),
    ]
    assert all(g["signature"] == "" for g in out.good)


def test_a_tampered_record_is_refused_alone():
    body = manifest_batch(record("R1"), record("R2"), record("R3"))
    body["records"][1]["data"]["amount"] = 1_000_000
    out = screen(body)
    assert codes(out) == [("R2", r.BAD_SIGNATURE)]
    assert [g["record_id"] for g in out.good] == ["R1", "R3"]


def test_a_tampered_manifest_refuses_every_record():
    body = manifest_batch(record("R1"), record("R2"))
    body["manifest"]["digests"][0] = "f" * 64
    out = screen(body)
    assert codes(out) == [("R1", r.BAD_SIGNATURE), ("R2", r.BAD_SIGNATURE)] and not out.good
    assert out.manifest is None


def test_digests_count_mismatch_refuses_every_record():
    body = manifest_batch(record("R1"), record("R2"))
    body["records"].append(dict(body["records"][0], record_id="R3"))
    out = screen(body)
    assert [c for _, c in codes(out)] == [r.BAD_SIGNATURE] * 3 and not out.good


def test_unknown_manifest_key_refuses_every_record():
    body = manifest_batch(record("R1"), key=Ed25519PrivateKey.generate())
    assert codes(screen(body)) == [("R1", r.UNKNOWN_KEY)]


def test_a_record_without_signature_and_without_manifest_is_still_missing_signature():
    body = manifest_batch(record("R1"))
    del body["manifest"]
    assert codes(screen(body)) == [("R1", r.MISSING_SIGNATURE)]


def test_forged_sender_and_kind_checks_stay_as_they_are():
    body = manifest_batch(record("F1", "audit.finding"), agency="audit")
    assert codes(screen(body, routing_key="finance.disbursement")) == [("F1", "forged_sender")]
    body = manifest_batch(record("F2", "finance.petition"))
    assert codes(screen(body)) == [("F2", r.KIND_NOT_ALLOWED)]


def test_self_signed_records_ride_along_in_a_manifest_batch():
    """Per-record signatures keep working, even inside a message that also has a manifest."""
    body = manifest_batch(record("R1"))
    signed = r.sign_record(record("R2"), KEYS["finance"], "finance")
    body["records"].append(signed)
    body["manifest"] = r.sign_manifest(
        [*body["manifest"]["digests"], r.record_digest(signed)], KEYS["finance"], "finance"
    )
    out = screen(body)
    assert out.refused == [] and [g["signature"] != "" for g in out.good] == [False, True]


# --------------------------------------------------------------------------- stored, re-verified


@pytest.fixture
def session(tmp_path):
    engine = make_engine(
        "sharing", {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "VAR_DIR": str(tmp_path)}
    )
    Base.metadata.create_all(engine)
    with Session(bind=engine) as s:
        yield s
    engine.dispose()


def _store(session, out, message_id="m1"):
    new = store.insert_records(
        session,
        out.good,
        sender="guest",
        message_id=message_id,
        now=NOW,
        manifest=out.manifest,
        source_unit=out.sender,
    )
    session.commit()
    return new


def _reverify(session, record_id):
    row = session.scalar(select(Record).where(Record.record_id == record_id))
    manifest = row.manifest_id and session.get(RecordManifest, row.manifest_id)
    values = {c: getattr(row, c) for c in ("source_unit", "record_id", "type", "subject")}
    values.update(
        occurred_at=row.occurred_text,
        data=row.data,
        key_id=row.key_id,
        signature=row.signature,
        manifest_position=row.manifest_position,
    )
    stored = manifest and {
        "scheme": manifest.scheme,
        "key_id": manifest.key_id,
        "digests": manifest.digests,
        "signature": manifest.signature,
    }
    return values, stored or None


def test_stored_manifest_records_can_be_verified_again(session):
    body = manifest_batch(record("R1", occurred="2025-07-15T09:30:00+08:00"), record("R2"))
    assert len(_store(session, screen(body))) == 2
    # redelivered, or the same batch resent: nothing twice, the manifest once
    assert _store(session, screen(body)) == []
    assert len(session.scalars(select(RecordManifest)).all()) == 1
    row, manifest = _reverify(session, "R1")
    assert manifest is not None and row["manifest_position"] == 0
    assert r.reverify_stored(row, manifest, lookup)
    assert not r.reverify_stored({**row, "data": {**row["data"], "amount": 2}}, manifest, lookup)
    assert not r.reverify_stored({**row, "manifest_position": 1}, manifest, lookup)
    forged = {**manifest, "digests": [r.record_digest({**row, "subject": "x"}), "0" * 64]}
    assert not r.reverify_stored(row, forged, lookup)


def test_stored_per_record_signed_rows_verify_again_too(session):
    out = screen({"records": [r.sign_record(record("S1"), KEYS["finance"], "finance")]})
    assert out.manifest is None and len(_store(session, out)) == 1
    row, manifest = _reverify(session, "S1")
    assert manifest is None and row["signature"]
    assert r.reverify_stored(row, None, lookup)
    assert not r.reverify_stored({**row, "subject": "court"}, None, lookup)
