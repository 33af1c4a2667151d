"""2025: the six agencies' sample exports go through their adapters onto the bus, as an agency
would send them; the rural-fund disbursements and the audit finding raise the early warning,
which becomes a lead transferred to cdi. Two broken exports show the quarantine."""

import time
from pathlib import Path

from cosupervise.demo.client import ApiError

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "adapters"
# the order an integrator would meet them in: money first, then what the others found
FILES = [
    ("finance", "乡村振兴衔接资金拨付台账_2025.csv"),
    ("finance", "预算执行情况表_2025年6月.csv"),
    ("audit", "审计发现问题清单_2025.xlsx"),
    ("inspection", "巡察反馈问题清单_2025.xlsx"),
    ("plc", "案件质量评查台账_2025.csv"),
    ("plc", "信访投诉登记表_2025.csv"),
    ("cdi", "已结案件信息表_2025.csv"),
    ("statistics", "统计指标数据表_2025年上半年.csv"),
    ("statistics", "统计指标_2025年三季度.jsonl"),
    # exports with mistakes in them: their bad lines land in each agency's quarantine
    ("finance", "broken/拨付台账_含错误行.csv"),
    ("plc", "broken/信访投诉登记表_含错误行.csv"),
]
WAIT_SECONDS = 90


def ingest_samples() -> list:
    """Every sample through its agency's adapter (read, map, sign, outbox, publish)."""
    from adapters.sdk import get_adapter
    from adapters.sdk.ingest import ingest_file

    reports = []
    for agency, name in FILES:
        report = ingest_file(
            get_adapter(agency), SAMPLES / agency / "samples" / name, retry_seconds=30
        )
        if report.error:
            raise RuntimeError(f"演示数据导入失败 {agency} {name}: {report.error}")
        reports.append(report)
    return reports


def _wait(what, check):
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"演示数据未在 {WAIT_SECONDS} 秒内就绪：{what}")
        time.sleep(0.5)


def load(api, story: dict) -> None:
    reports = ingest_samples()
    expected = sum(r.accepted for r in reports)
    _wait(
        f"{expected} 条共享数据",
        lambda: api.get("office", "/api/v1/records?limit=1")["total"] >= expected,
    )

    def rural_warning():
        for w in api.get("office", "/api/v1/warnings?limit=100")["items"]:
            sources = {r["source_unit"] for r in w["records"]}
            if (
                w["rule"] == "funds_outpace_progress"
                and w["subject"] == "town-jieshi"
                and {"finance", "audit"} <= sources
            ):
                return w
        return None

    warning = _wait("乡村振兴资金预警", rural_warning)
    story["rural_warning"] = warning
    if warning["status"] != "open":
        return
    try:
        lead = api.post(
            "audit-liaison",
            f"/api/v1/warnings/{warning['id']}/to-lead",
            {
                "to_unit": "cdi",
                "reason": "衔接资金拨付进度与工程进度严重不符，"
                "涉嫌虚报进度套取资金，移送纪委监委核查",
            },
        )
    except ApiError as exc:
        if exc.status == 503:  # the leads service is not part of this installation
            return
        raise
    story["warning_lead"] = lead
