"""Every reference adapter maps its agency's sample exports; broken rows go to quarantine."""

from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.sdk import get_adapter
from adapters.sdk.ingest import process_file
from adapters.sdk.outbox import Outbox
from adapters.sdk.publisher import _manifest_for
from adapters.sdk.readers import FileUnreadable
from contracts.records import kind_allowed, verify_manifest, verify_manifest_record


@pytest.fixture
def outbox(tmp_path):
    with Outbox(tmp_path / "outbox.db") as box:
        yield box


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def ingest(agency, path, outbox, key):
    report = process_file(get_adapter(agency), path, outbox, key)
    rows = outbox.unsent_records(limit=10_000)
    return report, {r.body["record_id"]: r.body for r in rows}


def only(samples, agency, pattern):
    [path] = sorted(samples[agency].glob(pattern))
    return path


# (agency, file glob, kind, rows) — every good sample, all rows accepted
GOOD = [
    ("finance", "乡村振兴衔接资金拨付台账_2025.csv", "disbursement", 11),
    ("finance", "预算执行情况表_2025年6月.csv", "budget_execution", 6),
    ("plc", "案件质量评查台账_2025.csv", "case_quality", 6),
    ("plc", "信访投诉登记表_2025.csv", "petition", 9),
    ("audit", "审计发现问题清单_2025.xlsx", "finding", 5),
    ("inspection", "巡察反馈问题清单_2025.xlsx", "feedback", 5),
    ("cdi", "已结案件信息表_2025.csv", "case_concluded", 4),
    ("statistics", "统计指标数据表_2025年上半年.csv", "indicator", 9),
    ("statistics", "统计指标_2025年三季度.jsonl", "indicator", 3),
]


@pytest.mark.parametrize("agency, pattern, kind, count", GOOD)
def test_good_samples_map_completely_and_verify(samples, outbox, key, agency, pattern, kind, count):
    report, records = ingest(agency, only(samples, agency, pattern), outbox, key)
    assert (report.read, report.accepted, report.new, report.quarantined) == (
        count,
        count,
        count,
        0,
    )
    assert len(records) == count
    # kept unsigned; the manifest the publisher signs over them vouches for each one
    rows = outbox.unsent_records(limit=10_000)
    assert not any(r.signed for r in rows)
    manifest = _manifest_for(rows, type("P", (), {"private_key": key})(), agency)
    digests = verify_manifest(manifest, len(rows), agency, {agency: key.public_key()})
    for position, row in enumerate(rows):
        verified, _ = verify_manifest_record(row.body, digests[position], manifest["key_id"])
        assert verified["source_unit"] == agency
    for body in records.values():
        assert body["type"] == f"{agency}.{kind}" and kind_allowed(agency, body["type"])
        assert body["occurred_at"].startswith("2025-") and body["occurred_at"].endswith("+08:00")


def test_finance_disbursement_fields_for_the_rural_funds_warning(samples, outbox, key):
    _, records = ingest("finance", only(samples, "finance", "乡村振兴*"), outbox, key)
    latest = records["CZBF-2025-0342"]
    assert latest["subject"] == "town-jieshi"
    assert latest["data"] == {
        "project_id": "XC2025-001",
        "project_name": "界石镇高标准农田建设项目",
        "fund": "中央财政衔接推进乡村振兴补助资金",
        "allocated_amount": 3000000,
        "amount": 450000,
        "disbursed_amount": 2550000,
        "progress_percent": 35,
        "disbursed_percent": 85.0,
        "note": "施工单位申请提前支付",
    }
    # The story: exactly one project is mostly disbursed (>= 80%) while lagging (<= 40%).
    latest_by_project = {}
    for body in sorted(records.values(), key=lambda b: b["occurred_at"]):
        latest_by_project[body["data"]["project_id"]] = body["data"]
    lagging = [
        p
        for p, d in latest_by_project.items()
        if d["disbursed_percent"] >= 80 and d["progress_percent"] <= 40
    ]
    assert lagging == ["XC2025-001"]
    subjects = {b["subject"] for b in records.values()}
    assert {"rural", "agriculture", "town-jieshi", "town-mudong", "town-yudong"} <= subjects


def test_budget_execution_ids_are_derived_and_stable(samples, outbox, key):
    _, records = ingest("finance", only(samples, "finance", "预算执行*"), outbox, key)
    body = records["BE-rural-2130505-2025-6"]
    assert body["data"]["execution_percent"] == pytest.approx(44.23)  # 2.3M of adjusted 5.2M
    assert records["BE-agriculture-2130106-2025-6"]["data"]["execution_percent"] == 36.11


def test_petition_spike_about_the_court(samples, outbox, key):
    _, records = ingest("plc", only(samples, "plc", "信访*"), outbox, key)
    court = sorted(
        datetime.fromisoformat(b["occurred_at"])
        for b in records.values()
        if b["subject"] == "court"
    )
    best = max(sum(1 for t in court if start <= t < start + timedelta(days=30)) for start in court)
    assert best >= 5
    assert records["XF2025-0102"]["data"]["channel"] == "visit"
    assert records["XF2025-0121"]["data"]["channel"] == "hotline"


