"""The Kubernetes manifests, as an operator gets them: `kubectl kustomize k8s/overlays/<env>`.

Built-in kinds are validated by kubernetes-validate --strict against the bundled Kubernetes
schemas. It has no schemas for the operators' kinds (it warns "Couldn't find schema" for them):
those are exactly CRD_KINDS below, checked instead by `crd_checks.py` (required fields and no
unknown fields at the levels we write, after the operators' published API references). Any other
kind without a schema fails the test.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from crd_checks import CRD_KINDS, check_crd
from deploy_helpers import (
    AGENCIES,
    GATEWAY_PORT,
    K8S,
    ROOT,
    SERVICES,
    by_name,
    of_kind,
    pod_spec,
    rendered_text,
    run,
    tool,
)

pytestmark = pytest.mark.deploy

APPS = {**SERVICES, "gateway": GATEWAY_PORT}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def workloads(docs):
    return [d for d in docs if d["kind"] in WORKLOAD_KINDS]


def containers(workload):
    return pod_spec(workload)["containers"]


def test_kubernetes_validate_strict(overlay, tmp_path):
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(rendered_text(overlay))
    result = run([tool("kubernetes-validate"), "--strict", "--quiet", str(manifest)],
                 check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "ERROR" not in out
    unvalidated = set(re.findall(r"Couldn't find schema for kind (\w+) with api version (\S+)",
                                 out))
    assert unvalidated, "expected the operators' kinds to be skipped by kubernetes-validate"
    assert unvalidated <= CRD_KINDS, f"kinds validated by nothing: {unvalidated - CRD_KINDS}"


def test_custom_resources_match_their_operators_api(rendered):
    seen = set()
    for doc in rendered:
        key = (doc["kind"], doc["apiVersion"])
        if key in CRD_KINDS:
            seen.add(key)
            problems = check_crd(doc)
            assert not problems, f"{doc['kind']}/{doc['metadata']['name']}: {problems}"
    assert {("RabbitmqCluster", "rabbitmq.com/v1beta1"), ("Cluster", "postgresql.cnpg.io/v1"),
            ("ServiceMonitor", "monitoring.coreos.com/v1")} <= seen


def test_every_process_has_deployment_service_account_service_hpa_pdb(rendered):
    deployments = by_name(rendered, "Deployment")
    services = by_name(rendered, "Service")
    accounts = by_name(rendered, "ServiceAccount")
    hpas = by_name(rendered, "HorizontalPodAutoscaler")
    pdbs = by_name(rendered, "PodDisruptionBudget")
    for name, port in APPS.items():
        deployment = deployments[name]
        spec = pod_spec(deployment)
        assert spec["serviceAccountName"] == name and name in accounts
        assert containers(deployment)[0]["args"] == ["serve", name]
        service = services[name]
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert [p["port"] for p in service["spec"]["ports"]] == [port]
        hpa = hpas[name]["spec"]
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                         "name": name}
        assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns the replica count"
        pdb = pdbs[name]["spec"]
        assert pdb["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_production_keeps_two_pods_of_everything_through_a_drain():
    docs = [d for d in yaml.safe_load_all(rendered_text("production")) if d]
    for name in APPS:
        assert by_name(docs, "HorizontalPodAutoscaler")[name]["spec"]["minReplicas"] >= 2
        assert by_name(docs, "PodDisruptionBudget")[name]["spec"].get("minAvailable") == 1
    assert by_name(docs, "RabbitmqCluster")["rabbitmq"]["spec"]["replicas"] == 3
    assert by_name(docs, "Cluster")["cosupervise-db"]["spec"]["instances"] == 3


def test_every_container_is_probed_limited_and_locked_down(rendered):
    for workload in workloads(rendered):
        name = f"{workload['kind']}/{workload['metadata']['name']}"
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec.get("automountServiceAccountToken") is False, name
        for container in containers(workload) + spec.get("initContainers", []):
            where = f"{name}/{container['name']}"
            resources = container["resources"]
            for key in ("cpu", "memory"):
                assert resources["requests"][key] and resources["limits"][key], where
            sc = container["securityContext"]
            assert sc["runAsNonRoot"] is True, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            assert not sc["capabilities"].get("add"), where
            # A Job's container runs to completion; probes are for long-running processes.
            if workload["kind"] == "Deployment":
                assert container.get("livenessProbe"), f"{where}: no liveness probe"
                assert container.get("readinessProbe"), f"{where}: no readiness probe"


def test_probes_use_each_process_health_endpoints(rendered):
    deployments = by_name(rendered, "Deployment")
    for name, port in APPS.items():
        container = containers(deployments[name])[0]
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        env = {e["name"]: e.get("value") for e in container["env"]}
        key = "COSUPERVISE_HTTP" if name == "gateway" else f"COSUPERVISE_{name.upper()}_HTTP"
        assert env[key] == f"0.0.0.0:{port}", f"{name} must listen where it is probed"


def test_graceful_shutdown_fits_the_grace_period(rendered):
    for deployment in of_kind(rendered, "Deployment"):
        grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        assert 20 <= grace <= 60, deployment["metadata"]["name"]
        for container in containers(deployment):
            pre_stop = container.get("lifecycle", {}).get("preStop", {})
            sleep = pre_stop.get("exec", {}).get("command", [None, "0"])
            assert int(sleep[-1]) < grace / 2, "preStop must leave time to finish work"
    gateway = containers(by_name(rendered, "Deployment")["gateway"])[0]
    assert gateway["lifecycle"]["preStop"], "the gateway waits for endpoints to drain"


def test_writable_paths_are_volumes(rendered):
    for workload in workloads(rendered):
        spec = pod_spec(workload)
        volumes = {v["name"] for v in spec.get("volumes", [])}
        for container in containers(workload):
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/var/lib/cosupervise" in mounts and "/tmp" in mounts, workload["metadata"]
            assert set(mounts.values()) <= volumes


def test_migrations_run_as_a_job(rendered):
    job = by_name(rendered, "Job")["migrate"]
    container = containers(job)[0]
    assert container["args"] == ["migrate"]
    assert pod_spec(job)["restartPolicy"] in {"OnFailure", "Never"}
    env = {e["name"] for e in container["env"]}
    assert {"DATABASE_URL", "AMQP_URI"} <= env


def test_no_secret_values_in_the_repository(rendered):
    assert not of_kind(rendered, "Secret"), "Secrets are made by the operator, not committed"
    for path in list(K8S.rglob("*.yaml")) + list((ROOT / "deploy").rglob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Secret":
                pytest.fail(f"{path} commits a Secret")
    for workload in workloads(rendered):
        for container in containers(workload):
            for env in container.get("env", []):
                if re.search(r"PASS|SECRET|TOKEN|KEY", env["name"]):
                    assert "valueFrom" in env, f"{env['name']} must come from a Secret"
                if "value" in env:
                    assert not re.search(r"://[^$@/]+:[^$@/]+@", env["value"]), env


def test_every_referenced_secret_is_explained_in_the_guide(rendered):
    guide = (ROOT / "docs/OPERATIONS.md").read_text(encoding="utf-8")
    names = set()
    for workload in workloads(rendered):
        spec = pod_spec(workload)
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                names.add(volume["secret"]["secretName"])
        for container in containers(workload):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    names.add(ref["name"])
    for user in of_kind(rendered, "User"):
        names.add(user["spec"]["importCredentialsSecret"]["name"])
    generated = {"cosupervise-db-app"}  # written by CloudNativePG itself
    assert names - generated
    for name in names - generated:
        stem = re.sub(r"-(cdi|plc|inspection|audit|finance|statistics)$", "-<agency>", name)
        assert name in guide or stem in guide, f"docs/OPERATIONS.md never says how to make {name}"


def test_only_the_gateway_takes_outside_traffic(rendered):
    policies = of_kind(rendered, "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {}
            and p["spec"]["policyTypes"] == ["Ingress"] and not p["spec"].get("ingress")]
    assert deny, "a default-deny ingress policy must cover every pod"
    gateway_labels = by_name(rendered, "Deployment")["gateway"]["spec"]["template"]["metadata"][
        "labels"]
    open_to_gateway = False
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            sources = rule.get("from")
            from_anywhere = not sources or any(
                s.get("ipBlock", {}).get("cidr") in {"0.0.0.0/0", "::/0"}
                or (s.get("namespaceSelector") == {} and not s.get("podSelector"))
                for s in sources)
            if not from_anywhere:
                continue
            selector = policy["spec"]["podSelector"]
            assert selector.get("matchLabels") == {"app.kubernetes.io/name": "gateway"}, \
                f"{policy['metadata']['name']} opens non-gateway pods to everyone"
            assert set(selector["matchLabels"].items()) <= set(gateway_labels.items())
            assert [p["port"] for p in rule["ports"]] == [GATEWAY_PORT]
            open_to_gateway = True
    assert open_to_gateway, "the gateway must be reachable"


def test_services_accept_metrics_scrapes_only_from_monitoring(rendered):
    policy = by_name(rendered, "NetworkPolicy")["metrics-from-monitoring"]
    (rule,) = policy["spec"]["ingress"]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "monitoring"}}}]


def test_service_monitor_scrapes_every_process(rendered):
    monitor = by_name(rendered, "ServiceMonitor")["cosupervise"]
    (expr,) = monitor["spec"]["selector"]["matchExpressions"]
    selected = [s for s in of_kind(rendered, "Service")
                if s["metadata"]["labels"].get(expr["key"]) in expr["values"]]
    assert sorted(s["metadata"]["name"] for s in selected) == sorted(APPS)
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert all(endpoint["port"] in {p["name"] for p in s["spec"]["ports"]} for s in selected)


def test_grafana_dashboard_config_map(rendered):
    cm = by_name(rendered, "ConfigMap")["cosupervise-grafana-dashboard"]
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(cm["data"]["cosupervise.json"])["uid"] == "cosupervise-overview"


def test_rabbitmq_runs_quorum_queues_like_compose(rendered):
    cluster = by_name(rendered, "RabbitmqCluster")["rabbitmq"]
    k8s_lines = [line.strip() for line in
                 cluster["spec"]["rabbitmq"]["additionalConfig"].splitlines() if line.strip()]
    compose_lines = [line.strip() for line in
                     (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text().splitlines()
                     if line.strip() and not line.startswith("#")]
    assert "default_queue_type = quorum" in k8s_lines
    assert k8s_lines == compose_lines


def test_postgres_secret_is_the_one_the_pods_read(rendered):
    cluster = by_name(rendered, "Cluster")["cosupervise-db"]
    # CloudNativePG names the application secret <cluster>-app.
    secret = f"{cluster['metadata']['name']}-app"
    for workload in workloads(rendered):
        for container in containers(workload):
            for env in container.get("env", []):
                if env["name"] == "DATABASE_URL":
                    assert env["valueFrom"]["secretKeyRef"] == {"name": secret, "key": "uri"}


def test_production_backs_up_postgres():
    docs = [d for d in yaml.safe_load_all(rendered_text("production")) if d]
    cluster = by_name(docs, "Cluster")["cosupervise-db"]
    (plugin,) = cluster["spec"]["plugins"]
    store = by_name(docs, "ObjectStore")[plugin["parameters"]["barmanObjectName"]]
    assert store["spec"]["retentionPolicy"]
    backup = next(iter(by_name(docs, "ScheduledBackup").values()))
    assert backup["spec"]["cluster"]["name"] == "cosupervise-db"
    assert backup["spec"]["pluginConfiguration"]["name"] == plugin["name"]


def test_adapters_publish_as_their_own_user_with_their_own_key(rendered):
    deployments = by_name(rendered, "Deployment")
    users = by_name(rendered, "User")
    for agency in AGENCIES:
        deployment = deployments[f"adapter-{agency}"]
        container = containers(deployment)[0]
        assert container["args"][:3] == ["adapter", agency, "watch"]
        refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]
                if "valueFrom" in e}
        user_secret = users[f"agency-{agency}"]["spec"]["importCredentialsSecret"]["name"]
        assert refs == {user_secret}, f"{agency} must connect as its own broker user"
        keys = [v for v in pod_spec(deployment)["volumes"] if v["name"] == "signing-key"]
        assert keys[0]["secret"]["secretName"] == f"cosupervise-signing-{agency}"
        assert deployment["spec"]["strategy"]["type"] == "Recreate"
