"""The fake Bot API server, exercised by the real python-telegram-bot client over 127.0.0.1.

These tests pin what later end-to-end tests rely on: replies are recorded as sent, uploads arrive byte for
byte, the fake's ``getUpdates`` confirms by offset like Telegram, and injected faults reach the bot the way
Telegram's would — so that "no update lost or handled twice" can be asserted through it.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging

import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputFile,
    InputTextMessageContent,
    MenuButtonCommands,
    Update,
)
from telegram.error import BadRequest, Conflict, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tests.fakes import updates
from tests.fakes.bot_api import FakeBotApi, post_webhook_update
from tests.fakes.fixtures import (
    application_builder,
    fake_bot_api,  # noqa: F401  (the fixture behind ``fake``)
    free_port,
    running_polling,
    running_webhook,
)

pytestmark = pytest.mark.e2e

USER = 42
# Every byte value plus CRLFs and a boundary-like line: multipart parsing must not touch any of them.
UPLOAD = bytes(range(256)) * 4 + b"\r\n--\r\n\r\n\x00--boundary\r\n"


class EchoBot:
    """A bot small enough to read at a glance: echo text, send a voice, a menu, answer buttons and queries."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.handled: list[int] = []  # update_ids, in the order handlers ran
        self.errors: list[Exception] = []
        self.retry_afters: list[dtm.timedelta] = []
        self.voice_file_ids: list[str] = []
        self.downloads: list[bytes] = []
        app.add_handler(CommandHandler("voice", self.voice))
        app.add_handler(CommandHandler("menu", self.menu))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.echo))
        app.add_handler(MessageHandler(filters.VOICE, self.listen))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_handler(InlineQueryHandler(self.inline))
        app.add_error_handler(self.error)

    async def echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.handled.append(update.update_id)
        assert update.message and update.message.text
        try:
            await update.message.reply_text(update.message.text)
        except RetryAfter as exc:  # what a polite bot does: wait as told, then try once more
            assert isinstance(exc.retry_after, dtm.timedelta)
            self.retry_afters.append(exc.retry_after)
            await asyncio.sleep(exc.retry_after.total_seconds())
            await update.message.reply_text(update.message.text)

    async def voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message
        sent = await update.message.reply_voice(InputFile(UPLOAD, filename="reply.ogg"), duration=3)
        assert sent.voice
        self.voice_file_ids.append(sent.voice.file_id)

    async def listen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message and update.message.voice
        voice_file = await update.message.voice.get_file()
        self.downloads.append(bytes(await voice_file.download_as_bytearray()))

    async def menu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message
        keyboard = [[InlineKeyboardButton("康复服务", callback_data="topic:rehab")]]
        await update.message.reply_text("请选择：", reply_markup=InlineKeyboardMarkup(keyboard))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query
        await query.answer("收到")
        await query.edit_message_text(f"你选了 {query.data}")

    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.inline_query
        text = f"关于「{update.inline_query.query}」的规划条款"
        result = InlineQueryResultArticle("r1", text, InputTextMessageContent(text))
        await update.inline_query.answer([result], cache_time=0)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        self.errors.append(context.error)


def echo_bot(fake: FakeBotApi, **timeouts: float) -> EchoBot:
    builder = application_builder(fake)
    for name, seconds in timeouts.items():  # e.g. read_timeout=0.5, get_updates_read_timeout=0.5
        getattr(builder, name)(seconds)
    return EchoBot(builder.build())


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> FakeBotApi:
    """The shared ``fake_bot_api`` fixture, under a name short enough for these tests."""
    return request.getfixturevalue("fake_bot_api")


@pytest.fixture(autouse=True)
def retry_after_as_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when ``RetryAfter.retry_after`` is read as an int; opt in to its future type."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_text_is_echoed_as_a_realistic_message(fake: FakeBotApi) -> None:
    bot = echo_bot(fake)
    async with running_polling(bot.app):
        first = fake.push_message(USER, "你好")
        reply = await fake.await_call("sendMessage")
    assert reply.params == {"chat_id": USER, "text": "你好"}
    assert reply.token == "123:TEST"
    assert reply.result["message_id"] == 2  # the user's message was 1: ids count per chat, both ways
    assert reply.result["from"]["is_bot"] and reply.result["chat"] == updates.chat(USER)
    assert bot.handled == [first]
    assert [c.method for c in fake.sent[:2]] == ["getMe", "deleteWebhook"]
    assert fake.pending_update_ids == []  # stopping confirmed the update


