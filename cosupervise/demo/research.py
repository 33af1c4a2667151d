"""2025: the two research topics the office agreed with the units (每年 1-2 个理论研究课题),
co-written outputs, and the rural-fund study concluded with its final report."""

from cosupervise.demo.client import ApiError

YEAR = 2025

MECHANISM = {
    "year": YEAR,
    "title": "协同联动监督机制理论研究",
    "lead_unit": "npc",
    "participating_units": ["cdi", "plc", "inspection", "audit", "finance", "statistics"],
    "questions": [
        "人大监督与纪检监察、执法司法、巡察、审计、财会、统计监督如何在信息、专业、力量、措施、成果上优势互补？",
        "“1+N”协同联动中线索移送、整改督促、成果运用的衔接程序如何规范？",
        "如何运用各单位日常监督数据为被监督单位“画像”，既让监督更精准又为被监督单位减负？",
    ],
    "due_on": "2026-12-31",
    "deliverables": ["理论研究报告", "协同联动工作机制完善建议"],
}

RURAL_FUNDS = {
    "year": YEAR,
    "title": "乡村振兴资金监管制度研究",
    "lead_unit": "finance",
    "participating_units": ["audit", "cdi", "inspection"],
    "questions": [
        "乡村振兴衔接资金“拨付快、建设慢”的成因是什么，现行监管制度有哪些短板？",
        "财政拨付数据、审计发现与纪检监察线索如何共享联动、及时预警？",
        "项目绩效评价结果如何运用于下一年度资金分配？",
    ],
    "due_on": "2025-11-30",
    "deliverables": ["制度研究报告", "资金监管办法修订建议"],
}

# the rectification problems each topic studies, by their name in the story (rectification's
# demo part puts them in story["problems"]; a "<name>_problem" key is read too)
PROBLEMS = {
    "mechanism": ("ecology", "judicial"),
    "rural": ("rural", "audit"),
}


def _id(value):
    return value.get("id") if isinstance(value, dict) else value


def _problem_ids(story, names):
    problems = story.get("problems") or {}
    found = [_id(problems.get(n)) or _id(story.get(f"{n}_problem")) for n in names]
    return list(dict.fromkeys(p for p in found if p))


def _link_problems(api, topic, story, names):
    for problem_id in _problem_ids(story, names):
        try:
            api.post(
                "office",
                f"/api/v1/research-topics/{topic['id']}/links",
                {"kind": "problem", "id": problem_id},
            )
        except ApiError as exc:  # the study stands without the link; say why it is missing
            print(f"课题「{topic['title']}」未能关联整改问题 {problem_id}：{exc}", flush=True)


def load(api, story: dict) -> None:
    items = [_id(story.get(k)) for k in ("ecology_item", "judicial_item", "rural_item")]
    ecology, judicial, rural = items

    mechanism = api.post(
        "office",
        "/api/v1/research-topics",
        {**MECHANISM, "item_ids": [i for i in (ecology, judicial) if i]},
    )
    funds = api.post(
        "office", "/api/v1/research-topics", {**RURAL_FUNDS, "item_ids": [rural] if rural else []}
    )
    _link_problems(api, mechanism, story, PROBLEMS["mechanism"])
    _link_problems(api, funds, story, PROBLEMS["rural"])

    # the mechanism study: an outline by the office, revised with cdi and plc; still open
    outline = api.post(
        "office",
        f"/api/v1/research-topics/{mechanism['id']}/outputs",
        {
            "title": "协同联动监督机制理论研究提纲",
            "content": "一、“1+N”协同联动的理论基础：人大监督的法定性与各类监督的专业性。\n"
            "二、七项工作机制的运行现状：计划共商、信息共享、工作共推、线索共处、整改共促、"
            "成果共用、课题共研。\n三、存在的短板：信息壁垒、线索移送标准不一、整改闭环不足。",
            "final": False,
        },
    )
    api.post(
        "cdi-liaison",
        f"/api/v1/research-topics/{mechanism['id']}/outputs/{outline['id']}/versions",
        {
            "content": outline["content"] + "\n四、纪检监察监督与人大监督贯通："
            "问题线索双向移送、办理结果反馈时限。"
        },
    )
    api.post(
        "plc-liaison",
        f"/api/v1/research-topics/{mechanism['id']}/outputs",
        {
            "title": "执法司法监督与人大监督衔接专题",
            "content": "以拒执类案件为切口，政法委案件质量评查、信访投诉数据向人大常委会共享的范围、"
            "频次与安全要求。",
            "final": False,
        },
    )

    # the rural-fund study: finance drafts, audit adds its findings, cdi writes a chapter,
    # finance finalises and the office concludes it for the results library
    report = api.post(
        "finance-liaison",
        f"/api/v1/research-topics/{funds['id']}/outputs",
        {
            "title": "乡村振兴衔接资金监管制度研究报告",
            "content": "初稿：梳理 2025 年度衔接资金 46 个项目的拨付与建设进度，"
            "分析“拨付快、建设慢”的制度成因。",
            "final": False,
        },
    )
    path = f"/api/v1/research-topics/{funds['id']}/outputs/{report['id']}/versions"
    api.post(
        "audit-liaison",
        path,
        {
            "content": "第二稿：补充审计发现——界石镇产业路项目资金拨付 92%、工程进度仅 35%，"
            "存在提前拨付、虚报进度问题；建议按工程节点分期拨付。"
        },
    )
    api.post(
        "cdi-liaison",
        f"/api/v1/research-topics/{funds['id']}/outputs",
        {
            "title": "衔接资金违规使用问题线索分析",
            "content": "从纪检监察视角归纳虚报冒领、挤占挪用、优亲厚友三类典型问题及其线索来源。",
            "final": False,
        },
    )
    api.post(
        "finance-liaison",
        path,
        {
            "content": "定稿：一、按工程节点分期拨付，进度与拨付偏差超过 30 个百分点自动预警；"
            "二、财政拨付、审计发现、纪检线索每月共享；三、绩效评价结果与下年度资金分配挂钩；"
            "四、修订《乡村振兴衔接资金管理办法》相关条款。",
            "final": True,
        },
    )
    api.post(
        "office",
        f"/api/v1/research-topics/{funds['id']}/conclude",
        {"summary": "形成制度研究报告一份、资金监管办法修订建议四条，已提交区人大常委会。"},
    )

    story.update(
        research_topics=[mechanism, funds],
        mechanism_topic=mechanism,
        rural_funds_topic=funds,
        rural_funds_report=report,
    )
