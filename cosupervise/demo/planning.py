"""2025: proposals, the joint consultation, the adopted plan with the seed's five items, joint work."""

YEAR = 2025

PROPOSALS = [
    (
        "cdi-liaison",
        "乡村振兴衔接资金使用监管",
        "群众反映部分村项目资金拨付快、建设慢，需联合监督。",
        "public",
    ),
    (
        "audit-liaison",
        "中央第三轮环保督察反馈问题整改落实",
        "审计发现部分整改资金使用不规范。",
        "party_government",
    ),
    ("plc-liaison", "司法机关拒绝执行类案件办理情况", "代表多次关注执行难问题。", "deputies"),
    (
        "finance-liaison",
        "农业技术推广法实施办法执法检查",
        "财政支农资金绩效需检查。",
        "npc_key_work",
    ),
]

ITEMS = [
    {
        "title": "生态文明建设工作落实情况、中央第三轮环保督察反馈问题整改落实情况",
        "form": "joint_supervision",
        "lead_unit": "npc",
        "participating_units": ["cdi", "inspection", "audit"],
        "key": False,
        "subjects": ["ecology"],
        "description": "联合纪委监委、巡察、审计，检查环保督察反馈问题整改。",
    },
    {
        "title": "监督对象依法履职情况全过程监督",
        "form": "joint_supervision",
        "lead_unit": "npc",
        "participating_units": ["cdi", "inspection", "finance", "audit"],
        "key": False,
        "subjects": ["agriculture", "rural"],
        "description": "对部门“一把手”履职情况开展全过程监督。",
    },
    {
        "title": "司法机关拒绝执行类案件办理情况",
        "form": "special_governance",
        "lead_unit": "npc",
        "participating_units": ["plc"],
        "key": False,
        "subjects": ["court", "procuratorate"],
        "description": "会同区委政法委，监督拒执类案件办理质量。",
    },
    {
        "title": "《重庆市实施〈中华人民共和国农业技术推广法〉办法》执法检查",
        "form": "law_enforcement_inspection",
        "lead_unit": "npc",
        "participating_units": ["finance"],
        "key": False,
        "subjects": ["agriculture"],
        "description": "会同区财政局开展执法检查。",
    },
    {
        "title": "乡村振兴资金使用监管",
        "form": "joint_supervision",
        "lead_unit": "npc",
        "participating_units": ["cdi", "inspection", "finance", "audit"],
        "key": True,
        "subjects": ["rural", "agriculture", "town-jieshi"],
        "description": "重点监督事项：衔接资金拨付、项目进度与绩效。",
    },
]

STAFF = {
    "npc": ("王明", "组长"),
    "cdi": ("李强", "纪检监察员"),
    "inspection": ("赵敏", "巡察专员"),
    "audit": ("陈静", "审计组长"),
    "finance": ("刘洋", "财会监督专员"),
    "plc": ("周涛", "执法监督员"),
}


def _liaison(unit):
    return "office" if unit == "npc" else f"{unit}-liaison"


def _start(api, item, plan_text):
    api.put("office", f"/api/v1/items/{item['id']}/implementation-plan", {"content": plan_text})
    api.post("office", f"/api/v1/items/{item['id']}/implementation-plan/approve")
    for unit in [item["lead_unit"], *item["participating_units"]]:
        name, role = STAFF[unit]
        api.post(
            _liaison(unit),
            f"/api/v1/items/{item['id']}/staff",
            {"unit": unit, "name": name, "role": role},
        )
    return api.post("office", f"/api/v1/items/{item['id']}/start")


def load(api, story: dict) -> None:
    proposals = [
        api.post(
            user,
            "/api/v1/proposals",
            {"year": YEAR, "title": t, "rationale": r, "concern_source": c},
        )
        for user, t, r, c in PROPOSALS
    ]
    api.post(
        "office",
        "/api/v1/meetings",
        {
            "year": YEAR,
            "held_on": "2025-01-16",
            "attending_units": [
                "npc",
                "cdi",
                "plc",
                "inspection",
                "audit",
                "finance",
                "statistics",
            ],
            "proposal_ids": [p["id"] for p in proposals],
            "minutes": "2025年度协同联动监督联合会商会议：研究确定五项协同联动专项监督事项，"
            "明确乡村振兴资金使用监管为重点监督事项。",
            "decisions": [
                "确定 2025 年度五项协同联动专项监督事项",
                "乡村振兴资金使用监管列为重点监督事项",
            ],
        },
    )
    api.post("office", "/api/v1/plans", {"year": YEAR})
    items = [api.post("office", f"/api/v1/plans/{YEAR}/items", item) for item in ITEMS]
    api.post("office", f"/api/v1/plans/{YEAR}/adopt")

    ecology, _, judicial, _, rural = items
    _start(
        api,
        rural,
        "一、目标：摸清衔接资金拨付与项目进度。二、分工：财政提供拨付数据，审计开展专项审计，"
        "纪委监委跟进问题线索，巡察办结合巡察反馈。三、时间：2025年3月至11月。",
    )
    _start(api, ecology, "对照中央第三轮环保督察反馈问题清单逐项核查整改情况。")
    _start(api, judicial, "调阅拒执类案件卷宗，会同政法委开展案件质量评查。")

    api.post(
        "office",
        f"/api/v1/items/{rural['id']}/milestones",
        {"title": "完成资金拨付数据比对", "owner_unit": "finance", "due_on": "2025-05-31"},
    )
    api.post(
        "office",
        f"/api/v1/items/{rural['id']}/milestones",
        {"title": "形成联合监督报告", "owner_unit": "npc", "due_on": "2025-12-15"},
    )
    api.post(
        "office",
        f"/api/v1/items/{ecology['id']}/milestones",
        {"title": "督察反馈问题逐项核查", "owner_unit": "inspection", "due_on": "2025-09-30"},
    )

    rural_finding = api.post(
        "audit-liaison",
        f"/api/v1/items/{rural['id']}/findings",
        {
            "title": "界石镇衔接资金项目拨付进度与建设进度严重不符",
            "description": "界石镇产业路项目资金已拨付 92%，实际工程进度仅 35%，存在提前拨付、虚报进度嫌疑。",
            "subject": "town-jieshi",
        },
    )
    ecology_finding = api.post(
        "inspection-liaison",
        f"/api/v1/items/{ecology['id']}/findings",
        {
            "title": "督察反馈的河道垃圾问题整改后反弹",
            "description": "一品河部分河段垃圾清运整改销号后再次出现堆积。",
            "subject": "ecology",
        },
    )
    judicial_finding = api.post(
        "plc-liaison",
        f"/api/v1/items/{judicial['id']}/findings",
        {
            "title": "拒执类案件移送追诉率偏低",
            "description": "2024年拒执线索移送公安立案比例偏低，部分案件超期未结。",
            "subject": "court",
        },
    )
    api.post(
        "office",
        f"/api/v1/items/{rural['id']}/progress",
        {"note": "已完成 12 个村 46 个衔接资金项目的资金拨付数据比对。"},
    )

    story.update(
        items={i["title"]: i for i in items},
        rural_item=rural,
        ecology_item=ecology,
        judicial_item=judicial,
        rural_finding=rural_finding,
        ecology_finding=ecology_finding,
        judicial_finding=judicial_finding,
    )
