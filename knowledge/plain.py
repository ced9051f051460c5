"""Plan sentences made plain: cut into sentences, then rewritten by a few documented rules.

An answer quotes the plans; it does not paraphrase them. What it may change is listed here, and
nothing else: every rule either removes words that carry no promise (department lists, slogans,
按规定, filler adverbs) or replaces a word by a plainer one with the same meaning (给予 → 给), or
explains an abbreviation in brackets (两项补贴). `plain()` applies them; a test applies them to
every clause a reply cites and checks that each sentence of the reply's main text stands in the
result, so no rule can slip a claim in that the plan does not make.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_END = "。！？；"
#: A sentence of plan text, with its closing mark.
SENTENCE = re.compile(rf"[^{_END}]+[{_END}]?")
#: An item's department note: "（牵头单位：市残联；参与单位：…）".
DEPARTMENT_NOTE = re.compile(r"[（(][^（）()]*(?:牵头|责任|参与|配合)(?:单位|部门)[:：][^）)]*[）)]")

#: (name, pattern, replacement, why) — applied in order to each sentence.
RULES: tuple[tuple[str, re.Pattern[str], str, str], ...] = (
    (
        "departments",
        DEPARTMENT_NOTE,
        "",
        "who runs an item is not what a person can get; /clause shows it",
    ),
    (
        "as_required",
        re.compile(r"(?:按照|按)(?:有关|相关|国家|政策)?规定(?=[\u4e00-\u9fff])"),
        "",
        "按规定 adds nothing",
    ),
    ("give", re.compile(r"给予"), "给", "给予 is officialese for 给"),
    (
        "filler",
        re.compile(r"(?:进一步|切实|大力|积极|认真|扎实|不断|着力|努力)(?![性度])(?=[\u4e00-\u9fff])"),
        "",
        "adverbs of effort promise nothing a person can hold (积极性 and 持续 — it goes on — stay)",
    ),
    (
        "two_subsidies",
        re.compile(r"两项补贴(?![（(]困难)"),
        "两项补贴（困难残疾人生活补贴和重度残疾人护理补贴）",
        "the abbreviation explained",
    ),
    ("commas", re.compile(r"\s*,\s*"), "，", "ASCII punctuation in the 山西 plan"),
    ("semicolons", re.compile(r"\s*;\s*"), "；", "ASCII punctuation"),
    ("colons", re.compile(r"(?<=[\u4e00-\u9fff])\s*:\s*"), "：", "ASCII punctuation"),
    ("open", re.compile(r"\("), "（", "ASCII brackets"),
    ("close", re.compile(r"\)"), "）", "ASCII brackets"),
)

#: A sentence that is only a slogan or a guiding-thought formula says nothing a person can use.
SLOGAN = re.compile(
    r"习近平|总书记|新时代中国特色|新发展理念|新发展格局|党的十九|党的二十|十九届|二十届|中国特色社会主义|"
    r"以人民为中心|共同富裕|高质量发展|新征程|决策部署|重要指示"
)
_PART = re.compile(r"[^，、：]+[，、：]?")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a clause, made plain."""

    plain: str
    index: int  # position in the clause


def plain(text: str) -> str:
    """`text` with every rule applied (the rules are safe on any span of plan text)."""
    for _name, pattern, replacement, _why in RULES:
        text = pattern.sub(replacement, text)
    text = re.sub(r"[，、]+(?=[。；！？])", "", text)  # a list that lost its last member to a rule
    return re.sub(r"\s+", "", text)


def sentences(text: str, title: str = "") -> list[Sentence]:
    """The clause's sentences, made plain (the whole clause first: a department list may hold a 。);
    a leading item title ("盲人按摩提升项目。") is left out when more follows, and a "名称：" lead-in is
    dropped from the sentence it starts."""
    made = [s.strip() for s in SENTENCE.findall(plain(text)) if s.strip()]
    out: list[Sentence] = []
    for index, sentence in enumerate(made):
        if index == 0 and title and len(made) > 1 and sentence.rstrip(_END + "：:") == title:
            continue
        if index == 0 and title and sentence.startswith(f"{title}："):
            sentence = sentence[len(title) + 1 :]
        if sentence.strip(_END):
            out.append(Sentence(sentence, index))
    return out


def parts(sentence: str) -> list[str]:
    """A long sentence's comma-separated parts, each with its punctuation."""
    return [p for p in _PART.findall(sentence) if p.strip("，、：")]


def ending(text: str) -> str:
    """`text` ending as a sentence does (。), whatever mark it had."""
    text = text.rstrip("，、；：,;: ")
    return text if text.endswith(("。", "！", "？")) else text + "。"
