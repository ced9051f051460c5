"""Splitting replies longer than a Telegram message: cut after sentences, lose nothing, never exceed 4096."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.render import MAX_MESSAGE, split_message
from knowledge.plans import PlanMeta, load_catalog, plan_text

SENTENCE_ENDS = "。！？；"


def without_space(text: str) -> str:
    return re.sub(r"\s", "", text)


def assert_cut_after_sentences(text: str, pieces: list[str]) -> None:
    """Every piece but the last ends a sentence, or a line of the original text."""
    end = 0
    for piece in pieces[:-1]:
        end = text.index(piece, end) + len(piece)
        assert piece[-1] in SENTENCE_ENDS or text[end] == "\n", piece[-30:]


def test_a_message_that_fits_is_left_alone() -> None:
    for text in ("护理补贴谁能领？", "好" * MAX_MESSAGE, "第一行\n\n第二行\n"):
        assert split_message(text) == [text]


def test_one_character_too_many_is_cut_after_the_last_whole_sentence() -> None:
    sentence = "残疾人可以申请护理补贴。"  # 12 characters
    text = sentence * (MAX_MESSAGE // len(sentence) + 1)
    pieces = split_message(text)
    assert [len(p) for p in pieces] == [MAX_MESSAGE // len(sentence) * len(sentence), len(sentence)]
    assert "".join(pieces) == text
    assert_cut_after_sentences(text, pieces)


def test_a_run_without_punctuation_is_cut_hard_at_the_limit() -> None:
    text = "".join(str(i % 10) for i in range(10_000))
    pieces = split_message(text)
    assert [len(p) for p in pieces] == [MAX_MESSAGE, MAX_MESSAGE, 10_000 - 2 * MAX_MESSAGE]
    assert "".join(pieces) == text


def test_a_run_without_punctuation_after_sentences_keeps_the_sentences_whole() -> None:
    text = "先说一句。" + "长" * 5000 + "最后一句！"
    pieces = split_message(text)
    assert pieces[0] == "先说一句。"
    assert all(len(p) <= MAX_MESSAGE for p in pieces)
    assert "".join(pieces) == text


@pytest.mark.parametrize("meta", load_catalog().values(), ids=lambda meta: meta.doc_id)
def test_a_whole_plan_is_split_after_sentences_and_nothing_is_lost(meta: PlanMeta) -> None:
    text = plan_text(meta)
    pieces = split_message(text)
    assert len(pieces) >= 2
    assert all(0 < len(p) <= MAX_MESSAGE for p in pieces)
    assert without_space("".join(pieces)) == without_space(text)
    assert_cut_after_sentences(text, pieces)


@given(
    text=st.text(
        alphabet=st.sampled_from(["护", "理", "补", "贴", "。", "！", "；", "\n", " ", "a"]), max_size=300
    ),
    limit=st.integers(min_value=1, max_value=40),
)
def test_no_piece_is_too_long_or_empty_and_no_character_is_lost(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert all(len(p) <= limit and p.strip() for p in pieces) or pieces == [text]
    assert without_space("".join(pieces)) == without_space(text)
