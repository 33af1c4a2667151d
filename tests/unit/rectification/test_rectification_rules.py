"""Every rectification rule, called as a plain function."""

from datetime import date, datetime
from types import SimpleNamespace as NS

import pytest

from contracts.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from contracts.schemas import rectification as s
from contracts.schemas.base import load
from runtime.identity import Identity
from services.rectification import report, rules

OFFICE = Identity("office", "npc", "office_admin")
LEADER = Identity("leader", "npc", "viewer")
INSPECTION = Identity("inspection-liaison", "inspection", "liaison")
CDI = Identity("cdi-liaison", "cdi", "liaison")
ECOLOGY = Identity("ecology-reporter", "ecology", "supervised")
RURAL = Identity("rural-reporter", "rural", "supervised")
ADAPTER = Identity("audit-adapter", "audit", "adapter")
TODAY = date(2025, 10, 1)


def task(**kw):
    base = dict(
        responsible_unit="ecology",
        supervising_units=["inspection"],
        status="assigned",
        deadline=date(2025, 9, 30),
        round=1,
        history=[],
        send_back_reason=None,
        created_at=datetime(2025, 6, 1),
        measures="清运垃圾",
        problem=NS(title="河道垃圾反弹"),
    )
    base.update(kw)
    return NS(**base)


def progress(round_=1, evidence=()):
    return NS(action="in_progress", round=round_, evidence=list(evidence), note="进展")


def code(excinfo):
    return excinfo.value.code


def test_a_supervised_unit_sees_only_its_own_tasks_and_gets_404_for_others():
    t = task()
    for who in (OFFICE, LEADER, INSPECTION, CDI, ECOLOGY):
        rules.check_task_visible(who, t)
    for who in (RURAL, ADAPTER):
        with pytest.raises(NotFound):
            rules.check_task_visible(who, t)


def test_only_the_responsible_unit_reports_and_submits():
    rules.require_responsible(ECOLOGY, task(), "报告整改进展")
    for who in (OFFICE, INSPECTION, LEADER):
        with pytest.raises(Forbidden) as e:
            rules.require_responsible(who, task(), "报告整改进展")
        assert code(e) == "responsible_unit_only"
    with pytest.raises(NotFound):  # another supervised unit: not even a hint
        rules.require_responsible(RURAL, task(), "报告整改进展")


def test_only_a_supervising_unit_verifies_or_sends_back():
    rules.require_supervising(INSPECTION, task(), "核验销号")
    rules.require_supervising(OFFICE, task(supervising_units=["npc"]), "核验销号")
    for who in (OFFICE, CDI, ECOLOGY, LEADER):
        with pytest.raises(Forbidden) as e:
            rules.require_supervising(who, task(), "核验销号")
        assert code(e) == "supervising_unit_only"
    viewer_in_unit = Identity("npc-viewer", "npc", "viewer")
    with pytest.raises(Forbidden):
        rules.require_supervising(viewer_in_unit, task(supervising_units=["npc"]), "核验销号")


def test_assigning_is_for_the_office_or_a_supervising_unit():
    rules.require_assigner(OFFICE, ["cdi"])
    rules.require_assigner(INSPECTION, ["inspection", "audit"])
    with pytest.raises(Forbidden) as e:
        rules.require_assigner(CDI, ["inspection"])
    assert code(e) == "assigner_not_supervising"
    for who in (ECOLOGY, LEADER):
        with pytest.raises(Forbidden):
            rules.require_assigner(who, ["inspection"])


def test_a_past_deadline_is_only_for_the_office():
    rules.check_deadline(INSPECTION, TODAY, TODAY)
    rules.check_deadline(OFFICE, date(2025, 1, 1), TODAY)
    with pytest.raises(ValidationFailed) as e:
        rules.check_deadline(INSPECTION, date(2025, 9, 30), TODAY)
    assert "deadline" in e.value.fields


def test_overdue_is_derived_from_the_deadline_while_the_unit_owes_the_work():
    assert rules.is_overdue(task(), TODAY) and rules.days_overdue(task(), TODAY) == 1
    assert not rules.is_overdue(task(deadline=TODAY), TODAY)  # due today is not late yet
    for status in ("in_progress", "sent_back"):
        assert rules.is_overdue(task(status=status), TODAY)
    for status in ("submitted", "verified"):
        assert not rules.is_overdue(task(status=status), TODAY)
        assert rules.days_overdue(task(status=status), TODAY) == 0


def test_submission_needs_progress_and_evidence_of_this_round():
    with pytest.raises(RuleViolation) as e:
        rules.check_submit(task())
    assert code(e) == "progress_required"
    with pytest.raises(RuleViolation) as e:
        rules.check_submit(task(status="in_progress", history=[progress()]))
    assert code(e) == "evidence_required"
    rules.check_submit(task(status="in_progress", history=[progress(evidence=["台账.pdf"])]))
    # evidence of a round that was sent back does not count again
    sent_back = task(
        status="in_progress", round=2, history=[progress(1, ["旧照片.jpg"]), progress(2)]
    )
    with pytest.raises(RuleViolation) as e:
        rules.check_submit(sent_back)
    assert code(e) == "evidence_required"
    for status, rule in (("submitted", "task_submitted"), ("verified", "task_closed")):
        with pytest.raises(RuleViolation) as e:
            rules.check_submit(task(status=status))
        assert code(e) == rule


