"""Converters from what a cell holds in a Chinese office export to canonical values.

Each converter takes the raw cell value (str from CSV, str/int/float/datetime from XLSX) and returns
the value or raises ValueError with a Chinese-first message; the mapper names the column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from contracts.records import SHANGHAI


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX stores an id typed as 2025001 as a float
    return str(value).strip()


_AMOUNT_JUNK = re.compile(r"[,，\s¥￥元]")


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{what}应为数字，不能是 {value!r}")
    if isinstance(value, int | float):
        return Decimal(str(value))
    cleaned = _AMOUNT_JUNK.sub("", str(value))
    multiplier = Decimal(1)
    if cleaned.endswith("万"):  # 12.5万 = 125000
        cleaned, multiplier = cleaned[:-1], Decimal(10000)
    try:
        number = Decimal(cleaned) * multiplier
    except InvalidOperation:
        raise ValueError(f"{what}应为数字，实际为 {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{what}应为有限数字，实际为 {value!r}")
    return number


def _plain(number: Decimal, places: int):
    q = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return int(q) if q == q.to_integral_value() else float(q)


def amount(value):
    """Money in 元 (yuan): '1,200,000.00', '¥120万', 1200000 → 1200000; two decimals kept."""
    number = _decimal(value, "金额")
    if number < 0:
        raise ValueError(f"金额不能为负数：{value!r}")
    return _plain(number, 2)


def number(value):
    return _plain(_decimal(value, "数值"), 4)


def integer(value) -> int:
    number = _decimal(value, "整数")
    if number != number.to_integral_value():
        raise ValueError(f"应为整数，实际为 {value!r}")
    return int(number)


def percent(value):
    """'35%', '35', 35 → 35.0; a fraction from an XLSX percent cell (0.35) → 35.0."""
    if isinstance(value, float) and 0 <= value <= 1 and not isinstance(value, bool):
        number = Decimal(str(value)) * 100
    elif isinstance(value, str) and value.strip().endswith(("%", "％")):
        number = _decimal(value.strip()[:-1], "百分比")
    else:
        number = _decimal(value, "百分比")
    if number < 0 or number > 100:
        raise ValueError(f"百分比应在 0–100 之间，实际为 {value!r}")
    return _plain(number, 2)


_DATE_PATTERNS = [
    (
        re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"),
        True,
    ),
    (
        re.compile(
            r"^(\d{4})年(\d{1,2})月(\d{1,2})日?(?:\s*(\d{1,2})[:时](\d{2})分?(?::(\d{2}))?)?$"
        ),
        True,
    ),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), False),
]


def occurred(value) -> str:
    """A date or time as an agency writes it → ISO 8601 in Asia/Shanghai."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"日期格式无法识别：{value!r}（应为 2025-03-15 或 2025年3月15日）")
    else:
        raw = str(value).strip()
        for pattern, _ in _DATE_PATTERNS:
            m = pattern.match(raw)
            if m:
                parts = [int(p) if p else 0 for p in m.groups()] + [0, 0, 0]
                y, mo, d, h, mi, s = parts[:6]
                try:
                    dt = datetime(y, mo, d, h, mi, s)
                except ValueError:
                    raise ValueError(f"日期不存在：{raw!r}") from None
                break
        else:
            try:
                dt = datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError(
                    f"日期格式无法识别：{raw!r}（应为 2025-03-15 或 2025年3月15日）"
                ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt.isoformat()


def year(value) -> int:
    text_value = str(value).strip().rstrip("年") if not isinstance(value, int | float) else value
    y = integer(text_value)
    if not 1990 <= y <= 2100:
        raise ValueError(f"年度不合理：{value!r}")
    return y


def choice(table: dict[str, str]):
    """Map the agency's Chinese wording to a stable code; unknown wording is an error."""

    def convert(value) -> str:
        key = str(value).strip()
        if key in table:
            return table[key]
        if key in table.values():
            return key
        raise ValueError(f"取值 {key!r} 不在允许范围内：{'、'.join(table)}")

    convert.__name__ = "choice"
    return convert


# --------------------------------------------------------------------------- fast paths
#
# A ledger of a million rows calls the converters above millions of times, mostly with the same
# few plain forms ("1,050,000.00", "35%", "2025-03-15"). The fast forms below answer those
# without Decimal or regular expressions and hand anything else to the general converter, so
# each gives exactly what the general one gives (value and type, or the same ValueError):
# tests/unit/adapters/test_adapters_fast_paths.py compares them on odd inputs as well.


def _plain_fast(cleaned: str, places: int):
    """``_plain(Decimal(cleaned), places)`` for plain non-negative numbers — ASCII digits (at
    most 20 before the point, so that no Decimal context rounding could come into play) and
    at most ``places`` decimals (no rounding happens then) — else None."""
    whole, _, fraction = cleaned.partition(".")
    if not (whole.isdecimal() and whole.isascii() and len(whole) <= 20):
        return None
    if not fraction.strip("0"):  # "1050000", "1050000.", "1050000.00" → 1050000
        return int(whole)
    if len(fraction) > places or not (fraction.isdecimal() and fraction.isascii()):
        return None
    return float(cleaned)  # the same double as float(Decimal(cleaned)): both round correctly


def amount_fast(value):
    """``amount`` for the common text forms ("1,200,000.00", "1200000", "85.5")."""
    if value.__class__ is str:
        number = _plain_fast(value.replace(",", ""), 2)
        if number is not None:
            return number
    return amount(value)


def number_fast(value):
    if value.__class__ is str:
        plain = _plain_fast(value.replace(",", ""), 4)
        if plain is not None:
            return plain
    return number(value)


def percent_fast(value):
    """``percent`` for "35%", "35", "35.5" (0–100, at most two decimals)."""
    if value.__class__ is str:
        cleaned = value[:-1] if value.endswith("%") else value
        number = _plain_fast(cleaned.replace(",", ""), 2)
        if number is not None and number <= 100:
            return number
    return percent(value)


def text_fast(value) -> str:
    return value.strip() if value.__class__ is str else text(value)


def memoized(convert, size: int = 4096):
    """A pure converter remembering its answers for text cells (dates repeat down a ledger).
    Only answers are kept: a value it refuses is refused again, with the same error."""
    memo: dict[str, object] = {}

    def fast(value):
        if value.__class__ is not str:
            return convert(value)
        try:
            return memo[value]
        except KeyError:
            pass
        result = convert(value)
        if len(memo) >= size:
            memo.clear()
        memo[value] = result
        return result

    fast.__name__ = f"memoized_{getattr(convert, '__name__', 'convert')}"
    return fast


def fast_form(convert):
    """The fast form of a converter (itself when it has none). Called once per file: memos
    live as long as the file's mapping."""
    if convert is amount:
        return amount_fast
    if convert is number:
        return number_fast
    if convert is percent:
        return percent_fast
    if convert is text:
        return text_fast
    if convert is occurred:
        return memoized(occurred)
    return convert
