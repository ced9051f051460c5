"""Logs hold no message text, no user or chat id, no personal number and never the token, at DEBUG and
for python-telegram-bot's and httpx's loggers too; an update the library cannot read is skipped with one
log line (its id and kind) and acknowledged, so polling moves on."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logmask import MaskingFilter, install
from bot.services import Services
from tests.fakes import updates
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.fixtures import TEST_TOKEN
from tests.handlers.conftest import running_planbot, text_of

pytestmark = pytest.mark.e2e

PERSON = 7_654_321_987  # a ten-digit Telegram id, distinctive in a log
MARKER = "甲乙丙丁暗号"
SAID = f"我叫{MARKER}，电话13812345678，身份证110101199003071234，护理补贴朔州怎么领"
PLANBOT = Path(sys.executable).with_name("planbot")
LOUD = ("telegram", "httpx", "httpcore", "bot", "handlers", "planbot", "knowledge")


def leaks(log: str) -> list[str]:
    found = [s for s in (MARKER, "13812345678", "110101199003071234", str(PERSON), TEST_TOKEN) if s in log]
    return found + [w for w in ("护理补贴朔州怎么领", "朔州 专栏9") if w in log]


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything at DEBUG, from every logger, through the masking filter, into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *LOUD)}
    root.addHandler(handler)
    install(TEST_TOKEN)
    for name in ("", *LOUD):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for other in root.handlers:  # pytest's own handlers got the filter too
            other.filters = [f for f in other.filters if not isinstance(f, MaskingFilter)]


async def test_debug_logs_of_a_whole_conversation_hold_no_text_ids_numbers_or_token(
    fake_bot_api: FakeBotApi, planbot_services: Services, debug_log: io.StringIO
) -> None:
    async with running_planbot(fake_bot_api, planbot_services) as bot:
        await bot.say(PERSON, SAID)
        await bot.say(PERSON, "/region 13812345678")
        await bot.say(PERSON, "朔州 专栏9 第2项")
        await bot.press(PERSON, "1|c|shuozhou:box9.2")
        fake_bot_api.push_inline_query(PERSON, f"护理补贴 {MARKER}")
        await fake_bot_api.await_call("answerInlineQuery", timeout=15)
    log = debug_log.getvalue()
    assert "sendMessage" in log and "getUpdates" in log and "answerCallbackQuery" in log, "DEBUG was on"
    assert len(log.splitlines()) > 50
    assert leaks(log) == []


def test_the_filter_masks_structures_json_and_tracebacks() -> None:
    from telegram import Update

    masking = MaskingFilter((TEST_TOKEN,))
    update = Update.de_json(updates.text_update(PERSON, SAID, update_id=5), None)
    records = [
        logging.LogRecord(
            "telegram",
            logging.DEBUG,
            "",
            0,
            "Calling %s with %s",
            ("sendMessage", {"text": SAID, "chat_id": PERSON}),
            None,
        ),
        logging.LogRecord("telegram.ext", logging.DEBUG, "", 0, "Processing update %s", (update,), None),
        logging.LogRecord(
            "tornado", logging.DEBUG, "", 0, "Webhook received data: %s", (str(update.to_json()),), None
        ),
        logging.LogRecord("httpx", logging.INFO, "", 0, "POST http://x/bot%s/getMe", (TEST_TOKEN,), None),
    ]
    try:
        raise ValueError(f"bad input {SAID}")
    except ValueError:
        records.append(logging.LogRecord("x", logging.ERROR, "", 0, "failed", (), sys.exc_info()))
    formatter = logging.Formatter()
    lines = []
    for record in records:
        assert masking.filter(record)
        lines.append(formatter.format(record))
    log = "\n".join(lines)
    assert "update_id" in log and "sendMessage" in log and "getMe" in log
    assert [s for s in ("13812345678", "110101199003071234", str(PERSON), TEST_TOKEN) if s in log] == []
    assert "护理补贴朔州怎么领" not in "\n".join(lines[:4]), "structured text is masked"


def start(tmp: Path, fake: FakeBotApi, level: str) -> tuple[subprocess.Popen[bytes], Path]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")},
        "PLANBOT_TELEGRAM_TOKEN": TEST_TOKEN,
        "PLANBOT_DATA_DIR": str(tmp / "data"),
        "PLANBOT_TELEGRAM_API_URL": fake.base_url,
        "PLANBOT_LOG_LEVEL": level,
    }
    log = tmp / "planbot.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PLANBOT), "run"], cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return process, log


def wait(condition, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # a guard against a hung process, not a speed assertion
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(log.read_text(errors="replace")[-4000:])
        time.sleep(0.05)


def test_planbot_run_at_debug_logs_no_text_and_skips_an_unreadable_update_with_one_line(
    tmp_path: Path,
) -> None:
    with FakeBotApi() as fake:
        process, log = start(tmp_path, fake, "DEBUG")
        try:
            wait(lambda: fake.count("setMyCommands") == 1, process, log)
            broken = updates.text_update(PERSON, SAID)
            broken["message"]["date"] = "yesterday"  # the library cannot read it
            bad_id = fake.push_update(broken)
            fake.push_message(PERSON, SAID)
            fake.push_command(PERSON, "clause", "shuozhou:box9.2")
            wait(lambda: len(fake.texts_to(PERSON)) >= 3, process, log)  # the warning, the answer, the clause
            wait(lambda: fake.pending_update_ids == [], process, log)
        finally:
            process.terminate()
            process.wait(timeout=30)
        text = log.read_text(errors="replace")
        assert "DEBUG" in text and "sendMessage" in text
        assert leaks(text) == []
        skipped = [line for line in text.splitlines() if "could not be read" in line]
        assert len(skipped) == 1 and str(bad_id) in skipped[0] and "message" in skipped[0], skipped
        assert "CRITICAL" not in text and "Traceback" not in text
        assert "编号：shuozhou:box9.2" in text_of(fake.messages_to(PERSON))
