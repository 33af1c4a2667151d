"""The circular as a Word document in the layout of a Chinese official document."""

import io
import zipfile
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from services.rectification import docx_export


def build(**kw):
    args = dict(
        header="巴南区人大常委会办公室文件",
        number="巴南人办发〔2025〕1号",
        title="关于生态环境领域中央环保督察反馈问题整改不力典型案例的通报",
        recipients="各协同联动单位，各被监督单位：",
        paragraphs=[
            "一、基本情况",
            "经协同联动监督发现，一品河河道垃圾整改后反弹。",
            "（一）整改不力",
            "二、处理意见",
        ],
        attachments=["通报问题清单"],
        signature="巴南区人大常委会办公室",
        signed_on=date(2025, 7, 1),
        note="此件公开发布",
        annex=("通报问题清单", ["1．一品河河道垃圾整改后反弹"]),
        cc=["区纪委监委机关", "区审计局"],
        printer="巴南区人大常委会办公室",
        printed_on=date(2025, 7, 1),
    )
    args.update(kw)
    return Document(io.BytesIO(docx_export.official_document(**args)))


def east_asian(run):
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def find(doc, text):
    return next(p for p in doc.paragraphs if p.text == text)


def test_page_is_a4_with_the_standard_type_area():
    section = build().sections[0]
    mm = [
        round(x.mm)
        for x in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert mm == [210, 297, 37, 35, 28, 26]
    footer = section.footer._element.xml
    assert 'w:instr="PAGE"' in footer and "— " in footer


def test_the_masthead_is_red_xiaobiaosong_centred_over_a_red_rule():
    doc = build()
    header = find(doc, "巴南区人大常委会办公室文件")
    run = header.runs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert str(run.font.color.rgb) == "FF0000" and east_asian(run) == "方正小标宋简体"
    number = find(doc, "巴南人办发〔2025〕1号")
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"


def test_title_body_and_signature_fonts_and_places():
    doc = build()
    title_lines = [
        p
        for p in doc.paragraphs
        if p.runs
        and p.runs[0].font.size == Pt(22)
        and "通报" in "".join(x.text for x in doc.paragraphs)
    ]
    assert (
        "".join(p.text for p in title_lines[:2])
        == "关于生态环境领域中央环保督察反馈问题整改不力典型案例的通报"
    )
    assert all(
        p.alignment == WD_ALIGN_PARAGRAPH.CENTER and east_asian(p.runs[0]) == "方正小标宋简体"
        for p in title_lines[:2]
    )
    recipients = find(doc, "各协同联动单位，各被监督单位：")
    assert recipients.paragraph_format.first_line_indent is None
    body = find(doc, "经协同联动监督发现，一品河河道垃圾整改后反弹。")
    assert east_asian(body.runs[0]) == "仿宋" and body.runs[0].font.size == Pt(16)
    assert body.paragraph_format.first_line_indent == Pt(32)  # two characters
    assert east_asian(find(doc, "一、基本情况").runs[0]) == "黑体"
    assert east_asian(find(doc, "（一）整改不力").runs[0]) == "楷体"
    signature = [p for p in doc.paragraphs if p.text == "巴南区人大常委会办公室"][0]
    assert signature.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert find(doc, "2025年7月1日").alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert find(doc, "（此件公开发布）")
    assert find(doc, "附件：通报问题清单")


def test_the_record_block_lists_cc_and_who_printed_it_when():
    doc = build()
    cc = find(doc, "抄送：区纪委监委机关，区审计局。")
    assert cc.runs[0].font.size == Pt(14)
    printed = find(doc, "巴南区人大常委会办公室\t2025年7月1日印发")
    borders = printed._p.pPr.find(qn("w:pBdr"))
    assert borders.find(qn("w:top")) is not None and borders.find(qn("w:bottom")) is not None


def test_without_a_masthead_it_is_a_plain_report_and_still_a_valid_package():
    raw = docx_export.official_document(
        title="关于区乡村振兴局2025年度整改情况的报告",
        paragraphs=["一、基本情况", "共承担整改任务 3 项。"],
        signature="区乡村振兴局",
        signed_on=date(2025, 12, 1),
        recipients="区人大常委会：",
    )
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert z.testzip() is None and "word/document.xml" in z.namelist()
    doc = Document(io.BytesIO(raw))
    assert not any(p.text.endswith("文件") for p in doc.paragraphs)
    assert doc.core_properties.title == "关于区乡村振兴局2025年度整改情况的报告"
    assert "抄送" not in "\n".join(p.text for p in doc.paragraphs)


def test_dates_and_long_titles():
    assert docx_export.chinese_date(date(2025, 7, 1)) == "2025年7月1日"
    assert docx_export.split_title("关于区乡村振兴局2025年度整改情况的报告") == [
        "关于区乡村振兴局",
        "2025年度整改情况的报告",
    ]
    lines = docx_export.split_title("关于" + "问题" * 30 + "的通报")
    assert (
        all(len(line) <= 20 for line in lines) and "".join(lines) == "关于" + "问题" * 30 + "的通报"
    )
