"""Speech text → the tone-numbered pinyin that espeak-ng's `cmn-latn-pinyin` voice reads.

Given Chinese characters, espeak-ng picks readings from its own small dictionary and gets common
words wrong (户籍所在地 ends in "de", 银行 is "yin xing"). Given pinyin with tone numbers it reads
exactly those syllables. pypinyin chooses readings from its phrase dictionaries; the project table
in voice/data/readings.toml overrides the few it gets wrong (place names, policy terms), and a few
rules that need context are applied here: the 一/不 tone changes, across word boundaries, as a
listener expects to hear them; 为 as wéi in 以…为… ; 尽 as jìn in 应保尽保. bench/pronunciation_bench.py
measures the result against hand-checked pinyin.
The third-tone change (你好 → ní hǎo) is left to espeak-ng, which applies it to the syllables it reads.

Each syllable is one space-separated word of the input ("hu4 ji2 suo3 zai4 di4"), the form the
voice documents; each pause mark becomes the ASCII mark espeak-ng pauses on.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

READINGS_PATH = Path(__file__).parent / "data" / "readings.toml"

#: speech-text pause marks → what espeak-ng pauses on
PAUSES = {"，": ",", "、": ",", "；": ";", "：": ":", "。": ".", "？": "?", "！": "!"}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff〇]+")
_SYLLABLE = re.compile(r"[a-zü]+[1-5]")
_DIGITS = set("〇零一二三四五六七八九两")
_NUMERALS = _DIGITS | set("十百千万亿点")
_UNITS = set("十百千万亿")
_MEASURES = set("个件种位次条项批名户人家所处份张本台辆套道座")  # 一 before these is a count: yí/yì
_NOT_ALONE_YI = set("可所予加难足用得借据赖藉是给")  # 可以, 所以, 予以…: 以 inside a word


class ReadingsError(ValueError):
    """voice/data/readings.toml is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Syllable:
    han: str  # one character
    pinyin: str  # tone-numbered: "di4", "de5"
    word_end: bool  # the last character of a word (as segmented), so 一 there keeps its own tone
    fixed: bool  # from the project table: read as written, no tone change applied


@dataclass(frozen=True)
class Readings:
    phrases: dict[str, tuple[str, ...]]  # written → its syllables as they should be heard
    longest: int


def load_readings(path: Path = READINGS_PATH) -> Readings:
    """Read and check the project's readings table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReadingsError(f"{path}: {exc}") from exc
    phrases: dict[str, tuple[str, ...]] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ReadingsError(f'{path}: [{section}] must be a table of phrase = "pin1 yin1"')
        for written, spoken in table.items():
            where = f"{path}: [{section}] {written!r}"
            if not _HAN.fullmatch(written):
                raise ReadingsError(f"{where}: the phrase must be Chinese characters only")
            if not isinstance(spoken, str):
                raise ReadingsError(f"{where}: the reading must be a string")
            syllables = tuple(spoken.split())
            if len(syllables) != len(written):
                raise ReadingsError(f"{where}: {len(written)} characters but {len(syllables)} syllables")
            if bad := [s for s in syllables if not _SYLLABLE.fullmatch(s)]:
                raise ReadingsError(f"{where}: {bad[0]!r} is not a tone-numbered syllable (like di4)")
            if written in phrases:
                raise ReadingsError(f"{where}: listed twice")
            phrases[written] = syllables
    return Readings(phrases=phrases, longest=max(map(len, phrases), default=0))


@cache
def default_readings() -> Readings:
    return load_readings(READINGS_PATH)


def syllables(speech: str, readings: Readings | None = None) -> list[Syllable]:
    """The syllables of every Chinese character in `speech`, in order, as they should be heard."""
    return [
        s
        for piece in _heard(speech, readings or default_readings())
        if isinstance(piece, list)
        for s in piece
    ]


def to_espeak(speech: str, readings: Readings | None = None) -> str:
    """The exact input for espeak-ng's cmn-latn-pinyin voice: pinyin words and ASCII pauses."""
    pieces: list[str] = []
    for piece in _heard(speech, readings or default_readings()):
        if isinstance(piece, list):
            pieces.append(" ".join(s.pinyin for s in piece))
        elif pieces and pieces[-1][-1] not in ",;:.?!":
            pieces[-1] += PAUSES[piece]
    return " ".join(pieces)


def _heard(speech: str, table: Readings) -> Iterator[list[Syllable] | str]:
    """Runs of characters as heard, and the pause marks between them, in order.

    Readings come per run (pypinyin segments within it); 为 in 以…为 is decided over the whole clause,
    across 、 (以随班就读为主体、特殊教育学校为骨干: both wéi); 一/不 change by their neighbours in the run.
    """
    clause: list[list[Syllable] | str] = []
    for token in re.findall(rf"{_HAN.pattern}|[{''.join(PAUSES)}]", speech):
        if token in PAUSES and token != "、":
            yield from _finish(clause)
            clause = []
            yield token
        else:
            clause.append(token if token in PAUSES else _jin(list(_run_syllables(token, table))))
    yield from _finish(clause)


