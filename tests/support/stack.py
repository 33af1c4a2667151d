"""The `make run` stack (`cosupervise up --demo`), started for real for end-to-end tests.

Each start gets its own var folder, free ports, its own RabbitMQ vhost and, when asked, its own
PostgreSQL database, so a test run never touches `./var` or another run's data.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.support import postgres, rabbit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("PLANNING", "LEADS", "RECTIFICATION", "RESEARCH", "SHARING")
READY_LINE = "协同联动监督平台已启动"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, *, demo: bool = True, database: str = "sqlite", extra_env=None):
        self.demo = demo
        self.database = database
        self.extra_env = extra_env or {}
        self.var = Path(tempfile.mkdtemp(prefix="cv-stack-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.var / "stack.log"
        self.proc = None
        self.vhost = None
        self.database_url = None

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            {
                "COSUPERVISE_VAR": str(self.var),
                "COSUPERVISE_HTTP": f"127.0.0.1:{self.port}",
                "AMQP_URI": self.amqp_uri,
                "DATABASE_URL": self.database_url or "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name in SERVICES:
            env[f"COSUPERVISE_{name}_HTTP"] = f"127.0.0.1:{free_port()}"
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 180) -> "Stack":
        if self.vhost is None:  # a restart keeps its vhost, database and var folder
            self.vhost, self.amqp_uri = rabbit.create_vhost("cv-e2e")
        if self.database == "postgresql" and self.database_url is None:
            self.database_url = postgres.create_database("cv_e2e")
        args = [sys.executable, "-m", "cosupervise.cli", "up"] + (["--demo"] if self.demo else [])
        self._log = open(self.log_path, "a")
        self._log_offset = self.log_path.stat().st_size
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stack exited early ({self.proc.returncode}):\n{self.log()}")
            if READY_LINE.encode() in self.log_path.read_bytes()[self._log_offset :]:
                return self
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"stack not ready within {timeout}s:\n{self.log()[-5000:]}")

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_bytes().decode("utf-8", errors="replace")

    def stop(self, timeout: float = 40, cleanup: bool = True) -> int | None:
        """SIGTERM the whole stack; with cleanup, drop its vhost and database too."""
        code = None
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                code = self.proc.wait()
        if not cleanup:
            return code
        if self.vhost:
            rabbit.delete_vhost(self.vhost)
            self.vhost = None
        if self.database_url:
            postgres.drop_database(self.database_url)
            self.database_url = None
        return code

    # -- a client as an agency would write it --------------------------------------------

    def token(self, username: str, password: str | None = None) -> str:
        password = password or os.environ.get("COSUPERVISE_DEMO_PASSWORD", "demo")
        r = requests.post(
            f"{self.url}/api/v1/auth/token",
            json={"username": username, "password": password},
            timeout=10,
        )
        r.raise_for_status()
        return r.json()["access_token"]

    def session(self, username: str) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token(username)}"
        s.base = self.url  # type: ignore[attr-defined]
        return s
