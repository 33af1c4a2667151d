"""API values (stable English ids) as office staff read them, for exports and the report."""

from contracts.units import registry

FORM = {
    "joint_supervision": "联合监督",
    "law_enforcement_inspection": "执法检查",
    "special_governance": "专项治理",
}
ITEM_STATUS = {
    "planned": "计划中",
    "in_progress": "实施中",
    "concluded": "已办结",
    "cancelled": "已取消",
}
LEAD_STATUS = {
    "registered": "已登记",
    "transferred": "已移送",
    "accepted": "已受理",
    "handling": "办理中",
    "returned": "已退回",
    "concluded": "已办结",
}
SENSITIVITY = {"normal": "一般", "sensitive": "敏感", "secret": "涉密"}
LEAD_CATEGORY = {
    "default": "一般线索",
    "discipline": "违纪违法",
    "judicial": "执法司法",
    "funds": "资金使用",
    "ecology": "生态环保",
}
SOURCE = {
    "finding": "监督发现",
    "lead": "问题线索",
    "audit_finding": "审计发现",
    "inspection_feedback": "巡察反馈",
    "environmental_inspection": "中央环保督察反馈",
    "other": "其他",
}
NATURE = {
    "typical": "典型性",
    "common": "普遍性",
    "tendency": "倾向性",
    "negative_case": "反面典型",
    "other": "其他",
}
PROBLEM_STATUS = {"open": "待整改", "rectifying": "整改中", "resolved": "已整改"}
TASK_STATUS = {
    "assigned": "已交办",
    "in_progress": "整改中",
    "submitted": "已报送待验收",
    "verified": "已销号",
    "sent_back": "已退回",
}
CIRCULAR_STATUS = {"draft": "草稿", "approved": "已审核", "issued": "已印发"}
TOPIC_STATUS = {"planned": "已立项", "in_progress": "研究中", "concluded": "已结题"}
CONCERN_SOURCE = {
    "party_government": "党委政府关心",
    "deputies": "人大代表关注",
    "public": "人民群众关切",
    "npc_key_work": "人大监督重点工作",
}
RECORD_TYPE = {
    "audit.finding": "审计发现",
    "finance.disbursement": "资金拨付",
    "finance.budget_execution": "预算执行",
    "statistics.indicator": "统计指标",
    "plc.case_quality": "案件质量评查",
    "plc.petition": "信访投诉",
    "inspection.feedback": "巡察反馈",
    "cdi.case_concluded": "审结案件",
}
YES_NO = {True: "是", False: "否"}


def unit(value) -> str:
    """A unit id as its name; an official's name (a subject that is not a unit) as it is."""
    if not value:
        return ""
    return registry().name(str(value))


def units(values) -> str:
    return "、".join(unit(v) for v in values or [])


def of(table: dict, value) -> str:
    if value is None:
        return ""
    return table.get(value, str(value))
