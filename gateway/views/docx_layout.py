"""A Chinese official document (党政机关公文格式, GB/T 9704-2012) laid out with python-docx.

A4; margins 37 mm top, 28 mm left, 26 mm right, 35 mm bottom (a 156 × 225 mm type area);
红头 (the issuing organ's name in red), 发文字号 with 〔〕, a red rule, a centred 2号 title, the
addressee flush left, a 3号 仿宋 body at 22 lines a page with a two-character first-line indent,
headings 一、(黑体) and （一）(楷体), the signature and date right-aligned, page numbers
“— 1 —” in 4号 宋体 on the outer side, attachments on a new page, and the 版记 (抄送, printing
organ and date) between rules at the end.

Font names are the ones the standard asks for; a reader without one sees Word's substitute.
"""

import io
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

RED = RGBColor(0xE0, 0x00, 0x00)
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋"  # 仿宋_GB2312's face under the name every Windows ships
FONT_H1 = "黑体"
FONT_H2 = "楷体"
FONT_PAGE = "宋体"
SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_NOTE = Pt(14)  # 4号
LINE = Pt(28.9)  # 22 lines in the 225 mm type area


@dataclass
class Section:
    heading: str  # "一、…" is added by the layout
    paragraphs: list[str] = field(default_factory=list)
    subsections: list["Section"] = field(default_factory=list)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    widths_mm: list[float] | None = None


@dataclass
class OfficialDocument:
    organ: str  # 发文机关标志, e.g. "××区人民代表大会常务委员会办公室"
    number: str  # 发文字号, e.g. "区人大办发〔2025〕12号"
    title: str
    addressee: str  # 主送机关
    opening: list[str]
    sections: list[Section]
    signature: str  # 发文机关署名
    date: str  # 成文日期, "2025年12月31日"
    attachments: list[Table] = field(default_factory=list)
    cc: str = ""  # 抄送
    printer: str = ""  # 印发机关
    printed_on: str = ""


CN_NUMBERS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (enough for headings and attachments)."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (
        (CN_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMBERS[ones - 1] if ones else "")
    )


def render(doc_spec: OfficialDocument) -> bytes:
    doc = Document()
    _page(doc)
    _styles(doc)
    _header_block(doc, doc_spec)
    _para(
        doc,
        doc_spec.title,
        font=FONT_TITLE,
        size=SIZE_TITLE,
        align="center",
        space_before=LINE,
        line=Pt(35),
    )
    _blank(doc)
    _para(doc, doc_spec.addressee, indent=False)
    for text in doc_spec.opening:
        _para(doc, text)
    for i, section in enumerate(doc_spec.sections, 1):
        _para(doc, f"{cn_number(i)}、{section.heading}", font=FONT_H1)
        for text in section.paragraphs:
            _para(doc, text)
        for j, sub in enumerate(section.subsections, 1):
            _para(doc, f"（{cn_number(j)}）{sub.heading}", font=FONT_H2)
            for text in sub.paragraphs:
                _para(doc, text)
    if doc_spec.attachments:
        _blank(doc)
        names = [t.title for t in doc_spec.attachments]
        first = "附件：" + (f"1. {names[0]}" if len(names) > 1 else names[0])
        _para(doc, first)
        for k, name in enumerate(names[1:], 2):
            _para(doc, f"{k}. {name}", first_indent=Pt(16 * 5))
    _blank(doc)
    _blank(doc)
    _para(
        doc, doc_spec.signature, align="right", right_chars=4 if len(doc_spec.signature) < 14 else 0
    )
    _para(doc, doc_spec.date, align="right", right_chars=4)
    for k, table in enumerate(doc_spec.attachments, 1):
        _attachment(doc, table, k if len(doc_spec.attachments) > 1 else None)
    if doc_spec.printer:
        _imprint(doc, doc_spec)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- page, styles, fonts ----------------------------------------------------------------------


def _page(doc):
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28 - 7)  # the page number 7 mm below the type area
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], "right")
    _page_number(section.even_page_footer.paragraphs[0], "left")


