"""The shared vocabulary of facts about a person, and how typed answers become fact values.

Screenings share one set of facts (knowledge/data/facts.toml) so that what one screening
learned the next does not ask again. Questions fill facts; rules read them.

A fact's value is JSON-friendly so that a conversation state can be stored as is:
``str`` for choices, ``bool`` for yes/no, ``int`` for numbers, ``[low, high]`` when a number
is only known to lie in a range (the person tapped an age band), and ``None`` when the
person said they do not know. A fact that is absent has not been asked. The one ``place``
fact (the region) holds a place name of the gazetteer; its options come from the library's
hierarchy, not from this file (knowledge.screening builds them).

A typed answer is read as a person means it: an option's number ("2"), its label, exact or
close ("继续但不保存"), a word for it ("不是", "没有证"), yes and no words for yes/no questions,
"不知道" or "跳过" where not knowing is allowed, and, for numbers (age, grade), the number itself:
"3" at an age question is three years old, never the third option.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.datafile import DataError, read_toml

FACT_TYPES = ("choice", "boolean", "number", "place")
UNSURE_ID = "unsure"
OTHER_PLACE = "其他"  # the place fact's value for "somewhere no covered plan applies"
MAX_INPUT_CHARS = 200  # longer input is cut before it is read: nobody answers a question in a page

YES_WORDS = frozenset(
    [
        "是",
        "是的",
        "是啊",
        "有",
        "有的",
        "对",
        "对的",
        "嗯",
        "嗯嗯",
        "好",
        "好的",
        "要",
        "需要",
        "行",
        "可以",
        "确定",
        "y",
        "yes",
        "ok",
        "true",
    ]
)
NO_WORDS = frozenset(
    ["否", "不是", "没有", "没", "不对", "无", "不", "不要", "不需要", "没得", "木有", "n", "no", "false"]
)
UNSURE_WORDS = frozenset(
    [
        "不知道",
        "不清楚",
        "不确定",
        "不记得",
        "记不得",
        "忘了",
        "忘记了",
        "说不清",
        "说不好",
        "不好说",
        "不太清楚",
        "unsure",
        "unknown",
    ]
)
#: Words for passing a question by; they count as "不清楚" where that is an answer.
SKIP_WORDS = frozenset(["跳过", "略过", "过", "下一个", "下一题", "不想说", "不方便说", "skip", "pass"])
_CLOSE_ENOUGH = 0.6  # difflib ratio for a typed label with a slip in it ("继续不保存")
_TRAILING_PARTICLES = "啊呀吧了哦呢嘛哈啦喔噢"
_NEGATIONS = ("不", "没", "无", "非")
_CHINESE_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+")
_DIGITS = re.compile(r"\d+")


class FactError(DataError):
    """facts.toml is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class FactOption:
    id: str  # ASCII, stable: buttons carry it
    label: str
    value: Any = None  # str for choices, bool for booleans, int for a single number
    low: int | None = None  # for number options that stand for a range
    high: int | None = None
    aliases: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()  # option ids this one wins over when both match typed text

    @property
    def stored(self) -> Any:
        """The value a fact takes when this option is chosen."""
        if self.low is not None and self.high is not None:
            return self.low if self.low == self.high else [self.low, self.high]
        return self.value


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    label: str
    type: str
    question: str
    hint: str = ""
    sensitive: bool = False
    unsure_label: str = ""  # "" when "I don't know" is not an accepted answer
    low: int | None = None
    high: int | None = None
    unit: str = ""
    options: tuple[FactOption, ...] = ()

    @property
    def allows_unsure(self) -> bool:
        return bool(self.unsure_label)

    def option(self, option_id: str) -> FactOption | None:
        return next((o for o in self.options if o.id == option_id), None)

    def display(self, value: Any) -> str:
        """A value as a person would say it: "三级", "16–24岁", "不清楚"."""
        if value is None:
            return "不清楚"
        if self.type == "place":
            return "其他地区" if value == OTHER_PLACE else str(value)
        if self.type == "boolean":
            return "是" if value else "否"
        if self.type == "number":
            if isinstance(value, list):
                return f"{value[0]}–{value[1]}{self.unit}"
            for option in self.options:
                if option.stored == value:
                    return option.label
            return f"{value}{self.unit}"
        for option in self.options:
            if option.value == value:
                return option.label
        return str(value)

    def is_valid(self, value: Any) -> bool:
        """Whether ``value`` is a value this fact can hold (``None`` only if unsure is allowed)."""
        if value is None:
            return self.allows_unsure
        if self.type == "boolean":
            return isinstance(value, bool)
        if self.type == "place":  # which places exist is the gazetteer's to say (knowledge.screening)
            return isinstance(value, str) and bool(value)
        if self.type == "choice":
            return any(o.value == value for o in self.options)
        assert self.low is not None and self.high is not None
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return self.low <= value <= self.high
        return (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            and self.low <= value[0] <= value[1] <= self.high
        )


