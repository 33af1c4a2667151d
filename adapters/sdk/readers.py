"""Reading an agency's export file into rows, whatever office software wrote it.

CSV: UTF-8 (with or without BOM, as WPS/Excel "CSV UTF-8" writes it) or GBK/GB18030 (Excel's
default "CSV" on a Chinese Windows). XLSX: the first worksheet, first non-empty row is the header.
JSON Lines: one canonical record per line.

A row is (line number, {header: value}) or, for a line that cannot be parsed at all, a RowError —
a bad line never stops the file.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
SUPPORTED_SUFFIXES = CSV_SUFFIXES | XLSX_SUFFIXES | JSONL_SUFFIXES
MAX_FILE_BYTES = 200 * 1024 * 1024


class FileUnreadable(Exception):
    """The file as a whole cannot be read: the adapter cannot do its job with it."""


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    raw: str = ""


@dataclass
class RowError:
    line: int
    reason: str
    code: str = "malformed"
    raw: str = ""
    field: str | None = None


@dataclass
class Table:
    format: str  # "csv", "xlsx" or "jsonl"
    headers: list[str] = field(default_factory=list)
    rows: list[Row | RowError] = field(default_factory=list)
    encoding: str | None = None


def normalize_header(text: Any) -> str:
    """Headers as people type them: stray spaces, full-width spaces, BOMs, line breaks."""
    if text is None:
        return ""
    return (
        str(text)
        .replace("\ufeff", "")
        .replace("\u3000", "")
        .replace("\n", "")
        .replace("\r", "")
        .replace(" ", "")
        .strip()
    )


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    raise FileUnreadable(
        f"不支持的文件类型 {suffix or '(无扩展名)'}，支持 CSV、XLSX、JSON Lines "
        f"(unsupported file type)"
    )


def read_table(path: str | Path) -> Table:
    path = Path(path)
    fmt = detect_format(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileUnreadable(f"文件过大（{size} 字节）(file too large)")
        if fmt == "xlsx":
            return _read_xlsx(path)
        data = path.read_bytes()
    except FileUnreadable:
        raise
    except OSError as exc:
        raise FileUnreadable(
            f"无法读取文件 {path}：{exc.strerror or exc} (cannot read file)"
        ) from exc
    if fmt == "csv":
        return _read_csv(data)
    return _read_jsonl(data)


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM stripped) first; GB18030 (a superset of GBK) for Excel's Chinese CSV."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileUnreadable(
            "文件编码无法识别（应为 UTF-8 或 GBK）(unknown text encoding)"
        ) from exc


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    table = Table(format="csv", encoding=encoding)
    lines = text.splitlines()
    # Excel adds a "sep=," line when asked to; skip it.
    start = 1 if lines and lines[0].lower().startswith("sep=") else 0
    reader = csv.reader(io.StringIO("\n".join(lines[start:])))
    header_seen = False
    prev_line = 0
    plain_headers = False  # every header named: a row's values are zip(headers, cells)
    strip = str.strip
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            table.rows.append(
                RowError(line=reader.line_num + start, reason=f"CSV 行无法解析：{exc}")
            )
            prev_line = reader.line_num
            continue
        line_no = prev_line + 1 + start
        if reader.line_num == prev_line + 1:  # a row on one line, as most are
            raw = lines[start + prev_line]
        else:
            raw = "\n".join(lines[start + prev_line : start + reader.line_num])
        prev_line = reader.line_num
        if not "".join(cells).strip():  # no cell with anything but blanks
            continue
        if not header_seen:
            table.headers = [normalize_header(c) for c in cells]
            header_seen = True
            plain_headers = all(table.headers)
            continue
        if len(cells) > len(table.headers):
            extra = [c for c in cells[len(table.headers) :] if c.strip()]
            if extra:
                table.rows.append(
                    RowError(
                        line=line_no,
                        raw=raw,
                        reason=f"列数（{len(cells)}）多于表头（{len(table.headers)}）(too many columns)",
                    )
                )
                continue
        if plain_headers and len(cells) >= len(table.headers):
            values = dict(zip(table.headers, map(strip, cells), strict=False))  # extras: blank
        else:
            values = {
                h: (cells[i].strip() if i < len(cells) else "")
                for i, h in enumerate(table.headers)
                if h
            }
        table.rows.append(Row(line=line_no, values=values, raw=raw))
    if not header_seen:
        raise FileUnreadable("文件为空或没有表头 (empty file, no header row)")
    return table


def _read_xlsx(path: Path) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileUnreadable(f"不是有效的 XLSX 文件：{exc} (not a valid XLSX file)") from exc
    try:
        ws = wb.worksheets[0]
        table = Table(format="xlsx")
        header_seen = False
        for idx, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if not header_seen:
                table.headers = [normalize_header(c) for c in cells]
                header_seen = True
                continue
            values = {}
            for i, h in enumerate(table.headers):
                if not h:
                    continue
                value = cells[i] if i < len(cells) else None
                values[h] = value.strip() if isinstance(value, str) else value
            raw = json.dumps(
                {
                    k: (v if isinstance(v, int | float | str) or v is None else str(v))
                    for k, v in values.items()
                },
                ensure_ascii=False,
            )
            table.rows.append(Row(line=idx, values=values, raw=raw))
        if not header_seen:
            raise FileUnreadable("工作表为空或没有表头 (empty sheet, no header row)")
        return table
    finally:
        wb.close()


def _read_jsonl(data: bytes) -> Table:
    text, encoding = decode_text(data)
    table = Table(format="jsonl", encoding=encoding)
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            table.rows.append(
                RowError(
                    line=line_no,
                    raw=line,
                    reason=f"不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）",
                )
            )
            continue
        if not isinstance(obj, dict):
            table.rows.append(
                RowError(
                    line=line_no,
                    raw=line,
                    reason="每行应为一个 JSON 对象 (each line must be an object)",
                )
            )
            continue
        table.rows.append(Row(line=line_no, values=obj, raw=line))
    return table
