"""The adapter's fast paths give exactly what the general paths give.

process_file maps, validates and encodes most rows through fast forms (convert.fast_form,
TableMapper.fast_map, contracts.records.unsigned_encoder) and hands every other row to the general
path. These tests hold the fast forms to the general ones: the same values and types, the same
errors, the same canonical JSON bytes, the same quarantine entries with the same reasons and
line numbers.
"""

import csv
import datetime as dt
import json
import sqlite3

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.finance.mapping import DISBURSEMENT
from adapters.sdk import convert as c
from adapters.sdk import get_adapter
from adapters.sdk import ingest as ingest_module
from adapters.sdk.ingest import process_file
from adapters.sdk.outbox import Outbox
from adapters.sdk.readers import read_table
from adapters.sdk.settings import unit_resolver
from contracts.records import (
    MAX_RECORD_BYTES,
    RecordRejected,
    _canonical_encoder,
    canonical_json,
    unsigned_encoder,
    unsigned_record,
    validate_record,
)

AMOUNTS = [
    "1,234.50",
    "1,050,000.00",
    "1050000",
    "0",
    "0.00",
    "007",
    "007.50",
    "12.30",
    "5.10",
    "0.01",
    "1.",
    ".5",
    "+5",
    "1,2,3",
    "¥120万",
    "12.5万",
    "１２３",
    "１,２３４.５",
    " 12 ",
    "1 234",
    "1，234",
    "123元",
    "12.345",
    "12.355",
    "0.005",
    "99999999999999999999.99",
    "999999999999999999999",
    "1e3",
    "-5",
    "-0",
    "abc",
    "NaN",
    "Infinity",
    "1_000",
    "٣",
    "",
    "%",
    "35%",
    "35％",
    "101%",
    "100.00%",
    "100.01",
    "100",
    "50.555",
    "７５%",
    " 40 % ",
    "1,0%",
    "0.5",
    "12.3456",
    "12.34567",
    "1.5.3",
    "²",
    "1.²",
    "12.10000",
    "0000.0000",
    "1" * 20 + ".5",
    "1" * 21,
    "1" * 19 + ",000.00",
    5,
    5.5,
    0.35,
    True,
    None,
]

DATES = [
    "2025-03-15",
    "2025/3/5",
    "2025.03.05",
    "2025年3月5日",
    "2025年3月5日 10:30",
    "20250305",
    "2025-02-30",
    "2025-13-01",
    "bad",
    "2025-03-05 10:30",
    "2025-03-05T10:30:00+00:00",
    "２０２５-03-05",
    "",
    45,
    dt.date(2025, 5, 6),
    dt.datetime(2025, 5, 6, 9),
]


def outcome(convert, value):
    try:
        result = convert(value)
    except (ValueError, TypeError) as exc:
        return ("error", type(exc), str(exc))
    return ("value", type(result), result)


@pytest.mark.parametrize("convert", [c.amount, c.number, c.percent, c.text, c.occurred])
def test_fast_converters_answer_as_the_general_ones(convert):
    fast = c.fast_form(convert)
    assert fast is not convert
    for value in AMOUNTS + DATES:
        # twice: a memo answers the second time
        assert outcome(fast, value) == outcome(convert, value), value
        assert outcome(fast, value) == outcome(convert, value), value


def test_fast_form_of_other_converters_is_the_converter():
    assert c.fast_form(c.integer) is c.integer
    choice = c.choice({"是": "yes"})
    assert c.fast_form(choice) is choice


def test_memo_is_bounded_and_keeps_only_answers():
    calls = []

    def conv(value):
        calls.append(value)
        if value == "bad":
            raise ValueError("坏")
        return value.upper()

    fast = c.memoized(conv, size=2)
    assert [fast("a"), fast("a"), fast("b"), fast("c"), fast("c")] == ["A", "A", "B", "C", "C"]
    assert calls == ["a", "b", "c"]
    for _ in range(2):
        with pytest.raises(ValueError, match="坏"):
            fast("bad")
    assert calls.count("bad") == 2


# ------------------------------------------------------------------ the manifest form's encoder

KEY_ID = "finance:0123456789abcdef"


def general(record):
    loaded = validate_record(record)
    return unsigned_record(loaded, "finance", KEY_ID)


