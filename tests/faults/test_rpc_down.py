"""An RPC to a service that is down: the gateway's caller gets a clear 503 within a bounded
time, never a hang; and what was asked while it was down is not done behind the caller's back
when the service comes back (the caller was told it failed).
"""

import time

import pytest
import requests

from tests.faults.harness import Served, migrate, platform_env, token_for, wait_for

RPC_TIMEOUT = 3  # COSUPERVISE_RPC_TIMEOUT for this platform


@pytest.fixture
def small_platform(vhost_uri, tmp_path):
    _, uri = vhost_uri
    env = platform_env(
        tmp_path, uri, COSUPERVISE_SERVICES="planning", COSUPERVISE_RPC_TIMEOUT=RPC_TIMEOUT
    )
    migrate(env)
    gateway_port = int(env["COSUPERVISE_HTTP"].rsplit(":", 1)[1])
    planning_port = int(env["COSUPERVISE_PLANNING_HTTP"].rsplit(":", 1)[1])
    planning = Served("planning", env, tmp_path, planning_port).start()
    gateway = Served("gateway", env, tmp_path, gateway_port).start()
    planning.wait_ready()
    gateway.wait_ready()
    yield env, gateway, planning
    gateway.stop()
    planning.stop()


def timed(method, url, **kw):
    started = time.monotonic()
    r = requests.request(method, url, timeout=RPC_TIMEOUT + 20, **kw)
    return r, time.monotonic() - started


@pytest.mark.timeout(180)
def test_service_down_answers_503_in_bounded_time(small_platform):
    env, gateway, planning = small_platform
    base = f"http://127.0.0.1:{gateway.port}"
    office = {"Authorization": "Bearer " + token_for(env, "office", "npc", "office_admin")}
    liaison = {"Authorization": "Bearer " + token_for(env, "cdi-liaison", "cdi", "liaison")}
    r = requests.get(f"{base}/api/v1/proposals?year=2031", headers=office, timeout=10)
    assert r.status_code == 200 and r.json()["total"] == 0

    timings = {}
    for how, sig in (("SIGTERM", 15), ("SIGKILL", 9)):
        planning.stop(sig)
        r, took = timed("GET", f"{base}/api/v1/proposals?year=2031", headers=office)
        timings[f"GET after {how}"] = round(took, 1)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "service_unavailable"
        assert took < RPC_TIMEOUT + 3, f"{took:.1f}s to answer 503"
        proposal = {
            "year": 2031,
            "title": f"趁服务停止时提出（{how}）",
            "rationale": "测试",
            "concern_source": "public",
        }
        r, took = timed("POST", f"{base}/api/v1/proposals", headers=liaison, json=proposal)
        timings[f"POST after {how}"] = round(took, 1)
        assert r.status_code == 503, r.text
        r, took = timed("GET", f"{base}/readyz")
        timings[f"readyz after {how}"] = round(took, 1)
        assert r.status_code == 503 and r.json()["checks"]["planning"] != "ok"
        assert took < RPC_TIMEOUT + 3
        planning.start().wait_ready()
        wait_for(
            lambda: requests.get(f"{base}/readyz", timeout=10).status_code == 200,
            30,
            "gateway ready again",
        )
        # what the caller was told failed must not happen later behind its back
        time.sleep(1)
        r = requests.get(f"{base}/api/v1/proposals?year=2031", headers=office, timeout=10)
        assert r.status_code == 200
        assert r.json()["total"] == 0, (
            f"a request answered 503 was executed after {how}: {r.json()['items']}"
        )
    print(
        f"\n[RPC to a stopped service] 503 within {timings} s (rpc timeout {RPC_TIMEOUT} s)",
        flush=True,
    )
