"""The portrait through the gateway: four services asked at once, one of them not running."""

import pytest
import requests
from nameko.web.server import WebServer
from sharing_support import SAMPLES, Bus

pytestmark = pytest.mark.integration


def gateway_url(container):
    server = next(e for e in container.extensions if isinstance(e, WebServer))
    return f"http://127.0.0.1:{server._sock.getsockname()[1]}"


def test_portrait_within_each_callers_rights_and_a_missing_service_marked(platform):
    from gateway.service import GatewayService
    from services.leads.service import LeadsService
    from services.planning.service import PlanningService
    from services.research.service import ResearchService
    from services.sharing.service import SharingService

    platform.config["rpc_timeout_seconds"] = 2
    platform.start(SharingService, PlanningService, LeadsService, ResearchService, GatewayService)
    url = gateway_url(platform.containers[-1])
    bus = Bus(platform)
    bus.ingest("finance", SAMPLES["finance"] / "乡村振兴衔接资金拨付台账_2025.csv")
    bus.ingest("audit", SAMPLES["audit"] / "审计发现问题清单_2025.xlsx")
    bus.ingest("plc", SAMPLES["plc"] / "信访投诉登记表_2025.csv")
    bus.wait_records(25)

    def http(person, method, path, **kw):
        headers = {"Authorization": f"Bearer {platform.token(person)}"}
        return requests.request(method, url + path, headers=headers, timeout=20, **kw)

    warnings = bus.wait(
        lambda: [
            w
            for w in http("audit-liaison", "GET", "/api/v1/warnings").json()["items"]
            if w["rule"] == "funds_outpace_progress"
        ],
        what="the rural-funds warning",
    )
    r = http(
        "audit-liaison",
        "POST",
        f"/api/v1/warnings/{warnings[0]['id']}/to-lead",
        json={"to_unit": "cdi"},
    )
    assert r.status_code == 201, r.text
    lead = r.json()

    office = http("office", "GET", "/api/v1/subjects/town-jieshi/portrait")
    assert office.status_code == 200, office.text
    p = office.json()
    assert (
        p["subject_name"] == "界石镇" and p["facts_total"] == 5
    )  # 3 disbursements, 1 audit, 1 petition
    assert all(
        f["source_unit"] and f["record_id"] and f["event_id"] and f["received_at"]
        for f in p["facts"]
    )
    assert [w["id"] for w in p["warnings"]] == [warnings[0]["id"]]
    assert [x["id"] for x in p["leads"]] == [lead["id"]]
    assert p["sections"]["tasks"] == "unavailable" and p["unavailable"] == ["rectification"]
    again = http("office", "GET", "/api/v1/subjects/town-jieshi/portrait")
    assert again.headers["X-Cache"] == "miss"  # a degraded answer is never kept
    assert p["sections"]["facts"] == "ok" and p["sections"]["leads"] == "ok"
    kinds = [e["kind"] for e in p["timeline"]]
    assert kinds.count("record") == 5 and "warning" in kinds and "lead" in kinds
    assert [e["at"] for e in p["timeline"]] == sorted(e["at"] for e in p["timeline"])

    plc = http("plc-liaison", "GET", "/api/v1/subjects/town-jieshi/portrait").json()
    assert {f["type"] for f in plc["facts"]} == {"plc.petition"}
    assert plc["warnings"] == [] and plc["leads"] == []  # need-to-know: plc never touched it
    cdi = http("cdi-liaison", "GET", "/api/v1/subjects/town-jieshi/portrait").json()
    assert [x["id"] for x in cdi["leads"]] == [lead["id"]]
    assert (
        http("court-reporter", "GET", "/api/v1/subjects/town-jieshi/portrait").json()["facts"] == []
    )

    bad = http("office", "GET", "/api/v1/subjects/%E7%95%8C%20%E7%9F%B3/portrait")
    assert bad.status_code == 422 and "subject" in bad.json()["error"]["fields"]
    assert (
        requests.get(url + "/api/v1/subjects/town-jieshi/portrait", timeout=10).status_code == 401
    )

    # lists over HTTP answer the contract's {items, total} with limit/offset
    page = http("office", "GET", "/api/v1/records?type=finance.disbursement&limit=2&offset=1")
    assert page.status_code == 200 and page.json()["total"] == 11
    assert len(page.json()["items"]) == 2
    assert http("office", "GET", "/api/v1/records?limit=0").status_code == 422
    assert http("office", "GET", "/api/v1/records?type=nonsense").status_code == 422
    assert http("plc-liaison", "GET", "/api/v1/records?type=finance.disbursement").json() == {
        "items": [],
        "total": 0,
    }


def test_a_portrait_is_kept_per_caller_for_seconds_and_a_write_shows_at_once(platform):
    from gateway.service import GatewayService
    from services.leads.service import LeadsService
    from services.planning.service import PlanningService
    from services.rectification.service import RectificationService
    from services.research.service import ResearchService
    from services.sharing.service import SharingService

    platform.config["view_cache_seconds"] = 30
    platform.start(
        SharingService,
        PlanningService,
        LeadsService,
        RectificationService,
        ResearchService,
        GatewayService,
    )
    url = gateway_url(platform.containers[-1])
    bus = Bus(platform)
    bus.ingest("finance", SAMPLES["finance"] / "乡村振兴衔接资金拨付台账_2025.csv")
    bus.wait_records(11)
    portrait = "/api/v1/subjects/town-jieshi/portrait"

    def http(person, method, path, headers=None, **kw):
        headers = {"Authorization": f"Bearer {platform.token(person)}", **(headers or {})}
        return requests.request(method, url + path, headers=headers, timeout=20, **kw)

    warning = bus.wait(
        lambda: [
            w
            for w in http("office", "GET", "/api/v1/warnings").json()["items"]
            if w["rule"] == "funds_outpace_progress"
        ],
        what="the rural-funds warning",
    )[0]
    first = http("office", "GET", portrait)
    assert first.status_code == 200 and first.json()["unavailable"] == []
    assert first.headers["X-Cache"] == "miss"
    second = http("office", "GET", portrait)
    assert second.headers["X-Cache"] == "hit" and second.content == first.content
    assert int(second.headers["Age"]) >= 0 and second.headers["Cache-Control"] == "no-store"
    # another caller's rights are decided by the services again, never served from the office's
    plc = http("plc-liaison", "GET", portrait)
    assert plc.headers["X-Cache"] == "miss"
    assert plc.json()["warnings"] == [] and plc.json()["facts"] == []
    assert http("office", "GET", portrait + "?limit=3").headers["X-Cache"] == "miss"
    fresh = http("office", "GET", portrait, headers={"Cache-Control": "no-cache"})
    assert fresh.headers["X-Cache"] == "miss"
    # a refused write changes nothing and keeps what was kept
    assert http("office", "POST", "/api/v1/warnings/nope/to-lead", json={}).status_code >= 400
    assert http("office", "GET", portrait).headers["X-Cache"] == "hit"

    lead = http(
        "office", "POST", f"/api/v1/warnings/{warning['id']}/to-lead", json={"to_unit": "cdi"}
    )
    assert lead.status_code == 201, lead.text
    after = http("office", "GET", portrait)
    assert after.headers["X-Cache"] == "miss"
    assert lead.json()["id"] in {x["id"] for x in after.json()["leads"]}
