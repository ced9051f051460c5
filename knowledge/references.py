"""Clause references as case workers type them: "专栏9 第2项", "三（二）4", "指标 11", "shuozhou:box9.2".

Shared by lookups (knowledge.lookup) and ranking (knowledge.search), which puts the clause a
question names first. `ReferenceMap` resolves a reference without looking at every clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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


class ReferenceMap:
    """Where each clause stands → its position in `clauses`, so a reference resolves in O(1) at any scale.

    Built once when the clauses are loaded (the Searcher holds one). A clause's key is
    "<doc_id>:<ref>" (knowledge.refs.ClauseRef), and a reference names either one key (专栏9 第2项 →
    box9.2, 指标 11 → ind11, 三（二）4 → 3.2.4) or every key under a prefix (专栏9 → box9.*, 三（二）
    → 3.2 and 3.2.*): the map holds each clause under its own key and under each dot-prefix of its
    ref, per plan, and under its bare ref across plans. The answers are `matches` over every clause,
    in the clauses' order (a test compares the two on the real plans and a ×10 corpus).
    """

    def __init__(self, clauses: Sequence[ClauseView]) -> None:
        self.clauses = clauses
        self._at: dict[str, int] = {}  # clause key → position
        self._under: dict[str, list[int]] = {}  # "<doc_id>:<prefix>" → positions of the refs below it
        self._everywhere: dict[str, list[int]] = {}  # ref → positions in every plan
        self._first: dict[str, int] = {}  # doc_id → its first clause, in the order plans first appear
        self._of_plan: dict[str, list[int]] = {}  # doc_id → its clauses
        self._plans_in: dict[str, list[str]] = {}  # region → doc ids
        self._with_boxes: set[str] = set()
        self._with_indicators: set[str] = set()
        for position, clause in enumerate(clauses):
            doc, ref = clause.doc_id, clause.ref
            if clause.id != f"{doc}:{ref}":
                raise ValueError(f"clause {clause.id!r} is not keyed <doc_id>:<ref> ({doc}:{ref})")
            if clause.id in self._at:
                raise ValueError(f"clause {clause.id!r} appears twice")
            self._at[clause.id] = position
            if doc not in self._first:
                self._first[doc] = position
                self._of_plan[doc] = []
                self._plans_in.setdefault(clause.region, []).append(doc)
            self._of_plan[doc].append(position)
            self._everywhere.setdefault(ref, []).append(position)
            dot = ref.find(".")
            while dot > 0:
                self._under.setdefault(f"{doc}:{ref[:dot]}", []).append(position)
                dot = ref.find(".", dot + 1)
            if clause.kind is Kind.BOX_ITEM:
                self._with_boxes.add(doc)
            elif clause.kind is Kind.INDICATOR:
                self._with_indicators.add(doc)

    # -- plans ---------------------------------------------------------------------------------------

    @property
    def plans(self) -> list[str]:
        """Every doc id, in the order the plans' first clauses come."""
        return list(self._first)

    def plans_in(self, region: str) -> list[str]:
        """The doc ids of a region's plans."""
        return list(self._plans_in.get(region, ()))

    def first(self, doc_id: str) -> ClauseView:
        """A plan's first clause (it carries the plan's titles and region)."""
        return self.clauses[self._first[doc_id]]

    def clauses_of(self, doc_id: str) -> list[ClauseView]:
        """A plan's clauses, in order ([] for a plan not here)."""
        return [self.clauses[p] for p in self._of_plan.get(doc_id, ())]

    def has_boxes(self, doc_id: str) -> bool:
        return doc_id in self._with_boxes

    def has_indicators(self, doc_id: str) -> bool:
        return doc_id in self._with_indicators

    # -- clauses -------------------------------------------------------------------------------------

    def clause(self, key: str) -> ClauseView | None:
        """The clause with this key ("shuozhou:box9.2"), or None."""
        position = self._at.get(key)
        return self.clauses[position] if position is not None else None

    def in_plan(self, reference: Reference, doc_id: str) -> list[ClauseView]:
        """The clauses of one plan the reference names: `[c for c in plan if matches(reference, c)]`."""
        return [self.clauses[p] for p in self._positions(reference, doc_id)]

    def find(
        self, reference: Reference, region: str | None = None, *, limit: int | None = None
    ) -> list[ClauseView]:
        """The clauses the reference names in a region's plans (every plan when `region` is None), in
        order, at most `limit`: `[c for c in clauses if c.region == region and matches(reference, c)]`."""
        positions: Iterable[int]
        if region is not None:
            positions = self._merged(self._plans_in.get(region, ()), reference)
        elif (local := _exact_ref(reference)) is not None:
            positions = self._everywhere.get(local, [])
            if reference.kind == "indicator":
                positions = (p for p in positions if self.clauses[p].kind is Kind.INDICATOR)
        else:
            positions = self._merged(self._first, reference)
        found: list[ClauseView] = []
        for position in positions:
            if limit is not None and len(found) >= limit:
                break
            found.append(self.clauses[position])
        return found

    def _merged(self, docs: Iterable[str], reference: Reference) -> list[int]:
        groups = [self._positions(reference, doc) for doc in docs]
        return groups[0] if len(groups) == 1 else sorted(p for group in groups for p in group)

    def _positions(self, reference: Reference, doc_id: str) -> list[int]:
        if reference.kind == "box" and reference.item is None:
            return self._under.get(f"{doc_id}:box{reference.box}", [])
        if reference.kind == "section" and len(reference.path) < 3:
            prefix = f"{doc_id}:{'.'.join(map(str, reference.path))}"
            return sorted(self._exact(prefix) + self._under.get(prefix, []))
        local = _exact_ref(reference)
        if local is None:
            return []
        found = self._exact(f"{doc_id}:{local}")
        if reference.kind == "indicator":
            return [p for p in found if self.clauses[p].kind is Kind.INDICATOR]
        return found

    def _exact(self, key: str) -> list[int]:
        position = self._at.get(key)
        return [position] if position is not None else []


def _exact_ref(reference: Reference) -> str | None:
    """The one local ref a reference names ("box9.2", "ind11", "3.2.4"), None when it names a prefix."""
    if reference.kind == "box":
        return None if reference.item is None else f"box{reference.box}.{reference.item}"
    if reference.kind == "indicator":
        return f"ind{reference.item}"
    if reference.kind == "section" and len(reference.path) >= 3:
        return ".".join(map(str, reference.path))
    return None
