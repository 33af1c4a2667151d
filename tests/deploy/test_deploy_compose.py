"""docker-compose.yml and the Dockerfile, checked by the real tools (no Docker engine needed)."""

from __future__ import annotations

import re

import dockerfile
import pytest
from deploy_helpers import (
    AGENCIES,
    GATEWAY_PORT,
    HTTP_ENV,
    ROOT,
    SERVICES,
    compose_config,
    run,
    tool,
)

pytestmark = pytest.mark.deploy

APP_IMAGE = "cosupervise:local"


@pytest.fixture(scope="module")
def compose() -> dict:
    """`docker-compose config` — the file as Compose itself reads it, anchors and merges done."""
    return compose_config()


def app_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if svc.get("image") == APP_IMAGE}


def test_compose_config_is_valid(compose):
    assert set(compose["services"]) >= {
        "postgres",
        "rabbitmq",
        "migrate",
        "gateway",
        "prometheus",
        *SERVICES,
    }


def test_every_process_runs_from_the_one_image_built_here(compose):
    apps = app_services(compose)
    assert set(apps) >= {
        "migrate",
        "gateway",
        "demo",
        *SERVICES,
        *(f"adapter-{a}" for a in AGENCIES),
    }
    for name, svc in apps.items():
        assert svc["build"]["dockerfile"] == "Dockerfile", name


def test_app_containers_are_locked_down(compose):
    for name, svc in app_services(compose).items():
        assert svc.get("read_only") is True, f"{name}: root filesystem must be read-only"
        assert svc.get("cap_drop") == ["ALL"], f"{name}: capabilities must be dropped"
        assert "no-new-privileges:true" in svc.get("security_opt", []), name


def test_long_running_services_have_healthchecks_on_their_own_port(compose):
    ports = dict(SERVICES, gateway=GATEWAY_PORT)
    for name, port in ports.items():
        test = " ".join(compose["services"][name]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/readyz" in test, f"{name} must probe its own /readyz"
        env = compose["services"][name]["environment"]
        assert env[HTTP_ENV[name]] == f"0.0.0.0:{port}", f"{name} must listen on all interfaces"
    for name in ("postgres", "rabbitmq", "prometheus"):
        assert compose["services"][name].get("healthcheck", {}).get("test"), name


def test_startup_order_waits_for_health_and_migrations(compose):
    services = compose["services"]
    migrate = services["migrate"]["depends_on"]
    assert migrate["postgres"]["condition"] == "service_healthy"
    assert migrate["rabbitmq"]["condition"] == "service_healthy"
    for name in SERVICES:
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully", name
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert deps["rabbitmq"]["condition"] == "service_healthy", name
    gateway = services["gateway"]["depends_on"]
    for name in SERVICES:
        assert gateway[name]["condition"] == "service_healthy", f"gateway must wait for {name}"
    assert services["demo"]["depends_on"]["gateway"]["condition"] == "service_healthy"


def test_gateway_is_published_on_8000(compose):
    published = [
        (p["target"], str(p.get("published"))) for p in compose["services"]["gateway"]["ports"]
    ]
    assert (8000, "8000") in published


def test_each_agency_adapter_watches_its_samples_as_its_own_broker_user(compose):
    for agency in AGENCIES:
        svc = compose["services"][f"adapter-{agency}"]
        assert svc["command"] == [agency]
        mounts = {v["target"]: v for v in svc["volumes"]}
        samples = mounts["/samples"]
        assert samples["source"] == str(ROOT / "adapters" / agency / "samples")
        assert samples.get("read_only") is True
        assert (ROOT / "adapters" / agency / "samples").is_dir(), f"no samples for {agency}"
        assert svc["depends_on"]["broker-users"]["condition"] == "service_completed_successfully"
        assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    script = (ROOT / "deploy" / "compose" / "adapter.sh").read_text()
    assert 'exec cosupervise adapter "$agency" watch' in script


def test_prometheus_scrapes_every_process_in_compose(compose):
    prom = compose["services"]["prometheus"]
    sources = {v["target"]: v["source"] for v in prom["volumes"] if v["type"] == "bind"}
    assert sources["/etc/prometheus/prometheus.yml"] == str(
        ROOT / "deploy/prometheus/prometheus.yml"
    )
    assert sources["/etc/prometheus/alerts.yml"] == str(ROOT / "deploy/prometheus/alerts.yml")


def test_compose_holds_no_literal_password():
    """Passwords may only come from the environment (`${VAR:-local default}`), never inline."""
    text = (ROOT / "docker-compose.yml").read_text()
    for line in text.splitlines():
        m = re.match(r"\s*([A-Z_]*(PASS|PASSWORD|SECRET)[A-Z_]*):\s*(.+)", line)
        if m:
            assert m.group(3).strip().startswith("${"), f"literal secret: {line.strip()}"
    assert "COSUPERVISE_JWT_SECRET" not in text  # development mode; production uses k8s Secrets


# --- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_passes_hadolint():
    run([tool("hadolint"), "--failure-threshold", "info", str(ROOT / "Dockerfile")])


def test_dockerfile_is_multi_stage_non_root_and_installs_only_built_wheels():
    commands = dockerfile.parse_file(str(ROOT / "Dockerfile"))
    stages = [c for c in commands if c.cmd.upper() == "FROM"]
    assert len(stages) >= 2, "build wheels in one stage, run in another"
    last_from = max(i for i, c in enumerate(commands) if c.cmd.upper() == "FROM")
    final = commands[last_from:]
    users = [c.value[0] for c in final if c.cmd.upper() == "USER"]
    assert users, "the final stage must switch user"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "USER must be a numeric non-root uid (runAsNonRoot)"
    runs = " ".join(" ".join(c.value) for c in final if c.cmd.upper() == "RUN")
    assert "pip install --no-index" in runs, "the final stage installs only the built wheels"
    assert "pip wheel" not in runs
    build_runs = " ".join(" ".join(c.value) for c in commands[:last_from] if c.cmd.upper() == "RUN")
    assert "pip wheel" in build_runs and "requirements.lock" in build_runs
    entry = [c for c in final if c.cmd.upper() == "ENTRYPOINT"][-1]
    assert entry.json and entry.value == ("cosupervise",), "exec form: SIGTERM reaches the app"


def test_dockerignore_keeps_local_state_and_deploy_tools_out():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", "tests", "requirements/deploy.txt", ".env"} <= ignored


def test_compose_stop_grace_covers_the_bounded_stop(compose):
    """`cosupervise serve` stops within COSUPERVISE_STOP_TIMEOUT; docker must not kill it sooner."""
    source = (ROOT / "cosupervise/serve.py").read_text()
    timeout = float(re.search(r'"COSUPERVISE_STOP_TIMEOUT",\s*"(\d+)"', source).group(1))
    for name in (*SERVICES, "gateway"):
        grace = compose["services"][name]["stop_grace_period"]
        seconds = float(re.fullmatch(r"(\d+)s", grace).group(1))
        assert seconds >= timeout + 3, f"{name}: stop_grace_period {grace} < {timeout} s + margin"
