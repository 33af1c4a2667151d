"""Word documents laid out as Chinese official documents (GB/T 9704-2012, 党政机关公文格式).

A4, 版心 156 × 225 mm (top 37, bottom 35, left 28, right 26 mm); 发文机关标识 in red 小标宋
centred, 发文字号 under it and a red 分隔线; the title in 二号小标宋 centred; 主送机关 flush left;
正文 in 三号仿宋 (16 pt), first line indented two characters, 28.9 pt fixed line spacing,
first-level headings (一、) in 黑体 and second-level ones (（一）) in 楷体; 落款 and 成文日期
right-aligned four characters from the margin; 附注; 版记 (抄送, 印发机关 and 印发日期) in 四号仿宋
between rules; page numbers "— 1 —" in 四号宋体.
"""

import io
import re
from datetime import date

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

RED = RGBColor(0xFF, 0x00, 0x00)
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋"
HEITI = "黑体"
KAITI = "楷体"
SONGTI = "宋体"
SIZE_HEADER = 26  # 发文机关标识 (fits 15 characters in the 156 mm 版心)
SIZE_TITLE = 22  # 二号
SIZE_BODY = 16  # 三号
SIZE_RECORD = 14  # 四号
LINE = Pt(28.9)  # 22 lines a page
TEXT_WIDTH = Mm(156)

_LEVEL1 = re.compile(r"^[一二三四五六七八九十]+、")
_LEVEL2 = re.compile(r"^（[一二三四五六七八九十]+）")


def chinese_date(value: date) -> str:
    """成文日期 in Arabic numerals, no leading zeros: 2025年6月30日."""
    return f"{value.year}年{value.month}月{value.day}日"


def _fonts(run, name: str, size: float, *, bold=False, color: RGBColor | None = None):
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    return run


def _paragraph(
    doc,
    text="",
    *,
    font=FANGSONG,
    size=SIZE_BODY,
    align=None,
    indent_chars=0,
    left_chars=0,
    right_chars=0,
    bold=False,
    color=None,
    exact=True,
):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE if size <= SIZE_BODY else Pt(size * 1.5)
    if align is not None:
        p.alignment = align
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if left_chars:
        fmt.left_indent = Pt(size * left_chars)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    if text:
        _fonts(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _border(paragraph, side: str, *, color="000000", eighths=4):
    """A rule above or below a paragraph (the red 分隔线, the 版记 lines)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def _page_numbers(section):
    footer = section.footer
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(p.add_run("— "), SONGTI, SIZE_RECORD)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    p._p.append(field)
    _fonts(p.add_run(" —"), SONGTI, SIZE_RECORD)


def _setup(doc):
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = Pt(SIZE_BODY)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), FANGSONG)
    _page_numbers(section)


def _body(doc, paragraphs):
    for text in paragraphs:
        text = text.strip()
        if not text:
            continue
        font = HEITI if _LEVEL1.match(text) else KAITI if _LEVEL2.match(text) else FANGSONG
        _paragraph(doc, text, font=font, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)


def split_paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def official_document(
    *,
    title: str,
    paragraphs: list[str],
    signature: str,
    signed_on: date,
    header: str | None = None,
    number: str | None = None,
    recipients: str | None = None,
    attachments: list[str] = (),
    note: str | None = None,
    cc: list[str] = (),
    printer: str | None = None,
    printed_on: date | None = None,
    annex: tuple[str, list[str]] | None = None,
    author: str = "",
) -> bytes:
    doc = Document()
    _setup(doc)
    doc.core_properties.title = title
    doc.core_properties.author = author or signature
    doc.core_properties.language = "zh-CN"

    if header:  # 版头
        _paragraph(doc)
        _paragraph(
            doc,
            header,
            font=XIAOBIAOSONG,
            size=SIZE_HEADER,
            color=RED,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            exact=False,
        )
        _paragraph(doc)
        numbered = _paragraph(doc, number or "", align=WD_ALIGN_PARAGRAPH.CENTER)
        _border(numbered, "bottom", color="FF0000", eighths=12)
    _paragraph(doc)
    for line in split_title(title):  # 标题
        _paragraph(doc, line, font=XIAOBIAOSONG, size=SIZE_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    if recipients:  # 主送机关
        _paragraph(doc, recipients)
    _body(doc, paragraphs)

    if attachments:  # 附件说明
        _paragraph(doc)
        for i, name in enumerate(attachments, 1):
            prefix = "附件：" if i == 1 else "　　　"
            label = f"{i}．{name}" if len(attachments) > 1 else name
            _paragraph(doc, prefix + label, indent_chars=2)

    _paragraph(doc)
    _paragraph(doc)
    _paragraph(doc, signature, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)  # 落款
    _paragraph(doc, chinese_date(signed_on), align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)
    if note:  # 附注
        _paragraph(doc, f"（{note}）", indent_chars=2)

    if annex:
        heading, lines = annex
        _paragraph(doc).add_run().add_break(WD_BREAK.PAGE)
        _paragraph(doc, "附件", font=HEITI)
        _paragraph(doc)
        _paragraph(
            doc, heading, font=XIAOBIAOSONG, size=SIZE_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER
        )
        _paragraph(doc)
        _body(doc, lines)

    if cc or printer:  # 版记
        _paragraph(doc)
        first = None
        if cc:
            first = _paragraph(
                doc, "抄送：" + "，".join(cc) + "。", size=SIZE_RECORD, left_chars=1, right_chars=1
            )
            _border(first, "top", eighths=8)
        if printer:
            last = _paragraph(doc, size=SIZE_RECORD, left_chars=1, right_chars=1)
            last.paragraph_format.tab_stops.add_tab_stop(
                TEXT_WIDTH - Pt(SIZE_RECORD * 2), WD_TAB_ALIGNMENT.RIGHT
            )
            _fonts(
                last.add_run(printer + "\t" + chinese_date(printed_on or signed_on) + "印发"),
                FANGSONG,
                SIZE_RECORD,
            )
            _border(last, "top", eighths=4 if first is not None else 8)
            _border(last, "bottom", eighths=8)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


BREAK_AFTER = (
    "的",
    "、",
    "，",
    "和",
    "与",
    "及",
    "问题",
    "情况",
    "领域",
    "工作",
    "单位",
    "局",
    "委",
    "院",
    "镇",
    "街道",
)


def _breakable(text: str, pos: int) -> bool:
    """Never inside a number or a Latin word."""
    a, b = text[pos - 1], text[pos] if pos < len(text) else ""
    return not (a.isascii() and a.isalnum() and b.isascii() and b.isalnum())


def split_title(title: str, width: int = 20) -> list[str]:
    """A long title breaks into balanced lines of at most ``width`` characters (二号 fits ~21),
    after a natural break (的、和, the end of a unit's name…) when one is near the middle."""
    rest = title.strip()
    lines = []
    count = -(-len(rest) // width)
    while count > 1:
        target = -(-len(rest) // count)
        cut = None
        for delta in range(0, 9):
            hits = [
                p
                for p in (target + delta, target - delta)
                if 0 < p <= width
                and _breakable(rest, p)
                and any(rest[:p].endswith(m) for m in BREAK_AFTER)
            ]
            if hits:
                cut = hits[0]
                break
        if cut is None:
            cut = next(
                (p for p in range(min(target, width), 0, -1) if _breakable(rest, p)),
                min(target, width),
            )
            if cut < target // 2:  # one long Latin word: cut it where it must be cut
                cut = min(target, width)
        lines.append(rest[:cut].strip())
        rest = rest[cut:]
        count -= 1
    lines.append(rest.strip())
    return [line for line in lines if line]
