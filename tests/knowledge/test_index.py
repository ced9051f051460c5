"""The sparse BM25 index scores exactly like rank-bm25's BM25Okapi, and survives a save and load."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from knowledge.corpus import index_text
from knowledge.index import Bm25Index

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
