"""The annual work report: what the seven mechanisms did in a year, as an official document.

Built from each service's ``stats`` for the year and a few lists (the year's items, issued
circulars, research topics). A service that did not answer leaves a sentence saying its
figures are to be added, never a made-up zero.
"""

from gateway.views import labels as L
from gateway.views.dashboard import total
from gateway.views.docx_layout import OfficialDocument, Section, Table, cn_number


def _n(stats: dict, *keys) -> int | None:
    """The first of ``keys`` present in ``stats`` as a count (a breakdown is summed)."""
    for key in keys:
        if key in stats and stats[key] is not None and not isinstance(stats[key], (str, list)):
            return total(stats[key])
    return None


def _by(stats: dict, key: str, names: dict, measure: str = "项") -> str:
    """ "实施中 2 项、已办结 3 项" from a {status: n} breakdown."""
    breakdown = stats.get(key)
    if not isinstance(breakdown, dict):
        return ""
    parts = [
        f"{names.get(k, k)} {v} {measure}"
        for k, v in breakdown.items()
        if isinstance(v, int) and not isinstance(v, bool) and v
    ]
    return "、".join(parts)


def _missing(what: str) -> str:
    return f"{what}的数据本次未能取得（相关服务暂未响应），待核实后补充。"


def build(
    year: int,
    answers: dict,
    *,
    items=None,
    circulars=None,
    topics=None,
    organ: str,
    number: str,
    date: str,
    coordinating: list[str],
) -> OfficialDocument:
    stats = {k: (v if isinstance(v, dict) else None) for k, v in answers.items()}
    planning, leads = stats.get("planning"), stats.get("leads")
    rect, research, sharing = (
        stats.get("rectification"),
        stats.get("research"),
        stats.get("sharing"),
    )
    partners = "、".join(L.unit(u) for u in coordinating if u != "npc")
    opening = [
        f"{year}年，区人大常委会深入践行全过程人民民主，会同{partners}等协同联动单位，"
        "按照“计划共商、工作共推、信息共享、线索共处、整改共促、成果共用、课题共研”的"
        "协同联动监督机制，推动人大监督与纪检监察监督、执法司法监督、巡察监督、审计监督、"
        "财会监督、统计监督贯通协调、同向发力。现将全年工作情况报告如下。",
    ]
    sections = [
        Section("计划共商情况", _planning_plan(year, planning)),
        Section("工作共推情况", _planning_work(planning, items)),
        Section("信息共享情况", _sharing_records(sharing)),
        Section("线索共处情况", _leads(leads)),
        Section("整改共促情况", _rectification(rect, circulars)),
        Section("成果共用情况", _sharing_results(sharing)),
        Section("课题共研情况", _research(research, topics)),
        Section("存在的问题和下一步打算", _next_steps(stats)),
    ]
    attachments = []
    if items:
        attachments.append(
            Table(
                f"{year}年度协同联动专项监督事项及推进情况一览表",
                ["序号", "监督事项", "监督形式", "牵头单位", "参与单位", "进展"],
                [
                    [
                        str(i.get("seq") or n),
                        (("★" if i.get("key") else "") + str(i.get("title"))),
                        L.of(L.FORM, i.get("form")),
                        L.unit(i.get("lead_unit")),
                        L.units(i.get("participating_units")),
                        L.of(L.ITEM_STATUS, i.get("status")),
                    ]
                    for n, i in enumerate(items, 1)
                ],
                widths_mm=[14, 52, 20, 22, 30, 18],
            )
        )
    return OfficialDocument(
        organ=organ,
        number=number,
        title=f"关于{year}年度协同联动监督工作情况的报告",
        addressee="区人大常委会：",
        opening=opening,
        sections=sections,
        signature=organ,
        date=date,
        attachments=attachments,
        cc="区委办公室，" + (partners or "各协同联动单位"),
        printer=organ,
        printed_on=date,
    )


