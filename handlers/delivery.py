"""Getting replies to people: tries again when Telegram did not take a request, writes replies down
first so a restart sends what was not delivered, and says so kindly when nothing gets through.

What is tried again here: a 5xx, a connection lost before an answer. A 429 is AIORateLimiter's to try
again (after the wait Telegram asks for, pausing every other request meanwhile, ATTEMPTS times in
all): tried here too, each try would be its ATTEMPTS tries, minutes of waiting that outlast the
outbox's lease. What is not tried again: a timeout after the request was sent (the message may
already be in the chat, and a person with a screen reader would hear it twice), a 400 (it would fail
the same way), a 403 (the person blocked the bot).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot import messages
from bot.outbox import FAILED, SENT, Letter, Outbox
from bot.replies import Outgoing
from bot.repository import StorageUnavailable
from handlers.render import keyboard, split_message

if TYPE_CHECKING:
    from bot.core import Conversation

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 6  # a reply survives five failures in a row
BACKOFF = 0.5  # seconds before the second try after a 5xx, doubled each time…
BACKOFF_MAX = 8.0  # …up to this
#: How long after start-up an update may be one handled before: in polling mode, those a dead process
#: fetched but had not confirmed come again in the first batch. (Webhook: Telegram sends again only what
#: was not answered 200, and python-telegram-bot answers 200 once it has queued an update.) After this,
#: updates are not looked up: the look-up is a database round trip for every update.
RECHECK_S = 60.0
ACTION_DELAY = 0.4  # show "typing…" only when work takes longer than a moment
ACTION_REPEAT = 4.5  # Telegram shows an action for about five seconds


async def with_retries(request: Callable[[], Awaitable[T]], what: str) -> T:
    """`request()`, again after a 5xx or a lost connection, up to ATTEMPTS times in all."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await request()
        except (RetryAfter, TimedOut, BadRequest):  # RetryAfter: the rate limiter has tried already
            raise
        except NetworkError:
            if attempt == ATTEMPTS:
                raise
            wait = min(BACKOFF * 2 ** (attempt - 1), BACKOFF_MAX)
        log.warning("telegram %s failed (try %d of %d); again in %.1f s", what, attempt, ATTEMPTS, wait)
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")