# ---------------------------------------------------------------------------------------- loading


def _fail(path: Path, key: str, message: str) -> FactError:
    return FactError(f"{path}: [{key}] {message}")


def _str(path: Path, key: str, table: Mapping[str, Any], field: str, *, required: bool = True) -> str:
    value = table.get(field, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(path, key, f"{field!r} must be a non-empty string")
    return value


def _int(path: Path, key: str, table: Mapping[str, Any], field: str) -> int:
    value = table.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(path, key, f"{field!r} must be a whole number")
    return value


def _option(path: Path, name: str, kind: str, index: int, raw: Any) -> FactOption:
    key = f"{name}.options[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, key, "must be a table")
    option_id = _str(path, key, raw, "id")
    if not re.fullmatch(r"[a-z0-9_]+", option_id) or option_id == UNSURE_ID:
        raise _fail(
            path, key, f"id {option_id!r} must be lower-case ASCII letters, digits or _ (not 'unsure')"
        )
    aliases = raw.get("aliases", [])
    overrides = raw.get("overrides", [])
    for field, items in (("aliases", aliases), ("overrides", overrides)):
        if not isinstance(items, list) or not all(isinstance(a, str) and a for a in items):
            raise _fail(path, key, f"{field!r} must be a list of strings")
    value, low, high = raw.get("value"), None, None
    if kind == "boolean" and not isinstance(value, bool):
        raise _fail(path, key, "'value' must be true or false")
    if kind == "choice" and (not isinstance(value, str) or not value):
        raise _fail(path, key, "'value' must be a non-empty string")
    if kind == "number":
        if "value" in raw:
            low = high = _int(path, key, raw, "value")
            value = None
        else:
            low, high = _int(path, key, raw, "min"), _int(path, key, raw, "max")
            if low > high:
                raise _fail(path, key, "'min' is larger than 'max'")
    return FactOption(
        id=option_id,
        label=_str(path, key, raw, "label"),
        value=value,
        low=low,
        high=high,
        aliases=tuple(aliases),
        overrides=tuple(overrides),
    )


def _fact(path: Path, name: str, raw: Any) -> Fact:
    if not isinstance(raw, dict):
        raise _fail(path, name, "must be a table")
    allowed = {"label", "type", "question", "hint", "sensitive", "unsure", "min", "max", "unit", "options"}
    unknown = set(raw) - allowed
    if unknown:
        raise _fail(path, name, f"unknown key(s) {sorted(unknown)}")
    kind = raw.get("type")
    if kind not in FACT_TYPES:
        raise _fail(path, name, f"'type' must be one of {FACT_TYPES}, not {kind!r}")
    sensitive = raw.get("sensitive", False)
    if not isinstance(sensitive, bool):
        raise _fail(path, name, "'sensitive' must be true or false")
    raw_options = raw.get("options", [])
    if not isinstance(raw_options, list):
        raise _fail(path, name, "'options' must be an array of tables ([[fact.options]])")
    if kind == "place" and raw_options:
        raise _fail(path, name, "a place fact takes its options from regions.toml and plans.toml, not here")
    options = tuple(_option(path, name, kind, i, o) for i, o in enumerate(raw_options))
    if kind in ("choice", "boolean") and len(options) < 2:
        raise _fail(path, name, "a choice or yes/no fact needs at least two options")
    ids = [o.id for o in options]
    if len(set(ids)) != len(ids):
        raise _fail(path, name, "option ids must be unique")
    for option in options:
        if set(option.overrides) - set(ids):
            raise _fail(path, name, f"option {option.id!r} overrides an unknown option id")
    low = high = None
    if kind == "number":
        low, high = _int(path, name, raw, "min"), _int(path, name, raw, "max")
        for option in options:
            assert option.low is not None and option.high is not None
            if not low <= option.low <= option.high <= high:
                raise _fail(path, name, f"option {option.id!r} lies outside {low}–{high}")
    return Fact(
        name=name,
        label=_str(path, name, raw, "label"),
        type=kind,
        question=_str(path, name, raw, "question"),
        hint=_str(path, name, raw, "hint", required=False),
        sensitive=sensitive,
        unsure_label=_str(path, name, raw, "unsure", required=False),
        low=low,
        high=high,
        unit=_str(path, name, raw, "unit", required=False),
        options=options,
    )


def read_facts(path: Path) -> dict[str, Fact]:
    """Parse and validate a facts file."""
    raw = read_toml(path, FactError)
    if not raw:
        raise FactError(f"{path}: no facts defined")
    facts = {name: _fact(path, name, table) for name, table in raw.items()}
    places = [name for name, fact in facts.items() if fact.type == "place"]
    if places != ["region"]:
        raise FactError(f"{path}: [region] must be the one fact of type 'place' (found {places})")
    return facts


# ---------------------------------------------------------------------------------------- reading answers


@dataclass(frozen=True, slots=True)
class Reading:
    """What a typed answer meant: a value, or why it could not be read."""

    ok: bool
    value: Any = None  # None with ok=True means "I don't know"
    problem: str = ""  # a short plain sentence for the person when ok is False


def normalise(text: str) -> str:
    """Fold width and case, drop spaces, punctuation, symbols (emoji) and trailing particles."""
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS]).lower()
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return kept.rstrip(_TRAILING_PARTICLES) or kept


