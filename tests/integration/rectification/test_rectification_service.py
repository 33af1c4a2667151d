"""The rectification service on the real broker and both databases."""

import base64
import io
import json
import time
from datetime import date, timedelta

import pytest
from docx import Document
from kombu import Connection, Exchange, Queue

from contracts.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from runtime import audit, clock
from services.planning.service import PlanningService
from services.rectification.service import RectificationService

pytestmark = pytest.mark.integration

FUTURE = (clock.today() + timedelta(days=60)).isoformat()
PAST = (clock.today() - timedelta(days=20)).isoformat()


def _problem(platform, person="office", **kw):
    body = {
        "title": "一品河河道垃圾整改后反弹",
        "description": "部分河段销号后再次出现堆积。",
        "subject": "ecology",
        "source": "environmental_inspection",
        "nature": "typical",
    }
    body.update(kw)
    return platform.call(person, "rectification", "record_problem", body)


def _task(platform, problem, person="office", **kw):
    body = {
        "problem_id": problem["id"],
        "responsible_unit": "ecology",
        "supervising_units": ["inspection"],
        "measures": "建立河长巡河和垃圾清运台账",
        "deadline": FUTURE,
    }
    body.update(kw)
    return platform.call(person, "rectification", "assign_task", body)


def _code(excinfo):
    return excinfo.value.code


