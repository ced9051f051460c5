"""A typed CallbackContext: handlers reach planbot's services through properties, not dict keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.core import Conversation
    from bot.settings import Settings
    from handlers.delivery import Postman

CONVERSATION = "planbot.conversation"
SETTINGS = "planbot.settings"
POSTMAN = "planbot.postman"


class PlanbotContext(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def conversation(self) -> Conversation:
        return self.bot_data[CONVERSATION]

    @property
    def settings(self) -> Settings:
        return self.bot_data[SETTINGS]

    @property
    def postman(self) -> Postman:
        return self.bot_data[POSTMAN]


def attach(
    application: Application, conversation: Conversation, settings: Settings, postman: Postman
) -> None:
    application.bot_data[CONVERSATION] = conversation
    application.bot_data[SETTINGS] = settings
    application.bot_data[POSTMAN] = postman