_POSITION = re.compile(r"(?:第|选)?(\d{1,3}|[一二两三四五六七八九十])(?:个|项|号|条)?")


def position(text: str, count: int) -> int | None:
    """A 1-based option position typed as "2", "二", "第2个" or "选2" (``text`` normalised)."""
    match = _POSITION.fullmatch(text)
    if match is None:
        return None
    word = match.group(1)
    if word.isdigit():
        number = int(word)
    else:
        import cn2an  # 0.1 s to import: only answers typed as Chinese numerals need it

        number = int(cn2an.cn2an(word, "smart"))
    return number if 1 <= number <= count else None


def _names(option: FactOption) -> set[str]:
    words = {option.label, *option.aliases}
    if isinstance(option.value, str):
        words.add(option.value)
    return {normalise(w) for w in words} - {""}


def _match_options(options: Sequence[FactOption], text: str) -> list[FactOption]:
    """Options whose value, label or alias is the text, else the longest one contained in it."""
    exact = [o for o in options if text in _names(o)]
    if exact:
        return exact
    best: dict[str, int] = {}
    for option in options:
        lengths = [len(name) for name in _names(option) if name in text]
        if lengths:
            best[option.id] = max(lengths)
    if not best:
        return []
    top = max(best.values())
    found = [o for o in options if best.get(o.id) == top]
    beaten = {loser for o in found for loser in o.overrides}
    found = [o for o in found if o.id not in beaten] or found
    if len(found) == 1 and _negated(text, found[0]):
        return []  # "不是智力残疾": a negated match is not an answer
    return found


def _negated(text: str, option: FactOption) -> bool:
    """The text says no where the option's words do not ("不是智力" against "智力残疾")."""
    if not any(n in text for n in _NEGATIONS):
        return False
    said = [name for name in _names(option) if name in text or text in name]
    return not any(n in name for name in said for n in _NEGATIONS)


