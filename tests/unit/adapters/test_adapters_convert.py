import datetime as dt

import pytest

from adapters.sdk import convert as c


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("3,000,000.00", 3000000),
        ("¥1,200.5元", 1200.5),
        ("12.5万", 125000),
        (800000, 800000),
        (1650000.004, 1650000),
        ("0", 0),
    ],
)
def test_amount(raw, expected):
    assert c.amount(raw) == expected


@pytest.mark.parametrize("raw", ["约一百万", "-5", "NaN", True])
def test_amount_rejects(raw):
    with pytest.raises(ValueError):
        c.amount(raw)


@pytest.mark.parametrize(
    "raw, expected", [("35%", 35), ("35.5％", 35.5), ("72", 72), (0.35, 35), (55, 55)]
)
def test_percent(raw, expected):
    assert c.percent(raw) == expected


@pytest.mark.parametrize("raw", ["150%", "-1", "abc"])
def test_percent_rejects(raw):
    with pytest.raises(ValueError):
        c.percent(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2025-03-10", "2025-03-10T00:00:00+08:00"),
        ("2025/3/1", "2025-03-01T00:00:00+08:00"),
        ("2025年5月6日", "2025-05-06T00:00:00+08:00"),
        ("2025年5月6日 14:30", "2025-05-06T14:30:00+08:00"),
        ("20250506", "2025-05-06T00:00:00+08:00"),
        ("2025-05-06 08:01:02", "2025-05-06T08:01:02+08:00"),
        (dt.datetime(2025, 5, 6, 9), "2025-05-06T09:00:00+08:00"),
        (dt.date(2025, 5, 6), "2025-05-06T00:00:00+08:00"),
    ],
)
def test_occurred(raw, expected):
    assert c.occurred(raw) == expected


@pytest.mark.parametrize("raw", ["2025-13-45", "2025年8月32日", "下周", 45])
def test_occurred_rejects(raw):
    with pytest.raises(ValueError):
        c.occurred(raw)


def test_choice_and_integer_and_year():
    grade = c.choice({"优秀": "excellent", "合格": "qualified"})
    assert grade("优秀") == "excellent"
    assert grade("qualified") == "qualified"
    with pytest.raises(ValueError, match="优秀、合格"):
        grade("良好")
    assert c.integer("3") == 3
    with pytest.raises(ValueError):
        c.integer("2.5")
    assert c.year("2025年") == 2025
    with pytest.raises(ValueError):
        c.year("1025")
