"""Early warnings raised as records arrive, explained, and turned into a lead by the leads service."""

import pytest
from sharing_support import SAMPLES, canonical

from contracts.errors import NotFound, RuleViolation

pytestmark = pytest.mark.integration

DISBURSEMENTS = SAMPLES["finance"] / "乡村振兴衔接资金拨付台账_2025.csv"
AUDIT = SAMPLES["audit"] / "审计发现问题清单_2025.xlsx"
PETITIONS = SAMPLES["plc"] / "信访投诉登记表_2025.csv"


def _warnings(bus, person="office", **query):
    return bus.call(person, "list_warnings", {"limit": 100, **query})


def _funds_warning(bus, person="office"):
    found = [w for w in _warnings(bus, person)["items"] if w["rule"] == "funds_outpace_progress"]
    return found[0] if len(found) == 1 else None


def test_rural_funds_ahead_of_progress_raise_one_explained_warning_with_the_audit_finding(bus):
    bus.ingest("audit", AUDIT)  # the audit finding first: the warning must still pick it up
    bus.ingest("finance", DISBURSEMENTS)
    bus.wait_records(16)
    warning = bus.wait(
        lambda: (w := _funds_warning(bus)) and len(w["records"]) >= 4 and w,
        what="the rural-funds warning with its evidence",
    )
    assert warning["subject"] == "town-jieshi" and warning["status"] == "open"
    assert warning["facts"]["project_id"] == "XC2025-001"
    assert warning["facts"]["disbursed_percent"] == 85.0
    assert warning["facts"]["progress_percent"] == 35.0
    assert "85%" in warning["explanation"] and "35%" in warning["explanation"]
    assert "规则" in warning["explanation"] and warning["rule_name"]
    kept = {(r["source_unit"], r["record_id"], r["role"]) for r in warning["records"]}
    assert {
        ("finance", "CZBF-2025-0342", "trigger"),
        ("finance", "CZBF-2025-0215", "trigger"),
        ("audit", "SJ2025-001", "evidence"),
    } <= kept
    # other projects keep pace (or are not rural-revitalisation funds): no warning for them
    assert [w["subject"] for w in _warnings(bus)["items"]] == ["town-jieshi"]

    # who may read the disbursements reads the warning; the others do not know it exists
    assert _funds_warning(bus, "cdi-liaison")["id"] == warning["id"]
    assert _warnings(bus, "plc-liaison")["total"] == 0
    assert _warnings(bus, "court-reporter")["total"] == 0
    with pytest.raises(NotFound):
        bus.call("plc-liaison", "get_warning", {"id": warning["id"]})

    # the project's next disbursement arrives: the same warning, not a second one
    bus.publish(
        "finance.disbursement",
        {
            "records": [
                bus.sign(
                    "finance",
                    canonical(
                        "CZBF-2025-0399",
                        amount=300000,
                        allocated_amount=3000000,
                        disbursed_amount=2850000,
                        disbursed_percent=95.0,
                        progress_percent=40,
                        project_id="XC2025-001",
                        project_name="界石镇高标准农田建设项目",
                        fund="中央财政衔接推进乡村振兴补助资金",
                    ),
                )
            ]
        },
    )
    again = bus.wait(
        lambda: (w := _funds_warning(bus)) and w["facts"]["disbursed_percent"] == 95.0 and w,
        what="the warning brought up to date",
    )
    assert again["id"] == warning["id"]


def test_a_spike_of_petitions_about_one_subject_is_a_warning(bus):
    bus.ingest("plc", PETITIONS)
    bus.wait_records(9)
    spike = bus.wait(
        lambda: [w for w in _warnings(bus)["items"] if w["rule"] == "petition_spike"],
        what="petition spike",
    )
    assert len(spike) == 1
    warning = spike[0]
    assert warning["subject"] == "court" and warning["facts"]["count"] == 6
    assert {r["record_id"] for r in warning["records"]} == {
        "XF2025-0102",
        "XF2025-0108",
        "XF2025-0115",
        "XF2025-0121",
        "XF2025-0127",
        "XF2025-0133",
    }
    assert "6 件" in warning["explanation"]
    assert _warnings(bus, "plc-liaison")["total"] == 1
    assert _warnings(bus, "audit-liaison")["total"] == 0  # audit may not read petitions


def test_a_warning_becomes_a_lead_for_cdi_once(platform, bus):
    from services.leads.service import LeadsService

    platform.start(LeadsService)
    bus.ingest("finance", DISBURSEMENTS)
    warning = bus.wait(lambda: _funds_warning(bus), what="the rural-funds warning")
    with pytest.raises(Exception) as bad:
        bus.call("office", "warning_to_lead", {"id": warning["id"], "to_unit": "court"})
    assert getattr(bad.value, "fields", {}).get("to_unit")
    from contracts.errors import Forbidden

    with pytest.raises(Forbidden):
        bus.call("leader", "warning_to_lead", {"id": warning["id"], "to_unit": "cdi"})
    with pytest.raises(NotFound):  # plc may not read disbursements: the warning is not there
        bus.call("plc-liaison", "warning_to_lead", {"id": warning["id"], "to_unit": "cdi"})

    lead = bus.call("audit-liaison", "warning_to_lead", {"id": warning["id"], "to_unit": "cdi"})
    assert lead["subject"] == "town-jieshi" and lead["category"] == "funds"
    assert lead["holder_unit"] == "cdi" and lead["status"] == "transferred"
    assert lead["origin"] == {"kind": "warning", "id": warning["id"]}
    converted = bus.call("office", "get_warning", {"id": warning["id"]})
    assert converted["status"] == "converted" and converted["lead_id"] == lead["id"]
    with pytest.raises(RuleViolation) as twice:
        bus.call("office", "warning_to_lead", {"id": warning["id"], "to_unit": "cdi"})
    assert twice.value.code == "warning_already_converted"
    # the lead is cdi's and audit's to know about; plc does not see it
    assert platform.call("cdi-liaison", "leads", "get_lead", {"id": lead["id"]})["id"]
    with pytest.raises(NotFound):
        platform.call("plc-liaison", "leads", "get_lead", {"id": lead["id"]})
    links = bus.call("office", "links", {"kind": "warning", "id": warning["id"]})
    assert {"kind": "lead", "id": lead["id"]} in links["links"]


def test_a_warning_whose_lead_cannot_be_made_stays_open(bus):
    """The leads service is not running: the caller hears so, the warning is not lost."""
    bus.ingest("finance", DISBURSEMENTS)
    warning = bus.wait(lambda: _funds_warning(bus), what="the rural-funds warning")
    with pytest.raises(Exception) as down:
        bus.call("office", "warning_to_lead", {"id": warning["id"], "to_unit": "cdi"})
    assert getattr(down.value, "code", None) == "service_unavailable"
    assert bus.call("office", "get_warning", {"id": warning["id"]})["status"] == "open"
