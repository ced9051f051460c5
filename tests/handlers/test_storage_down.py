"""PostgreSQL stopped while planbot runs: questions are still answered through Telegram; what needs
storage says so; when the server is back, everything works again without a restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot import messages
from bot import services as services_module
from bot.services import Services
from tests.fakes import postgres
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.fixtures import TEST_TOKEN
from tests.handlers.conftest import running_planbot, text_of
from tests.support import settings_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres.available(), reason="no PostgreSQL server binaries"),
]


@pytest.fixture
def server() -> Iterator[postgres.PrivatePostgres]:
    server = postgres.PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.close()


async def test_with_postgres_stopped_a_question_is_still_answered(
    fake_bot_api: FakeBotApi, server: postgres.PrivatePostgres, tmp_path, user_id: int
) -> None:
    settings = settings_for(tmp_path / "data", server.url, telegram_token=SecretStr(TEST_TOKEN))
    services = Services.open(settings)
    try:
        async with running_planbot(fake_bot_api, services) as bot:
            assert "朔州市" in text_of(await bot.say(user_id, "/region 朔州"))

            server.stop()
            answer = text_of(await bot.say(user_id, "我爸瘫在床上，家里困难，能领什么钱"))
            assert answer.startswith(messages.STORAGE_DOWN) and "依据：" in answer
            assert "shuozhou:box9.2" in text_of(await bot.say(user_id, "朔州 专栏9 第2项"))
            assert "常用命令" in text_of(await bot.say(user_id, "/help"))
            assert text_of(await bot.say(user_id, "/screen nursing_subsidy")) == messages.STORAGE_DOWN
            assert text_of(await bot.say(user_id, "/privacy")) == messages.STORAGE_DOWN

            server.start()
            report = text_of(await bot.say(user_id, "/privacy"))
            assert "朔州市" in report, "the saved region is there again, no restart needed"
            assert "（第1题" in text_of(await bot.say(user_id, "/screen nursing_subsidy"))
        assert bot.errors == []
        sent = "\n".join(fake_bot_api.texts_to(user_id))
        assert messages.ERROR not in sent
    finally:
        services.close()


async def test_with_postgres_stopped_when_planbot_starts_it_starts_and_saves_once_the_server_is_back(
    fake_bot_api: FakeBotApi,
    server: postgres.PrivatePostgres,
    tmp_path,
    user_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services_module, "REOPEN_AFTER_S", 0.0)  # try again on the next use
    settings = settings_for(tmp_path / "data", server.url, telegram_token=SecretStr(TEST_TOKEN))
    Services.open(settings).close()  # an earlier start: the plans ingested, the index persisted
    server.stop()
    services = Services.open(settings)
    try:
        async with running_planbot(fake_bot_api, services) as bot:
            answer = text_of(await bot.say(user_id, "我爸瘫在床上，家里困难，能领什么钱"))
            assert answer.startswith(messages.STORAGE_DOWN) and "依据：" in answer
            assert "shuozhou:box9.2" in text_of(await bot.say(user_id, "/clause shuozhou:box9.2"))
            assert text_of(await bot.say(user_id, "/screen nursing_subsidy")) == messages.STORAGE_DOWN

            server.start()
            assert "朔州市" in text_of(await bot.say(user_id, "/region 朔州"))
            assert "朔州市" in text_of(await bot.say(user_id, "/privacy"))
            assert "（第1题" in text_of(await bot.say(user_id, "/screen nursing_subsidy"))
        assert bot.errors == []
        assert messages.ERROR not in "\n".join(fake_bot_api.texts_to(user_id))
    finally:
        services.close()
