"""The workbook and the official document read back as a reader's software would read them."""

import io

import docx
from docx.shared import Pt
from openpyxl import load_workbook

from contracts.errors import ServiceUnavailable
from contracts.units import registry
from gateway.views import docx_layout, report, xlsx

TASK = {
    "id": "task-1",
    "problem_title": "衔接资金滞留",
    "responsible_unit": "rural",
    "supervising_units": ["audit", "finance"],
    "measures": '=HYPERLINK("http://x")\x07清理',
    "deadline": "2025-12-01",
    "status": "sent_back",
    "overdue": True,
    "days_overdue": 3,
    "round": 2,
    "submitted_at": None,
    "verified_at": None,
}


def test_tasks_workbook_has_chinese_headers_names_and_no_formula():
    book = load_workbook(io.BytesIO(xlsx.build(xlsx.TASKS, [TASK], subtitle="区审计局")))
    ws = book["整改任务清单"]
    assert "区审计局" in ws["A1"].value
    headers = [c.value for c in ws[2]]
    assert headers[:5] == ["整改问题", "责任单位", "督办单位", "整改措施", "整改期限"]
    row = {h: c for h, c in zip(headers, ws[3], strict=False)}
    assert row["责任单位"].value == "区乡村振兴局"
    assert row["督办单位"].value == "区审计局、区财政局"
    assert row["状态"].value == "已退回" and row["是否逾期"].value == "是"
    assert row["退回次数"].value == 1 and row["逾期天数"].value == 3
    assert row["整改措施"].data_type == "s" and "\x07" not in row["整改措施"].value
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:L3"


def test_every_sheet_builds_from_an_empty_list_and_from_sparse_rows():
    for sheet in xlsx.SHEETS.values():
        for rows in ([], [{}]):
            book = load_workbook(io.BytesIO(xlsx.build(sheet, rows)))
            assert book.active.title == sheet.name
            assert book.active.max_row == 2 + len(rows)


STATS = {
    "planning": {
        "items": {"in_progress": 4, "concluded": 1},
        "items_total": 5,
        "proposals": 7,
        "findings": 3,
        "overdue_milestones": 0,
        "plan_status": "adopted",
    },
    "leads": {
        "leads": {"transferred": 1, "concluded": 2},
        "total": 3,
        "concluded": 2,
        "overdue": 1,
    },
    "rectification": {
        "problems": 4,
        "tasks": 6,
        "verified": 2,
        "overdue_tasks": 1,
        "key_units": ["rural", "ecology"],
        "circulars_by_status": {"issued": 1},
    },
    "research": {"topics": 2, "outputs": 3, "final_reports": 1},
    "sharing": ServiceUnavailable("down"),
}
SHARING = {
    "records": 12,
    "records_by_type": {"finance.disbursement": 8, "audit.finding": 4},
    "warnings": {"open": 1, "converted": 2},
    "warnings_total": 3,
    "results": 4,
    "reuses": 6,
}
ITEMS = [
    {
        "seq": 5,
        "title": "乡村振兴资金使用监管",
        "form": "joint_supervision",
        "lead_unit": "npc",
        "participating_units": ["cdi", "inspection", "finance", "audit"],
        "status": "in_progress",
        "key": True,
    }
]


def build(**kw):
    spec = report.build(
        2025,
        STATS,
        items=ITEMS,
        circulars=[{"title": "衔接资金问题通报"}],
        topics=[{"title": "贯通机制研究", "lead_unit": "npc"}],
        organ="区人大常委会办公室",
        number="区人大办发〔2025〕3号",
        date="2025年12月31日",
        coordinating=registry().coordinating(),
        **kw,
    )
    return docx.Document(io.BytesIO(docx_layout.render(spec)))


def test_annual_report_reads_back_with_the_official_layout():
    doc = build()
    texts = [p.text for p in doc.paragraphs]
    header = doc.paragraphs[0]
    assert header.text == "区人大常委会办公室文件"
    assert header.runs[0].font.color.rgb == docx_layout.RED
    assert "区人大办发〔2025〕3号" in texts
    title = next(p for p in doc.paragraphs if p.text == "关于2025年度协同联动监督工作情况的报告")
    assert title.alignment == 1 and title.runs[0].font.size == Pt(22)  # centred, 2号
    body = next(p for p in doc.paragraphs if p.text.startswith("年初"))
    rfonts = body.runs[0]._r.rPr.rFonts
    assert (
        rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "仿宋"
    )
    assert body.runs[0].font.size == Pt(16)  # 3号
    headings = [
        t
        for t in texts
        if t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、")
    ]
    assert [h[2:6] for h in headings] == [
        "计划共商",
        "工作共推",
        "信息共享",
        "线索共处",
        "整改共促",
        "成果共用",
        "课题共研",
        "存在的问",
    ]
    assert texts.index("区人大常委会办公室") > texts.index("特此报告。")
    assert "2025年12月31日" in texts
    section = doc.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    # the silent service is said to be missing, never reported as zero
    assert any("信息共享的数据本次未能取得" in t for t in texts)
    assert any("议题建议 7 项" in t for t in texts)
    assert any("区乡村振兴局、区生态环境局为年度整改重点单位" in t for t in texts)
    assert any(t.startswith("抄送：") for t in texts)
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:2] == ["序号", "监督事项"]
    assert table.rows[1].cells[1].text == "★乡村振兴资金使用监管"
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "—" in footer


def test_report_without_lists_has_no_attachment():
    spec = report.build(
        2031, {}, organ="区人大常委会办公室", number="x", date="d", coordinating=["npc"]
    )
    doc = docx.Document(io.BytesIO(docx_layout.render(spec)))
    assert doc.tables == [] and not any(p.text.startswith("附件") for p in doc.paragraphs)


def test_chinese_numbers():
    assert [docx_layout.cn_number(i) for i in (1, 8, 10, 11, 20, 23)] == [
        "一",
        "八",
        "十",
        "十一",
        "二十",
        "二十三",
    ]


def test_report_tells_shared_records_by_kind_and_warnings_turned_into_leads():
    spec = report.build(
        2025, {**STATS, "sharing": SHARING}, organ="o", number="n", date="d", coordinating=["npc"]
    )
    text = "\n".join(p for sec in spec.sections for p in sec.paragraphs)
    assert "共享监督信息 12 条（资金拨付 8 条、审计发现 4 条）" in text
    assert "发出风险预警 3 条，其中 2 条已转为问题线索" in text
    assert "复用成果 6 次" in text
