"""Readings to check by hand: where planbot's pinyin differs from pypinyin read word by word on jieba's
word boundaries, over the five plans and every guide, screening and glossary text.

`python -m bench.pronunciation_audit` prints one line per reading (count, character, planbot's
reading, jieba-based reading, context). Most lines are planbot being right (张掖, 以…为, 一/不 are
left out); the rest are words pypinyin cuts across a boundary (残疾人参加 read as 人参) and belong
in voice/data/readings.toml. Run it after adding a plan.
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

from voice.pinyin import syllables
from voice.speech import to_speech

DATA = Path(__file__).resolve().parents[1] / "knowledge" / "data"
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff〇]+")
QUOTED = re.compile(r'"([^"\n]*[\u4e00-\u9fff][^"\n]*)"')
SKIP = set("一不")  # tone changes: planbot's by design


def texts() -> list[str]:
    out = [
        line
        for p in sorted((DATA / "plans").glob("*.txt"))
        for line in p.read_text(encoding="utf-8").splitlines()
    ]
    for path in [
        *sorted(DATA.glob("guides/*.toml")),
        *sorted(DATA.glob("screenings/*.toml")),
        DATA / "glossary.toml",
    ]:
        out += QUOTED.findall(path.read_text(encoding="utf-8"))
    return out


def audit() -> list[tuple[int, str, str, str, str]]:
    import jieba
    from pypinyin import Style, lazy_pinyin

    jieba.setLogLevel(60)
    found: collections.Counter[tuple[str, str, str, str]] = collections.Counter()
    for text in texts():
        for run in HAN_RUN.findall(to_speech(text)):
            ours = [s.pinyin for s in syllables(run)]
            theirs = lazy_pinyin(
                list(jieba.cut(run)), style=Style.TONE3, neutral_tone_with_five=True, v_to_u=True
            )
            for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
                if a != b and run[i] not in SKIP:
                    found[(run[i], a, b, run[max(0, i - 3) : i + 4])] += 1
    return sorted(((n, *key) for key, n in found.items()), key=lambda row: (row[1], -row[0]))


if __name__ == "__main__":
    for count, char, ours, theirs, context in audit():
        print(f"{count:3d} {char} planbot {ours:7s} jieba {theirs:7s} {context}")
