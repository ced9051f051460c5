"""Clause references as case workers type them: "专栏9 第2项", "三（二）4", "指标 11", "shuozhou:box9.2".

Shared by lookups (knowledge.lookup) and ranking (knowledge.search), which puts the clause a
question names first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.clause import ClauseView, Kind
from knowledge.numerals import to_chinese, to_int
from knowledge.refs import ClauseRef
from knowledge.tokenize import clean_text, to_simplified

_NUM = r"[0-9一二三四五六七八九十百零〇两]+"
_BOX = re.compile(rf"专栏\s*({_NUM})\s*(?:[的之]?\s*第\s*({_NUM})\s*[项条个]|[-.．]\s*({_NUM}))?")
_INDICATOR = re.compile(rf"(?:主要)?指标\s*(?:第\s*)?({_NUM})(?!\s*[%％])|第\s*({_NUM})\s*[项个]\s*指标")
_SECTION = re.compile(
    rf"(?<![0-9])([一二三四五六七八九十]+)\s*[、,，]?\s*[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*(?:第\s*)?({_NUM})?\s*(?:[项条.．]|$|\s)"
)


@dataclass(frozen=True, slots=True)
class Reference:
    """What a typed reference points at, within one or more plans."""

    kind: str  # "box", "indicator", "section", "id"
    box: int | None = None
    item: int | None = None
    path: tuple[int, ...] = ()
    clause_id: str | None = None

    def describe(self) -> str:
        if self.kind == "box":
            return f"专栏{self.box}" + (f"第{self.item}项" if self.item else "")
        if self.kind == "indicator":
            return f"主要指标第{self.item}项"
        if self.kind == "section":
            return "".join(_section_label(i, n) for i, n in enumerate(self.path))
        return self.clause_id or ""


def _section_label(level: int, number: int) -> str:
    if level >= 2:
        return f"{number}."
    return f"{to_chinese(number)}、" if level == 0 else f"（{to_chinese(number)}）"


def parse_reference(text: str) -> Reference | None:
    """Read a reference out of `text`, or None if it holds none."""
    text = to_simplified(clean_text(text))
    if found := ClauseRef.find(text):
        return Reference("id", clause_id=found.key)
    if match := _BOX.search(text):
        box = to_int(match.group(1))
        item_text = match.group(2) or match.group(3)
        item = to_int(item_text) if item_text else None
        if box is not None:
            return Reference("box", box=box, item=item)
    if match := _INDICATOR.search(text):
        number = to_int(match.group(1) or match.group(2))
        if number is not None:
            return Reference("indicator", item=number)
    if match := _SECTION.search(text):
        parts = [to_int(match.group(1)), to_int(match.group(2))]
        if match.group(3):
            parts.append(to_int(match.group(3)))
        if all(p is not None for p in parts):
            return Reference("section", path=tuple(p for p in parts if p is not None))
    return None


def matches(reference: Reference, clause: ClauseView) -> bool:
    if reference.kind == "box":
        if not clause.ref.startswith(f"box{reference.box}."):
            return False
        return reference.item is None or clause.ref == f"box{reference.box}.{reference.item}"
    if reference.kind == "indicator":
        return clause.kind is Kind.INDICATOR and clause.ref == f"ind{reference.item}"
    if reference.kind == "section":
        joined = ".".join(map(str, reference.path))
        return clause.ref == joined or (len(reference.path) < 3 and clause.ref.startswith(joined + "."))
    return False
