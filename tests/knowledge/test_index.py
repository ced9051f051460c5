"""The sparse BM25 index scores exactly like rank-bm25's BM25Okapi, and survives a save and load."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bench.corpus import CorpusGenerator, PieceTokenizer
from knowledge.corpus import index_text
from knowledge.index import COMPILED_MIN_SIZE, SUBSET_SHARE, Bm25Index, Subset

QUERIES = [
    "重度残疾人护理补贴",
    "残疾人 就业 补贴 奖励",
    "盲人 按摩 培训",
    "残疾儿童 康复 救助 0-6岁",
    "无障碍 改造 困难 重度 家庭",
    "残疾人",  # in more than half of the clauses: only frequent terms
    "残疾人 托养 服务 就业 年龄段",
    "手语 盲文 推广",
    "护理补贴 残疾人 残疾人 发展",  # repeated tokens count twice, as in BM25Okapi
]


def build(token_lists: list[list[str]]) -> Bm25Index:
    vocab: dict[str, int] = {}
    rows = []
    for tokens in token_lists:
        counts = Counter(tokens)
        ids = np.array([vocab.setdefault(t, len(vocab)) for t in counts], dtype=np.int32)
        rows.append((ids, np.array(list(counts.values()), dtype=np.int32)))
    return Bm25Index.from_counts(list(vocab), rows, [str(i) for i in range(len(token_lists))])


@pytest.fixture(scope="module")
def corpus_tokens(clause_views, tokenizer) -> list[list[str]]:
    return [tokenizer.tokens(index_text(c)) for c in clause_views]


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_rank_bm25_on_the_plans(corpus_tokens, tokenizer, query):
    reference = BM25Okapi(corpus_tokens)
    index = build(corpus_tokens)
    tokens = tokenizer.tokens(query)
    expected = reference.get_scores(tokens)
    got = index.scores(index.query_weights(tokens))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("query", QUERIES)
def test_top_ten_matches_rank_bm25_ties_allowed(corpus_tokens, tokenizer, query):
    reference = BM25Okapi(corpus_tokens)
    index = build(corpus_tokens)
    tokens = tokenizer.tokens(query)
    expected = reference.get_scores(tokens)
    hits = index.top(index.query_weights(tokens), 10)
    assert len(hits) == min(10, int((expected > 0).sum()))
    tenth = np.sort(expected)[::-1][len(hits) - 1]
    for hit in hits:
        # every returned clause is one BM25Okapi also puts in its top ten (or ties with its tenth)
        assert expected[hit.position] >= tenth - 1e-6
        assert hit.score == pytest.approx(expected[hit.position], rel=1e-5)


def test_top_respects_the_allowed_mask(corpus_tokens, tokenizer):
    index = build(corpus_tokens)
    allowed = np.zeros(index.size, dtype=bool)
    allowed[: index.size // 3] = True
    hits = index.top(index.query_weights(tokenizer.tokens("护理补贴 残疾人")), 10, allowed)
    assert hits and all(allowed[h.position] for h in hits)


def test_saved_index_loads_with_the_same_answers(tmp_path, corpus_tokens, tokenizer):
    index = build(corpus_tokens)
    index.save(tmp_path / "bm25")
    loaded = Bm25Index.load(tmp_path / "bm25")
    assert loaded.keys == index.keys and loaded.vocab == index.vocab
    query = index.query_weights(tokenizer.tokens("残疾人 辅助器具 适配"))
    assert loaded.top(query, 10) == index.top(query, 10)


def test_unknown_words_and_empty_queries_score_nothing(corpus_tokens):
    index = build(corpus_tokens)
    assert index.top(index.query_weights(["不存在的词语xyz"]), 5) == []
    assert index.top({}, 5) == []


# -- the compiled kernel (knowledge.maxscore), which `top` runs from COMPILED_MIN_SIZE clauses ----------


@pytest.mark.parametrize("k", [1, 10, 80])
@pytest.mark.parametrize("query", QUERIES)
def test_compiled_top_equals_the_numpy_top_on_the_plans(corpus_tokens, tokenizer, query, k):
    index = build(corpus_tokens)
    weights = index.query_weights(tokenizer.tokens(query))
    _assert_same_hits(index.top(weights, k, compiled=True), index.top(weights, k, compiled=False))


@pytest.fixture(scope="module")
def large_index(corpus_tokens) -> tuple[Bm25Index, list[list[str]]]:
    """25,000 clauses recombined from the plans' token lists: big enough that MaxScore stops
    scanning early, with terms in more than half of the clauses (dense rows)."""
    rng = np.random.default_rng(7)
    lists = []
    for _ in range(25_000):
        a, b = rng.integers(len(corpus_tokens), size=2)
        left, right = corpus_tokens[a], corpus_tokens[b]
        cut_a, cut_b = int(rng.integers(len(left) + 1)), int(rng.integers(len(right) + 1))
        lists.append(left[:cut_a] + right[cut_b:] + ["残疾人"] * int(rng.integers(0, 3)))
    return build(lists), lists


def test_the_large_index_exercises_dense_rows_and_the_compiled_default(large_index):
    index, _ = large_index
    assert index.size >= COMPILED_MIN_SIZE
    assert (index.dense_row >= 0).sum() >= 1
    frequent = int(np.flatnonzero(index.dense_row >= 0)[0])
    docs, weights = index.postings(frequent)
    np.testing.assert_array_equal(index.dense[index.dense_row[frequent], docs], weights)


@pytest.mark.parametrize("k", [1, 10, 80])
def test_compiled_top_is_exact_on_a_large_index(large_index, tokenizer, k):
    index, _ = large_index
    rng = np.random.default_rng(k)
    for query in [*QUERIES, "托养 机构 残疾人", "康复 残疾人", "补贴", "平台 信息 服务 残疾人"]:
        weights = index.query_weights(tokenizer.tokens(query))
        allowed = rng.random(index.size) < 0.2
        for mask in (None, allowed):
            compiled = index.top(weights, k, mask)  # the default at this size
            scores = index.scores(weights)
            if mask is not None:
                scores = np.where(mask, scores, 0.0)
            _assert_exact_top(compiled, scores, k)
            _assert_same_hits(compiled, index.top(weights, k, mask, compiled=False))


def test_compiled_top_matches_rank_bm25_on_a_large_index(large_index, tokenizer):
    index, lists = large_index
    reference = BM25Okapi(lists)
    for query in ("重度残疾人护理补贴", "残疾人 托养 服务 就业 年龄段"):
        tokens = tokenizer.tokens(query)
        _assert_exact_top(index.top(index.query_weights(tokens), 10), reference.get_scores(tokens), 10)


@pytest.fixture(scope="module")
def large_reference(large_index) -> BM25Okapi:
    return BM25Okapi(large_index[1])


def _random_queries(index: Bm25Index, rng: np.random.Generator, count: int) -> list[list[str]]:
    """Words drawn across the frequency range: frequent terms (dense rows), the 200 most common
    others, and the rest; sometimes a word twice, which counts twice."""
    by_df = np.argsort(-index.df)
    frequent = [index.vocab[t] for t in np.flatnonzero(index.dense_row >= 0)]
    common = [index.vocab[t] for t in by_df[:200] if index.dense_row[t] < 0]
    rest = [index.vocab[t] for t in by_df[200:]]
    queries = []
    for _ in range(count):
        words = [str(w) for w in rng.choice(common, size=int(rng.integers(0, 5)))]
        words += [str(w) for w in rng.choice(rest, size=int(rng.integers(0, 3)))]
        if rng.random() < 0.5:
            words.append(str(rng.choice(frequent)))
        if words and rng.random() < 0.2:
            words.append(words[0])
        queries.append(words or [common[0]])
    return queries


@pytest.mark.parametrize("k", [10, 80])
def test_compiled_top_is_exact_on_random_queries_with_and_without_a_region(large_index, large_reference, k):
    """Against BM25Okapi, dense scores and the numpy path; the region is a run of positions, as a
    plan's clauses are."""
    index, _ = large_index
    rng = np.random.default_rng(1000 + k)
    region = np.zeros(index.size, dtype=bool)
    start = int(rng.integers(index.size // 2))
    region[start : start + index.size // 8] = True
    for words in _random_queries(index, rng, 40):
        weights = index.query_weights(words)
        reference, dense = large_reference.get_scores(words), index.scores(weights)
        for mask in (None, region):
            hits = index.top(weights, k, mask, compiled=True)
            _assert_exact_top(hits, reference if mask is None else np.where(mask, reference, 0.0), k)
            _assert_exact_top(hits, dense if mask is None else np.where(mask, dense, 0.0), k)
            _assert_same_hits(hits, index.top(weights, k, mask, compiled=False))


def test_compiled_top_on_frequent_terms_only_walks_their_weight_order(large_index):
    """Only frequent terms: the threshold algorithm alone answers, exactly."""
    index, _ = large_index
    frequent = [index.vocab[t] for t in np.flatnonzero(index.dense_row >= 0)]
    for query in ([frequent[0]], frequent[:2], frequent[:2] + frequent[:1]):
        weights = index.query_weights(query)
        for k in (1, 10, 80):
            compiled = index.top(weights, k, compiled=True)
            _assert_exact_top(compiled, index.scores(weights), k)
            _assert_same_hits(compiled, index.top(weights, k, compiled=False))


def test_compiled_top_lists_each_clause_once(large_index):
    """The warm-up, the walk down the frequent terms and the scan can each meet a clause."""
    index, _ = large_index
    rng = np.random.default_rng(3)
    common = [index.vocab[t] for t in np.argsort(-index.df)[:40]]
    for _ in range(60):
        words = list(rng.choice(common, size=int(rng.integers(1, 7)), replace=False))
        weights = index.query_weights(words)
        hits = index.top(weights, 80, compiled=True)
        assert len({h.position for h in hits}) == len(hits)
        _assert_exact_top(hits, index.scores(weights), 80)


def test_saved_large_index_keeps_the_kernel_arrays(tmp_path, large_index, tokenizer):
    index, _ = large_index
    index.save(tmp_path / "index")
    loaded = Bm25Index.load(tmp_path / "index")
    np.testing.assert_array_equal(loaded.dense_order, index.dense_order)
    np.testing.assert_array_equal(loaded.impact, index.impact)
    weights = index.query_weights(tokenizer.tokens("残疾人 托养 服务 就业 年龄段"))
    assert loaded.top(weights, 10) == index.top(weights, 10)


# -- a few clauses (a region's plans): scored clause by clause ----------------------------------------


@pytest.fixture(scope="module")
def ten_copies(clause_views, catalog, tokenizer) -> tuple[Bm25Index, list[list[str]], np.ndarray]:
    """The benchmark's corpus at ×10 (4,860 clauses, 50 plans in 50 regions): its index, token lists,
    and each clause's region."""
    corpus = [v for group in CorpusGenerator(clause_views, 10, catalog=catalog).clauses() for v in group]
    pieces = PieceTokenizer(tokenizer)
    lists = [pieces.tokens(index_text(c)) for c in corpus]
    return build(lists), lists, np.array([c.region for c in corpus])


@pytest.mark.parametrize("k", [10, 40])
def test_a_region_is_scored_clause_by_clause_exactly_on_ten_copies(ten_copies, library, tokenizer, k):
    """Each region's chain of plans (its own, then those above it) as a Subset: both implementations
    give the same hits to the last bit, the exact top-k of BM25Okapi and of the dense scores within
    the region, ties at the k-th place too ranked by lower position, and what the whole-index paths
    give with the region as a mask."""
    index, lists, region_of = ten_copies
    reference = BM25Okapi(lists)
    rng = np.random.default_rng(k)
    others = sorted(set(region_of))
    chains = [library.gazetteer.covered_chain(name) for name in ("应县", "朔州", "同心县", "张掖", "茌平")]
    chains += [(str(name),) for name in rng.choice(others, size=4, replace=False)]
    texts = [tokenizer.tokens(q) for q in QUERIES] + _random_queries(index, rng, 20)
    for chain in chains:
        subset = Subset.of(np.isin(region_of, chain))
        assert len(subset.positions) > 0 and len(subset.positions) * SUBSET_SHARE <= index.size
        for words in texts:
            weights = index.query_weights(words)
            hits = index.top(weights, k, subset)
            assert hits == index.top(weights, k, subset, compiled=True)
            within = np.where(subset.mask, reference.get_scores(words), 0.0)
            _assert_exact_top(hits, within, k)
            dense = np.where(subset.mask, index.scores(weights), 0.0)
            _assert_exact_top(hits, dense, k)
            if hits:  # ties: no clause left out scores the k-th score with a lower position
                last = hits[-1]
                tied = [h.position for h in hits if h.score == last.score]
                assert tied == sorted(tied)
                left_out = np.setdiff1d(np.flatnonzero(np.isclose(dense, last.score, rtol=1e-12)), tied)
                assert len(hits) < k or not (left_out < last.position).any()
            for compiled in (True, False):
                _assert_same_hits(hits, index.top(weights, k, subset.mask, compiled=compiled))


def _assert_exact_top(hits, scores: np.ndarray, k: int) -> None:
    """The hits are a best-k of `scores` (ties allowed), with their scores, best first."""
    assert len(hits) == min(k, int((scores > 0).sum()))
    if not hits:
        return
    kth = np.sort(scores)[::-1][len(hits) - 1]
    for hit in hits:
        assert scores[hit.position] >= kth - 1e-6
        assert hit.score == pytest.approx(scores[hit.position], rel=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def _assert_same_hits(ours, theirs) -> None:
    """Same scores in the same order; positions may differ only among equal scores."""
    assert len(ours) == len(theirs)
    np.testing.assert_allclose([h.score for h in ours], [h.score for h in theirs], rtol=1e-6)
    if theirs:
        last = theirs[-1].score + 1e-6  # above the k-th score, the clauses themselves must agree
        assert {h.position for h in ours if h.score > last} == {h.position for h in theirs if h.score > last}


def test_in_plans_agrees_with_reading_every_clause(plan_searcher, clause_views):
    """The pairs-of-characters shortcut says the same as a plain scan, for words in the plans, words
    not in them, words of one, two and more characters and words with a pair the plans lack."""
    text = "\n".join(f"{c.title}\n{c.text}" for c in clause_views)
    words = [
        "律师",
        "护理补贴",
        "残",
        "老板",
        "工地",
        "助残公益律师",
        "补贴护理",
        "盲人按摩",
        "腿脚",
        "x",
        "低保边缘家庭",
    ]
    words += [c.text[5:8] for c in clause_views[::40]] + [c.text[:2] for c in clause_views[::50]]
    for word in words:
        assert plan_searcher.in_plans(word) == (word in text), word
