"""The gateway in front of a planning service that goes away and comes back."""

import time

import pytest
import requests
from nameko.web.server import WebServer

from gateway.service import GatewayService
from services.planning.service import PlanningService

pytestmark = pytest.mark.integration

PROPOSAL = {
    "year": 2025,
    "title": "拒执类案件",
    "rationale": "代表关注",
    "concern_source": "deputies",
}


def gateway_url(container):
    server = next(e for e in container.extensions if isinstance(e, WebServer))
    return f"http://127.0.0.1:{server._sock.getsockname()[1]}"


def test_a_down_service_is_a_quick_503_and_the_abandoned_request_never_applies(platform):
    platform.config["rpc_timeout_seconds"] = 1.5
    platform.start(PlanningService, GatewayService)
    planning, gateway = platform.containers
    url = gateway_url(gateway)
    auth = {"Authorization": f"Bearer {platform.token('cdi-liaison')}"}
    assert requests.get(f"{url}/api/v1/proposals", headers=auth, timeout=10).status_code == 200

    planning.stop()  # its queue stays: requests wait there until the caller gives up
    started = time.monotonic()
    r = requests.post(f"{url}/api/v1/proposals", json=PROPOSAL, headers=auth, timeout=30)
    waited = time.monotonic() - started
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "service_unavailable"
    assert waited < 5, f"took {waited:.1f}s"

    # planning comes back: the request the client was told failed must not be applied now
    time.sleep(0.5)
    platform.start(PlanningService)
    time.sleep(1.0)
    listed = requests.get(f"{url}/api/v1/proposals", headers=auth, timeout=10)
    assert listed.status_code == 200 and listed.json()["total"] == 0
