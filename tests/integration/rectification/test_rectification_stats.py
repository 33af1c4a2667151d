"""The dashboard's rectification counts, counted by the database, equal counting every row in
Python (the rules' own functions) — on SQLite and on PostgreSQL, over random data."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from runtime import migrations
from runtime.engine import make_engine
from services.rectification import rules
from services.rectification.models import Circular, KeyUnit, Problem, Task
from services.rectification.service import _stats

pytestmark = pytest.mark.integration

UNITS = ["ecology", "court", "town-jieshi", "town-mudong", "agri"]
AGENCIES = ["cdi", "plc", "audit", "inspection", "finance"]
STATUSES = ["assigned", "in_progress", "submitted", "sent_back", "verified"]


def _oracle(problems, tasks, circulars, keys, year, today):
    """What the dashboard counted before: every row in Python."""

    def count(values):
        out = {}
        for v in values:
            out[v] = out.get(v, 0) + 1
        return out

    problems = [p for p in problems if not year or p.year == year]
    mine = [t for t in tasks if not year or t.year == year]
    ids = {p.id for p in problems}
    statuses = {}
    for t in tasks:
        if t.problem_id in ids:
            statuses.setdefault(t.problem_id, []).append(t.status)
    per_unit = {}
    for t in mine:
        for u in dict.fromkeys([t.responsible_unit, *(t.supervising_units or [])]):
            per_unit[u] = per_unit.get(u, 0) + 1
    late = [t for t in mine if rules.is_overdue(t, today)]
    circulars = [c for c in circulars if not year or c.year == year]
    by_status = count(t.status for t in mine)
    return {
        "problems": len(problems),
        "problems_by_source": count(p.source for p in problems),
        "problems_by_nature": count(p.nature for p in problems),
        "problems_by_status": count(
            rules.status_from_tasks(statuses.get(p.id, [])) for p in problems
        ),
        "tasks": len(mine),
        "tasks_by_status": by_status,
        "verified": by_status.get("verified", 0),
        "overdue": len(late),
        "overdue_tasks": len(late),
        "per_unit": per_unit,
        "overdue_per_unit": count(t.responsible_unit for t in late),
        "key_units": [
            k.unit
            for k in sorted(keys, key=lambda k: (k.year, k.slot))
            if not year or k.year == year
        ],
        "circulars": len(circulars),
        "circulars_by_status": count(c.status for c in circulars),
        "published": sum(c.published_at is not None for c in circulars),
    }


def test_counts_from_the_database_equal_counting_every_row(config):
    engine = make_engine("rectification", config)
    migrations.upgrade("rectification", engine)
    rnd = random.Random(9)
    now = datetime(2025, 6, 1, tzinfo=UTC)
    today = date(2025, 6, 1)
    problems, tasks, circulars, keys = [], [], [], []
    for i in range(120):
        problems.append(
            Problem(
                id=f"prb-{i}",
                year=rnd.choice([2024, 2025]),
                title=f"问题{i}",
                description="",
                subject=rnd.choice(UNITS),
                source=rnd.choice(["inspection", "audit", "finding", "lead"]),
                nature=rnd.choice(["general", "serious"]),
                unit="npc",
                recorded_by="office",
                created_at=now - timedelta(days=i),
            )
        )
    for i in range(400):
        problem = rnd.choice(problems[:100])  # the last 20 problems have no task: open
        tasks.append(
            Task(
                id=f"tsk-{i}",
                problem_id=problem.id,
                year=rnd.choice([2024, 2025]),
                responsible_unit=rnd.choice(UNITS),
                supervising_units=rnd.sample(AGENCIES, rnd.randint(0, 3)),
                measures="整改",
                deadline=today + timedelta(days=rnd.randint(-60, 60)),
                status=rnd.choice(STATUSES),
                round=1,
                assigned_by="office",
                assigned_unit="npc",
                created_at=now - timedelta(hours=i),
            )
        )
    for p in problems[90:100]:  # some problems fully verified: resolved
        for t in tasks:
            if t.problem_id == p.id:
                t.status = "verified"
    for i in range(12):
        circulars.append(
            Circular(
                id=f"cir-{i}",
                year=rnd.choice([2024, 2025]),
                title=f"通报{i}",
                body="",
                nature="general",
                problem_ids=[],
                redact=[],
                names=[],
                cc=[],
                status=rnd.choice(["draft", "approved", "issued"]),
                created_by="office",
                created_at=now,
                published_at=now if i % 3 == 0 else None,
            )
        )
    keys = [
        KeyUnit(year=2025, slot=1, unit="court", selected_by="office", selected_at=now),
        KeyUnit(year=2025, slot=2, unit="agri", selected_by="office", selected_at=now),
        KeyUnit(year=2024, slot=1, unit="ecology", selected_by="office", selected_at=now),
    ]
    with Session(engine) as session:
        session.add_all([*problems, *tasks, *circulars, *keys])
        session.commit()
        for year in (None, 2025, 2024, 2023):
            expected = _oracle(problems, tasks, circulars, keys, year, today)
            got = _stats(session, year, today)
            assert got == expected, year
        assert _stats(session, 2025, today)["problems_by_status"].keys() >= {"open", "resolved"}
    engine.dispose()
