"""Plain-dict builders for Telegram ``Update`` payloads, as the Bot API would send them.

They return JSON-ready dicts (not PTB objects) so the same payload can be pushed through the fake Bot API
server, POSTed to a webhook or fed to ``Update.de_json``. Each builder sets the fields Telegram always sends
plus what a handler needs; ``update_id`` is left out unless given, so the fake server numbers updates in
order.
Ids not passed in are drawn from one process-wide counter, so two builders never hand out the same id.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

JSONDict = dict[str, Any]

_ids = itertools.count(1)


def next_id() -> int:
    """A fresh positive id for messages, queries and files built here."""
    return next(_ids)


def now() -> int:
    """Telegram dates are whole Unix seconds."""
    return int(time.time())


def user(user_id: int, *, first_name: str | None = None, username: str | None = None) -> JSONDict:
    """A human Telegram user; Chinese interface language, as most planbot users have."""
    data: JSONDict = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"用户{user_id}",
        "language_code": "zh-hans",
    }
    if username:
        data["username"] = username
    return data


def chat(chat_id: int, *, first_name: str | None = None) -> JSONDict:
    """A private chat for positive ids, a (super)group for negative ones, as Telegram numbers them."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name or f"用户{chat_id}"}
    kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
    return {"id": chat_id, "type": kind, "title": f"群组{-chat_id}"}


def message(
    user_id: int,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
    sender: JSONDict | None = None,
    **fields: Any,
) -> JSONDict:
    """A Message from ``user_id`` (or ``sender``) in ``chat_id`` (default: private); ``fields``: content."""
    chat_id = user_id if chat_id is None else chat_id
    return {
        "message_id": next_id() if message_id is None else message_id,
        "date": now(),
        "chat": chat(chat_id),
        "from": sender or user(user_id),
        **fields,
    }


def _update(kind: str, payload: JSONDict, update_id: int | None) -> JSONDict:
    update: JSONDict = {kind: payload}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def text_update(user_id: int, text: str, *, update_id: int | None = None, **message_kw: Any) -> JSONDict:
    """A plain text message."""
    return _update("message", message(user_id, text=text, **message_kw), update_id)


def command_update(
    user_id: int,
    command: str,
    args: str = "",
    *,
    bot_username: str | None = None,
    update_id: int | None = None,
    **message_kw: Any,
) -> JSONDict:
    """``/command args`` with the ``bot_command`` entity PTB's CommandHandler matches on (not the text)."""
    head = "/" + command.lstrip("/") + (f"@{bot_username}" if bot_username else "")
    text = f"{head} {args}" if args else head
    entity = {"type": "bot_command", "offset": 0, "length": len(head)}
    return _update("message", message(user_id, text=text, entities=[entity], **message_kw), update_id)


def callback_update(
    user_id: int,
    data: str,
    *,
    message: JSONDict | None = None,
    inline_message_id: str | None = None,
    query_id: str | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """A button press: on ``message`` (the bot's message that carried the keyboard) or an inline message."""
    query: JSONDict = {
        "id": query_id or f"cbq-{next_id()}",
        "from": user(user_id),
        "chat_instance": f"ci-{user_id}",
        "data": data,
    }
    if message is not None:
        query["message"] = message
    if inline_message_id is not None:
        query["inline_message_id"] = inline_message_id
    return _update("callback_query", query, update_id)


def inline_query_update(
    user_id: int,
    query: str,
    *,
    offset: str = "",
    query_id: str | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """``@bot query`` typed in any chat."""
    payload = {"id": query_id or f"iq-{next_id()}", "from": user(user_id), "query": query, "offset": offset}
    return _update("inline_query", payload, update_id)


def _file(file_id: str | None, prefix: str) -> JSONDict:
    file_id = file_id or f"{prefix}-{next_id()}"
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}"}


def voice_update(
    user_id: int,
    *,
    file_id: str | None = None,
    duration: int = 1,
    file_size: int | None = None,
    mime_type: str = "audio/ogg",
    update_id: int | None = None,
    **message_kw: Any,
) -> JSONDict:
    """A voice note; the bytes live wherever ``file_id`` points (see ``FakeBotApi.push_voice``)."""
    voice = {**_file(file_id, "voice"), "duration": duration, "mime_type": mime_type}
    if file_size is not None:
        voice["file_size"] = file_size
    return _update("message", message(user_id, voice=voice, **message_kw), update_id)


def photo_update(
    user_id: int,
    *,
    file_id: str | None = None,
    width: int = 640,
    height: int = 480,
    caption: str | None = None,
    update_id: int | None = None,
    **message_kw: Any,
) -> JSONDict:
    """A photo; Telegram sends several sizes, the largest last."""
    big = {**_file(file_id, "photo"), "width": width, "height": height}
    thumb = {**_file(None, "thumb"), "width": width // 8 or 1, "height": height // 8 or 1}
    fields: JSONDict = {"photo": [thumb, big]}
    if caption is not None:
        fields["caption"] = caption
    return _update("message", message(user_id, **fields, **message_kw), update_id)


def sticker_update(
    user_id: int,
    *,
    emoji: str = "👍",
    file_id: str | None = None,
    update_id: int | None = None,
    **message_kw: Any,
) -> JSONDict:
    """A regular static sticker."""
    sticker = {
        **_file(file_id, "sticker"),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
    }
    return _update("message", message(user_id, sticker=sticker, **message_kw), update_id)


def document_update(
    user_id: int,
    *,
    file_name: str = "材料.pdf",
    mime_type: str = "application/pdf",
    file_id: str | None = None,
    update_id: int | None = None,
    **message_kw: Any,
) -> JSONDict:
    """A file sent as a document."""
    document = {**_file(file_id, "document"), "file_name": file_name, "mime_type": mime_type}
    return _update("message", message(user_id, document=document, **message_kw), update_id)


def location_update(
    user_id: int,
    latitude: float,
    longitude: float,
    *,
    update_id: int | None = None,
    **message_kw: Any,
) -> JSONDict:
    """A shared map point."""
    location = {"latitude": latitude, "longitude": longitude}
    return _update("message", message(user_id, location=location, **message_kw), update_id)
