"""Chinese numerals, the one place that reads and writes them: 三 ↔ 3, 十二 ↔ 12, 二十一 ↔ 21.

Plans number their sections in Chinese (三、（二）) and their items and boxes in Arabic digits;
people type either. Numbers here are small (section, box, item and indicator numbers, ages), so a
table-free reading of 一 … 九十九 covers them without loading cn2an (0.2 s to import); larger or
unusual forms (一百零五, 两千) fall back to cn2an.
"""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
MAX_REFERENCE = 999  # no plan numbers a box, item or indicator beyond this


def small_chinese(text: str) -> int | None:
    """一 … 九十九 (also 〇, 两, 廿 not): the value, or None when it is not such a numeral."""
    text = text.replace("两", "二").replace("〇", "零")
    if not text or any(ch not in DIGITS + "十" for ch in text):
        return None
    if "十" not in text:
        return DIGITS.index(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    value = (DIGITS.index(tens) if tens else 1) * 10 + (DIGITS.index(units) if units else 0)
    return value if tens != "零" else None


def to_int(text: str, *, limit: int = MAX_REFERENCE) -> int | None:
    """A number written in Arabic digits or Chinese numerals, if it is a sane one in 1..limit."""
    text = text.strip()
    if text.isdigit():
        value: float = int(text) if len(text) <= 6 else limit + 1
    elif (small := small_chinese(text)) is not None:
        value = small
    else:
        import cn2an  # only for unusual forms

        try:
            value = cn2an.cn2an(text.replace("〇", "零").replace("两", "二"), "smart")
        except (ValueError, KeyError, TypeError):
            return None
        if not float(value).is_integer():
            return None
    return int(value) if 0 < value <= limit else None


_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})\s*年")


def years_in(text: str) -> list[int]:
    """The years `text` writes out: "2018年", "二〇一八年" (in that order: digits, then numerals)."""
    years = [int(y) for y in _YEAR.findall(text)]
    return years + [
        int("".join(str(DIGITS.index(ch)) for ch in y.replace("〇", "零"))) for y in _CN_YEAR.findall(text)
    ]


def to_chinese(number: int) -> str:
    """0 … 99 as Chinese numerals, the way a plan writes section numbers: 3 → 三, 12 → 十二, 21 → 二十一."""
    if not 0 <= number < 100:
        raise ValueError(f"{number} is outside 0..99")
    if number < 10:
        return DIGITS[number]
    tens, units = divmod(number, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[units] if units else "")