def base_record(**changes):
    record = {
        "record_id": "CZBF-1",
        "type": "finance.disbursement",
        "subject": "town-jieshi",
        "occurred_at": "2025-03-15T00:00:00+08:00",
        "data": {"amount": 1234.5, "note": '注 "引号" \\ 与 \u2028 😀', "n": 3, "x": None},
    }
    record.update(changes)
    return record


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"record_id": "  CZBF-2  "},
        {"subject": " official:GZ2025-0031 "},
        {"occurred_at": "2025-03-15"},
        {"occurred_at": "2025-03-15T10:00:00Z"},
        {"occurred_at": dt.datetime(2025, 3, 15, 9)},
        {"data": {"大": 1e300, "b": [1, "2"], "c": {"d": False}, "e": 0.1 + 0.2}},
        {"data": {}},
    ],
)
def test_encoder_gives_unsigned_records_bytes(changes):
    encode = unsigned_encoder("finance", KEY_ID, "finance.disbursement")
    record = base_record(**changes)
    for _ in range(2):  # the second time from its memos
        record_id, subject, text = encode(
            record["record_id"], record["subject"], record["occurred_at"], dict(record["data"])
        )
        loaded, payload = general(record)
        assert text.encode("utf-8") == payload == canonical_json(loaded)
        assert (record_id, subject) == (loaded["record_id"], loaded["subject"])


@pytest.mark.parametrize(
    "changes",
    [
        {"record_id": "bad\x01id"},
        {"record_id": ""},
        {"record_id": 12},
        {"subject": "not a unit"},
        {"subject": None},
        {"occurred_at": "下周"},
        {"occurred_at": 45},
        {"data": {"x": float("nan")}},
        {"data": {1: "int key"}},
        {"data": {"x": object()}},
        {"data": {"big": "项" * 21_800}},  # under the limit alone, over it with the signature
        {"data": {"big": "项" * 30_000}},
    ],
)
def test_encoder_leaves_what_is_off_to_the_general_path(changes):
    encode = unsigned_encoder("finance", KEY_ID, "finance.disbursement")
    record = base_record(**changes)
    assert (
        encode(record["record_id"], record["subject"], record["occurred_at"], record["data"])
        is None
    )
    with pytest.raises(RecordRejected):
        general(record)


def test_encoder_at_the_size_limit():
    encode = unsigned_encoder("finance", KEY_ID, "finance.disbursement")
    record = base_record(data={"big": ""})
    overhead = len(general(record)[1]) + len(',"signature":""') + 88
    for pad in (MAX_RECORD_BYTES - overhead, MAX_RECORD_BYTES - overhead + 1):
        record = base_record(data={"big": "x" * pad})
        fast = encode(record["record_id"], record["subject"], record["occurred_at"], record["data"])
        try:
            expected = general(record)[1]
        except RecordRejected:
            expected = None
        assert (fast and fast[2].encode()) == expected, pad
    assert expected is None  # one over: refused


def test_encoder_refuses_unusable_types():
    assert unsigned_encoder("finance", KEY_ID, "finance. disbursement") is None
    assert unsigned_encoder("Finance", KEY_ID, "finance.disbursement") is None


def test_canonical_encoder_recovers_after_a_failure():
    encode = _canonical_encoder()
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(ValueError):
        encode({"a": loop})
    record = base_record()
    assert encode(record).encode() == canonical_json(record)


# ------------------------------------------------------------------ whole files, both paths

HEADER = DISBURSEMENT.export_header
UNITS = ["界石镇", " 界石镇 ", "界 石镇", "区法院", "court", "official:GZ-1", "不存在的单位", ""]


def odd_ledger(path):
    amounts = [a for a in AMOUNTS if isinstance(a, str)]
    dates = [d for d in DATES if isinstance(d, str)]
    percents = ["35%", "35％", "101%", "0.5", "", "100", "-1", "abc", "７５%", "40.5"]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        i = 0
        for a in amounts:
            for p in percents[:4]:
                i += 1
                w.writerow(
                    [
                        f"ODD-{i}",
                        f"P{i % 3}",
                        "项目",
                        "资金",
                        UNITS[i % len(UNITS)],
                        "1,000,000.00",
                        a,
                        "2,000,000" if i % 5 else a,
                        p,
                        dates[i % len(dates)],
                        "注" if i % 3 else "",
                    ]
                )
        for p in percents:
            for d in dates:
                i += 1
                row = [f"ODD-{i}", "P", "项目", "资金", UNITS[i % len(UNITS)]]
                w.writerow(row + [amounts[i % len(amounts)], "100", "200", p, d, ""])
        ok = ["P", "项目", "资金", "界石镇", "1", "1", "1", "1", "2025-01-01", ""]
        w.writerow(["", *ok])
        w.writerow(["bad\x01id", *ok])
        w.writerow(["ODD-dup", *ok])
        w.writerow(["ODD-dup", *ok[:-2], "2025-01-02", ""])
        w.writerow(["ODD-extra", *ok, "extra"])
        w.writerow(["ODD-short", "P", "项目"])
        w.writerow(["ODD-big", "P", "项" * 30_000, *ok[2:]])
        w.writerow(["ODD-big2", "P", "项" * 21_800, *ok[2:]])
        w.writerow(
            ["ODD-amount", "P", "项目", "资金", "界石镇", "0", "5", "1", "1", "2025-01-01", ""]
        )
        w.writerow(
            [
                "ODD-ws",
                " P ",
                "\u3000项目\u3000",
                "资金",
                "界石镇",
                "1",
                "1",
                "1",
                "1",
                "2025-01-01",
                " 注 ",
            ]
        )
    return path


