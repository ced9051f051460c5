"""A voice note and the name it is cached under: light enough for `planbot say` to look one up before
anything that synthesises is loaded."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from voice.cache import cache_key

AUDIO_FORMAT = "ogg-opus-48k-mono-v2"  # part of the cache key: change it when the encoding changes
READINGS = Path(__file__).parent / "data" / "readings.toml"


@dataclass(frozen=True)
class VoiceNote:
    ogg: bytes  # Ogg Opus, mono, 48 kHz: send with sendVoice
    duration: float  # seconds
    cut: bool = False  # parts of the script did not fit the cap and were left out


@cache
def front_end_version() -> str:
    """What decides the pinyin for a text, for the cache key: pypinyin's version and the readings table.

    Read from pypinyin's source, neither importing it (0.2 s) nor importlib.metadata (30 ms), so that a
    cache hit stays instant."""
    readings = hashlib.sha256(READINGS.read_bytes()).hexdigest()[:16]
    spec = importlib.util.find_spec("pypinyin")
    source = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
    version = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", source)
    return f"pypinyin-{version[1] if version else 'unknown'}-readings-{readings}"


def note_key(secret: bytes, speech: str, *, voice: str, wpm: int) -> str:
    """The cache key of a note: the speech text and everything else that changes its audio."""
    return cache_key(secret, speech, voice=voice, rate=wpm, audio=AUDIO_FORMAT, front_end=front_end_version())
