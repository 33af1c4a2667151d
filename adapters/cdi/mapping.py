"""区纪委监委机关 (cdi): 已结案件信息表 (case_concluded), CSV.

No personal names leave the agency: the official is identified by the cdi's own official id.
"""

from adapters.sdk import convert as c
from adapters.sdk.mapping import SUBJECT, Adapter, TableMapper, col

OUTCOMES = {
    "党纪处分": "party_discipline",
    "政务处分": "government_sanction",
    "党纪政务处分": "party_and_government_sanction",
    "组织处理": "organizational_handling",
    "移送司法机关": "transferred_to_judiciary",
    "诫勉谈话": "admonishment",
    "了结": "closed_without_sanction",
}

CASE_CONCLUDED = TableMapper(
    kind="case_concluded",
    title="已结案件信息表",
    columns=[
        col("record_id", "案件编号"),
        col(SUBJECT, "所在单位", doc="被审查调查人所在单位（单位名录中的名称或编号）"),
        col("data.official_id", "被审查调查人编号", doc="纪委监委内部编号，不含姓名"),
        col("data.position", "职务", required=False),
        col("data.cause", "案由"),
        col("data.outcome", "处理结果", convert=c.choice(OUTCOMES)),
        col(
            "data.amount",
            "涉案金额（元）",
            "涉案金额(元)",
            "涉案金额",
            convert=c.amount,
            required=False,
        ),
        col("data.filed_at", "立案日期", convert=c.occurred, required=False),
        col("occurred_at", "结案日期", convert=c.occurred),
    ],
)

ADAPTER = Adapter(agency="cdi", name="区纪委监委机关", mappers=[CASE_CONCLUDED])
