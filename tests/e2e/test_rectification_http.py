"""整改共促 over HTTP, as the office, a supervising agency, supervised units and the public would use it.

Data made here stays away from the demo's: year 2031 for key units, new problems and circulars.
"""

import io
import json
import shutil
import subprocess
from datetime import timedelta

import pytest
import requests
from docx import Document

from runtime import clock
from tests.support.answers import error, ok

pytestmark = pytest.mark.e2e

YEAR = 2031
DEADLINE = (clock.today() + timedelta(days=30)).isoformat()


def test_the_demo_year_as_make_run_leaves_it(as_user, stack):
    office, leader = as_user("office"), as_user("leader")
    overdue = ok(office.get("/api/v1/tasks?overdue=true"))
    demo_overdue = [t for t in overdue["items"] if t["year"] == 2025]
    assert len(demo_overdue) == 1 and demo_overdue[0]["responsible_unit"] == "ecology"
    assert demo_overdue[0]["overdue"] is True and demo_overdue[0]["days_overdue"] > 0
    tasks = ok(leader.get("/api/v1/tasks?year=2025"))["items"]
    assert {t["status"] for t in tasks} >= {"in_progress", "verified", "submitted", "assigned"}
    assert all("overdue" in t for t in tasks)

    problems = ok(office.get("/api/v1/problems?year=2025"))["items"]
    assert {p["source"] for p in problems} >= {
        "finding",
        "environmental_inspection",
        "audit_finding",
    }
    # a problem made from a finding is linked both ways
    from_finding = next(p for p in problems if p["source"] == "finding")
    finding = ok(office.get(f"/api/v1/findings/{from_finding['origin']['id']}"))
    assert from_finding["id"] in finding["problem_ids"]

    keys = ok(leader.get("/api/v1/key-units?year=2025"))
    assert [k["unit"] for k in keys["items"]] == ["rural", "ecology"]
    error(office.post("/api/v1/key-units", {"year": 2025, "unit": "court"}), 409, "key_units_limit")

    published = requests.get(f"{stack.url}/api/v1/public/circulars", timeout=10).json()
    assert published["total"] >= 1
    demo = next(c for c in ok(office.get("/api/v1/circulars?year=2025"))["items"] if c["published"])
    secret = demo["redact"] + demo["names"]
    assert secret
    for path in ("/api/v1/public/circulars", f"/api/v1/public/circulars/{demo['id']}"):
        text = requests.get(stack.url + path, timeout=10).text
        assert not [s for s in secret if s in text or json.dumps(s)[1:-1] in text]


