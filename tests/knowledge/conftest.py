"""A Searcher over the real plans (parsed once per session), for the knowledge tests that need one."""

from __future__ import annotations

from collections import Counter

import pytest

from knowledge.corpus import build_index, index_text
from knowledge.search import Searcher


@pytest.fixture(scope="session")
def plan_searcher(clause_views, tokenizer, library) -> Searcher:
    index = build_index(
        clause_views, lambda _doc, group: [dict(Counter(tokenizer.tokens(index_text(c)))) for c in group], {}
    )
    return Searcher(clause_views, index, tokenizer, library)
