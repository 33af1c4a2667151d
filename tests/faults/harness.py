"""What the fault tests share: the fault services as real processes, our own RabbitMQ node,
and the counts every test prints (published / stored / lost / duplicated / redeliveries).

Only processes started here are ever signalled, by their own pid; the shared broker on 5672
is never touched beyond a throwaway vhost.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select

from runtime.config import load_config
from runtime.engine import ensure_schema, make_engine, service_database
from tests.faults.faultsvc import service as faultsvc

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queue_depth(amqp_uri: str, queue: str) -> int:
    """Ready messages right now (a passive declare; the management API lags by seconds)."""
    from amqp.exceptions import NotFound
    from kombu import Connection

    with Connection(amqp_uri, connect_timeout=5) as conn:
        channel = conn.channel()
        try:
            _, count, _ = channel.queue_declare(queue, passive=True)
        except NotFound:
            return 0
        channel.close()
        return count


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"not within {timeout:.0f}s: {what}")


def read_engine(name: str, config: dict):
    """An engine that only reads: never the write lock the services' SQLite engines take."""
    url, schema = service_database(name, config)
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 30})
    return create_engine(url, execution_options={"schema_translate_map": {None: schema}})


class FaultWorld:
    """One broker vhost (or node), one database, one control folder, the fault services."""

    def __init__(self, tmp: Path, amqp_uri: str, database_url: str, **env):
        self.tmp = tmp
        self.amqp_uri = amqp_uri
        self.database_url = database_url
        self.control = tmp / "control"
        self.control.mkdir(parents=True, exist_ok=True)
        self.var = tmp / "var"
        self.var.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.procs: dict[str, ServiceProcess] = {}
        self.config = self._config()
        self.engines = {}
        for name in faultsvc.SERVICES:
            engine = make_engine(name, self.config)
            ensure_schema(engine, name)
            faultsvc.metadata.create_all(engine)
            engine.dispose()
            self.engines[name] = read_engine(name, self.config)

    def _config(self) -> dict:
        config = load_config()
        config.update(
            {"AMQP_URI": self.amqp_uri, "DATABASE_URL": self.database_url, "VAR_DIR": str(self.var)}
        )
        return config

    def declare_queue(self):
        """What `cosupervise migrate` does for the real services: the consumer's queue exists
        before the first event is published."""
        from kombu import Connection

        from runtime import topology

        queue = topology.event_queue("faultproducer", faultsvc.TICK, "faultconsumer", "apply")
        with Connection(self.amqp_uri, connect_timeout=5) as conn:
            queue(conn.channel()).declare()

    def declare_exchange(self):
        """The producer's event exchange (topology.declare does it for the catalogued services)."""
        from kombu import Connection
        from nameko.events import get_event_exchange

        with Connection(self.amqp_uri, connect_timeout=5) as conn:
            get_event_exchange("faultproducer", {})(conn.channel()).declare()

    def start(self, name: str, wait: bool = True, **env) -> "ServiceProcess":
        proc = ServiceProcess(self, name, {**self.env, **env})
        self.procs[name] = proc
        proc.start()
        if wait:
            proc.wait_ready()
        return proc

    def set_target(self, n: int):
        tmp = self.control / "target.tmp"
        tmp.write_text(str(n))
        tmp.replace(self.control / "target")

    def lines(self, name: str) -> list[str]:
        path = self.control / name
        return path.read_text().splitlines() if path.exists() else []

    # -- counting ---------------------------------------------------------------------------

    def counts(self) -> "Counts":
        tables = faultsvc.metadata.tables
        outbox, effects, skipped = tables["outbox"], tables["effects"], tables["skipped"]
        with self.engines["faultproducer"].connect() as conn:
            published = {
                r[0]
                for r in conn.execute(
                    select(outbox.c.event_id).where(
                        outbox.c.published_at.is_not(None), outbox.c.last_error.is_(None)
                    )
                )
            }
            emitted = conn.scalar(select(func.count()).select_from(outbox))
            unroutable = conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.last_error.is_not(None))
            )
        with self.engines["faultconsumer"].connect() as conn:
            applied = [r[0] for r in conn.execute(select(effects.c.event_id))]
            skipped_n = conn.scalar(select(func.count()).select_from(skipped))
        stored = set(applied)
        return Counts(
            emitted=emitted,
            published=len(published),
            stored=len(stored),
            lost=len(published - stored),
            duplicated=len(applied) - len(stored),
            redeliveries=len(self.lines("redelivered")),
            skipped=skipped_n,
            unroutable=unroutable,
        )

    def skipped_ids(self) -> list[str]:
        skipped = faultsvc.metadata.tables["skipped"]
        with self.engines["faultconsumer"].connect() as conn:
            return [r[0] for r in conn.execute(select(skipped.c.event_id))]

    def wait_applied(self, n: int, timeout: float) -> "Counts":
        def done():
            c = self.counts()
            return c if c.stored >= n and c.published >= n else None

        try:
            return wait_for(done, timeout, f"{n} events applied", interval=0.5)
        except TimeoutError:
            raise TimeoutError(
                f"{self.counts()} — not all {n} applied within {timeout}s\n" + self.logs()
            ) from None

    def logs(self, tail: int = 3000) -> str:
        out = []
        for name, proc in self.procs.items():
            out.append(f"--- {name} ---\n{proc.log()[-tail:]}")
        return "\n".join(out)

    def stop(self):
        for proc in self.procs.values():
            proc.terminate_and_wait(30)
        for engine in self.engines.values():
            engine.dispose()


