"""The plain-language rules on the real plan texts: they drop words of effort, never a meaning."""

from __future__ import annotations

import re

from knowledge.plain import plain

#: Words that hold a filler adverb's characters but mean something of their own.
KEPT = re.compile(r"可持续|积极性|积极度|持续开展|持续推进|持续实施")


def test_words_that_only_look_like_filler_survive_in_every_clause(clause_views):
    seen = 0
    for clause in clause_views:
        for word in KEPT.findall(clause.text):
            seen += 1
            assert word in plain(clause.text), (clause.id, word)
    assert seen >= 10, "the plans use these words; the test must see them"


def test_words_of_effort_are_dropped(clause_views):
    effort = [c for c in clause_views if "进一步加强" in c.text]
    assert effort
    for clause in effort:
        assert "进一步" not in plain(clause.text) and "加强" in plain(clause.text), clause.id
