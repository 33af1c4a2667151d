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
        goal(
            f"ingest.{db}.latency_p99_ms",
            _get(results, "ingest", db, "latency", "p99_ms"),
            "<=",
            100,
        )
        goal(
            f"gateway.{db}.portrait.ratio",
            _get(results, "gateway", db, "portrait_ratio"),
            ">=",
            0.5,
        )
        goal(
            f"gateway.{db}.portrait.p99_ms_16",
            _get(results, "gateway", db, "portrait", "16", "p99_ms"),
            "<=",
            150,
        )
        goal(
            f"scale.{db}.portrait_p50_ratio",
            _get(results, "growth", db, "portrait_p50_ratio"),
            "<=",
            1.5,
        )
        goal(
            f"memory.{db}.sharing_growth_mb",
            _get(results, "growth", db, "memory", "growth_mb"),
            "<=",
            100,
        )
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
    elif isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        out.append(f"{prefix}: {' / '.join(str(v) for v in value)}")


def lines(results: dict) -> list[str]:
    out = [
        f"# make bench — {results['started']}, {results['machine']['cpus']} cores, "
        f"load average {results['machine']['load_average_at_start'][0]:.1f} at start "
        f"(others share this machine: figures are noisy; ratios are taken in the same run)"
    ]
    for part in ("ingest", "gateway", "growth"):
        for db, figures in (results.get(part) or {}).items():
            out.append("")
            _flat(f"{part}.{db}", figures, out)
    out.append("")
    out.append("# headline ratios")
    for db in results.get("databases", []):
        for name, path in (
            ("ingest.ratio", ("ingest", db, "ratio")),
            ("gateway.portrait.ratio", ("gateway", db, "portrait_ratio")),
            ("gateway.portrait_fanout.ratio", ("gateway", db, "portrait_fanout_ratio")),
            ("gateway.dashboard.ratio", ("gateway", db, "dashboard_ratio")),
            ("scale.portrait_p50_ratio", ("growth", db, "portrait_p50_ratio")),
            ("scale.records_p50_ratio", ("growth", db, "records_p50_ratio")),
        ):
            value = _get(results, *path)
            if value is not None:
                out.append(f"{name} [{db}]: {value}")
    out.append("")
    out.append("# goals (issue 9)")
    for g in results.get("goals", []):
        verdict = "met" if g["met"] else "MISSED — see docs/PERFORMANCE.md for the profile"
        out.append(f"{g['name']}: {g['value']} (goal {g['goal']}: {verdict})")
    return out


def markdown(results: dict) -> str:
    """The headline figures as tables (for docs/PERFORMANCE.md)."""
    dbs = results.get("databases", [])
    rows = ["| figure | " + " | ".join(dbs) + " |", "| --- |" + " --- |" * len(dbs)]

    def row(label, *path, fmt="{}"):
        values = [_get(results, path[0], db, *path[1:]) for db in dbs]
        if any(v is not None for v in values):
            rows.append(
                f"| {label} | "
                + " | ".join("—" if v is None else fmt.format(v) for v in values)
                + " |"
            )

    def runs(label, *path, fmt="{:,.0f}"):
        values = [_get(results, path[0], db, *path[1:]) for db in dbs]
        if any(values):
            rows.append(
                f"| {label} | "
                + " | ".join(" / ".join(fmt.format(x) for x in v) if v else "—" for v in values)
                + " |"
            )

    row("raw bus (kombu), 1 KB messages/s (median round)", "ingest", "raw", "per_s", fmt="{:,.0f}")
    runs("raw bus (kombu), each round", "ingest", "rounds", "raw_per_s")
    row("raw bus (py-amqp), 1 KB messages/s", "ingest", "raw_amqp", "per_s", fmt="{:,.0f}")
    row(
        "ingest, records/s (file → committed rows; median round)",
        "ingest",
        "file",
        "per_s",
        fmt="{:,.0f}",
    )
    runs(
        "ingest, each round (50k, 100k, 150k rows in the table after)",
        "ingest",
        "rounds",
        "file_per_s",
    )
    runs("ingest ratio, each round", "ingest", "rounds", "ratio", fmt="{}")
    runs("sharing CPU µs/record, each round", "ingest", "rounds", "sharing_cpu_us", fmt="{}")
    row("adapter CPU µs/record (median round)", "ingest", "file", "adapter_cpu_us")
    row("broker CPU µs/record (median round)", "ingest", "file", "broker_cpu_us")
    row("**ingest.ratio** (goal ≥ 2.0; median / median)", "ingest", "ratio")
    row("ingest ratio against py-amqp", "ingest", "ratio_vs_amqp")
    row("single record, p50 ms", "ingest", "latency", "p50_ms")
    row("single record, p99 ms (goal ≤ 100)", "ingest", "latency", "p99_ms")
    for name in ("ping", "portrait", "portrait_fanout", "dashboard"):
        for c in ("1", "16", "64"):
            row(f"{name}, {c} clients: req/s", "gateway", name, c, "per_s", fmt="{:,.1f}")
            p50 = [_get(results, "gateway", db, name, c, "p50_ms") for db in dbs]
            p99 = [_get(results, "gateway", db, name, c, "p99_ms") for db in dbs]
            if any(v is not None for v in p50):
                rows.append(
                    f"| {name}, {c} clients: p50 / p99 ms | "
                    + " | ".join(
                        "—" if a is None else f"{a} / {b}" for a, b in zip(p50, p99, strict=True)
                    )
                    + " |"
                )
            failed = [_get(results, "gateway", db, name, c, "failed") for db in dbs]
            if any(failed):
                rows.append(
                    f"| {name}, {c} clients: failed requests | "
                    + " | ".join(str(f or 0) for f in failed)
                    + " |"
                )
    row("**gateway.portrait.ratio** (goal ≥ 0.5)", "gateway", "portrait_ratio")
    row(
        "gateway.portrait_fanout.ratio (no-cache: five services asked)",
        "gateway",
        "portrait_fanout_ratio",
    )
    row("gateway.dashboard.ratio", "gateway", "dashboard_ratio")
    row("portrait answer, bytes", "gateway", "portrait_bytes", fmt="{:,}")
    row("portrait p50 ms at 10k records", "growth", "at_small", "portrait", "p50_ms")
    row("portrait p50 ms at 1M records", "growth", "at_large", "portrait", "p50_ms")
    row("**scale.portrait_p50_ratio** (goal ≤ 1.5)", "growth", "portrait_p50_ratio")
    row("records list p50 ms at 10k records", "growth", "at_small", "records", "p50_ms")
    row("records list p50 ms at 1M records", "growth", "at_large", "records", "p50_ms")
    row("scale.records_p50_ratio", "growth", "records_p50_ratio")
    row(
        "loading the rest (to 1M) through the bus, records/s",
        "growth",
        "load",
        "rest",
        "per_s",
        fmt="{:,.0f}",
    )
    row("sharing RSS MB: started", "growth", "memory", "rss_mb_started")
    row("sharing RSS MB: after 10k", "growth", "memory", "rss_mb_at_small")
    row("sharing RSS MB: after 1M", "growth", "memory", "rss_mb_at_large")
    row("**sharing memory growth MB** (goal < 100)", "growth", "memory", "growth_mb")
    return "\n".join(rows)
