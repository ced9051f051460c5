"""BM25 over a sparse inverted index, persisted as memory-mapped arrays.

Scores are rank-bm25's BM25Okapi, to the float: idf = ln((N − n + 0.5) / (n + 0.5)), and a
term in more than half of the clauses (idf < 0) gets ε · mean(idf) instead; a clause scores
Σ idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen)) over the query's tokens (a token the
query repeats counts again). A test keeps BM25Okapi itself as the reference.

Each term's postings (clause numbers and precomputed weights, clause numbers ascending) are
one slice of three flat arrays, as in a CSC matrix. A query gathers the postings of its
selective terms only; the terms in more than half of the clauses (残疾人…) can add at most
ε·mean(idf)·(k1+1) each, so they are looked up just for the clauses that could still reach
the top k, and scanned in full only when a query has nothing more selective.
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
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Hit:
    position: int  # the clause's position in the index
    score: float


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
        df = np.diff(indptr)
        self.frequent = df * 2 > self.size  # idf < 0 in BM25Okapi: these got ε·mean(idf)
        self._bound = self.idf * (K1 + 1)  # no posting of a term can weigh more than this

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
            np.add.at(out, docs, weight * weights.astype(np.float64))
        return out

    def top(self, query: Mapping[int, float], k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        """The k best clauses (exact), optionally only among positions where `allowed` is True."""
        if not query or k <= 0:
            return []
        selective = {t: w for t, w in query.items() if not self.frequent[t]}
        frequent = {t: w for t, w in query.items() if self.frequent[t]}
        docs, partial = self._accumulate(selective)
        if allowed is not None and len(docs):
            keep = allowed[docs]
            docs, partial = docs[keep], partial[keep]
        if frequent:
            bound = sum(w * self._bound[t] for t, w in frequent.items())
            kth = np.partition(partial, len(partial) - k)[len(partial) - k] if len(partial) >= k else 0.0
            if kth - bound <= 0:  # anything might still reach the top: score every clause
                dense = self.scores(query)
                if allowed is not None:
                    dense = np.where(allowed, dense, -np.inf)
                return self._best(np.arange(self.size), dense, k)
            candidate = partial >= kth - bound
            docs, partial = docs[candidate], partial[candidate].copy()
            for term, weight in frequent.items():
                partial += weight * self._lookup(term, docs)
        return self._best(docs, partial, k)

    def contains(self, term: int, positions: np.ndarray) -> np.ndarray:
        """Which of the given clause positions contain the term."""
        return self._lookup(term, positions) > 0

    def _accumulate(self, query: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray]:
        if not query:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        parts = [self.postings(t) for t in query]
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
            for name in ("indptr", "indices", "weights", "idf", "doc_len"):
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
        arrays = {
            name: np.load(directory / f"{name}.npy", mmap_mode="r")
            for name in ("indptr", "indices", "weights", "idf", "doc_len")
        }
        vocab = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
        keys = (directory / "keys.txt").read_text(encoding="utf-8").split("\n")
        if keys == [""]:
            keys = []
        return cls(vocab, keys=keys, meta=meta, **arrays)