def test_assign_report_send_back_verify(as_user):
    office, plc, leader = as_user("office"), as_user("plc-liaison"), as_user("leader")
    court, procuratorate = as_user("court-reporter"), as_user("procuratorate-reporter")

    fields = error(
        office.post(
            "/api/v1/problems",
            {"title": "", "subject": "court", "source": "谣言", "nature": "typical"},
        ),
        422,
        "validation_failed",
    )["fields"]
    assert {"title", "description", "source"} <= set(fields)
    error(
        court.post(
            "/api/v1/problems",
            {
                "title": "t",
                "description": "d",
                "subject": "court",
                "source": "other",
                "nature": "other",
            },
        ),
        403,
    )
    problem = ok(
        office.post(
            "/api/v1/problems",
            {
                "title": "执行案件超期未结（e2e）",
                "description": "12 件执行案件超期未结。",
                "subject": "court",
                "source": "inspection_feedback",
                "nature": "common",
            },
        ),
        201,
    )

    body = {
        "responsible_unit": "court",
        "supervising_units": ["plc"],
        "measures": "对超期案件逐案督办",
        "deadline": DEADLINE,
    }
    error(leader.post(f"/api/v1/problems/{problem['id']}/tasks", body), 403, "read_only")
    error(
        as_user("cdi-liaison").post(f"/api/v1/problems/{problem['id']}/tasks", body),
        403,
        "assigner_not_supervising",
    )
    error(
        plc.post(f"/api/v1/problems/{problem['id']}/tasks", {**body, "deadline": "2020-01-01"}), 422
    )
    error(plc.post("/api/v1/problems/nope/tasks", body), 404)
    task = ok(plc.post(f"/api/v1/problems/{problem['id']}/tasks", body), 201)
    tid = task["id"]
    assert task["status"] == "assigned" and task["overdue"] is False

    # another supervised unit: 404, and absent from its lists and searches
    error(procuratorate.get(f"/api/v1/tasks/{tid}"), 404, "not_found")
    error(procuratorate.post(f"/api/v1/tasks/{tid}/progress", {"note": "x"}), 404)
    error(procuratorate.get(f"/api/v1/problems/{problem['id']}"), 404)
    assert tid not in [t["id"] for t in ok(procuratorate.get("/api/v1/tasks"))["items"]]
    assert tid not in [t["id"] for t in ok(procuratorate.get("/api/v1/tasks?unit=court"))["items"]]
    hits = ok(procuratorate.get("/api/v1/search", params={"q": "超期未结"}))["items"]
    assert not {h["id"] for h in hits} & {tid, problem["id"]}
    hits = ok(office.get("/api/v1/search", params={"q": "超期未结"}))["items"]
    assert {tid, problem["id"]} <= {h["id"] for h in hits} | {tid}
    mine = ok(court.get("/api/v1/tasks"))["items"]
    assert tid in [t["id"] for t in mine] and {t["responsible_unit"] for t in mine} == {"court"}

    error(plc.post(f"/api/v1/tasks/{tid}/progress", {"note": "x"}), 403, "responsible_unit_only")
    error(court.post(f"/api/v1/tasks/{tid}/submit"), 409, "progress_required")
    error(court.post(f"/api/v1/tasks/{tid}/progress", {"evidence": "一份"}), 422)
    ok(
        court.post(
            f"/api/v1/tasks/{tid}/progress",
            {"note": "已建立督办台账", "evidence": ["督办台账.xlsx"]},
        ),
        201,
    )
    assert ok(court.post(f"/api/v1/tasks/{tid}/submit"))["status"] == "submitted"
    error(court.post(f"/api/v1/tasks/{tid}/verify"), 403, "supervising_unit_only")
    error(office.post(f"/api/v1/tasks/{tid}/verify"), 403, "supervising_unit_only")
    error(plc.post(f"/api/v1/tasks/{tid}/send-back", {}), 422)
    back = ok(plc.post(f"/api/v1/tasks/{tid}/send-back", {"reason": "台账缺少结案时间"}))
    assert back["status"] == "sent_back" and back["send_back_reason"] == "台账缺少结案时间"
    error(plc.post(f"/api/v1/tasks/{tid}/verify"), 409, "task_not_submitted")
    again = ok(
        court.post(
            f"/api/v1/tasks/{tid}/submit",
            {"note": "补充结案时间", "evidence": ["督办台账（第二版）.xlsx"]},
        )
    )
    assert again["status"] == "submitted" and again["round"] == 2
    done = ok(plc.post(f"/api/v1/tasks/{tid}/verify", {"opinion": "同意销号"}))
    assert done["status"] == "verified"
    error(court.post(f"/api/v1/tasks/{tid}/progress", {"note": "x"}), 409, "task_closed")
    assert ok(office.get(f"/api/v1/problems/{problem['id']}"))["status"] == "resolved"
    trail = ok(office.get(f"/api/v1/audit?entity=task:{tid}"))["items"]
    assert [e["action"] for e in trail if e["outcome"] == "applied"] == [
        "assign",
        "progress",
        "submit",
        "send_back",
        "submit",
        "verify",
    ]
    trace = ok(office.get(f"/api/v1/trace/task/{tid}"))
    assert {("problem", problem["id"]), ("task", tid)} <= {
        (n["kind"], n["id"]) for n in trace["nodes"]
    }
    error(procuratorate.get(f"/api/v1/trace/task/{tid}"), 404)


def test_key_units_and_their_reports(as_user):
    office, rural = as_user("office"), as_user("rural-reporter")
    error(as_user("cdi-liaison").post("/api/v1/key-units", {"year": YEAR, "unit": "rural"}), 403)
    error(office.post("/api/v1/key-units", {"year": YEAR, "unit": "cdi"}), 422)
    ok(office.post("/api/v1/key-units", {"year": YEAR, "unit": "rural"}), 201)
    error(office.post("/api/v1/key-units", {"year": YEAR, "unit": "rural"}), 409, "key_unit_exists")
    ok(office.post("/api/v1/key-units", {"year": YEAR, "unit": "town-mudong"}), 201)
    error(office.post("/api/v1/key-units", {"year": YEAR, "unit": "court"}), 409, "key_units_limit")
    assert ok(office.get(f"/api/v1/key-units?year={YEAR}"))["total"] == 2

    error(as_user("court-reporter").get(f"/api/v1/key-units/{YEAR}/rural/report"), 404)
    error(office.get(f"/api/v1/key-units/{YEAR}/court/report"), 404)
    reported = ok(
        rural.post(f"/api/v1/key-units/{YEAR}/rural/report", {"summary": "我局逐项建立整改台账。"})
    )
    assert (
        reported["reported_at"] and reported["title"] == f"关于区乡村振兴局{YEAR}年度整改情况的报告"
    )
    r = office.get(f"/api/v1/key-units/{YEAR}/rural/report.docx")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "我局逐项建立整改台账。" in text and "区人大常委会：" in text


