"""Canonical agency records (API.md) and their Ed25519 signatures.

One module shared by the adapters (which validate, sign and publish records) and the sharing
service (which verifies them before it stores anything). Plain functions, no broker, no database.

A canonical record::

    {"record_id": "<the agency's own id>", "type": "<agency>.<kind>",
     "subject": "<unit id or official id>", "occurred_at": "<ISO 8601>", "data": {...}}

A signed record adds ``source_unit`` (the agency id), ``key_id`` and ``signature``. The signature
is Ed25519 over the canonical JSON (sorted keys, no spaces, UTF-8, non-ASCII kept) of the signed
record without its ``signature`` field, so ``source_unit`` and ``key_id`` are covered too.

Keys: one Ed25519 pair per agency. The private key is created on first use under
``$COSUPERVISE_VAR/keys/<agency>.key`` (never in the repository); the public key is written next
to it as ``<agency>.pub``, where the sharing service reads it (or from config in production).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

try:  # libsodium: the same Ed25519, in about half OpenSSL's time (requirements/performance.txt)
    from nacl.exceptions import BadSignatureError
    from nacl.signing import SigningKey, VerifyKey
except ImportError:  # pragma: no cover - cryptography alone gives the same answers, slower
    SigningKey = VerifyKey = None

# A record larger than this (canonical JSON of the signed record, in bytes) is refused: a record
# is one fact, not a document store, and batches must stay well under the broker's frame limits.
MAX_RECORD_BYTES = 64 * 1024

# API.md's default kinds. config/cosupervise.yaml `record_kinds` may extend them (the "N" grows).
DEFAULT_RECORD_KINDS: dict[str, tuple[str, ...]] = {
    "audit": ("finding",),
    "finance": ("disbursement", "budget_execution"),
    "statistics": ("indicator",),
    "plc": ("case_quality", "petition"),
    "inspection": ("feedback",),
    "cdi": ("case_concluded",),
}

CANONICAL_FIELDS = ("record_id", "type", "subject", "occurred_at", "data")
SIGNATURE_FIELDS = ("source_unit", "key_id", "signature")

AGENCY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}\.[a-z][a-z0-9_]{0,47}$")
# Unit ids (`court`, `town-jieshi`) or official ids (`official:GZ2025-0031`).
SUBJECT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
RECORD_ID_RE = re.compile(r"^[^\s\x00-\x1f][^\x00-\x1f]{0,127}$")

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

# Reason codes a rejected record carries (shown in the quarantine).
SCHEMA_INVALID = "schema_invalid"
TOO_LARGE = "too_large"
KIND_NOT_ALLOWED = "kind_not_allowed"
MISSING_SIGNATURE = "missing_signature"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"

REASON_TEXT = {
    SCHEMA_INVALID: "记录格式不符合规范",
    TOO_LARGE: "记录超过大小上限",
    KIND_NOT_ALLOWED: "该单位无权发布此类记录",
    MISSING_SIGNATURE: "记录缺少签名",
    UNKNOWN_KEY: "签名密钥未登记",
    BAD_SIGNATURE: "签名校验失败（记录可能被篡改）",
}


class RecordRejected(Exception):
    """A record that must not be stored; ``code`` is one of the reason codes above."""

    def __init__(self, code: str, message: str, field: str | None = None, errors=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.errors = errors or {}

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "errors": self.errors,
        }


# --------------------------------------------------------------------------- schema


def normalize_occurred_at(value: Any) -> str:
    """ISO 8601 with offset. Dates and naive times are Asia/Shanghai (the agencies' clock)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("时间为空 (empty)")
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"不是 ISO 8601 时间: {value!r} (not an ISO 8601 date/time)") from None
    else:
        raise ValueError(f"不是时间: {value!r} (not a date/time)")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt.isoformat()


