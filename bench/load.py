"""HTTP load over loopback: wrk when installed (C, it does not compete for the GIL with anything),
else threads with one requests.Session each. Either way every answer must be a 200."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time

import requests

from bench.stats import percentile

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)]


def check(url: str, token: str, headers: dict | None = None) -> dict:
    r = requests.get(
        url, headers={"Authorization": f"Bearer {token}", **(headers or {})}, timeout=30
    )
    if r.status_code != 200:
        raise RuntimeError(f"GET {url} -> {r.status_code}: {r.text[:500]}")
    return r.json()


def run(url: str, token: str, clients: int, seconds: float, headers: dict | None = None) -> dict:
    """``headers``: sent with every request besides the token (``Cache-Control: no-cache``
    makes the gateway ask the services every time)."""
    headers = {"Authorization": f"Bearer {token}", **(headers or {})}
    check(url, token, headers)  # warm, and a wrong answer is an error, not a figure
    if shutil.which("wrk"):
        return _wrk(url, headers, clients, seconds)
    return _threads(url, headers, clients, seconds)


def _wrk(url, headers, clients, seconds) -> dict:
    threads = min(clients, 2)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{clients}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "--timeout",
            "10s",
            *(arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # failures are a finding, not a crash: counted, and said in the output
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    dist = dict(re.findall(r"^\s+(50|75|90|99)\.?0*%\s+(\S+)\s*$", out, re.M))
    if "50" not in dist or "99" not in dist:
        raise RuntimeError(f"wrk's answer not understood:\n{out}")
    return {
        "clients": clients,
        "tool": "wrk",
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "per_s": round(float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)), 1),
        "p50_ms": round(_ms(dist["50"]), 1),
        "p99_ms": round(_ms(dist["99"]), 1),
        "failed": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def _threads(url, headers, clients, seconds) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def client():
        own = []
        with requests.Session() as s:
            s.headers.update(headers)
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = s.get(url, timeout=30)
                own.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text[:200]}")
        with lock:
            latencies.extend(own)

    started = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "tool": "threads",
        "requests": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "failed": len(failures),
        "first_failure": failures[0] if failures else "",
    }


def settle(url: str, token: str, timeout: float = 120) -> float:
    """Wait until a cheap request is answered quickly again: work queued by the previous load
    (RPC requests expire after the RPC timeout) must not be charged to the next one."""
    started = time.perf_counter()
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {token}"
        while time.perf_counter() - started < timeout:
            t0 = time.perf_counter()
            try:
                ok = s.get(url, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            if ok and time.perf_counter() - t0 < 0.05:
                break
            time.sleep(0.5)
    return round(time.perf_counter() - started, 1)