async def test_voice_upload_arrives_byte_for_byte(fake: FakeBotApi) -> None:
    bot = echo_bot(fake)
    async with running_polling(bot.app):
        fake.push_command(USER, "voice")
        call = await fake.await_call("sendVoice")
    assert call.params == {"chat_id": USER, "duration": 3}
    assert call.files == {"voice": ("reply.ogg", UPLOAD, "audio/ogg")}
    assert fake.file_content(bot.voice_file_ids[0]) == UPLOAD
    assert call.result["voice"]["file_size"] == len(UPLOAD)


async def test_voice_from_user_is_downloadable_through_base_file_url(fake: FakeBotApi) -> None:
    bot = echo_bot(fake)
    async with running_polling(bot.app):
        fake.push_voice(USER, UPLOAD, duration=2)
        await fake.await_call("getFile")
        await fake.await_until(lambda: bot.downloads)
    assert bot.downloads == [UPLOAD]


async def test_button_press_is_answered_and_its_message_edited(fake: FakeBotApi) -> None:
    bot = echo_bot(fake)
    async with running_polling(bot.app):
        fake.push_command(USER, "menu")
        menu = await fake.await_call("sendMessage")
        fake.push_callback(USER, "topic:rehab")
        answer = await fake.await_call("answerCallbackQuery")
        edit = await fake.await_call("editMessageText")
    assert menu.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "topic:rehab"
    assert answer.params["text"] == "收到"
    assert edit.params["message_id"] == menu.result["message_id"]
    assert edit.result["text"] == "你选了 topic:rehab"
    assert "reply_markup" not in edit.result  # editing without a markup removes the keyboard


async def test_inline_query_results_are_recorded_as_json(fake: FakeBotApi) -> None:
    bot = echo_bot(fake)
    async with running_polling(bot.app):
        fake.push_inline_query(USER, "康复")
        call = await fake.await_call("answerInlineQuery")
    [result] = call.params["results"]
    assert result["type"] == "article" and result["title"] == "关于「康复」的规划条款"
    assert call.params["cache_time"] == 0


async def test_a_query_can_be_answered_only_once(fake: FakeBotApi) -> None:
    app = application_builder(fake).build()
    update_id = fake.push_callback(USER, "x")
    async with app:
        [update] = await app.bot.get_updates(offset=update_id)
        assert update.callback_query
        assert await update.callback_query.answer() is True
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await update.callback_query.answer()


async def test_commands_and_menu_button_are_kept_like_telegram(fake: FakeBotApi) -> None:
    app = application_builder(fake).build()
    commands = [BotCommand("start", "开始"), BotCommand("help", "帮助")]
    async with app:
        await app.bot.set_my_commands(commands)
        assert await app.bot.get_my_commands() == tuple(commands)
        await app.bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        await app.bot.delete_my_commands()
        assert await app.bot.get_my_commands() == ()
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await app.bot.set_my_commands([BotCommand("Start", "大写不行")])
    [call] = fake.calls("setMyCommands")
    assert call.params["commands"] == [
        {"command": "start", "description": "开始"},
        {"command": "help", "description": "帮助"},
    ]
    assert fake.menu_buttons == {None: {"type": "commands"}}


async def test_unknown_method_is_a_bad_request_not_an_invalid_token(fake: FakeBotApi) -> None:
    app = application_builder(fake).build()
    async with app:
        with pytest.raises(BadRequest, match="not found"):
            await app.bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": USER})


async def test_get_updates_confirms_by_offset_and_respects_limit(fake: FakeBotApi) -> None:
    ids = [fake.push_message(USER, text) for text in ("一", "二", "三")]
    app = application_builder(fake).build()
    async with app:
        assert [u.update_id for u in await app.bot.get_updates(limit=2)] == ids[:2]
        assert [u.update_id for u in await app.bot.get_updates(offset=ids[1])] == ids[1:]
        assert fake.pending_update_ids == ids[1:]  # the first was confirmed
        assert await app.bot.get_updates(offset=ids[2] + 1, timeout=0) == ()
    assert [fake.deliveries(i) for i in ids] == [1, 2, 1]


async def test_long_poll_returns_as_soon_as_an_update_is_pushed(fake: FakeBotApi) -> None:
    app = application_builder(fake).build()
    async with app:
        poll = asyncio.create_task(app.bot.get_updates(timeout=30))
        await fake.await_until(lambda: fake.polls_waiting == 1)
        update_id = fake.push_message(USER, "在吗")
        updates_seen = await asyncio.wait_for(poll, 10)
    assert [u.update_id for u in updates_seen] == [update_id]


