"""The saved word-frequency trie cuts text exactly as jieba's own dictionary does, and a bad cache
is rebuilt rather than trusted."""

from __future__ import annotations

import array
from pathlib import Path

import marisa_trie
import pytest

from knowledge import wordfreq
from knowledge.corpus import index_text
from knowledge.tokenize import Tokenizer
from knowledge.wordfreq import TrieFreq

QUESTIONS = [
    "我爸瘫在床上，家里困难，能领什么钱",
    "殘疾人去醫院看病有沒有啥便利",  # Traditional characters
    "盲人按摩 师带徒 2025年 目标",
    "重度残疾人护理补贴提标扩面 牵头部门",
]


@pytest.fixture(scope="module")
def plain() -> Tokenizer:
    """jieba's own dictionary and planbot's terms, no cache: the reference."""
    tokenizer = Tokenizer()
    tokenizer.warm_up()
    return tokenizer


def test_the_saved_dictionary_cuts_every_clause_as_jieba_does(tmp_path: Path, plain, clause_views) -> None:
    first = Tokenizer(cache_dir=tmp_path)
    first.warm_up()  # builds the dictionary the slow way and saves it
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".freqs", ".meta", ".trie"]
    assert not isinstance(first._jieba.FREQ, TrieFreq)

    second = Tokenizer(cache_dir=tmp_path)
    second.warm_up()  # maps the saved trie
    assert isinstance(second._jieba.FREQ, TrieFreq)
    assert second._jieba.total == plain._jieba.total
    texts = [index_text(c) for c in clause_views] + QUESTIONS
    assert [second.tokens(t) for t in texts] == [plain.tokens(t) for t in texts]


def test_a_damaged_or_inconsistent_cache_is_rebuilt(tmp_path: Path, plain) -> None:
    Tokenizer(cache_dir=tmp_path).warm_up()
    (trie_path,) = tmp_path.glob("*.trie")
    trie_path.write_bytes(b"not a trie")
    again = Tokenizer(cache_dir=tmp_path)
    again.warm_up()
    assert not isinstance(again._jieba.FREQ, TrieFreq)  # loaded the slow way, and saved anew
    assert [again.tokens(q) for q in QUESTIONS] == [plain.tokens(q) for q in QUESTIONS]
    assert isinstance(wordfreq.load(tmp_path, again.fingerprint)[0], TrieFreq)

    (meta_path,) = tmp_path.glob("*.meta")
    meta_path.write_text('{"words": 3, "total": 1}', encoding="utf-8")
    assert wordfreq.load(tmp_path, again.fingerprint) is None


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path, plain, caplog) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    tokenizer = Tokenizer(cache_dir=blocked)
    tokenizer.warm_up()
    assert [tokenizer.tokens(q) for q in QUESTIONS] == [plain.tokens(q) for q in QUESTIONS]
    assert "cannot save the word-frequency cache" in caplog.text


def test_trie_freq_answers_like_the_dict_jieba_uses() -> None:
    trie = marisa_trie.Trie(["残疾", "残疾人", "残"])
    freqs = array.array("I", [0] * len(trie))
    for word, count in {"残疾": 50, "残疾人": 80, "残": 0}.items():
        freqs[trie.key_id(word)] = count
    freq = TrieFreq(trie, freqs)
    assert "残疾人" in freq and "残疾人证" not in freq
    assert freq["残疾人"] == 80 and freq["残"] == 0
    assert freq.get("残疾人证") is None and freq.get("残疾人证", 1) == 1
    freq["残疾人证"] = 7  # jieba's add_word
    assert freq["残疾人证"] == 7 and freq.get("残疾人证") == 7 and "残疾人证" in freq
    with pytest.raises(KeyError):
        freq["护理"]
