"""A throwaway platform for one bench run: own vhost, own database, own var folder, free ports.

Services run as real `cosupervise serve <name>` processes (what Kubernetes runs), so what is
measured is the process a deployment runs, and its resident memory can be read from /proc.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.support import postgres, rabbit

ROOT = Path(__file__).resolve().parents[1]
JWT_SECRET = "bench-only-" + "b" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pid() -> int | None:
    """The local RabbitMQ's Erlang VM (beam.smp), when this machine runs the broker."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() == "beam.smp":
                    return int(proc.name)
            except OSError:
                continue
    return None


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Env:
    """One database kind (sqlite | postgresql) on its own vhost, database and var folder."""

    def __init__(self, database: str, label: str = "bench"):
        self.database = database
        self.var = Path(tempfile.mkdtemp(prefix=f"cv-{label}-{database}-"))
        self.vhost, self.amqp_uri = rabbit.create_vhost(f"cv-{label}")
        self.database_url = (
            postgres.create_database(f"cv_{label}") if database == "postgresql" else ""
        )
        self.ports = {
            name: free_port()
            for name in ("gateway", "planning", "leads", "rectification", "research", "sharing")
        }
        self.procs: dict[str, subprocess.Popen] = {}
        self._logs = []

    # -- environment ----------------------------------------------------------------------

    def environ(self) -> dict:
        env = dict(os.environ)
        env.update(
            {
                "COSUPERVISE_VAR": str(self.var),
                "AMQP_URI": self.amqp_uri,
                "DATABASE_URL": self.database_url,
                "COSUPERVISE_JWT_SECRET": JWT_SECRET,
                "COSUPERVISE_HTTP": f"127.0.0.1:{self.ports['gateway']}",
                "COSUPERVISE_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name, port in self.ports.items():
            if name != "gateway":
                env[f"COSUPERVISE_{name.upper()}_HTTP"] = f"127.0.0.1:{port}"
        return env

    def apply(self) -> None:
        """Make this process read the same configuration (tokens, seeding, SDK)."""
        for key, value in self.environ().items():
            if key.startswith(("COSUPERVISE_", "AMQP_URI", "DATABASE_URL")):
                os.environ[key] = value
        from runtime.config import settings

        settings.cache_clear()

    def config(self) -> dict:
        from runtime.config import load_config

        self.apply()
        return load_config()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def token(self, username="office", unit="npc", role="office_admin") -> str:
        from runtime.identity import issue_token

        return issue_token(username, unit, role, ttl=6 * 3600, config=self.config())[0]

    # -- processes ------------------------------------------------------------------------

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "cosupervise.cli", "migrate"],
            cwd=ROOT,
            env=self.environ(),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self, *names: str, timeout: float = 90, profile: tuple = ()) -> None:
        """Start services; those named in ``profile`` run under cProfile (written on stop to
        ``<var>/<name>.prof``)."""
        for name in names:
            log = open(self.var / f"{name}.log", "ab")
            self._logs.append(log)
            prof = (
                ["-m", "cProfile", "-o", str(self.var / f"{name}.prof")] if name in profile else []
            )
            self.procs[name] = subprocess.Popen(
                [sys.executable, *prof, "-m", "cosupervise.cli", "serve", name],
                cwd=ROOT,
                env=self.environ(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        everything = {"planning", "leads", "rectification", "research", "sharing"}
        for name in names:
            # the gateway's /readyz asks every service; with some of them only, it is alive
            probe = (
                "healthz" if name == "gateway" and not everything <= set(self.procs) else "readyz"
            )
            url = f"http://127.0.0.1:{self.ports[name]}/{probe}"
            while True:
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log(name)[-3000:]}")
                try:
                    if requests.get(url, timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not ready: {self.log(name)[-3000:]}")
                time.sleep(0.3)

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def log(self, name: str) -> str:
        path = self.var / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, *names: str) -> None:
        for name in names or list(self.procs):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def close(self) -> None:
        self.stop()
        for log in self._logs:
            log.close()
        rabbit.delete_vhost(self.vhost)
        if self.database_url:
            postgres.drop_database(self.database_url)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(self.var, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the sharing database, read directly (counts only: no API in the timed path) ------

    def sharing_engine(self):
        from runtime.engine import make_engine

        return make_engine("sharing", self.config())
