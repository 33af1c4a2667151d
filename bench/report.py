"""results.json → `name: value` lines and the issue's goals, met or missed."""

from __future__ import annotations


def _get(results, *path):
    value = results
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def goals(results: dict) -> list[dict]:
    """Issue 9's goals for every database measured; None where the part did not run."""
    out = []

    def goal(name, value, op, target):
        if value is None:
            return
        met = value >= target if op == ">=" else value <= target
        out.append({"name": name, "value": value, "goal": f"{op} {target}", "met": met})

    for db in results.get("databases", []):
        goal(f"ingest.{db}.ratio", _get(results, "ingest", db, "ratio"), ">=", 2.0)
        goal(f"ingest.{db}.latency_p99_ms", _get(results, "ingest", db, "latency", "p99_ms"),
             "<=", 100)
        goal(f"gateway.{db}.portrait.ratio", _get(results, "gateway", db, "portrait_ratio"),
             ">=", 0.5)
        goal(f"gateway.{db}.portrait.p99_ms_16", _get(results, "gateway", db, "portrait", "16",
                                                       "p99_ms"), "<=", 150)
        goal(f"scale.{db}.portrait_p50_ratio", _get(results, "growth", db, "portrait_p50_ratio"),
             "<=", 1.5)
        goal(f"memory.{db}.sharing_growth_mb", _get(results, "growth", db, "memory", "growth_mb"),
             "<=", 100)
    return out


def _flat(prefix, value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "profile":
                _flat(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, str) and not value:
        return
    elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
        out.append(f"{prefix}: {value}")


def lines(results: dict) -> list[str]:
    out = [f"# make bench — {results['started']}, {results['machine']['cpus']} cores, "
           f"load average {results['machine']['load_average_at_start'][0]:.1f} at start "
           f"(others share this machine: figures are noisy; ratios are taken in the same run)"]
    for part in ("ingest", "gateway", "growth"):
        for db, figures in (results.get(part) or {}).items():
            out.append("")
            _flat(f"{part}.{db}", figures, out)
    out.append("")
    out.append("# headline ratios")
    for db in results.get("databases", []):
        for name, path in (("ingest.ratio", ("ingest", db, "ratio")),
                           ("gateway.portrait.ratio", ("gateway", db, "portrait_ratio")),
                           ("gateway.dashboard.ratio", ("gateway", db, "dashboard_ratio")),
                           ("scale.portrait_p50_ratio", ("growth", db, "portrait_p50_ratio")),
                           ("scale.records_p50_ratio", ("growth", db, "records_p50_ratio"))):
            value = _get(results, *path)
            if value is not None:
                out.append(f"{name} [{db}]: {value}")
    out.append("")
    out.append("# goals (issue 9)")
    for g in results.get("goals", []):
        verdict = "met" if g["met"] else "MISSED — see docs/PERFORMANCE.md for the profile"
        out.append(f"{g['name']}: {g['value']} (goal {g['goal']}: {verdict})")
    return out
