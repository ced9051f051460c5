"""Is every sentence of an answer's main text backed by a clause it cites? The check the answers keep.

An answer quotes the plans: each quote must be a span of its clause's text after the documented
plain-language rules (knowledge.plain), optionally led by the item's own name ("名称：…"); an
indicator or department sentence must be the one built from the clause's table row or department
list; and every clause quoted must be cited. What is left once the quotes and the answer's fixed
sentences (knowledge.answer's frames and gap sentences, the intents file's "missing" sentences) are
taken out must be nothing: any other sentence is a claim no cited clause makes.
"""

from __future__ import annotations

import re

from knowledge.answer import (
    BOTH,
    EXAMPLE,
    FRAME,
    INTENTION_NOTE,
    NOT_WRITTEN,
    REGION_NOT_COVERED,
    RELATED,
    TABLE_YEARS,
    VAGUE,
    VAGUE_PLACE,
    YEAR_GAP,
    Answer,
    Quote,
)
from knowledge.clause import ClauseView
from knowledge.extract import indicator_sentence
from knowledge.library import Library
from knowledge.plain import plain

_PUNCTUATION = "。；，、：！？ \n"


def quote_supported(quote: Quote) -> bool:
    """Whether the quote is what its clause says (made plain), or its own table row or departments."""
    clause = quote.clause
    text = quote.text
    if quote.derived:  # built from the clause's fields: every number it states must be the clause's
        return all(
            number in _numbers_of(clause)
            for number in re.findall(r"\d+(?:\.\d+)?", text)
            if not _is_reference_number(number, text)
        )
    if clause.indicator is not None and text == indicator_sentence(clause.indicator):
        return True
    if clause.title and text.startswith(f"{clause.title}："):
        text = text[len(clause.title) + 1 :]
    return _core(text) in _core(plain(clause.text))


def unsupported(answer: Answer, library: Library) -> list[str]:
    """The sentences of `answer.main` that no cited clause backs (empty when the answer is faithful)."""
    problems: list[str] = []
    cited = {c.clause_id for c in answer.citations}
    rest = answer.main
    for quote in sorted(answer.quotes, key=lambda q: -len(q.text)):
        if not quote_supported(quote):
            problems.append(f"not in {quote.clause.id}: {quote.text}")
        elif quote.clause.id not in cited:
            problems.append(f"{quote.clause.id} is quoted but not cited: {quote.text}")
        rest = rest.replace(quote.text, "\n")
    for sentence in [*_fixed_sentences(library, answer), *answer.plain_sentences]:
        rest = rest.replace(sentence, "\n")
    rest = _FRAMES.sub("\n", rest)
    leftover = [part.strip(_PUNCTUATION) for part in re.split(r"\n", rest)]
    return problems + [part for part in leftover if part]


def _fixed_sentences(library: Library, answer: Answer) -> list[str]:
    years = set(re.findall(r"20\d\d", answer.main))
    out = [NOT_WRITTEN, INTENTION_NOTE, EXAMPLE, VAGUE]
    out += [a.missing for a in library.intents.asks if a.missing]
    out += [kind.reply for kind in library.intents.kinds]
    out += [template.format(year=y) for y in years for template in (YEAR_GAP, TABLE_YEARS)]
    return sorted(out, key=len, reverse=True)


_PLAN = r"[\u4e00-\u9fff]{2,8}规划(?:（征求意见稿）)?(?:和[\u4e00-\u9fff]{2,8}规划(?:（征求意见稿）)?)*"
_FRAMES = re.compile(
    "|".join(
        re.escape(t)
        .replace(re.escape("{plan}"), _PLAN)
        .replace(re.escape("{region}"), r"\S{2,12}?")
        .replace(re.escape("{plans}"), r"\S+?")
        for t in (RELATED, FRAME, BOTH, REGION_NOT_COVERED, VAGUE_PLACE)
    )
)


def _numbers_of(clause: ClauseView) -> str:
    indicator = clause.indicator
    values = f"{indicator.value_2020} {indicator.target_2025}" if indicator else ""
    return f"{clause.text} {values} 2020 2025"


def _is_reference_number(number: str, text: str) -> bool:
    """A number that names where a clause stands (专栏8, 第3项) or a year the plan has no figure for
    ("没有2018年的数"), rather than a figure the clause states."""
    return bool(re.search(rf"(专栏|第|指标){number}(?!\d)|没有{number}年", text))


def _core(text: str) -> str:
    return re.sub(r"\s+", "", text).strip(_PUNCTUATION)


__all__ = ["ClauseView", "quote_supported", "unsupported"]
