"""`planbot say`: one voice note from the command line, answered from the cache before anything heavy loads.

A cache hit needs the speech text, the key file and one file read: no pypinyin, numpy, encoder,
asyncio or synthesis worker. Only a miss starts the VoiceService (and its worker process).
"""

from __future__ import annotations

from pathlib import Path

from voice.cache import AudioCache
from voice.errors import VoiceUnavailable
from voice.keyfile import KEY_FILE, load_or_create_key
from voice.note import VoiceNote, note_key
from voice.ogg import ogg_opus_duration
from voice.script import render
from voice.speeds import PACES, Speed

VOICE = "cmn-latn-pinyin"


def show(text: str, speed: Speed | str = Speed.NORMAL) -> tuple[str, str]:
    """The speech text for `text`, and the exact input espeak-ng is given for it."""
    from voice.pinyin import to_espeak

    speech = render(text, speed).text
    return speech, to_espeak(speech)


def say(
    text: str,
    *,
    data_dir: Path,
    cache_dir: Path,
    max_cache_bytes: int,
    speed: Speed | str = Speed.NORMAL,
    rate: int | None = None,
) -> VoiceNote:
    """The voice note for `text` (read in full), from the cache under <data_dir>/voice.key if it is there."""
    spoken = render(text, speed)
    if not spoken.text:
        raise VoiceUnavailable("the text has nothing to say aloud")
    secret = load_or_create_key(Path(data_dir) / KEY_FILE)
    wpm = PACES[Speed.parse(speed)].wpm if rate is None else rate
    cache = AudioCache(Path(cache_dir), max_cache_bytes)
    ogg = cache.get(note_key(secret, spoken.text, voice=VOICE, wpm=wpm))
    if ogg is not None:
        try:
            return VoiceNote(ogg, ogg_opus_duration(ogg))
        except ValueError:  # a damaged file: make the note again
            pass
    from voice.service import VoiceService  # a cache miss: now the engine is needed

    with VoiceService(cache_dir, cache_secret=secret, max_cache_bytes=max_cache_bytes, voice=VOICE) as voice:
        return voice.speak(text, speed=speed, rate=rate)
