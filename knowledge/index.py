"""BM25 over a sparse inverted index, persisted as memory-mapped arrays.

Scores are rank-bm25's BM25Okapi, to the float: idf = ln((N − n + 0.5) / (n + 0.5)), and a
term in more than half of the clauses (idf < 0) gets ε · mean(idf) instead; a clause scores
Σ idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen)) over the query's tokens (a token the
query repeats counts again). A test keeps BM25Okapi itself as the reference.

Each term's postings (clause numbers and precomputed weights, clause numbers ascending) are
one slice of three flat arrays, as in a CSC matrix, and each term's largest weight is kept.
A term in more than half of the clauses (残疾人, 残疾…) also gets a dense row of weights, one
per clause, so looking it up for a clause is one array read.

`top` answers exactly. Small indexes (the shipped plans) run MaxScore in numpy: rare terms
first; once the k-th best score found so far exceeds what the remaining (common) terms could
add at most, those terms are only looked up for the clauses still in the running. From
COMPILED_MIN_SIZE clauses it runs knowledge.maxscore (numba), imported only then because
loading numba costs 0.5–0.8 s; for it the index also keeps each frequent term's clauses in
descending weight order, and each other term's IMPACT_WIDTH heaviest clauses.

A search among a few clauses (a `Subset`: a region's plans, 100–160 of 486,000 clauses) scores
just those, each term looked up by binary search, rather than walking whole posting lists
past clauses it may not return.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1 = 1.5
B = 0.75
EPSILON = 0.25
FORMAT_VERSION = 4
CHEAP_SHARE = 0.02  # numpy path: terms in at most this share of clauses are always gathered in full
DENSE_SHARE = 0.5  # terms in more than this share of clauses also get a dense row of weights
COMPILED_MIN_SIZE = 20_000  # clauses from which `top` runs the compiled kernel
IMPACT_WIDTH = 128  # heaviest clauses kept per term in more than this many clauses (the warm-up's)
SUBSET_SHARE = 16  # a Subset of at most 1/16 of the clauses is scored clause by clause
# The persisted arrays, one .npy file each.
ARRAYS = (
    "indptr", "indices", "weights", "idf", "doc_len", "max_weight",
    "dense_row", "dense", "dense_order", "impact_row", "impact",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Hit:
    position: int  # the clause's position in the index
    score: float


@dataclass(frozen=True, slots=True)
class Subset:
    """The clauses a search may return, as a mask over the index and as positions (ascending).

    Made once per set of clauses by the caller (the Searcher keeps one per region chain), so that
    `top` need not find the positions in the mask on every call."""

    mask: np.ndarray  # bool, one per clause
    positions: np.ndarray  # int64, the True ones, ascending

    @classmethod
    def of(cls, mask: np.ndarray) -> Subset:
        mask = np.ascontiguousarray(mask, dtype=bool)
        return cls(mask, np.flatnonzero(mask))


class Bm25Index:
    """Immutable BM25 index; build with `from_counts`, persist with `save`, reopen with `load`."""

    def __init__(
        self,
        vocab: Sequence[str],
        indptr: np.ndarray,
        indices: np.ndarray,
        weights: np.ndarray,
        idf: np.ndarray,
        doc_len: np.ndarray,
        keys: Sequence[str],
        meta: Mapping[str, object] | None = None,
        max_weight: np.ndarray | None = None,
        dense_row: np.ndarray | None = None,
        dense: np.ndarray | None = None,
        dense_order: np.ndarray | None = None,
        impact_row: np.ndarray | None = None,
        impact: np.ndarray | None = None,
    ) -> None:
        self.vocab = list(vocab)
        self.term_ids = {term: i for i, term in enumerate(self.vocab)}
        self.indptr = indptr
        self.indices = indices
        self.weights = weights
        self.idf = idf
        self.doc_len = doc_len
        self.keys = list(keys)
        self.meta = dict(meta or {})
        self.size = len(self.keys)
        self.df = np.diff(indptr)
        self.max_weight = _max_per_term(weights, indptr) if max_weight is None else max_weight
        if dense_row is None or dense is None:
            dense_row, dense = _dense_rows(self.df, indices, weights, indptr, self.size)
        self.dense_row, self.dense = dense_row, dense
        self.dense_order = _weight_order(dense) if dense_order is None else dense_order
        if impact_row is None or impact is None:
            impact_row, impact = _heaviest(self.df, indices, weights, indptr, dense_row)
        self.impact_row, self.impact = impact_row, impact
        self._cheap_df = max(int(self.size * CHEAP_SHARE), 1000)

    # -- building -------------------------------------------------------------------------------

    @classmethod
    def from_counts(
        cls,
        vocab: Sequence[str],
        rows: Sequence[tuple[np.ndarray, np.ndarray]],
        keys: Sequence[str],
        meta: Mapping[str, object] | None = None,
    ) -> Bm25Index:
        """Build from per-clause term counts: rows[i] = (term ids, counts) of clause keys[i]."""
        n_docs, n_terms = len(rows), len(vocab)
        doc_len = np.fromiter((int(c.sum()) for _, c in rows), dtype=np.int64, count=n_docs)
        lengths = np.fromiter((len(t) for t, _ in rows), dtype=np.int64, count=n_docs)
        term = np.concatenate([t for t, _ in rows]).astype(np.int64) if n_docs else np.zeros(0, np.int64)
        count = np.concatenate([c for _, c in rows]).astype(np.float64) if n_docs else np.zeros(0)
        doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        order = np.lexsort((doc, term))  # term-major, clause ascending within a term
        term, doc, count = term[order], doc[order], count[order]
        df = np.bincount(term, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])

        idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
        idf = np.where(df > 0, idf, 0.0)
        present = df > 0
        average_idf = idf[present].mean() if present.any() else 0.0
        idf = np.where(present & (idf < 0), EPSILON * average_idf, idf)

        avgdl = doc_len.mean() if n_docs else 1.0
        norm = K1 * (1 - B + B * doc_len[doc] / avgdl)
        weights = idf[term] * count * (K1 + 1) / (count + norm)
        return cls(vocab, indptr, doc.astype(np.int32), weights.astype(np.float32), idf, doc_len, keys, meta)

    # -- scoring --------------------------------------------------------------------------------

    def query_weights(self, tokens: Sequence[str] | Mapping[str, float]) -> dict[int, float]:
        """Term id → weight; a plain token list weighs each occurrence 1, like BM25Okapi."""
        items = tokens.items() if isinstance(tokens, Mapping) else ((t, 1.0) for t in tokens)
        out: dict[int, float] = {}
        for token, weight in items:
            term = self.term_ids.get(token)
            if term is not None and weight:
                out[term] = out.get(term, 0.0) + weight
        return out

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.indptr[term], self.indptr[term + 1]
        return self.indices[start:end], self.weights[start:end]

    def scores(self, query: Mapping[int, float]) -> np.ndarray:
        """Dense scores for every clause: the reference path, O(all postings of the query)."""
        out = np.zeros(self.size, dtype=np.float64)
        for term, weight in query.items():
            docs, weights = self.postings(term)
            out[docs] += weight * weights.astype(np.float64)  # a term lists each clause once
        return out

    def top(
        self,
        query: Mapping[int, float],
        k: int,
        allowed: np.ndarray | Subset | None = None,
        *,
        compiled: bool | None = None,
    ) -> list[Hit]:
        """The k best clauses (exact), optionally only among positions where `allowed` is True.

        Ties rank the lower position first. A Subset of at most 1/SUBSET_SHARE of the clauses is
        scored clause by clause; `compiled` forces one implementation (tests compare
        them), and by default the index's size chooses.
        """
        if not query or k <= 0:
            return []
        if isinstance(allowed, Subset):
            if len(allowed.positions) * SUBSET_SHARE <= self.size:
                return self._top_within(query, k, allowed.positions, compiled)
            allowed = allowed.mask
        if self.size >= COMPILED_MIN_SIZE if compiled is None else compiled:
            return self._top_compiled(query, k, allowed)
        terms = sorted(query, key=lambda t: int(self.df[t]))
        bounds = np.array([query[t] * float(self.max_weight[t]) for t in terms])
        rest = np.concatenate([np.cumsum(bounds[::-1])[::-1], [0.0]])  # rest[j]: most terms[j:] can add
        gathered = max(1, sum(1 for t in terms if self.df[t] <= self._cheap_df))
        while True:
            docs, partial = self._accumulate({t: query[t] for t in terms[:gathered]})
            if allowed is not None and len(docs):
                keep = allowed[docs]
                docs, partial = docs[keep], partial[keep]
            remaining = rest[gathered]
            if remaining <= 0:
                return self._best(docs, partial, k)
            if len(partial) >= k:
                kth = np.partition(partial, len(partial) - k)[len(partial) - k]
                if kth > remaining:  # a clause outside `docs` can reach at most `remaining` < kth
                    still_in = partial >= kth - remaining
                    docs, partial = docs[still_in], partial[still_in].copy()
                    for term in terms[gathered:]:
                        partial += query[term] * self._lookup(term, docs)
                    return self._best(docs, partial, k)
            gathered += 1

    def _top_compiled(self, query: Mapping[int, float], k: int, allowed: np.ndarray | None) -> list[Hit]:
        from knowledge.maxscore import top_k

        terms = np.array(sorted(query), dtype=np.int64)
        query_w = np.array([query[int(t)] for t in terms], dtype=np.float64)
        mask = _NO_MASK if allowed is None else np.ascontiguousarray(allowed, dtype=bool).view(np.uint8)
        docs, scores = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.float64)
        found = top_k(
            self.indptr, self.indices, self.weights, self.max_weight, self.dense_row, self.dense,
            self.dense_order, self.impact_row, self.impact, terms, query_w, k, mask, docs, scores,
        )  # fmt: skip
        return [Hit(int(d), float(s)) for d, s in zip(docs[:found], scores[:found], strict=True)]

    def _top_within(
        self, query: Mapping[int, float], k: int, positions: np.ndarray, compiled: bool | None
    ) -> list[Hit]:
        """The k best of `positions`, each scored exactly: O(positions × terms × log postings).

        Terms are summed in the order the compiled kernel sums a clause it walks to (the other terms
        by ascending bound, then the frequent ones), so the two agree to the last bit there; ties
        rank the lower position first, at the k-th place too."""
        frequent = sorted(t for t in query if self.dense_row[t] >= 0)
        bound = {t: query[t] * float(self.max_weight[t]) for t in query}
        others = sorted((t for t in query if self.dense_row[t] < 0), key=lambda t: (bound[t], t))
        terms = others + frequent
        if self.size >= COMPILED_MIN_SIZE if compiled is None else compiled:
            from knowledge.maxscore import top_within

            docs, scores = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.float64)
            found = top_within(
                self.indptr, self.indices, self.weights, self.dense_row, self.dense,
                np.array(terms, dtype=np.int64), np.array([query[t] for t in terms], dtype=np.float64),
                positions, k, docs, scores,
            )  # fmt: skip
            return [Hit(int(d), float(s)) for d, s in zip(docs[:found], scores[:found], strict=True)]
        scores = np.zeros(len(positions), dtype=np.float64)
        for term in terms:
            row = self.dense_row[term]
            weights = self.dense[row, positions] if row >= 0 else self._lookup(term, positions)
            scores += query[term] * weights.astype(np.float64)
        best = np.argsort(-scores, kind="stable")[:k]  # positions ascend: ties keep the lower first
        best = best[scores[best] > 0]
        return [Hit(int(positions[i]), float(scores[i])) for i in best]

    def _accumulate(self, query: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray]:
        """Clauses holding any of the terms, with summed weights (sparse or dense: the cheaper)."""
        if not query:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        parts = [self.postings(t) for t in query]
        if sum(len(d) for d, _ in parts) * 8 > self.size:
            dense = np.zeros(self.size, dtype=np.float64)
            for (docs, weights), query_w in zip(parts, query.values(), strict=True):
                dense[docs] += query_w * weights
            found = np.flatnonzero(dense)
            return found, dense[found]
        docs = np.concatenate([d for d, _ in parts])
        weights = np.concatenate(
            [w.astype(np.float64) * query_w for (_, w), query_w in zip(parts, query.values(), strict=True)]
        )
        unique, inverse = np.unique(docs, return_inverse=True)
        return unique, np.bincount(inverse, weights=weights, minlength=len(unique))

    def _lookup(self, term: int, positions: np.ndarray) -> np.ndarray:
        docs, weights = self.postings(term)
        at = np.searchsorted(docs, positions)
        at_clipped = np.minimum(at, max(len(docs) - 1, 0))
        found = (
            (at < len(docs)) & (docs[at_clipped] == positions)
            if len(docs)
            else np.zeros(len(positions), bool)
        )
        return np.where(found, weights[at_clipped].astype(np.float64) if len(docs) else 0.0, 0.0)

    @staticmethod
    def _best(docs: np.ndarray, scores: np.ndarray, k: int) -> list[Hit]:
        positive = scores > 0
        docs, scores = docs[positive], scores[positive]
        if len(scores) > k:
            cut = np.argpartition(-scores, k - 1)[:k]
            docs, scores = docs[cut], scores[cut]
        order = np.lexsort((docs, -scores))  # best first; ties in clause order
        return [Hit(int(docs[i]), float(scores[i])) for i in order]

    # -- persistence ----------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write atomically: a temporary sibling directory renamed into place."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=directory.name + ".", dir=directory.parent))
        try:
            for name in ARRAYS:
                np.save(tmp / f"{name}.npy", getattr(self, name))
            (tmp / "vocab.txt").write_text("\n".join(self.vocab), encoding="utf-8")
            (tmp / "keys.txt").write_text("\n".join(self.keys), encoding="utf-8")
            meta = {**self.meta, "format": FORMAT_VERSION, "size": self.size}
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            if directory.exists():
                shutil.rmtree(directory, ignore_errors=True)
            os.replace(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path) -> Bm25Index:
        """Open a saved index; the big arrays are memory-mapped, so this takes milliseconds."""
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{directory}: index format {meta.get('format')}, expected {FORMAT_VERSION}")
        # Plain ndarray views of the maps: np.memmap's own indexing costs microseconds a slice in Python.
        arrays = {name: np.asarray(np.load(directory / f"{name}.npy", mmap_mode="r")) for name in ARRAYS}
        vocab = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
        keys = (directory / "keys.txt").read_text(encoding="utf-8").split("\n")
        if keys == [""]:
            keys = []
        return cls(vocab, keys=keys, meta=meta, **arrays)


def _dense_rows(
    df: np.ndarray, indices: np.ndarray, weights: np.ndarray, indptr: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Term → row of the dense matrix (−1 for none), and the rows: weights of the frequent terms."""
    frequent = np.flatnonzero(df > DENSE_SHARE * size)
    dense_row = np.full(len(df), -1, dtype=np.int32)
    dense_row[frequent] = np.arange(len(frequent), dtype=np.int32)
    dense = np.zeros((len(frequent), size), dtype=np.float32)
    for row, term in enumerate(frequent):
        start, end = indptr[term], indptr[term + 1]
        dense[row, indices[start:end]] = weights[start:end]
    return dense_row, dense


