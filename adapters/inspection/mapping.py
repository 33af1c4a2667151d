"""区委巡察办 (inspection): 巡察反馈问题清单 (feedback), XLSX."""

from adapters.sdk import convert as c
from adapters.sdk.mapping import SUBJECT, Adapter, TableMapper, col

FEEDBACK = TableMapper(
    kind="feedback",
    title="巡察反馈问题清单",
    columns=[
        col("record_id", "反馈问题编号", "问题编号"),
        col("data.round", "巡察轮次"),
        col(SUBJECT, "被巡察单位"),
        col("data.category", "问题类别"),
        col("data.description", "问题描述"),
        col("data.project_id", "涉及项目编号", required=False),
        col("data.rectify_by", "整改时限", convert=c.occurred, required=False),
        col("occurred_at", "反馈日期", convert=c.occurred),
    ],
    formats=("xlsx", "csv"),
)

ADAPTER = Adapter(agency="inspection", name="区委巡察办", mappers=[FEEDBACK])