def test_audit_findings_about_rural_funds_link_to_projects(samples, outbox, key):
    _, records = ingest("audit", only(samples, "audit", "*.xlsx"), outbox, key)
    first = records["SJ2025-001"]
    assert first["subject"] == "town-jieshi"
    assert first["data"]["category"] == "disbursement_progress_mismatch"
    assert first["data"]["project_id"] == "XC2025-001"
    assert first["data"]["rectify_by"] == "2025-10-31T00:00:00+08:00"
    assert sum(1 for b in records.values() if b["data"].get("fund") == "乡村振兴衔接资金") >= 3
    assert "amount" not in records["SJ2025-004"]["data"]  # blank optional cell: absent


def test_cdi_inspection_statistics_details(samples, outbox, key):
    _, cdi = ingest("cdi", only(samples, "cdi", "*.csv"), outbox, key)
    assert cdi["JW2025-011"]["data"]["outcome"] == "party_and_government_sanction"
    assert cdi["JW2025-011"]["data"]["official_id"] == "GZ-2025-0417"
    assert cdi["JW2025-011"]["occurred_at"] == "2025-06-16T00:00:00+08:00"
    _, feedback = ingest("inspection", only(samples, "inspection", "*.xlsx"), outbox, key)
    assert feedback["XCFK-2025-02-02"]["subject"] == "town-jieshi"
    _, stats = ingest("statistics", only(samples, "statistics", "*.csv"), outbox, key)
    assert stats["IND-E0702-court-2025H1"]["data"]["value"] == 46.8
    _, quality = ingest("plc", only(samples, "plc", "案件*"), outbox, key)
    assert quality["PC2025-001"]["data"]["grade"] == "unqualified"
    assert quality["PC2025-001"]["subject"] == "court"


# (agency, broken file, [(line, code)...], good rows accepted)
BROKEN = [
    (
        "finance",
        "拨付台账_含错误行.csv",
        [
            (3, "wrong_type"),
            (4, "wrong_type"),
            (5, "missing_field"),
            (6, "unknown_subject"),
            (7, "wrong_type"),
            (8, "wrong_type"),
        ],
        1,
    ),
    (
        "plc",
        "信访投诉登记表_含错误行.csv",
        [
            (3, "missing_field"),
            (4, "wrong_type"),
            (5, "unknown_subject"),
            (6, "wrong_type"),
            (7, "malformed"),
            (8, "wrong_type"),
        ],
        1,
    ),
    (
        "audit",
        "审计发现问题清单_含错误行.xlsx",
        [(3, "missing_field"), (4, "wrong_type"), (5, "wrong_type"), (6, "wrong_type")],
        1,
    ),
    (
        "inspection",
        "巡察反馈问题清单_含错误行.xlsx",
        [(3, "missing_field"), (4, "wrong_type"), (5, "wrong_type")],
        1,
    ),
    (
        "cdi",
        "已结案件信息表_含错误行.csv",
        [(3, "missing_field"), (4, "wrong_type"), (5, "wrong_type")],
        1,
    ),
    (
        "statistics",
        "统计指标_含错误行.jsonl",
        [
            (2, "malformed"),
            (3, "kind_not_allowed"),
            (4, "schema_invalid"),
            (5, "schema_invalid"),
            (6, "too_large"),
            (7, "kind_not_allowed"),
            (8, "malformed"),
        ],
        1,
    ),
]


@pytest.mark.parametrize("agency, name, expected, good", BROKEN)
def test_broken_samples_quarantine_each_bad_row_and_keep_the_good(
    samples, outbox, key, agency, name, expected, good
):
    report, records = ingest(agency, samples[agency] / "broken" / name, outbox, key)
    assert [(q["line"], q["code"]) for q in report.quarantine] == expected
    assert all(q["reason"] for q in report.quarantine)
    assert report.accepted == len(records) == good
    assert outbox.pending_counts()["quarantine"] == len(expected)
    [(_, entry)] = outbox.unsent_quarantine(limit=1)
    assert entry["raw"] and entry["file"] == name


def test_another_agencys_kind_is_quarantined_with_its_type(samples, outbox, key):
    report, _ = ingest(
        "statistics", samples["statistics"] / "broken" / "统计指标_含错误行.jsonl", outbox, key
    )
    stored = dict(outbox.unsent_quarantine(limit=100))
    foreign = [e for e in stored.values() if e["code"] == "kind_not_allowed"]
    assert {e["type"] for e in foreign} == {"audit.finding", "statistics.unknown_kind"}
    assert "SJ-FAKE-001" in {e["record_id"] for e in foreign}


def test_unknown_header_is_a_file_error_and_is_quarantined(tmp_path, outbox, key):
    path = tmp_path / "wrong.csv"
    path.write_text("编号,名称\n1,x\n", encoding="utf-8")
    with pytest.raises(FileUnreadable, match="缺少列"):
        process_file(get_adapter("finance"), path, outbox, key)
    [(_, entry)] = outbox.unsent_quarantine()
    assert entry["code"] == "unknown_format"


def test_csv_with_a_reordered_and_aliased_header_still_maps(tmp_path, outbox, key):
    path = tmp_path / "cdi.csv"
    path.write_text(
        "结案日期,案件编号,处理结果,案由,被审查调查人编号,所在单位,涉案金额(元)\n"
        "2025/7/1,JW-9,组织处理,测试,GZ-1,区人民检察院,1万\n",
        encoding="utf-8",
    )
    report = process_file(get_adapter("cdi"), path, outbox, key)
    assert report.accepted == 1
    [row] = outbox.unsent_records()
    assert row.body["subject"] == "procuratorate" and row.body["data"]["amount"] == 10000
