"""The three speaking speeds, in one place: espeak-ng's words-per-minute and how long speech lasts.

Measured on real synthesised audio of plan sentences given as pinyin (bench/voice_bench.py measures
it again on every `make bench`): at 216 words per minute espeak-ng's Mandarin voice says 4.5
characters a second, a phone reader's default; slow and fast are about one character less and more.
The duration model (seconds per syllable, per pause and per note) lets a spoken reply be fitted
to its 40-second cap before anything is synthesised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Speed(StrEnum):
    SLOW = "slow"
    NORMAL = "normal"
    FAST = "fast"

    @classmethod
    def parse(cls, value: Speed | str | int) -> Speed:
        """A speed from its name, or from the words-per-minute a profile stored before speeds had names
        (120, 160, 210 were slow, normal, fast): the nearest of those."""
        if isinstance(value, Speed):
            return value
        if isinstance(value, str):
            return cls(value.strip().lower())
        return min(STORED_RATE, key=lambda speed: abs(STORED_RATE[speed] - value))


#: What a profile stores for each speed (voice_rate): the words per minute of older planbots' speeds.
STORED_RATE = {Speed.SLOW: 120, Speed.NORMAL: 160, Speed.FAST: 210}
#: Each speed as the person chooses it.
SPEED_WORDS = {Speed.SLOW: "慢", Speed.NORMAL: "正常", Speed.FAST: "快"}


@dataclass(frozen=True)
class Pace:
    wpm: int  # espeak-ng's rate parameter
    chars_per_second: float  # measured, pauses included
    syllable_s: float  # duration model: seconds per syllable,
    pause_s: float  # per pause mark (，、；：。？！),
    note_s: float  # and once per request (espeak-ng's end pause)


PACES: dict[Speed, Pace] = {
    Speed.SLOW: Pace(wpm=175, chars_per_second=3.5, syllable_s=0.268, pause_s=0.19, note_s=0.41),
    Speed.NORMAL: Pace(wpm=216, chars_per_second=4.49, syllable_s=0.211, pause_s=0.13, note_s=0.29),
    Speed.FAST: Pace(wpm=255, chars_per_second=5.46, syllable_s=0.176, pause_s=0.08, note_s=0.23),
}

_SYLLABLE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff〇]")
_PAUSE = re.compile(r"[，、；：。？！]")


def estimate_seconds(speech: str, speed: Speed = Speed.NORMAL) -> float:
    """How long `speech` (speech text: Chinese characters and pause marks) lasts when spoken."""
    pace = PACES[speed]
    syllables = len(_SYLLABLE.findall(speech))
    if not syllables:
        return 0.0
    return syllables * pace.syllable_s + len(_PAUSE.findall(speech)) * pace.pause_s + pace.note_s
