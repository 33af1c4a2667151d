"""The cross-service views over HTTP on the `make run` stack with the 2025 demo loaded.

Each view is asked by several demo people, checking that each sees only what they should:
the rural-fund lead exists for the office and the discipline commission, and for nobody else.
"""

import io
import re
import shutil
import subprocess
import time

import docx
import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.e2e

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rural_item(client):
    plan = client.get("/api/v1/plans/2025").json()
    return next(i for i in plan["items"] if i["key"])


def eventually(fetch, check, timeout=20):
    """Notices come from events: give the bus a moment after the demo."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if check(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_dashboard_counts_every_mechanism_and_needs_a_token(as_user, stack):
    import requests

    r = as_user("leader").get("/api/v1/dashboard", params={"year": 2025})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body["mechanisms"]) == {"planning", "leads", "rectification", "research", "sharing"}
    assert body["mechanisms"]["planning"]["items_total"] == 5
    for name, section in body["mechanisms"].items():
        assert section == {"unavailable": True} or name not in body["unavailable"]
    assert body["overdue"]["total"] == sum(v for k, v in body["overdue"].items() if k != "total")
    assert body["per_unit"]["npc"]["planning"] == 5
    everything = as_user("leader").get("/api/v1/dashboard").json()
    assert everything["year"] is None
    assert as_user("leader").get("/api/v1/dashboard", params={"year": "去年"}).status_code == 422
    assert requests.get(stack.url + "/api/v1/dashboard", timeout=10).status_code == 401


def test_trace_of_the_rural_fund_story_within_need_to_know(as_user):
    office = as_user("office")
    item = rural_item(office)
    r = office.get(f"/api/v1/trace/item/{item['id']}")
    assert r.status_code == 200, r.text
    full = r.json()
    kinds = {n["kind"] for n in full["nodes"]}
    assert {"item", "finding", "lead"} <= kinds
    lead_keys = {n["key"] for n in full["nodes"] if n["kind"] == "lead"}
    finding = next(n for n in full["nodes"] if n["kind"] == "finding")
    assert {"from": f"item:{item['id']}", "to": finding["key"]} in full["edges"]

    # the discipline commission received the lead: it sees it; the political-legal committee
    # and the supervised village bureau see the item, its finding and what rectification
    # shows them, and no lead at all
    cdi = as_user("cdi-liaison").get(f"/api/v1/trace/item/{item['id']}").json()
    assert {n["key"] for n in cdi["nodes"] if n["kind"] == "lead"} & lead_keys
    for person in ("plc-liaison", "rural-reporter"):
        seen = as_user(person).get(f"/api/v1/trace/item/{item['id']}").json()
        kinds_seen = {n["kind"] for n in seen["nodes"]}
        assert {"item", "finding"} <= kinds_seen and "lead" not in kinds_seen, person
        assert not any("lead:" in e["from"] + e["to"] for e in seen["edges"])

    # walked backwards from the lead, the same chain; a lead outside need-to-know is a 404
    lead_id = next(iter(lead_keys & {n["key"] for n in cdi["nodes"]})).split(":", 1)[1]
    back = as_user("cdi-liaison").get(f"/api/v1/trace/lead/{lead_id}").json()
    assert f"item:{item['id']}" in {n["key"] for n in back["nodes"]}
    r = as_user("plc-liaison").get(f"/api/v1/trace/lead/{lead_id}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert office.get("/api/v1/trace/meeting/x").status_code == 404


def test_search_in_chinese_within_each_callers_rights(as_user):
    office = as_user("office").get("/api/v1/search", params={"q": "界石镇"}).json()
    assert {"finding", "lead"} <= {h["kind"] for h in office["items"]}
    plc = as_user("plc-liaison").get("/api/v1/search", params={"q": "界石镇"}).json()
    assert "lead" not in {h["kind"] for h in plc["items"]}
    assert {h["kind"] for h in plc["items"]} >= {"finding"}
    only = as_user("office").get("/api/v1/search", params={"q": "界石镇", "kind": "lead"}).json()
    assert only["items"] and {h["kind"] for h in only["items"]} == {"lead"}
    r = as_user("office").get("/api/v1/search", params={"q": " "})
    assert r.status_code == 422 and "q" in r.json()["error"]["fields"]
    r = as_user("office").get("/api/v1/search", params={"q": "x" * 101})
    assert r.status_code == 422


def test_list_exports_hold_what_the_json_lists_hold(as_user):
    for person, path, params in (
        ("office", "/api/v1/items", {"year": 2025}),
        ("office", "/api/v1/leads", {}),
        ("plc-liaison", "/api/v1/leads", {}),
        ("finance-liaison", "/api/v1/leads", {}),
        ("office", "/api/v1/problems", {}),
        ("rural-reporter", "/api/v1/tasks", {}),
    ):
        client = as_user(person)
        listed = client.get(path, params={**params, "limit": 500}).json()
        r = client.get(path + ".xlsx", params=params)
        assert r.status_code == 200, (person, path, r.text)
        assert r.headers["Content-Type"].startswith(XLSX)
        assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws.max_row - 2 == listed["total"], (person, path)
        ids = {row[-1] for row in ws.iter_rows(min_row=3, values_only=True)}
        assert ids == {x["id"] for x in listed["items"]}, (person, path)
    bad = as_user("office").get("/api/v1/leads.xlsx", params={"status": "lost"})
    assert bad.status_code == 422 and "status" in bad.json()["error"]["fields"]


def test_annual_report_is_an_official_document_word_can_open(as_user, tmp_path):
    r = as_user("office").get("/api/v1/reports/annual/2025.docx")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    document = docx.Document(io.BytesIO(r.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "区人大常委会办公室文件"
    assert "关于2025年度协同联动监督工作情况的报告" in texts
    assert any("共列入监督事项 5 项" in t for t in texts)
    assert len(document.tables[0].rows) == 6  # header and the five items
    assert as_user("leader").get("/api/v1/reports/annual/2025.docx").status_code == 200
    assert as_user("court-reporter").get("/api/v1/reports/annual/2025.docx").status_code == 403
    assert as_user("office").get("/api/v1/reports/annual/1999.docx").status_code == 404

    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        return  # rendering is checked where LibreOffice is installed
    path = tmp_path / "annual.docx"
    path.write_bytes(r.content)
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "annual.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 3


def test_notices_from_the_demo_story_reach_only_those_concerned(as_user):
    def notices(person, **params):
        return as_user(person).get("/api/v1/notifications", params=params).json()

    cdi = eventually(
        lambda: notices("cdi-liaison"),
        lambda b: any(n["type"] == "lead_received" for n in b["items"]),
    )
    received = [n for n in cdi["items"] if n["type"] == "lead_received"]
    assert received and all(n["entity"]["kind"] == "lead" for n in received)
    office = eventually(
        lambda: notices("office"), lambda b: any(n["type"] == "lead_overdue" for n in b["items"])
    )
    assert any(n["type"] == "lead_overdue" for n in office["items"])
    inspection = notices("inspection-liaison")
    assert any(n["type"] == "lead_overdue" for n in inspection["items"])
    # a notice about a lead reaches only a unit inside that lead's need-to-know: every lead
    # notice finance holds (other tests may involve finance) is about a lead finance may open,
    # and none is about the rural clue handed to cdi
    finance = as_user("finance-liaison")
    finance_leads = {
        n["entity"]["id"]
        for n in notices("finance-liaison")["items"]
        if n["entity"].get("kind") == "lead"
    }
    for lead_id in finance_leads:
        assert finance.get(f"/api/v1/leads/{lead_id}").status_code == 200, lead_id
    assert not finance_leads & {n["entity"]["id"] for n in received}
    rural_lead_ids = {n["entity"]["id"] for n in received}
    assert not rural_lead_ids & {
        n["entity"]["id"] for n in notices("plc-liaison")["items"] if n["type"] == "lead_received"
    }

    # read per user: cdi reads one; the counts follow; another user cannot touch it
    first = received[0]
    unread_before = notices("cdi-liaison")["unread"]
    r = as_user("cdi-liaison").post(f"/api/v1/notifications/{first['id']}/read")
    assert r.status_code == 200 and r.json()["read"] is True
    after = notices("cdi-liaison")
    assert after["unread"] == unread_before - (0 if first["read"] else 1)
    assert first["id"] not in {n["id"] for n in notices("cdi-liaison", unread="true")["items"]}
    assert (
        as_user("audit-liaison").post(f"/api/v1/notifications/{first['id']}/read").status_code
        == 404
    )
