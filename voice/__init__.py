"""Reply → speech text → pinyin → audio → Ogg Opus voice note. Knows nothing of Telegram.

Names are loaded on first use, so that `from voice.speech import to_speech` or a cache look-up does
not pay for the synthesis and encoding modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "EspeakMissing": "voice.errors",
    "VoiceUnavailable": "voice.errors",
    "VoiceNote": "voice.note",
    "VoiceService": "voice.service",
    "Part": "voice.script",
    "Role": "voice.script",
    "Script": "voice.script",
    "Spoken": "voice.script",
    "render": "voice.script",
    "Speed": "voice.speeds",
    "to_speech": "voice.speech",
    "require_espeak_ng": "voice.synth",
    "load_or_create_key": "voice.keyfile",
}
__all__ = [
    "EspeakMissing",
    "Part",
    "Role",
    "Script",
    "Speed",
    "Spoken",
    "VoiceNote",
    "VoiceService",
    "VoiceUnavailable",
    "load_or_create_key",
    "render",
    "require_espeak_ng",
    "to_speech",
]

if TYPE_CHECKING:
    from voice.errors import EspeakMissing, VoiceUnavailable
    from voice.keyfile import load_or_create_key
    from voice.note import VoiceNote
    from voice.script import Part, Role, Script, Spoken, render
    from voice.service import VoiceService
    from voice.speech import to_speech
    from voice.speeds import Speed
    from voice.synth import require_espeak_ng


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'voice' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