class OccurredAt(fields.Field):
    default_error_messages = {"invalid": "{detail}"}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalize_occurred_at(value)
        except ValueError as exc:
            raise self.make_error("invalid", detail=str(exc)) from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class StrictString(fields.String):
    """A string that is never a number silently turned into one."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(value.strip(), attr, data, **kwargs)


_REQ = {
    "required": "必填字段缺失 (missing required field)",
    "null": "不能为空 (may not be null)",
    "invalid": "类型错误，应为字符串 (not a string)",
}


class CanonicalRecordSchema(Schema):
    """The five canonical fields; anything else is an error naming the field."""

    class Meta:
        unknown = RAISE

    record_id = StrictString(
        required=True,
        error_messages=_REQ,
        validate=validate.Regexp(
            RECORD_ID_RE, error="记录编号为空、过长或含控制字符 (bad record_id)"
        ),
    )
    type = StrictString(
        required=True,
        error_messages=_REQ,
        validate=validate.Regexp(
            TYPE_RE, error="类型应为 <单位>.<种类>，如 audit.finding (bad type)"
        ),
    )
    subject = StrictString(
        required=True,
        error_messages=_REQ,
        validate=validate.Regexp(
            SUBJECT_RE, error="监督对象应为单位编号或 official:<编号> (bad subject id)"
        ),
    )
    occurred_at = OccurredAt(
        required=True, error_messages={"required": _REQ["required"], "null": _REQ["null"]}
    )
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        error_messages={**_REQ, "invalid": "应为对象 (data must be a JSON object)"},
    )


class SignedRecordSchema(CanonicalRecordSchema):
    source_unit = StrictString(
        required=True,
        error_messages=_REQ,
        validate=validate.Regexp(AGENCY_RE, error="来源单位编号无效 (bad source_unit)"),
    )
    key_id = StrictString(
        required=True, error_messages=_REQ, validate=validate.Length(min=1, max=128)
    )
    signature = StrictString(
        required=True, error_messages=_REQ, validate=validate.Length(min=1, max=256)
    )


_canonical_schema = CanonicalRecordSchema()


class ManifestRecordSchema(SignedRecordSchema):
    """A record of the manifest form: signed by its message's manifest, so no ``signature``."""

    class Meta:
        unknown = RAISE
        exclude = ("signature",)


_signed_schema = SignedRecordSchema()
_manifest_schema = ManifestRecordSchema()
# Loads only the canonical part of a signed record (for returning it after verification).
_canonical_part = CanonicalRecordSchema(unknown=EXCLUDE)