def budget_sheet(path):
    with open(path, "w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "预算单位",
                "年度",
                "月份",
                "科目编码",
                "科目名称",
                "年初预算(元)",
                "调整后预算",
                "累计支出（元）",
                "截止日期",
            ]
        )
        years, months = ["2025", "2025年", "1989", "abc", ""], ["6", "06", "6.5", "x", ""]
        for j, (y, m) in enumerate((y, m) for y in years for m in months):
            w.writerow(
                [
                    "界石镇",
                    y,
                    m,
                    f"20{j}",
                    "科目",
                    "1,000",
                    "" if j % 2 else "0",
                    "500",
                    "2025-06-30",
                ]
            )
    return path


def stored(box_path):
    db = sqlite3.connect(box_path)
    try:
        records = db.execute(
            "SELECT type, record_id, subject, body, source_file, line, signed FROM records"
            " ORDER BY id"
        ).fetchall()
        quarantine = db.execute(
            "SELECT file_hash, line, code, reason, field, record_id, type, raw FROM quarantine"
            " ORDER BY id"
        ).fetchall()
        return records, quarantine
    finally:
        db.close()


def both_ways(tmp_path, monkeypatch, agency, path, **kwargs):
    key = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
    results = []
    for fast in (True, False):
        with monkeypatch.context() as m:
            if not fast:  # no encoder: every row takes the general path
                m.setattr(ingest_module, "unsigned_encoder", lambda *a: None)
            box_path = tmp_path / f"box-{fast}.db"
            with Outbox(box_path) as box:
                report = process_file(get_adapter(agency), path, box, key, **kwargs).to_dict()
            results.append((report, *stored(box_path)))
    assert results[0] == results[1]
    return results[0]


def test_odd_ledger_same_both_ways(tmp_path, monkeypatch):
    report, records, quarantine = both_ways(
        tmp_path, monkeypatch, "finance", odd_ledger(tmp_path / "odd.csv")
    )
    assert report["new"] > 100 and report["quarantined"] > 100 and report["duplicates"] == 1
    codes = {q[2] for q in quarantine}
    assert {"missing_field", "wrong_type", "unknown_subject", "schema_invalid"} <= codes
    assert {"too_large", "malformed"} <= codes
    reasons = {q[3] for q in quarantine}
    assert "“拨付日期”日期不存在：'2025-02-30'" in reasons
    assert any(r.startswith("“拨付日期”日期格式无法识别：'bad'") for r in reasons)
    assert "“本次拨付（元）”金额应为数字，实际为 'abc'" in reasons
    bodies = {r[1]: json.loads(r[3]) for r in records}
    assert bodies["ODD-1"]["data"]["amount"] == 1234.5
    assert bodies["ODD-ws"]["data"]["project_name"] == "项目"


def test_odd_ledger_kind_not_allowed_same_both_ways(tmp_path, monkeypatch):
    report, records, quarantine = both_ways(
        tmp_path,
        monkeypatch,
        "finance",
        odd_ledger(tmp_path / "odd.csv"),
        record_kinds={"finance": ("budget_execution",)},
    )
    assert records == [] and "kind_not_allowed" in {q[2] for q in quarantine}


def test_budget_sheet_same_both_ways(tmp_path, monkeypatch):
    report, records, quarantine = both_ways(
        tmp_path, monkeypatch, "finance", budget_sheet(tmp_path / "budget.csv")
    )
    assert records and quarantine
    assert {json.loads(r[3])["record_id"] for r in records} >= {"BE-town-jieshi-200-2025-6"}


@pytest.mark.parametrize("agency", ["cdi", "plc", "inspection", "audit", "finance", "statistics"])
def test_samples_same_both_ways(tmp_path, monkeypatch, samples, agency):
    for n, path in enumerate(sorted(samples[agency].rglob("*.*"))):
        folder = tmp_path / str(n)
        folder.mkdir()
        both_ways(folder, monkeypatch, agency, path)


