"""Fixtures shared by the whole suite: the real plans, parsed once; a real SQLite file per test."""

from __future__ import annotations

import pytest

from knowledge.library import Library
from knowledge.parse import parse_all
from knowledge.plans import load_catalog
from knowledge.store import views_from_parsed
from knowledge.tokenize import default_tokenizer
from tests.fakes.fixtures import fake_bot_api  # noqa: F401  (the fake Telegram Bot API server)


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture(scope="session")
def library():
    return Library.load()


@pytest.fixture(scope="session")
def parsed_documents():
    return parse_all()


@pytest.fixture(scope="session")
def clause_views(parsed_documents, catalog):
    return views_from_parsed(parsed_documents, catalog)


@pytest.fixture(scope="session")
def tokenizer():
    tok = default_tokenizer()
    tok.warm_up()
    return tok
