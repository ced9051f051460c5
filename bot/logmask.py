"""Logs hold no message text, user or chat ids, personal numbers or the bot token, at any level and
whoever writes them: planbot never logs such things, but python-telegram-bot at DEBUG logs every
request's parameters and every update it receives, and httpx logs URLs that carry the token.

`MaskingFilter` sits on the log handlers (a filter on a logger would miss records that other loggers
pass up to it). It rewrites each record before it is formatted: structured arguments (dicts, lists,
Telegram objects, JSON text) lose the values of fields that hold what people wrote or who they are;
the whole line then loses the token and anything that looks like an ID-card or phone number.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from bot.privacy import mask_personal_numbers

MASK = "…"
#: Fields whose values are what a person wrote, chose, or is called, in Bot API objects and requests.
TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "query",
        "data",
        "first_name",
        "last_name",
        "username",
        "title",
        "phone_number",
        "message_text",
        "results",
        "input_message_content",
        "description",
        "question",
        "options",
        "bio",
        "latitude",
        "longitude",
        "address",
        "vcard",
        "file_name",
    }
)
#: Fields that say who someone is.
ID_FIELDS = frozenset(
    {"id", "chat_id", "user_id", "from_chat_id", "sender_chat_id", "chat_instance", "inline_message_id"}
)
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")  # any Bot API token, even one not configured here


def scrub(value: Any, depth: int = 0) -> Any:
    """`value` with the text and id fields of every mapping in it masked (to a bounded depth)."""
    if depth > 12:
        return MASK
    if hasattr(value, "to_dict") and callable(value.to_dict):  # a Telegram object
        try:
            value = value.to_dict()
        except Exception:
            return type(value).__name__
    if isinstance(value, Mapping):
        return {key: _scrub_field(str(key), item, depth) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(item, depth + 1) for item in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(scrub(json.loads(value), depth + 1), ensure_ascii=False)
        except ValueError:
            return value
    return value


def _scrub_field(key: str, item: Any, depth: int) -> Any:
    if key in TEXT_FIELDS and item not in (None, "", [], {}):
        return MASK
    if key in ID_FIELDS and isinstance(item, int | str) and not isinstance(item, bool):
        return MASK
    return scrub(item, depth + 1)


class MaskingFilter(logging.Filter):
    """Put on every handler: see the module docstring. It never drops a record."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        return mask_personal_numbers(_TOKEN.sub("<token>", text))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            args = record.args
            if isinstance(args, Mapping):
                args = scrub(args)
            elif args:
                args = tuple(scrub(a) for a in args)
            message = str(record.msg) % args if args else str(scrub(record.msg))
        except Exception:  # a record whose arguments do not fit its format: keep its format only
            message = str(record.msg)
        record.msg, record.args = self.mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install(*secrets: str) -> MaskingFilter:
    """Mask every record that reaches the root logger's handlers (call after logging is configured)."""
    masking = MaskingFilter(secrets)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(masking)
    return masking
