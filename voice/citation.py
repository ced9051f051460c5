"""A citation as a listener needs it: the plan, and the numbers that find the clause in it.

A reply cites "朔州市规划 › 三、主要任务 › （一）提高残疾人民生保障水平 专栏2 第2项"; read as written
that is a long heading and "专栏二第二项" run together. Spoken, it is "朔州市规划，专栏二，第二项":
the plan (with 征求意见稿 when it is a draft), then the box and item, or the part, section and item,
or the indicator, each number on its own between pauses so that two numbers never sound like one.
A citation already in words passes through unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voice.lexicon import Lexicon
from voice.numbers import cardinal

_CN = "一二三四五六七八九十"
_PART = re.compile(rf"(?:^|›)\s*([{_CN}]+)(?:、|(?=[（(]))")
_SECTION = re.compile(rf"[（(]\s*([{_CN}]+)\s*[）)]")
_BOX = re.compile(rf"专栏\s*(\d+|[{_CN}]+)(?:\s*([{_CN}]+)、\s*([^\s›第]+))?")
_ITEM = re.compile(rf"第\s*(\d+|[{_CN}]+)\s*项|(?:^|[\s›）)])(\d+)\s*[.、．]?\s*$")
_INDICATOR = re.compile(r"(?:主要)?指标\s*第?\s*(\d+)")
_DRAFT = "征求意见稿"


@dataclass(frozen=True)
class _Where:
    part: str = ""
    section: str = ""
    box: str = ""
    group: str = ""
    item: str = ""
    indicator: str = ""


def citation_words(label: str, lexicon: Lexicon) -> str:
    """The words of one citation, pauses between its numbers and no label ("依据") in front."""
    label = label.strip().rstrip("。；;，,")
    plan, where = _split(label, lexicon)
    if where is None:
        return ""
    pieces = [plan] if plan else []
    if where.indicator:  # "专栏1 主要指标 › 指标11": the indicator is what finds it
        pieces.append(lexicon.citation_indicator.format(n=where.indicator))
    elif where.box:
        pieces.append(lexicon.citation_box.format(n=where.box))
        if where.group:
            pieces.append(where.group)
    else:
        if where.part:
            pieces.append(lexicon.citation_part.format(n=where.part))
        if where.section:
            pieces.append(lexicon.citation_section.format(n=where.section))
    if where.item and not where.indicator:
        pieces.append(lexicon.citation_item.format(n=where.item))
    return "，".join(piece for piece in pieces if piece)


def _number(text: str) -> str:
    return cardinal(text) if text.isdigit() else text


def _split(label: str, lexicon: Lexicon) -> tuple[str, _Where | None]:
    """The plan's name (said with 征求意见稿 for a draft) and where in the plan, None if nothing is cited."""
    head, rest = _first(label, re.escape(lexicon.citation_separators))
    draft = _DRAFT in head
    plan = re.sub(r"[（(][^）)]*[）)]", "", head).strip()
    plan = re.sub(r"[\s，,]+", "", plan)
    if draft:
        plan = f"{plan}，{_DRAFT}" if plan else _DRAFT
    path = rest
    where = _Where()
    if m := _PART.search(path):
        where = _replace(where, part=m[1])
    if m := _SECTION.search(path):
        where = _replace(where, section=m[1])
    if m := _BOX.search(path):
        where = _replace(where, box=_number(m[1]), group=m[3] or "")
    if m := _INDICATOR.search(path):
        where = _replace(where, indicator=cardinal(m[1]))
    if m := _ITEM.search(path):
        where = _replace(where, item=_number(m[1] or m[2]))
    if not plan and where == _Where():
        return "", None
    return plan, where


def _first(label: str, separators: str) -> tuple[str, str]:
    """The plan's part of a label and the rest: split at the first separator, or where numbers begin
    ("朔州市规划专栏9第2项", "张掖 三（二）4")."""
    parts = re.split(rf"\s*[{separators}]\s*", label, maxsplit=1)
    if len(parts) == 2:
        return parts[0], "› " + parts[1]
    m = re.search(rf"\s|专栏|指标|第|[{_CN}]+[、（(]|[（(][{_CN}]+[）)]|\d", label)
    if m is None:
        return label, ""
    head = label[: m.start()]
    if _DRAFT in label[m.start() :] and _DRAFT not in head:  # "同心县规划（征求意见稿）专栏6…"
        head += _DRAFT
    return head, "› " + label[m.start() :].strip()


def _replace(where: _Where, **changes: str) -> _Where:
    return _Where(**{**where.__dict__, **changes})
