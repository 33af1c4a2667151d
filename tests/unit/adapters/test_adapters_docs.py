"""docs/ADAPTERS.md describes the formats the adapters really accept."""

from adapters.docs import ROOT, render


def test_the_adapters_guide_is_generated_from_the_current_mappings():
    written = (ROOT / "docs" / "ADAPTERS.md").read_text(encoding="utf-8")
    assert written == render(), "run: .venv/bin/python -m adapters.docs > docs/ADAPTERS.md"


def test_every_agency_and_kind_is_documented():
    text = render()
    for kind in (
        "audit.finding",
        "finance.disbursement",
        "finance.budget_execution",
        "statistics.indicator",
        "plc.case_quality",
        "plc.petition",
        "inspection.feedback",
        "cdi.case_concluded",
    ):
        assert f"`{kind}`" in text
    assert "乡村振兴衔接资金拨付台账" in text and "拨付日期" in text
