"""The plain data a parsed plan is made of, and the clause as the rest of planbot reads it.

These dataclasses are the contract between the parser (text → clauses), the store
(clauses → database rows) and search (rows → index). They know nothing of databases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge.refs import ClauseRef

PATH_SEPARATOR = " › "
_GROUP = re.compile(r"^[一二三四五六七八九十]+、")
_ITEM_NUMBER = re.compile(r"第(\d+)项$")
_STATUS_SECTION = re.compile(r"发展现状|发展基础|编制背景|十三五")


def box_place(path: Sequence[str], number: str) -> tuple[str, int | None]:
    """A box item's sub-group heading ("二、服务类" in 张掖's and 同心's boxes) and its number within the
    group as the plan prints it (the `number` "专栏2 二、服务类 第2项" → 2); ("", None) with no group."""
    if len(path) < 3 or not _GROUP.match(path[-1]):
        return "", None
    found = _ITEM_NUMBER.search(number)
    return path[-1], int(found.group(1)) if found else None


class Kind(StrEnum):
    """What a clause is, as a reader of the plan would name it."""

    PREAMBLE = "preamble"  # the notice and introduction before the first heading
    SECTION = "section"  # text that stands directly under a heading (一、 （一）)
    GOAL = "goal"  # a ——target line or paragraph under 主要目标/发展目标
    PRINCIPLE = "principle"  # a 坚持… paragraph under 基本原则
    ITEM = "item"  # a numbered (1.) or titled paragraph of a task section
    BOX_ITEM = "box_item"  # an item inside a 专栏 box
    INDICATOR = "indicator"  # one row of the main-indicator table


@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of a plan's indicator table (专栏1 主要指标)."""

    number: int
    name: str  # the indicator without its unit: "城乡残疾人职业技能培训人数"
    unit: str  # "人", "%", "户" or ""
    category: str  # the carried-down 类别 ("收入和就业"), "" if the table has none
    value_2020: str  # as printed ("——" and "" both mean not stated → "")
    target_2025: str  # as printed: "1140", "≥85", "与全市地区生产总值增长同步"
    attribute: str  # "约束性" or "预期性" (or "" when the row leaves it blank)


@dataclass(slots=True)
class ParsedClause:
    """One citable unit of a plan: a section's text, an item, a box item or an indicator row."""

    doc_id: str
    seq: int  # position in the document, 0-based, strictly increasing
    kind: Kind
    ref: str  # stable within the document, see knowledge.parse docs: "3.1.2", "box5.3", "ind11"
    path: tuple[str, ...]  # headings above it, outermost first, each with its number
    number: str  # the clause's own number as printed: "2.", "（三）", "专栏5 第3项", "指标11"
    title: str  # the item's title ("完善残疾人社会救助和社会保障体系") or ""
    text: str  # the full, cleaned text (title included, departments included)
    lead_departments: tuple[str, ...] = ()
    participating_departments: tuple[str, ...] = ()
    box: str = ""  # "专栏5 残疾人健康和康复重点项目" for box items, else ""
    indicator: Indicator | None = None


@dataclass(slots=True)
class ParsedDocument:
    doc_id: str
    title: str
    clauses: list[ParsedClause] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClauseView:
    """A clause as the rest of planbot reads it: plain values, document facts attached."""

    id: str
    doc_id: str
    doc_title: str
    doc_short_title: str
    region: str
    seq: int
    kind: Kind
    ref: str
    path: tuple[str, ...]
    number: str
    title: str
    text: str
    lead_departments: tuple[str, ...]
    participating_departments: tuple[str, ...]
    box: str
    indicator: Indicator | None

    @property
    def departments(self) -> tuple[str, ...]:
        return self.lead_departments + self.participating_departments

    @property
    def path_text(self) -> str:
        return PATH_SEPARATOR.join(self.path)

    @property
    def cref(self) -> ClauseRef:
        return ClauseRef(self.doc_id, self.ref)

    @property
    def about_the_past(self) -> bool:
        """In a chapter about what was done before the plan (发展现状, 十三五…), not what it will do."""
        return bool(self.path) and bool(_STATUS_SECTION.search(self.path[0]))

    @property
    def _box_place(self) -> tuple[str, int | None]:
        return box_place(self.path, self.number) if self.kind is Kind.BOX_ITEM else ("", None)

    @property
    def label(self) -> str:
        """The citation as words: "朔州市规划 专栏9 第2项"."""
        return self.cref.label(self.doc_short_title, *self._box_place)

    @property
    def spoken_label(self) -> str:
        """The citation for the ear: "朔州市规划，专栏九，第二项"."""
        return self.cref.spoken(self.doc_short_title, *self._box_place)
