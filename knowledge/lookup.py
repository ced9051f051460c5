"""Case-worker lookups: a clause by reference, indicator targets, departments, one topic across plans.

References are read the way case workers type them: "朔州 专栏9 第2项", "张掖 三（二）4",
"茌平 指标 11", "同心县规划专栏4第7项", or a clause id such as "shuozhou:box9.2". A reference
to something a plan does not have (山西省's text has no 专栏 and no indicator table) is
reported as missing, never answered with something near.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.casework import PlanComparison, compare, indicator_table
from knowledge.clause import ClauseView
from knowledge.indicator_table import Selection
from knowledge.references import Reference, ReferenceMap, parse_reference
from knowledge.regions import Region
from knowledge.search import Searcher
from knowledge.tokenize import clean_text, to_simplified


@dataclass(frozen=True, slots=True)
class LookupResult:
    clauses: list[ClauseView]
    missing: list[str]  # plain sentences about plans that lack what was asked for


class Lookup:
    """Lookups over the clauses a Searcher holds (made per message: it builds nothing of its own)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.references: ReferenceMap = searcher.references

    def plans_for(self, text: str, region: str | None = None) -> list[str]:
        """The doc ids a reference applies to: the plan of the region named (or saved), else every plan."""
        match = self.searcher.gazetteer.detect(to_simplified(clean_text(text)))
        name = match.name if match else region
        if name:
            chain = self.searcher.gazetteer.covered_chain(name)
            if chain:
                return self.references.plans_in(chain[0])
        return self.references.plans

    def resolve(self, text: str, region: str | None = None) -> LookupResult | None:
        """Resolve a typed reference; None when `text` holds no reference at all."""
        reference = parse_reference(text)
        if reference is None:
            return None
        if reference.kind == "id":
            clause = self.references.clause(reference.clause_id or "")
            return LookupResult(
                [clause] if clause else [], [] if clause else [f"没有编号为 {reference.clause_id} 的条款。"]
            )
        found: list[ClauseView] = []
        missing: list[str] = []
        for doc_id in self.plans_for(text, region):
            hits = self.references.in_plan(reference, doc_id)
            if hits:
                found.extend(hits if reference.item or len(reference.path) == 3 else hits[:12])
            else:
                missing.append(_missing_sentence(reference, self.references, doc_id))
        return LookupResult(found, missing)

    def indicators(self, text: str = "", region: Region | None = None) -> Selection:
        """The indicator rows on a topic ("康复", "无障碍", "" for all) side by side, for the region
        `text` names, else `region` (its plan and the plans above it), else every region."""
        cleaned = to_simplified(clean_text(text)).strip()
        match = self.searcher.gazetteer.detect(cleaned)
        topic = cleaned.replace(match.matched, " ").strip() if match else cleaned
        table = indicator_table(self.searcher)
        if match is not None and match.region is not None:
            region = match.region
        if region is None:
            return table.select(topic)
        if not region.covered:
            return table.select(topic, note=f"{region.name}的规划暂未收录，下面是已收录的各地规划。")
        return table.select(topic, region.chain)

    def compare(self, topic: str, *, per_plan: int = 1) -> list[PlanComparison]:
        """Every plan in turn: its clauses that speak to `topic` (best covered first), or none."""
        return compare(topic, self.searcher, per_plan=per_plan)


def _missing_sentence(reference: Reference, references: ReferenceMap, doc_id: str) -> str:
    plan = references.first(doc_id).doc_short_title
    if reference.kind == "box" and not references.has_boxes(doc_id):
        return f"{plan}没有专栏，无法查到{reference.describe()}。"
    if reference.kind == "indicator" and not references.has_indicators(doc_id):
        return f"{plan}没有主要指标表，无法查到{reference.describe()}。"
    return f"{plan}里没有{reference.describe()}。"
