"""Exact top-k BM25 over the index's postings, compiled with numba: MaxScore, term at a time.

Terms are taken rarest first and their postings added into a dense accumulator. After each
term, the exact scores of the 2·k clauses with the best partial scores give θ, a lower bound
on the final k-th score; once the most the remaining terms could add (the sum of their
largest weights) falls below θ, a clause none of the scanned terms holds cannot reach the top
k, so the remaining terms are not scanned: each is looked up (galloping search in its
ascending clause numbers, or its dense row) only for the clauses still in the running, which
are pruned again after each term. Results are exact; ties rank the lower clause number first,
as `Bm25Index._best` does.

The caller passes scratch arrays of one slot per clause (`acc` and `mark` zero, and given back
zeroed; `touched` and `cand` of any content), so a query allocates nothing proportional to the
corpus.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_KERNEL_OPTIONS = {"cache": True, "nogil": True, "boundscheck": False}
WARM = 2  # after each term, complete the scores of the WARM·k best partial scores to raise θ


@nb.njit(**_KERNEL_OPTIONS)
def top_k(
    indptr, indices, weights, max_weight, dense_row, dense,
    terms, query_w, k, allowed, acc, mark, touched, cand, out_docs, out_scores,
):  # fmt: skip
    """Write the k best (clause, score) into out_*, best first; returns how many were found.

    `terms` must be sorted by document frequency, rarest first, with `query_w` in the same order;
    `allowed` is a per-clause 0/1 mask, or empty for every clause.
    """
    m = len(terms)
    rest = np.zeros(m + 1)
    for j in range(m - 1, -1, -1):
        rest[j] = rest[j + 1] + query_w[j] * max_weight[terms[j]]
    filtered = len(allowed) > 0
    heap_scores = np.empty(k)
    heap_docs = np.empty(k, dtype=np.int64)
    warm_scores = np.empty(WARM * k)
    warm_docs = np.empty(WARM * k, dtype=np.int64)

    nt = 0
    theta = 0.0
    j = 0
    while j < m:
        if nt >= k and rest[j] < theta:
            break
        t = terms[j]
        q = query_w[j]
        if nt == 0 and not filtered:  # the first term: every clause it holds is new
            for p in range(indptr[t], indptr[t + 1]):
                d = indices[p]
                mark[d] = 1
                touched[nt] = d
                nt += 1
                acc[d] = q * weights[p]
        else:
            for p in range(indptr[t], indptr[t + 1]):
                d = indices[p]
                if filtered and allowed[d] == 0:
                    continue
                if mark[d] == 0:
                    mark[d] = 1
                    touched[nt] = d
                    nt += 1
                acc[d] += q * weights[p]
        j += 1
        if j < m and nt >= k:
            # Raise θ: the exact scores of the most promising clauses bound the final k-th from below.
            exact_kth = _kth_completed(
                indptr,
                indices,
                weights,
                dense_row,
                dense,
                terms,
                query_w,
                j,
                k,
                acc,
                touched,
                nt,
                warm_scores,
                warm_docs,
            )
            theta = max(theta, exact_kth)

    # The remaining terms only complete the scores of clauses that can still reach θ: those with a
    # dense row first, as their lookups are cheapest and their bounds largest, so pruning bites early.
    left = m - j
    order = np.empty(left, dtype=np.int64)
    n_dense = 0
    for jj in range(j, m):
        if dense_row[terms[jj]] >= 0:
            order[n_dense] = jj
            n_dense += 1
    n_sparse = n_dense
    for jj in range(j, m):
        if dense_row[terms[jj]] < 0:
            order[n_sparse] = jj
            n_sparse += 1
    bound = np.zeros(left + 1)
    for i in range(left - 1, -1, -1):
        bound[i] = bound[i + 1] + query_w[order[i]] * max_weight[terms[order[i]]]
    nc = 0
    if j < m and nt * 16 > len(acc):  # many: collect them in clause order by one pass over `mark`
        for d in range(len(acc)):
            if mark[d] != 0 and acc[d] + bound[0] >= theta:
                cand[nc] = d
                nc += 1
    else:
        for i in range(nt):
            d = touched[i]
            if acc[d] + bound[0] >= theta:
                cand[nc] = d
                nc += 1
        if j < m:  # galloping needs them in clause order
            cand[:nc].sort()
    for i_term in range(left):
        if nc == 0:
            break
        t = terms[order[i_term]]
        q = query_w[order[i_term]]
        row = dense_row[t]
        if row >= 0:
            for i in range(nc):
                d = cand[i]
                acc[d] += q * dense[row, d]
        else:
            lo = indptr[t]
            end = indptr[t + 1]
            for i in range(nc):
                d = cand[i]
                lo = _gallop(indices, lo, end, d)
                if lo < end and indices[lo] == d:
                    acc[d] += q * weights[lo]
        if nc > k:
            theta = max(theta, _kth(acc, cand, nc, k, heap_scores, heap_docs))
            kept = 0
            for i in range(nc):
                d = cand[i]
                if acc[d] + bound[i_term + 1] >= theta:
                    cand[kept] = d
                    kept += 1
            nc = kept

    found = _select(acc, cand, nc, k, heap_scores, heap_docs)
    for i in range(nt):
        d = touched[i]
        acc[d] = 0.0
        mark[d] = 0
    for i in range(found):
        out_docs[i] = heap_docs[i]
        out_scores[i] = heap_scores[i]
    return found


@nb.njit(**_KERNEL_OPTIONS)
def _weight(indptr, indices, weights, dense_row, dense, t, d):
    """The term's weight in clause d (0 if absent)."""
    if dense_row[t] >= 0:
        return dense[dense_row[t], d]
    end = indptr[t + 1]
    at = _gallop(indices, indptr[t], end, d)
    if at < end and indices[at] == d:
        return weights[at]
    return 0.0


