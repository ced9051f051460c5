"""The benchmark's scaled corpus: reproducible, free of repeated clauses, and cheap to tokenise exactly."""

from __future__ import annotations

import pytest

from bench.corpus import CorpusGenerator, PieceTokenizer, cached_tokens, split_pieces, split_sentences
from knowledge.corpus import index_text


@pytest.fixture(scope="module")
def three_copies(clause_views, catalog):
    generator = CorpusGenerator(clause_views, 3, catalog=catalog)
    return generator, [view for group in generator.clauses() for view in group]


def test_the_same_seed_gives_the_same_corpus(clause_views, catalog, three_copies):
    _, first = three_copies
    again = CorpusGenerator(clause_views, 3, catalog=catalog)
    second = [view for group in again.clauses() for view in group]
    assert [(v.id, v.region, v.text) for v in first] == [(v.id, v.region, v.text) for v in second]


def test_another_seed_gives_other_texts(clause_views, catalog, three_copies):
    _, first = three_copies
    other = CorpusGenerator(clause_views, 3, catalog=catalog, seed=7)
    second = [view for group in other.clauses() for view in group]
    changed = sum(a.text != b.text for a, b in zip(first, second, strict=True))
    assert changed > len(clause_views)  # copy 0, the real plans, is the same; the copies differ


def test_three_copies_repeat_no_clause(clause_views, three_copies):
    generator, corpus = three_copies
    assert len(corpus) == 3 * len(clause_views)
    assert len({v.id for v in corpus}) == len(corpus)
    real = {v.text for v in clause_views}
    generated = [v.text for v in corpus[len(clause_views) :]]
    assert len(set(generated)) == len(generated)
    assert not real & set(generated)
    # the only repeated text is the one the real plans themselves repeat
    assert len({v.text for v in corpus}) == len(corpus) - generator.stats.duplicates_in_source


def test_copies_name_an_invented_region_instead_of_the_plans_own(clause_views, catalog, three_copies):
    _, corpus = three_copies
    copies = corpus[len(clause_views) :]
    for view in copies:
        original = catalog[view.doc_id.rsplit("_", 1)[0]].region
        assert view.region != original
        assert original not in view.text and original not in view.doc_title
    assert len({v.region for v in copies}) == 2 * len(catalog)


def test_recombined_clauses_keep_their_title_sentence(clause_views, three_copies):
    _, corpus = three_copies
    by_ref = {(v.doc_id, v.ref): v for v in clause_views}
    for view in corpus[len(clause_views) :]:
        real = by_ref[(view.doc_id.rsplit("_", 1)[0], view.ref)]
        if real.title and real.text.startswith(real.title):
            assert view.text.startswith(view.title)


def test_pieces_rejoin_to_the_text(clause_views):
    for view in clause_views:
        assert "".join(split_pieces(view.text)) == view.text
        assert "".join(split_sentences(view.text)) == view.text


def test_tokenising_piece_by_piece_equals_tokenising_whole_clauses(clause_views, tokenizer):
    pieces = PieceTokenizer(tokenizer)
    for view in clause_views:
        text = index_text(view)
        assert pieces.tokens(text) == tokenizer.tokens(text), view.id
    assert pieces.hits > 0  # titles repeat in index_text, so the memo was used


def test_cached_tokens_are_made_once_and_read_back_the_same(tmp_path, clause_views, tokenizer):
    texts = [index_text(v) for v in clause_views[:60]]
    made = []

    def make():
        made.append(1)
        return [tokenizer.tokens(t) for t in texts], {"memo_s": 0.1}

    first = cached_tokens(texts, tokenizer, make, root=tmp_path)
    second = cached_tokens(texts, tokenizer, make, root=tmp_path)
    assert made == [1]
    assert (first.cached, second.cached) == (False, True)
    assert second.token_lists == first.token_lists == [tokenizer.tokens(t) for t in texts]
    assert second.stats["memo_s"] == 0.1 and "measured_at" in second.stats


def test_other_texts_get_their_own_cached_tokens(tmp_path, clause_views, tokenizer):
    texts = [index_text(v) for v in clause_views[:20]]
    cached_tokens(texts, tokenizer, lambda: ([tokenizer.tokens(t) for t in texts], {}), root=tmp_path)
    changed = [*texts[:-1], texts[-1] + "残疾人"]
    again = cached_tokens(
        changed, tokenizer, lambda: ([tokenizer.tokens(t) for t in changed], {}), root=tmp_path
    )
    assert not again.cached and again.token_lists[-1] == tokenizer.tokens(changed[-1])
    assert len(list(tmp_path.glob("tokens-*"))) == 2


def test_every_copied_plan_is_in_the_generators_catalog_and_its_clauses_can_be_cited(catalog, three_copies):
    generator, corpus = three_copies
    assert list(generator.plans)[: len(catalog)] == list(catalog)
    assert set(generator.plans) == {v.doc_id for v in corpus}
    for view in corpus[:: len(corpus) // 50]:
        meta = generator.plans[view.doc_id]
        assert (meta.region, meta.short_title) == (view.region, view.doc_short_title)
        assert view.label.startswith(view.doc_short_title)  # the key parses as a ClauseRef
