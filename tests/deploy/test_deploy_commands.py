"""What the deployment runs is what the code has: every command parses with the real CLI.

docker-compose, the Kubernetes manifests and the Dockerfile all start `cosupervise ...`; a renamed
subcommand or service would otherwise only show up as a crash-looping pod.
"""

from __future__ import annotations

import argparse
import re

import dockerfile
import pytest
import yaml
from deploy_helpers import AGENCIES, HTTP, ROOT, SERVICES, compose_config, pod_spec, rendered_text

from cosupervise.cli import build_parser

pytestmark = pytest.mark.deploy


def parses(args: list[str]) -> argparse.Namespace:
    try:
        parsed = build_parser().parse_args(args)
    except SystemExit:
        pytest.fail(
            f"`cosupervise {' '.join(args)}` is not a command of cosupervise/cli.py", pytrace=False
        )
    assert callable(getattr(parsed, "func", None)), f"`cosupervise {' '.join(args)}` runs nothing"
    return parsed


def serve_choices() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    name = next(a for a in sub.choices["serve"]._actions if a.dest == "name")
    return set(name.choices)


def test_every_served_process_has_a_port_in_the_config_and_is_deployed():
    assert serve_choices() == set(HTTP), "`cosupervise serve` and config http: disagree"
    assert set(SERVICES) | {"gateway"} == serve_choices()


def test_kubernetes_commands_and_exec_probes_parse():
    for overlay in ("development", "production"):
        for doc in yaml.safe_load_all(rendered_text(overlay)):
            if not doc or doc["kind"] not in {"Deployment", "Job"}:
                continue
            for container in pod_spec(doc)["containers"]:
                if container.get("image", "").startswith("registry.example.invalid/cosupervise"):
                    parses(container["args"])
                for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                    command = container.get(probe, {}).get("exec", {}).get("command")
                    if command:
                        assert command[0] == "cosupervise"
                        parses(command[1:])


def test_compose_commands_parse():
    config = compose_config()
    script = (ROOT / "deploy/compose/adapter.sh").read_text()
    (watch_line,) = [line for line in script.splitlines() if line.startswith("exec cosupervise")]
    seen = set()
    for name, svc in config["services"].items():
        if "build" not in svc:
            continue
        entrypoint = svc.get("entrypoint")
        if entrypoint is None:  # the image's ENTRYPOINT ["cosupervise"]
            parses(svc["command"])
            seen.add(name)
        elif entrypoint[-1].endswith("adapter.sh"):
            (agency,) = svc["command"]
            args = (
                watch_line.replace('"$agency"', agency)
                .replace('"${ADAPTER_INBOX:-/samples}"', "/samples")
                .split()[2:]
            )
            assert parses(args).agency == agency
            seen.add(name)
    assert {"migrate", "gateway", "demo", *SERVICES, *(f"adapter-{a}" for a in AGENCIES)} <= seen
    demo = parses(config["services"]["demo"]["command"])
    assert demo.url == "http://gateway:8000", "the demo loader must reach the gateway container"


def test_dockerfile_default_command_parses():
    commands = dockerfile.parse_file(str(ROOT / "Dockerfile"))
    (entry,) = [c for c in commands if c.cmd.upper() == "ENTRYPOINT"]
    (cmd,) = [c for c in commands if c.cmd.upper() == "CMD"]
    assert entry.value == ("cosupervise",)
    parses(list(cmd.value))


def test_serve_handles_sigterm_with_a_bounded_stop():
    """The grace periods above rely on this; read the real code, not a comment."""
    source = (ROOT / "cosupervise/serve.py").read_text()
    assert re.search(r"signal\.signal\(signal\.SIGTERM,", source)
    assert "eventlet.Timeout(stop_timeout" in source and "runner.kill()" in source
