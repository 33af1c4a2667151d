"""Services running in nameko containers against the real RabbitMQ and a real database.

Every test gets its own RabbitMQ vhost and its own database: a fresh SQLite folder, or a fresh
PostgreSQL database (the ``database`` fixture runs each test on both). Tokens are signed with a
test key; the service under test verifies them exactly as in production.
"""

import eventlet

eventlet.monkey_patch()  # noqa: E402 - nameko's pytest plugin no longer does it in 2.14

import os  # noqa: E402
import tempfile  # noqa: E402

os.environ.setdefault("COSUPERVISE_JWT_SECRET", "integration-tests-only-" + "x" * 32)
os.environ.setdefault("COSUPERVISE_VAR", tempfile.mkdtemp(prefix="cv-it-var-"))

import pytest  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from runtime import migrations, topology  # noqa: E402
from runtime.config import load_config  # noqa: E402
from runtime.engine import make_engine  # noqa: E402
from runtime.identity import issue_token  # noqa: E402
from tests.support import postgres, rabbit  # noqa: E402

# demo-like identities: (username, unit, role)
PEOPLE = {
    "office": ("office", "npc", "office_admin"),
    "leader": ("leader", "npc", "viewer"),
    **{
        f"{u}-liaison": (f"{u}-liaison", u, "liaison")
        for u in ("cdi", "plc", "inspection", "audit", "finance", "statistics")
    },
    **{
        f"{u}-reporter": (f"{u}-reporter", u, "supervised")
        for u in ("court", "procuratorate", "agriculture", "ecology", "rural")
    },
}


@pytest.fixture
def amqp_uri():
    vhost, uri = rabbit.create_vhost("cv-it")
    yield uri
    rabbit.delete_vhost(vhost)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'cv.db'}"
        return
    url = postgres.create_database("cv_it")
    yield url
    postgres.drop_database(url)


@pytest.fixture
def config(amqp_uri, database_url, tmp_path):
    cfg = load_config()
    cfg.update(
        {
            "AMQP_URI": amqp_uri,
            "DATABASE_URL": database_url,
            "VAR_DIR": str(tmp_path / "var"),
            "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        }
    )
    return cfg


class Platform:
    """Start services in containers; call them as a named demo person would."""

    def __init__(self, config):
        self.config = config
        self.containers = []
        self._proxies = {}

    def start(self, *service_classes):
        for cls in service_classes:
            name = cls.name
            if name in migrations.available():
                migrations.upgrade(name, make_engine(name, self.config))
        topology.declare(self.config["AMQP_URI"])
        for cls in service_classes:
            container = ServiceContainer(cls, self.config)
            container.start()
            self.containers.append(container)
        return self

    def token(self, person: str) -> str:
        username, unit, role = PEOPLE[person]
        return issue_token(username, unit, role, config=self.config)[0]

    def proxy(self, person: str | None):
        if person not in self._proxies:
            data = {"authorization": self.token(person)} if person else {}
            ctx = ClusterRpcProxy(self.config, context_data=data, timeout=20)
            self._proxies[person] = (ctx, ctx.start())
        return self._proxies[person][1]

    def call(self, person, service: str, method: str, payload=None):
        return getattr(getattr(self.proxy(person), service), method)(payload)

    def stop(self):
        for ctx, _ in self._proxies.values():
            ctx.stop()
        for container in self.containers:
            container.stop()


@pytest.fixture
def platform(config):
    p = Platform(config)
    yield p
    p.stop()