@dataclass
class Counts:
    emitted: int
    published: int
    stored: int
    lost: int
    duplicated: int
    redeliveries: int
    skipped: int
    unroutable: int

    def report(self, title: str, **extra) -> str:
        more = "".join(f" {k}={v}" for k, v in extra.items())
        line = (
            f"[{title}] published={self.published} stored={self.stored} lost={self.lost} "
            f"duplicated={self.duplicated} redeliveries={self.redeliveries} "
            f"skipped_as_already_applied={self.skipped}{more}"
        )
        print("\n" + line, flush=True)
        results = os.environ.get("COSUPERVISE_FAULT_RESULTS")
        if results:
            with open(results, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        return line


class ServiceProcess:
    """A fault service run by tests/faults/faultsvc/run.py (cosupervise.serve) in its own
    process group, so a SIGKILL is a real one."""

    def __init__(self, world: FaultWorld, name: str, env: dict):
        self.world, self.name, self.extra = world, name, env
        self.port = free_port()
        self.proc = None
        self.generation = 0
        self.log_path = world.tmp / f"{name}.log"

    def environ(self) -> dict:
        env = dict(os.environ)
        env.update(
            {
                "AMQP_URI": self.world.amqp_uri,
                "DATABASE_URL": self.world.database_url,
                "COSUPERVISE_VAR": str(self.world.var),
                "FAULT_CONTROL": str(self.world.control),
                "FAULT_HTTP": f"127.0.0.1:{self.port}",
                "PYTHONUNBUFFERED": "1",
                "COSUPERVISE_LOG_LEVEL": "WARNING",
            }
        )
        env.update({k: str(v) for k, v in self.extra.items()})
        return env

    def start(self, **env):
        self.extra.update(env)
        self.generation += 1
        log = open(self.log_path, "a")
        log.write(f"\n=== start #{self.generation} ===\n")
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.faultsvc.run", self.name],
            cwd=ROOT,
            env=self.environ(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited ({self.proc.returncode}):\n{self.log()[-3000:]}"
            )
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).ok
        except requests.RequestException:
            return False

    def wait_ready(self, timeout: float = 60):
        wait_for(self.ready, timeout, f"{self.name} ready")
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def sigkill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def sigterm(self):
        os.kill(self.proc.pid, signal.SIGTERM)

    def wait_exit(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def terminate_and_wait(self, timeout: float):
        if not self.alive():
            return
        self.sigterm()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# -- our own RabbitMQ node -------------------------------------------------------------------

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")


class OwnRabbit:
    """A private RabbitMQ node (its own name, ports, data and cookie) that a test may stop,
    kill and restart. The shared broker on 5672 is never involved."""

    def __init__(self, base: Path):
        self.base = base
        self.node = f"cvfault{os.getpid()}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.proc = None
        base.mkdir(parents=True, exist_ok=True)
        (base / "env.conf").write_text("ERL_EPMD_ADDRESS=127.0.0.1\n")
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            "heartbeat = 10\n"
            "disk_free_limit.absolute = 50MB\n"
        )
        (base / "enabled_plugins").write_text("[].\n")

    @staticmethod
    def available() -> bool:
        return (RABBIT_BIN / "rabbitmq-server").exists()

    def _env(self) -> dict:
        env = dict(os.environ)
        env.update(
            {
                "HOME": str(self.base),  # our own Erlang cookie, not the shared node's
                "RABBITMQ_CONF_ENV_FILE": str(self.base / "env.conf"),
                "RABBITMQ_NODENAME": self.node,
                "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.base / "log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
                "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
                "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            }
        )
        return env

    def ctl(self, *args, timeout: float = 60) -> str:
        result = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr or result.stdout}")
        return result.stdout

    def start(self, timeout: float = 60):
        log = open(self.base / "server.out", "a")
        self.proc = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")],
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for(self.answering, timeout, f"RabbitMQ node {self.node} up", interval=0.3)
        return self

    def answering(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
        except OSError:
            return False
        from kombu import Connection

        try:
            with Connection(self.uri, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
            return True
        except Exception:  # noqa: BLE001
            return False

    def beam_pid(self) -> int:
        # rabbitmq-server execs into the Erlang VM, so the process we started is the node
        return self.proc.pid

    def restart_app(self):
        """Stop and start the RabbitMQ application inside the running node."""
        self.ctl("stop_app")
        self.ctl("start_app")
        wait_for(self.answering, 60, "node back after start_app", interval=0.3)

    def restart_node(self):
        """Stop the whole node in order, then start a new one on the same data."""
        self.ctl("stop")
        self.proc.wait(60)
        self.start()

    def crash_node(self):
        """SIGKILL the node (what an OOM kill does), then start it again on the same data."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self.start()

    def queue_depth(self, queue: str) -> int:
        out = self.ctl("list_queues", "-q", "--no-table-headers", "name", "messages")
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == queue:
                return int(parts[1])
        return 0

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.ctl("stop", timeout=30)
                self.proc.wait(30)
            except Exception:  # noqa: BLE001
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        shutil.rmtree(self.base, ignore_errors=True)


class Served:
    """`cosupervise serve <name>` of a real service, in its own process group."""

    def __init__(self, name: str, env: dict, log_dir: Path, http_port: int):
        self.name, self.env, self.port = name, env, http_port
        self.log_path = log_dir / f"serve-{name}.log"
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cosupervise.cli", "serve", self.name],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 60):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.proc.returncode}):\n{self.log()[-3000:]}"
                )
            try:
                return requests.get(f"http://127.0.0.1:{self.port}/readyz", timeout=5).ok
            except requests.RequestException:
                return False

        wait_for(ready, timeout, f"{self.name} ready", interval=0.3)
        return self

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def platform_env(tmp: Path, amqp_uri: str, **extra) -> dict:
    """The environment of a small real platform in tmp: its own var, ports, vhost and key."""
    env = dict(os.environ)
    env.update(
        {
            "AMQP_URI": amqp_uri,
            "COSUPERVISE_VAR": str(tmp / "var"),
            "DATABASE_URL": "",
            "COSUPERVISE_JWT_SECRET": "faults-tests-only-" + "k" * 32,
            "COSUPERVISE_HTTP": f"127.0.0.1:{free_port()}",
            "PYTHONUNBUFFERED": "1",
            "PYTHONWARNINGS": "ignore",
        }
    )
    for name in ("PLANNING", "LEADS", "RECTIFICATION", "RESEARCH", "SHARING"):
        env[f"COSUPERVISE_{name}_HTTP"] = f"127.0.0.1:{free_port()}"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def migrate(env: dict):
    result = subprocess.run(
        [sys.executable, "-m", "cosupervise.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def token_for(env: dict, username: str, unit: str | None, role: str, **kw) -> str:
    from runtime.identity import issue_token

    config = load_config_from(env)
    return issue_token(username, unit, role, config=config, **kw)[0]


def load_config_from(env: dict) -> dict:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return load_config()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
