"""区委政法委 (plc): 案件质量评查台账 (case_quality) and 信访投诉登记表 (petition), CSV."""

from adapters.sdk import convert as c
from adapters.sdk.mapping import SUBJECT, Adapter, TableMapper, col

QUALITY_GRADES = {
    "优秀": "excellent",
    "合格": "qualified",
    "基本合格": "basically_qualified",
    "瑕疵": "flawed",
    "不合格": "unqualified",
}
PETITION_CHANNELS = {
    "来信": "letter",
    "来访": "visit",
    "网上信访": "online",
    "电话": "phone",
    "12345热线": "hotline",
}
PETITION_STATUS = {
    "已登记": "registered",
    "已受理": "accepted",
    "办理中": "in_progress",
    "已办结": "concluded",
    "不予受理": "rejected",
}

CASE_QUALITY = TableMapper(
    kind="case_quality",
    title="案件质量评查台账",
    columns=[
        col("record_id", "评查编号", "评查记录编号"),
        col("data.case_no", "案号"),
        col("data.case_type", "案件类型", doc="执行案件、刑事案件、民事案件、行政案件…"),
        col(SUBJECT, "承办单位", "办案单位", doc="单位名称或编号，如 区人民法院 / court"),
        col("data.grade", "评查结果", "评查等次", convert=c.choice(QUALITY_GRADES)),
        col("data.score", "评查得分", convert=c.number, required=False),
        col("data.problems", "主要问题", required=False),
        col("data.reviewer", "评查组", required=False),
        col("occurred_at", "评查日期", convert=c.occurred),
    ],
)

PETITION = TableMapper(
    kind="petition",
    title="信访投诉登记表",
    columns=[
        col("record_id", "信访编号", "信访件编号"),
        col("occurred_at", "登记日期", "来信来访日期", convert=c.occurred),
        col(SUBJECT, "反映对象", "被反映单位"),
        col("data.channel", "信访形式", convert=c.choice(PETITION_CHANNELS)),
        col("data.category", "问题类别"),
        col("data.summary", "内容摘要", "反映内容"),
        col("data.status", "办理状态", convert=c.choice(PETITION_STATUS), required=False),
        col("data.repeat_count", "重复次数", convert=c.integer, required=False),
    ],
)

ADAPTER = Adapter(agency="plc", name="区委政法委", mappers=[CASE_QUALITY, PETITION])
