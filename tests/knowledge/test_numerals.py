"""Chinese numerals, read and written in one place."""

from __future__ import annotations

import pytest

from knowledge.numerals import small_chinese, to_chinese, to_int


@pytest.mark.parametrize("number", range(100))
def test_small_numbers_round_trip(number: int) -> None:
    assert small_chinese(to_chinese(number)) == number


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3), ("十二", 12), ("两", 2), ("二十一", 21), ("一百零五", 105), ("0", None), ("1000", None)],
)
def test_to_int_reads_both_scripts_and_refuses_what_no_plan_numbers(text: str, value: int | None) -> None:
    assert to_int(text) == value


@pytest.mark.parametrize("text", ["", "十十", "零五", "二三", "abc", "三点五"])
def test_small_chinese_refuses_what_is_not_one_number(text: str) -> None:
    assert small_chinese(text) is None
