"""`make bench`: the figures of issue 9, each against a baseline taken in the same run.

    .venv/bin/python -m bench                      # everything, both databases
    .venv/bin/python -m bench --quick              # small sizes (about 5 minutes)
    .venv/bin/python -m bench --only ingest --db sqlite
    .venv/bin/python -m bench --only gateway,growth --profile

Writes bench/results.json and prints `name: value` lines, then the goals, met or missed.
See docs/PERFORMANCE.md for what each figure means and how long a run takes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import parts
from bench.report import goals, lines

PARTS = ("ingest", "gateway", "growth")  # growth includes memory (one 1M load serves both)
RESULTS = Path(__file__).resolve().parent / "results.json"

FULL = {
    "ingest_records": 50_000,
    "ingest_rounds": 3,
    "raw_messages": 20_000,
    "latency_samples": 200,
    "records": 100_000,
    "leads": 10_000,
    "tasks": 10_000,
    "seconds": 8,
    "growth_small": 10_000,
    "growth_large": 1_000_000,
    "growth_samples": 200,
}
QUICK = {
    "ingest_records": 10_000,
    "ingest_rounds": 1,
    "raw_messages": 10_000,
    "latency_samples": 50,
    "records": 10_000,
    "leads": 1_000,
    "tasks": 1_000,
    "seconds": 3,
    "growth_small": 10_000,
    "growth_large": 100_000,
    "growth_samples": 60,
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run: {', '.join(PARTS)} (memory is in growth)",
    )
    p.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    p.add_argument("--quick", action="store_true", help="small sizes, for a first look")
    p.add_argument(
        "--profile",
        action="store_true",
        help="run the sharing service under cProfile and print where its time went",
    )
    p.add_argument("--output", default=str(RESULTS))
    args = p.parse_args(argv)
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    dbs = [x.strip() for x in args.db.split(",") if x.strip()]
    unknown = [x for x in only if x not in PARTS] + [
        x for x in dbs if x not in ("sqlite", "postgresql")
    ]
    if unknown:
        p.error(f"unknown: {', '.join(unknown)}")
    sizes = QUICK if args.quick else FULL
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    results = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "quick": args.quick,
        "sizes": sizes,
        "parts": only,
        "databases": dbs,
    }
    started = time.monotonic()
    for part in only:
        for db in dbs:
            print(f"… {part} on {db}", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            figures = getattr(parts, part)(db, sizes, profile=args.profile)
            figures["seconds_taken"] = round(time.monotonic() - t0, 1)
            results.setdefault(part, {})[db] = figures
            _write(args.output, results)
    results["seconds_taken"] = round(time.monotonic() - started, 1)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["goals"] = goals(results)
    _write(args.output, results)
    print("\n".join(lines(results)))
    return 0


def _write(path, results):
    Path(path).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
