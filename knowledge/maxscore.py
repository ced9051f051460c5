"""Exact top-k BM25 over the index, compiled with numba: warm-up, threshold algorithm, MaxScore.

A query's terms are *frequent* (in more than half of the clauses, with a dense row of weights:
残疾人, 残疾…) or *sparse* (read from their postings). θ is the k-th best score found so far.
Each sparse term's postings come in blocks of BLOCK, each with its last clause number and its
largest weight (`Bm25Index.block_*`).

1. Warm-up: the clauses where the strongest sparse terms weigh most (each term's heaviest
   postings and their weights, precomputed) are ranked by those weights, and the best k are
   scored exactly, so θ starts near its final value.
2. Threshold algorithm (Fagin) down the frequent terms' rows sorted by weight: clauses are scored
   exactly in that order until τ, the most the frequent terms give a clause not yet reached,
   is below θ. Frequent terms are never scanned: their weights are so flat (残疾人: median
   5.15, largest 5.82) that scanning their 480,000 postings made most of the slow queries.
3. MaxScore, document at a time, over the sparse terms' postings in clause order: the terms
   whose largest weights, with τ, cannot lift a clause to θ are not walked; they and the
   frequent terms are only looked up for clauses the others make promising, largest bound
   first, until the clause cannot reach θ, each first against the largest weight of its block
   where the clause would be. As θ rises, more terms become look-up only. With
   one term left to walk, its blocks whose largest weight cannot lift a clause to θ are skipped
   whole, the rest posting by posting.

Every clause reaches the heap with its exact score, so results are exact; ties rank the lower
clause number first, as `Bm25Index._best` does. Nothing proportional to the corpus is allocated.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from knowledge.index import BLOCK

_KERNEL_OPTIONS = {"cache": True, "nogil": True, "boundscheck": False}
WARM_TERMS = 3  # the warm-up scores the heaviest clauses of this many sparse terms (largest bounds)
_SLACK = 1e-9  # prune only below θ·(1 − _SLACK): sums in another order may differ in the last bits
_END = np.int64(1) << 62


@nb.njit(**_KERNEL_OPTIONS)
def top_k(
    indptr, indices, weights, max_weight, block_ptr, block_last, block_max,
    dense_row, dense, dense_order, impact_row, impact, impact_weight,
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
    pool = min(k, impact.shape[1])
    pool_docs = np.empty(WARM_TERMS * pool, dtype=np.int64)
    pool_scores = np.empty(WARM_TERMS * pool)
    n_pool = 0
    used = 0
    for c in range(n_sparse - 1, -1, -1):
        if used == WARM_TERMS:
            break
        row = impact_row[sparse[c]]
        if row < 0:  # in too few clauses to keep its heaviest; walking it is cheap anyway
            continue
        used += 1
        for i in range(pool):
            d = impact[row, i]
            if not filtered or allowed[d] != 0:
                pool_docs[n_pool] = d
                pool_scores[n_pool] = sparse_q[c] * impact_weight[row, i]
                n_pool += 1
    by_clause = np.argsort(pool_docs[:n_pool])  # a clause among several terms' heaviest: their sum
    merged_docs = np.empty(n_pool, dtype=np.int64)
    merged = np.zeros(n_pool)
    n = 0
    for i in by_clause:
        if n == 0 or merged_docs[n - 1] != pool_docs[i]:
            merged_docs[n] = pool_docs[i]
            n += 1
        merged[n - 1] += pool_scores[i]
    best = np.argsort(-merged[:n])
    for i in range(min(k, n)):
        size, theta = _score_and_offer(
            indptr, indices, weights, dense, rows, rows_q, sparse, sparse_q, below,
            merged_docs[best[i]], heap_scores, heap_docs, size, k, theta,
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
        block = np.empty(n_sparse, dtype=np.int64)  # blocks: the first that may hold the clause
        block_end = np.empty(n_sparse, dtype=np.int64)
        for c in range(n_sparse):
            block[c] = block_ptr[sparse[c]]
            block_end[c] = block_ptr[sparse[c] + 1]
        limit = theta * (1 - _SLACK)
        first = 0
        while size == k and first < n_sparse and tau + below[first + 1] < limit:
            first += 1
        while first < n_sparse:
            if first == n_sparse - 1 and size == k:  # one term walked: skip what cannot reach θ
                cursor[first] = _next_reaching(
                    indptr, weights, block_ptr, block_max, sparse[first], cursor[first], end[first],
                    (limit - tau - below[first]) / sparse_q[first],
                )  # fmt: skip
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
            for c in range(first - 1, -1, -1):  # looked up largest bound first, block bound before postings
                j = block[c]
                if j < block_end[c] and block_last[j] < d:
                    j = _gallop(block_last, j, block_end[c], d)
                    block[c] = j
                if j < block_end[c]:
                    if full and s + sparse_q[c] * block_max[j] + tau + below[c] < limit:
                        hopeless = True
                        break
                    t = sparse[c]
                    lo = indptr[t] + (j - block_ptr[t]) * BLOCK
                    p = _gallop(indices, max(lo, cursor[c]), min(lo + BLOCK, end[c]), d)
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

    for last in range(size - 1, 0, -1):  # heap sort: the worst goes to the back, the rest re-heaped
        s, d = heap_scores[last], heap_docs[last]
        heap_scores[last], heap_docs[last] = heap_scores[0], heap_docs[0]
        _sink(heap_scores, heap_docs, last, s, d)
    for i in range(size):
        out_docs[i] = heap_docs[i]
        out_scores[i] = heap_scores[i]
    return size


@nb.njit(**_KERNEL_OPTIONS)
def _next_reaching(indptr, weights, block_ptr, block_max, t, p, end, need):
    """The first posting of term t from p on whose weight reaches `need` (`end` if none); a block
    whose largest weight is below it is skipped without reading its postings."""
    base, first_block = indptr[t], block_ptr[t]
    while p < end:
        j = first_block + (p - base) // BLOCK
        stop = min(base + (j - first_block + 1) * BLOCK, end)
        if block_max[j] < need:
            p = stop
            continue
        while p < stop and weights[p] < need:
            p += 1
        if p < stop:
            return p
    return end


@nb.njit(**_KERNEL_OPTIONS)
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
        p = _bisect(indices, indptr[t], indptr[t + 1], d)
        if p < indptr[t + 1] and indices[p] == d:
            s += sparse_q[c] * weights[p]
    if s <= 0.0:
        return size, theta
    size = _offer(heap_scores, heap_docs, size, k, s, d)
    return size, (heap_scores[0] if size == k else theta)


@nb.njit(**_KERNEL_OPTIONS)
def _bisect(values, lo, hi, d):
    """The first position in values[lo:hi] holding a number ≥ d."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < d:
            lo = mid + 1
        else:
            hi = mid
    return lo


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
    return _bisect(indices, lo, hi, d)


@nb.njit(**_KERNEL_OPTIONS)
def _worse(score_a, doc_a, score_b, doc_b):
    return score_a < score_b or (score_a == score_b and doc_a > doc_b)


@nb.njit(**_KERNEL_OPTIONS)
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


@nb.njit(**_KERNEL_OPTIONS)
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
