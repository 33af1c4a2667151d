"""2025 整改共促: problems from every source, tasks walked through their life (one overdue),
two key rectification units and one issued, published circular with redactions.

The overdue task is one the office records as assigned earlier with its original deadline
(2025-09-30): only the office may enter a deadline in the past, for exactly this 补录 case.
The other open tasks get deadlines counted from today, so that the demo shows one overdue task
whenever it is loaded.
"""

from datetime import timedelta

from runtime import clock

YEAR = 2025
PAPER_DEADLINE = "2025-09-30"


def _in_days(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


def _task(api, user, problem, **body):
    return api.post(user, f"/api/v1/problems/{problem['id']}/tasks", body)


def load(api, story: dict) -> None:
    # problems: three findings of the plan's items, the central inspection's list, an audit
    ecology = api.post(
        "office",
        f"/api/v1/findings/{story['ecology_finding']['id']}/to-problem",
        {"nature": "typical"},
    )
    rural = api.post(
        "office",
        f"/api/v1/findings/{story['rural_finding']['id']}/to-problem",
        {"nature": "typical"},
    )
    judicial = api.post(
        "office",
        f"/api/v1/findings/{story['judicial_finding']['id']}/to-problem",
        {"nature": "tendency"},
    )
    central = api.post(
        "office",
        "/api/v1/problems",
        {
            "year": YEAR,
            "title": "中央第三轮生态环境保护督察反馈：饮用水水源保护区内违规建筑未拆除到位",
            "description": "督察反馈问题清单第 7 项：一品河饮用水水源二级保护区内仍有 3 处违规建筑未拆除，"
            "整改方案明确的完成时限已过。",
            "subject": "ecology",
            "source": "environmental_inspection",
            "nature": "common",
        },
    )
    audit = api.post(
        "audit-liaison",
        "/api/v1/problems",
        {
            "year": YEAR,
            "title": "衔接资金项目绩效目标设置不规范、部分资金滞留",
            "description": "2025 年乡村振兴衔接资金专项审计发现：14 个项目绩效目标无量化指标，"
            "两个项目资金滞留超过 6 个月。",
            "subject": "rural",
            "source": "audit_finding",
            "nature": "common",
        },
    )
    lead = story.get("ecology_lead")
    if lead:  # the discipline commission's concluded lead becomes a problem too
        api.post(
            "cdi-liaison",
            "/api/v1/problems",
            {
                "year": YEAR,
                "title": "督察反馈问题整改销号把关不严",
                "description": "线索办理结果：区生态环境局对督察反馈问题整改销号把关不严，"
                "已对 2 名责任人诫勉谈话，责令重新整改。",
                "subject": lead.get("subject") or "ecology",
                "source": "lead",
                "nature": "tendency",
                "origin": {"kind": "lead", "id": lead["id"]},
            },
        )

    # the overdue task: assigned earlier, recorded now by the office with its paper deadline
    overdue = _task(
        api,
        "office",
        ecology,
        responsible_unit="ecology",
        supervising_units=["npc", "inspection"],
        deadline=PAPER_DEADLINE,
        measures="对一品河反弹河段开展集中清理，建立河长巡河和垃圾清运台账，每周报送清运情况。",
    )
    api.post(
        "ecology-reporter",
        f"/api/v1/tasks/{overdue['id']}/progress",
        {
            "note": "已完成一品河中游 3 公里河段集中清理，清运垃圾 12.6 吨；下游河段清理尚未完成。",
            "evidence": ["一品河清运台账（8月）.pdf"],
        },
    )

    # the rural funds task: reported, sent back by the audit bureau, reported again, verified
    funds = _task(
        api,
        "office",
        rural,
        responsible_unit="rural",
        supervising_units=["audit", "finance"],
        deadline="2025-12-31",
        measures="对界石镇产业路项目按实际进度重新核定拨付比例，追回超拨资金，"
        "建立资金拨付与工程进度挂钩机制。",
    )
    api.post(
        "rural-reporter",
        f"/api/v1/tasks/{funds['id']}/progress",
        {"note": "已暂停后续拨付，委托第三方对工程量进行核定。", "evidence": ["暂停拨付通知.pdf"]},
    )
    api.post("rural-reporter", f"/api/v1/tasks/{funds['id']}/submit")
    api.post(
        "audit-liaison",
        f"/api/v1/tasks/{funds['id']}/send-back",
        {"reason": "未见超拨资金追回凭证，工程量核定报告尚未出具，请补充后再报送。"},
    )
    api.post(
        "rural-reporter",
        f"/api/v1/tasks/{funds['id']}/submit",
        {
            "note": "第三方核定工程进度 41%，已追回超拨资金 186 万元，并印发资金拨付与进度挂钩办法。",
            "evidence": ["工程量核定报告.pdf", "资金追回凭证.pdf", "拨付与进度挂钩办法.pdf"],
        },
    )
    api.post(
        "audit-liaison",
        f"/api/v1/tasks/{funds['id']}/verify",
        {"opinion": "超拨资金已追回，机制已建立，同意销号。"},
    )

    # the central inspection's list problem: reported with evidence, waiting for verification
    buildings = _task(
        api,
        "office",
        central,
        responsible_unit="ecology",
        supervising_units=["inspection"],
        deadline=_in_days(45),
        measures="依法拆除水源保护区内 3 处违规建筑并复绿，设立界标和警示牌。",
    )
    api.post(
        "ecology-reporter",
        f"/api/v1/tasks/{buildings['id']}/submit",
        {
            "note": "3 处违规建筑已全部拆除并完成复绿，界标和警示牌已设立。",
            "evidence": ["拆除前后对比照片.zip", "复绿验收单.pdf"],
        },
    )

    # the court: assigned by the political-legal committee, which supervises it
    court = _task(
        api,
        "plc-liaison",
        judicial,
        responsible_unit="court",
        supervising_units=["plc"],
        deadline=_in_days(90),
        measures="梳理 2024 年以来拒执类线索，建立向公安机关移送追诉的会商机制，"
        "对超期未结案件逐案督办。",
    )
    api.post(
        "court-reporter",
        f"/api/v1/tasks/{court['id']}/progress",
        {
            "note": "已梳理拒执线索 27 条，与区公安分局召开首次会商会。",
            "evidence": ["拒执线索清单.xlsx", "会商会议纪要.pdf"],
        },
    )

    # the audit finding: assigned by the audit bureau, not started yet
    _task(
        api,
        "audit-liaison",
        audit,
        responsible_unit="rural",
        supervising_units=["audit"],
        deadline=_in_days(60),
        measures="对 14 个项目补充量化绩效目标，盘活滞留资金，年底前完成绩效自评。",
    )

    # two key rectification units for 2025; the rural bureau has reported to the committee
    for unit, reason in (
        ("rural", "乡村振兴资金使用监管为年度重点监督事项，问题集中"),
        ("ecology", "中央环保督察反馈问题整改出现反弹"),
    ):
        api.post("office", "/api/v1/key-units", {"year": YEAR, "unit": unit, "reason": reason})
    api.post(
        "rural-reporter",
        f"/api/v1/key-units/{YEAR}/rural/report",
        {"summary": "我局把衔接资金问题整改作为重点工作，主要负责同志亲自部署，逐项建立整改台账。"},
    )

    # one circular: drafted, approved, issued and published with a person's name and a
    # phone number masked in the public copy
    circular = api.post(
        "office",
        "/api/v1/circulars",
        {
            "year": YEAR,
            "nature": "negative_case",
            "problem_ids": [ecology["id"], central["id"]],
            "title": "关于中央环保督察反馈问题整改不力典型案例的通报",
            "body": "一、基本情况\n"
            "2025年协同联动监督中发现，区生态环境局对中央第三轮生态环境保护督察反馈的"
            "一品河河道垃圾问题整改销号后出现反弹，饮用水水源保护区内违规建筑未按期拆除。"
            "该局水生态环境科科长周志明对整改工作敷衍塞责，未按要求核实现场即签字销号"
            "（联系电话 023-66201234）。\n"
            "二、处理情况\n"
            "区纪委监委已对周志明进行诫勉谈话，责令区生态环境局重新整改并建立长效机制。\n"
            "三、工作要求\n"
            "各单位要引以为戒，对督察反馈问题整改坚持“销号必核查、核查必到现场”，"
            "严禁以文件代替整改、以销号代替成效。",
            "redact": ["023-66201234", "水生态环境科科长"],
            "names": ["周志明"],
            "cc": ["区委办公室", "区政府办公室", "区纪委监委机关", "区委巡察办"],
        },
    )
    for step in ("approve", "issue", "publish"):
        api.post("office", f"/api/v1/circulars/{circular['id']}/{step}")

    story.update(
        problems={
            "ecology": ecology,
            "rural": rural,
            "judicial": judicial,
            "central": central,
            "audit": audit,
        },
        overdue_task=overdue,
        verified_task=funds,
        submitted_task=buildings,
        court_task=court,
        circular=circular,
    )
