"""The early-warning rules: thresholds, windows, recurrence, and their configuration."""

from datetime import UTC, datetime, timedelta

import pytest

from services.sharing import warnings as wr

RULES = wr.configured_rules(None)
FUNDS, SPIKE, RECUR = (
    RULES["funds_outpace_progress"],
    RULES["petition_spike"],
    RULES["problem_recurred"],
)
NAMES = {
    "town-jieshi": "界石镇",
    "court": "区人民法院",
    "ecology": "区生态环境局",
    "finance": "区财政局",
}.get


def name_of(unit):
    return NAMES(unit) or unit


def disbursement(disbursed, progress, fund="中央财政衔接推进乡村振兴补助资金", **extra):
    data = {
        "project_id": "XC2025-001",
        "project_name": "界石镇高标准农田建设项目",
        "fund": fund,
        "allocated_amount": 3000000,
        "disbursed_amount": 3000000 * disbursed / 100,
        "disbursed_percent": disbursed,
        "progress_percent": progress,
        **extra,
    }
    return {
        "id": 7,
        "record_id": "CZBF-1",
        "type": "finance.disbursement",
        "subject": "town-jieshi",
        "source_unit": "finance",
        "occurred_at": datetime(2025, 7, 15, tzinfo=UTC),
        "data": data,
    }


@pytest.mark.parametrize(
    "disbursed, progress, raised",
    [(85, 35, True), (60, 30, True), (59.9, 10, False), (80, 51, False), (100, 70, True)],
)
def test_funds_far_ahead_of_progress(disbursed, progress, raised):
    signal = wr.ratio_gap(FUNDS, disbursement(disbursed, progress), name_of)
    assert (signal is not None) == raised
    if raised:
        assert signal.subject == "town-jieshi" and signal.key == "XC2025-001"
        assert signal.records == [7]
        assert f"{disbursed:g}%" in signal.explanation and "规则" in signal.explanation
        assert "界石镇" in signal.explanation and "CZBF-1" in signal.explanation


def test_funds_rule_reads_the_ratio_from_amounts_and_skips_other_funds_or_missing_progress():
    record = disbursement(85, 35)
    del record["data"]["disbursed_percent"]
    assert wr.ratio_gap(FUNDS, record).facts["disbursed_percent"] == 85.0
    assert wr.ratio_gap(FUNDS, disbursement(85, 35, fund="农业技术推广补助资金")) is None
    record = disbursement(85, 35)
    del record["data"]["progress_percent"]
    assert wr.ratio_gap(FUNDS, record) is None
    assert wr.ratio_gap(FUNDS, {**disbursement(85, 35), "type": "audit.finding"}) is None


def petitions(days, subject="court", first=datetime(2025, 5, 6, tzinfo=UTC)):
    return [
        {
            "id": i + 1,
            "type": "plc.petition",
            "subject": subject,
            "record_id": f"XF{i}",
            "occurred_at": first + timedelta(days=d),
            "data": {"category": "执行难"},
        }
        for i, d in enumerate(days)
    ]


def test_a_spike_needs_enough_petitions_inside_the_window_including_a_new_one():
    rows = petitions([0, 3, 7, 13, 17, 22])
    signal = wr.count_in_window(SPIKE, rows, [6], name_of)
    assert signal.facts["count"] == 6 and signal.records == [1, 2, 3, 4, 5, 6]
    assert signal.key == "2025-05-06" and "区人民法院" in signal.title
    assert "执行难 6 件" in signal.explanation
    assert wr.count_in_window(SPIKE, petitions([0, 3, 7, 13]), [4]) is None  # four is not five
    assert wr.count_in_window(SPIKE, petitions([0, 10, 20, 30, 40, 50]), [6]) is None  # spread
    # an old spike is not raised again by a petition far from it
    rows = petitions([0, 3, 7, 13, 17, 90])
    assert wr.count_in_window(SPIKE, rows, [6]) is None


def test_the_densest_window_is_the_one_reported():
    rows = petitions([0, 1, 2, 3, 4, 40, 41, 42, 43, 44, 45])
    signal = wr.count_in_window(SPIKE, rows, [11])
    assert signal.facts["count"] == 6 and signal.facts["first"] == "2025-06-15"


def test_a_similar_problem_after_verification_is_a_recurrence():
    verified = {
        "ref_id": "task-1",
        "subject": "ecology",
        "title": "一品河河道垃圾清运不及时",
        "problem_id": "prob-1",
        "at": datetime(2025, 6, 1, tzinfo=UTC),
    }
    again = {
        "ref_id": "prob-2",
        "subject": "ecology",
        "title": "一品河河道垃圾整改后再次堆积",
        "at": datetime(2025, 8, 1, tzinfo=UTC),
    }
    signal = wr.recurrence(RECUR, verified, again, name_of)
    assert signal.key == "task-1:prob-2" and signal.subject == "ecology"
    assert {e["kind"] for e in signal.evidence} == {"task", "problem"}
    assert "2025-06-01" in signal.explanation and "销号" in signal.explanation
    assert (
        wr.recurrence(RECUR, verified, {**again, "at": datetime(2025, 5, 1, tzinfo=UTC)}) is None
    )  # before the verification
    assert wr.recurrence(RECUR, verified, {**again, "title": "餐饮油烟扰民"}) is None
    assert wr.recurrence(RECUR, verified, {**again, "subject": "court"}) is None
    assert wr.recurrence(RECUR, verified, {**again, "ref_id": "prob-1"}) is None


def test_similarity_works_on_unspaced_chinese():
    assert wr.similarity("河道垃圾清运", "河道垃圾清运") == 1.0
    assert wr.similarity("河道垃圾清运不及时", "河道垃圾再次堆积") > 0.3
    assert wr.similarity("河道垃圾", "餐饮油烟") == 0.0
    assert wr.similarity("", "河道") == 0.0


def test_config_changes_thresholds_or_turns_a_rule_off_without_code():
    rules = wr.configured_rules(
        {
            "funds_outpace_progress": {"min_gap_points": 60},
            "petition_spike": {"enabled": False},
            "problem_recurred": {"category": "ecology"},
        }
    )
    assert "petition_spike" not in rules
    assert rules["funds_outpace_progress"].params["min_gap_points"] == 60
    assert rules["funds_outpace_progress"].params["min_disbursed_percent"] == 60
    assert wr.ratio_gap(rules["funds_outpace_progress"], disbursement(85, 35)) is None
    assert rules["problem_recurred"].category == "ecology"
    assert "60 个百分点" in rules["funds_outpace_progress"].describe()
    # the defaults are untouched by an override
    assert RULES["funds_outpace_progress"].params["min_gap_points"] == 30
