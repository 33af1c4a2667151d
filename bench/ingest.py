"""Part 1, ingest: an agency's export file → committed, deduplicated rows in the sharing service.

The file is a finance disbursement ledger (乡村振兴衔接资金拨付台账, CSV as the finance office
exports it). The adapter SDK does what an agency's adapter does — read, map, validate, sign
(Ed25519, the agency's own key), keep in its durable outbox, publish batches with confirms — and
the sharing service runs as a real `cosupervise serve sharing` process. The clock runs from the
adapter opening the file to the service having committed the last row (read from the service's
own counter of stored records, which it bumps after each commit), then the rows are counted in
the database: exactly N, none twice.

Latency: one record at a time, published by an adapter that is already connected, until the
gateway's `GET /api/v1/records?subject=` shows it.
"""

from __future__ import annotations

import csv
import re
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.env import Env, broker_pid, cpu_seconds
from bench.stats import percentile

UNITS = ["界石镇", "木洞镇", "鱼洞街道", "区乡村振兴局", "区农业农村委", "区生态环境局"]
STORED = re.compile(
    r'cosupervise_sharing_records_total\{agency="finance",outcome="stored"\}'
    r" ([0-9.e+]+)"
)


def write_ledger(path: Path, count: int, run: str, start: int = 0) -> Path:
    """``count`` disbursements, ten per project, six implementing units. Two projects of each
    ledger (7 and 507) outpace their progress: the early-warning rule fires on them as it would
    on a real ledger, and a bigger ledger has no more of them, so that the growth part compares
    the same answers over more rows."""
    from adapters.finance.mapping import DISBURSEMENT

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(DISBURSEMENT.export_header)
        for i in range(start, start + count):
            project, step = divmod(i, 10)
            allocated = 1_000_000 + (project % 97) * 10_000
            amount = allocated // 20
            cumulative = amount * (step + 1)
            progress = min(100, (step + 1) * 5 + 10)
            if project in (7, 507):
                progress = 5  # funds far ahead of the works: a warning
            day = 1 + i % 28
            month = 1 + (i // 28) % 12
            w.writerow(
                [
                    f"CZBF-{run}-{i:08d}",
                    f"XC-{run}-{project:07d}",
                    f"乡村振兴衔接项目{project}号",
                    "中央财政衔接推进乡村振兴补助资金",
                    UNITS[project % len(UNITS)],
                    f"{allocated:,.2f}",
                    f"{amount:,.2f}",
                    f"{cumulative:,.2f}",
                    f"{progress}%",
                    f"2025-{month:02d}-{day:02d}",
                    "基准测试" if i % 7 == 0 else "",
                ]
            )
    return path


def adapter_cpu(count: int, repeats: int = 3, *, uri: str | None = None) -> dict:
    """The adapter alone: CPU (process_time, all its threads) per record of ``count`` ledger
    rows, ``repeats`` times, each into a fresh outbox. With ``uri`` it is ``ingest_file``
    (streaming publisher, confirms; the caller gives it a vhost of its own), else
    ``process_file`` (read, map, validate, store). Best and median, with the load average:
    the machine is shared, so one figure is not a measurement."""
    import os
    import shutil
    import statistics
    import tempfile

    from adapters.sdk import get_adapter
    from adapters.sdk.ingest import ingest_file, process_file
    from adapters.sdk.outbox import Outbox
    from contracts.records import load_or_create_private_key

    folder = Path(tempfile.mkdtemp(prefix="cv-adapter-cpu-"))
    try:
        path = write_ledger(folder / "ledger.csv", count, uuid.uuid4().hex[:6])
        adapter, per_record = get_adapter("finance"), []
        for n in range(repeats):
            var = folder / f"var{n}"
            key = load_or_create_private_key("finance", var)
            cpu = time.process_time()
            if uri:
                report = ingest_file(adapter, path, uri=uri, var=var, retry_seconds=30)
                assert report.published == count, report.to_dict()
            else:
                with Outbox(var / "outbox.db") as box:
                    report = process_file(adapter, path, box, key)
            cpu = time.process_time() - cpu
            assert report.new == count and not report.quarantined, report.to_dict()
            per_record.append(cpu / count * 1e6)
        return {
            "records": count,
            "what": "ingest_file" if uri else "process_file",
            "best_us": round(min(per_record), 1),
            "median_us": round(statistics.median(per_record), 1),
            "runs_us": [round(x, 1) for x in per_record],
            "load": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stored_count(env: Env) -> int:
    text = requests.get(f"http://127.0.0.1:{env.ports['sharing']}/metrics", timeout=60).text
    m = STORED.search(text)
    return int(float(m.group(1))) if m else 0


def count_rows(env: Env, like: str | None = None) -> tuple[int, int]:
    """(rows, distinct (source_unit, record_id)) in the sharing database."""
    from services.sharing.models import Record

    engine = env.sharing_engine()
    try:
        with engine.connect() as conn:
            stmt = select(func.count(), func.count(func.distinct(Record.record_id)))
            if like:
                stmt = stmt.where(Record.record_id.like(like))
            rows, distinct = conn.execute(stmt.select_from(Record)).one()
            conn.rollback()
            return rows, distinct
    finally:
        engine.dispose()


def run_file(env: Env, count: int, *, run: str | None = None, timeout: float = 3600) -> dict:
    """One ledger of ``count`` rows through the adapter SDK (``ingest_file``, what
    `cosupervise adapter finance ingest <file>` runs) into the running sharing service."""
    from adapters.sdk import get_adapter
    from adapters.sdk.ingest import ingest_file

    env.apply()
    run = run or uuid.uuid4().hex[:6]
    path = write_ledger(env.var / f"ledger-{run}.csv", count, run)
    before = stored_count(env)
    done_at: list[float] = []

    def watch():
        while True:
            try:
                if stored_count(env) - before >= count:
                    done_at.append(time.perf_counter())
                    return
            except requests.RequestException:
                pass  # a busy service answers late; the clock keeps running
            # each look costs the service a /metrics answer (~1.5 ms): 20 looks a second
            # take ~3 % of its core and leave the clock 50 ms coarse on a run of seconds
            time.sleep(0.05)

    broker = broker_pid()
    broker_cpu = cpu_seconds(broker) if broker else None
    sharing_cpu, adapter_cpu = cpu_seconds(env.pid("sharing")), time.process_time()
    started = time.perf_counter()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    report = ingest_file(
        get_adapter("finance"), path, uri=env.amqp_uri, var=env.var, retry_seconds=30
    )
    returned = time.perf_counter()
    assert report.error is None and report.published == count, report.to_dict()
    watcher.join(timeout)
    if not done_at:
        raise TimeoutError(f"only {stored_count(env) - before} of {count} stored")
    elapsed = done_at[0] - started
    sharing_cpu = cpu_seconds(env.pid("sharing")) - sharing_cpu
    adapter_cpu = time.process_time() - adapter_cpu
    if broker_cpu is not None:
        broker_cpu = cpu_seconds(broker) - broker_cpu
    rows, distinct = count_rows(env, f"CZBF-{run}-%")
    return {
        "records": count,
        "rows": rows,
        "distinct": distinct,
        "seconds": round(elapsed, 2),
        "per_s": round(count / elapsed, 1),
        "adapter_s": round(returned - started, 2),
        "after_adapter_s": round(done_at[0] - returned, 2),
        # where the CPU went, per record: the sharing service's process, and this process
        # (the adapter, its publisher thread, and the watcher)
        "sharing_cpu_us": round(sharing_cpu / count * 1e6, 1),
        "adapter_cpu_us": round(adapter_cpu / count * 1e6, 1),
        "sharing_busy": round(sharing_cpu / elapsed, 2),
        # the broker's Erlang VM (all its work meanwhile, on any vhost), when it runs here
        **({"broker_cpu_us": round(broker_cpu / count * 1e6, 1)} if broker_cpu is not None else {}),
    }


def latency(env: Env, samples: int, pause: float = 0.1) -> dict:
    """Publish → visible through the API, one record at a time (light load)."""
    from adapters.sdk.publisher import Publisher
    from contracts.records import load_or_create_private_key, sign_record

    env.apply()
    key = load_or_create_private_key("finance", env.var)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {env.token()}"
    publisher = Publisher("finance", env.amqp_uri).connect()
    run = uuid.uuid4().hex[:6]
    seen = []
    try:
        for i in range(samples + 3):
            subject = f"official:LAT-{run}-{i}"
            record = sign_record(
                {
                    "record_id": f"LAT-{run}-{i}",
                    "type": "finance.disbursement",
                    "subject": subject,
                    "occurred_at": "2025-09-01",
                    "data": {
                        "project_id": f"LAT-{run}",
                        "amount": 1000,
                        "disbursed_amount": 1000,
                        "allocated_amount": 100000,
                        "disbursed_percent": 1.0,
                        "progress_percent": 50.0,
                    },
                },
                key,
                "finance",
            )
            batch_id = uuid.uuid4().hex
            t0 = time.perf_counter()
            publisher.publish(
                "finance.disbursement",
                {"records": [record], "adapter": "finance", "batch_id": batch_id},
                batch_id,
            )
            deadline = t0 + 10
            while True:
                r = session.get(
                    f"{env.url}/api/v1/records", params={"subject": subject, "limit": 1}, timeout=10
                )
                r.raise_for_status()
                if r.json()["total"] >= 1:
                    break
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"record {i} not visible after 10 s")
            if i >= 3:  # the first ones warm caches and connections
                seen.append((time.perf_counter() - t0) * 1000)
            time.sleep(pause)
    finally:
        publisher.close()
        session.close()
    return {
        "samples": len(seen),
        "p50_ms": round(percentile(seen, 50), 1),
        "p99_ms": round(percentile(seen, 99), 1),
        "max_ms": round(max(seen), 1),
    }


def drain(env: Env, count: int, *, start=("sharing",), timeout: float = 3600) -> dict:
    """The service alone: ``count`` records wait in the queue (published by the adapter while
    the service was stopped), then the service starts and drains them. Rate from its first
    committed batch to its last."""
    from adapters.sdk import get_adapter
    from adapters.sdk.ingest import outbox_path, process_file, publish_pending
    from adapters.sdk.outbox import Outbox
    from contracts.records import load_or_create_private_key

    env.apply()
    run = uuid.uuid4().hex[:6]
    path = write_ledger(env.var / f"ledger-{run}.csv", count, run)
    key = load_or_create_private_key("finance", env.var)
    with Outbox(outbox_path("finance", env.var)) as outbox:
        report = process_file(get_adapter("finance"), path, outbox, key)
        publish_pending(outbox, report, env.amqp_uri, 30, private_key=key)
    assert report.error is None and report.published == count, report.to_dict()
    env.start(*start)
    first = last = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stored = stored_count(env)
        except requests.RequestException:
            continue
        now = time.perf_counter()
        if stored and first is None:
            first = (now, stored)
        if stored >= count:
            last = now
            break
        time.sleep(0.02)
    if last is None:
        raise TimeoutError(f"only {stored_count(env)} of {count} stored")
    return {"records": count, "per_s": round((count - first[1]) / (last - first[0]), 1)}
