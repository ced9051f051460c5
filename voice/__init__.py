"""Reply text → speech text → audio → Ogg Opus voice note. Knows nothing of Telegram."""

from voice.errors import EspeakMissing, VoiceUnavailable
from voice.service import FAST, NORMAL, SLOW, VoiceNote, VoiceService
from voice.speech import to_speech
from voice.synth import require_espeak_ng

__all__ = [
    "FAST",
    "NORMAL",
    "SLOW",
    "EspeakMissing",
    "VoiceNote",
    "VoiceService",
    "VoiceUnavailable",
    "require_espeak_ng",
    "to_speech",
]
