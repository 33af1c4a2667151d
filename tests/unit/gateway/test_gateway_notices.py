"""Who is told what, deadline watches in and out of order, and who may read a notice."""

from datetime import UTC, date, datetime, timedelta

import pytest

from gateway.views import notices as n

LEAD = {
    "id": "lead-1",
    "subject": "rural",
    "summary": "衔接资金拨付快于项目进度",
    "category": "funds",
    "sensitivity": "normal",
    "status": "transferred",
    "source_unit": "audit",
    "sender_unit": "audit",
    "holder_unit": "cdi",
    "accept_due": "2025-11-25",
    "feedback_due": "2025-12-20",
    "units": ["audit", "cdi"],
}
TASK = {
    "id": "task-1",
    "problem_title": "衔接资金滞留",
    "responsible_unit": "rural",
    "supervising_units": ["audit", "finance"],
    "measures": "清理滞留资金并建立台账",
    "deadline": "2025-12-01",
    "status": "assigned",
}


def env(type_, payload, *, unit="audit", at="2025-11-20T10:00:00+08:00", event_id="e1"):
    return {
        "event_id": event_id,
        "type": type_,
        "version": 1,
        "occurred_at": at,
        "source_unit": unit,
        "actor": "someone",
        "payload": payload,
    }


def addressed(notices):
    return sorted((x.type, x.unit) for x in notices)


def test_a_transferred_lead_tells_the_receiving_unit_only():
    found = n.notices_for(
        "leads",
        env("lead_transferred", {"lead": LEAD, "to_unit": "cdi", "reason": "涉嫌违纪"}),
        unit_name={"audit": "区审计局"}.get,
    )
    assert addressed(found) == [("lead_received", "cdi")]
    notice = found[0]
    assert notice.entity == {"kind": "lead", "id": "lead-1"}
    assert "区审计局" in notice.message and "2025-11-25" in notice.message
    assert "涉嫌违纪" in notice.message and notice.due_on == "2025-11-25"


def test_a_secret_lead_keeps_its_summary_out_of_the_notice():
    secret = {**LEAD, "sensitivity": "secret"}
    notice = n.notices_for("leads", env("lead_transferred", {"lead": secret, "to_unit": "cdi"}))[0]
    assert "衔接资金" not in notice.message and "涉密" in notice.message


def test_overdue_lead_goes_to_the_office_and_the_holder():
    found = n.notices_for(
        "leads", env("lead_overdue", {"lead": LEAD, "deadline": "accept"}, unit=None)
    )
    assert addressed(found) == [("lead_overdue", "cdi"), ("lead_overdue", "npc")]
    assert all("受理期限" in x.message for x in found)


def test_returned_and_concluded_leads_go_back_to_who_sent_them():
    returned = n.notices_for(
        "leads",
        env(
            "lead_returned",
            {"lead": {**LEAD, "holder_unit": "audit"}, "reason": "不属于本单位职责"},
            unit="cdi",
        ),
    )
    assert addressed(returned) == [("lead_returned", "audit")]
    concluded = n.notices_for(
        "leads", env("lead_concluded", {"lead": LEAD, "result": "已立案"}, unit="cdi")
    )
    assert addressed(concluded) == [("lead_concluded", "audit")]  # once, though source = sender


def test_task_notices_follow_responsible_and_supervising_units():
    assigned = n.notices_for("rectification", env("task_assigned", {"task": TASK}, unit="npc"))
    assert addressed(assigned) == [("task_assigned", "rural")]
    back = n.notices_for(
        "rectification", env("task_sent_back", {"task": TASK, "reason": "证据不足"})
    )
    assert addressed(back) == [("task_sent_back", "rural")] and "证据不足" in back[0].message
    late = n.notices_for("rectification", env("task_overdue", {"task": TASK}, unit=None))
    assert addressed(late) == [
        ("task_overdue", "audit"),
        ("task_overdue", "finance"),
        ("task_overdue", "rural"),
    ]
    submitted = n.notices_for("rectification", env("task_submitted", {"task": TASK}, unit="rural"))
    assert addressed(submitted) == [("task_submitted", "audit"), ("task_submitted", "finance")]


def test_an_issued_circular_is_for_everyone_and_unknown_events_for_no_one():
    found = n.notices_for(
        "rectification", env("circular_issued", {"circular": {"id": "c1", "title": "典型问题通报"}})
    )
    assert addressed(found) == [("circular_issued", n.EVERYONE)]
    assert n.notices_for("planning", env("item_started", {"item": {}})) == []
    assert n.notices_for("leads", env("lead_transferred", {})) == []  # no unit: nobody


def watch_after(changes_with_times):
    watch = None
    for change, at in changes_with_times:
        result = n.apply_change(watch, change, at)
        watch = result if result is not None else watch
    return watch


T0 = datetime(2025, 11, 20, 2, tzinfo=UTC)


