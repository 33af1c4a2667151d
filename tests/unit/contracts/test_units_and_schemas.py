"""The unit registry comes from config; schemas answer in Chinese, naming each field."""

import pytest

from contracts.errors import ValidationFailed
from contracts.schemas import planning as s
from contracts.schemas.base import load
from contracts.units import Registry, registry
from runtime.config import load_config


def test_the_default_registry_is_the_product_table():
    reg = registry()
    assert reg.coordinating()[:1] == ["npc"] or "npc" in reg.coordinating()
    assert set(reg.ids("agency")) == {"cdi", "plc", "inspection", "audit", "finance", "statistics"}
    assert {"court", "procuratorate", "agriculture", "ecology", "rural"} <= set(reg.supervised())
    assert reg.name("cdi") == "区纪委监委机关"


def test_adding_an_agency_is_a_config_entry(tmp_path, monkeypatch):
    text = (load_config.__globals__["DEFAULT_CONFIG"]).read_text(encoding="utf-8")
    text = text.replace(
        "units:\n",
        "units:\n  - {id: tax, name: 区税务局, kind: agency, supervision_type: 税务监督}\n",
        1,
    )
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    reg = Registry(load_config(path)["units"])
    assert "tax" in reg.ids("agency") and reg.name("tax") == "区税务局"


def test_bad_input_names_every_field_in_chinese():
    with pytest.raises(ValidationFailed) as e:
        load(
            s.ProposalIn(),
            {"year": "明年", "title": "x" * 500, "concern_source": "x", "surprise": 1},
        )
    fields = e.value.fields
    assert fields["year"] == ["应为整数"]
    assert "长度" in fields["title"][0]
    assert "取值应为以下之一" in fields["concern_source"][0]
    assert fields["rationale"] == ["必填字段缺失"]
    assert fields["surprise"] == ["不允许的字段"]


def test_units_must_be_in_the_registry():
    with pytest.raises(ValidationFailed) as e:
        load(
            s.ItemIn(),
            {
                "title": "事项",
                "form": "joint_supervision",
                "lead_unit": "nowhere",
                "participating_units": ["cdi", "mars"],
                "key": True,
            },
        )
    assert e.value.fields["lead_unit"] == ["未知单位：nowhere"]
    assert e.value.fields["participating_units.1"] == ["未知单位：mars"]  # names the element


def test_a_non_object_body_is_refused_clearly():
    with pytest.raises(ValidationFailed) as e:
        load(s.PlanIn(), ["not", "an", "object"])
    assert e.value.fields


@pytest.mark.parametrize("value", [1, 0, "true", "yes"])
def test_flags_take_json_booleans_only(value):
    with pytest.raises(ValidationFailed) as e:
        load(
            s.ItemIn(),
            {
                "title": "事项",
                "form": "joint_supervision",
                "lead_unit": "cdi",
                "participating_units": ["audit"],
                "key": value,
            },
        )
    assert e.value.fields["key"] == ["应为布尔值 (true/false)"]