def _planning_plan(year, s):
    if s is None:
        return [_missing("计划共商")]
    out = []
    proposals = _n(s, "proposals")
    meetings = _n(s, "meetings")
    items = _n(s, "items_total", "items")
    text = f"年初，各协同联动单位围绕党委政府关心、人大代表关注、人民群众关切的问题提出议题建议 {proposals or 0} 项"
    if meetings is not None:
        text += f"，召开联合会商会议 {meetings} 次"
    text += "，经联合会商确定年度协同联动专项监督计划"
    status = s.get("plan_status")
    text += (
        "，计划已经审议通过"
        if status == "adopted"
        else "，计划尚在草拟中"
        if status == "draft"
        else "，年度计划尚未制定"
    )
    text += f"，共列入监督事项 {items or 0} 项。"
    out.append(text)
    key = _n(s, "key_items")
    if key:
        out.append(f"其中明确重点监督事项 {key} 项，集中力量推动解决群众急难愁盼问题。")
    return out


def _planning_work(s, items):
    if s is None:
        return [_missing("工作共推")]
    out = []
    breakdown = _by(s, "items", L.ITEM_STATUS)
    out.append(
        "坚持“一事一案”，由牵头单位制定实施方案，参与单位派员共同开展监督。"
        + (f"截至目前，监督事项{breakdown}。" if breakdown else "")
    )
    findings = _n(s, "findings")
    if findings is not None:
        out.append(
            f"在联合监督中共发现问题 {findings} 个，按照性质分别移送为问题线索或转交整改，"
            "做到发现一个、移交一个、跟踪一个。"
        )
    overdue = _n(s, "overdue_milestones")
    if overdue:
        out.append(f"有 {overdue} 个工作节点未按期完成，已督促相关单位加快推进。")
    if items:
        key = [i for i in items if i.get("key")]
        if key:
            out.append(
                "重点监督事项："
                + "；".join(
                    f"“{i.get('title')}”（{L.unit(i.get('lead_unit'))}牵头，"
                    f"{L.of(L.ITEM_STATUS, i.get('status'))}）"
                    for i in key
                )
                + "。"
            )
        out.append("各监督事项推进情况详见附件。")
    return out


def _sharing_records(s):
    if s is None:
        return [_missing("信息共享")]
    records = _n(s, "records", "records_total")
    kinds = "、".join(
        f"{L.of(L.RECORD_TYPE, k)} {v} 条"
        for k, v in sorted((s.get("records_by_type") or {}).items(), key=lambda kv: -kv[1])
        if isinstance(v, int) and v
    )
    out = [
        f"依托协同联动监督平台，各单位通过数据适配器共享监督信息 {records or 0} 条"
        + (f"（{kinds}）" if kinds else "")
        + "，按照共享规则分级授权使用，全程留痕可溯。"
    ]
    warnings = _n(s, "warnings_total", "warnings")
    if warnings is not None:
        by_status = s.get("warnings") if isinstance(s.get("warnings"), dict) else {}
        to_lead = by_status.get("converted") or _n(s, "warnings_to_lead")
        out.append(
            f"运用预警规则对共享数据进行比对分析，发出风险预警 {warnings} 条"
            + (f"，其中 {to_lead} 条已转为问题线索" if to_lead else "")
            + "。"
        )
    return out


def _leads(s):
    if s is None:
        return [_missing("线索共处")]
    count = _n(s, "total", "leads")
    concluded = _n(s, "concluded")
    overdue = _n(s, "overdue")
    breakdown = _by(s, "leads", L.LEAD_STATUS, "条")
    text = (
        f"建立问题线索移送、受理、办理、反馈闭环机制，全年登记问题线索 {count or 0} 条"
        + (f"（{breakdown}）" if breakdown else "")
        + (f"，已办结并反馈结果 {concluded} 条" if concluded is not None else "")
        + "。"
    )
    out = [text]
    if overdue:
        out.append(f"有 {overdue} 条线索超过受理或反馈期限，已提请区人大常委会办公室督办。")
    else:
        out.append("线索均在规定期限内受理和反馈。")
    return out


