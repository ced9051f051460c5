"""Typed answers to what the buttons offer, and the control words that work in every state.

Everyone must be able to answer every step without pressing a button: a screen reader or a voice
input types (or says) the button's words, its number, or the everyday word for it. Choices are
listed with numbers in the reply text, so a number always means the option it stands for.
Screening questions read their own typed answers (knowledge.screening); this module serves the
other steps (the /screen menu, /forget's confirmation, speeds, regions, "continue?").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from enum import StrEnum

from knowledge import screening
from knowledge.numerals import to_int


class Control(StrEnum):
    RESTART = "restart"
    BACK = "back"
    QUIT = "quit"
    HELP = "help"


_HELP_WORDS = ("帮助", "怎么用", "你能做什么", "你会什么", "使用说明", "help")
_YES = frozenset(
    {"是", "是的", "对", "对的", "好", "好的", "嗯", "行", "可以", "要", "确定", "确认", "同意", "yes", "ok"}
)
_NO = frozenset({"不", "不是", "不要", "不用", "不行", "否", "没有", "别", "no"})
_TRIM = "。！!？?，,、~～ 　.…"
_ORDINAL = re.compile(r"^(?:第)?([0-9一二三四五六七八九十两]+)(?:个|项|号|条)?$")


def is_position(text: str) -> bool:
    """Whether the text is only an option's number ("2", "第二个")."""
    return bool(_ORDINAL.match(normalise(text)))


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().strip(_TRIM).lower()


def control_word(text: str) -> Control | None:
    """The control a short message says ("重新开始", "上一步", "算了", "帮助"), if it says one: the
    screenings' words for back, restart and quit (the same in every state), and help."""
    if normalise(text) in _HELP_WORDS:
        return Control.HELP
    said = screening.control_word(text)
    return Control(said) if said is not None else None


def numbered(labels: Sequence[str]) -> str:
    """Options as a screen reader and a voice note can say them: "1. 慢  2. 正常  3. 快"."""
    return "\n".join(f"{i}. {label}" for i, label in enumerate(labels, 1))


def match_choice(text: str, choices: Sequence[tuple[str, str]], *, yes: str = "", no: str = "") -> str | None:
    """The button data a typed answer picks among `choices` ((label, data) pairs), or None.

    Read in this order: the option's number ("2", "第二个"), its label (exact, or one containing the
    other), then — for a yes/no choice, whose `yes` and `no` data are given — the everyday words."""
    said = normalise(text)
    if not said or not choices:
        return None
    if match := _ORDINAL.match(said):
        position = to_int(match.group(1), limit=len(choices))
        return choices[position - 1][1] if position else None
    labels = [(normalise(label), data) for label, data in choices]
    for label, data in labels:
        if said == label:
            return data
    close = [data for label, data in labels if len(said) >= 2 and (said in label or label in said)]
    if len(close) == 1:
        return close[0]
    if yes and said in _YES:
        return yes
    if no and said in _NO:
        return no
    return None