@nb.njit(**_KERNEL_OPTIONS)
def _kth_completed(
    indptr, indices, weights, dense_row, dense, terms, query_w, j, k, acc, touched, nt, ws, wd
):
    """The k-th best exact score among the WARM·k clauses with the best partial scores (terms[j:] added)."""
    size = _heap_fill(acc, touched, nt, len(ws), ws, wd)
    if size < k:
        return 0.0
    for i in range(size):
        d = wd[i]
        s = acc[d]
        for jj in range(j, len(terms)):
            s += query_w[jj] * _weight(indptr, indices, weights, dense_row, dense, terms[jj], d)
        ws[i] = s
    return np.sort(ws[:size])[size - k]


@nb.njit(**_KERNEL_OPTIONS)
def _gallop(indices, lo, end, d):
    """The first position in indices[lo:end] holding a clause number ≥ d."""
    step = 1
    hi = lo
    while hi < end and indices[hi] < d:
        lo = hi + 1
        hi += step
        step *= 2
    if hi > end:
        hi = end
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < d:
            lo = mid + 1
        else:
            hi = mid
    return lo


@nb.njit(**_KERNEL_OPTIONS)
def _worse(score_a, doc_a, score_b, doc_b):
    return score_a < score_b or (score_a == score_b and doc_a > doc_b)


@nb.njit(**_KERNEL_OPTIONS)
def _heap_fill(acc, docs, n, k, hs, hd):
    """A min-heap (worst on top) of the k best positive-scoring clauses among docs[:n]; its size."""
    size = 0
    for i in range(n):
        d = docs[i]
        s = acc[d]
        if s <= 0.0:
            continue
        if size < k:
            pos = size
            size += 1
            while pos > 0:  # sift up
                parent = (pos - 1) // 2
                if _worse(s, d, hs[parent], hd[parent]):
                    hs[pos] = hs[parent]
                    hd[pos] = hd[parent]
                    pos = parent
                else:
                    break
            hs[pos] = s
            hd[pos] = d
        elif _worse(hs[0], hd[0], s, d):
            _replace_top(hs, hd, size, s, d)
    return size


@nb.njit(**_KERNEL_OPTIONS)
def _replace_top(hs, hd, size, s, d):
    """Put (s, d) in place of the heap's top (its worst) and sink it to where it belongs."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and _worse(hs[child + 1], hd[child + 1], hs[child], hd[child]):
            child += 1
        if _worse(hs[child], hd[child], s, d):
            hs[pos] = hs[child]
            hd[pos] = hd[child]
            pos = child
        else:
            break
    hs[pos] = s
    hd[pos] = d


@nb.njit(**_KERNEL_OPTIONS)
def _kth(acc, docs, n, k, hs, hd):
    """The k-th best score among docs[:n] (0 when fewer than k score above 0)."""
    size = _heap_fill(acc, docs, n, k, hs, hd)
    return hs[0] if size == k else 0.0


@nb.njit(**_KERNEL_OPTIONS)
def _select(acc, docs, n, k, hs, hd):
    """The k best of docs[:n] into hs/hd, best first; returns how many."""
    size = _heap_fill(acc, docs, n, k, hs, hd)
    for end in range(size - 1, 0, -1):  # heap sort: the worst goes to the back, the rest re-heaped
        s, d = hs[end], hd[end]
        hs[end], hd[end] = hs[0], hd[0]
        _replace_top(hs, hd, end, s, d)
    return size
