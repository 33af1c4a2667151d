"""The three parts of `make bench`, each on one database, each in a platform of its own."""

from __future__ import annotations

import io
import json
import pstats
import time

from bench import ingest as ing
from bench import load, seed
from bench.env import Env, rss_mb
from bench.raw import kombu_bus, raw_bus

EVERYTHING = ("planning", "leads", "rectification", "research", "sharing", "gateway")
PORTRAIT = "/api/v1/subjects/town-jieshi/portrait"
PING = "/api/v1/ping"
# the gateway keeps a caller's portrait a few seconds (gateway/viewcache.py); no-cache asks the
# five services every time: the fan-out itself, measured separately
NO_CACHE = {"Cache-Control": "no-cache"}
ROUTES = {
    "ping": (PING, None),
    "portrait": (PORTRAIT, None),
    "portrait_fanout": (PORTRAIT, NO_CACHE),
    "dashboard": ("/api/v1/dashboard", None),
}


def _profile(env: Env, name: str = "sharing", top: int = 25) -> list[str]:
    """Stop the profiled service and keep the top of its profile (by own time)."""
    env.stop(name)
    out = io.StringIO()
    stats = pstats.Stats(str(env.var / f"{name}.prof"), stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    print(text)
    return [line for line in text.splitlines() if line.strip()][-top - 1 :]


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["per_s"])[len(runs) // 2]


def ingest(db: str, sizes: dict, profile: bool = False) -> dict:
    """Raw bus and an adapter's file into the sharing service, in turns, then one record at a
    time. Either side alone moved 15-25 % from one run to the next on this machine (the raw bus
    from 5,000 to 6,500 messages/s within one session), so each is run ``ingest_rounds`` times,
    taking turns, and the ratio is the median file run over the median raw run. Each later file
    goes into a bigger table (50,000 more rows each time), as files do."""
    with Env(db, "ingest") as env:
        env.migrate()
        env.start("sharing", "gateway", profile=("sharing",) if profile else ())
        # issue 9's baseline is a raw kombu publisher and consumer; py-amqp underneath it is
        # measured too, for the record (they differ by little)
        raws, files = [], []
        for _ in range(sizes["ingest_rounds"]):
            raws.append(kombu_bus(env.amqp_uri, count=sizes["raw_messages"]))
            files.append(ing.run_file(env, sizes["ingest_records"]))
        raw_amqp = raw_bus(env.amqp_uri, count=sizes["raw_messages"])
        raw, file = _median_run(raws), _median_run(files)
        latency = ing.latency(env, sizes["latency_samples"])
        out = {
            "raw": raw,
            "raw_amqp": raw_amqp,
            "file": file,
            "latency": latency,
            "ratio": round(file["per_s"] / raw["per_s"], 2),
            "ratio_vs_amqp": round(file["per_s"] / raw_amqp["per_s"], 2),
            # every round, in order: the spread the medians come from
            "rounds": {
                "raw_per_s": [r["per_s"] for r in raws],
                "file_per_s": [f["per_s"] for f in files],
                "ratio": [
                    round(f["per_s"] / r["per_s"], 2) for r, f in zip(raws, files, strict=True)
                ],
                "sharing_cpu_us": [f["sharing_cpu_us"] for f in files],
            },
        }
        if profile:
            out["profile"] = _profile(env)
        return out


def _rss(env: Env) -> float:
    return round(rss_mb(env.pid("sharing")), 1)


def _serial(env: Env, token: str, path: str, samples: int) -> dict:
    """One client, ``samples`` requests: what one person waits (the services asked every
    time: growth is about the queries, not the gateway's cache)."""
    import requests

    from bench.stats import percentile

    load.check(env.url + path, token)
    times = []
    with requests.Session() as s:
        s.headers.update({"Authorization": f"Bearer {token}", **NO_CACHE})
        for _ in range(samples):
            t0 = time.perf_counter()
            r = s.get(env.url + path, timeout=30)
            times.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
    return {
        "samples": samples,
        "p50_ms": round(percentile(times, 50), 1),
        "p99_ms": round(percentile(times, 99), 1),
    }


def _load_more(env: Env, count: int) -> dict:
    return ing.run_file(env, count) if count > 0 else {}


def gateway(db: str, sizes: dict, profile: bool = False) -> dict:
    """Ping (one RPC), the portrait (four services) and the dashboard (five) at 1/16/64."""
    with Env(db, "gateway") as env:
        env.migrate()
        t0 = time.perf_counter()
        seed.leads(env, sizes["leads"])
        seed.tasks(env, sizes["tasks"])
        seeded = {
            "leads": sizes["leads"],
            "tasks": sizes["tasks"],
            "leads_tasks_seconds": round(time.perf_counter() - t0, 1),
        }
        env.start(*EVERYTHING, profile=("sharing",) if profile else ())
        loaded = ing.run_file(env, sizes["records"])
        seeded.update(records=sizes["records"], records_per_s=loaded["per_s"])
        token = env.token()
        out: dict = {"seeded": seeded}
        out["portrait_bytes"] = len(
            json.dumps(load.check(env.url + PORTRAIT, token), ensure_ascii=False).encode()
        )
        settled = {}
        for name, (path, headers) in ROUTES.items():  # the dashboard last: it floods rectification
            out[name] = {}
            for c in (1, 16, 64):
                out[name][str(c)] = load.run(env.url + path, token, c, sizes["seconds"], headers)
                settled[f"{name}.{c}"] = load.settle(env.url + PING, token)
        out["settle_seconds"] = settled
        out["portrait_ratio"] = round(
            out["portrait"]["16"]["per_s"] / out["ping"]["16"]["per_s"], 2
        )
        out["portrait_fanout_ratio"] = round(
            out["portrait_fanout"]["16"]["per_s"] / out["ping"]["16"]["per_s"], 2
        )
        out["dashboard_ratio"] = round(
            out["dashboard"]["16"]["per_s"] / out["ping"]["16"]["per_s"], 2
        )
        if profile:
            out["profile"] = _profile(env)
        return out


def growth(db: str, sizes: dict, profile: bool = False) -> dict:
    """The portrait and the records list at a small and a large number of records, and the
    sharing service's memory before and after loading the large number through the bus."""
    small, large = sizes["growth_small"], sizes["growth_large"]
    with Env(db, "growth") as env:
        env.migrate()
        env.start(*EVERYTHING, profile=("sharing",) if profile else ())
        token = env.token()
        memory = {"rss_mb_started": _rss(env)}
        first = _load_more(env, small)
        memory["rss_mb_at_small"] = _rss(env)
        at_small = {
            "portrait": _serial(env, token, PORTRAIT, sizes["growth_samples"]),
            "records": _serial(env, token, "/api/v1/records", sizes["growth_samples"]),
        }
        t0 = time.perf_counter()
        rest = _load_more(env, large - small)
        load_seconds = time.perf_counter() - t0
        memory["rss_mb_at_large"] = _rss(env)
        at_large = {
            "portrait": _serial(env, token, PORTRAIT, sizes["growth_samples"]),
            "records": _serial(env, token, "/api/v1/records", sizes["growth_samples"]),
        }
        memory["growth_mb"] = round(memory["rss_mb_at_large"] - memory["rss_mb_started"], 1)
        rows, distinct = ing.count_rows(env)
        out = {
            "small": small,
            "large": large,
            "rows": rows,
            "distinct": distinct,
            "load": {"first": first, "rest": rest, "rest_seconds": round(load_seconds, 1)},
            "at_small": at_small,
            "at_large": at_large,
            "memory": memory,
            "portrait_p50_ratio": round(
                at_large["portrait"]["p50_ms"] / at_small["portrait"]["p50_ms"], 2
            ),
            "records_p50_ratio": round(
                at_large["records"]["p50_ms"] / at_small["records"]["p50_ms"], 2
            ),
        }
        if profile:
            out["profile"] = _profile(env)
        return out
