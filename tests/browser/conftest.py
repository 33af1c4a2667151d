"""Fixtures for the web client tests: the real stack, a headless Chromium, a signed-in tab per role.

`stack_url` starts `cosupervise up --demo` through tests.support.stack.Stack (its own var folder,
ports and RabbitMQ vhost) unless COSUPERVISE_TEST_URL names a stack that already runs with the
demo loaded. Every tab records the requests it makes, and a test fails when one leaves 127.0.0.1
or when the page throws an uncaught error.
"""

import json
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("COSUPERVISE_CHROMIUM", "/usr/bin/chromium")
# Nothing of Chromium's own phoning home either: the platform runs on closed office networks.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
]
PASSWORD = os.environ.get("COSUPERVISE_DEMO_PASSWORD", "demo")
LOCAL_HOSTS = {"127.0.0.1"}


@pytest.fixture(scope="session")
def stack_url():
    given = os.environ.get("COSUPERVISE_TEST_URL")
    if given:
        yield given.rstrip("/")
        return
    stack = Stack(demo=True)
    stack.start(timeout=240)
    try:
        yield stack.url
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def api(stack_url):
    """api(user, method, path, **kw): the HTTP API as that demo user, to set up or to check."""
    tokens = {}

    def call(username: str, method: str, path: str, **kw):
        if username not in tokens:
            r = requests.post(
                f"{stack_url}/api/v1/auth/token",
                timeout=10,
                json={"username": username, "password": PASSWORD},
            )
            r.raise_for_status()
            tokens[username] = r.json()["access_token"]
        kw.setdefault("timeout", 30)
        return requests.request(
            method,
            f"{stack_url}/api/v1{path}",
            **kw,
            headers={"Authorization": f"Bearer {tokens[username]}"},
        )

    return call


@pytest.fixture(scope="session")
def has_api(api):
    """has_api("/dashboard"): whether the gateway routes that path yet (some services land later)."""
    known = {}

    def check(path: str) -> bool:
        if path not in known:
            r = api("office", "GET", path)
            known[path] = not (
                r.status_code == 404 and r.json().get("error", {}).get("message") == "接口不存在"
            )
        return known[path]

    return check


@pytest.fixture(scope="session")
def free_years(api):
    """Two years without a plan yet (2026 and 2027 on a fresh demo), for tests that make plans."""
    years = []
    for year in range(2026, 2100):
        if api("office", "GET", f"/plans/{year}").status_code == 404:
            years.append(year)
        if len(years) == 2:
            return years
    pytest.fail("no free year for a new plan")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


class Tab:
    """A browser tab at 1366×768 that remembers every request and every uncaught error."""

    def __init__(self, context, base):
        self.page = context.new_page()
        self.base = base
        self.errors = []
        self.requests = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def go(self, hash_path: str):
        """Open a page as a person would from the app (hash navigation, no reload); the first
        visit loads the app."""
        if not self.page.url.startswith(self.base) or not self.page.locator("#main").count():
            self.page.goto(f"{self.base}/#{hash_path}")
        elif self.page.evaluate("() => location.hash") != f"#{hash_path}":
            # Mark what is shown now, so settling waits for the new page, not the old one.
            self.page.evaluate(
                """h => {
                const main = document.querySelector('#main');
                main.appendChild(Object.assign(document.createElement('i'), {className: 'stale-page'}));
                location.hash = h;
            }""",
                hash_path,
            )
            self.page.wait_for_function(
                "() => !document.querySelector('#main .stale-page')", timeout=20000
            )
        self.settle()

    def settle(self):
        """Wait until the main area shows content (a route change empties it first), with no
        skeleton or spinner left in it and no request running."""
        self.page.wait_for_function(
            "() => !document.querySelector('#main .skeleton, #main .loading')"
            " && !document.documentElement.classList.contains('busy')"
            " && (document.querySelector('#main')?.innerText || '').trim().length > 0",
            timeout=20000,
        )

    def shot(self, name: str):
        shot(self.page, name)

    def main_text(self) -> str:
        return self.page.inner_text("#main")

    def nav_links(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".sidenav .nav-link").all_inner_texts()]

    def actions(self) -> list[str]:
        """Every action button offered in the main area (the client marks them data-action)."""
        return [t.strip() for t in self.page.locator("#main [data-action]").all_inner_texts()]

    def external_requests(self) -> list[str]:
        out = []
        for url in self.requests:
            u = urlparse(url)
            if u.scheme in ("data", "blob", "about"):
                continue
            if u.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out


@pytest.fixture(scope="session")
def signed_tokens():
    """The token each demo user got from signing in through the form, for their later tabs."""
    return {}


@pytest.fixture
def tabs(browser, stack_url, signed_tokens):
    """tabs.new() → a fresh signed-out tab; tabs.sign_in(user, at) → a signed-in tab on page `at`.

    A user's first tab signs in through the form; later tabs of the same user start with the
    token that sign-in gave (as a reopened browser tab of the same session would), which keeps
    the suite fast without skipping the form.
    """

    class Tabs:
        def __init__(self):
            self.contexts = []
            self.opened = []

        def new(self) -> Tab:
            ctx = browser.new_context(
                viewport={"width": 1366, "height": 768},
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                accept_downloads=True,
            )
            self.contexts.append(ctx)
            tab = Tab(ctx, stack_url)
            self.opened.append(tab)
            return tab

        def sign_in(self, username: str, at: str | None = None) -> Tab:
            tab = self.new()
            token = signed_tokens.get(username)
            if token:
                tab.page.add_init_script(
                    f"sessionStorage.setItem('cosupervise.token', {json.dumps(token)})"
                )
                tab.page.goto(f"{stack_url}/#{at or '/dashboard'}")
            else:
                tab.page.goto(f"{stack_url}/#{at}" if at else f"{stack_url}/")
                tab.page.fill("#username", username)
                tab.page.fill("#password", PASSWORD)
                tab.page.click("form.login-form button[type=submit]")
            tab.page.wait_for_selector(".sidenav", timeout=20000)
            tab.settle()
            if not token:
                signed_tokens[username] = tab.page.evaluate(
                    "() => sessionStorage.getItem('cosupervise.token')"
                )
            return tab

    t = Tabs()
    yield t
    errors = [e for tab in t.opened for e in tab.errors]
    external = [u for tab in t.opened for u in tab.external_requests()]
    for ctx in t.contexts:
        ctx.close()
    assert not errors, f"uncaught script errors in the web client: {errors}"
    assert not external, f"requests left 127.0.0.1: {external}"