def _close_option(options: Sequence[FactOption], text: str) -> FactOption | None:
    """The one option a typed label with a slip in it means: a part of one label ("不保存" of
    "继续，但不保存"), else the one label clearly nearest ("继续不保存"). None when unsure."""
    if len(text) < 2:
        return None
    inside = [o for o in options if any(text in name for name in _names(o))]
    if len(inside) == 1:
        return None if _negated(text, inside[0]) else inside[0]
    if inside:
        return None
    scored = sorted(
        ((max(difflib.SequenceMatcher(None, text, n).ratio() for n in _names(o)), o) for o in options),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if not scored or scored[0][0] < _CLOSE_ENOUGH:
        return None
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.1:
        return None  # two labels about as near: ask again rather than guess
    return None if _negated(text, scored[0][1]) else scored[0][1]


def _number(fact: Fact, text: str) -> int | None:
    for word in (fact.unit, "周岁", "岁", "级", "今年", "孩子", "我"):
        if word:
            text = text.replace(word, "")
    digits = _DIGITS.findall(text)
    if len(digits) == 1 and len(digits[0]) <= 4:
        return int(digits[0])
    if digits:
        return None
    numerals = _CHINESE_NUMERAL.findall(text)
    if len(numerals) == 1 and len(numerals[0]) <= 6:
        import cn2an

        try:
            return int(cn2an.cn2an(numerals[0], "smart"))
        except (ValueError, KeyError, IndexError):
            return None
    return None


@cache
def _words(words: frozenset[str]) -> frozenset[str]:
    """A word list as ``normalise`` leaves typed text ("忘了" → "忘"), so the two compare."""
    return frozenset(normalise(w) for w in words)


def is_yes(text: str) -> bool:
    return normalise(text) in _words(YES_WORDS)


def is_no(text: str) -> bool:
    return normalise(text) in _words(NO_WORDS)


def read_answer(
    fact: Fact, raw: str, *, exact: bool = False, options: Sequence[FactOption] | None = None
) -> Reading:
    """Read typed text as an answer to ``fact``'s question.

    Accepts an option's position (1, 2, 3…), its label (exact or close) or a word for it,
    yes/no words for yes/no questions, numbers in digits or Chinese (3, 十六, 十六岁) for number
    questions — as values, never as positions — and "不知道" or "跳过" where the fact allows not
    knowing. ``exact`` asks for a single number, not a range; ``options`` stands in for the
    fact's own (the place fact's options come from the library).
    """
    text = normalise(raw)
    if not text:
        return Reading(False, problem="没有收到文字。")
    unsure = text in _words(UNSURE_WORDS) or text in _words(SKIP_WORDS)
    if fact.allows_unsure and (unsure or text == normalise(fact.unsure_label)):
        return Reading(True, None)
    if unsure:
        return Reading(False, problem="这个问题需要回答才能往下判断。")
    if fact.type == "number":
        return _read_number(fact, text, exact=exact)
    choices = list(options if options is not None else fact.options)
    at = position(text, len(choices) + fact.allows_unsure)
    if at is not None:
        return Reading(True, choices[at - 1].stored if at <= len(choices) else None)
    if fact.type == "boolean" and (text in _words(YES_WORDS) or text in _words(NO_WORDS)):
        return Reading(True, text in _words(YES_WORDS))
    found = _match_options(choices, text)
    if len(found) == 1:
        return Reading(True, found[0].stored)
    if len(found) > 1:
        return Reading(False, problem="您的回答能对上不止一个选项。")
    close = _close_option(choices, text)
    if close is not None:
        return Reading(True, close.stored)
    return Reading(False, problem="没能对上任何一个选项。")


def _read_number(fact: Fact, text: str, *, exact: bool) -> Reading:
    assert fact.low is not None and fact.high is not None
    found = [] if exact else _match_options(fact.options, text)
    named = [o for o in found if text in {normalise(o.label), *map(normalise, o.aliases)}]
    if len(named) == 1:  # the text is a button's label ("16–24岁", "三级")
        return Reading(True, named[0].stored)
    number = _number(fact, text)
    if len(found) == 1 and (number is None or found[0].stored == number):
        return Reading(True, found[0].stored)
    if number is None:
        return Reading(
            False, problem=f"请输入一个数字，例如 {fact.low + 1 if fact.high > 10 else fact.low}。"
        )
    if not fact.low <= number <= fact.high:
        return Reading(False, problem=f"请输入{fact.low}到{fact.high}之间的数字。")
    return Reading(True, number)


def parse_fact_value(definition: Fact, raw: str) -> Any:
    """Read a value given on a command line (``--fact disability_grade=3``).

    Booleans are true/false (or 是/否), numbers digits (or 十六), choices the words of
    facts.toml ("智力", "低保边缘") or an option id ("intellectual"); "unknown" means the person
    does not know. Raises ValueError naming the accepted values. (The place fact is read by
    the gazetteer: knowledge.screening.parse_fact.)
    """
    text = raw.strip()
    if text.lower() in {"unknown", "unsure", "none", "null"}:
        if definition.allows_unsure:
            return None
        raise ValueError(f"{definition.name} does not accept 'unknown'")
    by_id = definition.option(text)
    if by_id is not None:
        return by_id.stored
    if definition.type == "boolean" and text.lower() in {"true", "false"}:
        return text.lower() == "true"
    reading = read_answer(definition, text, exact=definition.type == "number")
    if reading.ok and reading.value is not None:
        return reading.value
    accepted = (
        "true or false"
        if definition.type == "boolean"
        else f"a number from {definition.low} to {definition.high}"
        if definition.type == "number"
        else ", ".join(str(o.value) for o in definition.options)
    )
    raise ValueError(f"cannot read {raw!r} as {definition.name}; expected {accepted}")
