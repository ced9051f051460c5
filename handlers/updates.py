"""Telegram updates → the conversation core's Incoming; updates the library cannot read are skipped."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat as TelegramChat
from telegram import Message, Update
from telegram.ext import ExtBot

from bot.core import parse_command
from bot.replies import Chat, Incoming

log = logging.getLogger(__name__)

PLATFORM = "telegram"
_MEDIA = (
    ("voice", "voice"),
    ("audio", "voice"),
    ("video_note", "voice"),
    ("photo", "photo"),
    ("sticker", "sticker"),
    ("animation", "photo"),
    ("video", "photo"),
    ("document", "document"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact"),
    ("poll", "poll"),
)


def media_kind(message: Message) -> str | None:
    for attribute, kind in _MEDIA:
        if getattr(message, attribute, None):
            return kind
    return None


def chat_kind(update: Update) -> Chat:
    chat = update.effective_chat
    return Chat.PRIVATE if chat is not None and chat.type == TelegramChat.PRIVATE else Chat.GROUP


def to_incoming(update: Update, user: str, *, is_admin: bool) -> Incoming | None:
    """What the person sent, or None for updates planbot does not answer (channel posts…).

    An edited message is answered as a new one; a photo's or document's caption is read as text."""
    chat = chat_kind(update)
    if update.callback_query is not None:
        return Incoming(user=user, callback=update.callback_query.data or "", is_admin=is_admin, chat=chat)
    message = update.message or update.edited_message
    if message is None:
        return None
    text = message.text or message.caption or ""
    if text.startswith("/"):
        command, args = parse_command(text)
        return Incoming(user=user, command=command, args=args, is_admin=is_admin, chat=chat)
    if text:
        return Incoming(user=user, text=text, is_admin=is_admin, chat=chat)
    return Incoming(user=user, media=media_kind(message) or "other", is_admin=is_admin, chat=chat)


class PlanbotBot(ExtBot):
    """python-telegram-bot's bot, except that an update it cannot read does not stop polling.

    PTB parses a whole getUpdates batch at once: one unreadable update fails the batch, which is then
    logged in full (message text included) at CRITICAL and fetched again, forever. Here each update is
    checked first; one that cannot be read is logged once, by id and kind only, and replaced by an empty
    update with its id, which no handler takes and whose id the next poll confirms."""

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            return [readable for item in result if (readable := self._readable(item)) is not None]
        return result

    def _readable(self, item: object) -> dict[str, Any] | None:
        try:
            Update.de_json(item, self)  # type: ignore[arg-type]
            return item  # type: ignore[return-value]
        except Exception as error:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            kinds = "/".join(sorted(k for k in item if k != "update_id")) if isinstance(item, dict) else "?"
            log.warning(
                "skipped update %s (%s) that could not be read: %s", update_id, kinds, type(error).__name__
            )
            return {"update_id": update_id} if isinstance(update_id, int) else None
