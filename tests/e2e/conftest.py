"""One `make run` stack (`cosupervise up --demo`, SQLite, its own vhost and var folder) shared by
the end-to-end tests of a run. Tests create their own data (another year, another subject) so
they don't depend on each other's order; the demo is there as `make run` leaves it.

COSUPERVISE_E2E_DATABASE=postgresql runs the same tests on PostgreSQL.
"""

import os

import pytest
import requests

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def stack():
    s = Stack(demo=True, database=os.environ.get("COSUPERVISE_E2E_DATABASE", "sqlite"))
    s.start()
    yield s
    code = s.stop()
    assert code == 0, f"the stack did not stop cleanly ({code}):\n{s.log()[-3000:]}"


class Client:
    """A logged-in user of the API, as an agency's client would be."""

    def __init__(self, stack, username):
        self.base = stack.url
        self.username = username
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {stack.token(username)}"

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        return self.http.request(method, self.base + path, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)


@pytest.fixture(scope="session")
def as_user(stack):
    cache = {}

    def login(username):
        if username not in cache:
            cache[username] = Client(stack, username)
        return cache[username]

    return login