SECRETS = ["陈卫东", "欧阳娜娜", "13912345678", "500113198001011234", "界石镇财政所所长"]


def test_a_published_circular_never_shows_a_redacted_string(as_user, stack, tmp_path):
    office, cdi = as_user("office"), as_user("cdi-liaison")
    problem = ok(
        office.post(
            "/api/v1/problems",
            {
                "title": "衔接资金违规拨付（e2e）",
                "description": "提前拨付工程款。",
                "subject": "town-jieshi",
                "source": "audit_finding",
                "nature": "typical",
            },
        ),
        201,
    )
    draft = {
        "title": "关于陈卫东同志整改敷衍塞责问题的通报",
        "nature": "negative_case",
        "problem_ids": [problem["id"]],
        "body": "一、基本情况\n界石镇财政所所长陈卫东（身份证号500113198001011234，"
        "电话13912345678）在衔接资金整改中敷衍塞责。\n二、处理意见\n"
        "责令陈卫东作出深刻检查，经办人欧阳娜娜调离岗位。",
        "redact": ["13912345678", "500113198001011234", "界石镇财政所所长"],
        "names": ["陈卫东", "欧阳娜娜"],
    }
    error(cdi.post("/api/v1/circulars", draft), 403, "office_only")
    error(office.post("/api/v1/circulars", {**draft, "nature": "gossip", "redact": "all"}), 422)
    c = ok(office.post("/api/v1/circulars", draft), 201)
    cid = c["id"]
    error(cdi.get(f"/api/v1/circulars/{cid}"), 404)  # drafts stay in the office
    error(office.post(f"/api/v1/circulars/{cid}/publish"), 409, "circular_not_issued")
    error(office.post(f"/api/v1/circulars/{cid}/issue"), 409, "circular_not_approved")
    ok(office.post(f"/api/v1/circulars/{cid}/approve"))
    error(office.post(f"/api/v1/circulars/{cid}/publish"), 409, "circular_not_issued")
    issued = ok(office.post(f"/api/v1/circulars/{cid}/issue"))
    assert issued["status"] == "issued" and issued["number"]
    error(as_user("leader").post(f"/api/v1/circulars/{cid}/publish"), 403)
    error(requests.get(f"{stack.url}/api/v1/public/circulars/{cid}", timeout=10), 404)
    assert ok(cdi.get(f"/api/v1/circulars/{cid}"))["status"] == "issued"
    ok(office.post(f"/api/v1/circulars/{cid}/publish"))
    error(office.post(f"/api/v1/circulars/{cid}/publish"), 409, "circular_already_published")

    # every public answer, read without logging in: list pages, the copy, a bad id
    anonymous = requests.Session()
    answers = [
        anonymous.get(f"{stack.url}/api/v1/public/circulars{q}", timeout=10)
        for q in ("", "?limit=1", "?limit=500&offset=0", "?offset=1")
    ]
    answers.append(anonymous.get(f"{stack.url}/api/v1/public/circulars/{cid}", timeout=10))
    answers.append(anonymous.get(f"{stack.url}/api/v1/public/circulars/nope", timeout=10))
    assert [a.status_code for a in answers] == [200] * 5 + [404]
    copy = answers[4].json()
    assert copy["title"] == "关于陈某同志整改敷衍塞责问题的通报" and "欧阳某" in copy["body"]
    assert cid in [x["id"] for x in answers[0].json()["items"]]
    for a in answers:
        raw = a.content.decode("utf-8")
        leaked = [
            s
            for s in SECRETS
            if s in raw
            or json.dumps(s)[1:-1] in raw
            or s in json.dumps(a.json(), ensure_ascii=False)
            or any(s in v for v in a.headers.values())
        ]
        assert not leaked, (a.url, leaked)
    error(anonymous.get(f"{stack.url}/api/v1/circulars/{cid}", timeout=10), 401)
    error(anonymous.get(f"{stack.url}/api/v1/circulars/{cid}.docx", timeout=10), 401)

    # the internal document: a real DOCX in the official layout that a word processor opens
    r = office.get(f"/api/v1/circulars/{cid}.docx")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    doc = Document(io.BytesIO(r.content))
    texts = [p.text for p in doc.paragraphs]
    assert texts[1] == "巴南区人大常委会办公室文件" and issued["number"] in texts
    assert any(t.startswith("抄送：") for t in texts) and "（此件公开发布）" in texts
    office_exe = shutil.which("libreoffice") or shutil.which("soffice")
    if office_exe:
        path = tmp_path / "circular.docx"
        path.write_bytes(r.content)
        subprocess.run(
            [office_exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
            check=True,
            timeout=120,
            capture_output=True,
        )
        pdf = tmp_path / "circular.pdf"
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
