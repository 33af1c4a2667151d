"""区财政局 (finance): 乡村振兴衔接资金拨付台账 (disbursement) and 预算执行情况表
(budget_execution), CSV."""

from decimal import Decimal

from adapters.sdk import convert as c
from adapters.sdk.mapping import SUBJECT, Adapter, TableMapper, col

_HUNDRED, _CENT = Decimal(100), Decimal("0.01")


def _exact(value) -> Decimal:
    # an int is the same Decimal whether or not it is written out first; a float is read as
    # written (str), not as the binary fraction it is
    return Decimal(value) if value.__class__ is int else Decimal(str(value))


def _ratio(part, whole):
    if not whole:
        return None
    return float((_exact(part) * _HUNDRED / _exact(whole)).quantize(_CENT))


def derive_disbursement(data: dict) -> None:
    """disbursed_percent: what the early-warning rule compares with progress_percent."""
    if data.get("amount") is not None and data["amount"] > data["disbursed_amount"]:
        raise ValueError("“本次拨付（元）”不能大于“累计拨付（元）” (amount > cumulative)")
    data["disbursed_percent"] = _ratio(data["disbursed_amount"], data["allocated_amount"])


def derive_budget(data: dict) -> None:
    base = data.get("adjusted_budget") or data["budget"]
    data["execution_percent"] = _ratio(data["spent"], base)


DISBURSEMENT = TableMapper(
    kind="disbursement",
    title="乡村振兴衔接资金拨付台账",
    columns=[
        col("record_id", "拨付单号", "支付凭证号"),
        col("data.project_id", "项目编号"),
        col("data.project_name", "项目名称"),
        col("data.fund", "资金名称", doc="如 中央财政衔接推进乡村振兴补助资金"),
        col(SUBJECT, "项目实施单位", "实施单位"),
        col(
            "data.allocated_amount", "下达资金（元）", "下达资金(元)", "下达资金", convert=c.amount
        ),
        col("data.amount", "本次拨付（元）", "本次拨付(元)", "本次拨付", convert=c.amount),
        col(
            "data.disbursed_amount", "累计拨付（元）", "累计拨付(元)", "累计拨付", convert=c.amount
        ),
        col(
            "data.progress_percent",
            "项目形象进度（%）",
            "项目形象进度(%)",
            "项目进度",
            convert=c.percent,
        ),
        col("occurred_at", "拨付日期", convert=c.occurred),
        col("data.note", "备注", required=False),
    ],
    derive=derive_disbursement,
)

BUDGET_EXECUTION = TableMapper(
    kind="budget_execution",
    title="预算执行情况表",
    columns=[
        col(SUBJECT, "预算单位"),
        col("data.year", "年度", convert=c.year),
        col("data.month", "月份", convert=c.integer),
        col("data.account_code", "科目编码"),
        col("data.account_name", "科目名称"),
        col("data.budget", "年初预算（元）", "年初预算(元)", "年初预算", convert=c.amount),
        col(
            "data.adjusted_budget",
            "调整后预算（元）",
            "调整后预算(元)",
            "调整后预算",
            convert=c.amount,
            required=False,
        ),
        col("data.spent", "累计支出（元）", "累计支出(元)", "累计支出", convert=c.amount),
        col("occurred_at", "统计截止日期", "截止日期", convert=c.occurred),
    ],
    # Budget reports carry no id of their own: unit, account and month identify a line.
    id_from=("subject", "account_code", "year", "month"),
    id_prefix="BE-",
    derive=derive_budget,
)

ADAPTER = Adapter(agency="finance", name="区财政局", mappers=[DISBURSEMENT, BUDGET_EXECUTION])