async def test_too_many_requests_reaches_the_handler_as_retry_after(fake: FakeBotApi) -> None:
    bot = echo_bot(fake)
    fake.fail_next("sendMessage", 429, retry_after=1)
    async with running_polling(bot.app):
        fake.push_message(USER, "慢一点")
        await fake.await_call("sendMessage")
    assert bot.retry_afters == [dtm.timedelta(seconds=1)]
    assert [c.status for c in fake.calls("sendMessage", include_failed=True)] == [429, 200]
    assert fake.texts_to(USER) == ["慢一点"]


async def test_slow_answer_times_out_in_the_bot(fake: FakeBotApi) -> None:
    bot = echo_bot(fake, read_timeout=0.5)
    fake.delay_next("sendMessage", 1.5)
    async with running_polling(bot.app):
        fake.push_message(USER, "你好")
        await fake.await_until(lambda: bot.errors)
    assert isinstance(bot.errors[0], TimedOut)
    await fake.await_call("sendMessage")  # Telegram got it all the same: the bot cannot know


# fault id -> (FakeBotApi method, its arguments, statuses of the faulty getUpdates answers)
POLLING_FAULTS = {
    "429": ("fail_next", {"status": 429, "retry_after": 1}, [429, 429]),
    "500": ("fail_next", {"status": 500}, [500, 500]),
    "dropped connection": ("drop_next", {}, [0, 0]),
    # the delayed answer is written after the bot gave up (reads time out after 1 s poll + 0.5 s)
    "answer slower than the read timeout": ("delay_next", {"seconds": 2.0}, []),
}


@pytest.mark.parametrize(
    ("inject", "arguments", "failed"), POLLING_FAULTS.values(), ids=POLLING_FAULTS.keys()
)
async def test_polling_fault_loses_and_repeats_no_update(
    fake: FakeBotApi, inject: str, arguments: dict, failed: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="telegram.ext")

    def polls_retried() -> int:
        return sum("(Polling Updates)" in m and m.endswith("Retrying.") for m in caplog.messages)

    bot = echo_bot(fake, get_updates_read_timeout=0.5)
    texts = [f"消息{i}" for i in range(6)]
    ids = [fake.push_message(USER, text) for text in texts[:3]]
    getattr(fake, inject)("getUpdates", **arguments)
    async with running_polling(bot.app):
        await fake.await_call("sendMessage", lambda c: c.params["text"] == texts[0], timeout=10)
        getattr(fake, inject)("getUpdates", **arguments)  # again, on one of the next polls
        ids += [fake.push_message(USER, text) for text in texts[3:]]
        await fake.await_until(lambda: len(fake.texts_to(USER)) == len(texts), timeout=15)
        await fake.await_until(lambda: polls_retried() == 2, timeout=10)  # the bot saw both faults
    assert bot.handled == ids
    assert fake.texts_to(USER) == texts
    assert fake.pending_update_ids == []
    assert all(fake.deliveries(i) >= 1 for i in ids)
    getupdates = fake.calls("getUpdates", include_failed=True)
    assert [c.status for c in getupdates if not c.ok] == failed


async def test_webhook_update_needs_the_secret_token(fake: FakeBotApi) -> None:
    bot = echo_bot(fake)
    async with running_webhook(bot.app, port=free_port(), secret_token="s3cret") as url:
        assert fake.webhook["url"] == url
        assert fake.webhook["secret_token"] == "s3cret"
        payload = updates.text_update(USER, "网络钩子", update_id=500)
        assert (await post_webhook_update(url, payload)).status_code == 403
        assert (await post_webhook_update(url, payload, secret_token="wrong")).status_code == 403
        assert bot.handled == []
        answered = await post_webhook_update(url, payload, secret_token="s3cret")
        assert answered.status_code == 200
        reply = await fake.await_call("sendMessage")
    assert reply.params["text"] == "网络钩子"
    assert bot.handled == [500]


async def test_get_updates_conflicts_with_an_active_webhook(fake: FakeBotApi) -> None:
    app = application_builder(fake).build()
    async with app:
        await app.bot.set_webhook("http://127.0.0.1:9/hook")
        with pytest.raises(Conflict):
            await app.bot.get_updates()
        await app.bot.delete_webhook()
        assert await app.bot.get_updates() == ()
