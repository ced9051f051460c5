"""Numbers as a Mandarin listener expects to hear them.

A quantity is read in full (1234 → 一千二百三十四, 3.26 → 三点二六: `cardinal`, which reads exactly
as cn2an.an2cn does in "low" mode — a test holds it to that — without cn2an's 0.1 s import); a year
or a document number digit by digit; 16-24 is a range, not "16 minus 24"; ≥ is 不低于; 2个 is 两个.
Every digit that leaves `speak_numbers` has become Chinese, so espeak-ng never switches to English.
"""

from __future__ import annotations

import re

from voice.lexicon import Lexicon

_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
NUM = r"\d+(?:\.\d+)?"
_RANGE_DASH = r"\s*[—–\-~～－]\s*"
_CN_NUMERAL = "一二三四五六七八九十"


def digits(number: str) -> str:
    """Digit by digit, as years and hotlines are read: 2025 → 二〇二五."""
    return number.translate(_DIGITS)


def cardinal(number: str, *, liang: bool = False) -> str:
    """A quantity: 1234 → 一千二百三十四, 25866 → 两万五千八百六十六; with `liang`, 2 → 两 (两个)."""
    if liang and number == "2":
        return "两"
    whole, _, fraction = number.partition(".")
    whole = whole.lstrip("0") or "0"
    if len(whole) > 16:  # an identifier, not a quantity
        return digits(number)
    spoken = _integer(whole) + (f"点{digits(fraction).replace('〇', '零')}" if fraction else "")
    return re.sub(r"^二(?=[千万亿])", "两", spoken)


_GROUP_UNITS = ("", "万", "亿", "万")  # 万亿 is said 万 … 亿, as cn2an does
_PLACES = ("千", "百", "十", "")


def _integer(whole: str) -> str:
    """Digits (no leading zeros, at most sixteen) as a Chinese numeral, groups of four by 万 and 亿."""
    if whole == "0":
        return "零"
    padded = whole.zfill(-(-len(whole) // 4) * 4)
    groups = [padded[i : i + 4] for i in range(0, len(padded), 4)]
    out, gap = "", False
    for index, group in enumerate(groups):
        if group == "0000":
            gap = bool(out)
            continue
        if out and (gap or group[0] == "0"):
            out += "零"
        place = len(groups) - 1 - index
        out += _group(group) + _GROUP_UNITS[place]
        if place == 3 and groups[index + 1] == "0000":
            out += "亿"  # 一万亿
        gap = False
    return re.sub(r"^一十", "十", out)


def _group(group: str) -> str:
    """Four digits, not all zero: 0742 → 七百四十二, 1010 → 一千零一十 (no leading 零)."""
    out, zero = "", False
    for digit, place in zip(group, _PLACES, strict=True):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += digits(digit) + place
    return out


def _takes_liang(m: re.Match[str], lexicon: Lexicon) -> bool:
    following = m.string[m.end() :].lstrip()
    previous = m.string[: m.start()].rstrip()
    return bool(following) and following[0] in lexicon.liang_before and not previous.endswith("第")


def speak_numbers(text: str, lexicon: Lexicon) -> str:
    """Replace every Arabic number in `text` by its spoken Chinese form."""
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,234 → 1234
    text = re.sub(
        r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)",
        lambda m: f"{digits(m[1])}年{cardinal(str(int(m[2])))}月{cardinal(str(int(m[3])))}日",
        text,
    )
    text = re.sub(
        r"[〔\[［【](\d{4})[〕\]］】]\s*(?:第\s*)?(\d+)\s*号",
        lambda m: f"{digits(m[1])}年{cardinal(str(int(m[2])))}号",
        text,
    )
    text = re.sub(r"〔(\d{4})〕", lambda m: f"{digits(m[1])}年", text)
    text = re.sub(
        rf"(?<!\d)(\d{{4}}){_RANGE_DASH}(\d{{4}})(?=\s*年)", lambda m: f"{digits(m[1])}到{digits(m[2])}", text
    )
    text = re.sub(r"(?<![\d.])(\d{4})(?=\s*(?:年|远景))", lambda m: digits(m[1]), text)
    comparisons = "|".join(re.escape(sign) for sign in sorted(lexicon.comparison, key=len, reverse=True))
    text = re.sub(rf"({comparisons})\s*(?=\d)", lambda m: lexicon.comparison[m[1]], text)
    text = re.sub(
        rf"({NUM})\s*%?{_RANGE_DASH}({NUM})\s*[%％]",
        lambda m: f"百分之{cardinal(m[1])}到百分之{cardinal(m[2])}",
        text,
    )
    text = re.sub(rf"({NUM})\s*[%％]", lambda m: f"百分之{cardinal(m[1])}", text)
    text = re.sub(
        r"(?<![\d/])(\d{1,2})/(\d{1,3})(?![\d/])", lambda m: f"{cardinal(m[2])}分之{cardinal(m[1])}", text
    )
    keywords = "|".join(re.escape(word) for word in lexicon.digit_by_digit_after)
    text = re.sub(
        rf"({keywords})(\s*[:：]?\s*)(\d[\d\- ]*\d)",
        lambda m: m[1] + m[2].strip() + digits(re.sub(r"[\- ]", "", m[3])),
        text,
    )
    hotline = r"(?<![\d.])(\d{3,})(?=\s*(?:政务服务|服务)?热线)"  # 12345热线: a number to dial
    text = re.sub(hotline, lambda m: digits(m[1]), text)
    text = re.sub(r"(?<![\d.])0\d+(?![\d.])", lambda m: digits(m[0]), text)

    def _range(m: re.Match[str]) -> str:
        liang = _takes_liang(m, lexicon)
        return f"{cardinal(m[1], liang=liang)}到{cardinal(m[2], liang=liang)}"

    text = re.sub(rf"(?<![\d.])({NUM}){_RANGE_DASH}({NUM})(?![\d.])", _range, text)
    text = re.sub(rf"(?<![\d.])({NUM})", lambda m: cardinal(m[1], liang=_takes_liang(m, lexicon)), text)
    return _expand_grade_lists(text)


def _expand_grade_lists(text: str) -> str:
    """一、二级 → 一级、二级: each grade is named in full, so the listener does not hear 一, 二级."""

    def _expand(m: re.Match[str]) -> str:
        grades = [*m[1].split("、")[:-1], m[2]]
        return "、".join(grade + m[3] for grade in grades)

    return re.sub(rf"((?:[{_CN_NUMERAL}]{{1,2}}、)+)([{_CN_NUMERAL}]{{1,2}})(级|类|档|等)", _expand, text)
