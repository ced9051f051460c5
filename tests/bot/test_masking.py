"""Personal numbers are masked however they are written, by one function, before anything is kept.

Property tests: any mobile or ID-card number, in ASCII, full-width or Chinese numerals, cut into groups of
any size joined by spaces, dashes, dots or slashes, inside any text, comes out masked; text without such a
number comes out unchanged; masking twice changes nothing more.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import (
    ID_CARD,
    MOBILE,
    NAME,
    NUMBER,
    anonymise,
    find_personal_numbers,
    has_personal_numbers,
    mask_personal_numbers,
    strip_names,
)

CHINESE = {
    "0": "〇零",
    "1": "一幺壹",
    "2": "二两贰",
    "3": "三叁",
    "4": "四肆",
    "5": "五伍",
    "6": "六陆",
    "7": "七柒",
    "8": "八捌",
    "9": "九玖",
}
SEPARATORS = [" ", "-", ".", "·", "－", "\u3000", "/", "_", "—", "\u00a0"]
WORDS = st.text(alphabet="请问我的电话号码是身份证能办理残疾人护理补贴吗，。？！ abcXYZ:（）", max_size=12)


def styled(digit: str, style: int) -> str:
    if digit in "Xx":
        return digit
    if style == 0:
        return digit
    if style == 1:
        return chr(ord(digit) - ord("0") + ord("０"))
    return CHINESE[digit][style % len(CHINESE[digit])]


@st.composite
def written(draw, digits: str) -> str:
    """`digits` as a person might type them: mixed styles, cut into groups, any separators (an ID-card
    number's closing X stays with the digit before it)."""
    check = digits[-1] if digits[-1] in "Xx" else ""
    digits = digits.removesuffix(check)
    out, i = [], 0
    while i < len(digits):
        size = draw(st.integers(1, 6))
        group = digits[i : i + size]
        out.append("".join(styled(d, draw(st.integers(0, 4))) for d in group))
        i += size
    out[-1] += check
    joined = out[0]
    for group in out[1:]:
        joined += draw(st.sampled_from(SEPARATORS)) + group
    return joined


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)
ids = st.builds(
    lambda body, last: body + last,
    st.text("0123456789", min_size=17, max_size=17),
    st.sampled_from("0123456789Xx"),
)


def ascii_digits(text: str) -> str:
    """Every digit in `text` as ASCII, whatever its form (what someone reading the log could recover)."""
    table = {c: d for d, chars in CHINESE.items() for c in chars}
    folded = (table.get(c) or unicodedata.normalize("NFKC", c) for c in text)
    return "".join(c for c in folded if c.isdigit() or c in "Xx")


@settings(max_examples=300, deadline=None)
@given(number=mobiles.flatmap(lambda n: st.tuples(st.just(n), written(n))), before=WORDS, after=WORDS)
def test_a_mobile_number_written_any_way_is_masked(number, before, after):
    digits, typed = number
    masked = mask_personal_numbers(f"{before}{typed}{after}")
    assert MOBILE in masked
    assert digits not in ascii_digits(masked)
    assert masked.startswith(before) and masked.endswith(after)


@settings(max_examples=300, deadline=None)
@given(number=ids.flatmap(lambda n: st.tuples(st.just(n), written(n))), before=WORDS, after=WORDS)
def test_an_id_card_number_written_any_way_is_masked(number, before, after):
    digits, typed = number
    masked = mask_personal_numbers(f"{before}{typed}{after}")
    assert ID_CARD in masked
    assert digits[:17] not in ascii_digits(masked)


@settings(max_examples=200, deadline=None)
@given(
    numbers=st.lists(st.one_of(mobiles, ids), min_size=2, max_size=3),
    separator=st.sampled_from([" ", "，", "和", "、", " / "]),
)
def test_several_numbers_in_one_message_are_each_masked(numbers, separator):
    masked = mask_personal_numbers("我的号码：" + separator.join(numbers))
    for number in numbers:
        assert number[:11] not in ascii_digits(masked)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text("0123456789", min_size=1, max_size=4),
            st.sampled_from(["2021-2025年", "专栏9第2项", "12345热线", "一级", "二〇二五年", "第三（二）4."]),
            WORDS,
        ),
        max_size=8,
    ).map("，".join)
)
def test_text_without_a_personal_number_is_left_alone(text):
    assert find_personal_numbers(text) == []
    assert mask_personal_numbers(text) == text and not has_personal_numbers(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_masking_twice_changes_nothing_more_and_agrees_with_the_check(text):
    once = mask_personal_numbers(text)
    assert mask_personal_numbers(once) == once
    assert has_personal_numbers(text) == (once != text)


def test_formats_people_were_seen_to_use():
    assert mask_personal_numbers("电话1381 234 5678") == f"电话{MOBILE}"
    assert mask_personal_numbers("138.1234.5678") == MOBILE
    assert mask_personal_numbers("+86 138-1234-5678 找我") == f"{MOBILE} 找我"
    assert mask_personal_numbers("身份证 1101 0119 9003 0712 3X") == f"身份证 {ID_CARD}"
    assert mask_personal_numbers("一三八一二三四五六七八") == MOBILE
    assert mask_personal_numbers("幺三八 幺二三四 五六七八") == MOBILE
    assert mask_personal_numbers("银行卡6222020200112233445") == f"银行卡{NUMBER}"


def test_names_given_in_a_question_are_removed_for_the_anonymous_log():
    assert strip_names("我叫张三，残疾等级二级，能领什么") == f"我叫{NAME}，残疾等级二级，能领什么"
    assert strip_names("社区的王先生说我可以申请") == f"社区的{NAME}先生说我可以申请"
    assert strip_names("姓名：李建国 电话") == f"姓名：{NAME} 电话"
    for untouched in ("这个补贴叫什么", "请问一下老师", "残疾人两项补贴怎么领", "我是一级残疾"):
        assert strip_names(untouched) == untouched
    assert anonymise("我叫赵六，13812345678") == f"我叫{NAME}，{MOBILE}"
