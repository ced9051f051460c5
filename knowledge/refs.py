"""Clause references: the one type for "<doc_id>:<local ref>" keys, their parts, labels and spoken form.

A clause's key names its plan and where it stands in it (see knowledge.parse):
``box9.2`` is 专栏9 第2项, ``ind11`` the indicator table's 11th row, ``3.2.4`` the 4th item under
三、（二）, ``2.2.p1`` the first paragraph under 二、（二）, ``pre.p1`` the first paragraph before
the first heading, ``box8.p1`` a box's paragraph that is not a numbered item. Keys survive a
re-ingest, so buttons, links and data files can hold them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.numerals import to_chinese

_LOCAL = r"(?:box\d+\.p?\d+|ind\d+|pre\.p\d+|\d+(?:\.\d+)*(?:\.p\d+)?)"
LOCAL_PATTERN = re.compile(_LOCAL)
KEY_PATTERN = re.compile(rf"(?<![a-z0-9_])([a-z][a-z0-9_]*):({_LOCAL})(?![0-9a-z.])")


@dataclass(frozen=True, slots=True, order=True)
class ClauseRef:
    """Where a clause stands: its plan (`doc_id`) and its place in the plan (`local`)."""

    doc_id: str
    local: str

    def __post_init__(self) -> None:
        if not LOCAL_PATTERN.fullmatch(self.local) or not re.fullmatch(r"[a-z][a-z0-9_]*", self.doc_id):
            raise ValueError(f"not a clause reference: {self.doc_id}:{self.local}")

    @classmethod
    def parse(cls, key: str) -> ClauseRef:
        """``"shuozhou:box9.2"`` → ClauseRef; ValueError for anything else."""
        doc_id, sep, local = key.strip().partition(":")
        if not sep:
            raise ValueError(f"not a clause reference: {key!r}")
        return cls(doc_id, local)

    @classmethod
    def find(cls, text: str) -> ClauseRef | None:
        """The first clause key written inside `text` ("/clause shuozhou:box9.2"), if any."""
        match = KEY_PATTERN.search(text)
        return cls(match.group(1), match.group(2)) if match else None

    @property
    def key(self) -> str:
        return f"{self.doc_id}:{self.local}"

    def __str__(self) -> str:
        return self.key

    # -- parts -------------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """ "box", "box_paragraph", "indicator", "preamble", "item" (numbered or counted) or "paragraph"."""
        if self.local.startswith("box"):
            return "box_paragraph" if ".p" in self.local else "box"
        if self.local.startswith("ind"):
            return "indicator"
        if self.local.startswith("pre"):
            return "preamble"
        return "paragraph" if ".p" in self.local or self.local.startswith("p") else "item"

    @property
    def _numbers(self) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", self.local))

    @property
    def box(self) -> int | None:
        return self._numbers[0] if self.kind in ("box", "box_paragraph") else None

    @property
    def item(self) -> int | None:
        """The item's number within its box or section; None for paragraphs and indicators."""
        if self.kind == "box":
            return self._numbers[1]
        if self.kind == "item" and len(self._numbers) >= 3:
            return self._numbers[-1]
        return None

    @property
    def indicator(self) -> int | None:
        return self._numbers[0] if self.kind == "indicator" else None

    @property
    def section(self) -> tuple[int, ...]:
        """The numbers of the headings above: (3, 2) for 三、（二）."""
        if self.kind in ("item",):
            return self._numbers[:2] if len(self._numbers) >= 3 else self._numbers
        if self.kind == "paragraph":
            return self._numbers[:-1]
        return ()

    @property
    def paragraph(self) -> int | None:
        return self._numbers[-1] if self.kind in ("paragraph", "preamble") else None

    # -- how people read and hear it -----------------------------------------------------------------

    def where(self, group: str = "", item: int | None = None) -> str:
        """Its place in words a reader finds in the plan: 专栏9 第2项, 主要指标 第5项, 三（二）第4项.

        `group` is a box's sub-group heading when it has one ("二、服务类"), and `item` the number the
        plan prints within that group: the ref counts a box's items straight through its groups."""
        if self.kind == "box":
            return f"专栏{self.box} {group + ' ' if group else ''}第{item or self.item}项"
        if self.kind == "box_paragraph":
            return f"专栏{self.box}"
        if self.kind == "indicator":
            return f"主要指标 第{self.indicator}项"
        if self.kind == "preamble":
            return "开头部分"
        heading = _heading(self.section)
        if self.kind == "item":
            return f"{heading}第{self.item}项"
        return heading or "开头部分"

    def label(self, plan: str, group: str = "", item: int | None = None) -> str:
        """ "朔州市规划 专栏9 第2项": a citation a screen reader says as words (no ids, no symbols)."""
        return f"{plan} {self.where(group, item)}"

    def spoken(self, plan: str, group: str = "", item: int | None = None) -> str:
        """The citation for the ear, every number in words and kept apart: 朔州市规划，专栏九，第二项."""
        plan = plan.replace("（", "，").replace("）", "")
        if self.kind == "box":
            parts = [f"专栏{to_chinese(self.box or 0)}"]
            if group:
                parts.append(group.split("、", 1)[-1])
            parts.append(f"第{to_chinese(item or self.item or 0)}项")
        elif self.kind == "box_paragraph":
            parts = [f"专栏{to_chinese(self.box or 0)}"]
        elif self.kind == "indicator":
            parts = ["主要指标", f"第{to_chinese(self.indicator or 0)}项"]
        elif self.kind == "preamble":
            parts = ["开头部分"]
        else:
            parts = [_spoken_heading(self.section)]
            if self.kind == "item":
                parts.append(f"第{to_chinese(self.item or 0)}项")
        return "，".join([plan, *(p for p in parts if p)])

    # -- Telegram deep links ([A-Za-z0-9_-], at most 64 characters) ----------------------------------

    @property
    def link(self) -> str:
        return self.key.replace(":", "-").replace(".", "_")

    @classmethod
    def from_link(cls, payload: str) -> ClauseRef | None:
        try:
            return cls.parse(payload.replace("-", ":", 1).replace("_", "."))
        except ValueError:
            return None


def _heading(section: tuple[int, ...]) -> str:
    if not section:
        return ""
    if len(section) == 1:
        return f"第{to_chinese(section[0])}部分"
    return f"{to_chinese(section[0])}（{to_chinese(section[1])}）"


def _spoken_heading(section: tuple[int, ...]) -> str:
    words = [f"第{to_chinese(section[0])}部分"] if section else []
    if len(section) > 1:
        words.append(f"第{to_chinese(section[1])}节")
    return "，".join(words)
