"""Storage down or locked: questions, clause look-ups and /help are still answered; what needs storage
says so in one plain sentence instead of the error reply; nothing hangs for half a minute."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import messages
from bot.core import Conversation
from bot.db import make_engine
from bot.replies import Chat, Incoming
from bot.services import Services
from tests.bot.conftest import press, say
from tests.support import public_help, settings_for

UNREACHABLE = "postgresql+psycopg://planbot@127.0.0.1:9/planbot"  # the discard port: refused at once
PERSONAL = (
    "/screen",
    "/screen nursing_subsidy",
    "/privacy",
    "/forget",
    "/forget yes",
    "/region 朔州",
    "/voice on",
)


def texts(outgoing) -> str:
    return "\n".join(r.text for r in outgoing.replies)


@pytest.fixture
def cut_off(services) -> Iterator[Conversation]:
    """A conversation whose database has gone away after it started."""
    conversation = Conversation(services)
    dead = make_engine(UNREACHABLE)
    conversation.repository.engine = dead  # the screening flow shares this repository
    yield conversation
    dead.dispose()


def test_questions_lookups_and_help_are_answered_with_the_database_gone(cut_off):
    user = cut_off.user_key("test", 990_001)
    answer = texts(say(cut_off, user, "我爸瘫在床上，家里困难，能领什么钱"))
    assert "护理补贴" in answer and "依据：" in answer
    assert answer.startswith(messages.STORAGE_DOWN), "the person is told their progress cannot be kept"
    assert "shuozhou:box9.2" in texts(say(cut_off, user, "朔州 专栏9 第2项"))
    assert "shuozhou:3.1.5" in texts(press(cut_off, user, "1|c|shuozhou:3.1.5"))
    assert texts(say(cut_off, user, "/help")) == public_help()
    assert "shuozhou:box9.2" in texts(say(cut_off, user, "/clause shuozhou:box9.2"))
    unanswered = say(cut_off, user, "残疾人护理补贴一个月发多少钱")  # its log entry is lost, not the reply
    assert not unanswered.answered and "没有写" in texts(unanswered)


@pytest.mark.parametrize("typed", PERSONAL)
def test_what_needs_storage_says_so_plainly(cut_off, typed):
    user = cut_off.user_key("test", 990_002)
    reply = texts(say(cut_off, user, typed))
    assert reply == messages.STORAGE_DOWN
    assert messages.ERROR not in reply


@pytest.mark.parametrize("data", ["1|s|nursing_subsidy", "1|a|nursing_subsidy.1.1", "1|f|yes", "1|v|on"])
def test_buttons_that_need_storage_say_so_plainly(cut_off, data):
    assert texts(press(cut_off, cut_off.user_key("test", 990_003), data)) == messages.STORAGE_DOWN


def test_a_group_is_answered_as_always_with_the_database_gone(cut_off):
    out = cut_off.handle(
        Incoming(user=cut_off.user_key("test", 990_004), text="护理补贴怎么申请", chat=Chat.GROUP)
    )
    assert "依据：" in texts(out) and messages.STORAGE_DOWN not in texts(out)


@pytest.fixture
def own_sqlite(tmp_path: Path) -> Iterator[Services]:
    services = Services.open(settings_for(tmp_path / "data"))
    yield services
    services.close()


def test_a_database_locked_by_another_writer_gives_the_plain_sentence_and_answers_go_on(own_sqlite):
    conversation = Conversation(own_sqlite)
    user = conversation.user_key("test", 990_005)
    path = own_sqlite.settings.resolved_database_url.split("///", 1)[1]
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        assert texts(say(conversation, user, "/region 朔州")) == messages.STORAGE_DOWN
        answer = texts(say(conversation, user, "残疾人证怎么办理"))
        assert "依据：" in answer, "reading is not blocked by a writer (WAL)"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "朔州市" in texts(say(conversation, user, "/region 朔州")), "and it works again once released"
