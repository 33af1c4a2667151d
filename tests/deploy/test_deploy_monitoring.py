"""Prometheus configuration, alert rules and the Grafana dashboard.

promtool (Debian's `prometheus` package) checks the config and the rules and runs the rules'
unit tests (deploy/prometheus/alerts.test.yml). The metric names the alerts and the dashboard
use must be ones the code exports (runtime/metrics.py), or ones RabbitMQ / prometheus_client
export, so a renamed metric fails here instead of leaving an alert that can never fire.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from deploy_helpers import DEPLOY, GATEWAY_PORT, K8S, ROOT, SERVICES, run, tool

pytestmark = pytest.mark.deploy

PROM = DEPLOY / "prometheus"
DASHBOARDS = (
    DEPLOY / "grafana/dashboards/cosupervise.json",
    K8S / "base/monitoring/dashboards/cosupervise.json",
)
# Exported by RabbitMQ's rabbitmq_prometheus plugin and by Prometheus itself (`up`); everything
# else must be a family the services' /metrics really serves.
FOREIGN_PREFIXES = ("rabbitmq_",)
FOREIGN = {"up"}


def test_promtool_checks_the_prometheus_config(tmp_path: Path):
    # The config names the rule file by its path inside the container; check it next to a copy.
    config = (PROM / "prometheus.yml").read_text()
    assert "/etc/prometheus/alerts.yml" in config
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/alerts.yml", str(tmp_path / "alerts.yml"))
    )
    shutil.copy(PROM / "alerts.yml", tmp_path / "alerts.yml")
    result = run([tool("promtool"), "check", "config", str(tmp_path / "prometheus.yml")])
    assert "SUCCESS" in result.stdout + result.stderr


def test_promtool_checks_the_alert_rules():
    run([tool("promtool"), "check", "rules", str(PROM / "alerts.yml")])


def test_alert_rules_unit_tests_pass():
    """Each alert fires on the input that should raise it, and not on the one that should not."""
    run([tool("promtool"), "test", "rules", str(PROM / "alerts.test.yml")], cwd=PROM)


def test_every_alert_has_a_unit_test_severity_and_text():
    rules = [
        r for g in yaml.safe_load((PROM / "alerts.yml").read_text())["groups"] for r in g["rules"]
    ]
    tested = {
        t["alertname"]
        for case in yaml.safe_load((PROM / "alerts.test.yml").read_text())["tests"]
        for t in case["alert_rule_test"]
    }
    guide = (ROOT / "docs/OPERATIONS.md").read_text(encoding="utf-8")
    for rule in rules:
        name = rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        assert name in guide, f"docs/OPERATIONS.md does not explain {name}"
    untested = {r["alert"] for r in rules} - tested
    assert not untested, f"alerts without a promtool unit test: {untested}"


def test_kubernetes_prometheusrule_carries_the_same_rules():
    source = yaml.safe_load((PROM / "alerts.yml").read_text())["groups"]
    rule = yaml.safe_load((K8S / "base/monitoring/prometheusrule.yaml").read_text())
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"]["groups"] == source, "copy deploy/prometheus/alerts.yml's groups"


def test_compose_prometheus_scrapes_every_process():
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "cosupervise")
    targets = {t: sc["labels"]["component"] for sc in job["static_configs"] for t in sc["targets"]}
    expected = {f"{name}:{port}": name for name, port in SERVICES.items()}
    expected[f"gateway:{GATEWAY_PORT}"] = "gateway"
    assert targets == expected
    assert any(j["job_name"] == "rabbitmq" for j in config["scrape_configs"])


def exported_metric_names() -> set[str]:
    """The metric families of a service's /metrics: runtime.health serves generate_latest() of
    the default registry, which holds runtime.metrics' families and prometheus_client's process
    and Python collectors. Read from the exposition itself, not from the source text."""
    from prometheus_client import REGISTRY, generate_latest

    import runtime.metrics  # noqa: F401 - registers the families

    names = set(re.findall(r"^# TYPE (\S+) ", generate_latest(REGISTRY).decode(), re.M))
    assert {n for n in names if n.startswith("cosupervise_")}, "no cosupervise_* metric exported"
    return names


def metric_names_in(expr: str) -> set[str]:
    # Identifiers followed by a selector, a range or an operator, minus PromQL's own words.
    words = set(re.findall(r"\b([a-z_:][a-z0-9_:]*)\b(?=\s*[{\[)=<>!]|\s*$)", expr))
    promql = {
        "sum",
        "max",
        "min",
        "avg",
        "count",
        "rate",
        "increase",
        "changes",
        "by",
        "or",
        "and",
        "histogram_quantile",
        "vector",
        "le",
        "without",
        "on",
        "ignoring",
    }
    return {w for w in words if w not in promql and ("_" in w or w == "up")}


def known(metric: str, exported: set[str]) -> bool:
    if metric in FOREIGN or metric.startswith(FOREIGN_PREFIXES):
        return True
    base = re.sub(r"_(bucket|sum|count|created)$", "", metric)
    return metric in exported or base in exported


def test_alerts_use_only_metrics_that_exist():
    exported = exported_metric_names()
    for group in yaml.safe_load((PROM / "alerts.yml").read_text())["groups"]:
        for rule in group["rules"]:
            for metric in metric_names_in(rule["expr"]):
                assert known(metric, exported), f"{rule['alert']}: no metric {metric}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=["compose", "k8s"])
def test_grafana_dashboard_parses_and_uses_existing_metrics(path: Path):
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"]
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len(panels) >= 8
    exported = exported_metric_names()
    used = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            for metric in metric_names_in(target["expr"]):
                assert known(metric, exported), f"{panel['title']}: no metric {metric}"
                used.add(metric)
    # Every metric of the platform's own is on the dashboard (else nobody looks at it).
    shown = {re.sub(r"_(bucket|sum|count)$", "", m) for m in used}
    ours = {n for n in exported if n.startswith("cosupervise_")}
    assert ours <= shown, f"not on the dashboard: {ours - shown}"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_both_dashboard_copies_are_identical():
    compose_copy, k8s_copy = (p.read_bytes() for p in DASHBOARDS)
    assert compose_copy == k8s_copy, "copy deploy/grafana/dashboards/cosupervise.json to k8s"