def _rectification(s, circulars):
    if s is None:
        return [_missing("整改共促")]
    problems, tasks = _n(s, "problems"), _n(s, "tasks")
    verified, overdue = _n(s, "verified"), _n(s, "overdue_tasks", "overdue")
    out = [
        f"汇总监督发现、问题线索、审计发现、巡察反馈和中央环保督察反馈等问题 {problems or 0} 个，"
        f"交办整改任务 {tasks or 0} 项，已验收销号 {verified or 0} 项"
        + (f"，逾期未完成 {overdue} 项" if overdue else "")
        + "。"
    ]
    key_units = s.get("key_units")
    if isinstance(key_units, list) and key_units:
        out.append(f"确定{L.units(key_units)}为年度整改重点单位，由其向常委会专题报告整改情况。")
    issued = None
    if isinstance(s.get("circulars_by_status"), dict):
        issued = s["circulars_by_status"].get("issued")
    if issued is None:
        issued = _n(s, "circulars")
    text = f"对典型性、普遍性、倾向性问题和整改不力的反面典型印发通报 {issued or 0} 期"
    published = _n(s, "published")
    if published:
        text += f"，其中 {published} 期已向社会公开"
    out.append(text + "。")
    titles = [c.get("title") for c in circulars or [] if c.get("title")]
    if titles:
        out.append("印发的通报有：" + "；".join(f"《{t}》" for t in titles[:8]) + "。")
    return out


def _sharing_results(s):
    if s is None:
        return [_missing("成果共用")]
    results, reuses = _n(s, "results"), _n(s, "reuses", "result_reuses")
    return [
        f"将已办结事项的监督报告、研究成果和通报纳入成果库 {results or 0} 项，"
        f"各单位复用成果 {reuses or 0} 次，实现一家发现、多家共用。"
    ]


def _research(s, topics):
    if s is None:
        return [_missing("课题共研")]
    count, outputs = _n(s, "topics"), _n(s, "outputs")
    finals = _n(s, "final_reports", "concluded")
    out = [
        f"围绕协同联动监督的理论和实践问题，确定年度研究课题 {count or 0} 个，"
        f"形成阶段性成果 {outputs or 0} 篇、最终研究报告 {finals or 0} 篇。"
    ]
    titles = [
        f"“{t.get('title')}”（{L.unit(t.get('lead_unit'))}牵头）"
        for t in topics or []
        if t.get("title")
    ]
    if titles:
        out.append("课题为：" + "；".join(titles) + "。")
    return out


def _next_steps(stats):
    problems = []
    leads, rect, planning = stats.get("leads"), stats.get("rectification"), stats.get("planning")
    if leads and _n(leads, "overdue"):
        problems.append(f"部分线索受理、反馈不够及时（逾期 {_n(leads, 'overdue')} 条）")
    if rect and _n(rect, "overdue_tasks", "overdue"):
        problems.append(
            f"个别单位整改进度滞后（逾期任务 {_n(rect, 'overdue_tasks', 'overdue')} 项）"
        )
    if planning and _n(planning, "overdue_milestones"):
        problems.append("个别监督事项工作节点推进偏慢")
    missing = [k for k, v in stats.items() if v is None]
    if missing:
        problems.append("部分机制的数据尚未完整汇集")
    out = []
    if problems:
        out.append("工作中也存在一些不足：" + "；".join(problems) + "。")
    steps = [
        "健全计划共商和联合会商机制，提高议题选择的精准度",
        "强化线索移送和办理时限管理，对逾期事项实行提醒和督办",
        "加大整改跟踪问效力度，对整改不力的单位通报曝光",
        "推动信息共享规则和预警模型迭代完善，放大协同监督成果",
    ]
    out.append(
        "下一步，我们将着力做好以下工作："
        + "；".join(f"{cn_number(i)}是{s}" for i, s in enumerate(steps, 1))
        + "，推动协同联动监督走深走实。"
    )
    out.append("特此报告。")
    return out