def canonical_json(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


_CANONICAL_KEYS = frozenset(CANONICAL_FIELDS)
_SIGNED_KEYS = frozenset(CANONICAL_FIELDS + SIGNATURE_FIELDS)
_MANIFEST_KEYS = frozenset(CANONICAL_FIELDS + ("source_unit", "key_id"))
_PATTERNS = (("record_id", RECORD_ID_RE), ("type", TYPE_RE), ("subject", SUBJECT_RE))


def _fast_load(record: Mapping, keys: frozenset) -> dict | None:
    """What the schema loads from a plainly valid record (canonical, or signed when ``keys`` is
    _SIGNED_KEYS or _MANIFEST_KEYS: then the canonical part, as ``_canonical_part`` answers),
    without marshmallow:
    ingest checks every record of a million-record file, and marshmallow costs more than the
    signature. None when anything is off; the schema then decides, with its own error message."""
    if record.keys() != keys:
        return None  # a field missing or unknown
    out = {}
    for name, pattern in _PATTERNS:
        value = record[name]
        if not isinstance(value, str):
            return None
        value = value.strip()
        if not pattern.match(value):
            return None
        out[name] = value
    try:
        out["occurred_at"] = normalize_occurred_at(record["occurred_at"])
    except ValueError:
        return None
    data = record["data"]
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        return None
    out["data"] = dict(data)
    if keys is not _CANONICAL_KEYS:
        unit, key_id = record["source_unit"], record["key_id"]
        if not (
            isinstance(unit, str)
            and AGENCY_RE.match(unit.strip())
            and isinstance(key_id, str)
            and 1 <= len(key_id.strip()) <= 128
        ):
            return None
    if keys is _SIGNED_KEYS:
        signature = record["signature"]
        if not (isinstance(signature, str) and 1 <= len(signature.strip()) <= 256):
            return None
    return out


def _first_error(errors: dict) -> tuple[str | None, str]:
    for name, msgs in errors.items():
        if isinstance(msgs, dict):
            sub_field, sub_msg = _first_error(msgs)
            return f"{name}.{sub_field}" if sub_field else name, sub_msg
        if isinstance(msgs, list) and msgs:
            msg = msgs[0]
            if name == "_schema" or msg == "Unknown field.":
                return name, "未知字段 (unknown field)" if msg == "Unknown field." else msg
            return name, msg if isinstance(msg, str) else str(msg)
    return None, "记录格式不符合规范"


def validate_record(record: Any) -> dict:
    """Return the normalized canonical record or raise RecordRejected(schema_invalid/too_large)."""
    if not isinstance(record, Mapping):
        raise RecordRejected(SCHEMA_INVALID, "记录应为 JSON 对象 (record must be an object)")
    loaded = _fast_load(record, _CANONICAL_KEYS)
    if loaded is not None:
        check_size(loaded)
        return loaded
    try:
        loaded = _canonical_schema.load(dict(record))
    except ValidationError as exc:
        field, msg = _first_error(exc.messages)
        raise RecordRejected(SCHEMA_INVALID, msg, field=field, errors=exc.messages) from None
    check_size(loaded)
    return loaded


def check_size(record: Mapping, extra: int = 0) -> None:
    try:
        size = len(canonical_json(record)) + extra
    except (TypeError, ValueError) as exc:
        raise RecordRejected(
            SCHEMA_INVALID, f"data 含无法序列化的值: {exc}", field="data"
        ) from None
    if size > MAX_RECORD_BYTES:
        raise RecordRejected(
            TOO_LARGE, f"记录 {size} 字节，超过上限 {MAX_RECORD_BYTES} 字节 (record too large)"
        )


def split_type(record_type: str) -> tuple[str, str]:
    agency, _, kind = record_type.partition(".")
    return agency, kind


def kind_allowed(
    agency: str, record_type: str, record_kinds: Mapping[str, Any] | None = None
) -> bool:
    """May `agency` publish records of `record_type` (`<agency>.<kind>`)?

    Only its own prefix, and only kinds it is registered for (config `record_kinds` when given,
    else API.md's defaults).
    """
    kinds_by_agency = DEFAULT_RECORD_KINDS if record_kinds is None else record_kinds
    prefix, kind = split_type(record_type or "")
    if not prefix or not kind or prefix != agency:
        return False
    return kind in tuple(kinds_by_agency.get(agency) or ())


# --------------------------------------------------------------------------- signatures


def key_id_for(agency: str, public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{agency}:{hashlib.sha256(raw).hexdigest()[:16]}"


def _signed_payload(signed: Mapping) -> bytes:
    return canonical_json({k: v for k, v in signed.items() if k != "signature"})


def sign_record(record: Mapping, private_key: Ed25519PrivateKey, agency: str) -> dict:
    """Validate `record`, then return it with source_unit, key_id and signature added."""
    if not AGENCY_RE.match(agency or ""):
        raise ValueError(f"invalid agency id: {agency!r}")
    return sign_validated(validate_record(record), private_key, agency)


def sign_validated(
    loaded: Mapping, private_key: Ed25519PrivateKey, agency: str, key_id: str | None = None
) -> dict:
    """sign_record for what validate_record returned (an adapter validates first, to check the
    kind before signing): the same signed record, without validating twice. ``key_id``: the
    key's id when the caller signs many records with one key."""
    if not AGENCY_RE.match(agency or ""):
        raise ValueError(f"invalid agency id: {agency!r}")
    signed = {
        **loaded,
        "source_unit": agency,
        "key_id": key_id or key_id_for(agency, private_key.public_key()),
    }
    payload = _signed_payload(signed)
    signed["signature"] = base64.b64encode(_sign(private_key, payload)).decode("ascii")
    _check_size_of(payload, signed)  # check_size(signed), from the bytes just signed
    return signed


@functools.lru_cache(maxsize=64)
def _sodium_signer(seed: bytes):
    return SigningKey(seed)


@functools.lru_cache(maxsize=256)
def _sodium_verifier(raw: bytes):
    return VerifyKey(raw)


def _sign(private_key: Ed25519PrivateKey, payload: bytes) -> bytes:
    """Ed25519 signatures are deterministic: libsodium's are byte for byte OpenSSL's."""
    if SigningKey is None:
        return private_key.sign(payload)
    seed = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return _sodium_signer(seed).sign(payload).signature


def _verify(public_key: Ed25519PublicKey, signature: bytes, payload: bytes) -> None:
    """Raises InvalidSignature (or ValueError) as cryptography's verify does. libsodium is the
    stricter of the two (it also refuses small-order keys and non-canonical encodings, which
    no honest signer produces): whatever it accepts, OpenSSL accepts too."""
    if VerifyKey is None:
        public_key.verify(signature, payload)
        return
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        _sodium_verifier(raw).verify(payload, signature)
    except BadSignatureError:
        raise InvalidSignature() from None


def _sized_payload(signed: Mapping) -> bytes:
    """check_size(signed), and the bytes the signature covers, from one JSON encoding.

    The canonical JSON of the whole record is the payload (everything but ``signature``) plus
    one ``"signature":"…"`` member and its comma: the size is exact without encoding twice.
    """
    try:
        payload = _signed_payload(signed)
    except (TypeError, ValueError) as exc:
        raise RecordRejected(
            SCHEMA_INVALID, f"data 含无法序列化的值: {exc}", field="data"
        ) from None
    _check_size_of(payload, signed)
    return payload


def _check_size_of(payload: bytes, signed: Mapping) -> None:
    try:
        size = len(payload)
        if "signature" in signed:
            size += len(canonical_json({"signature": signed["signature"]})) - 2
            size += 1 if len(signed) > 1 else 0
    except (TypeError, ValueError) as exc:
        raise RecordRejected(
            SCHEMA_INVALID, f"data 含无法序列化的值: {exc}", field="data"
        ) from None
    if size > MAX_RECORD_BYTES:
        raise RecordRejected(
            TOO_LARGE, f"记录 {size} 字节，超过上限 {MAX_RECORD_BYTES} 字节 (record too large)"
        )


PublicKeyLookup = Callable[[str, str], "Ed25519PublicKey | None"]


def verify_record(
    signed: Any,
    public_key_lookup: PublicKeyLookup | Mapping,
    record_kinds: Mapping[str, Any] | None = None,
) -> dict:
    """Check size, schema, signature and kind; return the canonical record plus source_unit.

    `public_key_lookup(source_unit, key_id)` returns the agency's Ed25519PublicKey or None (a
    mapping {agency: public key} works too). Raises RecordRejected with a reason code.
    """
    if not isinstance(signed, Mapping):
        raise RecordRejected(SCHEMA_INVALID, "记录应为 JSON 对象 (record must be an object)")
    payload = _sized_payload(signed)
    if not signed.get("signature") or not signed.get("key_id"):
        raise RecordRejected(MISSING_SIGNATURE, REASON_TEXT[MISSING_SIGNATURE], field="signature")
    record = _fast_load(signed, _SIGNED_KEYS)
    if record is None:
        try:
            _signed_schema.load(dict(signed))
        except ValidationError as exc:
            field, msg = _first_error(exc.messages)
            raise RecordRejected(SCHEMA_INVALID, msg, field=field, errors=exc.messages) from None

    source_unit, key_id = signed["source_unit"], signed["key_id"]
    if isinstance(public_key_lookup, Mapping):
        public_key = public_key_lookup.get(source_unit)
        if public_key is not None and key_id_for(source_unit, public_key) != key_id:
            public_key = None
    else:
        public_key = public_key_lookup(source_unit, key_id)
    if public_key is None:
        raise RecordRejected(UNKNOWN_KEY, f"{REASON_TEXT[UNKNOWN_KEY]}: {key_id}", field="key_id")
    try:
        signature = base64.b64decode(signed["signature"], validate=True)
        _verify(public_key, signature, payload)
    except (InvalidSignature, ValueError):
        raise RecordRejected(BAD_SIGNATURE, REASON_TEXT[BAD_SIGNATURE], field="signature") from None

    if not kind_allowed(source_unit, signed["type"], record_kinds):
        raise RecordRejected(
            KIND_NOT_ALLOWED,
            f"{REASON_TEXT[KIND_NOT_ALLOWED]}: {source_unit} → {signed['type']}",
            field="type",
        )
    if record is None:
        record = _canonical_part.load(dict(signed))
    record["source_unit"] = source_unit
    return record


# --------------------------------------------------------------------------- key files


def var_dir(explicit: str | os.PathLike | None = None) -> Path:
    return Path(explicit or os.environ.get("COSUPERVISE_VAR") or "./var")


def key_paths(agency: str, base: str | os.PathLike | None = None) -> tuple[Path, Path]:
    if not AGENCY_RE.match(agency or ""):
        raise ValueError(f"invalid agency id: {agency!r}")
    folder = var_dir(base) / "keys"
    return folder / f"{agency}.key", folder / f"{agency}.pub"


def load_or_create_private_key(
    agency: str, base: str | os.PathLike | None = None
) -> Ed25519PrivateKey:
    """The agency's private key, created (mode 0600) with its .pub on first use."""
    private_path, public_path = key_paths(agency, base)
    if not private_path.exists():
        private_path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            # O_EXCL: two processes starting at once must not end with two different keys.
            fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{private_path} is not an Ed25519 private key")
    _LOADED_KEYS[key_id_for(agency, key.public_key())] = key
    public_pem = public_key_pem(key.public_key())
    try:
        if not public_path.exists() or public_path.read_bytes() != public_pem:
            public_path.write_bytes(public_pem)
    except OSError:
        pass  # a read-only key mount (Kubernetes Secret): the .pub is published from config
    return key


# The private keys this process loaded, by key id: whoever signs a manifest later (a publisher
# built without a key) signs with the key the stored records name, wherever it was read from.
_LOADED_KEYS: dict[str, Ed25519PrivateKey] = {}


def loaded_private_key(key_id: str) -> Ed25519PrivateKey | None:
    return _LOADED_KEYS.get(key_id)


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key_pem(pem: bytes | str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


class FilePublicKeys:
    """public_key_lookup reading `<var>/keys/<agency>.pub` (re-read when the file changes)."""

    def __init__(
        self,
        base: str | os.PathLike | None = None,
        extra_pems: Mapping[str, str | bytes] | None = None,
    ):
        self.base = base
        self.extra = {
            agency: load_public_key_pem(pem) for agency, pem in (extra_pems or {}).items()
        }
        self._cache: dict[str, tuple[float, Ed25519PublicKey]] = {}

    def __call__(self, agency: str, key_id: str) -> Ed25519PublicKey | None:
        candidates = []
        if agency in self.extra:
            candidates.append(self.extra[agency])
        try:
            _, public_path = key_paths(agency, self.base)
        except ValueError:
            return None
        try:
            mtime = public_path.stat().st_mtime
        except OSError:
            mtime = None
        if mtime is not None:
            cached = self._cache.get(agency)
            if cached is None or cached[0] != mtime:
                try:
                    cached = (mtime, load_public_key_pem(public_path.read_bytes()))
                except ValueError:
                    cached = None
                if cached:
                    self._cache[agency] = cached
            if cached:
                candidates.append(cached[1])
        for key in candidates:
            if key_id_for(agency, key) == key_id:
                return key
        return None


# --------------------------------------------------------------------------- batch manifests
#
# The second signed form (the SDK's default): records carry ``source_unit`` and ``key_id`` but no
# ``signature``; the message carries one manifest, the SHA-256 of each record's canonical JSON in
# the records' order, signed once. A record's digest covers exactly the bytes a per-record
# signature would (the record without ``signature``), so one Ed25519 operation per message
# replaces one per record, and each record can still be refused (or re-verified) on its own.

MANIFEST_SCHEME = "ed25519-sha256-manifest/1"
MANIFEST_SIGNED_FIELDS = ("digests", "key_id", "scheme")


# what a per-record signature would add: ,"signature":"<88 base64 characters>"
_SIGNATURE_MEMBER = len(',"signature":""') + 88


def _check_unsigned_size(payload: bytes) -> None:
    """The signed form's size limit for a record of the manifest form, so that both forms refuse
    the same records as too large."""
    size = len(payload) + _SIGNATURE_MEMBER
    if size > MAX_RECORD_BYTES:
        raise RecordRejected(
            TOO_LARGE, f"记录 {size} 字节，超过上限 {MAX_RECORD_BYTES} 字节 (record too large)"
        )


def record_digest(record: Mapping) -> str:
    """Hex SHA-256 of what a per-record signature covers: the record without ``signature``."""
    return hashlib.sha256(_signed_payload(record)).hexdigest()


def manifest_payload(manifest: Mapping) -> bytes:
    """The bytes the manifest signature covers. ``scheme`` is inside, so a manifest signature
    can never be taken for a record's (a record has no ``digests``) nor the other way round."""
    return canonical_json({k: manifest[k] for k in MANIFEST_SIGNED_FIELDS})


def unsigned_record(loaded: Mapping, agency: str, key_id: str) -> tuple[dict, bytes]:
    """What an adapter keeps for the manifest form: the validated record with ``source_unit``
    and ``key_id`` (no signature), and its canonical JSON (whose SHA-256 is its manifest entry).
    Checks the size as sign_validated does."""
    if not AGENCY_RE.match(agency or ""):
        raise ValueError(f"invalid agency id: {agency!r}")
    record = {**loaded, "source_unit": agency, "key_id": key_id}
    payload = canonical_json(record)
    # the signed form's size, so both forms refuse the same records as too large
    _check_unsigned_size(payload)
    return record, payload


def _canonical_encoder() -> Callable[[Any], str]:
    """canonical_json as text, with the encoder built once (json.dumps builds one per call)."""
    try:
        from json.encoder import c_encode_basestring, c_make_encoder
    except ImportError:  # pragma: no cover - CPython always has them
        c_make_encoder = None
    options = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}
    encoder = json.JSONEncoder(**options, allow_nan=False)
    if c_make_encoder is None or c_encode_basestring is None:  # pragma: no cover
        return encoder.encode
    markers: dict = {}
    # (markers, default, encoder, indent, key sep, item sep, sort_keys, skipkeys, allow_nan):
    # what json.dumps(obj, **options, allow_nan=False) runs for each call
    make = c_make_encoder(
        markers, encoder.default, c_encode_basestring, None, ":", ",", True, False, False
    )

    def encode(obj) -> str:
        try:
            return "".join(make(obj, 0))
        except BaseException:
            markers.clear()  # an encoding that failed half-way leaves its marks behind
            raise

    return encode


# canonical_json as text for the service's check of every record against its digest
_canonical_text = _canonical_encoder()


def unsigned_encoder(
    agency: str, key_id: str, record_type: str
) -> Callable[[Any, Any, Any, Any], tuple[str, str, str] | None] | None:
    """``unsigned_record(validate_record(record), agency, key_id)`` for an adapter's records of
    one type (whose kind the caller has checked), in one pass and one encoding.

    The returned function takes what a mapped record holds (``record_id``, ``subject``,
    ``occurred_at``, ``data``) and gives ``(record_id, subject, canonical JSON text)`` — the
    very text unsigned_record gives, so the same digest — for the records validate_record's
    fast path accepts and neither size check refuses; None for anything else, and the caller
    then asks validate_record and unsigned_record, which answer with their own error. Subjects
    and times are checked once per distinct value. None when agency or type would not do."""
    if not (
        isinstance(agency, str)
        and AGENCY_RE.match(agency)
        and isinstance(record_type, str)
        and record_type == record_type.strip()
        and TYPE_RE.match(record_type)
    ):
        return None
    encode = _canonical_encoder()
    subjects: dict[str, str] = {}
    times: dict[str, str] = {}
    limit = MAX_RECORD_BYTES - _SIGNATURE_MEMBER

    def fast(record_id, subject, occurred_at, data) -> tuple[str, str, str] | None:
        if record_id.__class__ is not str or data.__class__ is not dict:
            return None
        record_id = record_id.strip()
        if not RECORD_ID_RE.match(record_id):
            return None
        checked = subjects.get(subject) if subject.__class__ is str else None
        if checked is None:
            if not isinstance(subject, str):
                return None
            checked = subject.strip()
            if not SUBJECT_RE.match(checked):
                return None
            if len(subjects) < 4096:
                subjects[subject] = checked
        at = times.get(occurred_at) if occurred_at.__class__ is str else None
        if at is None:
            try:
                at = normalize_occurred_at(occurred_at)
            except ValueError:
                return None
            if occurred_at.__class__ is str and len(times) < 4096:
                times[occurred_at] = at
        for key in data:
            if key.__class__ is not str:
                return None
        try:
            text = encode(
                {
                    "data": data,
                    "key_id": key_id,
                    "occurred_at": at,
                    "record_id": record_id,
                    "source_unit": agency,
                    "subject": checked,
                    "type": record_type,
                }
            )
        except (TypeError, ValueError, RecursionError):
            return None
        if len(text) * 4 > limit and len(text.encode("utf-8")) > limit:
            return None  # too large (or close): the general path says so, with its sizes
        return record_id, checked, text

    return fast


def sign_manifest(
    digests: list[str], private_key: Ed25519PrivateKey, agency: str, key_id: str | None = None
) -> dict:
    """The manifest of one message: ``digests`` (hex, in the records' order) signed once."""
    manifest = {
        "scheme": MANIFEST_SCHEME,
        "key_id": key_id or key_id_for(agency, private_key.public_key()),
        "digests": list(digests),
    }
    signature = _sign(private_key, manifest_payload(manifest))
    manifest["signature"] = base64.b64encode(signature).decode("ascii")
    return manifest


def _lookup_key(public_key_lookup, source_unit: str, key_id: str):
    if isinstance(public_key_lookup, Mapping):
        public_key = public_key_lookup.get(source_unit)
        if public_key is not None and key_id_for(source_unit, public_key) != key_id:
            return None
        return public_key
    return public_key_lookup(source_unit, key_id)


def verify_manifest(manifest: Any, count: int, source_unit: str, public_key_lookup) -> list[str]:
    """Check a message's manifest once: its shape, that it lists ``count`` digests, that the key
    is ``source_unit``'s and that the signature verifies. Returns the digests; raises
    RecordRejected (missing_signature, unknown_key, bad_signature), which then refuses every
    record of the message that relies on the manifest."""
    if not isinstance(manifest, Mapping) or not manifest.get("signature"):
        raise RecordRejected(MISSING_SIGNATURE, REASON_TEXT[MISSING_SIGNATURE], field="manifest")
    key_id, digests = manifest.get("key_id"), manifest.get("digests")
    if not isinstance(key_id, str) or not key_id:
        raise RecordRejected(MISSING_SIGNATURE, REASON_TEXT[MISSING_SIGNATURE], field="manifest")
    if (
        manifest.get("scheme") != MANIFEST_SCHEME
        or not isinstance(digests, list)
        or len(digests) != count
        or not all(isinstance(d, str) and len(d) == 64 for d in digests)
        or not isinstance(manifest["signature"], str)
    ):
        raise RecordRejected(
            BAD_SIGNATURE,
            f"{REASON_TEXT[BAD_SIGNATURE]}：批次清单与记录不符 (manifest does not match the batch)",
            field="manifest",
        )
    public_key = _lookup_key(public_key_lookup, source_unit, key_id)
    if public_key is None:
        raise RecordRejected(UNKNOWN_KEY, f"{REASON_TEXT[UNKNOWN_KEY]}: {key_id}", field="key_id")
    try:
        signature = base64.b64decode(manifest["signature"], validate=True)
        _verify(public_key, signature, manifest_payload(manifest))
    except (InvalidSignature, ValueError):
        raise RecordRejected(BAD_SIGNATURE, REASON_TEXT[BAD_SIGNATURE], field="manifest") from None
    return digests


def verify_manifest_record(
    record: Any,
    digest: str,
    key_id: str,
    record_kinds: Mapping[str, Any] | None = None,
) -> tuple[dict, str]:
    """One record of a message whose manifest verified (verify_manifest): its digest must be the
    manifest's entry ``digest`` and its ``key_id`` the manifest's. Same checks and answers as
    verify_record otherwise. Returns (canonical record + source_unit, its canonical JSON text:
    the service keeps nothing else to re-encode)."""
    if not isinstance(record, Mapping):
        raise RecordRejected(SCHEMA_INVALID, "记录应为 JSON 对象 (record must be an object)")
    try:
        text = _canonical_text(record)
        payload = text.encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise RecordRejected(
            SCHEMA_INVALID, f"data 含无法序列化的值: {exc}", field="data"
        ) from None
    _check_unsigned_size(payload)
    if record.get("key_id") != key_id or hashlib.sha256(payload).hexdigest() != digest:
        raise RecordRejected(BAD_SIGNATURE, REASON_TEXT[BAD_SIGNATURE], field="signature")
    loaded = _fast_load(record, _MANIFEST_KEYS)
    if loaded is None:
        try:
            loaded = _manifest_schema.load(dict(record))
        except ValidationError as exc:
            field, msg = _first_error(exc.messages)
            raise RecordRejected(SCHEMA_INVALID, msg, field=field, errors=exc.messages) from None
        loaded = _canonical_part.load(dict(record))
    source_unit = record["source_unit"]
    if not kind_allowed(source_unit, record["type"], record_kinds):
        raise RecordRejected(
            KIND_NOT_ALLOWED,
            f"{REASON_TEXT[KIND_NOT_ALLOWED]}: {source_unit} → {record['type']}",
            field="type",
        )
    loaded["source_unit"] = source_unit
    return loaded, text


def reverify_stored(row: Mapping, manifest: Mapping | None, public_key_lookup) -> bool:
    """Verify a stored record again, from its row (``source_unit``, ``record_id``, ``type``,
    ``subject``, ``occurred_at`` as sent, ``data``, ``key_id``, ``signature``, and for the
    manifest form ``manifest_position``) and, for the manifest form, its stored manifest
    (``key_id``, ``digests``, ``signature``, ``scheme``). True only if the agency's key vouches
    for exactly these values."""
    signed = {name: row[name] for name in CANONICAL_FIELDS}
    signed["source_unit"], signed["key_id"] = row["source_unit"], row["key_id"]
    public_key = _lookup_key(public_key_lookup, row["source_unit"], row["key_id"])
    if public_key is None:
        return False
    try:
        if manifest is None:
            _verify(
                public_key,
                base64.b64decode(row["signature"], validate=True),
                _signed_payload(signed),
            )
            return True
        position = row["manifest_position"]
        if manifest.get("key_id") != row["key_id"] or not (
            isinstance(position, int) and 0 <= position < len(manifest["digests"])
        ):
            return False
        if manifest["digests"][position] != record_digest(signed):
            return False
        _verify(
            public_key,
            base64.b64decode(manifest["signature"], validate=True),
            manifest_payload({**manifest, "scheme": manifest.get("scheme") or MANIFEST_SCHEME}),
        )
        return True
    except (InvalidSignature, ValueError, TypeError, KeyError):
        return False
