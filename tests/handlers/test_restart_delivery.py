"""A reply survives the process: `planbot run` killed (SIGKILL) while Telegram keeps failing the send;
the next start sends it, once, before anything newer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.fixtures import TEST_TOKEN

pytestmark = pytest.mark.e2e

PLANBOT = Path(sys.executable).with_name("planbot")
USER = 77_001
STARTUP_TIMEOUT = 120.0  # a guard against a hung process, never an assertion about speed


def start(tmp: Path, fake: FakeBotApi, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")},
        "PLANBOT_TELEGRAM_TOKEN": TEST_TOKEN,
        "PLANBOT_DATA_DIR": str(tmp / "data"),
        "PLANBOT_TELEGRAM_API_URL": fake.base_url,
        "PLANBOT_LOG_LEVEL": "INFO",
    }
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PLANBOT), "run"], cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return process, log


def wait(condition, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what}: not reached\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.05)


def failed_sends(fake: FakeBotApi) -> int:
    return sum(
        1
        for c in fake.calls("sendMessage", include_failed=True)
        if c.status == 500 and c.params.get("chat_id") == USER
    )


def test_a_reply_pending_when_the_process_is_killed_is_sent_once_after_restart(tmp_path: Path) -> None:
    with FakeBotApi() as fake:
        first, first_log = start(tmp_path, fake, "first")
        try:
            wait(lambda: fake.count("setMyCommands") == 1, first, first_log, "first start")
            fake.fail_next("sendMessage", 500, times=1000)  # Telegram fails every send for now
            fake.push_message(USER, "朔州 专栏9 第2项")
            wait(lambda: failed_sends(fake) >= 2, first, first_log, "retries under way")
            os.kill(first.pid, signal.SIGKILL)  # in the middle of the retries
            first.wait()
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        assert fake.texts_to(USER) == [], "nothing was delivered before the kill"

        fake.clear_faults()
        second, second_log = start(tmp_path, fake, "second")
        try:
            wait(lambda: fake.count("setMyCommands") == 2, second, second_log, "second start")
            fake.push_message(USER, "朔州 专栏9 第3项")  # a newer message: its reply comes after
            wait(lambda: len(fake.texts_to(USER)) >= 2, second, second_log, "both replies")
            time.sleep(0.5)  # time for a duplicate to show, had there been one
        finally:
            second.terminate()
            second.wait(timeout=30)
        texts = fake.texts_to(USER)
        assert len(texts) == 2, texts
        assert "编号：shuozhou:box9.2" in texts[0] and "编号：shuozhou:box9.3" in texts[1]
        assert "sending 1 replies left undelivered" in second_log.read_text()
