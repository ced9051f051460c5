"""python-telegram-bot adapters over the conversation core, registered in one ordered place."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, InlineQueryHandler, MessageHandler, filters

from handlers.conversation import on_update
from handlers.errors import on_error
from handlers.inline import on_inline_query


def register(application: Application) -> None:
    """Every handler, in order. Group 0 is the only group: each update has exactly one owner.

    Commands are not registered one by one: the core owns the command table (bot.messages),
    answers unknown commands with help, and keeps Telegram and the console identical.
    """
    private_or_group = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
    application.add_handler(InlineQueryHandler(on_inline_query))
    application.add_handler(CallbackQueryHandler(on_update))
    application.add_handler(MessageHandler(private_or_group, on_update))  # edits are answered anew
    application.add_error_handler(on_error)
