"""Speech synthesis in one dedicated worker process, with a timeout and a restart.

pyttsx3 is not thread-safe and its espeak driver can hang. A hung thread cannot be stopped; a
process can. So every synthesis goes, one at a time, to voice/espeak_worker.py; a request that
outlives its timeout kills the worker, a fresh one is started, and the caller gets VoiceUnavailable
(the reply still goes out as text).
"""

from __future__ import annotations

import contextlib
import ctypes.util
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from voice.errors import EspeakMissing, VoiceUnavailable

log = logging.getLogger(__name__)

WORKER_SCRIPT = Path(__file__).with_name("espeak_worker.py")
MIN_RATE, MAX_RATE = 80, 450  # espeak-ng's words-per-minute range


def require_espeak_ng(search_path: str | None = None) -> str:
    """The espeak-ng program's path; EspeakMissing naming the Debian package if it is absent.

    `search_path` replaces $PATH for the look-up (tests use an empty directory).
    """
    program = shutil.which("espeak-ng", path=search_path)
    if program is None:
        raise EspeakMissing(
            "espeak-ng is not installed, so replies cannot be spoken. "
            "Install the Debian package: sudo apt-get install espeak-ng"
        )
    if search_path is None and ctypes.util.find_library("espeak-ng") is None:
        raise EspeakMissing(
            "the espeak-ng library is missing, so replies cannot be spoken. "
            "Install the Debian package: sudo apt-get install libespeak-ng1"
        )
    return program


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit little-endian samples, as espeak-ng makes them."""

    samples: bytes
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / 2 / self.sample_rate


class _WorkerGone(Exception):
    """The worker exited or closed its pipe before answering."""


class SynthWorker:
    """The one process that runs pyttsx3. Thread-safe: requests take turns."""

    def __init__(self, *, voice: str, timeout: float) -> None:
        self.voice = voice
        self.timeout = timeout
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._buffer = bytearray()
        with self._lock:
            self._spawn()

    @property
    def pid(self) -> int | None:
        """The worker's process id (None once closed)."""
        return self._proc.pid if self._proc is not None else None

    def synthesize(self, text: str, *, rate: int) -> Pcm:
        """Speak `text` at `rate` words per minute; VoiceUnavailable on failure or timeout."""
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(f"rate must be between {MIN_RATE} and {MAX_RATE} words per minute, not {rate}")
        with self._lock:
            if self._proc is None:
                raise VoiceUnavailable("the speech worker is closed")
            for attempt in (1, 2):
                try:
                    return self._request(text, rate)
                except _WorkerGone as exc:
                    # The worker died between requests (killed, out of memory): one fresh try.
                    log.warning("speech worker %s gone (%s); restarting", self.pid, exc)
                    self._restart()
                    if attempt == 2:
                        raise VoiceUnavailable(f"the speech worker failed: {exc}") from exc
                except TimeoutError as exc:
                    log.warning("speech worker %s hung for %.1fs; restarting", self.pid, self.timeout)
                    self._restart()
                    raise VoiceUnavailable(f"speech synthesis took longer than {self.timeout:.1f}s") from exc
            raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _request(self, text: str, rate: int) -> Pcm:
        deadline = time.monotonic() + self.timeout
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        if not self._ready:
            ready = self._read_json(deadline)
            if not ready.get("ready"):
                self._restart()
                raise VoiceUnavailable(f"the speech worker could not start: {ready.get('error')}")
            self._ready = True
        request = {"text": text, "rate": rate, "settle": max(self.timeout / 3, 0.5)}
        try:
            proc.stdin.write(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerGone(str(exc)) from exc
        answer = self._read_json(deadline)
        if not answer.get("ok"):
            raise VoiceUnavailable(f"speech synthesis failed: {answer.get('error')}")
        samples = self._read_exactly(int(answer["bytes"]), deadline)
        return Pcm(samples=samples, sample_rate=int(answer["sample_rate"]))

    def _read_json(self, deadline: float) -> dict:
        while (end := self._buffer.find(b"\n")) < 0:
            self._fill(deadline)
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        return json.loads(line)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            self._fill(deadline)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _fill(self, deadline: float) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise _WorkerGone(f"exit code {self._proc.poll()}")
        self._buffer += chunk

    def _spawn(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT), self.voice],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C in the bot's terminal is for the bot; the worker ends on EOF
        )
        self._ready = False
        self._buffer.clear()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _restart(self) -> None:
        self._stop()
        self._spawn()