def _page_number(paragraph, side):
    """“— 7 —”, 4号 宋体, one character in from the outer edge (right on odd pages)."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if side == "right" else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    if side == "right":
        fmt.right_indent = Pt(14)
    else:
        fmt.left_indent = Pt(14)
    _run(paragraph, "— ", FONT_PAGE, SIZE_NOTE)
    run = _run(paragraph, "", FONT_PAGE, SIZE_NOTE)
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == "1":
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    _run(paragraph, " —", FONT_PAGE, SIZE_NOTE)


def _styles(doc):
    normal = doc.styles["Normal"]
    normal.font.name = FONT_BODY
    normal.font.size = SIZE_BODY
    _east_asian(normal.element.get_or_add_rPr(), FONT_BODY)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = False


def _east_asian(rpr, font):
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)


def _run(paragraph, text, font, size, *, color=None, bold=False):
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    _east_asian(run._r.get_or_add_rPr(), font)
    return run


def _para(
    doc,
    text,
    *,
    font=FONT_BODY,
    size=SIZE_BODY,
    align="justify",
    indent=True,
    color=None,
    space_before=None,
    line=None,
    first_indent=None,
    right_chars=0,
):
    p = doc.add_paragraph()
    p.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }.get(align, WD_ALIGN_PARAGRAPH.JUSTIFY)
    fmt = p.paragraph_format
    if align in ("justify", "left") and indent:
        fmt.first_line_indent = first_indent if first_indent is not None else Pt(size.pt * 2)
    if right_chars:
        fmt.right_indent = Pt(size.pt * right_chars)
    if space_before is not None:
        fmt.space_before = space_before
    if line is not None:
        fmt.line_spacing = line
    _run(p, text, font, size, color=color)
    return p


def _blank(doc):
    return doc.add_paragraph()


def _rule(paragraph, color="E00000", size=12, where="bottom"):
    """A rule the width of the type area: a paragraph border (sz in eighths of a point)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # Word refuses a pPr whose children are out of the schema's order
        ppr.insert_element_before(borders, *_AFTER_PBDR)
    edge = OxmlElement(f"w:{where}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), color)
    borders.append(edge)


_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


# -- blocks -----------------------------------------------------------------------------------


def _header_block(doc, spec):
    """红头: the organ in red, 发文字号 below, then the red rule."""
    _para(
        doc,
        spec.organ + "文件",
        font=FONT_TITLE,
        size=Pt(36 if len(spec.organ) <= 12 else 26),
        align="center",
        color=RED,
        line=Pt(60),
        space_before=Pt(12),
    )
    _blank(doc)
    number = _para(doc, spec.number, align="center")
    number.paragraph_format.space_after = Pt(11)  # ≈ 4 mm to the rule
    _rule(number, size=18)


def _attachment(doc, table: Table, index):
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _para(doc, "附件" + (str(index) if index else ""), font=FONT_H1, indent=False, align="left")
    _blank(doc)
    _para(doc, table.title, font=FONT_TITLE, size=Pt(18), align="center", line=Pt(32))
    _blank(doc)
    grid = doc.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, table.headers, strict=False):
        _cell(cell, text, header=True)
    _repeat_header(grid.rows[0])
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            _cell(cell, text)
    if table.widths_mm:
        # Word reads the cells' widths, LibreOffice the grid's: set both
        grid.autofit = False
        for column, width in zip(grid.columns, table.widths_mm, strict=False):
            column.width = Mm(width)
        for row in grid.rows:
            for cell, width in zip(row.cells, table.widths_mm, strict=False):
                cell.width = Mm(width)


def _cell(cell, text, header=False):
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if header else WD_ALIGN_PARAGRAPH.LEFT
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent = Pt(0)
    _run(p, str(text), FONT_H1 if header else FONT_BODY, Pt(10.5))  # 五号


def _repeat_header(row):
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _imprint(doc, spec):
    """版记: 抄送 and 印发机关/日期 between rules, 4号仿宋, at the end of the document."""
    doc.add_section(WD_SECTION.CONTINUOUS)
    _blank(doc)
    if spec.cc:
        cc = _para(doc, f"抄送：{spec.cc}。", size=SIZE_NOTE, indent=False, align="left")
        cc.paragraph_format.left_indent = Pt(14)
        _rule(cc, color="000000", size=8, where="top")
        _rule(cc, color="000000", size=4, where="bottom")
    printed = _para(doc, "", size=SIZE_NOTE, indent=False, align="left")
    printed.paragraph_format.left_indent = Pt(14)
    printed.paragraph_format.right_indent = Pt(14)
    _run(printed, spec.printer, FONT_BODY, SIZE_NOTE)
    stops = printed.paragraph_format.tab_stops
    from docx.enum.text import WD_TAB_ALIGNMENT

    stops.add_tab_stop(Mm(156) - Pt(28), WD_TAB_ALIGNMENT.RIGHT)
    _run(printed, f"\t{spec.printed_on}印发", FONT_BODY, SIZE_NOTE)
    if not spec.cc:
        _rule(printed, color="000000", size=8, where="top")
    _rule(printed, color="000000", size=8, where="bottom")
