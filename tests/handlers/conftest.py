"""planbot itself — `build_application` with its real handlers — running against the fake Bot API.

One `Services` (the parsed plans, the search index, a SQLite file) is opened per session because opening it
costs a second or two; every test talks to the bot as people no other test has seen, so they share it safely.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, TypeHandler
from telegram.request import BaseRequest

from bot.core import Conversation
from bot.services import Services
from handlers.context import CONVERSATION
from planbot.telegram_app import build_application
from tests.fakes.bot_api import Call, FakeBotApi
from tests.fakes.fixtures import TEST_TOKEN
from tests.support import settings_for

ADMIN_ID = 7
OBSERVER_GROUP = 99  # after planbot's only group (0): sees an update once planbot is done with it

_user_ids = itertools.count(10_001)


@pytest.fixture(scope="session")
def planbot_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    settings = settings_for(
        tmp_path_factory.mktemp("planbot-e2e"),
        telegram_token=SecretStr(TEST_TOKEN),
        admin_ids=frozenset({ADMIN_ID}),
    )
    services = Services.open(settings)
    yield services
    services.close()


@pytest.fixture
def user_id() -> int:
    """A Telegram user (and private chat) no other test has used."""
    return next(_user_ids)


@pytest.fixture
def other_user_id() -> int:
    return next(_user_ids)


@pytest.fixture(autouse=True)
def retry_after_as_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when ``RetryAfter.retry_after`` is read as an int; opt in to its future type."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@dataclass
class Planbot:
    """The running bot as a person sees it: push updates through ``fake``, wait until each is handled."""

    fake: FakeBotApi
    app: Application
    handled: list[int] = field(default_factory=list)  # update ids, in the order planbot finished them
    errors: list[BaseException] = field(default_factory=list)  # what reached the error handlers
    webhook_url: str | None = None

    @property
    def conversation(self) -> Conversation:
        return self.app.bot_data[CONVERSATION]

    async def wait_handled(self, *update_ids: int, timeout: float = 15) -> None:
        await self.fake.await_until(lambda: set(update_ids) <= set(self.handled), timeout)

    async def exchange(self, chat_id: int, push: Callable[[], int], *, timeout: float = 15) -> list[Call]:
        """Push one update, wait until planbot has handled it; the messages it sent to ``chat_id``."""
        since = len(self.fake.sent)
        update_id = push()
        await self.wait_handled(update_id, timeout=timeout)
        return [
            c
            for c in self.fake.sent[since:]
            if c.ok and c.params.get("chat_id") == chat_id and _is_message(c)
        ]

    async def say(self, user_id: int, text: str) -> list[Call]:
        """Send ``text`` — or ``/command args`` — as ``user_id`` in their private chat."""
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return await self.exchange(user_id, lambda: self.fake.push_command(user_id, command, args))
        return await self.exchange(user_id, lambda: self.fake.push_message(user_id, text))

    async def press(self, user_id: int, data: str) -> list[Call]:
        """Press a button with this callback data under the bot's latest message to ``user_id``."""
        return await self.exchange(user_id, lambda: self.fake.push_callback(user_id, data))


def _is_message(call: Call) -> bool:
    return call.method in {"sendMessage", "sendVoice", "sendPhoto"}


def text_of(calls: list[Call]) -> str:
    """The text of the sendMessage calls, joined as the person would read them."""
    return "\n".join(c.params["text"] for c in calls if c.method == "sendMessage")


@contextlib.asynccontextmanager
async def running_planbot(
    fake: FakeBotApi,
    services: Services,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    webhook_port: int | None = None,
    secret_token: str | None = None,
) -> AsyncIterator[Planbot]:
    """planbot polling the fake (1 s long polls), or serving a webhook on 127.0.0.1:``webhook_port``.

    ``initialize()`` does not run ``post_init`` (only ``run_polling`` does), so it is awaited here in
    between, as production's order is. Always stopped, even when the test fails.
    """
    app = build_application(
        services.settings,
        services=services,
        base_url=fake.base_url,
        request=request,
        get_updates_request=get_updates_request,
    )
    bot = Planbot(fake, app)

    async def observe(update: Update, context: object) -> None:
        bot.handled.append(update.update_id)

    async def record_error(update: object, context: object) -> None:
        bot.errors.append(getattr(context, "error", None) or RuntimeError("unknown"))

    app.add_handler(TypeHandler(Update, observe), group=OBSERVER_GROUP)
    app.add_error_handler(record_error)
    assert app.updater is not None and app.post_init is not None
    await app.initialize()
    try:
        await app.post_init(app)
        if webhook_port is None:
            await app.updater.start_polling(timeout=1, poll_interval=0)
        else:
            bot.webhook_url = f"http://127.0.0.1:{webhook_port}/hook"
            await app.updater.start_webhook(
                listen="127.0.0.1",
                port=webhook_port,
                url_path="hook",
                secret_token=secret_token,
                webhook_url=bot.webhook_url,
            )
        await app.start()
        yield bot
    finally:
        if app.updater.running:
            await app.updater.stop()  # its last getUpdates confirms every fetched update
        if app.running:
            await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)  # as run_polling does


@pytest.fixture
async def planbot(fake_bot_api: FakeBotApi, planbot_services: Services) -> AsyncIterator[Planbot]:
    """planbot with its production settings, long-polling the fake Bot API."""
    async with running_planbot(fake_bot_api, planbot_services) as bot:
        yield bot
