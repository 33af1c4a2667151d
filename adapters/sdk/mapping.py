"""Declarative mapping from an agency's export table to canonical records.

An adapter is a list of TableMappers, one per export format it knows (a plc export of case-quality
evaluations has other columns than its petition register). The mapper whose required headers are
all present reads the file; each row becomes `{record_id, type, subject, occurred_at, data}` or a
MappingError naming the column and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.sdk import convert
from adapters.sdk.readers import FileUnreadable, normalize_header

# Quarantine reason codes produced while mapping (contracts.records adds schema_invalid,
# too_large, kind_not_allowed; the reader adds malformed; the SDK adds unknown_format).
MISSING_FIELD = "missing_field"
WRONG_TYPE = "wrong_type"
UNKNOWN_SUBJECT = "unknown_subject"


class MappingError(Exception):
    def __init__(self, code: str, reason: str, field: str | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.field = field


SUBJECT = "subject"  # a target resolved through the unit registry


@dataclass(frozen=True)
class Column:
    """One column of an export: where it goes and how its text becomes a value.

    target: "record_id", "subject", "occurred_at" or "data.<key>".
    headers: accepted header spellings; the first is the documented one.
    """

    target: str
    headers: tuple[str, ...]
    convert: Callable[[Any], Any] = convert.text
    required: bool = True
    doc: str = ""

    @property
    def header(self) -> str:
        return self.headers[0]

    def find(self, headers: Iterable[str]) -> str | None:
        present = set(headers)
        for name in self.headers:
            if normalize_header(name) in present:
                return normalize_header(name)
        return None


def col(target: str, *headers: str, convert=convert.text, required=True, doc="") -> Column:
    return Column(
        target=target, headers=tuple(headers), convert=convert, required=required, doc=doc
    )


@dataclass
class TableMapper:
    kind: str
    title: str  # the agency's own name for the export, e.g. 案件质量评查台账
    columns: list[Column]
    # Exports without an id column: the record id is built from these columns (stable, so a
    # re-exported file maps to the same ids and stores nothing twice).
    id_from: tuple[str, ...] = ()
    id_prefix: str = ""
    derive: Callable[[dict], None] | None = None  # adds derived data fields, may raise ValueError
    formats: tuple[str, ...] = ("csv", "xlsx")
    _found: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def export_header(self) -> list[str]:
        """The documented header of every column, in order: the first row of an export that
        has them all (what the samples, the tests and the bench write)."""
        return [c.header for c in self.columns]

    def missing_headers(self, headers: Iterable[str]) -> list[str]:
        headers = list(headers)
        return [c.header for c in self.columns if c.required and c.find(headers) is None]

    def headers_for(self, headers: tuple[str, ...]) -> list[str | None]:
        """Each column's header in a file with these headers (every row of a file has the same:
        looked up once per file, not once per row and column)."""
        found = self._found.get(headers)
        if found is None:
            if len(self._found) > 64:
                self._found.clear()
            found = self._found[headers] = [c.find(headers) for c in self.columns]
        return found

    def map_row(self, values: Mapping[str, Any], agency: str, units: Mapping[str, str]) -> dict:
        record: dict[str, Any] = {"type": f"{agency}.{self.kind}", "data": {}}
        for column, header in zip(self.columns, self.headers_for(tuple(values)), strict=True):
            raw = values.get(header) if header else None
            if convert.is_blank(raw):
                if column.required:
                    raise MappingError(
                        MISSING_FIELD,
                        f"“{column.header}”为必填项，不能为空 (missing value)",
                        field=column.header,
                    )
                continue
            if column.target == SUBJECT:
                value = resolve_subject(raw, units)
                if value is None:
                    raise MappingError(
                        UNKNOWN_SUBJECT,
                        f"“{column.header}”的单位“{raw}”不在单位名录中 (unknown unit)",
                        field=column.header,
                    )
            else:
                try:
                    value = column.convert(raw)
                except (ValueError, TypeError) as exc:
                    raise MappingError(
                        WRONG_TYPE, f"“{column.header}”{exc}", field=column.header
                    ) from None
            if column.target.startswith("data."):
                record["data"][column.target[5:]] = value
            else:
                record[column.target] = value
        if self.id_from:
            parts = []
            for target in self.id_from:
                part = record.get(target, record["data"].get(target))
                if part in (None, ""):
                    raise MappingError(
                        MISSING_FIELD, f"无法生成记录编号：缺少 {target}", field=target
                    )
                parts.append(str(part)[:10] if target == "occurred_at" else str(part))
            record["record_id"] = self.id_prefix + "-".join(parts)
        if self.derive:
            try:
                self.derive(record["data"])
            except (ValueError, TypeError, ZeroDivisionError) as exc:
                raise MappingError(WRONG_TYPE, str(exc)) from None
        return record

    def fast_map(
        self, headers: tuple[str, ...], units: Mapping[str, str]
    ) -> Callable[[Mapping[str, Any]], tuple | None] | None:
        """map_row compiled once for a file's headers, for the rows where nothing is off.

        The returned function takes a row's values and gives ``(record_id, subject, occurred_at,
        data)`` — what map_row's record holds — or None whenever a cell is blank where it is
        required, a converter, the subject or ``derive`` refuses, or anything else is unusual:
        the caller then asks map_row, which answers with its own error (or the same record).
        Each column's header is looked up once, converters are their fast forms
        (convert.fast_form), and unit names are resolved once per name. None when the mapping
        has a shape this does not cover (map_row then does every row)."""
        plan = []
        for column, header in zip(self.columns, self.headers_for(tuple(headers)), strict=True):
            target = column.target
            if target.startswith("data."):
                slot = target[5:]
            elif target in ("record_id", SUBJECT, "occurred_at"):
                slot = None
            else:
                return None
            plan.append((header, column.required, target, slot, column.convert))
        if any(t in ("type", "data") for t in self.id_from):
            return None
        subjects: dict[str, str] = {}

        def subject(raw):
            try:
                return subjects[raw]
            except (KeyError, TypeError):
                pass
            value = resolve_subject(raw, units)
            if value is None:
                raise LookupError(raw)
            if raw.__class__ is str and len(subjects) < 4096:
                subjects[raw] = value
            return value

        steps = tuple(
            (
                header,
                required,
                target,
                slot,
                subject if target == SUBJECT else convert.fast_form(conv),
            )
            for header, required, target, slot, conv in plan
        )
        id_from, id_prefix, derive = self.id_from, self.id_prefix, self.derive

        def fast(values: Mapping[str, Any]) -> tuple | None:
            get = values.get
            record: dict[str, Any] = {}
            data: dict[str, Any] = {}
            try:
                for header, required, target, slot, conv in steps:
                    raw = get(header) if header else None
                    # convert.is_blank: str.strip() takes off exactly what isspace() sees
                    if raw is None or (isinstance(raw, str) and (raw == "" or raw.isspace())):
                        if required:
                            return None
                        continue
                    if slot is None:
                        record[target] = conv(raw)
                    else:
                        data[slot] = conv(raw)
                if id_from:
                    parts = []
                    for target in id_from:
                        part = record.get(target, data.get(target))
                        if part in (None, ""):
                            return None
                        parts.append(str(part)[:10] if target == "occurred_at" else str(part))
                    record["record_id"] = id_prefix + "-".join(parts)
                if derive:
                    derive(data)
                return record["record_id"], record[SUBJECT], record["occurred_at"], data
            except Exception:  # noqa: BLE001 - map_row answers (or raises) as it always did
                return None

        return fast


def resolve_subject(raw: Any, units: Mapping[str, str]) -> str | None:
    name = normalize_header(convert.text(raw))
    if name.startswith("official:"):
        return name
    return units.get(name)


@dataclass
class Adapter:
    agency: str
    name: str  # the agency's name, e.g. 区审计局
    mappers: list[TableMapper] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return sorted({m.kind for m in self.mappers})

    def choose_mapper(self, headers: list[str], fmt: str) -> TableMapper:
        """The mapper whose required headers are all present; else say which are missing."""
        candidates = [m for m in self.mappers if fmt in m.formats] or self.mappers
        scored = sorted(candidates, key=lambda m: len(m.missing_headers(headers)))
        if scored and not scored[0].missing_headers(headers):
            full = [m for m in scored if not m.missing_headers(headers)]
            # Several fit: the one using the most of the file's columns is the intended one.
            return max(full, key=lambda m: sum(1 for c in m.columns if c.find(headers)))
        if not scored:
            raise FileUnreadable(f"{self.name}适配器没有可用的表格格式 (no table formats)")
        best = scored[0]
        raise FileUnreadable(
            f"表头与{self.name}的任何导出格式都不匹配；最接近“{best.title}”，缺少列："
            f"{'、'.join(best.missing_headers(headers))} (header does not match any known export)"
        )
