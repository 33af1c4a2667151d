"""Bulk data for the gateway and growth parts.

Shared records go through the real path (an adapter's file → the bus → the sharing service's
bulk consumer; see bench.ingest): that path is what is being made fast, and it is fast enough
to load 100,000 or 1,000,000 rows. Leads and rectification tasks are written straight into
the leads and rectification services' own databases, with those services' own models, in bulk
INSERTs: for seeding only (one RPC per lead would take minutes and measure nothing we report).
Every lead and task is about a supervised unit or an official; the portrait's subject
(`town-jieshi`) gets its fair share, like any other unit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from bench.env import Env

UNITS = [
    "court",
    "procuratorate",
    "agriculture",
    "ecology",
    "rural",
    "town-yudong",
    "town-jieshi",
    "town-mudong",
]
AGENCIES = ["cdi", "plc", "inspection", "audit", "finance", "statistics"]
CHUNK = 2000


def _subject(i: int) -> str:
    # one in four about a unit (as the ledgers are), the rest about 2,000 officials
    return UNITS[(i // 4) % len(UNITS)] if i % 4 == 0 else f"official:BENCH-{i % 2000:04d}"


def _engine(env: Env, service: str):
    from runtime.engine import make_engine

    return make_engine(service, env.config())


def leads(env: Env, count: int) -> int:
    from services.leads.models import Lead, LeadStep, LeadUnit

    now, today = datetime.now(UTC), date.today()
    engine = _engine(env, "leads")
    try:
        with engine.begin() as conn:
            for start in range(0, count, CHUNK):
                rows, units, steps = [], [], []
                for i in range(start, min(count, start + CHUNK)):
                    lead_id = f"lead-bench{i:07d}"
                    source = AGENCIES[i % len(AGENCIES)]
                    holder = AGENCIES[(i + 1) % len(AGENCIES)]
                    registered = today - timedelta(days=i % 5)
                    status = ("registered", "transferred", "accepted", "concluded")[i % 4]
                    rows.append(
                        {
                            "id": lead_id,
                            "subject": _subject(i),
                            "summary": f"基准测试线索 {i}：反映资金使用不规范",
                            "category": "funds",
                            "sensitivity": "normal",
                            "status": status,
                            "source_unit": source,
                            "registered_by": f"{source}-liaison",
                            "registered_on": registered,
                            "year": 2025,
                            "holder_unit": holder if status != "registered" else source,
                            "sender_unit": source if status != "registered" else None,
                            # due ahead: a seeded backlog of overdue leads would have the leads
                            # service escalate thousands of them while we measure
                            "accept_due": today + timedelta(days=7 + i % 30),
                            "feedback_due": today + timedelta(days=37 + i % 60),
                            "duplicates": [],
                            "problem_ids": [],
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    units.append({"lead_id": lead_id, "unit": source, "since": now})
                    if status != "registered":
                        units.append({"lead_id": lead_id, "unit": holder, "since": now})
                    steps.append(
                        {
                            "lead_id": lead_id,
                            "seq": 1,
                            "action": "register",
                            "unit": source,
                            "actor": f"{source}-liaison",
                            "at": now,
                        }
                    )
                conn.execute(insert(Lead.__table__), rows)
                conn.execute(insert(LeadUnit.__table__), units)
                conn.execute(insert(LeadStep.__table__), steps)
    finally:
        engine.dispose()
    return count


def tasks(env: Env, count: int) -> int:
    """``count`` tasks, one problem each (a task is always about a recorded problem)."""
    from services.rectification.models import Problem, Task, TaskEvent

    now, today = datetime.now(UTC), date.today()
    engine = _engine(env, "rectification")
    try:
        with engine.begin() as conn:
            for start in range(0, count, CHUNK):
                problems, rows, events = [], [], []
                for i in range(start, min(count, start + CHUNK)):
                    unit = UNITS[i % len(UNITS)]
                    problems.append(
                        {
                            "id": f"prob-bench{i:07d}",
                            "year": 2025,
                            "title": f"基准测试问题 {i}：项目资金拨付超进度",
                            "description": "基准测试",
                            "subject": unit,
                            "source": "other",
                            "nature": "common",
                            "unit": "npc",
                            "recorded_by": "office",
                            "created_at": now,
                        }
                    )
                    rows.append(
                        {
                            "id": f"task-bench{i:07d}",
                            "problem_id": f"prob-bench{i:07d}",
                            "year": 2025,
                            "responsible_unit": unit,
                            "supervising_units": ["audit"],
                            "measures": "整改措施",
                            "deadline": today + timedelta(days=10 + i % 300),
                            "status": ("assigned", "submitted", "verified")[i % 3],
                            "round": 1,
                            "assigned_by": "office",
                            "assigned_unit": "npc",
                            "created_at": now,
                        }
                    )
                    events.append(
                        {
                            "id": f"tev-bench{i:07d}",
                            "task_id": f"task-bench{i:07d}",
                            "seq": 1,
                            "round": 1,
                            "action": "assign",
                            "unit": "npc",
                            "author": "office",
                            "evidence": [],
                            "at": now,
                        }
                    )
                conn.execute(insert(Problem.__table__), problems)
                conn.execute(insert(Task.__table__), rows)
                conn.execute(insert(TaskEvent.__table__), events)
    finally:
        engine.dispose()
    return count
