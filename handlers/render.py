"""Plain replies → Telegram messages: keyboards, splitting at sentence boundaries, no link previews.

Replies are sent as plain text (no parse mode): clause texts hold characters Markdown would
eat, and plain text is what screen readers read best.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Button, Reply

MAX_MESSAGE = 4096
_BOUNDARY = re.compile(r"(?<=[。！？；\n])")


def keyboard(reply: Reply, bot_username: str | None = None) -> InlineKeyboardMarkup | None:
    """The reply's buttons; a link button opens the private chat with the bot (needs its username)."""
    rows = [[b for b in (_button(button, bot_username) for button in row) if b] for row in reply.buttons]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def _button(button: Button, bot_username: str | None) -> InlineKeyboardButton | None:
    if button.link:
        if not bot_username:
            return None
        return InlineKeyboardButton(button.label, url=f"https://t.me/{bot_username}?start={button.link}")
    return InlineKeyboardButton(button.label, callback_data=button.data)


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Pieces of at most `limit` characters, cut after a sentence end (or a line) where possible."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _BOUNDARY.split(text):
        while len(sentence) > limit:  # one "sentence" longer than a message: cut it hard
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        if len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current.strip():
        pieces.append(current)
    return [p.strip("\n") or p for p in pieces if p.strip()]
