"""A screening survives the process being killed: a real `planbot chat`, SIGKILL, a new process.

The console user is always the same person, so a second `planbot chat` on the same data
directory (and database) is that person coming back. Questions and button labels are read
from the screening data, not copied here, so rewording a question does not break the test.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import messages
from knowledge.library import Library
from knowledge.screening import CONSENT_KEEP_DAYS
from tests.support import backend_params, database_url_for

PLANBOT = Path(sys.executable).with_name("planbot")
SCREENING = "nursing_subsidy"
NO_OUTPUT_AFTER = 120  # seconds; only a guard against a hung process, never an assertion about speed
_OPTION = re.compile(r"^\s*(\d+)\. (.+)$")  # a button, or an option the question lists

FACTS = Library.load().facts


def question(fact: str) -> str:
    return FACTS[fact].question


class Chat:
    """One `planbot chat` process with its stdout read line by line on a thread."""

    def __init__(self, env: dict[str, str], stderr_path: Path) -> None:
        self._stderr = stderr_path.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(PLANBOT), "chat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.stderr_path = stderr_path
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read_reply(self, until: Callable[[str], bool]) -> list[str]:
        """Lines up to the end of the reply block (its blank line) holding a line that matches."""
        lines: list[str] = []
        seen = False
        while True:
            line = self._next(lines)
            if line is None:
                pytest.fail(f"planbot chat exited before replying:\n{_tail(lines)}\n{self._errors()}")
            lines.append(line)
            seen = seen or until(line)
            if seen and line == "":
                return lines

    def ask(self, line: str, expected: str) -> list[str]:
        """Send a line and read until the reply containing `expected` has been printed in full."""
        self.send(line)
        return self.read_reply(lambda printed: expected in printed)

    def finish(self, *lines: str) -> list[str]:
        """Send the last lines and /quit, then read everything printed until the process exits."""
        for line in (*lines, "/quit"):
            self.send(line)
        printed: list[str] = []
        while (line := self._next(printed)) is not None:
            printed.append(line)
        return printed

    def _next(self, printed: list[str]) -> str | None:
        try:
            return self._lines.get(timeout=NO_OUTPUT_AFTER)
        except queue.Empty:
            pytest.fail(f"planbot chat printed nothing more after:\n{_tail(printed)}\n{self._errors()}")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._stderr.close()

    def quit(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._stderr.close()

    def _errors(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8")[-3000:]


def _tail(lines: list[str]) -> str:
    return "\n".join(lines[-30:])


def button_number(lines: list[str], label: str) -> str:
    """The number the console shows for a button or an option, which is what a person types to choose it."""
    for line in lines:
        match = _OPTION.match(line)
        if match and match.group(2) == label:
            return match.group(1)
    raise AssertionError(f"no button {label!r} in:\n{_tail(lines)}")


@pytest.fixture(params=backend_params())
def chat_env(request, tmp_path) -> Iterator[dict[str, str]]:
    """The environment of a `planbot chat` on a fresh data directory (and database)."""
    with database_url_for(request.param) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")}
        env.update(PLANBOT_DATA_DIR=str(tmp_path / "data"), PLANBOT_LOG_LEVEL="WARNING", PYTHONUTF8="1")
        if url:
            env["PLANBOT_DATABASE_URL"] = url
        yield env


@pytest.mark.slow
def test_screening_continues_where_it_was_after_the_process_is_killed(chat_env, tmp_path):
    assert PLANBOT.exists(), f"{PLANBOT} is missing: install the project into the virtualenv"
    first = Chat(chat_env, tmp_path / "first.stderr")
    try:
        first.read_reply(lambda line: messages.WELCOME.splitlines()[0] in line)
        first.ask(f"/screen {SCREENING}", question("region"))
        consent = first.ask("茌平", f"继续，保存{CONSENT_KEEP_DAYS}天")
        first.ask(button_number(consent, f"继续，保存{CONSENT_KEEP_DAYS}天"), question("has_certificate"))
        first.ask("有", question("disability_grade"))
        first.ask("三级", question("disability_type"))
        before_kill = first.ask("智力", question("needs_long_term_care"))
    finally:
        if first.process.poll() is None:
            first.kill()
    assert first.process.returncode == -signal.SIGKILL
    assert question("needs_long_term_care") in "\n".join(before_kill)

    second = Chat(chat_env, tmp_path / "second.stderr")
    try:
        second.read_reply(lambda line: messages.WELCOME.splitlines()[0] in line)
        result = "\n".join(second.finish("需要", "都没有"))
    finally:
        second.quit()

    assert question("disability_grade") not in result, "the screening started again from the beginning"
    assert messages.ERROR not in result
    situation = next((line for line in result.splitlines() if line.startswith("情况：")), None)
    assert situation is not None, f"the answer after the restart did not finish the screening:\n{result}"
    for fact, value in (
        ("region", "茌平区"),
        ("has_certificate", True),
        ("disability_grade", 3),
        ("disability_type", "智力"),
        ("needs_long_term_care", True),
        ("other_support", "都没有"),
    ):
        said = f"{FACTS[fact].label}：{FACTS[fact].display(value)}"
        assert said in situation, f"{said!r} missing from the resumed screening's summary: {situation}"