def test_verification_waits_for_a_submission():
    rules.check_awaiting_verification(task(status="submitted"), "销号")
    for status, rule in (
        ("assigned", "task_not_submitted"),
        ("in_progress", "task_not_submitted"),
        ("sent_back", "task_not_submitted"),
        ("verified", "task_closed"),
    ):
        with pytest.raises(RuleViolation) as e:
            rules.check_awaiting_verification(task(status=status), "销号")
        assert code(e) == rule


def test_one_or_two_key_units_a_year():
    assert rules.check_key_unit(2025, "rural", []) == 1
    first = NS(unit="rural", slot=1)
    assert rules.check_key_unit(2025, "ecology", [first]) == 2
    with pytest.raises(RuleViolation) as e:
        rules.check_key_unit(2025, "rural", [first])
    assert code(e) == "key_unit_exists"
    with pytest.raises(RuleViolation) as e:
        rules.check_key_unit(2025, "court", [first, NS(unit="ecology", slot=2)])
    assert code(e) == "key_units_limit" and "unit" in e.value.fields


def test_circulars_go_draft_approved_issued_and_publish_only_once_issued():
    draft = NS(status="draft", published_at=None)
    rules.check_approve(draft)
    with pytest.raises(RuleViolation) as e:
        rules.check_issue(draft)
    assert code(e) == "circular_not_approved"
    for status in ("draft", "approved"):
        with pytest.raises(RuleViolation) as e:
            rules.check_publish(NS(status=status, published_at=None))
        assert code(e) == "circular_not_issued"
    rules.check_issue(NS(status="approved"))
    rules.check_publish(NS(status="issued", published_at=None))
    with pytest.raises(RuleViolation) as e:
        rules.check_publish(NS(status="issued", published_at=datetime(2025, 7, 1)))
    assert code(e) == "circular_already_published"
    with pytest.raises(RuleViolation) as e:
        rules.check_approve(NS(status="approved"))
    assert code(e) == "circular_not_draft"


def test_drafts_stay_in_the_office():
    draft, issued = NS(status="draft"), NS(status="issued")
    assert rules.may_see_circular(OFFICE, draft) and rules.may_see_circular(LEADER, draft)
    for who in (CDI, ECOLOGY):
        assert not rules.may_see_circular(who, draft) and rules.may_see_circular(who, issued)


def test_problem_status_follows_its_tasks():
    assert rules.problem_status(NS(tasks=[])) == "open"
    assert rules.problem_status(NS(tasks=[task(status="verified"), task()])) == "rectifying"
    assert rules.problem_status(NS(tasks=[task(status="verified")])) == "resolved"


def test_problem_payloads_name_each_bad_field():
    with pytest.raises(ValidationFailed) as e:
        load(s.ProblemIn(), {"title": "", "source": "传言", "nature": "严重", "x": 1})
    assert {"title", "description", "subject", "source", "nature", "x"} <= set(e.value.fields)
    with pytest.raises(ValidationFailed) as e:
        load(
            s.ProblemIn(),
            {
                "title": "t",
                "description": "d",
                "subject": "rural",
                "source": "audit_finding",
                "nature": "common",
                "origin": {"kind": "finding", "id": "find-1"},
            },
        )
    assert "source" in e.value.fields
    ok = load(
        s.ProblemIn(),
        {
            "title": "t",
            "description": "d",
            "subject": "rural",
            "source": "lead",
            "nature": "common",
            "origin": {"kind": "lead", "id": "lead-1"},
        },
    )
    assert ok["origin"] == {"kind": "lead", "id": "lead-1"} and ok["year"] is None
    with pytest.raises(ValidationFailed) as e:
        load(
            s.TaskIn(),
            {
                "responsible_unit": "cdi",
                "supervising_units": [],
                "measures": "m",
                "deadline": "明天",
            },
        )
    assert {"responsible_unit", "supervising_units", "deadline"} <= set(e.value.fields)
    with pytest.raises(ValidationFailed) as e:
        load(s.CircularIn(), {"title": "t", "body": "b", "nature": "other", "redact": ["x"]})
    assert {"nature", "redact.0"} <= set(e.value.fields)


def test_the_key_unit_report_is_drawn_from_its_tasks():
    late = task(
        status="in_progress",
        history=[NS(action="in_progress", round=1, note="已清运", evidence=["台账.pdf"])],
    )
    done = task(
        status="verified",
        deadline=date(2025, 12, 31),
        problem=NS(title="饮用水源地违建"),
        history=[NS(action="sent_back", round=1, reason="照片不清晰。", evidence=[])],
    )
    r = report.build(2025, "ecology", [done, late], TODAY)
    assert r["title"] == "关于区生态环境局2025年度整改情况的报告"
    assert (
        r["counts"]["total"] == 2 and r["counts"]["verified"] == 1 and r["counts"]["overdue"] == 1
    )
    text = "\n".join(report.paragraphs(r))
    assert "整改销号率50%" in text and "河道垃圾反弹（逾期1天）" in text
    assert "已清运（佐证材料：台账.pdf）" in text and "饮用水源地违建——照片不清晰。" in text
    assert "。。" not in text
    assert text.index("河道垃圾反弹") < text.index("饮用水源地违建")  # by deadline
    empty = report.build(2026, "court", [], TODAY)
    assert empty["counts"]["total"] == 0 and "暂无交办" in "\n".join(report.paragraphs(empty))
