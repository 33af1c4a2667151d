"""A list as an Excel workbook: Chinese headers, readable values, filters, frozen header row."""

import io
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from gateway.views import labels as L

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict], object]
    width: int = 14


def _date(key):
    return lambda row: str(row.get(key))[:10] if row.get(key) else ""


def _time(key):
    return lambda row: str(row.get(key))[:16].replace("T", " ") if row.get(key) else ""


def _get(key):
    return lambda row: row.get(key)


@dataclass(frozen=True)
class Sheet:
    name: str  # the worksheet's title and the download's Chinese name
    filename: str
    columns: tuple


ITEMS = Sheet(
    "监督事项清单",
    "items.xlsx",
    (
        Column("年度", _get("year"), 8),
        Column("序号", _get("seq"), 6),
        Column("监督事项", _get("title"), 44),
        Column("监督形式", lambda r: L.of(L.FORM, r.get("form")), 12),
        Column("重点事项", lambda r: L.YES_NO.get(bool(r.get("key"))), 9),
        Column("牵头单位", lambda r: L.unit(r.get("lead_unit")), 18),
        Column("参与单位", lambda r: L.units(r.get("participating_units")), 36),
        Column("状态", lambda r: L.of(L.ITEM_STATUS, r.get("status")), 10),
        Column("启动时间", _time("started_at"), 17),
        Column("办结时间", _time("concluded_at"), 17),
        Column("编号", _get("id"), 20),
    ),
)
LEADS = Sheet(
    "问题线索清单",
    "leads.xlsx",
    (
        Column("监督对象", lambda r: L.unit(r.get("subject")), 18),
        Column("线索摘要", _get("summary"), 48),
        Column("类别", lambda r: L.of(L.LEAD_CATEGORY, r.get("category")), 10),
        Column("密级", lambda r: L.of(L.SENSITIVITY, r.get("sensitivity")), 8),
        Column("状态", lambda r: L.of(L.LEAD_STATUS, r.get("status")), 10),
        Column("登记单位", lambda r: L.unit(r.get("source_unit")), 18),
        Column("当前办理单位", lambda r: L.unit(r.get("holder_unit")), 18),
        Column("受理期限", _date("accept_due"), 12),
        Column("反馈期限", _date("feedback_due"), 12),
        Column("是否逾期", lambda r: L.YES_NO.get(bool(r.get("overdue"))), 9),
        Column("登记时间", _time("created_at"), 17),
        Column("编号", _get("id"), 20),
    ),
)
PROBLEMS = Sheet(
    "整改问题清单",
    "problems.xlsx",
    (
        Column("年度", _get("year"), 8),
        Column("问题", _get("title"), 40),
        Column("问题描述", _get("description"), 48),
        Column("监督对象", lambda r: L.unit(r.get("subject")), 18),
        Column("来源", lambda r: L.of(L.SOURCE, r.get("source")), 14),
        Column("性质", lambda r: L.of(L.NATURE, r.get("nature")), 9),
        Column("状态", lambda r: L.of(L.PROBLEM_STATUS, r.get("status")), 10),
        Column("整改任务数", lambda r: len(r.get("tasks") or []), 10),
        Column("有逾期任务", lambda r: L.YES_NO.get(bool(r.get("overdue"))), 10),
        Column("登记时间", _time("created_at"), 17),
        Column("编号", _get("id"), 20),
    ),
)
TASKS = Sheet(
    "整改任务清单",
    "tasks.xlsx",
    (
        Column("整改问题", lambda r: r.get("problem_title") or r.get("title"), 36),
        Column("责任单位", lambda r: L.unit(r.get("responsible_unit")), 18),
        Column("督办单位", lambda r: L.units(r.get("supervising_units")), 26),
        Column("整改措施", _get("measures"), 48),
        Column("整改期限", _date("deadline"), 12),
        Column("状态", lambda r: L.of(L.TASK_STATUS, r.get("status")), 12),
        Column("是否逾期", lambda r: L.YES_NO.get(bool(r.get("overdue"))), 9),
        Column("逾期天数", lambda r: r.get("days_overdue") or 0, 9),
        Column("退回次数", lambda r: max(int(r.get("round") or 1) - 1, 0), 9),
        Column("报送时间", _time("submitted_at"), 17),
        Column("销号时间", _time("verified_at"), 17),
        Column("编号", _get("id"), 20),
    ),
)
SHEETS = {"items": ITEMS, "leads": LEADS, "problems": PROBLEMS, "tasks": TASKS}


def build(sheet: Sheet, rows: list[dict], *, subtitle: str = "") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet.name
    ws.append([sheet.name + (f"（{subtitle}）" if subtitle else "")])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(sheet.columns))
    ws["A1"].font = Font(name="黑体", size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 26
    ws.append([c.header for c in sheet.columns])
    thin = Side(style="thin", color="999999")
    for cell in ws[2]:
        cell.font = Font(name="黑体", bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="9E1B1B")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for row in rows:
        ws.append([_clean(c.value(row)) for c in sheet.columns])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # text such as "=HYPERLINK(…)" stays text, never a formula
                cell.data_type = "s"
    for i, column in enumerate(sheet.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    for cells in ws.iter_rows(min_row=3):
        for cell in cells:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.font = Font(name="宋体", size=11)
    last = get_column_letter(len(sheet.columns))
    ws.auto_filter.ref = f"A2:{last}{max(ws.max_row, 2)}"
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _clean(value):
    """Control characters are illegal in the sheet's XML; lists read as "a、b"."""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    if isinstance(value, str):
        value = "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32)
    return value
