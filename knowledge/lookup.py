"""Case-worker lookups: a clause by reference, indicator targets, departments, one topic across plans.

References are read the way case workers type them: "朔州 专栏9 第2项", "张掖 三（二）4",
"茌平 指标 11", "同心县规划专栏4第7项", or a clause id such as "shuozhou:box9.2". A reference
to something a plan does not have (山西省's text has no 专栏 and no indicator table) is
reported as missing, never answered with something near.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.clause import ClauseView, Kind
from knowledge.references import Reference, matches, parse_reference
from knowledge.search import Searcher
from knowledge.tokenize import clean_text, to_simplified


@dataclass(frozen=True, slots=True)
class LookupResult:
    clauses: list[ClauseView]
    missing: list[str]  # plain sentences about plans that lack what was asked for


class Lookup:
    """Lookups over the clauses a Searcher holds."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.by_id = {c.id: c for c in searcher.clauses}
        self.by_doc: dict[str, list[ClauseView]] = {}
        for clause in searcher.clauses:
            self.by_doc.setdefault(clause.doc_id, []).append(clause)

    def plans_for(self, text: str, region: str | None = None) -> list[str]:
        """The doc ids a reference applies to: the plan of the region named (or saved), else every plan."""
        match = self.searcher.gazetteer.detect(to_simplified(clean_text(text)))
        name = match.name if match else region
        if name:
            chain = self.searcher.gazetteer.covered_chain(name)
            if chain:
                return [d for d, cs in self.by_doc.items() if cs[0].region == chain[0]]
        return list(self.by_doc)

    def resolve(self, text: str, region: str | None = None) -> LookupResult | None:
        """Resolve a typed reference; None when `text` holds no reference at all."""
        reference = parse_reference(text)
        if reference is None:
            return None
        if reference.kind == "id":
            clause = self.by_id.get(reference.clause_id or "")
            return LookupResult(
                [clause] if clause else [], [] if clause else [f"没有编号为 {reference.clause_id} 的条款。"]
            )
        found: list[ClauseView] = []
        missing: list[str] = []
        for doc_id in self.plans_for(text, region):
            clauses = self.by_doc[doc_id]
            hits = [c for c in clauses if matches(reference, c)]
            if hits:
                found.extend(hits if reference.item or len(reference.path) == 3 else hits[:12])
            else:
                missing.append(_missing_sentence(reference, clauses))
        return LookupResult(found, missing)

    def indicators(self, text: str, region: str | None = None) -> list[ClauseView]:
        """Indicator rows of the region's plan (or every plan) that match the words in `text`."""
        docs = self.plans_for(text, region)
        rows = [c for d in docs for c in self.by_doc[d] if c.kind is Kind.INDICATOR]
        outcome = self.searcher.search(text, k=40)
        order = {r.clause.id: i for i, r in enumerate(outcome.results) if r.clause.kind is Kind.INDICATOR}
        matched = [c for c in rows if c.id in order]
        return sorted(matched, key=lambda c: order[c.id]) if matched else rows

    def compare(self, topic: str, *, per_plan: int = 1) -> list[tuple[str, list[ClauseView]]]:
        """The best clauses on `topic` in each plan, one plan after another."""
        outcome = self.searcher.search(topic, k=200)
        best: dict[str, list[ClauseView]] = {}
        for result in outcome.results:
            if result.clause.kind is Kind.PREAMBLE:
                continue
            picks = best.setdefault(result.clause.doc_id, [])
            if len(picks) < per_plan:
                picks.append(result.clause)
        return [(doc_id, best[doc_id]) for doc_id in self.by_doc if doc_id in best]


def _missing_sentence(reference: Reference, clauses: Sequence[ClauseView]) -> str:
    plan = clauses[0].doc_short_title
    if reference.kind == "box" and not any(c.kind is Kind.BOX_ITEM for c in clauses):
        return f"{plan}没有专栏，无法查到{reference.describe()}。"
    if reference.kind == "indicator" and not any(c.kind is Kind.INDICATOR for c in clauses):
        return f"{plan}没有主要指标表，无法查到{reference.describe()}。"
    return f"{plan}里没有{reference.describe()}。"