def test_lead_watches_open_on_transfer_and_move_to_feedback_on_accept():
    opened = n.watch_changes("leads", env("lead_transferred", {"lead": LEAD, "to_unit": "cdi"}))
    assert opened == [
        n.WatchChange(
            "lead", "lead-1", "accept", True, date(2025, 11, 25), ("cdi",), opened[0].title
        )
    ]
    accepted = n.watch_changes("leads", env("lead_accepted", {"lead": LEAD}, unit="cdi"))
    assert [(c.slot, c.open) for c in accepted] == [("accept", False), ("feedback", True)]
    assert accepted[1].due_on == date(2025, 12, 20) and accepted[1].units == ("cdi",)
    closed = n.watch_changes("leads", env("lead_concluded", {"lead": LEAD}, unit="cdi"))
    assert {(c.slot, c.open) for c in closed} == {("accept", False), ("feedback", False)}


def test_an_older_event_arriving_late_does_not_reopen_a_watch():
    transfer = n.watch_changes("leads", env("lead_transferred", {"lead": LEAD, "to_unit": "cdi"}))[
        0
    ]
    accept = n.watch_changes("leads", env("lead_accepted", {"lead": LEAD}))[0]
    # accepted (later) is handled first, then the transfer (earlier) arrives
    watch = watch_after([(accept, T0 + timedelta(minutes=5)), (transfer, T0)])
    assert watch.open is False
    # in order, the same two events close it too
    assert watch_after([(transfer, T0), (accept, T0 + timedelta(minutes=5))]).open is False


def test_a_sent_back_task_is_watched_again():
    assigned, submitted, sent_back = (
        n.watch_changes("rectification", env(t, {"task": TASK}))[0]
        for t in ("task_assigned", "task_submitted", "task_sent_back")
    )
    watch = watch_after(
        [(assigned, T0), (submitted, T0 + timedelta(days=1)), (sent_back, T0 + timedelta(days=2))]
    )
    assert watch.open and watch.due_on == date(2025, 12, 1) and watch.units == ["rural"]


def test_due_soon_is_today_to_three_days_once_per_due_date():
    def w(due, reminded=None, open_=True):
        return n.Watch(
            "task", f"t{due}", "deadline", open_, due, ["rural"], "整改任务", reminded_due=reminded
        )

    today = date(2025, 11, 28)
    watches = [
        w(today - timedelta(days=1)),
        w(today),
        w(today + timedelta(days=3)),
        w(today + timedelta(days=4)),
        w(today + timedelta(days=1), reminded=today + timedelta(days=1)),
        w(today + timedelta(days=2), open_=False),
        w(None),
    ]
    assert [x.due_on for x in n.due_soon(watches, today)] == [today, today + timedelta(days=3)]
    # a deadline moved after a reminder is reminded again
    moved = w(today + timedelta(days=2), reminded=today + timedelta(days=9))
    assert n.due_soon([moved], today) == [moved]


def test_reminders_have_stable_ids_per_unit_and_due_date():
    watch = n.Watch(
        "task",
        "t1",
        "deadline",
        True,
        date(2025, 12, 1),
        ["rural", "town-mudong"],
        "整改任务：清理滞留资金",
    )
    first = n.reminders(watch, date(2025, 11, 28))
    again = n.reminders(watch, date(2025, 11, 29))
    assert [i for i, _ in first] == [i for i, _ in again]
    assert len({i for i, _ in first}) == 2
    assert first[0][1].unit == "rural" and "3 天后" in first[0][1].title
    assert "今天" in n.reminders(watch, date(2025, 12, 1))[0][1].title
    moved = n.Watch("task", "t1", "deadline", True, date(2025, 12, 5), ["rural"], "")
    assert n.reminders(moved, date(2025, 12, 2))[0][0] != first[0][0]


@pytest.mark.parametrize(
    ("notice", "reader", "ok"),
    [
        (("cdi", None, None), ("cdi", "liaison", "cdi-liaison"), True),
        (("cdi", None, None), ("audit", "liaison", "audit-liaison"), False),
        (("*", None, None), ("rural", "supervised", "rural-reporter"), True),
        (("npc", "office_admin", None), ("npc", "viewer", "leader"), False),
        (("npc", None, "office"), ("npc", "office_admin", "office2"), False),
        (("*", None, None), ("audit", "adapter", "audit-adapter"), False),
    ],
)
def test_who_may_read_a_notice(notice, reader, ok):
    unit, role, username = reader
    assert n.addressed_to(*notice, unit=unit, role=role, username=username) is ok


def test_dates_parse_from_what_events_carry():
    assert n.parse_day("2025-12-01") == date(2025, 12, 1)
    assert n.parse_day("2025-11-30T20:00:00+00:00") == date(2025, 12, 1)  # Shanghai date
    assert n.parse_day("soon") is None and n.parse_day(None) is None


def test_a_lead_notice_never_goes_beyond_the_units_the_leads_service_names():
    narrow = {**LEAD, "units": ["audit"]}  # e.g. cdi no longer holds it
    found = n.notices_for("leads", env("lead_overdue", {"lead": narrow, "deadline": "feedback"}))
    assert addressed(found) == [("lead_overdue", "npc")]
    assert n.notices_for("leads", env("lead_transferred", {"lead": narrow, "to_unit": "cdi"})) == []