def test_task_lifecycle_by_role_and_unit(platform):
    platform.start(RectificationService)
    call = platform.call
    problem = _problem(platform)
    task = _task(platform, problem)
    assert task["status"] == "assigned" and task["overdue"] is False
    tid = task["id"]

    # the responsible unit sees it; another supervised unit neither sees nor touches it
    assert [
        t["id"] for t in call("ecology-reporter", "rectification", "list_tasks", {})["items"]
    ] == [tid]
    assert call("rural-reporter", "rectification", "list_tasks", {})["total"] == 0
    for method, payload in (
        ("get_task", {"id": tid}),
        ("report_progress", {"task_id": tid, "note": "x"}),
        ("submit_task", {"task_id": tid}),
        ("links", {"kind": "task", "id": tid}),
        ("get_problem", {"id": problem["id"]}),
    ):
        with pytest.raises(NotFound):
            call("rural-reporter", "rectification", method, payload)

    # others may know the task exists but may not report for the responsible unit
    with pytest.raises(Forbidden) as e:
        call(
            "inspection-liaison", "rectification", "report_progress", {"task_id": tid, "note": "x"}
        )
    assert _code(e) == "responsible_unit_only"
    with pytest.raises(RuleViolation) as e:
        call("ecology-reporter", "rectification", "submit_task", {"task_id": tid})
    assert _code(e) == "progress_required"
    call(
        "ecology-reporter",
        "rectification",
        "report_progress",
        {"task_id": tid, "note": "已制定巡河方案"},
    )
    with pytest.raises(RuleViolation) as e:
        call("ecology-reporter", "rectification", "submit_task", {"task_id": tid})
    assert _code(e) == "evidence_required"
    with pytest.raises(ValidationFailed) as e:
        call(
            "ecology-reporter",
            "rectification",
            "report_progress",
            {"task_id": tid, "note": "", "evidence": "不是列表"},
        )
    assert set(e.value.fields) == {"note", "evidence"}
    call(
        "ecology-reporter",
        "rectification",
        "report_progress",
        {"task_id": tid, "note": "完成清运 12 吨", "evidence": ["清运台账.pdf", "现场照片.zip"]},
    )
    submitted = call("ecology-reporter", "rectification", "submit_task", {"task_id": tid})
    assert submitted["status"] == "submitted"

    # verify and send back: a supervising unit only
    with pytest.raises(Forbidden) as e:
        call("ecology-reporter", "rectification", "verify_task", {"task_id": tid})
    assert _code(e) == "supervising_unit_only"
    with pytest.raises(Forbidden):
        call("cdi-liaison", "rectification", "verify_task", {"task_id": tid})
    with pytest.raises(Forbidden):
        call(
            "office", "rectification", "verify_task", {"task_id": tid}
        )  # npc does not supervise it
    with pytest.raises(ValidationFailed) as e:
        call("inspection-liaison", "rectification", "send_back_task", {"task_id": tid})
    assert "reason" in e.value.fields
    back = call(
        "inspection-liaison",
        "rectification",
        "send_back_task",
        {"task_id": tid, "reason": "照片未体现整改后河段"},
    )
    assert back["status"] == "sent_back" and back["send_back_reason"] == "照片未体现整改后河段"
    with pytest.raises(RuleViolation) as e:
        call("inspection-liaison", "rectification", "verify_task", {"task_id": tid})
    assert _code(e) == "task_not_submitted"
    # the evidence of the first round does not carry over: new evidence, then submit in one go
    with pytest.raises(RuleViolation) as e:
        call("ecology-reporter", "rectification", "submit_task", {"task_id": tid})
    assert _code(e) == "progress_required"
    again = call(
        "ecology-reporter",
        "rectification",
        "submit_task",
        {"task_id": tid, "note": "补充整改后照片", "evidence": ["整改后照片.zip"]},
    )
    assert again["status"] == "submitted" and again["round"] == 2
    done = call(
        "inspection-liaison",
        "rectification",
        "verify_task",
        {"task_id": tid, "opinion": "整改到位，同意销号"},
    )
    assert done["status"] == "verified" and done["verified_unit"] == "inspection"
    assert [h["action"] for h in done["progress"]] == [
        "assigned",
        "in_progress",
        "in_progress",
        "submitted",
        "sent_back",
        "in_progress",
        "submitted",
        "verified",
    ]
    with pytest.raises(RuleViolation) as e:
        call("ecology-reporter", "rectification", "report_progress", {"task_id": tid, "note": "x"})
    assert _code(e) == "task_closed"
    assert (
        call("office", "rectification", "get_problem", {"id": problem["id"]})["status"]
        == "resolved"
    )

    # viewers and supervised units assign nothing; a liaison assigns only what it supervises
    for person in ("leader", "ecology-reporter"):
        with pytest.raises(Forbidden):
            _task(platform, problem, person)
    with pytest.raises(Forbidden) as e:
        _task(platform, problem, "cdi-liaison")
    assert _code(e) == "assigner_not_supervising"
    with pytest.raises(ValidationFailed) as e:
        _task(platform, problem, "inspection-liaison", deadline=PAST)
    assert "deadline" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        _task(platform, problem, responsible_unit="cdi", supervising_units=["court"])
    assert {"responsible_unit", "supervising_units.0"} <= set(e.value.fields)
    assert call("office", "rectification", "list_tasks", {})["total"] == 1

    db = next(d for d in platform.containers[0].dependencies if d.attr_name == "db")
    time.sleep(0.5)  # refusals are audited just after their answer is sent
    with db.engine.connect() as conn:
        assert audit.verify(conn, db.tables) == []
        actions = [e["action"] for e in audit.trail(conn, db.tables, "task", tid)]
        denied = [e for e in audit.trail(conn, db.tables, "rpc", None) if e["outcome"] == "denied"]
    assert actions[:2] == ["assign", "progress"] and actions[-1] == "verify"
    assert len(denied) >= 10  # every 403 and 404 above left a trace


def test_overdue_is_announced_once_per_task_and_deadline(platform):
    platform.config["rectification"] = {"overdue_check_seconds": 0.3}
    seen = []
    exchange = Exchange("rectification.events", type="topic", durable=True)
    queue = Queue(
        "it-overdue", exchange, routing_key="task_overdue", durable=False, auto_delete=True
    )
    with Connection(platform.config["AMQP_URI"]) as conn:
        with conn.Consumer(queue, callbacks=[lambda body, msg: (seen.append(body), msg.ack())]):
            platform.start(RectificationService)
            problem = _problem(platform)
            late = _task(platform, problem, deadline=PAST)  # the office records an earlier task
            on_time = _task(platform, problem)
            assert late["overdue"] is True and late["days_overdue"] == 20
            assert on_time["overdue"] is False

            def drain(seconds):
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    try:
                        conn.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass

            drain(2.0)  # several timer ticks
            assert [e["payload"]["task"]["id"] for e in seen] == [late["id"]]
            assert seen[0]["payload"]["task"]["overdue"] is True

            # the office sees it among overdue tasks, and so does the responsible unit
            overdue = platform.call("office", "rectification", "list_tasks", {"overdue": True})
            assert [t["id"] for t in overdue["items"]] == [late["id"]]
            assert (
                platform.call(
                    "ecology-reporter", "rectification", "list_tasks", {"overdue": False}
                )["items"][0]["id"]
                == on_time["id"]
            )

            # a new deadline that passes too is announced once more
            platform.call(
                "office",
                "rectification",
                "change_deadline",
                {
                    "task_id": late["id"],
                    "deadline": (clock.today() - timedelta(days=2)).isoformat(),
                    "reason": "核实交办日期",
                },
            )
            drain(1.5)
            assert [e["payload"]["task"]["id"] for e in seen] == [late["id"], late["id"]]
            # an extension into the future ends the overdue state
            extended = platform.call(
                "inspection-liaison",
                "rectification",
                "change_deadline",
                {"task_id": late["id"], "deadline": FUTURE, "reason": "汛期顺延"},
            )
            assert extended["overdue"] is False
            stats = platform.call("leader", "rectification", "stats", {})
            assert stats["overdue"] == 0 and stats["per_unit"]["ecology"] == 2


