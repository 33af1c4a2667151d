"""区审计局 (audit): 审计发现问题清单 (finding), XLSX."""

from adapters.sdk import convert as c
from adapters.sdk.mapping import SUBJECT, Adapter, TableMapper, col

CATEGORIES = {
    "违规使用资金": "misuse_of_funds",
    "资金闲置": "idle_funds",
    "虚报冒领": "false_claims",
    "项目管理不规范": "project_mismanagement",
    "资产管理不规范": "asset_mismanagement",
    "拨付进度与项目进度不匹配": "disbursement_progress_mismatch",
    "其他": "other",
}

FINDING = TableMapper(
    kind="finding",
    title="审计发现问题清单",
    columns=[
        col("record_id", "问题编号"),
        col("data.audit_project", "审计项目名称", "审计项目"),
        col(SUBJECT, "被审计单位"),
        col("data.category", "问题类型", convert=c.choice(CATEGORIES)),
        col("data.description", "问题描述"),
        col(
            "data.amount",
            "涉及金额（元）",
            "涉及金额(元)",
            "涉及金额",
            convert=c.amount,
            required=False,
        ),
        col("data.fund", "资金类别", required=False, doc="如 乡村振兴衔接资金"),
        col("data.project_id", "项目编号", required=False, doc="与财政拨付记录的项目编号一致"),
        col("data.requirement", "整改要求", required=False),
        col("data.rectify_by", "整改期限", convert=c.occurred, required=False),
        col("occurred_at", "发现日期", "审计发现日期", convert=c.occurred),
    ],
    formats=("xlsx", "csv"),
)

ADAPTER = Adapter(agency="audit", name="区审计局", mappers=[FINDING])
