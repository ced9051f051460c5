"""Questions → ranked clauses.

Ranking is BM25 (knowledge.index) over the question's own words, plus the policy terms its
everyday words stand for (at a lower weight), then adjusted for what a clause is (an item
beats a paragraph of past achievements), for what the question asks (departments, targets)
and for the asker's region (their plan, then the plans above it, then the rest). Whether the
plans answer the question is the answer's decision (knowledge.scope), not search's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from knowledge.clause import ClauseView, Kind
from knowledge.guides import Guide
from knowledge.index import Bm25Index, Subset
from knowledge.library import Library
from knowledge.references import ReferenceMap, parse_reference
from knowledge.regions import Gazetteer, RegionMatch
from knowledge.tokenize import Tokenizer, clean_text, to_simplified

MAX_QUERY_CHARS = 300
SYNONYM_WEIGHT = 0.5
CANDIDATES = 80
UNKNOWN_WORD_QUANTILE = 0.5
GUIDE_BOOST = 1.3

# Words every clause is about: they neither help rank nor show that a question is covered.
GENERIC = frozenset(
    {"残疾", "残疾人", "残疾者", "政府", "国家", "规划", "十四五", "能", "领", "办", "给", "享受"}
)

_INDICATOR_ASK = re.compile(
    r"指标|目标|覆盖率|参保率|入学率|适配率|比例|百分之|%|多少人|多少户|几户|人数|人次|2025"
)
_PIECE_END = re.compile(r"[\n。；！？，、：;!?,:]")  # where `in_plans` cuts clauses into pieces
#: A question's A-not-A form (能不能, 是不是, 收不收费, 可不可以): it asks; only A means anything.
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_PAST_ASK = re.compile(r"十三五|过去|这些年|以来|已经有|取得|成效|成绩|短板|不足|问题")
_KIND_FACTOR = {
    Kind.PREAMBLE: 0.3,
    Kind.SECTION: 0.8,
    Kind.GOAL: 0.75,
    Kind.PRINCIPLE: 0.6,
    Kind.ITEM: 1.0,
    Kind.BOX_ITEM: 1.0,
    Kind.INDICATOR: 0.7,
}


@dataclass(slots=True)
class Query:
    text: str  # cleaned, simplified, truncated
    region: RegionMatch | None
    words: list[str]  # content tokens of the question itself
    weights: dict[str, float]  # token → weight, synonyms included
    stands_for: dict[str, set[str]]  # question token → the policy tokens it stands for
    asks_departments: bool
    asks_indicator: bool
    asks_past: bool = False  # about what was achieved before the plan (十三五): the status sections
    guide: Guide | None = None  # the benefit guide the question is about, if any
    truncated: bool = False

    @property
    def guide_clauses(self) -> frozenset[str]:
        if self.guide is None:
            return frozenset()
        return frozenset(f"{doc}:{ref}" for doc, refs in self.guide.sources for ref in refs)


@dataclass(frozen=True, slots=True)
class Result:
    clause: ClauseView
    score: float
    bm25: float


@dataclass(slots=True)
class SearchOutcome:
    query: Query
    results: list[Result]
    region_covered: bool | None  # None: no region named or saved; False: named but its plan is not here
    applicable_regions: tuple[str, ...] = field(default_factory=tuple)
    region: str | None = None  # the region answered for: the one named in the text, else the asker's
    pinned: tuple[str, ...] = ()  # clauses the question names by reference ("专栏4 第3项"), first in results
    candidate_plans: tuple[str, ...] = ()  # doc ids of every clause ranked (not only `results`), best first


class Searcher:
    """Ranks the clauses of one corpus; safe to share between threads once built."""

    def __init__(
        self,
        clauses: Sequence[ClauseView],
        index: Bm25Index,
        tokenizer: Tokenizer,
        library: Library,
    ) -> None:
        self.clauses = list(clauses)
        self.index = index
        self.tokenizer = tokenizer
        self.library = library
        self.regions = sorted({c.region for c in self.clauses})
        self.references = ReferenceMap(self.clauses)
        self._region_code = {region: code for code, region in enumerate(self.regions)}
        self._region_of = np.array([self._region_code[c.region] for c in self.clauses], dtype=np.int32)
        self._masks: dict[tuple[str, ...], Subset] = {}
        self._synonym_tokens: dict[str, tuple[str, ...]] = {}
        self._plain_text: str | None = None  # every clause's title and text (see in_plans)
        self._pieces: str | None = None  # …their distinct pieces
        self._pairs: frozenset[str] = frozenset()  # …and every two characters side by side in them

    @cached_property
    def _unknown_weight(self) -> float:
        """A word the plans never use weighs like a rare plan word: mostly it names what the question
        is about, and the plans' silence on it is evidence they do not answer it. (Made on first use:
        np.quantile imports numpy.ma, 11 ms of a `planbot ask` whose words are all known.)"""
        return float(np.quantile(self.index.idf, UNKNOWN_WORD_QUANTILE)) if len(self.index.idf) else 1.0

    @property
    def gazetteer(self) -> Gazetteer:
        return self.library.gazetteer

    # -- query analysis ------------------------------------------------------------------------

    def analyse(self, text: str) -> Query:
        cleaned = to_simplified(clean_text(text)).strip()
        truncated = len(cleaned) > MAX_QUERY_CHARS
        cleaned = cleaned[:MAX_QUERY_CHARS]
        region = self.gazetteer.detect(cleaned)
        body = cleaned.replace(region.matched, " ") if region else cleaned
        body = _A_NOT_A.sub(r"\1", body)  # 能不能去 → 能去: else jieba leaves 不能 ("cannot") to search for
        pieces = self.tokenizer.words(body)  # jieba once; stop words stay for the synonyms' sake
        stop = self.tokenizer.stopwords
        words = [w for w in pieces if w not in stop and w not in GENERIC]
        weights: dict[str, float] = {}
        for word in words:
            weights[word] = weights.get(word, 0.0) + 1.0
        stands_for: dict[str, set[str]] = {}
        for word in pieces:
            for term in self.tokenizer.synonyms.terms.get(word, ()):
                for token in self._term_tokens(term):
                    if token in GENERIC:
                        continue
                    stands_for.setdefault(word, set()).add(token)
                    if token not in weights or weights[token] < 1.0:
                        weights[token] = max(weights.get(token, 0.0), SYNONYM_WEIGHT)
        expansions = "，".join(sorted({t for terms in stands_for.values() for t in terms}))
        return Query(
            text=cleaned,
            region=region,
            words=words,
            weights=weights,
            stands_for=stands_for,
            asks_departments=self.library.intents.ask("who_leads").asked_in(cleaned),
            asks_indicator=bool(_INDICATOR_ASK.search(cleaned)),
            asks_past=bool(_PAST_ASK.search(cleaned)),
            guide=self.library.match_guide(body) or self.library.match_guide(f"{body}。{expansions}"),
            truncated=truncated,
        )

    def _term_tokens(self, term: str) -> tuple[str, ...]:
        """A policy term's tokens, cut once (there are as many as synonyms.toml names)."""
        tokens = self._synonym_tokens.get(term)
        if tokens is None:
            tokens = self._synonym_tokens[term] = tuple(self.tokenizer.tokens(term))
        return tokens

    # -- ranking -------------------------------------------------------------------------------

    def search(
        self, text: str, *, k: int = 5, region: str | None = None, only_region: bool = False
    ) -> SearchOutcome:
        """Rank clauses for `text`. `region` is the asker's saved region unless the text names one;
        with `only_region`, clauses outside that region's plans are left out."""
        query = self.analyse(text)
        named = query.region
        chain: tuple[str, ...] = ()
        region_covered: bool | None = None
        used = named.region if named is not None else self.library.region(region)
        if used is not None:
            chain = used.chain
            region_covered = bool(chain) if named is not None or chain else None
        term_weights = self.index.query_weights(query.weights)
        allowed = self._mask(chain) if (only_region and chain) else None
        hits = {h.position: h.score for h in self.index.top(term_weights, CANDIDATES, allowed)}
        if chain and not only_region:
            for hit in self.index.top(term_weights, CANDIDATES // 2, self._mask(chain)):
                hits[hit.position] = hit.score
        guided = query.guide_clauses
        ranked = sorted(
            (
                Result(self.clauses[p], s * self._factor(self.clauses[p], query, chain, guided), s)
                for p, s in hits.items()
            ),
            key=lambda r: (-r.score, r.clause.doc_id, r.clause.seq),
        )
        pinned = self._referenced(query, chain)
        if pinned:
            best = ranked[0].score if ranked else 1.0
            ids = {c.id for c in pinned}
            ranked = [Result(c, best + 1.0, 0.0) for c in pinned] + [
                r for r in ranked if r.clause.id not in ids
            ]
        return SearchOutcome(
            query,
            ranked[:k],
            region_covered,
            chain,
            used.name if used else None,
            tuple(c.id for c in pinned),
            tuple(dict.fromkeys(r.clause.doc_id for r in ranked)),
        )

    def _referenced(self, query: Query, chain: tuple[str, ...]) -> list[ClauseView]:
        """The clauses a reference in the question names ("专栏4 第3项" in 朔州's plan), at most three."""
        reference = parse_reference(query.text)
        if reference is None or reference.kind == "id" or (not reference.item and len(reference.path) < 3):
            return []
        found = self.references.find(reference, chain[0] if chain else None, limit=4)
        return found if len(found) <= 3 else []

    def _factor(
        self, clause: ClauseView, query: Query, chain: tuple[str, ...], guided: frozenset[str]
    ) -> float:
        factor = _KIND_FACTOR[clause.kind]
        if clause.kind is Kind.SECTION and clause.about_the_past:
            factor *= 1.2 if query.asks_past else 0.6
        if clause.kind is Kind.INDICATOR and query.asks_indicator:
            factor *= 2.0
        if query.asks_departments and clause.departments:
            factor *= 1.4
        if clause.id in guided:  # query.guide_clauses, made once per search
            factor *= GUIDE_BOOST
        if chain:
            if clause.region == chain[0]:
                factor *= 1.6
            elif clause.region in chain:
                factor *= 1.3
        return factor

    def _mask(self, chain: tuple[str, ...]) -> Subset:
        """The clauses of the chain's regions (made once per chain: `top` scores a few clause by clause)."""
        if chain not in self._masks:
            codes = [self._region_code[r] for r in chain if r in self._region_code]
            self._masks[chain] = Subset.of(np.isin(self._region_of, codes))
        return self._masks[chain]

    def in_plans(self, word: str) -> bool:
        """Whether any clause holds `word` as written (even inside a longer word the tokenizer keeps whole,
        like 律师 in 助残公益律师).

        Looked up in the clauses' distinct pieces (their titles and texts cut at punctuation), made
        once: a word without such a mark is in a clause exactly when it is in one of its pieces, and
        plans repeat each other's phrases (the ×1000 corpus holds each piece about 80 times), so this
        reads far less text than every clause. A word with a mark is looked for in every clause.

        Most words asked about that the plans never use ("老板", "工地") hold a pair of characters no
        piece holds: the set of pairs says so at once, and says yes for a pair, without reading text."""
        if _PIECE_END.search(word):
            if self._plain_text is None:
                self._plain_text = "\n".join(f"{c.title}\n{c.text}" for c in self.clauses)
            return word in self._plain_text
        if self._pieces is None:
            pieces = (p for c in self.clauses for part in (c.title, c.text) for p in _PIECE_END.split(part))
            self._pieces = "\n".join(dict.fromkeys(pieces))
            self._pairs = frozenset(self._pieces[i : i + 2] for i in range(len(self._pieces) - 1))
        if len(word) >= 2:
            if any(word[i : i + 2] not in self._pairs for i in range(len(word) - 1)):
                return False
            if len(word) == 2:
                return True
        return word in self._pieces

    def idf(self, token: str) -> float:
        """How much a word tells (its idf in the plans; a word they never use weighs like a rare one)."""
        return self._idf(token)

    def _idf(self, token: str) -> float:
        term = self.index.term_ids.get(token)
        return max(float(self.index.idf[term]), 0.05) if term is not None else self._unknown_weight