def _finish(clause: list[list[Syllable] | str]) -> Iterator[list[Syllable] | str]:
    runs = [piece for piece in clause if isinstance(piece, list)]
    changed = iter(_split(_wei([s for run in runs for s in run]), [len(run) for run in runs]))
    for piece in clause:
        yield _tone_changes(next(changed)) if isinstance(piece, list) else piece


def _split(flat: list[Syllable], sizes: list[int]) -> list[list[Syllable]]:
    out, at = [], 0
    for size in sizes:
        out.append(flat[at : at + size])
        at += size
    return out


def _run_syllables(run: str, table: Readings) -> Iterator[Syllable]:
    """A run of characters → syllables: table phrases first (longest match), pypinyin for the rest."""
    start, plain_from = 0, 0
    while start < len(run):
        match = next(
            (
                run[start : start + size]
                for size in range(min(table.longest, len(run) - start), 1, -1)
                if run[start : start + size] in table.phrases
            ),
            None,
        ) or (run[start] if run[start] in table.phrases else None)
        if match is None:
            start += 1
            continue
        yield from _pypinyin(run[plain_from:start])
        for i, (han, spoken) in enumerate(zip(match, table.phrases[match], strict=True)):
            yield Syllable(han, spoken, word_end=i == len(match) - 1, fixed=True)
        start += len(match)
        plain_from = start
    yield from _pypinyin(run[plain_from:])


def _pypinyin(text: str) -> Iterator[Syllable]:
    if not text:
        return
    from pypinyin import Style, lazy_pinyin
    from pypinyin.seg.mmseg import seg

    for word in seg.cut(text):
        spoken = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True, v_to_u=True)
        for i, (han, syllable) in enumerate(zip(word, spoken, strict=True)):
            yield Syllable(han, syllable, word_end=i == len(word) - 1, fixed=False)


def _ends_word(run: list[Syllable], i: int) -> bool:
    return run[i].word_end and i > 0 and not run[i - 1].word_end


def _in_date(before: str, after: str) -> bool:
    """一 in a date: 四月一日, 二〇二二年一月."""
    return (before == "月" and after in "日号") or (before == "年" and after == "月")


def _tone(syllable: Syllable | None) -> str:
    return syllable.pinyin[-1] if syllable is not None else ""


def _wei(run: list[Syllable]) -> list[Syllable]:
    """为 in "以…为…" (以职业教育为重点, 以社区为依托) is wéi, "to take as"; pypinyin reads wèi, "for".
    以 counts only on its own, not inside 可以, 所以, 予以…"""
    out = list(run)
    for i, syllable in enumerate(run):
        if syllable.fixed or syllable.han != "为" or syllable.pinyin != "wei4":
            continue
        for j in range(i - 1, -1, -1):
            if run[j].han == "以" and (j == 0 or run[j - 1].han not in _NOT_ALONE_YI):
                out[i] = Syllable(syllable.han, "wei2", syllable.word_end, syllable.fixed)
                break
    return out


def _jin(run: list[Syllable]) -> list[Syllable]:
    """尽 in 应X尽X (应保尽保, 应兜尽兜: "all who should be covered are") is jìn; pypinyin reads jǐn."""
    out = list(run)
    for i, syllable in enumerate(run):
        if (
            syllable.han == "尽"
            and not syllable.fixed
            and 2 <= i < len(run) - 1
            and run[i - 2].han == "应"
            and run[i - 1].han == run[i + 1].han
        ):
            out[i] = Syllable("尽", "jin4", syllable.word_end, syllable.fixed)
    return out


def _tone_changes(run: list[Syllable]) -> list[Syllable]:
    """一 and 不 as spoken: yí/yì and bú before the next syllable's tone, yī where it stays.

    一 keeps its first tone at the end of a phrase or word (统一, 之一), after 第 (第一), in dates
    (四月一日), and inside a number read digit by digit or after a numeral (二〇二一年, 十一,
    一二三八五); before 十百千万亿 it follows the unit's tone (一百 yìbǎi, 一万 yíwàn).
    """
    out = list(run)
    for i, syllable in enumerate(run):
        if syllable.fixed or syllable.han not in "一不":
            continue
        before = run[i - 1].han if i else ""
        after = run[i + 1] if i + 1 < len(run) else None
        if syllable.han == "不":
            tone = "2" if _tone(after) == "4" else "4"
        elif after is None or before == "第" or _in_date(before, after.han):
            tone = "1"
        elif after.han in _UNITS:  # 一百 yìbǎi, 百分之一百 too
            tone = "2" if _tone(after) == "4" else "4"
        elif (
            before in _NUMERALS or after.han in _DIGITS or (_ends_word(run, i) and after.han not in _MEASURES)
        ):
            tone = "1"  # 十一, 一二三八五, and 一 ending a word (统一管理, but 同一件事 tóng yí jiàn)
        else:
            tone = "2" if _tone(after) in "45" else "4"
        out[i] = Syllable(syllable.han, syllable.pinyin[:-1] + tone, syllable.word_end, syllable.fixed)
    return out
