"""Fault tests: real processes killed for real, a private RabbitMQ node restarted for real.

Each test gets its own vhost on the shared broker (or its own node when it restarts the
broker), its own database (SQLite files in tmp, or a fresh PostgreSQL database) and its own
control folder. Nothing here signals a process it did not start.
"""

import os
import shutil

import pytest

from tests.faults.harness import FaultWorld, OwnRabbit
from tests.support import postgres, rabbit


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def vhost_uri():
    vhost, uri = rabbit.create_vhost("cv-fault")
    yield vhost, uri
    rabbit.delete_vhost(vhost)


def database_for(kind: str, tmp_path):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'cv.db'}", None
    url = postgres.create_database("cv_fault")
    return url, url


@pytest.fixture
def world_factory(tmp_path):
    """make(amqp_uri, database='sqlite'|'postgresql', **env) -> FaultWorld, all torn down."""
    made, databases = [], []

    def make(amqp_uri, database="sqlite", **env):
        url, drop = database_for(database, tmp_path / database)
        if drop:
            databases.append(drop)
        world = FaultWorld(tmp_path / f"world{len(made)}", amqp_uri, url, **env)
        made.append(world)
        return world

    yield make
    for world in made:
        world.stop()
    for url in databases:
        postgres.drop_database(url)


@pytest.fixture
def own_rabbit(tmp_path_factory):
    if not OwnRabbit.available():
        pytest.skip("rabbitmq-server is not installed here: cannot run a private node")
    base = tmp_path_factory.mktemp("rabbit")
    node = OwnRabbit(base)
    node.start()
    yield node
    node.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _results_file():
    os.environ.setdefault("COSUPERVISE_FAULT_RESULTS", "")
    yield