@contextlib.asynccontextmanager
async def chat_action(bot: Bot, chat_id: int, action: str) -> AsyncIterator[None]:
    """Keep a chat action ('typing', 'record_voice') visible while the block runs."""

    async def keep_showing() -> None:
        await asyncio.sleep(ACTION_DELAY)
        while True:
            with contextlib.suppress(Exception):
                await bot.send_chat_action(chat_id, action)
            await asyncio.sleep(ACTION_REPEAT)

    task = asyncio.create_task(keep_showing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a failure here never costs the reply that follows."""
    try:
        await with_retries(lambda: query.answer(text), "answerCallbackQuery")
    except TelegramError as error:
        log.warning("a button press was not acknowledged (%s)", type(error).__name__)


async def take_buttons_away(query: CallbackQuery) -> None:
    """Remove the keyboard of the message whose button was pressed; best effort."""
    try:
        await with_retries(lambda: query.edit_message_reply_markup(None), "editMessageReplyMarkup")
    except TelegramError as error:  # too old to edit, already edited, or Telegram is failing
        log.info("a pressed keyboard stayed in place (%s)", type(error).__name__)


def payloads(outgoing: Outgoing, bot_username: str | None) -> list[dict[str, Any]]:
    """The messages an Outgoing becomes, as JSON-ready dicts: text pieces with their keyboards, pictures
    (charts: no personal data) as base64 PNG, then the voice note's script (spoken when sent: audio is
    never written down)."""
    out: list[dict[str, Any]] = []
    for reply in outgoing.replies:
        image = reply.image  # a picture reply (a chart): the PNG, captioned in words
        if image is not None:
            markup = keyboard(reply, bot_username)
            caption = reply.image_caption or None
            photo = base64.b64encode(image).decode()
            out.append({"photo": photo, "caption": caption, "markup": markup.to_dict() if markup else None})
            continue
        pieces = split_message(reply.text)
        for i, piece in enumerate(pieces):
            markup = keyboard(reply, bot_username) if i == len(pieces) - 1 else None
            out.append({"text": piece, "markup": markup.to_dict() if markup else None})
    if outgoing.speech:
        out.append(
            {
                "speech": [list(part) for part in outgoing.speech],
                "speed": outgoing.speed,
                "personal": outgoing.personal,
            }
        )
    return out


class Postman:
    """Delivers each update's replies in order, each written to the outbox before it is sent."""

    def __init__(self, bot: Bot, conversation: Conversation, outbox: Outbox | None) -> None:
        self.bot = bot
        self.conversation = conversation
        self.outbox = outbox
        self._recheck_until = time.monotonic() + RECHECK_S

    async def seen(self, update_key: str) -> bool:
        """Whether this update was handled before (Telegram delivered it again after a restart)."""
        if self.outbox is None or time.monotonic() > self._recheck_until:
            return False
        try:
            return await asyncio.to_thread(self.outbox.seen, update_key)
        except StorageUnavailable:
            return False

    async def post(self, update_key: str, chat_id: int, outgoing: Outgoing) -> None:
        written = payloads(outgoing, self.bot.username)
        letters: list[Letter] | None = None
        if self.outbox is not None:
            try:
                letters = await asyncio.to_thread(self.outbox.put, update_key, chat_id, written)
            except StorageUnavailable as error:
                log.warning("replies not written down, sending them anyway (%s)", error)
        if letters is None:
            letters = [Letter(None, update_key, i, chat_id, p) for i, p in enumerate(written)]
        await self.deliver(letters)

    async def resume(self, *, every_pending: bool) -> int:
        """Send what an earlier process (or a worker that died) wrote down and did not deliver."""
        if self.outbox is None:
            return 0
        try:
            letters = await asyncio.to_thread(self.outbox.claim, every_pending=every_pending)
        except StorageUnavailable:
            return 0
        if letters:
            log.info("sending %d replies left undelivered", len(letters))
        by_update: dict[str, list[Letter]] = {}
        for letter in letters:
            by_update.setdefault(letter.update_key, []).append(letter)
        for group in by_update.values():
            await self.deliver(group)
        return len(letters)

    async def deliver(self, letters: list[Letter]) -> None:
        """Send in order; when one finally fails, give up the rest of this update's replies (they
        would follow a gap) and tell the person, once."""
        for n, letter in enumerate(letters):
            state = await self._deliver(letter)
            if state == FAILED:
                for rest in letters[n + 1 :]:
                    await self._done(rest, FAILED)
                await self._apologise(letter.chat_id)
                return
            if state is None:  # blocked by the person: nothing more can reach them
                for rest in letters[n + 1 :]:
                    await self._done(rest, FAILED)
                return

    async def _deliver(self, letter: Letter) -> str | None:
        """SENT, FAILED, or None when the person has blocked the bot."""
        state: str | None = SENT
        try:
            await self._send(letter)
        except TimedOut:
            log.warning("telegram answered a send too late; it may have arrived, so not sending it again")
        except Forbidden:
            log.info("a reply could not be delivered: the bot was blocked or removed")
            state = None
        except TelegramError as error:
            log.warning("a reply could not be delivered after %d tries (%s)", ATTEMPTS, type(error).__name__)
            state = FAILED
        await self._done(letter, SENT if state == SENT else FAILED)
        return state

    async def _send(self, letter: Letter) -> None:
        chat_id, payload = letter.chat_id, letter.payload
        markup = InlineKeyboardMarkup.de_json(payload["markup"], self.bot) if payload.get("markup") else None
        if "text" in payload:
            await with_retries(
                lambda: self.bot.send_message(chat_id, payload["text"], reply_markup=markup), "sendMessage"
            )
            return
        if "photo" in payload:
            image = base64.b64decode(payload["photo"])
            await with_retries(
                lambda: self.bot.send_photo(
                    chat_id, image, caption=payload["caption"], filename="chart.png", reply_markup=markup
                ),
                "sendPhoto",
            )
            return
        outgoing = Outgoing(
            speech=tuple((role, text) for role, text in payload["speech"]),
            speed=payload["speed"],
            personal=payload["personal"],
        )
        async with chat_action(self.bot, chat_id, ChatAction.RECORD_VOICE):
            note = await self.conversation.avoice_note(outgoing)
        if note is None:
            await with_retries(
                lambda: self.bot.send_message(chat_id, messages.VOICE_UNAVAILABLE), "sendMessage"
            )
            return
        duration = max(1, round(note.duration))
        await with_retries(
            lambda: self.bot.send_voice(chat_id, note.ogg, duration=duration, filename="reply.ogg"),
            "sendVoice",
        )

    async def _done(self, letter: Letter, state: str) -> None:
        if self.outbox is None or letter.id is None:
            return
        try:
            await asyncio.to_thread(self.outbox.done, letter.id, state)
        except StorageUnavailable as error:  # it stays pending: a later start may send it again
            log.warning("a delivered reply could not be marked so (%s)", error)

    async def _apologise(self, chat_id: int) -> None:
        try:
            await with_retries(
                lambda: self.bot.send_message(chat_id, messages.DELIVERY_FAILED), "sendMessage"
            )
        except TelegramError as error:
            log.warning("could not tell a person their reply was lost (%s)", type(error).__name__)
