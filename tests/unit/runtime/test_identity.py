"""Tokens: only a well-signed, unexpired token for this audience, with an allowed algorithm."""

import base64
import json
import time

import jwt
import pytest

from contracts.errors import Unauthenticated
from runtime import identity
from runtime.config import load_config

SECRET = "unit-test-secret-" + "k" * 32


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("COSUPERVISE_JWT_SECRET", SECRET)
    monkeypatch.setenv("COSUPERVISE_VAR", str(tmp_path))
    return load_config()


def claims(**over):
    now = int(time.time())
    base = {
        "sub": "cdi-liaison",
        "unit": "cdi",
        "role": "liaison",
        "iss": "cosupervise",
        "aud": "cosupervise-api",
        "iat": now,
        "exp": now + 600,
    }
    base.update(over)
    return base


def test_a_token_it_issued_decodes_to_the_identity(config):
    token, ttl = identity.issue_token("cdi-liaison", "cdi", "liaison", config=config)
    who = identity.decode_token(token, config)
    assert (who.username, who.unit, who.role) == ("cdi-liaison", "cdi", "liaison")
    assert ttl == config["auth"]["token_ttl_seconds"]


@pytest.mark.parametrize(
    "bad",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "another-api"},
        {"iss": "someone-else"},
    ],
)
def test_expired_or_foreign_tokens_are_refused(config, bad):
    token = jwt.encode(claims(**bad), SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated) as e:
        identity.decode_token(token, config)
    assert e.value.code in ("token_expired", "invalid_token")


def test_a_token_signed_with_another_key_is_refused(config):
    token = jwt.encode(claims(role="office_admin"), "guessed-" + "x" * 40, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        identity.decode_token(token, config)


def test_alg_none_is_refused_even_if_configured(config):
    config["auth"]["algorithms"] = "HS256,none"
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(
        b"="
    )
    body = base64.urlsafe_b64encode(json.dumps(claims(role="office_admin")).encode()).rstrip(b"=")
    with pytest.raises(Unauthenticated):
        identity.decode_token(f"{header.decode()}.{body.decode()}.", config)


def test_an_algorithm_outside_the_allowlist_is_refused(config):
    token = jwt.encode(claims(), SECRET, algorithm="HS512")
    with pytest.raises(Unauthenticated) as e:
        identity.decode_token(token, config)
    assert "算法" in e.value.message


def test_missing_claims_are_refused(config):
    c = claims()
    del c["exp"]
    with pytest.raises(Unauthenticated):
        identity.decode_token(jwt.encode(c, SECRET, algorithm="HS256"), config)
    with pytest.raises(Unauthenticated):
        identity.decode_token(jwt.encode(claims(role=None), SECRET, algorithm="HS256"), config)


def test_rs256_with_a_configured_public_key(config, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = tmp_path / "oidc.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    config["auth"].update(algorithms="RS256", public_key_file=str(public))
    token = jwt.encode(claims(sub="oidc-user"), key, algorithm="RS256")
    assert identity.decode_token(token, config).username == "oidc-user"
    # the classic confusion: an HS256 token keyed with the public key text
    forged = jwt.encode(claims(role="office_admin"), "x" * 40, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        identity.decode_token(forged, config)


def test_production_refuses_to_run_without_a_configured_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("COSUPERVISE_JWT_SECRET", raising=False)
    monkeypatch.setenv("COSUPERVISE_ENV", "production")
    monkeypatch.setenv("COSUPERVISE_VAR", str(tmp_path))
    with pytest.raises(RuntimeError):
        identity.issue_token("office", "npc", "office_admin", config=load_config())
