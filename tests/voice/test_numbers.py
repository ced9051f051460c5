"""voice.numbers.cardinal reads quantities as cn2an does, without importing it."""

from __future__ import annotations

import re

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from voice.numbers import cardinal


def _cn2an(number: str) -> str:
    return re.sub(r"^二(?=[千万亿])", "两", cn2an.an2cn(number, "low"))


def _skips_a_zero_group(number: str) -> bool:
    """cn2an drops the 零 for a whole group of four zeros between 亿 and the units (see below)."""
    whole = number.split(".")[0].lstrip("0")
    return len(whole) > 8 and whole[-8:-4] == "0000" and int(whole[-4:]) > 0


@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_integers_read_as_cn2an_reads_them(n: int) -> None:
    number = str(n)
    if not _skips_a_zero_group(number):
        assert cardinal(number) == _cn2an(number)


@given(st.integers(min_value=0, max_value=99_999), st.integers(min_value=0, max_value=9_999))
def test_decimals_read_as_cn2an_reads_them(whole: int, fraction: int) -> None:
    number = f"{whole}.{fraction}"
    assert cardinal(number) == _cn2an(number)


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        ("622700008091", "六千二百二十七亿零八千零九十一"),  # cn2an: 六千二百二十七亿八千零九十一
        ("100000001", "一亿零一"),
        ("1000000000000", "一万亿"),
        ("10742.3", "一万零七百四十二点三"),
        ("25866", "两万五千八百六十六"),
        ("12345678901234567", "一二三四五六七八九〇一二三四五六七"),  # too long for a quantity
    ],
)
def test_numbers_cn2an_gets_wrong_or_cannot_read(number: str, spoken: str) -> None:
    assert cardinal(number) == spoken
