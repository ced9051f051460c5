"""A fake Telegram Bot API server on 127.0.0.1 that the real python-telegram-bot client talks to.

Why a real HTTP server and not a fake ``BaseRequest``: end-to-end tests must exercise what production does —
``HTTPXRequest``, form and multipart bodies, timeouts, long polling, the Updater's retry loop. The server
records every call the bot makes, lets a test inject updates, and injects the faults the bot must survive (429
with ``retry_after``, 5xx, an answer slower than the read timeout, a connection closed without an answer).

Behaviour follows Telegram where a bot could tell the difference: ``getUpdates`` returns updates with
``update_id >= offset``, forgets those below it and long-polls; message ids count up per chat; unknown
methods get 400 (a 404 reads as ``InvalidToken`` to PTB and aborts polling); a callback or inline query can be
answered once; editing a message to identical content, a message over 4096 characters and callback data over
64 bytes are rejected as Telegram rejects them.

It is an asyncio server on its own event loop in a background thread, so a test drives the bot in the main
loop. One loop rather than a thread per connection keeps 200 keep-alive connections cheap, and ``stop()``
closes idle connections and cancels held long polls and delays at once. It answers ~4,000 requests/s; with
the bot in the same process, PTB's httpx client is the bottleneck (~500 replies/s sequential, fewer with
``concurrent_updates``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import HTTP
from http import HTTPStatus
from typing import Any

import httpx

from tests.fakes import updates

JSONDict = dict[str, Any]
FilePart = tuple[str, bytes, str]  # (filename, content, content type)

# Form values arrive as strings; these are decoded so tests compare real values.
# fmt: off
JSON_FIELDS = frozenset({
    "reply_markup", "results", "commands", "allowed_updates", "reply_parameters", "scope", "menu_button",
    "entities", "caption_entities", "link_preview_options", "button", "media", "options",
})
NUMBER_FIELDS = frozenset({
    "chat_id", "message_id", "user_id", "from_chat_id", "message_thread_id", "reply_to_message_id", "offset",
    "limit", "timeout", "duration", "cache_time", "max_connections", "width", "height",
})
BOOL_FIELDS = frozenset({
    "show_alert", "is_personal", "drop_pending_updates", "disable_notification", "protect_content",
    "allow_sending_without_reply", "disable_web_page_preview",
})
# fmt: on
MESSAGE_METHODS = frozenset({"sendMessage", "sendVoice", "sendPhoto"})
MAX_CAPTION = 1024
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # sendPhoto's limits: 10 MB, width + height ≤ 10000, ratio ≤ 20
PHOTO_MAX_SIDES = 10_000
PHOTO_MAX_RATIO = 20
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_FIRST_UPDATE_IDS = itertools.count(1, 1_000_000)


@dataclass(frozen=True)
class Call:
    """One request the bot made, as the server understood and answered it."""

    method: str
    params: JSONDict
    files: dict[str, FilePart]
    token: str
    status: int  # HTTP status answered; 0 when the connection was dropped without an answer
    result: Any = None
    time: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class _Fault:
    kind: str  # "fail", "delay" or "drop"
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0


class ApiError(Exception):
    """Raised by an endpoint to answer ``{"ok": false}`` with this status and description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


