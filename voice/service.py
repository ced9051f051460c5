"""The one object the bot talks to: a reply (a Script of parts, or plain text) in, a voice note out.

speak() blocks (speech text → cache → pinyin → worker → encoder → cache); aspeak() runs it on the
service's own small thread pool so that the event loop, and every other chat, never waits for a
synthesis. Nothing heavy is loaded, and no worker started, until a note is not in the cache.
Long speech goes to the worker in chunks of a few sentences, each well inside the timeout, so a
2,000-character text is spoken like a short one, only longer.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from types import TracebackType

from voice.cache import AudioCache
from voice.errors import VoiceUnavailable
from voice.note import VoiceNote, note_key
from voice.ogg import ogg_opus_duration
from voice.script import Script, Spoken, render
from voice.speeds import PACES, Speed
from voice.synth import MAX_RATE, MIN_RATE, SynthWorker, require_espeak_ng

log = logging.getLogger(__name__)

SLOW, NORMAL, FAST = Speed.SLOW, Speed.NORMAL, Speed.FAST
CHUNK_CHARS = 240  # characters per synthesis request: espeak-ng takes about 0.1 s for this many


class VoiceService:
    """Speaks replies in Mandarin with espeak-ng; raises EspeakMissing at once if it is not installed.

    `cache_secret` keys the cache's file names (voice.cache); without one nothing is kept on disk.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        cache_secret: bytes | None = None,
        max_cache_bytes: int = 200_000_000,
        timeout: float = 10.0,
        voice: str = "cmn-latn-pinyin",
    ) -> None:
        require_espeak_ng()
        self.voice = voice
        self.timeout = timeout
        self._secret = cache_secret
        self._cache = AudioCache(Path(cache_dir), max_cache_bytes) if cache_secret is not None else None
        if self._cache is not None:
            self._cache.remove_unkeyed()
        self._worker: SynthWorker | None = None
        self._starting = threading.Lock()
        self._closed = False
        # Synthesis is serial in the worker; two threads let one note encode while the next is spoken.
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="voice")

    @property
    def worker_pid(self) -> int | None:
        """The synthesis worker's process id, for monitoring (None before the first synthesis)."""
        return self._worker.pid if self._worker is not None else None

    def speak(
        self,
        content: str | Script,
        *,
        speed: Speed | str = Speed.NORMAL,
        rate: int | None = None,
        private: bool = False,
    ) -> VoiceNote:
        """The voice note for a Script (fitted to 40 s) or for plain reply text (all of it).

        `speed` is slow, normal or fast; `rate` instead sets espeak-ng's words per minute directly.
        `private` notes (anything holding a person's answers) are never read from or written to disk.
        VoiceUnavailable if there is nothing to say or synthesis fails.
        """
        speed = Speed.parse(speed)
        wpm = PACES[speed].wpm if rate is None else rate
        if not MIN_RATE <= wpm <= MAX_RATE:
            raise ValueError(f"rate must be between {MIN_RATE} and {MAX_RATE} words per minute, not {wpm}")
        spoken = render(content, speed)
        if not spoken.text:
            raise VoiceUnavailable("the reply has nothing to say aloud")
        key = None if private or self._cache is None else self.key(spoken.text, wpm)
        if key is not None and (cached := self._cached(key, spoken)) is not None:
            return cached
        note = self._synthesize(spoken, wpm)
        if key is not None and self._cache is not None:
            try:
                self._cache.put(key, note.ogg)
            except OSError as exc:  # a full or read-only disk costs the cache, not the answer
                log.warning("voice cache write failed: %s", exc)
        return note

    async def aspeak(
        self,
        content: str | Script,
        *,
        speed: Speed | str = Speed.NORMAL,
        rate: int | None = None,
        private: bool = False,
    ) -> VoiceNote:
        """speak() off the event loop."""
        loop = asyncio.get_running_loop()
        call = partial(self.speak, content, speed=speed, rate=rate, private=private)
        return await loop.run_in_executor(self._executor, call)

    def key(self, speech: str, wpm: int) -> str:
        """The cache key of a speech text at a rate (needs the service's cache secret)."""
        if self._secret is None:
            raise ValueError("this service has no cache secret")
        return note_key(self._secret, speech, voice=self.voice, wpm=wpm)

    def clear_cache(self) -> int:
        """Delete every cached note; the number deleted."""
        return self._cache.clear() if self._cache is not None else 0

    def close(self) -> None:
        with self._starting:
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._worker is not None:
            self._worker.close()

    def __enter__(self) -> VoiceService:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start_worker(self) -> None:
        """Start the synthesis worker now (it takes about 0.2 s to be ready) instead of at first need."""
        with self._starting:  # two threads asking at once start one worker
            if self._closed:
                raise VoiceUnavailable("the voice service is closed")
            if self._worker is None:
                self._worker = SynthWorker(voice=self.voice, timeout=self.timeout)

    def _synthesize(self, spoken: Spoken, wpm: int) -> VoiceNote:
        self.start_worker()  # the worker process starts while pypinyin, numpy and soxr load here
        from voice.encode import encode_voice_note
        from voice.pinyin import to_espeak

        assert self._worker is not None
        pcm = bytearray()
        sample_rate = 0
        for chunk in chunks(spoken.text):
            piece = self._worker.synthesize(to_espeak(chunk), rate=wpm)
            pcm += piece.samples
            sample_rate = piece.sample_rate
        try:
            encoded = encode_voice_note(bytes(pcm), sample_rate)
        except (RuntimeError, ValueError) as exc:
            raise VoiceUnavailable(f"encoding the voice note failed: {exc}") from exc
        return VoiceNote(ogg=encoded.ogg, duration=encoded.duration, cut=spoken.cut)

    def _cached(self, key: str, spoken: Spoken) -> VoiceNote | None:
        assert self._cache is not None
        try:
            ogg = self._cache.get(key)
            return None if ogg is None else VoiceNote(ogg, ogg_opus_duration(ogg), cut=spoken.cut)
        except (OSError, ValueError) as exc:  # unreadable or damaged: make it again
            log.warning("voice cache entry %s unusable: %s", key, exc)
            return None


def chunks(speech: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Speech text in pieces of at most about `limit` characters, cut after sentences where possible,
    else after clauses, so that every synthesis request finishes well inside the worker's timeout."""
    pieces: list[str] = []
    current = ""
    for sentence in re.findall(r".+?(?:[。？！]+|$)", speech, re.DOTALL):
        parts = (
            [sentence] if len(sentence) <= limit else re.findall(r".+?(?:[，、；：]+|$)", sentence, re.DOTALL)
        )
        for part in parts:
            if current and len(current) + len(part) > limit:
                pieces.append(current)
                current = ""
            while len(part) > limit:  # a clause of hundreds of characters with no pause at all
                pieces.append(part[:limit])
                part = part[limit:]
            if current and len(current) + len(part) > limit:
                pieces.append(current)
                current = ""
            current += part
    if current:
        pieces.append(current)
    return pieces
