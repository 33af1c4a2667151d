"""Which service owns which kind of thing, and the order of the chain a trace follows."""

from runtime.config import SERVICES

# ARCHITECTURE.md "Kinds and their owners"
OWNER = {
    "proposal": "planning",
    "item": "planning",
    "finding": "planning",
    "lead": "leads",
    "problem": "rectification",
    "task": "rectification",
    "circular": "rectification",
    "topic": "research",
    "output": "research",
    "record": "sharing",
    "warning": "sharing",
    "result": "sharing",
}

# item → findings → leads → problems → tasks → circulars; the rest hang on by their links.
# An edge points from the kind earlier in this list to the later one.
CHAIN = (
    "proposal",
    "item",
    "finding",
    "record",
    "warning",
    "lead",
    "problem",
    "task",
    "circular",
    "topic",
    "output",
    "result",
)

KIND_LABELS = {
    "proposal": "议题建议",
    "item": "监督事项",
    "finding": "发现问题",
    "lead": "问题线索",
    "problem": "整改问题",
    "task": "整改任务",
    "circular": "通报",
    "topic": "研究课题",
    "output": "研究成果",
    "record": "共享数据",
    "warning": "风险预警",
    "result": "共用成果",
}

# the seven mechanisms, by the service that carries them
MECHANISMS = {
    "planning": ("计划共商", "工作共推"),
    "sharing": ("信息共享", "成果共用"),
    "leads": ("线索共处",),
    "rectification": ("整改共促",),
    "research": ("课题共研",),
}
SERVICE_LABELS = {
    "planning": "计划共商 · 工作共推",
    "leads": "线索共处",
    "rectification": "整改共促",
    "research": "课题共研",
    "sharing": "信息共享 · 成果共用",
}

assert set(OWNER.values()) <= set(SERVICES)


def owner(kind: str) -> str | None:
    return OWNER.get(kind)


def rank(kind: str) -> int:
    return CHAIN.index(kind) if kind in CHAIN else len(CHAIN)
