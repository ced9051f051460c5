"""The one object the bot talks to: reply text in, Telegram-ready voice note out.

speak() blocks (speech text → cache → worker → encoder → cache); aspeak() runs it on the service's
own small thread pool so that the event loop, and every other chat, never waits for a synthesis.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType

from voice.cache import AudioCache, cache_key
from voice.encode import encode_voice_note, ogg_opus_duration
from voice.errors import VoiceUnavailable
from voice.speech import to_speech
from voice.synth import MAX_RATE, MIN_RATE, SynthWorker, require_espeak_ng

log = logging.getLogger(__name__)

SLOW, NORMAL, FAST = 120, 160, 210  # espeak-ng words per minute
AUDIO_FORMAT = "ogg-opus-48k-mono-v1"  # part of the cache key: change it when the encoding changes


@dataclass(frozen=True)
class VoiceNote:
    ogg: bytes  # Ogg Opus, mono, 48 kHz: send with sendVoice
    duration: float  # seconds


class VoiceService:
    """Speaks replies in Mandarin with espeak-ng; raises EspeakMissing at once if it is not installed."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        max_cache_bytes: int = 200_000_000,
        timeout: float = 10.0,
        voice: str = "cmn-latn-pinyin",
    ) -> None:
        require_espeak_ng()
        self.voice = voice
        self._cache = AudioCache(Path(cache_dir), max_cache_bytes)
        self._worker = SynthWorker(voice=voice, timeout=timeout)
        # Synthesis is serial in the worker; two threads let one note encode while the next is spoken.
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="voice")

    @property
    def worker_pid(self) -> int | None:
        """The synthesis worker's process id, for monitoring."""
        return self._worker.pid

    def speak(self, reply_text: str, *, rate: int = NORMAL) -> VoiceNote:
        """The voice note for `reply_text`; VoiceUnavailable if there is nothing to say or synthesis fails."""
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(f"rate must be between {MIN_RATE} and {MAX_RATE} words per minute, not {rate}")
        speech = to_speech(reply_text)
        if not speech:
            raise VoiceUnavailable("the reply has nothing to say aloud")
        key = cache_key(speech, voice=self.voice, rate=rate, audio=AUDIO_FORMAT)
        cached = self._cached(key)
        if cached is not None:
            return cached
        pcm = self._worker.synthesize(speech, rate=rate)
        try:
            encoded = encode_voice_note(pcm.samples, pcm.sample_rate)
        except (RuntimeError, ValueError) as exc:
            raise VoiceUnavailable(f"encoding the voice note failed: {exc}") from exc
        try:
            self._cache.put(key, encoded.ogg)
        except OSError as exc:  # a full or read-only disk costs the cache, not the answer
            log.warning("voice cache write failed: %s", exc)
        return VoiceNote(ogg=encoded.ogg, duration=encoded.duration)

    async def aspeak(self, reply_text: str, *, rate: int = NORMAL) -> VoiceNote:
        """speak() off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self.speak, reply_text, rate=rate))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._worker.close()

    def __enter__(self) -> VoiceService:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _cached(self, key: str) -> VoiceNote | None:
        try:
            ogg = self._cache.get(key)
            return None if ogg is None else VoiceNote(ogg=ogg, duration=ogg_opus_duration(ogg))
        except (OSError, ValueError) as exc:  # unreadable or damaged: make it again
            log.warning("voice cache entry %s unusable: %s", key, exc)
            return None
