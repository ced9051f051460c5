"""The one handler for messages, commands and buttons: adapt, run the core off the loop, render."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, TimedOut

from bot import messages
from bot.replies import Outgoing, Reply
from handlers.context import PlanbotContext
from handlers.render import keyboard, split_message
from handlers.updates import PLATFORM, to_incoming

log = logging.getLogger(__name__)

ACTION_DELAY = 0.4  # show "typing…" only when work takes longer than a moment
ACTION_REPEAT = 4.5  # Telegram shows an action for about five seconds
SEND_ATTEMPTS = 4  # a reply lost to a passing 5xx or dropped connection is sent again…
SEND_BACKOFF = 0.5  # …after 0.5, 1 and 2 seconds (429s are waited out by AIORateLimiter)


@contextlib.asynccontextmanager
async def chat_action(context: PlanbotContext, chat_id: int, action: str) -> AsyncIterator[None]:
    """Keep a chat action ('typing', 'record_voice') visible while the block runs."""

    async def keep_showing() -> None:
        await asyncio.sleep(ACTION_DELAY)
        while True:
            with contextlib.suppress(Exception):
                await context.bot.send_chat_action(chat_id, action)
            await asyncio.sleep(ACTION_REPEAT)

    task = asyncio.create_task(keep_showing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def on_update(update: Update, context: PlanbotContext) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    conversation = context.conversation
    key = conversation.user_key(PLATFORM, user.id)
    incoming = to_incoming(update, key, is_admin=user.id in context.settings.admin_ids)
    if incoming is None:
        return
    query = update.callback_query
    if query is not None:
        await query.answer()
    async with chat_action(context, chat.id, ChatAction.TYPING):
        outgoing = await asyncio.to_thread(conversation.handle, incoming)
    if query is not None and query.message is not None and not outgoing.keep_buttons:
        with contextlib.suppress(BadRequest):  # the message may be too old to edit
            await query.edit_message_reply_markup(None)
    await send(context, chat.id, outgoing)


async def send(context: PlanbotContext, chat_id: int, outgoing: Outgoing) -> None:
    for reply in outgoing.replies:
        if reply.image is not None:
            await send_photo(context, chat_id, reply)
            continue
        pieces = split_message(reply.text)
        for i, piece in enumerate(pieces):
            markup = keyboard(reply, context.bot.username) if i == len(pieces) - 1 else None
            await deliver(
                lambda piece=piece, markup=markup: context.bot.send_message(
                    chat_id, piece, reply_markup=markup
                )
            )
    if outgoing.speech:
        await send_voice(context, chat_id, outgoing)


async def deliver(request: Callable[[], Awaitable[object]]) -> None:
    """Send, again after a failure Telegram did not act on (5xx, connection lost before an answer).

    Not again after a timeout: the message may already be in the chat, and a person reading with a
    screen reader would hear it twice. The replies after it are still sent.
    """
    for attempt in range(SEND_ATTEMPTS):
        try:
            await request()
            return
        except TimedOut:
            log.warning("telegram answered a send too late; not sending it again")
            return
        except BadRequest:
            raise
        except NetworkError:
            if attempt == SEND_ATTEMPTS - 1:
                raise
            log.warning("telegram send failed; trying again")
            await asyncio.sleep(SEND_BACKOFF * 2**attempt)


async def send_photo(context: PlanbotContext, chat_id: int, reply: Reply) -> None:
    """A picture reply: the PNG as a photo, captioned with the same in words (for screen readers)."""
    assert reply.image is not None
    image, markup = reply.image, keyboard(reply, context.bot.username)
    await deliver(
        lambda: context.bot.send_photo(
            chat_id, image, caption=reply.image_caption or None, filename="chart.png", reply_markup=markup
        )
    )


async def send_voice(context: PlanbotContext, chat_id: int, outgoing: Outgoing) -> None:
    async with chat_action(context, chat_id, ChatAction.RECORD_VOICE):
        note = await context.conversation.avoice_note(outgoing)
    if note is None:
        await deliver(lambda: context.bot.send_message(chat_id, messages.VOICE_UNAVAILABLE))
        return
    duration = max(1, round(note.duration))
    await deliver(lambda: context.bot.send_voice(chat_id, note.ogg, duration=duration, filename="reply.ogg"))