def _started_finding(platform):
    call = platform.call
    call("office", "planning", "create_plan", {"year": 2025})
    item = call(
        "office",
        "planning",
        "add_item",
        {
            "year": 2025,
            "title": "生态文明建设",
            "form": "joint_supervision",
            "lead_unit": "npc",
            "participating_units": ["inspection"],
            "key": True,
        },
    )
    call("office", "planning", "adopt_plan", {"year": 2025})
    call(
        "office",
        "planning",
        "submit_implementation_plan",
        {"item_id": item["id"], "content": "方案"},
    )
    call("office", "planning", "approve_implementation_plan", {"item_id": item["id"]})
    for person, unit in (("office", "npc"), ("inspection-liaison", "inspection")):
        call(
            person,
            "planning",
            "dispatch_staff",
            {"item_id": item["id"], "unit": unit, "name": "赵敏", "role": "组员"},
        )
    call("office", "planning", "start_item", {"item_id": item["id"]})
    return call(
        "inspection-liaison",
        "planning",
        "record_finding",
        {
            "item_id": item["id"],
            "title": "河道垃圾反弹",
            "description": "销号后再次堆积",
            "subject": "ecology",
        },
    )


def test_a_problem_from_a_finding_links_back_through_the_event(platform):
    platform.start(PlanningService, RectificationService)
    finding = _started_finding(platform)
    problem = _problem(platform, source="finding", origin={"kind": "finding", "id": finding["id"]})
    assert problem["origin"] == {"kind": "finding", "id": finding["id"]}
    assert problem["year"] == 2025  # the item's year, asked of planning
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        got = platform.call("office", "planning", "get_finding", {"id": finding["id"]})
        if got["problem_ids"]:
            break
        time.sleep(0.2)
    assert got["problem_ids"] == [problem["id"]]
    # the same finding twice is a double click, refused with the problem it already became
    with pytest.raises(RuleViolation) as e:
        _problem(platform, source="finding", origin={"kind": "finding", "id": finding["id"]})
    assert _code(e) == "origin_already_recorded" and problem["id"] in e.value.fields["origin"][0]
    with pytest.raises(ValidationFailed) as e:
        _problem(platform, source="audit_finding", origin={"kind": "lead", "id": "lead-1"})
    assert "source" in e.value.fields
    links = platform.call(
        "office", "rectification", "links", {"kind": "problem", "id": problem["id"]}
    )
    assert {"kind": "finding", "id": finding["id"]} in links["links"]
    for person in ("ecology-reporter", "leader"):
        with pytest.raises(Forbidden):
            _problem(platform, person, title="x")


