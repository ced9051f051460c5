"""Reply text → speech text: the Chinese a listener should hear.

espeak-ng's Mandarin voice reads exactly what it is given. A reply written for the eye holds digits,
%, ≥, brackets of department lists, markdown, links and a long citation path; read aloud these are
noise at best and, for any Latin letter or digit, a switch into English. `to_speech` rewrites the
reply line by line so that only Chinese words and pause punctuation remain.
"""

from __future__ import annotations

import html
import re
import unicodedata

from voice.lexicon import Lexicon, default_lexicon
from voice.numbers import cardinal, speak_numbers

_CN_NUMERAL = "一二三四五六七八九十"
_CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(20)}  # ① … ⑳
_FULL_WIDTH_ASCII = (
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
)
_WIDTH = str.maketrans(
    _FULL_WIDTH_ASCII | {"％": "%", "．": ".", "\u00a0": " ", "\u3000": " ", "–": "—", "﹒": "·", "∶": "："}
)
_HALF_TO_FULL_PUNCTUATION = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"})
_PAUSES = "，、；：。？！"
_OPEN = "（(【[［"
_CLOSE = "）)】]］"
_INNER_BRACKET = re.compile(rf"[{re.escape(_OPEN)}]([^{re.escape(_OPEN + _CLOSE)}]*)[{re.escape(_CLOSE)}]")
_URL = re.compile(
    r"(?:https?://|www\.)[!-~]+"  # links
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]+"  # e-mail addresses
    r"|(?<![\w/])/[a-z_]+\b",  # bot commands such as /help
    re.IGNORECASE,
)
_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|\*\*|__|`+|^#+\s*|^>(?!\s*\d)\s*|~~|\|\|", re.MULTILINE)
_BULLET = re.compile(r"^[•·▪◆◇■□●○►▶✓✔☑\-*+]\s*")
_CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff〇"
_CJK = re.compile(f"[{_CJK_CHARS}]")


def to_speech(reply: str, lexicon: Lexicon | None = None) -> str:
    """The text to synthesise for `reply`: Chinese words and pause punctuation only ("" if nothing)."""
    lex = lexicon or default_lexicon()
    text = unicodedata.normalize("NFC", reply).translate(_WIDTH)
    text = html.unescape(_MARKUP.sub("", text))  # Telegram HTML: tags go, &lt;90 becomes <90
    text = _URL.sub("", text)
    sentences = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        spoken = _citation(line, lex)
        if spoken is None:
            spoken = _line(line, lex)
        if spoken:
            sentences.append(spoken if spoken[-1] in "。？！" else spoken.rstrip(_PAUSES) + "。")
    return "".join(sentences)


def _line(line: str, lex: Lexicon) -> str:
    for written, spoken in lex.replace.items():
        line = line.replace(written, spoken)
    line = _spaces(line)
    line = _list_marker(line)
    line = _brackets(line, lex)
    line = _latin(line, lex)
    line = speak_numbers(line, lex)
    return _punctuation(line)


def _spaces(line: str) -> str:
    """A tab or a space between two words separates fields (a table row, a title broken in two):
    it becomes a pause. Spaces beside digits ("10742.3 万元", "≥ 85") are typesetting and go later."""
    line = re.sub(r"\s*\t\s*", "，", line)
    return re.sub(rf"(?<=[{_CJK_CHARS}{_PAUSES}])\s+(?=[{_CJK_CHARS}])", "，", line)


def _list_marker(line: str) -> str:
    """A leading 1. / （1）/ ① / （一） becomes 一、 — a number and a pause, as a reader would say it."""
    line = _BULLET.sub("", line)
    for circled, number in _CIRCLED.items():
        line = line.replace(circled, f"（{number}）")
    line = re.sub(rf"^[（(]([{_CN_NUMERAL}]+)[）)]\s*", r"\1、", line)
    return re.sub(r"^(\d{1,2})[.、](?!\d)\s*", lambda m: cardinal(m[1]) + "、", line)


def _brackets(line: str, lex: Lexicon) -> str:
    """Drop department lists and editorial notes; keep other asides between pauses.

    Brackets are resolved innermost first, so "（牵头单位：市民政局（市残联））" goes as a whole.
    """

    def _resolve(m: re.Match[str]) -> str:
        inner = m[1].strip()
        if re.fullmatch(rf"\d{{1,2}}|[{_CN_NUMERAL}]{{1,3}}", inner):  # (1) or （一） inside a line
            return (cardinal(inner) if inner.isdigit() else inner) + "、"
        if not inner or _droppable(inner, lex):
            return ""
        return f"，{inner}，"

    previous = None
    while previous != line:
        previous, line = line, _INNER_BRACKET.sub(_resolve, line)
    return line


def _droppable(inner: str, lex: Lexicon) -> bool:
    if any(keyword in inner for keyword in lex.bracket_drop_if_contains):
        return True
    if not _CJK.search(inner) and not re.search(r"\d", inner):  # （APP） （%）
        return True
    if not _CJK.search(inner):  # （2022）-style notes carry no words either
        return False
    parts = [part.strip() for part in re.split(r"[、，,；;]", inner) if part.strip()]
    return all(len(part) <= 14 and part.endswith(lex.department_suffixes) for part in parts)


def _latin(line: str, lex: Lexicon) -> str:
    """Known abbreviations become Chinese words; other Latin runs are dropped, not spelt in English."""
    if lex.latin:
        words = "|".join(re.escape(word) for word in sorted(lex.latin, key=len, reverse=True))
        line = re.sub(
            rf"(?<![A-Za-z0-9])(?:{words})(?![A-Za-z])", lambda m: lex.latin[m[0].upper()], line, flags=re.I
        )
    return re.sub(r"[A-Za-z][A-Za-z0-9_\-']*", "", line)


def _punctuation(line: str) -> str:
    line = re.sub(r"(?<=[人户年月日天周次])/(?=[人户年月日天周次])", "每", line)
    line = re.sub(r"[—―]+|…+|→", "，", line)
    line = line.replace("+", "加").replace("&", "和").replace("/", "、")
    line = line.translate(_HALF_TO_FULL_PUNCTUATION)
    line = "".join(ch for ch in line if _CJK.match(ch) or ch in _PAUSES)
    line = re.sub(rf"[{_PAUSES}]*([。？！])[{_PAUSES}]*", r"\1", line)
    line = re.sub(rf"([，、；：])[{_PAUSES}]+", r"\1", line)
    return line.lstrip(_PAUSES)


def _citation(line: str, lex: Lexicon) -> str | None:
    """The citation line, shortened; None if `line` is not one.

    "依据：朔州市规划 › 三、主要任务 › （一）… › 2." → "依据朔州市规划第三部分第二项。"
    A listener needs the plan and where to look in it, not every heading on the way: the part
    (一、…) and the deepest numbered step below it are kept.
    """
    labels = "|".join(re.escape(label) for label in lex.citation_labels)
    m = re.match(rf"^\W*({labels})\s*[:：]\s*(.+)$", line)
    if m is None:
        return None
    segments = [s.strip() for s in re.split(rf"[{re.escape(lex.citation_separators)}]", m[2]) if s.strip()]
    if not segments:
        return None
    plan = _punctuation(_brackets(_latin(segments[0], lex), lex))
    rest = segments[1:]
    spoken = m[1] + plan.rstrip(_PAUSES)
    part_at = next((i for i, s in enumerate(rest) if re.match(rf"[{_CN_NUMERAL}]+、", s)), None)
    if part_at is not None:
        spoken += lex.citation_part.format(n=re.match(rf"[{_CN_NUMERAL}]+", rest[part_at])[0])
    below = rest[part_at + 1 :] if part_at is not None else rest
    for segment in reversed(below):
        step = _citation_step(segment, lex)
        if step:
            spoken += step
            break
    return spoken + "。"


def _citation_step(segment: str, lex: Lexicon) -> str:
    if m := re.match(r"(\d+)\s*[.、]", segment):
        return lex.citation_item.format(n=cardinal(m[1]))
    if m := re.match(rf"[（(]([{_CN_NUMERAL}]+)[）)]", segment):
        return lex.citation_section.format(n=m[1])
    if m := re.match(r"专栏\s*(\d+)", segment):
        box = lex.citation_box.format(n=cardinal(m[1]))
        item = re.search(r"第\s*(\d+)\s*项", segment)
        return box + (lex.citation_item.format(n=cardinal(item[1])) if item else "")
    if m := re.match(r"(?:主要)?指标\s*(\d+)", segment):
        return lex.citation_indicator.format(n=cardinal(m[1]))
    return ""
