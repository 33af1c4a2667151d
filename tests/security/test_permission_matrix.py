"""Every route of the OpenAPI document × every kind of caller: the office, a leader (viewer),
each agency's liaison, two supervised units' reporters, no token, a forged, an expired, an
alg=none and a tampered token.

Never a server error; an intruder gets 401 on every authenticated route; a viewer changes
nothing (its writes are refused and everything the office sees stays as it was). Path
parameters are real demo ids, bodies are built from the documented schemas, so refusals are
about who calls, not about malformed input.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.security.conftest import INTRUDERS, USERS
from tests.security.routes import demo_ids, operations

# a viewer's own notices are his to mark read; that changes nobody's data
VIEWER_MAY = {
    "POST /api/v1/notifications/{id}/read",
    "POST /api/v1/notifications/read-all",
    "POST /api/v1/auth/token",
}
SNAPSHOT = [
    "/api/v1/items?year=2025",
    "/api/v1/leads",
    "/api/v1/problems",
    "/api/v1/tasks",
    "/api/v1/circulars",
    "/api/v1/research-topics?year=2025",
    "/api/v1/proposals",
    "/api/v1/meetings",
    "/api/v1/key-units?year=2025",
    "/api/v1/warnings",
    "/api/v1/results",
    "/api/v1/records?limit=1",
    "/api/v1/plans/2025",
]


def call(session, base, op):
    kw = {"timeout": 60}
    if op.body is not None:
        kw["json"] = op.body
    return session.request(op.method, base + op.path, **kw)


def sweep(callers, base, who, ops) -> list[tuple[str, int, str]]:
    session = callers.session(who)
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=8))

    def one(op):
        r = call(session, base, op)
        return str(op), r.status_code, r.text[:300]

    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(one, ops))


def snapshot(office, base) -> dict:
    state = {}
    for path in SNAPSHOT:
        body = office.get(
            base + path, params={"limit": 500} if "limit" not in path else None, timeout=30
        ).json()
        items = body.get("items", [body])
        state[path] = (
            body.get("total"),
            sorted(
                (str(x.get("id") or x.get("unit")), str(x.get("status")), str(x.get("updated_at")))
                for x in items
            ),
        )
    return state


@pytest.mark.timeout(300)
def test_every_route_by_every_caller(stack, callers):
    base = stack.url
    office = callers.session("office")
    document = requests.get(f"{base}/api/v1/openapi.json", timeout=30).json()
    ops = operations(document, demo_ids(office, base))
    authed = [op for op in ops if op.auth]
    results: dict[str, list] = {}
    failures = []

    # intruders: refused on every authenticated route, before anything happens
    for who in INTRUDERS:
        results[who] = sweep(callers, base, who, ops)
        for (name, status, text), op in zip(results[who], ops, strict=True):
            if status >= 500 or (op.auth and status != 401):
                failures.append((who, name, status, text))

    # the viewer: every write refused, and nothing the office sees has changed
    before = snapshot(office, base)
    results["leader"] = sweep(callers, base, "leader", ops)
    for (name, status, text), op in zip(results["leader"], ops, strict=True):
        if status >= 500 or (op.writes and name not in VIEWER_MAY and status < 400):
            failures.append(("leader", name, status, text))
    assert snapshot(office, base) == before, "a viewer's requests changed the data"

    # everyone else: whatever they may or may not do, never a server error
    for who in [u for u in USERS if u != "leader"]:
        results[who] = sweep(callers, base, who, authed)
        failures += [(who, n, s, t) for n, s, t in results[who] if s >= 500]

    table = {who: dict(Counter(status for _, status, _ in rows)) for who, rows in results.items()}
    total = sum(len(rows) for rows in results.values())
    print(
        f"\n[permission matrix] {len(ops)} operations × {len(results)} callers = {total} "
        f"requests, unexpected={len(failures)}",
        flush=True,
    )
    for who, counts in table.items():
        print(f"  {who:20s} {dict(sorted(counts.items()))}", flush=True)
    assert not failures, "\n".join(map(str, failures[:40]))