def test_key_units_one_or_two_a_year_with_a_report(platform):
    platform.start(RectificationService)
    call = platform.call
    problem = _problem(
        platform,
        subject="rural",
        title="衔接资金拨付与项目进度脱节",
        source="audit_finding",
        year=2025,
    )
    task = _task(
        platform, problem, responsible_unit="rural", supervising_units=["audit"], deadline=PAST
    )
    with pytest.raises(Forbidden):
        call("cdi-liaison", "rectification", "select_key_unit", {"year": 2025, "unit": "rural"})
    call("office", "rectification", "select_key_unit", {"year": 2025, "unit": "rural"})
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "select_key_unit", {"year": 2025, "unit": "rural"})
    assert _code(e) == "key_unit_exists"
    call("office", "rectification", "select_key_unit", {"year": 2025, "unit": "ecology"})
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "select_key_unit", {"year": 2025, "unit": "court"})
    assert _code(e) == "key_units_limit"
    with pytest.raises(ValidationFailed) as e:
        call("office", "rectification", "select_key_unit", {"year": 2026, "unit": "cdi"})
    assert "unit" in e.value.fields
    listed = call("leader", "rectification", "list_key_units", {"year": 2025})
    assert [k["unit"] for k in listed["items"]] == ["rural", "ecology"]
    assert listed["items"][0]["tasks"] == 1 and listed["items"][0]["overdue"] == 1

    report = call("office", "rectification", "key_unit_report", {"year": 2025, "unit": "rural"})
    assert report["counts"]["total"] == 1 and report["counts"]["overdue"] == 1
    assert report["tasks"][0]["id"] == task["id"]
    assert any(
        "衔接资金拨付与项目进度脱节" in p for s in report["sections"] for p in s["paragraphs"]
    )
    with pytest.raises(NotFound):
        call("court-reporter", "rectification", "key_unit_report", {"year": 2025, "unit": "rural"})
    with pytest.raises(NotFound):
        call("office", "rectification", "key_unit_report", {"year": 2025, "unit": "court"})
    with pytest.raises(Forbidden):
        call(
            "audit-liaison",
            "rectification",
            "submit_key_unit_report",
            {"year": 2025, "unit": "rural"},
        )
    reported = call(
        "rural-reporter",
        "rectification",
        "submit_key_unit_report",
        {"year": 2025, "unit": "rural", "summary": "我局高度重视整改工作。"},
    )
    assert reported["reported_at"] and reported["sections"][0]["paragraphs"] == [
        "我局高度重视整改工作。"
    ]
    assert (
        call("office", "rectification", "list_key_units", {"year": 2025})["items"][0]["reported_at"]
        == reported["reported_at"]
    )
    doc = call(
        "rural-reporter", "rectification", "key_unit_report_docx", {"year": 2025, "unit": "rural"}
    )
    text = "\n".join(
        p.text for p in Document(io.BytesIO(base64.b64decode(doc["content"]))).paragraphs
    )
    assert "关于区乡村振兴局2025年度整改情况的报告" in text.replace("\n", "")
    assert "区人大常委会：" in text and "逾期20天" in text


