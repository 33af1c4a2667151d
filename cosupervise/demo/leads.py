"""2025 线索共处: the rural-fund finding sent to cdi and accepted, a lead returned, one answered,
one overdue and escalated to the office, and a near-duplicate that only the office sees linked.

The overdue lead is entered as the office would enter a transfer made on paper three weeks
earlier (补录: ``registered_on`` / ``transferred_on``); its history shows both that date and
when it was entered.
"""

from datetime import timedelta

from runtime import clock

YEAR = 2025  # the story's year; leads from its findings take their item's year
PAPER_DAYS_AGO = 20


def load(api, story: dict) -> None:
    # the key item's finding: the office hands it to the discipline commission, which accepts
    rural = api.post(
        "office",
        f"/api/v1/findings/{story['rural_finding']['id']}/to-lead",
        {"to_unit": "cdi", "category": "funds"},
    )
    api.post("cdi-liaison", f"/api/v1/leads/{rural['id']}/accept", {"note": "已受理，成立核查组。"})
    api.post(
        "cdi-liaison",
        f"/api/v1/leads/{rural['id']}/progress",
        {"note": "已调取界石镇产业路项目资金拨付凭证和监理日志，约谈镇分管负责人。"},
    )

    # the ecology finding: inspection sends it to cdi, which answers and closes it
    ecology = api.post(
        "inspection-liaison",
        f"/api/v1/findings/{story['ecology_finding']['id']}/to-lead",
        {"to_unit": "cdi", "category": "ecology"},
    )
    api.post("cdi-liaison", f"/api/v1/leads/{ecology['id']}/accept")
    api.post(
        "cdi-liaison",
        f"/api/v1/leads/{ecology['id']}/feedback",
        {
            "result": "经核查，区生态环境局对督察反馈问题整改销号把关不严，已对2名相关责任人进行诫勉谈话，"
            "责令重新整改并建立河道保洁长效机制。"
        },
    )

    # the judicial finding: sent to cdi, returned with a reason to the unit that sent it
    judicial = api.post(
        "plc-liaison",
        f"/api/v1/findings/{story['judicial_finding']['id']}/to-lead",
        {"to_unit": "cdi", "category": "judicial"},
    )
    api.post(
        "cdi-liaison",
        f"/api/v1/leads/{judicial['id']}/return",
        {
            "reason": "拒执犯罪线索应由法院移送公安机关立案侦查，不属于纪检监察管辖；"
            "如发现公职人员失职失责问题，请另行移送。"
        },
    )

    # entered late from paper: transferred three weeks ago, never accepted -> overdue
    paper = (clock.today() - timedelta(days=PAPER_DAYS_AGO)).isoformat()
    overdue = api.post(
        "office",
        "/api/v1/leads",
        {
            "subject": "town-mudong",
            "category": "funds",
            "sensitivity": "normal",
            "year": YEAR,
            "summary": "群众来信反映木洞镇衔接资金支持的冷链仓储项目已验收，但设备至今未投入使用，疑似虚假验收。",
            "registered_on": paper,
        },
    )
    api.post(
        "office",
        f"/api/v1/leads/{overdue['id']}/transfer",
        {
            "to_unit": "inspection",
            "reason": "结合本轮巡察对木洞镇开展核实",
            "transferred_on": paper,
        },
    )
    api.post("office", "/api/v1/leads/overdue-check")

    # the finance bureau registers the same clue as cdi's: it is told of nothing it may not
    # see, the office sees both linked
    duplicate = api.post(
        "finance-liaison",
        "/api/v1/leads",
        {
            "subject": "town-jieshi",
            "category": "funds",
            "sensitivity": "normal",
            "year": YEAR,
            "summary": "界石镇产业路项目资金拨付92%而工程进度仅35%，疑似虚报进度套取衔接资金。",
        },
    )

    story.update(
        rural_lead=rural,
        ecology_lead=ecology,
        returned_lead=judicial,
        overdue_lead=overdue,
        duplicate_lead=duplicate,
    )
