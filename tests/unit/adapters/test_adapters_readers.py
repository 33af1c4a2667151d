"""Reading exports as Chinese office software writes them."""

import json

import pytest
from openpyxl import Workbook

from adapters.sdk import convert as c
from adapters.sdk.readers import FileUnreadable, Row, RowError, read_table

HEADER = "信访编号,登记日期,反映对象\r\n"
LINE = "XF-1,2025年5月6日,区人民法院\r\n"


@pytest.mark.parametrize(
    "encoding, prefix, expected",
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("gbk", b"", "gb18030"),
    ],
)
def test_csv_encodings(tmp_path, encoding, prefix, expected):
    path = tmp_path / "x.csv"
    path.write_bytes(prefix + (HEADER + LINE).encode(encoding))
    table = read_table(path)
    assert table.encoding == expected
    assert table.headers == ["信访编号", "登记日期", "反映对象"]
    assert table.rows == [
        Row(
            line=2,
            values={"信访编号": "XF-1", "登记日期": "2025年5月6日", "反映对象": "区人民法院"},
            raw=LINE.strip(),
        )
    ]


def test_csv_header_spaces_and_blank_lines_and_quoted_newlines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(' 信访编号 ,内容\u3000摘要\n\nA,"第一行\n第二行"\nB,x\n', encoding="utf-8")
    table = read_table(path)
    assert table.headers == ["信访编号", "内容摘要"]
    assert [(r.line, r.values["信访编号"]) for r in table.rows] == [(3, "A"), (5, "B")]
    assert table.rows[0].values["内容摘要"] == "第一行\n第二行"


def test_csv_too_many_columns_is_a_row_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n1,2,3\n1\n", encoding="utf-8")
    rows = read_table(path).rows
    assert isinstance(rows[1], RowError) and rows[1].line == 3
    assert rows[2].values == {"a": "1", "b": ""}  # short row: missing cells are blank


def test_empty_and_unsupported_files(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(FileUnreadable):
        read_table(tmp_path / "e.csv")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(FileUnreadable, match="不支持"):
        read_table(tmp_path / "x.pdf")
    with pytest.raises(FileUnreadable, match="无法读取"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "fake.xlsx").write_bytes(b"not a zip")
    with pytest.raises(FileUnreadable, match="XLSX"):
        read_table(tmp_path / "fake.xlsx")


def test_xlsx_first_sheet_with_typed_cells(tmp_path):
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append([None])
    ws.append(["问题编号", "涉及金额（元）", "发现日期"])
    ws.append([2025001, 1650000.5, dt.datetime(2025, 8, 12)])
    ws.append([None, None, None])
    ws.append(["SJ-2", "12万", "2025/8/13"])
    wb.save(tmp_path / "a.xlsx")
    table = read_table(tmp_path / "a.xlsx")
    assert table.headers == ["问题编号", "涉及金额（元）", "发现日期"]
    assert [r.line for r in table.rows] == [3, 5]
    first = table.rows[0].values
    assert c.text(first["问题编号"]) == "2025001"
    assert c.occurred(first["发现日期"]) == "2025-08-12T00:00:00+08:00"
    assert c.amount(table.rows[1].values["涉及金额（元）"]) == 120000


def test_jsonl_bad_lines_do_not_stop_the_file(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{broken\n\n[1]\n{"b": 2}\n', encoding="utf-8")
    rows = read_table(path).rows
    assert [type(r).__name__ for r in rows] == ["Row", "RowError", "RowError", "Row"]
    assert [r.line for r in rows] == [1, 2, 4, 5]
    assert rows[1].raw == "{broken"
    assert json.loads(rows[3].raw) == {"b": 2}
