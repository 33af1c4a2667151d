"""区统计局 (statistics): 统计指标数据表 (indicator), CSV."""

from adapters.sdk import convert as c
from adapters.sdk.mapping import SUBJECT, Adapter, TableMapper, col

INDICATOR = TableMapper(
    kind="indicator",
    title="统计指标数据表",
    columns=[
        col("data.indicator_code", "指标代码", "指标编码"),
        col("data.indicator_name", "指标名称"),
        col(SUBJECT, "统计对象", "单位"),
        col("data.period", "统计期", doc="如 2025-06、2025Q2、2025H1"),
        col("data.value", "指标值", "数值", convert=c.number),
        col("data.unit", "计量单位", required=False),
        col(
            "data.yoy_percent",
            "同比增减（%）",
            "同比增减(%)",
            "同比增减",
            convert=c.number,
            required=False,
        ),
        col("occurred_at", "数据日期", "发布日期", convert=c.occurred),
    ],
    id_from=("indicator_code", "subject", "period"),
    id_prefix="IND-",
)

ADAPTER = Adapter(agency="statistics", name="区统计局", mappers=[INDICATOR])