def _weight_order(dense: np.ndarray) -> np.ndarray:
    """Each dense row's clause numbers by descending weight (ties: lower clause first)."""
    order = np.empty(dense.shape, dtype=np.int32)
    for row in range(dense.shape[0]):
        order[row] = np.argsort(-dense[row], kind="stable")
    return order


def _heaviest(
    df: np.ndarray, indices: np.ndarray, weights: np.ndarray, indptr: np.ndarray, dense_row: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Term → row (−1 for none), and the rows: the IMPACT_WIDTH clauses where each term without a
    dense row but in more than IMPACT_WIDTH clauses weighs most, heaviest first."""
    chosen = np.flatnonzero((df > IMPACT_WIDTH) & (dense_row < 0))
    impact_row = np.full(len(df), -1, dtype=np.int32)
    impact_row[chosen] = np.arange(len(chosen), dtype=np.int32)
    impact = np.empty((len(chosen), IMPACT_WIDTH), dtype=np.int32)
    for row, term in enumerate(chosen):
        start, end = indptr[term], indptr[term + 1]
        heavy = np.argpartition(-weights[start:end], IMPACT_WIDTH - 1)[:IMPACT_WIDTH]
        heavy = heavy[np.lexsort((heavy, -weights[start:end][heavy]))]
        impact[row] = indices[start:end][heavy]
    return impact_row, impact


_NO_MASK = np.zeros(0, dtype=np.uint8)


def _max_per_term(weights: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each term's largest posting weight (0 for a term without postings)."""
    out = np.zeros(len(indptr) - 1, dtype=np.float32)
    present = np.diff(indptr) > 0
    if len(weights) and present.any():
        out[present] = np.maximum.reduceat(weights, indptr[:-1][present])
    return out
