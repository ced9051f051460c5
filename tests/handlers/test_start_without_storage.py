"""planbot started on Telegram while its database cannot be reached: it starts from the persisted index,
answers questions, says plainly what cannot be saved, and saves again once the database is back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bot import messages
from bot import services as services_module
from bot.models import OutboxMessage
from bot.repository import Repository
from bot.services import Services
from handlers.updates import PLATFORM
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.fixtures import TEST_TOKEN
from tests.handlers.conftest import running_planbot, text_of
from tests.support import SqliteOutOfReach, persisted_index, settings_for

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """The database is tried again on the next use, not REOPEN_AFTER_S later."""
    monkeypatch.setattr(services_module, "REOPEN_AFTER_S", 0.0)


@pytest.fixture
def database(planbot_services: Services, tmp_path) -> Iterator[tuple[Services, SqliteOutOfReach]]:
    """Services opened as `planbot run` opens them, on an index an earlier start left, with the
    database out of reach."""
    data = persisted_index(planbot_services.settings.data_dir, tmp_path / "data")
    database = SqliteOutOfReach(data / "db")
    database.cut()
    services = Services.open(settings_for(data, database.url, telegram_token=SecretStr(TEST_TOKEN)))
    yield services, database
    services.close()


async def test_planbot_starts_with_the_database_out_of_reach_and_saves_once_it_is_back(
    fake_bot_api: FakeBotApi, database: tuple[Services, SqliteOutOfReach], user_id: int
) -> None:
    services, sqlite = database
    async with running_planbot(fake_bot_api, services) as bot:
        answer = text_of(await bot.say(user_id, "我爸瘫在床上，家里困难，能领什么钱"))
        assert answer.startswith(messages.STORAGE_DOWN) and "依据：" in answer
        assert "shuozhou:box9.2" in text_of(await bot.say(user_id, "朔州 专栏9 第2项"))
        assert "常用命令" in text_of(await bot.say(user_id, "/help"))
        assert text_of(await bot.say(user_id, "/screen")) == messages.STORAGE_DOWN
        assert text_of(await bot.say(user_id, "/region 朔州")) == messages.STORAGE_DOWN

        sqlite.mend()
        assert "朔州市" in text_of(await bot.say(user_id, "/region 朔州"))
        assert "朔州市" in text_of(await bot.say(user_id, "/privacy")), "saved, no restart needed"
        key = bot.conversation.user_key(PLATFORM, user_id)
        assert Repository(services.engine).profile(key).region == "朔州市"
        with Session(services.engine) as session:
            assert session.exec(select(OutboxMessage)).all(), "replies are written down again"
    assert bot.errors == []
    assert messages.ERROR not in "\n".join(fake_bot_api.texts_to(user_id))