class FakeBotApi:
    """Fake Bot API server: ``with FakeBotApi() as fake:`` then build the bot with ``fake.base_url``."""

    def __init__(self, bot_username: str = "planbot_test_bot") -> None:
        self.bot_username = bot_username
        self._lock = threading.RLock()
        self._calls_changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._sent: list[Call] = []
        self._answered: collections.Counter[str] = collections.Counter()  # method -> successful calls
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._pending: collections.deque[JSONDict] = collections.deque()
        # Telegram starts a bot's update ids at a random number; each fake starts a million past the last
        # one, so bots that share a database across tests never see an id twice
        self._next_update_id = next(_FIRST_UPDATE_IDS)
        self._polls_waiting = 0
        self.pushed_at: dict[int, float] = {}  # update_id -> time.monotonic() when pushed
        self._deliveries: collections.Counter[int] = collections.Counter()
        self._faults: dict[str, collections.deque[_Fault]] = collections.defaultdict(collections.deque)
        self._message_ids: collections.Counter[int] = collections.Counter()  # last message_id per chat
        self._messages: dict[tuple[int, int], JSONDict] = {}  # (chat_id, message_id) -> the bot's message
        self._last_bot_message: dict[int, int] = {}  # chat_id -> message_id
        self._open_queries: set[str] = set()
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._file_paths: dict[str, str] = {}  # file_path -> file_id
        self._file_ids = itertools.count(1)
        self._allowed_updates: set[str] | None = None
        self.token: str | None = None  # the token in the latest request's path
        self.webhook: JSONDict = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}  # (scope JSON, language) -> commands
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port = 0
        self._updates_pushed: asyncio.Event | None = None  # replaced each time it fires; server loop only
        self._shutdown: asyncio.Event | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._endpoints: dict[str, Callable[[JSONDict, dict[str, FilePart], str], Any]] = {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda params, files, token: self.commands.get(_commands_key(params), []),
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "sendMessage": self._send_message,
            "sendVoice": self._send_voice,
            "sendPhoto": self._send_photo,
            "sendChatAction": lambda params, files, token: True,
            "answerCallbackQuery": self._answer_query,
            "answerInlineQuery": self._answer_query,
            "editMessageText": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "getFile": self._get_file,
        }

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        self._stopping, listening = threading.Event(), threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._run(listening),), daemon=True, name="FakeBotApi"
        )
        self._thread.start()
        if not listening.wait(10):
            raise RuntimeError("FakeBotApi did not start listening")
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._begin_shutdown)
        self._thread.join(timeout=10)
        self._thread = self._loop = None

    async def _run(self, listening: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._updates_pushed, self._shutdown = asyncio.Event(), asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
        self._port = server.sockets[0].getsockname()[1]
        listening.set()
        await self._shutdown.wait()
        server.close()
        for writer in list(self._connections):  # idle keep-alive connections; asyncio.run cancels the rest
            writer.close()

    def _begin_shutdown(self) -> None:
        assert self._shutdown is not None
        self._shutdown.set()
        self._wake_polls()

    def _wake_polls(self) -> None:
        """On the server loop: release every waiting long poll (they then look at the queue again)."""
        assert self._updates_pushed is not None
        self._updates_pushed.set()
        self._updates_pushed = asyncio.Event()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._thread is not None, "FakeBotApi is not started"
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- updates in ------------------------------------------------------------------------------------

    def push_update(self, payload: JSONDict) -> int:
        """Queue an update for ``getUpdates``; numbers it when ``update_id`` is missing. Returns the id."""
        with self._lock:
            update = dict(payload)
            update.setdefault("update_id", self._next_update_id)
            uid = update["update_id"]
            self._next_update_id = max(self._next_update_id, uid + 1)
            for kind in ("callback_query", "inline_query"):
                if kind in update:
                    self._open_queries.add(update[kind]["id"])
            self._pending.append(update)
            self.pushed_at[uid] = time.monotonic()
        if (loop := self._loop) is not None:
            with contextlib.suppress(RuntimeError):  # the server is stopping: nobody polls any more
                loop.call_soon_threadsafe(self._wake_polls)
        return uid

    def _incoming(self, user_id: int, chat_id: int | None) -> JSONDict:
        chat_id = user_id if chat_id is None else chat_id
        return {"chat_id": chat_id, "message_id": self._new_message_id(chat_id)}

    def push_message(self, user_id: int, text: str, *, chat_id: int | None = None) -> int:
        return self.push_update(updates.text_update(user_id, text, **self._incoming(user_id, chat_id)))

    def push_command(self, user_id: int, command: str, args: str = "", *, chat_id: int | None = None) -> int:
        return self.push_update(
            updates.command_update(user_id, command, args, **self._incoming(user_id, chat_id))
        )

    def push_callback(
        self, user_id: int, data: str, *, message_id: int | None = None, chat_id: int | None = None
    ) -> int:
        """Press a button under the bot's message ``message_id`` (default: its latest message in the chat)."""
        chat_id = user_id if chat_id is None else chat_id
        with self._lock:
            message_id = message_id or self._last_bot_message.get(chat_id) or self._new_message_id(chat_id)
            message = self._messages.get((chat_id, message_id)) or updates.message(
                user_id,
                chat_id=chat_id,
                message_id=message_id,
                sender=self._bot_user(self.token or ""),
                text="…",
            )
        return self.push_update(updates.callback_update(user_id, data, message=message))

    def push_inline_query(self, user_id: int, query: str, *, offset: str = "") -> int:
        return self.push_update(updates.inline_query_update(user_id, query, offset=offset))

    def push_voice(
        self,
        user_id: int,
        audio: bytes,
        *,
        duration: int = 1,
        mime_type: str = "audio/ogg",
        chat_id: int | None = None,
    ) -> int:
        """A voice note whose bytes the bot can fetch: ``getFile``, then a GET from ``base_file_url``."""
        file_id = self.add_file(audio, suffix=".oga")
        voice = {"file_id": file_id, "duration": duration, "file_size": len(audio), "mime_type": mime_type}
        return self.push_update(updates.voice_update(user_id, **voice, **self._incoming(user_id, chat_id)))

    def push_photo(
        self, user_id: int, image: bytes, *, caption: str | None = None, chat_id: int | None = None
    ) -> int:
        file_id = self.add_file(image, suffix=".jpg")
        return self.push_update(
            updates.photo_update(
                user_id, file_id=file_id, caption=caption, **self._incoming(user_id, chat_id)
            )
        )

    def push_sticker(self, user_id: int, *, emoji: str = "👍", chat_id: int | None = None) -> int:
        return self.push_update(
            updates.sticker_update(user_id, emoji=emoji, **self._incoming(user_id, chat_id))
        )

    def push_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> int:
        update = updates.location_update(user_id, latitude, longitude, **self._incoming(user_id, chat_id))
        return self.push_update(update)

    def add_file(self, content: bytes, *, suffix: str = "") -> str:
        """Store bytes the bot may download; returns their ``file_id``."""
        n = next(self._file_ids)
        file_id = f"file-{n}"
        with self._lock:
            self._files[file_id] = (f"files/file_{n}{suffix}", content)
            self._file_paths[f"files/file_{n}{suffix}"] = file_id
        return file_id

    def file_content(self, file_id: str) -> bytes:
        """Bytes behind a ``file_id`` — also those the bot uploaded, e.g. a voice reply."""
        with self._lock:
            return self._files[file_id][1]

    # -- faults ----------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error; a 429 carries ``retry_after`` (1)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}" if status == 429 else f"Error {status}"
            )
        self._add_fault(method, times, _Fault("fail", status, description, retry_after))

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next answers for ``seconds`` first (past the client's read timeout → ``TimedOut``)."""
        self._add_fault(method, times, _Fault("delay", seconds=seconds))

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Close the connection of the next calls without answering (→ ``NetworkError``)."""
        self._add_fault(method, times, _Fault("drop"))

    def faults_pending(self, method: str) -> int:
        """How many injected faults the next calls of ``method`` will still meet."""
        with self._lock:
            return len(self._faults.get(method, ()))

    def clear_faults(self) -> None:
        """Answer every call normally again."""
        with self._lock:
            self._faults.clear()

    def _add_fault(self, method: str, times: int, fault: _Fault) -> None:
        with self._lock:
            self._faults[method].extend([fault] * times)

    # -- what the bot did ------------------------------------------------------------------------------

    @property
    def sent(self) -> list[Call]:
        """Every call received so far, in the order answered, failed ones included."""
        with self._lock:
            return list(self._sent)

    def calls(self, method: str, *, include_failed: bool = False) -> list[Call]:
        return [c for c in self.sent if c.method == method and (c.ok or include_failed)]

    def count(self, method: str) -> int:
        """Successful calls of ``method`` so far; cheap, for waiting on thousands of replies."""
        with self._lock:
            return self._answered[method]

    def messages_to(self, chat_id: int) -> list[Call]:
        """Successful sendMessage/sendVoice calls to ``chat_id``."""
        return [
            c
            for c in self.sent
            if c.method in MESSAGE_METHODS and c.ok and c.params.get("chat_id") == chat_id
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.messages_to(chat_id) if c.method == "sendMessage"]

    def deliveries(self, update_id: int) -> int:
        """How many ``getUpdates`` answers carrying this update were written (the client may lose some)."""
        with self._lock:
            return self._deliveries[update_id]

    @property
    def polls_waiting(self) -> int:
        """``getUpdates`` calls now held open by the server, waiting for an update."""
        with self._lock:
            return self._polls_waiting

    @property
    def pending_update_ids(self) -> list[int]:
        """Updates not yet confirmed by a later ``offset``."""
        with self._lock:
            return [u["update_id"] for u in self._pending]

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 5.0, *, since: int = 0) -> Call:
        """Block until a call at index >= ``since`` of ``sent`` matches; for threads, not the event loop."""
        find = self._finder(predicate, since)
        with self._calls_changed:
            if call := self._calls_changed.wait_for(find, timeout):
                return call
        raise TimeoutError(self._timeout_message(timeout))

    async def await_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> Call:
        """Wait, without blocking the event loop, for a successful ``method`` call matching ``predicate``."""
        return await self.await_until(
            self._finder(
                lambda c: c.method == method and c.ok and (predicate is None or predicate(c)), since
            ),
            timeout,
        )

    async def await_until(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Return ``condition()``'s first truthy value, re-checked on every call the server records and
        every 50 ms (for conditions on the bot's own state)."""
        loop, event = asyncio.get_running_loop(), asyncio.Event()
        with self._lock:
            self._async_waiters.append((loop, event))
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event.clear()
                    if value := condition():
                        return value
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 0.05)
        except TimeoutError:
            raise TimeoutError(self._timeout_message(timeout)) from None
        finally:
            with self._lock:
                self._async_waiters.remove((loop, event))

    def _finder(self, predicate: Callable[[Call], bool], since: int) -> Callable[[], Call | None]:
        position = since

        def find() -> Call | None:
            nonlocal position
            with self._lock:
                new = self._sent[position:]
            for offset, call in enumerate(new):
                if predicate(call):
                    position += offset
                    return call
            position += len(new)
            return None

        return find

    def _timeout_message(self, timeout: float) -> str:
        seen = collections.Counter(f"{c.method}:{c.status}" for c in self.sent)
        return f"no matching Bot API call within {timeout} s; calls seen (method:status): {dict(seen)}"

    def _record(self, call: Call) -> None:
        with self._lock:
            self._sent.append(call)
            self._answered[call.method] += call.ok
            self._notify()

    def _notify(self) -> None:
        with self._lock:
            self._calls_changed.notify_all()
            for loop, event in self._async_waiters:
                with contextlib.suppress(RuntimeError):  # the waiter's loop closed meanwhile
                    loop.call_soon_threadsafe(event.set)

    # -- request handling (on the server loop) ---------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One keep-alive HTTP/1.1 connection: ``/bot<token>/<method>`` calls (any token) and downloads."""
        self._connections.add(writer)
        try:
            while request := await _read_request(reader):
                path, headers, body = request
                if not await self._answer(writer, path, headers, body):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # stop(): end quietly (on 3.11 a cancelled connection task logs a spurious error)
        finally:
            self._connections.discard(writer)
            writer.close()

    async def _answer(
        self, writer: asyncio.StreamWriter, path: str, headers: dict[str, str], body: bytes
    ) -> bool:
        """Answer one request; False to close the connection instead."""
        url = urllib.parse.urlsplit(path)
        if match := re.fullmatch(r"/file/bot([^/]+)/(.+)", url.path):
            content = self._file_bytes(urllib.parse.unquote(match[2]))
            if content is not None:
                return await _write(writer, 200, content, "application/octet-stream")
        if not (match := re.fullmatch(r"/bot([^/]+)/(\w+)", url.path)):
            return await _write_json(
                writer, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
        token, method = urllib.parse.unquote(match[1]), match[2]
        params, files = decode_body(headers.get("content-type", ""), body)
        params.update(_coerce(urllib.parse.parse_qsl(url.query)))
        with self._lock:
            fault = self._faults[method].popleft() if self._faults.get(method) else None
        if fault and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        if fault and fault.kind == "drop":
            self._record(Call(method, params, files, token, status=0))
            return False
        try:
            if fault and fault.kind == "fail":
                raise ApiError(fault.status, fault.description, fault.retry_after)
            self.token = token
            if method == "getUpdates":
                result = await self._get_updates(params)
            elif endpoint := self._endpoints.get(method):
                with self._lock:
                    result = endpoint(params, files, token)
            else:
                raise ApiError(400, f"Bad Request: method {method} not found in the fake Bot API")
            status, answer = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, result = exc.status, None
            answer = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.retry_after is not None:
                answer["parameters"] = {"retry_after": exc.retry_after}
        self._record(Call(method, params, files, token, status=status, result=result))
        written = await _write_json(writer, status, answer)
        if written and method == "getUpdates" and status == 200:
            with self._lock:
                self._deliveries.update(u["update_id"] for u in result)
        return written and headers.get("connection", "").lower() != "close"

    def _bot_user(self, token: str) -> JSONDict:
        bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        return {"id": bot_id, "is_bot": True, "first_name": "Planbot Test", "username": self.bot_username}

    def _get_me(self, params: JSONDict, files: dict[str, FilePart], token: str) -> JSONDict:
        return {**self._bot_user(token), "can_join_groups": True, "supports_inline_queries": True}

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """As Telegram: confirm ids < offset, return up to ``limit`` newer ones, long-poll while none."""
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._lock:
            if self.webhook.get("url"):
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            if "allowed_updates" in params:
                self._allowed_updates = set(params["allowed_updates"]) or None
            if offset < 0:  # the last -offset updates
                offset = self._pending[offset]["update_id"] if len(self._pending) >= -offset else 0
        while True:
            with self._lock:
                allowed = self._allowed_updates
                while self._pending and (
                    self._pending[0]["update_id"] < offset
                    or (allowed and not allowed & self._pending[0].keys())
                ):
                    self._pending.popleft()
                ready = [
                    u for u in itertools.islice(self._pending, limit) if not allowed or allowed & u.keys()
                ]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping.is_set():
                    return ready
                self._polls_waiting += 1
                self._notify()
            assert self._updates_pushed is not None
            try:
                await asyncio.wait_for(self._updates_pushed.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                with self._lock:
                    self._polls_waiting -= 1

    def _set_webhook(self, params: JSONDict, files: dict[str, FilePart], token: str) -> bool:
        self.webhook = dict(params) if params.get("url") else {}
        return True

    def _delete_webhook(self, params: JSONDict, files: dict[str, FilePart], token: str) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _get_webhook_info(self, params: JSONDict, files: dict[str, FilePart], token: str) -> JSONDict:
        url = self.webhook.get("url", "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._pending)}

    def _set_my_commands(self, params: JSONDict, files: dict[str, FilePart], token: str) -> bool:
        for command in params.get("commands", []):
            if not BOT_COMMAND.fullmatch(command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[_commands_key(params)] = params.get("commands", [])
        return True

    def _delete_my_commands(self, params: JSONDict, files: dict[str, FilePart], token: str) -> bool:
        self.commands.pop(_commands_key(params), None)
        return True

    def _set_chat_menu_button(self, params: JSONDict, files: dict[str, FilePart], token: str) -> bool:
        self.menu_buttons[params.get("chat_id")] = params.get("menu_button", {"type": "default"})
        return True

    def _new_message_id(self, chat_id: int) -> int:
        with self._lock:
            self._message_ids[chat_id] += 1
            return self._message_ids[chat_id]

    def _new_message(self, params: JSONDict, token: str, **content: Any) -> JSONDict:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        _check_markup(params.get("reply_markup"))
        message = {
            "message_id": self._new_message_id(chat_id),
            "date": updates.now(),
            "chat": updates.chat(chat_id),
            "from": self._bot_user(token),
            **content,
        }
        if "inline_keyboard" in (params.get("reply_markup") or {}):
            message["reply_markup"] = params["reply_markup"]
        self._messages[chat_id, message["message_id"]] = message
        self._last_bot_message[chat_id] = message["message_id"]
        return message

    def _send_message(self, params: JSONDict, files: dict[str, FilePart], token: str) -> JSONDict:
        text = params.get("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._new_message(params, token, text=text)

    def _send_voice(self, params: JSONDict, files: dict[str, FilePart], token: str) -> JSONDict:
        if "voice" in files:
            filename, content, content_type = files["voice"]
            file_id = self.add_file(content, suffix=os.path.splitext(filename)[1])
        elif params.get("voice") in self._files:
            file_id, content_type = params["voice"], "audio/ogg"
        else:
            raise ApiError(400, "Bad Request: there is no voice in the request")
        voice = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "duration": int(params.get("duration") or 0),
            "mime_type": content_type,
            "file_size": len(self._files[file_id][1]),
        }
        extra = {"caption": params["caption"]} if params.get("caption") else {}
        return self._new_message(params, token, voice=voice, **extra)

    def _send_photo(self, params: JSONDict, files: dict[str, FilePart], token: str) -> JSONDict:
        """As Telegram: an uploaded JPEG or PNG within the size limits, a caption of at most 1024
        characters; the message carries the photo's size as a PhotoSize."""
        caption = params.get("caption") or ""
        if len(caption) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        if "photo" not in files:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        filename, content, _content_type = files["photo"]
        width, height = image_size(content)
        if len(content) > PHOTO_MAX_BYTES or width + height > PHOTO_MAX_SIDES:
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        if max(width, height) > PHOTO_MAX_RATIO * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        file_id = self.add_file(content, suffix=os.path.splitext(filename)[1])
        size = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "width": width,
            "height": height,
            "file_size": len(content),
        }
        extra = {"caption": caption} if caption else {}
        return self._new_message(params, token, photo=[size], **extra)

    def _answer_query(self, params: JSONDict, files: dict[str, FilePart], token: str) -> bool:
        query_id = params.get("callback_query_id") or params.get("inline_query_id")
        if query_id not in self._open_queries:
            raise ApiError(400, QUERY_INVALID)
        self._open_queries.discard(query_id)
        return True

    def _edit_message(self, params: JSONDict, files: dict[str, FilePart], token: str) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        key = (params.get("chat_id"), params.get("message_id"))
        if not all(isinstance(k, int) for k in key):
            raise ApiError(400, "Bad Request: message to edit not found")
        _check_markup(params.get("reply_markup"))
        old = self._messages.get(key) or updates.message(  # a message the test made up: edit it anyway
            key[0], chat_id=key[0], message_id=key[1], sender=self._bot_user(token)
        )
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        if "text" in params:
            new["text"] = params["text"]
        if "inline_keyboard" in (params.get("reply_markup") or {}):
            new["reply_markup"] = params["reply_markup"]
        if key in self._messages and {**new, "edit_date": 0} == {**old, "edit_date": 0}:
            raise ApiError(400, NOT_MODIFIED)
        self._messages[key] = new = {**new, "edit_date": updates.now()}
        return new

    def _get_file(self, params: JSONDict, files: dict[str, FilePart], token: str) -> JSONDict:
        file_id = params.get("file_id")
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    def _file_bytes(self, file_path: str) -> bytes | None:
        with self._lock:
            file_id = self._file_paths.get(file_path)
            return self._files[file_id][1] if file_id else None


def image_size(content: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or a baseline/progressive JPEG; ApiError for anything else."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 < len(content) and content[at] == 0xFF:
            marker, length = content[at + 1], int.from_bytes(content[at + 2 : at + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return int.from_bytes(content[at + 7 : at + 9], "big"), int.from_bytes(
                    content[at + 5 : at + 7], "big"
                )
            at += 2 + length
    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")


def _commands_key(params: JSONDict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


def _check_markup(markup: JSONDict | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if len(button.get("callback_data", "").encode()) > 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes] | None:
    """(path, lower-cased headers, body) of the next request, GET or POST; None once the client closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    request_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    _verb, path, _version = request_line.split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    body = await reader.readexactly(int(headers.get("content-length") or 0))
    return path, headers, body


async def _write(writer: asyncio.StreamWriter, status: int, content: bytes, content_type: str) -> bool:
    """Send one response in one write; False when the client has already gone (e.g. it timed out)."""
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(content)}\r\n\r\n"
    )
    try:
        writer.write(head.encode() + content)
        await writer.drain()
    except ConnectionError:
        return False
    return not writer.is_closing()


async def _write_json(writer: asyncio.StreamWriter, status: int, body: JSONDict) -> bool:
    return await _write(writer, status, json.dumps(body, ensure_ascii=False).encode(), "application/json")


def decode_body(content_type: str, body: bytes) -> tuple[JSONDict, dict[str, FilePart]]:
    """Form, multipart or JSON body → (params with JSON/number/bool fields decoded, files)."""
    mime = content_type.split(";")[0].strip().lower()
    if not body:
        return {}, {}
    if mime == "application/json":
        return json.loads(body), {}
    if mime != "multipart/form-data":
        return _coerce(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)), {}
    header = EmailMessage()
    header["Content-Type"] = content_type
    fields, files = [], {}
    delimiter = b"\r\n--" + str(header.get_param("boundary")).encode()
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part[2:].partition(b"\r\n\r\n")
        headers = BytesHeaderParser(policy=HTTP).parsebytes(head + b"\r\n\r\n")
        name = str(headers.get_param("name", header="content-disposition"))
        if headers.get_filename() is None:
            fields.append((name, content.decode()))
        else:
            files[name] = (headers.get_filename(), content, headers.get_content_type())
    return _coerce(fields), files


def _coerce(pairs: list[tuple[str, str]]) -> JSONDict:
    params: JSONDict = {}
    for key, value in pairs:
        if key in JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in NUMBER_FIELDS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        elif key in NUMBER_FIELDS and re.fullmatch(r"-?\d+\.\d*", value):
            params[key] = float(value)
        elif key in BOOL_FIELDS:
            params[key] = value == "true"
        else:
            params[key] = value
    return params


async def post_webhook_update(
    url: str, payload: JSONDict, *, secret_token: str | None = None
) -> httpx.Response:
    """POST an update as Telegram does: ``Content-Type: application/json`` exactly, secret in its header."""
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.post(url, content=json.dumps(payload).encode(), headers=headers)
