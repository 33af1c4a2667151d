"""The gateway's cross-service views and notification feed on the real broker and databases.

The gateway and the planning service run in containers; the other services are not started,
so every view also shows how it behaves when a service does not answer. Events of the leads and
rectification services are published onto their exchanges exactly as their outbox relays do.
"""

import io
import time
from datetime import timedelta

import docx
import pytest
import requests
from kombu import Connection, Exchange
from nameko.testing.services import entrypoint_hook
from openpyxl import load_workbook

from contracts.events import make_envelope
from gateway.service import GatewayService
from runtime import clock, metrics
from services.planning.service import PlanningService

pytestmark = pytest.mark.integration


class Http:
    def __init__(self, platform):
        self.platform = platform
        gateway = next(c for c in platform.containers if c.service_name == "gateway")
        server = next(e for e in gateway.entrypoints if hasattr(e, "server")).server
        self.base = f"http://127.0.0.1:{server._sock.getsockname()[1]}"
        self.gateway = gateway

    def get(self, person, path, **params):
        return requests.get(
            self.base + path,
            params=params,
            timeout=30,
            headers={"Authorization": f"Bearer {self.platform.token(person)}"},
        )

    def post(self, person, path, json=None):
        return requests.post(
            self.base + path,
            json=json,
            timeout=30,
            headers={"Authorization": f"Bearer {self.platform.token(person)}"},
        )


@pytest.fixture
def http(platform):
    platform.start(PlanningService, GatewayService)
    return Http(platform)


def publish(platform, source, event_type, payload, *, times=1, envelope=None):
    envelope = envelope or make_envelope(event_type, payload, actor="someone", source_unit="audit")
    exchange = Exchange(f"{source}.events", type="topic", durable=True)
    with Connection(platform.config["AMQP_URI"]) as conn:
        producer = conn.Producer(serializer="json")
        for _ in range(times):  # a relay that lost a confirm publishes again
            producer.publish(
                envelope,
                exchange=exchange,
                routing_key=event_type,
                delivery_mode=2,
                declare=[exchange],
            )
    return envelope


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def _item_with_finding(platform):
    platform.call("office", "planning", "create_plan", {"year": 2025})
    item = platform.call(
        "office",
        "planning",
        "add_item",
        {
            "year": 2025,
            "title": "乡村振兴资金使用监管",
            "form": "joint_supervision",
            "lead_unit": "npc",
            "participating_units": ["cdi", "audit"],
            "key": True,
        },
    )
    platform.call("office", "planning", "adopt_plan", {"year": 2025})
    platform.call(
        "office",
        "planning",
        "submit_implementation_plan",
        {"item_id": item["id"], "content": "实施方案"},
    )
    platform.call("office", "planning", "approve_implementation_plan", {"item_id": item["id"]})
    for person, unit in (("office", "npc"), ("cdi-liaison", "cdi"), ("audit-liaison", "audit")):
        platform.call(
            person,
            "planning",
            "dispatch_staff",
            {"item_id": item["id"], "unit": unit, "name": "张三", "role": "组员"},
        )
    platform.call("office", "planning", "start_item", {"item_id": item["id"]})
    finding = platform.call(
        "audit-liaison",
        "planning",
        "record_finding",
        {
            "item_id": item["id"],
            "title": "衔接资金拨付快于项目进度",
            "description": "进度仅三成",
            "subject": "rural",
        },
    )
    return item, finding


