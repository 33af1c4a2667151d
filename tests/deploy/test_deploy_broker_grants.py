"""An agency's broker user may publish its own records and nothing else, in compose and in k8s."""

from __future__ import annotations

import importlib.util
import re

import pytest
import yaml
from deploy_helpers import AGENCIES, K8S, ROOT

pytestmark = pytest.mark.deploy


def load_broker_users():
    path = ROOT / "deploy/compose/broker_users.py"
    spec = importlib.util.spec_from_file_location("broker_users", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


broker_users = load_broker_users()


@pytest.mark.parametrize("agency", AGENCIES)
def test_topic_permission_admits_only_the_agencys_own_routing_keys(agency):
    grants = broker_users.agency_grants(agency)
    write = re.compile(grants["topic_permissions"]["write"])
    assert write.search(f"{agency}.anything")
    for other in AGENCIES:
        if other != agency:
            assert not write.search(f"{other}.finding"), f"{agency} could pose as {other}"
    assert not write.search(f"{agency}x.finding")
    assert grants["topic_permissions"]["exchange"] == "cosupervise.records"


def test_agency_users_cannot_configure_or_read_and_write_only_the_records_exchange():
    perms = broker_users.agency_grants("cdi")["permissions"]
    assert re.fullmatch(perms["write"], "cosupervise.records")
    for resource in (
        "cosupervise.recordsX",
        "planning.events",
        "sharing.records",
        "amq.default",
        "cosupervise.dead-letter",
    ):
        assert not re.search(perms["write"], resource), resource
    for resource in ("cosupervise.records", "sharing.records", "anything"):
        assert not re.search(perms["configure"], resource)
        assert not re.search(perms["read"], resource)


def test_kubernetes_grants_are_the_compose_grants():
    docs = [d for d in yaml.safe_load_all((K8S / "base/rabbitmq/agencies.yaml").read_text()) if d]
    for agency in AGENCIES:
        grants = broker_users.agency_grants(agency)
        (perm,) = [
            d
            for d in docs
            if d["kind"] == "Permission"
            and d["spec"]["userReference"]["name"] == f"agency-{agency}"
        ]
        (topic,) = [
            d
            for d in docs
            if d["kind"] == "TopicPermission"
            and d["spec"]["userReference"]["name"] == f"agency-{agency}"
        ]
        assert perm["spec"]["permissions"] == grants["permissions"], agency
        assert topic["spec"]["permissions"] == grants["topic_permissions"], agency
        (user,) = [
            d for d in docs if d["kind"] == "User" and d["metadata"]["name"] == f"agency-{agency}"
        ]
        assert user["spec"]["importCredentialsSecret"]["name"] == f"cosupervise-amqp-{agency}"


def test_services_cannot_publish_agency_records():
    docs = [
        d for d in yaml.safe_load_all((K8S / "base/rabbitmq/services-user.yaml").read_text()) if d
    ]
    (topic,) = [d for d in docs if d["kind"] == "TopicPermission"]
    write = re.compile(topic["spec"]["permissions"]["write"])
    assert not any(write.search(f"{a}.x") for a in AGENCIES)


def test_amqp_uri_quotes_generated_passwords():
    uri = broker_users.amqp_uri("cdi", "a/b:c@d", "rabbitmq")
    assert uri == "amqp://cdi:a%2Fb%3Ac%40d@rabbitmq:5672/%2F"


def test_passwords_are_generated_once_and_kept(tmp_path):
    first = broker_users.load_or_create_password(tmp_path, "cdi")
    assert len(first) >= 24
    assert broker_users.load_or_create_password(tmp_path, "cdi") == first
    assert broker_users.load_or_create_password(tmp_path, "plc") != first
    assert (tmp_path / "cdi.password").stat().st_mode & 0o077 == 0


def test_invalid_agency_ids_are_refused():
    with pytest.raises(ValueError):
        broker_users.agency_grants("cdi.*")


def test_no_trusted_record_sender_in_either_deployment():
    """config's records_trusted_users defaults to `guest` for a development broker; deployed,
    only an agency's own user may publish its records."""
    from deploy_helpers import compose_config, rendered_text

    config = yaml.safe_load((ROOT / "config/cosupervise.yaml").read_text(encoding="utf-8"))
    assert "COSUPERVISE_RECORDS_TRUSTED_USERS" in config["records_trusted_users"]
    for overlay in ("development", "production"):
        (cm,) = [
            d
            for d in yaml.safe_load_all(rendered_text(overlay))
            if d
            and d["kind"] == "ConfigMap"
            and d["metadata"]["name"].startswith("cosupervise-config")
        ]
        assert cm["data"]["COSUPERVISE_RECORDS_TRUSTED_USERS"] == "", overlay
    compose = compose_config()
    assert compose["services"]["sharing"]["environment"]["COSUPERVISE_RECORDS_TRUSTED_USERS"] == ""
