"""The one handler for messages, commands and buttons: adapt, run the core off the loop, deliver."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatAction

from bot import messages
from handlers.context import PlanbotContext
from handlers.delivery import answer_query, chat_action, take_buttons_away
from handlers.updates import PLATFORM, to_incoming

log = logging.getLogger(__name__)


async def on_update(update: Update, context: PlanbotContext) -> None:
    query = update.callback_query
    if query is not None and query.message is None:  # a button under an inline-mode message: no chat
        await answer_query(query, messages.STALE_BUTTON)
        return
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    postman, conversation = context.postman, context.conversation
    # Telegram numbers updates anew after a quiet week: the chat is part of the key
    update_key = conversation.user_key("update", f"{update.update_id}:{chat.id}")
    if await postman.seen(update_key):  # delivered again after a restart: its replies are out
        log.info("update %d was handled before; not handling it again", update.update_id)
        return
    key = conversation.user_key(PLATFORM, user.id)
    incoming = to_incoming(update, key, is_admin=user.id in context.settings.admin_ids)
    if incoming is None:
        return
    answering = asyncio.create_task(answer_query(query)) if query is not None else None
    try:
        async with chat_action(context.bot, chat.id, ChatAction.TYPING):
            outgoing = await asyncio.to_thread(conversation.handle, incoming)
        await postman.post(update_key, chat.id, outgoing)
        if query is not None and not outgoing.keep_buttons:
            await take_buttons_away(query)
    finally:
        if answering is not None:
            await answering
