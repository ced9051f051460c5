"""Services on a real database: a fresh SQLite file, and PostgreSQL too when one is available.

Set PLANBOT_TEST_POSTGRES_URL (an admin URL such as postgresql+psycopg://postgres@127.0.0.1/postgres)
and every test that takes `services` runs on both; .ci/run starts a server and sets it.
"""

from __future__ import annotations

import itertools

import pytest

from bot.core import Conversation
from bot.replies import Incoming
from bot.services import Services
from tests.support import backend_params, database_url_for, settings_for

_users = itertools.count(1)


@pytest.fixture(scope="session", params=backend_params())
def services(request, tmp_path_factory):
    with database_url_for(request.param) as url:
        opened = Services.open(settings_for(tmp_path_factory.mktemp(f"data-{request.param}"), url))
        yield opened
        opened.close()


@pytest.fixture
def conversation(services) -> Conversation:
    return Conversation(services)


@pytest.fixture
def user(conversation) -> str:
    """A person no other test has seen."""
    return conversation.user_key("test", next(_users))


def say(conversation: Conversation, user: str, text: str):
    """Send text, or a /command, as this person."""
    if text.startswith("/"):
        head, _, args = text.partition(" ")
        return conversation.handle(Incoming(user=user, command=head[1:], args=args))
    return conversation.handle(Incoming(user=user, text=text))


def press(conversation: Conversation, user: str, data: str):
    return conversation.handle(Incoming(user=user, callback=data))
