"""Exact top-k BM25 over the index, compiled with numba: warm-up, threshold algorithm, MaxScore.

A query's terms are *frequent* (in more than half of the clauses, with a dense row of weights:
残疾人, 残疾…) or *sparse* (read from their postings). θ is the k-th best score found so far.

1. Warm-up: the clauses where the strongest sparse terms weigh most (each term's heaviest
   postings, precomputed) are scored exactly, so θ starts near its final value.
2. Threshold algorithm (Fagin) down the frequent terms' rows sorted by weight: clauses are scored
   exactly in that order until τ, the most the frequent terms give a clause not yet reached,
   is below θ. Frequent terms are never scanned: their weights are so flat (残疾人: median
   5.15, largest 5.82) that scanning their 480,000 postings made most of the slow queries.
3. MaxScore, document at a time, over the sparse terms' postings in clause order: the terms
   whose largest weights, with τ, cannot lift a clause to θ are not walked; they and the
   frequent terms are only looked up for clauses the others make promising, largest bound
   first, until the clause cannot reach θ. As θ rises, more terms become look-up only.

Every clause reaches the heap with its exact score, so results are exact; ties rank the lower
clause number first, as `Bm25Index._best` does. Nothing proportional to the corpus is allocated.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_kernel = nb.njit(cache=True, nogil=True, boundscheck=False)
WARM_TERMS = 3  # the warm-up scores the heaviest clauses of this many sparse terms (largest bounds)
_SLACK = 1e-9  # prune only below θ·(1 − _SLACK): sums in another order may differ in the last bits
_END = np.int64(1) << 62


@_kernel
def top_k(
    indptr, indices, weights, max_weight, dense_row, dense, dense_order, impact_row, impact,
    terms, query_w, k, allowed, out_docs, out_scores,
):  # fmt: skip
    """Write the k best (clause, score) into out_*, best first; returns how many were found.

    `allowed` is a per-clause 0/1 mask, or empty for every clause.
    """
    filtered = len(allowed) > 0
    m = len(terms)
    n_dense = 0
    for j in range(m):
        if dense_row[terms[j]] >= 0:
            n_dense += 1
    rows = np.empty(n_dense, dtype=np.int64)  # frequent terms: dense row, query weight
    rows_q = np.empty(n_dense)
    n_sparse = m - n_dense
    sparse = np.empty(n_sparse, dtype=np.int64)  # sparse terms, ascending by bound
    sparse_q = np.empty(n_sparse)
    bound = np.empty(n_sparse)
    a = 0
    n = 0
    for j in range(m):
        t = terms[j]
        if dense_row[t] >= 0:
            rows[a] = dense_row[t]
            rows_q[a] = query_w[j]
            a += 1
            continue
        b = query_w[j] * max_weight[t]
        i = n
        while i > 0 and bound[i - 1] > b:
            bound[i], sparse[i], sparse_q[i] = bound[i - 1], sparse[i - 1], sparse_q[i - 1]
            i -= 1
        bound[i], sparse[i], sparse_q[i] = b, t, query_w[j]
        n += 1
    below = np.zeros(n_sparse + 1)  # below[c]: the bounds of sparse[:c] summed
    for c in range(n_sparse):
        below[c + 1] = below[c] + bound[c]

    heap_scores = np.empty(k)
    heap_docs = np.empty(k, dtype=np.int64)
    size = 0
    theta = 0.0

    # 1. Warm-up.
    used = 0
    for c in range(n_sparse - 1, -1, -1):
        if used == WARM_TERMS:
            break
        row = impact_row[sparse[c]]
        if row < 0:  # in too few clauses to keep its heaviest; walking it is cheap anyway
            continue
        used += 1
        for i in range(min(k, impact.shape[1])):
            d = impact[row, i]
            if d < 0:
                break
            if not filtered or allowed[d] != 0:
                size, theta = _score_and_offer(
                    indptr, indices, weights, dense, rows, rows_q, sparse, sparse_q, below,
                    d, heap_scores, heap_docs, size, k, theta,
                )  # fmt: skip

    # 2. Threshold algorithm down the frequent terms' weight orders.
    tau = 0.0
    frontier = np.zeros(n_dense)  # each frequent term's weight where the walk stopped
    if n_dense > 0:
        for depth in range(dense.shape[1]):
            tau = 0.0
            for a in range(n_dense):
                d = dense_order[rows[a], depth]
                frontier[a] = rows_q[a] * dense[rows[a], d]
                tau += frontier[a]
                if not filtered or allowed[d] != 0:
                    size, theta = _score_and_offer(
                        indptr, indices, weights, dense, rows, rows_q, sparse, sparse_q, below,
                        d, heap_scores, heap_docs, size, k, theta,
                    )  # fmt: skip
            if tau <= 0.0 or (size == k and tau < theta * (1 - _SLACK)):
                break

    # 3. MaxScore over the sparse terms; sparse[first:] are walked, the rest only looked up.
    if n_sparse > 0:
        cursor = np.empty(n_sparse, dtype=np.int64)
        end = np.empty(n_sparse, dtype=np.int64)
        for c in range(n_sparse):
            cursor[c] = indptr[sparse[c]]
            end[c] = indptr[sparse[c] + 1]
        limit = theta * (1 - _SLACK)
        first = 0
        while size == k and first < n_sparse and tau + below[first + 1] < limit:
            first += 1
        while first < n_sparse:
            if first == n_sparse - 1 and size == k:  # one term walked: skip what cannot reach θ
                need = limit - tau - below[first]
                p = cursor[first]
                while p < end[first] and sparse_q[first] * weights[p] < need:
                    p += 1
                cursor[first] = p
            d = _END
            for c in range(first, n_sparse):
                if cursor[c] < end[c] and indices[cursor[c]] < d:
                    d = indices[cursor[c]]
            if d == _END:
                break
            s = 0.0
            for c in range(first, n_sparse):
                p = cursor[c]
                if p < end[c] and indices[p] == d:
                    s += sparse_q[c] * weights[p]
                    cursor[c] = p + 1
            if filtered and allowed[d] == 0:
                continue
            full = size == k
            if full and s + tau + below[first] < limit:
                continue
            hopeless = False
            for c in range(first - 1, -1, -1):
                p = _gallop(indices, cursor[c], end[c], d)
                cursor[c] = p
                if p < end[c] and indices[p] == d:
                    s += sparse_q[c] * weights[p]
                if full and s + tau + below[c] < limit:
                    hopeless = True
                    break
            if hopeless:
                continue
            rest = tau  # a clause the walk did not reach has at most `frontier` in each frequent term
            for a in range(n_dense):
                rest -= frontier[a]
                s += rows_q[a] * dense[rows[a], d]
                if full and s + rest < limit:
                    hopeless = True
                    break
            if hopeless or s <= 0.0:
                continue
            size = _offer(heap_scores, heap_docs, size, k, s, d)
            if size == k and heap_scores[0] > theta:
                theta = heap_scores[0]
                limit = theta * (1 - _SLACK)
                while first < n_sparse and tau + below[first + 1] < limit:
                    first += 1

    return _sorted_out(heap_scores, heap_docs, size, out_docs, out_scores)


@_kernel
def top_within(
    indptr, indices, weights, dense_row, dense, terms, query_w, positions, k, out_docs, out_scores,
):  # fmt: skip
    """The k best of `positions` (ascending), each scored exactly, into out_*; returns how many.

    For a search among few clauses (a region's plans): every term is looked up for each position,
    galloping forward through its postings, in the caller's order of `terms` (the order `top_k` sums a
    clause it walks to: the sparse terms by ascending bound, then the frequent ones)."""
    n = len(positions)
    scores = np.zeros(n)
    for j in range(len(terms)):
        t = terms[j]
        q = query_w[j]
        row = dense_row[t]
        if row >= 0:
            for i in range(n):
                scores[i] += q * dense[row, positions[i]]
            continue
        p, end = indptr[t], indptr[t + 1]
        for i in range(n):
            p = _gallop(indices, p, end, positions[i])
            if p == end:
                break
            if indices[p] == positions[i]:
                scores[i] += q * weights[p]
    heap_scores = np.empty(k)
    heap_docs = np.empty(k, dtype=np.int64)
    size = 0
    for i in range(n):
        if scores[i] > 0.0:
            size = _offer(heap_scores, heap_docs, size, k, scores[i], positions[i])
    return _sorted_out(heap_scores, heap_docs, size, out_docs, out_scores)


@_kernel
def _sorted_out(heap_scores, heap_docs, size, out_docs, out_scores):
    """Heap-sort the heap of the k best into out_*, best first; returns its size."""
    for last in range(size - 1, 0, -1):  # the worst goes to the back, the rest re-heaped
        s, d = heap_scores[last], heap_docs[last]
        heap_scores[last], heap_docs[last] = heap_scores[0], heap_docs[0]
        _sink(heap_scores, heap_docs, last, s, d)
    for i in range(size):
        out_docs[i] = heap_docs[i]
        out_scores[i] = heap_scores[i]
    return size


@_kernel
def _score_and_offer(
    indptr, indices, weights, dense, rows, rows_q, sparse, sparse_q, below,
    d, heap_scores, heap_docs, size, k, theta,
):  # fmt: skip
    """Score clause d exactly (frequent terms, then sparse ones by binary search, largest bound
    first, giving up once it cannot reach θ) and offer it to the heap; returns (size, θ)."""
    full = size == k
    limit = theta * (1 - _SLACK)
    s = 0.0
    for a in range(len(rows)):
        s += rows_q[a] * dense[rows[a], d]
    for c in range(len(sparse) - 1, -1, -1):
        if full and s + below[c + 1] < limit:
            return size, theta
        t = sparse[c]
        lo, hi = indptr[t], indptr[t + 1]
        stop = hi
        while lo < hi:
            mid = (lo + hi) >> 1
            if indices[mid] < d:
                lo = mid + 1
            else:
                hi = mid
        if lo < stop and indices[lo] == d:
            s += sparse_q[c] * weights[lo]
    if s <= 0.0:
        return size, theta
    size = _offer(heap_scores, heap_docs, size, k, s, d)
    return size, (heap_scores[0] if size == k else theta)


@_kernel
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


@_kernel
def _worse(score_a, doc_a, score_b, doc_b):
    return score_a < score_b or (score_a == score_b and doc_a > doc_b)


@_kernel
def _offer(hs, hd, size, k, s, d):
    """Offer (s, d) to the min-heap (worst on top) of the k best; returns its size.

    A clause can be offered more than once (the warm-up, the walk and the scan may each meet it),
    so one already held is not added again."""
    if size == k and not _worse(hs[0], hd[0], s, d):
        return size
    for i in range(size):
        if hd[i] == d:
            return size
    if size == k:
        _sink(hs, hd, size, s, d)
        return size
    pos = size
    while pos > 0:  # sift up
        parent = (pos - 1) // 2
        if not _worse(s, d, hs[parent], hd[parent]):
            break
        hs[pos], hd[pos] = hs[parent], hd[parent]
        pos = parent
    hs[pos], hd[pos] = s, d
    return size + 1


@_kernel
def _sink(hs, hd, size, s, d):
    """Put (s, d) in place of the heap's top (its worst) and sink it to where it belongs."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and _worse(hs[child + 1], hd[child + 1], hs[child], hd[child]):
            child += 1
        if not _worse(hs[child], hd[child], s, d):
            break
        hs[pos], hd[pos] = hs[child], hd[child]
        pos = child
    hs[pos], hd[pos] = s, d
