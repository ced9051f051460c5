"""Storage down or locked: questions, clause look-ups and /help are still answered; what needs storage
says so in one plain sentence instead of the error reply; nothing hangs for half a minute. Down when
planbot starts, too: it starts from the persisted index and takes storage up once it is reachable."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot import messages
from bot import services as services_module
from bot.core import Conversation
from bot.db import make_engine
from bot.privacy import user_key
from bot.replies import Chat, Incoming
from bot.services import Services
from bot.settings import Settings
from tests.bot.conftest import press, say
from tests.support import SqliteOutOfReach, persisted_index, public_help, settings_for

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


# -- the database down when planbot starts -------------------------------------------------------------


@pytest.fixture
def persisted(services, tmp_path: Path) -> Path:
    """A data dir holding the index snapshot an earlier start left, and nothing else."""
    return persisted_index(services.settings.data_dir, tmp_path / "data")


@pytest.fixture
def start(monkeypatch) -> Iterator[Callable[[Settings], Services]]:
    """Services.open as planbot's start-up calls it; the database is tried again as soon as it is used."""
    monkeypatch.setattr(services_module, "REOPEN_AFTER_S", 0.0)
    started: list[Services] = []

    def open_(settings: Settings) -> Services:
        started.append(Services.open(settings))
        return started[-1]

    yield open_
    for opened in started:
        opened.close()


def test_planbot_starts_with_the_database_unreachable_and_answers_from_the_index(persisted, start, caplog):
    services = start(settings_for(persisted, UNREACHABLE))
    with caplog.at_level(logging.INFO):
        conversation = Conversation(services)
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1 and "starting without storage" in said[0].getMessage(), "one clear warning"
    user = conversation.user_key("test", 990_101)
    answer = texts(say(conversation, user, "我爸瘫在床上，家里困难，能领什么钱"))
    assert answer.startswith(messages.STORAGE_DOWN) and "护理补贴" in answer and "依据：" in answer
    assert "shuozhou:box9.2" in texts(say(conversation, user, "朔州 专栏9 第2项"))
    assert "shuozhou:box9.2" in texts(say(conversation, user, "/clause shuozhou:box9.2"))
    assert texts(say(conversation, user, "/help")) == public_help()
    for typed in ("/screen", "/screen nursing_subsidy", "/region 朔州", "/privacy", "/forget yes"):
        assert texts(say(conversation, user, typed)) == messages.STORAGE_DOWN, typed
    assert not conversation.answering(user)


def test_storage_is_taken_up_once_the_database_is_reachable_again(persisted, start, caplog):
    database = SqliteOutOfReach(persisted / "db")
    database.cut()
    services = start(settings_for(persisted, database.url))
    conversation = Conversation(services)
    user = conversation.user_key("test", 990_102)
    assert texts(say(conversation, user, "/region 朔州")) == messages.STORAGE_DOWN

    database.mend()
    with caplog.at_level(logging.INFO):
        assert "朔州市" in texts(say(conversation, user, "/region 朔州"))
    assert "reachable again" in caplog.text
    assert conversation.repository.profile(user).region == "朔州市"
    key_file = services.settings.resolved_user_id_salt_file.read_bytes()
    assert user_key(key_file, "test", 990_102) == user, "the key file holds the salt people were keyed by"
    answer = texts(say(conversation, user, "护理补贴怎么申请"))
    assert "依据：" in answer and messages.STORAGE_DOWN not in answer


def test_an_unreachable_database_is_tried_again_on_a_later_use_not_on_every_one(persisted, monkeypatch):
    tries: list[Settings] = []
    real = services_module.open_database
    monkeypatch.setattr(services_module, "open_database", lambda s: tries.append(s) or real(s))
    services = Services.open(settings_for(persisted, UNREACHABLE))
    try:
        conversation = Conversation(services)
        user = conversation.user_key("test", 990_103)
        for _ in range(5):
            assert texts(say(conversation, user, "/region 朔州")) == messages.STORAGE_DOWN
        assert len(tries) == 1, "no new try within REOPEN_AFTER_S of the last"
        services._reopen_at = 0.0  # the pause is over
        say(conversation, user, "/region 朔州")
        assert len(tries) == 2
    finally:
        services.close()


def test_a_salt_the_database_does_not_know_keeps_storage_off_once_it_is_back(persisted, start, caplog):
    database = SqliteOutOfReach(persisted / "db")
    first = settings_for(persisted, database.url, user_id_salt=SecretStr("the-salt-people-were-keyed-by"))
    Conversation(start(first))  # an earlier start stored this salt's check value
    database.cut()
    other = settings_for(persisted, database.url, user_id_salt=SecretStr("a-different-salt-set-later"))
    conversation = Conversation(start(other))
    user = conversation.user_key("test", 990_104)
    database.mend()
    with caplog.at_level(logging.ERROR):
        assert texts(say(conversation, user, "/region 朔州")) == messages.STORAGE_DOWN
        assert texts(say(conversation, user, "/region 朔州")) == messages.STORAGE_DOWN
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "salt" in errors[0], "the operator is told once why"
