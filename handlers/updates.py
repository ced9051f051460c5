"""Telegram updates → the conversation core's Incoming."""

from __future__ import annotations

from telegram import Chat as TelegramChat
from telegram import Message, Update

from bot.core import parse_command
from bot.replies import Chat, Incoming

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
