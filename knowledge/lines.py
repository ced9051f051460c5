"""From a plan's raw text to a list of logical paragraphs, each tagged with what it looks like.

This stage removes the conversion artefacts (see ``knowledge.textclean``), skips the web
header, the table of contents and the release footer, drops a 专栏 title that a page break
repeated, reads the indicator table, and rejoins paragraphs that the conversion broke across
lines: a line that does not end a sentence runs on into the next line that is not a heading.
What the paragraphs mean (sections, items, boxes) is decided in ``knowledge.parse``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge.clause import Indicator
from knowledge.indicators import parse_indicator_table
from knowledge.textclean import (
    bold_name,
    clean_line,
    ends_sentence,
    is_footer,
    is_toc_title,
    is_web_artefact,
)

CN_DIGITS = "一二三四五六七八九十"
_BOX = re.compile(r"^专栏\s*(\d+)\s*[:：]?\s*(.*)$")
_H1 = re.compile(rf"^([{CN_DIGITS}]+)、\s*(.+)$")
_H2 = re.compile(rf"^[（(]\s*([{CN_DIGITS}]+)\s*[)）]\s*(.*)$")
_NUM = re.compile(r"^(\d{1,2})\s*[.．]\s*(?!\d)(.*)$")
_DEPT = re.compile(r"^[（(]\s*(牵头|责任|主责)")
#: A level-1 heading (or box sub-group) is a short title; "三、四级智力残疾人。" is a sentence.
_H1_MAX = 30
_SENTENCE_MARKS = re.compile(r"[。，,；;：:]")
_NAMED = re.compile(r"^([^\s，,。；;：:]{2,40}?)[ \u3000]+(\S.*)$")

#: A table-of-contents entry is short; the first long line after 目录 is the introduction.
_TOC_MAX_LINE = 50
#: Preamble lines run on only after a comma-like mark or when they fill a printed line.
_PREAMBLE_RUN_ON = "，、,（(《“"
_PREAMBLE_FULL_LINE = 40


class Tag(StrEnum):
    H1 = "h1"  # 一、发展现状
    H2 = "h2"  # （一）指导思想 — possibly followed by text on the same line
    NUM = "num"  # 1. 巩固拓展…
    BOX = "box"  # 专栏5 残疾人健康和康复重点项目
    TABLE = "table"  # the rows of the indicator table
    TEXT = "text"  # any other paragraph


@dataclass(slots=True)
class Para:
    """One logical paragraph of the body: its tag, number, heading and (raw, spaced) text."""

    tag: Tag
    line: int  # 1-based line number where it starts
    numeral: str = ""  # "三", "2" or "5" (box number)
    head: str = ""  # heading or box title
    body: str = ""  # the text after the number; inner spaces kept for name splitting
    name: str = ""  # the lead-in name of a "name + text" box item, if the line has one
    rows: list[Indicator] = field(default_factory=list)


@dataclass(slots=True)
class Split:
    """A plan text cut into its preamble paragraphs and its body paragraphs."""

    preamble: list[str]
    body: list[Para]


def classify(line: str) -> Para:
    """What a cleaned line looks like on its own (line number filled in by the caller)."""
    if m := _BOX.match(line):
        return Para(Tag.BOX, 0, numeral=m.group(1), head=m.group(2).strip())
    if (m := _H1.match(line)) and len(m.group(2)) <= _H1_MAX and not _SENTENCE_MARKS.search(m.group(2)):
        return Para(Tag.H1, 0, numeral=m.group(1), head=m.group(2).strip())
    if m := _H2.match(line):
        rest = m.group(2).strip()
        head, _, body = rest.partition("。")
        if not body.strip():
            return Para(Tag.H2, 0, numeral=m.group(1), head=head.strip(), body="")
        return Para(Tag.H2, 0, numeral=m.group(1), head=head.strip(), body=rest)
    if m := _NUM.match(line):
        return Para(Tag.NUM, 0, numeral=m.group(1), body=m.group(2))
    return Para(Tag.TEXT, 0, body=line)


def _is_heading(line: str) -> bool:
    return classify(clean_line(line)).tag in (Tag.H1, Tag.H2)


def _join_preamble(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    for line in lines:
        prev = paragraphs[-1] if paragraphs else ""
        if (
            prev
            and not ends_sentence(prev)
            and (prev.endswith(tuple(_PREAMBLE_RUN_ON)) or len(prev) >= _PREAMBLE_FULL_LINE)
        ):
            paragraphs[-1] = prev + line
        else:
            paragraphs.append(line)
    return paragraphs


def _carries_text(para: Para) -> bool:
    return para.tag in (Tag.TEXT, Tag.NUM) or (para.tag is Tag.H2 and bool(para.body))


def split_lines(text: str) -> Split:
    """Cut a plan text into preamble paragraphs and tagged body paragraphs."""
    raw_lines = text.splitlines()
    preamble: list[str] = []
    body: list[Para] = []
    seen_boxes: set[str] = set()
    phase = "pre"
    i = 0
    while i < len(raw_lines):
        raw = raw_lines[i]
        line = clean_line(raw)
        i += 1
        if not line:
            continue
        if phase == "toc":
            if len(line) <= _TOC_MAX_LINE:
                continue
            phase = "pre"
        para = classify(line)
        para.line = i
        if phase == "pre":
            if is_toc_title(line):
                phase = "toc"
                continue
            if para.tag is not Tag.H1:
                if not is_web_artefact(line):
                    preamble.append(line)
                continue
            phase = "body"
        if is_footer(line):
            break
        if para.tag is Tag.BOX:
            if para.numeral in seen_boxes:
                continue  # the box title repeated at a page break
            seen_boxes.add(para.numeral)
            if "指标" in para.head:
                start = i
                while i < len(raw_lines) and not _is_heading(raw_lines[i]):
                    i += 1
                para.tag, para.rows = Tag.TABLE, parse_indicator_table(raw_lines[start:i])
            body.append(para)
            continue
        prev = body[-1] if body else None
        runs_on = prev is not None and _carries_text(prev) and not ends_sentence(prev.body)
        if (
            para.tag is Tag.TEXT
            and prev is not None
            and _carries_text(prev)
            and (runs_on or _DEPT.match(line))
        ):
            prev.body += line
            continue
        if para.tag is Tag.TEXT:
            para.name = bold_name(raw) or ((m := _NAMED.match(line)) and m.group(1)) or ""
        body.append(para)
    return Split(_keep_sentences(_join_preamble(preamble)), body)


def _keep_sentences(paragraphs: list[str]) -> list[str]:
    """The notice's sentences; its masthead, addressee, signature and date lines are not clauses."""
    return [p for p in paragraphs if p.endswith(("。", "！", "？"))]