def test_fast_map_is_map_row(tmp_path):
    """Row by row: what fast_map gives is map_row's record (it gives None for the rest)."""
    adapter = get_adapter("finance")
    table = read_table(odd_ledger(tmp_path / "odd.csv"))
    mapper = adapter.choose_mapper(table.headers, table.format)
    units = unit_resolver()
    fast = mapper.fast_map(tuple(table.headers), units)
    answered = 0
    for row in table.rows:
        if not hasattr(row, "values"):
            continue
        mapped = fast(row.values)
        if mapped is None:
            continue
        answered += 1
        record = mapper.map_row(row.values, "finance", units)
        assert mapped == (
            record["record_id"],
            record["subject"],
            record["occurred_at"],
            record["data"],
        )
        assert [type(v) for v in mapped[3].values()] == [type(v) for v in record["data"].values()]
    assert answered > 100


def test_csv_rows_whatever_the_headers(tmp_path):
    """A row's values: zip of headers and cells when every header is named, the general form
    when one is not (unnamed columns left out); extra blank cells ignored, missing ones blank."""
    path = tmp_path / "t.csv"
    path.write_text('a,b,a\n1, 2 ,3\n4,5,6,,\n7\n \t, ,\n"x\ny",8,9\n', encoding="utf-8")
    table = read_table(path)
    assert [(r.line, r.values, r.raw) for r in table.rows] == [
        (2, {"a": "3", "b": "2"}, "1, 2 ,3"),
        (3, {"a": "6", "b": "5"}, "4,5,6,,"),
        (4, {"a": "", "b": ""}, "7"),
        (6, {"a": "9", "b": "8"}, '"x\ny",8,9'),
    ]
    path.write_text("a,,c\n1,2,3\n4\n", encoding="utf-8")
    table = read_table(path)
    assert [r.values for r in table.rows] == [{"a": "1", "c": "3"}, {"a": "4", "c": ""}]


# ------------------------------------------------------------------ the outbox's fast paths


def test_outbox_rows_marks_and_bytes(tmp_path):
    with Outbox(tmp_path / "o.db") as box:
        rows = [
            (
                "finance.disbursement",
                f"R-{i}",
                "court",
                json.dumps({"i": i, "名": "界石镇"}),
                "f",
                i,
                0,
            )
            for i in range(10)
        ]
        assert box.add_rows(rows) == (10, 0)
        assert box.add_rows(rows[8:] + [rows[0][:1] + ("R-new",) + rows[0][2:]]) == (1, 2)
        stored = box.unsent_records(limit=100)
        assert [r.record_id for r in stored] == [f"R-{i}" for i in range(10)] + ["R-new"]
        for record, row in zip(stored, rows, strict=False):
            assert record.raw == row[3].encode() and record.text == row[3]
            assert record.body == json.loads(row[3]) and record.signed is False
        ids = [r.id for r in stored]
        box.mark_records_sent(ids[2:5], "consecutive")  # a range
        box.mark_records_sent([ids[9], ids[7]], "gap")  # not a range: these two only
        box.mark_records_sent([ids[6], ids[6]], "twice")  # 2 ids spanning 1: not a range
        left = [r.record_id for r in box.unsent_records(limit=100)]
        assert left == ["R-0", "R-1", "R-5", "R-8", "R-new"]
        sent = dict(box.db.execute("SELECT record_id, batch_id FROM records WHERE sent_at > 0"))
        assert sent == {
            "R-2": "consecutive",
            "R-3": "consecutive",
            "R-4": "consecutive",
            "R-6": "twice",
            "R-7": "gap",
            "R-9": "gap",
        }


def test_csv_line_the_csv_module_refuses_is_one_bad_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3," + "x" * 140_000 + '\n4,5\n"6\n7",8\n', encoding="utf-8")
    table = read_table(path)
    assert [(type(r).__name__, r.line, r.raw) for r in table.rows] == [
        ("Row", 2, "1,2"),
        ("RowError", 3, ""),
        ("Row", 4, "4,5"),
        ("Row", 5, '"6\n7",8'),
    ]
    assert table.rows[1].reason.startswith("CSV 行无法解析：")


@pytest.mark.parametrize(
    "part, whole",
    [(1_050_000, 1_000_000), (1234.5, 1_000_000), (3, 7), (1.1, 0.3), (0, 5), (10**19, 7), (5, 0)],
)
def test_finance_ratio_as_before(part, whole):
    from decimal import Decimal

    from adapters.finance.mapping import _ratio

    before = (
        None
        if not whole
        else float((Decimal(str(part)) * 100 / Decimal(str(whole))).quantize(Decimal("0.01")))
    )
    assert _ratio(part, whole) == before
