"""Early warnings (预警) as declarative rule specs, and the plain functions that evaluate them.

A rule is data: which record types trigger it, which others are attached as evidence, the
thresholds, the words that explain it, the lead category it becomes and whose sharing rule
decides who reads it. config `sharing_warnings` overrides any of that per rule (or turns a
rule off with `enabled: false`) without touching code. Evaluators take plain dicts and answer
a Signal or None; the service persists signals as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from runtime.clock import LOCAL_TZ

RATIO_GAP = "ratio_gap"
COUNT_IN_WINDOW = "count_in_window"
RECURRENCE = "recurrence"


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    description: str  # a template over params: what the rule checks, in the words of the office
    evaluator: str
    category: str = "default"  # the lead category a warning of this rule becomes
    visible_type: str | None = None  # readers follow this record type's sharing rule
    trigger_types: tuple[str, ...] = ()
    evidence_types: tuple[str, ...] = ()
    params: Mapping = field(default_factory=dict)

    def describe(self) -> str:
        try:
            return self.description.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.description

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "description": self.describe(),
            "evaluator": self.evaluator,
            "category": self.category,
            "trigger_types": list(self.trigger_types),
            "evidence_types": list(self.evidence_types),
            "params": dict(self.params),
        }


DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        code="funds_outpace_progress",
        name="资金拨付明显快于项目进度",
        description="乡村振兴衔接资金项目累计拨付比例达到 {min_disbursed_percent}% 以上，"
        "且高出项目形象进度 {min_gap_points} 个百分点以上",
        evaluator=RATIO_GAP,
        category="funds",
        visible_type="finance.disbursement",
        trigger_types=("finance.disbursement",),
        # the same project's other records: an audit finding or inspection feedback on it
        evidence_types=("audit.finding", "inspection.feedback"),
        params=MappingProxyType(
            {
                "min_disbursed_percent": 60,
                "min_gap_points": 30,
                "ratio_field": "disbursed_percent",
                "progress_field": "progress_percent",
                "fund_keywords": ("乡村振兴", "衔接"),
            }
        ),
    ),
    RuleSpec(
        code="petition_spike",
        name="同一对象信访投诉短期激增",
        description="{window_days} 天内针对同一监督对象的信访投诉达到 {min_count} 件以上",
        evaluator=COUNT_IN_WINDOW,
        category="default",
        visible_type="plc.petition",
        trigger_types=("plc.petition",),
        params=MappingProxyType({"min_count": 5, "window_days": 30}),
    ),
    RuleSpec(
        code="problem_recurred",
        name="整改销号后问题复发",
        description="整改任务验收销号后，同一监督对象又出现相似问题"
        "（标题相似度不低于 {min_title_similarity}）",
        evaluator=RECURRENCE,
        category="default",
        visible_type=None,
        params=MappingProxyType({"min_title_similarity": 0.3}),
    ),
)

_SPEC_FIELDS = {
    "name",
    "description",
    "category",
    "visible_type",
    "trigger_types",
    "evidence_types",
}


def configured_rules(overrides: Mapping | None) -> dict[str, RuleSpec]:
    """The default rules with config `sharing_warnings` applied, by code."""
    rules = {}
    overrides = overrides if isinstance(overrides, Mapping) else {}
    for spec in DEFAULT_RULES:
        change = overrides.get(spec.code) or {}
        if not isinstance(change, Mapping):
            change = {}
        if change.get("enabled") is False:
            continue
        fields = {
            k: (tuple(v) if k.endswith("_types") else v)
            for k, v in change.items()
            if k in _SPEC_FIELDS
        }
        params = {
            **spec.params,
            **{k: v for k, v in change.items() if k not in _SPEC_FIELDS and k != "enabled"},
        }
        rules[spec.code] = replace(spec, **fields, params=MappingProxyType(params))
    return rules


@dataclass
class Signal:
    """What a rule found: enough to raise (or update) one warning."""

    rule: str
    subject: str
    key: str
    title: str
    explanation: str
    facts: dict = field(default_factory=dict)
    records: list[int] = field(default_factory=list)  # record pks that triggered it
    evidence: list[dict] = field(default_factory=list)  # non-record evidence
    at: datetime | None = None


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            return None
    return None


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _money(value) -> str | None:
    number = _number(value)
    return f"{number:,.0f}" if number is not None else None


def ratio_gap(
    spec: RuleSpec, record: Mapping, name_of: Callable[[str], str] = str
) -> Signal | None:
    """Money out of the door far ahead of the work done: one record is enough to tell."""
    if record.get("type") not in spec.trigger_types:
        return None
    p, data = spec.params, record.get("data") or {}
    keywords = tuple(p.get("fund_keywords") or ())
    if keywords and not any(k in str(data.get("fund") or "") for k in keywords):
        return None
    ratio = _number(data.get(p.get("ratio_field", "disbursed_percent")))
    if ratio is None:
        allocated, paid = (
            _number(data.get("allocated_amount")),
            _number(data.get("disbursed_amount")),
        )
        ratio = paid * 100 / allocated if allocated and paid is not None else None
    progress = _number(data.get(p.get("progress_field", "progress_percent")))
    if ratio is None or progress is None:
        return None
    gap = ratio - progress
    if ratio < float(p["min_disbursed_percent"]) or gap < float(p["min_gap_points"]):
        return None
    project = str(data.get("project_name") or data.get("project_id") or record["record_id"])
    project_id = data.get("project_id")
    subject = record["subject"]
    amounts = ""
    if _money(data.get("disbursed_amount")) and _money(data.get("allocated_amount")):
        amounts = f"（{_money(data['disbursed_amount'])} / {_money(data['allocated_amount'])} 元）"
    explanation = (
        f"{name_of(subject)}「{project}」"
        f"{f'（{project_id}）' if project_id and str(project_id) not in project else ''}"
        f"截至 {_date(record.get('occurred_at'))} 累计拨付 {_fmt(ratio)}%{amounts}，"
        f"项目形象进度仅 {_fmt(progress)}%，相差 {_fmt(gap)} 个百分点"
        f"（依据{name_of(record.get('source_unit', ''))}拨付记录 {record['record_id']}）。"
        f"规则：{spec.describe()}。"
    )
    return Signal(
        rule=spec.code,
        subject=subject,
        key=str(project_id or record["record_id"])[:160],
        title=f"{project}：资金拨付快于项目进度"[:300],
        explanation=explanation,
        facts={
            "project_id": project_id,
            "project_name": data.get("project_name"),
            "disbursed_percent": round(ratio, 2),
            "progress_percent": round(progress, 2),
            "gap_points": round(gap, 2),
            "record_id": record["record_id"],
            "as_of": _date(record.get("occurred_at")),
        },
        records=[record["id"]] if record.get("id") is not None else [],
        at=record.get("occurred_at") if isinstance(record.get("occurred_at"), datetime) else None,
    )


def count_in_window(
    spec: RuleSpec,
    records: Iterable[Mapping],
    new_ids: Iterable[int],
    name_of: Callable[[str], str] = str,
) -> Signal | None:
    """Many records about one subject in a short time. ``records``: that subject's records of
    the trigger types around the new ones (each with ``id`` and ``occurred_at``)."""
    rows = sorted(
        (r for r in records if r.get("type") in spec.trigger_types),
        key=lambda r: (r["occurred_at"], r["id"]),
    )
    if not rows:
        return None
    new_ids = set(new_ids)
    window = timedelta(days=int(spec.params["window_days"]))
    need = int(spec.params["min_count"])
    best: tuple[int, int] | None = None
    end = 0
    for start in range(len(rows)):
        end = max(end, start)
        while (
            end + 1 < len(rows)
            and rows[end + 1]["occurred_at"] - rows[start]["occurred_at"] <= window
        ):
            end += 1
        count = end - start + 1
        if (
            count >= need
            and any(r["id"] in new_ids for r in rows[start : end + 1])
            and (best is None or count > best[1] - best[0] + 1)
        ):
            best = (start, end)
    if best is None:
        return None
    hits = rows[best[0] : best[1] + 1]
    subject = hits[0]["subject"]
    first, last = _date(hits[0]["occurred_at"]), _date(hits[-1]["occurred_at"])
    return Signal(
        rule=spec.code,
        subject=subject,
        key=f"{first}"[:160],
        title=f"{name_of(subject)}信访投诉短期激增"[:300],
        explanation=(
            f"{first} 至 {last}，针对{name_of(subject)}的信访投诉 {len(hits)} 件"
            f"（{_topics(hits)}）。规则：{spec.describe()}。"
        ),
        facts={
            "count": len(hits),
            "first": first,
            "last": last,
            "window_days": int(spec.params["window_days"]),
        },
        records=[r["id"] for r in hits],
        at=hits[-1]["occurred_at"],
    )


def _topics(rows) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        label = str((r.get("data") or {}).get("category") or "其他")
        counts[label] = counts.get(label, 0) + 1
    return "、".join(f"{k} {v} 件" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def recurrence(
    spec: RuleSpec, verified: Mapping, problem: Mapping, name_of: Callable[[str], str] = str
) -> Signal | None:
    """A problem recorded on a subject after one of its tasks was verified, and alike it."""
    if verified["subject"] != problem["subject"]:
        return None
    if problem.get("ref_id") == verified.get("problem_id"):
        return None
    # services announce times to the second: a problem in the verification's second is after it
    if not (verified.get("at") and problem.get("at")) or problem["at"] < verified["at"]:
        return None
    score = similarity(verified.get("title") or "", problem.get("title") or "")
    if score < float(spec.params["min_title_similarity"]):
        return None
    subject = problem["subject"]
    return Signal(
        rule=spec.code,
        subject=subject,
        key=f"{verified['ref_id']}:{problem['ref_id']}"[:160],
        title=f"{name_of(subject)}整改销号后问题复发：{problem.get('title') or ''}"[:300],
        explanation=(
            f"{name_of(subject)}的整改任务「{verified.get('title')}」已于 "
            f"{_date(verified['at'])} 验收销号，{_date(problem['at'])} 又记录问题"
            f"「{problem.get('title')}」（相似度 {score:.2f}）。规则：{spec.describe()}。"
        ),
        facts={
            "verified_task_id": verified["ref_id"],
            "verified_at": _date(verified["at"]),
            "problem_id": problem["ref_id"],
            "similarity": round(score, 2),
        },
        evidence=[
            {
                "kind": "task",
                "id": verified["ref_id"],
                "title": verified.get("title"),
                "at": _date(verified["at"]),
                "role": "verified",
            },
            {
                "kind": "problem",
                "id": problem["ref_id"],
                "title": problem.get("title"),
                "at": _date(problem["at"]),
                "role": "recurred",
            },
        ],
        at=problem["at"],
    )


_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def similarity(a: str, b: str) -> float:
    """Dice over character bigrams: works for Chinese, where words are not spaced."""
    a, b = _NOT_TEXT.sub("", a), _NOT_TEXT.sub("", b)
    if not a or not b:
        return 0.0
    if len(a) == 1 or len(b) == 1:
        return 1.0 if a == b else 0.0
    grams_a = [a[i : i + 2] for i in range(len(a) - 1)]
    grams_b = [b[i : i + 2] for i in range(len(b) - 1)]
    pool = list(grams_b)
    common = 0
    for g in grams_a:
        if g in pool:
            pool.remove(g)
            common += 1
    return 2 * common / (len(grams_a) + len(grams_b))


def _date(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(LOCAL_TZ).date().isoformat()
    return str(value or "")[:10]