def test_views_stand_when_services_are_missing(http, platform):
    item, finding = _item_with_finding(platform)

    # dashboard: planning counted, every other mechanism marked, still 200
    r = http.get("leader", "/api/v1/dashboard", year=2025)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mechanisms"]["planning"]["items_total"] == 1
    assert body["mechanisms"]["leads"] == {"unavailable": True}
    assert set(body["unavailable"]) == {"leads", "rectification", "research", "sharing"}
    assert body["per_unit"]["cdi"] == {"planning": 1}
    assert http.get("leader", "/api/v1/dashboard", year="明年").json()["error"]["fields"]["year"]
    assert http.get("leader", "/api/v1/dashboard").json()["year"] is None  # every year

    # trace: the chain that planning knows, a lead it links to left out with its service named
    publish(
        platform,
        "leads",
        "lead_registered",
        {"lead": {"id": "lead-x", "origin": {"kind": "finding", "id": finding["id"]}}},
    )
    wait_for(
        lambda: platform.call("office", "planning", "get_finding", {"id": finding["id"]})[
            "lead_ids"
        ]
    )
    r = http.get("cdi-liaison", f"/api/v1/trace/item/{item['id']}")
    assert r.status_code == 200, r.text
    trace = r.json()
    assert {n["key"] for n in trace["nodes"]} == {f"item:{item['id']}", f"finding:{finding['id']}"}
    assert trace["edges"] == [{"from": f"item:{item['id']}", "to": f"finding:{finding['id']}"}]
    assert trace["unavailable"] == ["leads"]
    assert (
        http.get("cdi-liaison", f"/api/v1/trace/finding/{finding['id']}").json()["root"]["kind"]
        == "finding"
    )
    assert http.get("office", "/api/v1/trace/spaceship/1").status_code == 404
    assert http.get("office", "/api/v1/trace/item/item-nope").status_code == 404
    assert http.get("office", "/api/v1/trace/lead/lead-x").status_code == 503

    # search: Chinese substring, the silent services named; q is required and bounded
    r = http.get("audit-liaison", "/api/v1/search", q="乡村振兴")
    assert r.status_code == 200, r.text
    hits = r.json()
    assert {(h["kind"], h["id"]) for h in hits["items"]} >= {("item", item["id"])}
    assert "leads" in hits["unavailable"]
    for bad in ("", "   ", "长" * 101):
        r = http.get("audit-liaison", "/api/v1/search", q=bad)
        assert r.status_code == 422 and r.json()["error"]["fields"]["q"], bad
    assert http.get("audit-liaison", "/api/v1/search").json()["error"]["fields"]["q"]
    r = requests.get(http.base + "/api/v1/search", params={"q": "x"}, timeout=10)
    assert r.status_code == 401

    # exports: the items list as a workbook; a list whose service is down is a clear 503
    r = http.get("audit-liaison", "/api/v1/items.xlsx", year=2025)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="items.xlsx"' in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.title == "监督事项清单" and ws.cell(3, 3).value == "乡村振兴资金使用监管"
    assert ws.cell(3, 6).value == "区人大常委会"
    assert http.get("audit-liaison", "/api/v1/items.xlsx", year=2031).status_code == 200
    assert http.get("audit-liaison", "/api/v1/items.xlsx", status="lost").status_code == 422
    assert http.get("audit-liaison", "/api/v1/leads.xlsx").status_code == 503

    # the annual report: a Word document that says which figures are missing
    r = http.get("office", "/api/v1/reports/annual/2025.docx")
    assert r.status_code == 200, r.text
    assert "wordprocessingml" in r.headers["Content-Type"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "关于2025年度协同联动监督工作情况的报告" in text and "共列入监督事项 1 项" in text
    assert "线索共处的数据本次未能取得" in text
    assert http.get("rural-reporter", "/api/v1/reports/annual/2025.docx").status_code == 403


def test_notices_arrive_once_for_the_right_people_and_are_read_per_user(http, platform):
    duplicates = metrics.EVENTS_DUPLICATE.labels("gateway")
    before = duplicates._value.get()
    lead = {
        "id": "lead-1",
        "subject": "rural",
        "summary": "衔接资金拨付快于项目进度",
        "sensitivity": "normal",
        "status": "transferred",
        "source_unit": "audit",
        "sender_unit": "audit",
        "holder_unit": "cdi",
        "accept_due": (clock.today() + timedelta(days=2)).isoformat(),
        "feedback_due": (clock.today() + timedelta(days=30)).isoformat(),
    }
    publish(
        platform,
        "leads",
        "lead_transferred",
        {"lead": lead, "to_unit": "cdi", "reason": "涉嫌违纪"},
        times=3,
    )
    listed = wait_for(
        lambda: (lambda b: b if b["total"] else None)(
            http.get("cdi-liaison", "/api/v1/notifications").json()
        )
    )
    time.sleep(1.0)  # the two redeliveries arrive too
    listed = http.get("cdi-liaison", "/api/v1/notifications").json()
    received = [n for n in listed["items"] if n["type"] == "lead_received"]
    assert len(received) == 1 and listed["unread"] >= 1
    assert received[0]["entity"] == {"kind": "lead", "id": "lead-1"}
    assert duplicates._value.get() - before == 2
    # nobody else hears of the lead
    for person in ("audit-liaison", "rural-reporter", "leader"):
        assert http.get(person, "/api/v1/notifications").json()["total"] == 0, person

    # the acceptance deadline is two days away: the timer reminds once, however often it runs
    with entrypoint_hook(http.gateway, "remind_deadlines") as remind:
        remind()
        remind()
    due = [
        n
        for n in http.get("cdi-liaison", "/api/v1/notifications").json()["items"]
        if n["type"] == "deadline_near"
    ]
    assert len(due) == 1 and due[0]["due_on"] == lead["accept_due"]

    # an issued circular reaches everyone
    publish(
        platform,
        "rectification",
        "circular_issued",
        {"circular": {"id": "circ-1", "title": "关于衔接资金问题的通报"}},
    )
    wait_for(lambda: http.get("rural-reporter", "/api/v1/notifications").json()["total"])

    # read per user: cdi reads its notice; the leader still has the circular unread
    notice_id = received[0]["id"]
    r = http.post("cdi-liaison", f"/api/v1/notifications/{notice_id}/read")
    assert r.status_code == 200 and r.json()["read"] is True
    first_read = r.json()["read_at"]
    assert (
        http.post("cdi-liaison", f"/api/v1/notifications/{notice_id}/read").json()["read_at"]
        == first_read
    )
    assert http.post("audit-liaison", f"/api/v1/notifications/{notice_id}/read").status_code == 404
    unread = http.get("cdi-liaison", "/api/v1/notifications", unread="true").json()
    assert notice_id not in {n["id"] for n in unread["items"]}
    assert unread["total"] == unread["unread"] == 2  # the reminder and the circular
    assert http.get("leader", "/api/v1/notifications", unread="true").json()["unread"] == 1
    r = http.post("cdi-liaison", "/api/v1/notifications/read-all")
    assert r.json() == {"marked": 2, "unread": 0}
    assert http.get("cdi-liaison", "/api/v1/notifications").json()["unread"] == 0
    assert http.get("leader", "/api/v1/notifications").json()["unread"] == 1
    assert http.get("cdi-liaison", "/api/v1/notifications", unread="maybe").status_code == 422


def test_an_acceptance_handled_before_its_transfer_still_ends_the_reminder(http, platform):
    lead = {
        "id": "lead-2",
        "subject": "rural",
        "summary": "s",
        "holder_unit": "cdi",
        "sender_unit": "audit",
        "source_unit": "audit",
        "accept_due": (clock.today() + timedelta(days=1)).isoformat(),
        "feedback_due": (clock.today() + timedelta(days=40)).isoformat(),
    }
    transferred = make_envelope(
        "lead_transferred",
        {"lead": lead, "to_unit": "cdi"},
        actor="audit-liaison",
        source_unit="audit",
    )
    time.sleep(0.01)
    accepted = make_envelope(
        "lead_accepted",
        {"lead": {**lead, "status": "accepted"}},
        actor="cdi-liaison",
        source_unit="cdi",
    )
    # the two travel on different queues: here the later fact is handled first
    publish(platform, "leads", "lead_accepted", {}, envelope=accepted)
    time.sleep(1.0)
    publish(platform, "leads", "lead_transferred", {}, envelope=transferred)
    wait_for(lambda: http.get("cdi-liaison", "/api/v1/notifications").json()["total"])
    with entrypoint_hook(http.gateway, "remind_deadlines") as remind:
        remind()
    types = [n["type"] for n in http.get("cdi-liaison", "/api/v1/notifications").json()["items"]]
    assert types == ["lead_received"]