def test_circular_from_draft_to_a_public_copy_without_the_marked_strings(platform):
    platform.start(RectificationService)
    call = platform.call
    problem = _problem(platform)
    draft = {
        "title": "关于王建国同志整改不力问题的通报",
        "nature": "negative_case",
        "body": "一、基本情况\n界石镇王建国在整改中敷衍塞责，联系电话13800138000。\n"
        "二、处理意见\n责令王建国作出书面检查。",
        "problem_ids": [problem["id"]],
        "redact": ["13800138000"],
        "names": ["王建国"],
    }
    with pytest.raises(Forbidden):
        call("cdi-liaison", "rectification", "draft_circular", draft)
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "draft_circular", {**draft, "problem_ids": ["prob-x"]})
    assert _code(e) == "unknown_problem"
    c = call("office", "rectification", "draft_circular", draft)
    cid = c["id"]
    assert c["status"] == "draft" and c["number"] is None
    # a draft stays in the office
    with pytest.raises(NotFound):
        call("cdi-liaison", "rectification", "get_circular", {"id": cid})
    assert call("ecology-reporter", "rectification", "list_circulars", {})["total"] == 0
    assert call("leader", "rectification", "get_circular", {"id": cid})["status"] == "draft"
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "publish_circular", {"id": cid})
    assert _code(e) == "circular_not_issued"
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "issue_circular", {"id": cid})
    assert _code(e) == "circular_not_approved"
    # the office corrects the draft (one more name to mask); once approved it is fixed
    edited = call(
        "office",
        "rectification",
        "update_circular",
        {
            **draft,
            "id": cid,
            "body": draft["body"] + "\n经办人李四负连带责任。",
            "names": ["王建国", "李四"],
        },
    )
    assert edited["names"] == ["王建国", "李四"] and edited["status"] == "draft"
    call("office", "rectification", "approve_circular", {"id": cid})
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "update_circular", {**draft, "id": cid})
    assert _code(e) == "circular_not_draft"
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "publish_circular", {"id": cid})
    assert _code(e) == "circular_not_issued"
    issued = call("office", "rectification", "issue_circular", {"id": cid})
    assert issued["number"] == f"巴南人办发〔{clock.today().year}〕1号"
    assert (
        call("ecology-reporter", "rectification", "get_circular", {"id": cid})["status"] == "issued"
    )
    with pytest.raises(NotFound):  # issued but not published: not public yet
        call(None, "rectification", "get_public_circular", {"id": cid})
    with pytest.raises(Forbidden):
        call("leader", "rectification", "publish_circular", {"id": cid})
    published = call("office", "rectification", "publish_circular", {"id": cid})
    assert published["published"] is True
    with pytest.raises(RuleViolation) as e:
        call("office", "rectification", "publish_circular", {"id": cid})
    assert _code(e) == "circular_already_published"

    public = call(None, "rectification", "list_public_circulars", {})
    one = call(None, "rectification", "get_public_circular", {"id": cid})
    assert public["items"] == [one]
    assert one["title"] == "关于王某同志整改不力问题的通报"
    assert "■" * 11 in one["body"] and one["number"] == issued["number"]
    for answer in (public, one):
        text = json.dumps(answer, ensure_ascii=False)
        assert "王建国" not in text and "13800138000" not in text and "李四" not in text
    assert "经办人李某负连带责任" in one["body"]
    docx = call("office", "rectification", "circular_docx", {"id": cid})
    doc = Document(io.BytesIO(base64.b64decode(docx["content"])))
    assert doc.paragraphs[1].text == "巴南区人大常委会办公室文件"
    assert any(p.text == issued["number"] for p in doc.paragraphs)
    # the internal document keeps what the public copy hides
    assert any("王建国" in p.text for p in doc.paragraphs)


def test_views_for_the_gateway_stay_within_the_callers_rights(platform):
    platform.start(RectificationService)
    call = platform.call
    eco = _problem(platform, year=2025)
    court = _problem(
        platform,
        title="拒执类案件移送追诉率偏低",
        subject="court",
        source="finding",
        nature="tendency",
        year=2025,
    )
    _task(platform, eco)
    court_task = _task(
        platform,
        court,
        responsible_unit="court",
        supervising_units=["plc"],
        deadline=date(2025, 9, 30).isoformat(),
    )
    stats = call("leader", "rectification", "stats", {"year": 2025})
    assert stats["problems"] == 2 and stats["tasks"] == 2 and stats["overdue"] == 1
    assert stats["per_unit"] == {"ecology": 1, "inspection": 1, "court": 1, "plc": 1}
    assert stats["problems_by_status"] == {"rectifying": 2}
    assert call("office", "rectification", "stats", {"year": 2024})["tasks"] == 0

    hits = call("office", "rectification", "search", {"q": "追诉"})["items"]
    assert {(h["kind"], h["id"]) for h in hits} == {("problem", court["id"])}
    assert call("ecology-reporter", "rectification", "search", {"q": "追诉"})["items"] == []
    found = call("court-reporter", "rectification", "by_subject", {"subject": "court"})["items"]
    assert {(i["kind"], i["id"]) for i in found} == {
        ("problem", court["id"]),
        ("task", court_task["id"]),
    }
    by_kind = {i["kind"]: i for i in found}
    assert by_kind["task"]["title"] == by_kind["problem"]["title"] == court["title"]
    assert by_kind["problem"]["status"] == "rectifying" and by_kind["task"]["overdue"] is True
    assert call("ecology-reporter", "rectification", "by_subject", {"subject": "court"}) == {
        "items": [],
        "totals": {"problem": 0, "task": 0},
    }
    node = call(
        "court-reporter", "rectification", "links", {"kind": "task", "id": court_task["id"]}
    )
    assert node["node"]["overdue"] is True and node["links"] == [
        {"kind": "problem", "id": court["id"]}
    ]
    with pytest.raises(NotFound):
        call("office", "rectification", "links", {"kind": "item", "id": "x"})
