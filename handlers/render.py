"""Plain replies → Telegram messages: keyboards, splitting at sentence boundaries, no link previews.

Replies are sent as plain text (no parse mode): clause texts hold characters Markdown would
eat, and plain text is what screen readers read best.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core import Reply

MAX_MESSAGE = 4096
_BOUNDARY = re.compile(r"(?<=[。！？；\n])")


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    )


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
