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
from crd_checks import CRD_KINDS, OPERATOR_MODEL_KINDS, SCHEMAS, check_crd, operator_model_problems
from deploy_helpers import (
    AGENCIES,
    GATEWAY_PORT,
    HTTP_ENV,
    K8S,
    OVERLAYS,
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
    result = run([tool("kubernetes-validate"), "--strict", "--quiet", str(manifest)], check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "ERROR" not in out
    unvalidated = set(
        re.findall(r"Couldn't find schema for kind (\w+) with api version (\S+)", out)
    )
    assert unvalidated, "expected the operators' kinds to be skipped by kubernetes-validate"
    assert unvalidated <= CRD_KINDS, f"kinds validated by nothing: {unvalidated - CRD_KINDS}"


def test_custom_resources_match_their_operators_api(rendered):
    seen = set()
    for doc in rendered:
        key = (doc["kind"], doc["apiVersion"])
        if key in SCHEMAS:
            seen.add(key)
            problems = check_crd(doc)
            assert not problems, f"{doc['kind']}/{doc['metadata']['name']}: {problems}"
    assert {
        ("RabbitmqCluster", "rabbitmq.com/v1beta1"),
        ("Cluster", "postgresql.cnpg.io/v1"),
        ("User", "rabbitmq.com/v1beta1"),
        ("TopicPermission", "rabbitmq.com/v1beta1"),
    } <= seen


@pytest.fixture(scope="module")
def model_reports(tmp_path_factory) -> dict[str, dict[str, list[str]]]:
    """Both overlays and two broken ServiceMonitors, checked in one run of the operator models."""
    folder = tmp_path_factory.mktemp("operator-models")
    files = {}
    for name in OVERLAYS:
        files[name] = folder / f"{name}.yaml"
        files[name].write_text(rendered_text(name))
    (monitor,) = [
        d
        for d in yaml.safe_load_all(rendered_text("production"))
        if d and d["kind"] == "ServiceMonitor" and d["metadata"]["name"] == "cosupervise"
    ]
    monitor["spec"]["endpoints"][0]["honourLabels"] = True  # misspelt
    files["unknown-field"] = folder / "unknown-field.yaml"
    files["unknown-field"].write_text(yaml.safe_dump(monitor))
    monitor["spec"]["endpoints"][0]["interval"] = 15  # a duration is a string
    files["wrong-type"] = folder / "wrong-type.yaml"
    files["wrong-type"].write_text(yaml.safe_dump(monitor))
    reports = operator_model_problems(*files.values())
    return {name: reports[str(path)] for name, path in files.items()}


def test_prometheus_operator_resources_match_the_operators_own_schema(overlay, model_reports):
    report = model_reports[overlay]
    assert {
        "ServiceMonitor/cosupervise",
        "ServiceMonitor/rabbitmq",
        "PrometheusRule/cosupervise",
    } <= set(report)
    assert set(report) == {
        f"{kind}/{d['metadata']['name']}"
        for d in yaml.safe_load_all(rendered_text(overlay))
        if d
        for kind, _ in OPERATOR_MODEL_KINDS
        if d["kind"] == kind
    }
    bad = {name: problems for name, problems in report.items() if problems}
    assert not bad, bad


def test_prometheus_operator_check_catches_a_misspelt_field(model_reports):
    """The model check is not a rubber stamp: an unknown key and a wrong type both fail."""
    (problems,) = model_reports["unknown-field"].values()
    assert problems == ["spec.endpoints[0].honourLabels: unknown field"]
    (problems,) = model_reports["wrong-type"].values()
    assert any(p.startswith("spec.endpoints.0.interval:") for p in problems), problems


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
        assert hpa["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
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
    """Each process is probed on the port config/cosupervise.yaml gives it, where it listens."""
    deployments = by_name(rendered, "Deployment")
    for name, port in APPS.items():
        container = containers(deployments[name])[0]
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        # A service is ready when its own database and the broker answer (/readyz). The
        # gateway's /readyz asks every service, so as a readiness probe it would pull all gateway
        # pods at once when one service is down: the gateway is ready when it is alive.
        ready = "/healthz" if name == "gateway" else "/readyz"
        assert container["readinessProbe"]["httpGet"] == {"path": ready, "port": "http"}, name
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env[HTTP_ENV[name]] == f"0.0.0.0:{port}", f"{name} must listen where it is probed"
        service = by_name(rendered, "Service")[name]
        assert service["spec"]["ports"][0]["targetPort"] == "http"


def stop_timeout(rendered) -> float:
    """COSUPERVISE_STOP_TIMEOUT as the pods get it (ConfigMap), else serve.py's own default."""
    source = (ROOT / "cosupervise/serve.py").read_text()
    m = re.search(r'environ\.get\("COSUPERVISE_STOP_TIMEOUT",\s*"(\d+(?:\.\d+)?)"\)', source)
    assert m, "cosupervise/serve.py no longer bounds its stop by COSUPERVISE_STOP_TIMEOUT"
    for cm in of_kind(rendered, "ConfigMap"):
        if cm["metadata"]["name"].startswith("cosupervise-config"):
            return float(cm["data"].get("COSUPERVISE_STOP_TIMEOUT", m.group(1)))
    return float(m.group(1))


def test_graceful_shutdown_fits_the_grace_period(rendered):
    """preStop pause + the process's own bounded stop + a margin < the kubelet's SIGKILL."""
    timeout = stop_timeout(rendered)
    for deployment in of_kind(rendered, "Deployment"):
        name = deployment["metadata"]["name"]
        grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        for container in containers(deployment):
            pre_stop = container.get("lifecycle", {}).get("preStop", {})
            command = pre_stop.get("exec", {}).get("command", ["sleep", "0"])
            assert command[0].endswith("sleep"), f"{name}: preStop is a plain pause"
            if name.startswith("adapter-"):
                continue  # the watcher is not `serve`; its outbox survives any stop
            assert int(command[-1]) + timeout + 3 <= grace, (
                f"{name}: {command[-1]} s + {timeout} s do not fit in {grace} s"
            )
    gateway = containers(by_name(rendered, "Deployment")["gateway"])[0]
    assert gateway["lifecycle"]["preStop"], "the gateway waits for endpoints to drain"


def test_upgrade_runs_the_migrations_before_the_new_pods(rendered):
    """`kubectl apply -k ... -l cosupervise/pre-start=true` applies the Job and all it needs."""
    pre = [
        d
        for d in rendered
        if d["metadata"].get("labels", {}).get("cosupervise/pre-start") == "true"
    ]
    assert sorted(d["kind"] for d in pre) == ["ConfigMap", "Job", "ServiceAccount"]
    job = next(d for d in pre if d["kind"] == "Job")
    config = next(d for d in pre if d["kind"] == "ConfigMap")
    spec = pod_spec(job)
    assert spec["serviceAccountName"] in {d["metadata"]["name"] for d in pre}
    refs = [e["configMapRef"]["name"] for c in spec["containers"] for e in c.get("envFrom", [])]
    assert refs == [config["metadata"]["name"]], "the Job must read the ConfigMap applied with it"
    guide = (ROOT / "docs/OPERATIONS.md").read_text(encoding="utf-8")
    assert "-l cosupervise/pre-start=true" in guide


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
    deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and p["spec"]["policyTypes"] == ["Ingress"]
        and not p["spec"].get("ingress")
    ]
    assert deny, "a default-deny ingress policy must cover every pod"
    gateway_labels = by_name(rendered, "Deployment")["gateway"]["spec"]["template"]["metadata"][
        "labels"
    ]
    open_to_gateway = False
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            sources = rule.get("from")
            from_anywhere = not sources or any(
                s.get("ipBlock", {}).get("cidr") in {"0.0.0.0/0", "::/0"}
                or (s.get("namespaceSelector") == {} and not s.get("podSelector"))
                for s in sources
            )
            if not from_anywhere:
                continue
            selector = policy["spec"]["podSelector"]
            assert selector.get("matchLabels") == {"app.kubernetes.io/name": "gateway"}, (
                f"{policy['metadata']['name']} opens non-gateway pods to everyone"
            )
            assert set(selector["matchLabels"].items()) <= set(gateway_labels.items())
            assert [p["port"] for p in rule["ports"]] == [GATEWAY_PORT]
            open_to_gateway = True
    assert open_to_gateway, "the gateway must be reachable"


def test_services_accept_metrics_scrapes_only_from_monitoring(rendered):
    policy = by_name(rendered, "NetworkPolicy")["metrics-from-monitoring"]
    (rule,) = policy["spec"]["ingress"]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]


def test_service_monitor_scrapes_every_process(rendered):
    monitor = by_name(rendered, "ServiceMonitor")["cosupervise"]
    (expr,) = monitor["spec"]["selector"]["matchExpressions"]
    selected = [
        s
        for s in of_kind(rendered, "Service")
        if s["metadata"]["labels"].get(expr["key"]) in expr["values"]
    ]
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
    k8s_lines = [
        line.strip()
        for line in cluster["spec"]["rabbitmq"]["additionalConfig"].splitlines()
        if line.strip()
    ]
    compose_lines = [
        line.strip()
        for line in (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
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
        refs = {
            e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e
        }
        user_secret = users[f"agency-{agency}"]["spec"]["importCredentialsSecret"]["name"]
        assert refs == {user_secret}, f"{agency} must connect as its own broker user"
        keys = [v for v in pod_spec(deployment)["volumes"] if v["name"] == "signing-key"]
        assert keys[0]["secret"]["secretName"] == f"cosupervise-signing-{agency}"
        assert deployment["spec"]["strategy"]["type"] == "Recreate"


def deployment_files():
    listed = run(
        [
            "git",
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            "Dockerfile",
            "docker-compose.yml",
            "deploy",
            "k8s",
            "docs/OPERATIONS.md",
        ]
    ).stdout
    return [ROOT / line for line in listed.splitlines() if line]


def test_no_key_material_or_inline_credentials_in_deployment_files():
    files = deployment_files()
    assert any(p.name == "kustomization.yaml" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "PRIVATE KEY-----" not in text, f"{path} holds key material"
        # user:password@ in a URI only with placeholders: $(VAR) (Kubernetes), ${VAR} (compose,
        # shell), <...> (the guide's examples).
        placeholder = r"\$\{[^}]*\}|\$\(\w+\)|<[^>]+>"
        for m in re.finditer(
            rf"\b(?:amqps?|postgres(?:ql)?(?:\+\w+)?)://"
            rf"({placeholder}|[^:/@\s]+):({placeholder}|[^/@\s]+)@",
            text,
        ):
            assert re.fullmatch(placeholder, m.group(2)), f"{path}: inline credentials {m.group(0)}"
        if path.suffix not in {".yml", ".yaml", ".conf", ".env"} and path.name != "Dockerfile":
            continue  # settings files only: code and prose name variables, not values
        for m in re.finditer(
            r"(?im)^[ \t-]*[\w.-]*(password|passwd|_pass|secret|token)[ \t]*[:=][ \t]*(\S+)", text
        ):
            value = m.group(2).strip("\"'")
            assert (
                value.startswith(("${", "$(", "<", "{", "valueFrom"))
                or value in {"|", ""}
                or not re.search(r"[A-Za-z0-9]{8,}", value)
                or "secretKeyRef" in value
            ), f"{path}: literal secret {m.group(0).strip()}"
