"""The public copy of a circular never lets a marked string through."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import RuleViolation
from services.rectification import redaction


def circular(**kw):
    base = {
        "id": "circ-abc234",
        "number": "巴南人办发〔2025〕1号",
        "title": "关于王建国同志整改不力问题的通报",
        "body": "界石镇王建国（电话 13800138000）对河道垃圾整改敷衍塞责。王建国已作检查。",
        "nature": "negative_case",
        "issued_at": "2025-07-01T10:00:00+08:00",
        "published_at": "2025-07-02T09:00:00+08:00",
        "redact": ["13800138000"],
        "names": ["王建国"],
    }
    base.update(kw)
    return base


def test_names_become_surname_and_mou_and_marked_strings_become_blocks():
    out = redaction.redact_text("王建国（电话 13800138000）", ["13800138000"], ["王建国"])
    assert out == "王某（电话 ■■■■■■■■■■■）"
    assert redaction.mask_name("欧阳娜娜") == "欧阳某"
    assert redaction.mask_name("张三") == "张某"
    assert redaction.mask_name("John Smith") == "■" * 10


def test_matching_ignores_case_and_overlaps_merge():
    assert (
        redaction.redact_text("Case ABC-123 and abc-123", ["abc-123"]) == "Case ■■■■■■■ and ■■■■■■■"
    )
    # overlapping marks cover their union, no character of either survives
    assert redaction.redact_text("甲乙丙丁", ["甲乙丙", "乙丙丁"]) == "■■■■"


def test_a_mask_that_would_spell_another_marked_string_masks_everything():
    # 张三 → 张某 would reveal the marked "张某": then names are blocked out too
    out = redaction.redact_text("张三和张某", ["张某"], ["张三"])
    assert out == "■■和■■"


def test_the_public_copy_masks_every_field_but_the_id_and_leaves_out_internal_ones():
    copy = redaction.public_copy(circular(), issuer="巴南区人大常委会办公室")
    assert set(copy) == {
        "id",
        "number",
        "title",
        "body",
        "nature",
        "issuer",
        "issued_on",
        "published_at",
    }
    assert copy["title"] == "关于王某同志整改不力问题的通报"
    assert copy["issued_on"] == "2025-07-01"
    text = json.dumps(copy, ensure_ascii=False)
    assert "王建国" not in text and "13800138000" not in text and "redact" not in text
    # a marked date is masked in the metadata as well
    dated = redaction.public_copy(circular(redact=["2025-07"]), issuer="办公室")
    assert "2025-07" not in json.dumps(dated, ensure_ascii=False)


def test_a_marked_string_that_cannot_be_hidden_is_refused_not_published():
    for impossible in (["circ"], ["items"], ["title"]):  # in the id or a field name
        with pytest.raises(RuleViolation) as e:
            redaction.public_copy(circular(redact=impossible), issuer="办公室")
        assert e.value.code == "redaction_incomplete"


_TEXT = st.text(alphabet="王建国张三李四某■abcAB12 、。（）", max_size=60)
_TERMS = st.lists(st.text(alphabet="王建国张三李四某abAB12", min_size=2, max_size=4), max_size=4)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, redact=_TERMS, names=_TERMS)
def test_no_marked_string_survives_any_text(text, redact, names):
    out = redaction.redact_text(text, redact, names)
    assert len(out) <= len(text)
    for term in [*redact, *names]:
        assert term.casefold() not in out.casefold()
