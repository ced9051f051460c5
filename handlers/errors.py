"""The one error handler: log what failed (never the message text or the token), tell the person."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

from bot import messages
from handlers.context import PlanbotContext
from handlers.delivery import with_retries

log = logging.getLogger(__name__)


async def on_error(update: object, context: PlanbotContext) -> None:
    error = context.error
    kind = _kind(update)
    if isinstance(error, RetryAfter | NetworkError | Forbidden):
        log.warning("telegram %s while handling %s", type(error).__name__, kind)
        return
    log.error("error while handling %s", kind, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        chat_id = update.effective_chat.id
        try:
            await with_retries(lambda: context.bot.send_message(chat_id, messages.ERROR), "sendMessage")
        except TelegramError:  # the error may be that we cannot send at all
            log.warning("could not tell the user about the error")


def _kind(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    for name in ("callback_query", "inline_query", "message", "edited_message"):
        if getattr(update, name) is not None:
            return name
    return "update"
