"""Pytest fixtures and helpers for running a python-telegram-bot Application against ``FakeBotApi``.

Import what you need into a ``conftest.py`` (``from tests.fakes.fixtures import fake_bot_api``). The helpers
start and stop the app exactly as production does (``Updater.start_polling`` / ``start_webhook``) and always
tear down in ``finally``, so a failing test cannot leave a poller running into the next one.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram.ext import Application, ApplicationBuilder

from tests.fakes.bot_api import FakeBotApi

TEST_TOKEN = "123:TEST"


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotApi]:
    """A started fake Bot API server on a free port of 127.0.0.1, stopped after the test."""
    with FakeBotApi() as fake:
        yield fake


def free_port() -> int:
    """A port nobody listens on right now (bound to 0, then released) for a webhook server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def application_builder(fake: FakeBotApi, token: str = TEST_TOKEN) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` aimed at the fake server; add handlers or timeouts, then ``.build()``."""
    return Application.builder().token(token).base_url(fake.base_url).base_file_url(fake.base_file_url)


async def _stop(app: Application) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()  # its last getUpdates confirms every fetched update
    if app.running:
        await app.stop()  # handles what is still queued
    await app.shutdown()


@contextlib.asynccontextmanager
async def running_polling(app: Application, *, timeout: int = 1) -> AsyncIterator[Application]:
    """Run ``app`` with long polling (``timeout`` seconds per poll, no pause between polls)."""
    assert app.updater is not None
    await app.initialize()
    try:
        await app.updater.start_polling(timeout=timeout, poll_interval=0)
        await app.start()
        yield app
    finally:
        await _stop(app)


@contextlib.asynccontextmanager
async def running_webhook(
    app: Application, *, port: int, url_path: str = "hook", secret_token: str | None = None
) -> AsyncIterator[str]:
    """Run ``app``'s webhook server on 127.0.0.1:``port``; yields the webhook URL it registered."""
    assert app.updater is not None
    url = f"http://127.0.0.1:{port}/{url_path}"
    await app.initialize()
    try:
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path=url_path, secret_token=secret_token, webhook_url=url
        )
        await app.start()
        yield url
    finally:
        await _stop(app)
