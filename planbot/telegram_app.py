"""The Telegram application factory and `planbot run`. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.ext import AIORateLimiter, Application, BaseUpdateProcessor, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot import logmask
from bot.core import PUBLIC_COMMANDS, Conversation
from bot.db import scrub
from bot.outbox import Outbox
from bot.repository import StorageUnavailable
from bot.services import Services
from bot.settings import Settings
from handlers.context import SETTINGS, PlanbotContext, attach
from handlers.delivery import ATTEMPTS, Postman
from handlers.updates import PlanbotBot

log = logging.getLogger(__name__)

OUTBOX_SWEEP_S = 60.0  # how often a webhook worker looks for replies a dead worker left undelivered

#: What Telegram accepts as a secret_token (1-256 of these characters); planbot asks for at least 16.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Updates of different people run concurrently; one person's updates run one at a time, in order.

    asyncio.Lock wakes waiters first-come first-served, and updates reach the lock in the
    order the Updater fetched them, so one person's messages are answered in order. A person's
    lock is dropped only when no update of theirs holds it or waits for it: dropping it while
    one still waits would let the next update take a fresh lock and overtake the waiting one.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_id(update)
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _user_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


def build_application(
    settings: Settings,
    *,
    services: Services | None = None,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """The bot, wired but not started. Tests pass the fake Bot API's base URL or request objects."""
    if settings.telegram_token is None:
        raise ValueError("PLANBOT_TELEGRAM_TOKEN is not set")
    urls: dict[str, Any] = {}
    api_url = base_url or settings.telegram_api_url
    if api_url:
        root = api_url.rstrip("/").removesuffix("/bot")
        urls = {"base_url": f"{root}/bot", "base_file_url": f"{root}/file/bot"}
    bot = PlanbotBot(  # what ApplicationBuilder would make, but PlanbotBot skips unreadable updates
        settings.telegram_token.get_secret_value(),
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=get_updates_request or HTTPXRequest(connection_pool_size=1),
        defaults=Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=AIORateLimiter(max_retries=ATTEMPTS - 1),  # 429s, pausing every request meanwhile
        **urls,
    )
    application = (
        Application.builder()
        .bot(bot)
        .context_types(ContextTypes(context=PlanbotContext))
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["planbot.preopened"] = services
    application.bot_data[SETTINGS] = settings
    handlers.register(application)
    return application


async def _post_init(application: Application) -> None:
    settings: Settings = application.bot_data[SETTINGS]
    services = application.bot_data.pop("planbot.preopened", None)
    if services is None:
        services = await asyncio.to_thread(Services.open, settings)
        application.bot_data["planbot.owned"] = services
    conversation = await asyncio.to_thread(Conversation, services)
    postman = Postman(application.bot, conversation, Outbox(lambda: services.engine))
    attach(application, conversation, settings, postman)
    await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in PUBLIC_COMMANDS])
    # Polling: only one process can poll, so whatever is pending was left by one that died. Webhook
    # workers run side by side: each takes over only what a dead one's lease no longer covers.
    polling = not settings.webhook_url
    await postman.resume(every_pending=polling)
    application.bot_data["planbot.sweeper"] = asyncio.create_task(_sweep_outbox(postman, claim=not polling))


async def _sweep_outbox(postman: Postman, *, claim: bool) -> None:
    """Every minute: (webhook) send what a dead worker left; forget old reply keys; empty SQLite's
    write-ahead log, so that what was deleted (delivered replies, forgotten people) leaves it soon."""
    outbox = postman.outbox
    assert outbox is not None
    while True:
        await asyncio.sleep(OUTBOX_SWEEP_S)
        try:
            if claim:
                await postman.resume(every_pending=False)
            await asyncio.to_thread(outbox.purge)
            await asyncio.to_thread(lambda: scrub(outbox.engine))  # opening the engine may block too
        except StorageUnavailable:
            pass  # the next round tries again
        except Exception:
            log.exception("outbox sweep failed")


async def _post_shutdown(application: Application) -> None:
    sweeper = application.bot_data.pop("planbot.sweeper", None)
    if sweeper is not None:
        sweeper.cancel()
    services = application.bot_data.pop("planbot.owned", None)
    if services is not None:
        await asyncio.to_thread(services.close)


class WebhookSecretMissing(RuntimeError):
    """Webhook mode without PLANBOT_WEBHOOK_SECRET: anyone who finds the URL could post forged updates."""


def require_webhook_secret(settings: Settings) -> str:
    """The webhook's secret token; refuses to go on without one (and says why in the log).

    Telegram sends the secret with every update and PTB's webhook server answers 403 to a request
    without it. Without a secret, a forged "/forget yes" for any user id would be obeyed. A secret is
    not generated here: every worker behind the URL must share the same one."""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not _WEBHOOK_SECRET.fullmatch(secret):
        log.error(
            "webhook mode needs PLANBOT_WEBHOOK_SECRET: 16 to 256 characters of A-Z, a-z, 0-9, _ and -, "
            "the same for every worker; not starting"
        )
        raise WebhookSecretMissing("PLANBOT_WEBHOOK_SECRET is missing or malformed")
    return secret


def run(settings: Settings) -> None:
    """`planbot run`: long polling, or a webhook server when PLANBOT_WEBHOOK_URL is set."""
    logmask.install(*(s.get_secret_value() for s in (settings.telegram_token, settings.webhook_secret) if s))
    secret = ""
    if settings.webhook_url:
        try:
            secret = require_webhook_secret(settings)
        except WebhookSecretMissing:
            raise SystemExit(2) from None  # the log says why; no traceback for a setting
    application = build_application(settings)
    if settings.webhook_url:
        path = settings.webhook_url.rstrip("/").rsplit("/", 1)[-1]
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
