"""Array literals for bulk writes: every element quoted, NULL only for None (runtime.pgarray).
PostgreSQL itself reads them back in tests/integration/sharing/test_sharing_store_values.py."""

from datetime import UTC, datetime

from runtime.pgarray import array_literal


def test_plain_values_are_quoted_one_by_one():
    assert array_literal(["a", "b c", ""]) == '{"a","b c",""}'


def test_quotes_and_backslashes_are_escaped_and_structure_characters_stay_inside_quotes():
    values = ['say "hi"', "C:\\dir\\", "{1,2}", "a,b", "NULL", "多 字节"]
    assert array_literal(values) == (
        '{"say \\"hi\\"","C:\\\\dir\\\\","{1,2}","a,b","NULL","多 字节"}'
    )


def test_none_is_null_and_the_others_are_still_escaped():
    assert array_literal([None, 'x"y', None]) == '{NULL,"x\\"y",NULL}'


def test_the_column_wide_escape_gives_what_escaping_each_element_gives():
    values = ['a"b', "c\\d", "e"]
    with_null = array_literal([*values, None])
    assert with_null == array_literal(values)[:-1] + ",NULL}"


def test_numbers_and_timestamps_take_their_text_form():
    at = datetime(2025, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
    assert array_literal([1, 20]) == '{"1","20"}'
    assert array_literal([at]) == '{"2025-03-01T08:30:00.123456+00:00"}'


def test_an_empty_column_is_an_empty_array():
    assert array_literal([]) == "{}"


def test_a_value_holding_nul_keeps_its_own_element():
    # the column-wide pass joins on NUL; such a value must not split into two elements
    assert array_literal(["a\x00b", "c"]) == '{"a\x00b","c"}'
