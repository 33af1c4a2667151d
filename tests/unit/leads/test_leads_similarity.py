"""Duplicate detection on Chinese text: character bigrams, not whitespace words."""

import pytest

from services.leads.similarity import THRESHOLD, bigrams, normalize, resembling, similarity

CLUE = "界石镇产业路项目资金已拨付 92%，实际工程进度仅 35%，存在提前拨付、虚报进度嫌疑。"

NEAR = [
    # reworded, reordered, full-width digits, the finding's title in front
    "界石镇产业路项目衔接资金拨付92%，但工程实际只完成35%，疑似虚报进度、提前拨付。",
    "产业路项目（界石镇）工程进度仅35%，资金却已拨付92%，有虚报进度提前拨付的嫌疑",
    "界石镇产业路项目资金已拨付９２％，实际工程进度仅３５％，存在提前拨付、虚报进度嫌疑",
    "界石镇衔接资金项目拨付进度与建设进度严重不符：" + CLUE,
    "界石镇产业路项目资金拨付与工程进度严重不符，疑似虚报进度",
]
DIFFERENT = [
    # the same town and stock phrases, another clue
    "界石镇某村党支部书记违规领取乡村振兴衔接资金补贴，数额较大。",
    "界石镇2024年衔接资金项目绩效目标未完成，部分项目闲置。",
    "界石镇产业路项目存在围标串标嫌疑，中标单位与村干部有利害关系。",
    "反映界石镇村道硬化工程质量差、偷工减料，群众多次信访。",
    "一品河部分河段垃圾清运整改销号后再次出现堆积。",
]


@pytest.mark.parametrize("text", NEAR)
def test_rewordings_of_one_clue_are_flagged(text):
    assert similarity(CLUE, text) >= THRESHOLD


@pytest.mark.parametrize("text", DIFFERENT)
def test_other_clues_about_the_same_subject_are_not(text):
    assert similarity(CLUE, text) < THRESHOLD


def test_chinese_without_spaces_is_not_one_big_word():
    # split on whitespace, both texts would be a single different "word" and share nothing
    a, b = "乡村振兴衔接资金被挪用于村委会办公楼装修", "衔接资金被挪用于装修村委会办公楼"
    assert a.split() != b.split() and len(a.split()) == len(b.split()) == 1
    assert similarity(a, b) >= THRESHOLD


def test_normalisation_and_edge_cases():
    assert normalize("ＡＢ，c d！") == "abcd"
    assert bigrams("界") == {"界": 1}
    assert similarity("", CLUE) == 0.0 and similarity("，。", "！") == 0.0
    assert similarity(CLUE, CLUE) == 1.0
    assert similarity(CLUE, NEAR[0]) == similarity(NEAR[0], CLUE)


def test_resembling_ranks_best_first_and_drops_the_rest():
    found = resembling(CLUE, [(i, t) for i, t in enumerate(NEAR[:2] + DIFFERENT + [CLUE])])
    keys = [k for k, _ in found]
    assert keys[0] == len(NEAR[:2] + DIFFERENT)  # the identical text first
    assert set(keys) == {0, 1, keys[0]}
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
