"""Reply text → speech text: the Chinese a listener should hear.

espeak-ng's Mandarin voice reads exactly what it is given. A reply written for the eye holds digits,
%, ≥, brackets of department lists, markdown, links and a long citation path; read aloud these are
noise at best and, for any Latin letter or digit, a switch into English. `to_speech` rewrites the
reply line by line so that only Chinese words and pause punctuation remain, and nothing a listener
needs is lost on the way: a unit written once for a row (适配率（%） >95) stays on its numbers
(高于百分之九十五), a command is said as words (/screen → 自测命令), 征求意见稿 is heard, an
alternative in brackets is read as one (乡镇（街道） → 乡镇或街道), quoted items touching each other
get a pause, and two numbers never run together (专栏9第2项 → 专栏九，第二项). Citations are
voice.citation's.
"""

from __future__ import annotations

import html
import re
import unicodedata

from voice.citation import citation_words
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
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]+",  # e-mail addresses
    re.IGNORECASE,
)
_CLAUSE_LINK = re.compile(r"[（(]\s*/clause\s+[^）)]*[）)]")  # "（/clause shuozhou:box2.2）" after a citation
_COMMAND = re.compile(r"(?<![\w/])/([a-z_]+)(?:\s+([a-z]+)\b)?", re.IGNORECASE)
_QUOTES_TOUCHING = re.compile(r"([”』」\"])\s*([“『「\"])")
_LABEL_PATH = re.compile(r"^[^\s›»>＞]{1,12}规划(?:[（(]征求意见稿[）)])?\s*[›»]")  # 朔州市规划 › 三、…
_PERCENT_UNIT = re.compile(r"\s*[（(]\s*[%％]\s*[）)]")
_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|\*\*|__|`+|^#+\s*|^>(?!\s*\d)\s*|~~|\|\|", re.MULTILINE)
_BULLET = re.compile(r"^[•·▪◆◇■□●○►▶✓✔☑\-*+]\s*")
_CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff〇"
_CJK = re.compile(f"[{_CJK_CHARS}]")


def to_speech(reply: str, lexicon: Lexicon | None = None) -> str:
    """The text to synthesise for `reply`: Chinese words and pause punctuation only ("" if nothing)."""
    lex = lexicon or default_lexicon()
    text = unicodedata.normalize("NFC", reply).translate(_WIDTH)
    text = html.unescape(_MARKUP.sub("", text))  # Telegram HTML: tags go, &lt;90 becomes <90
    text = _URL.sub("", _CLAUSE_LINK.sub("", text))
    text = _COMMAND.sub(lambda m: _command(m, lex), text)
    sentences = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        spoken = _citation(line, lex)
        if spoken is None:
            spoken = _line(line, lex)
        if spoken:
            # "依据：" on a line of its own leads into the citations on the lines below it
            sentences.append(spoken if spoken[-1] in "。？！：" else spoken.rstrip(_PAUSES) + "。")
    return "".join(sentences).rstrip("：")


def _command(m: re.Match[str], lex: Lexicon) -> str:
    """/screen → 自测命令: a command is said, never dropped (a listener must know it exists)."""
    name, argument = m[1].lower(), (m[2] or "").lower()
    if argument and f"/{name} {argument}" in lex.commands:
        return f"，{lex.commands[f'/{name} {argument}']}，"
    spoken = lex.commands.get(f"/{name}", lex.commands["/"])
    return f"，{spoken}，" + (m[0][len(m[1]) + 1 :] if argument else "")


def _line(line: str, lex: Lexicon) -> str:
    for written, spoken in lex.replace.items():
        line = line.replace(written, spoken)
    line = _QUOTES_TOUCHING.sub(r"\1、\2", line)  # “跨省通办”“一网通办”: two items, a pause between
    line = _percent_unit(line)
    line = _spaces(line)
    line = _list_marker(line)
    line = _brackets(line, lex)
    line = _latin(line, lex)
    line = speak_numbers(line, lex)
    return _punctuation(line)


def _percent_unit(line: str) -> str:
    """An indicator named with its unit, "适配率（%）	>85	>95", keeps the unit on its numbers:
    高于百分之八十五. Numbers after the （%） that carry no unit of their own (not a year, not 第N)
    become percentages."""
    m = _PERCENT_UNIT.search(line)
    if m is None:
        return line
    head, tail = line[: m.start()], line[m.end() :]
    tail = re.sub(
        r"(?<![\d.第])(\d+(?:\.\d+)?)(?![\d.]|\s*[%％年月日号个项条人户元万亿岁周])",
        r"\1%",
        tail,
    )
    return head + tail


def _spaces(line: str) -> str:
    """A tab or a space between two words separates fields (a table row, a title broken in two):
    it becomes a pause. Spaces beside digits ("10742.3 万元", "≥ 85") are typesetting and go later."""
    line = re.sub(r"\s*\t\s*", "，", line)
    # two numbers apart only by a space ("专栏2 1") must not run together into one (专栏二一)
    line = re.sub(rf"(?<=[\d{_CN_NUMERAL}])\s+(?=[\d{_CN_NUMERAL}])", "，", line)
    line = re.sub(rf"(专栏\s*\d+)\s*(?=第|[{_CN_NUMERAL}\d])", r"\1，", line)  # 专栏9第2项: 专栏九，第二项
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
        if inner in lex.bracket_alternatives and _CJK.match(m.string[m.start() - 1 : m.start()] or " "):
            return f"或{inner}"  # 乡镇（街道） → 乡镇或街道
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
    """A citation line, "依据：<label>；<label>", as words; None if `line` is not one.

    Each label is spoken on its own (voice.citation): "依据：朔州市规划，专栏二，第二项；张掖市规划，
    第三部分，第一条，第七项。" A line that is only a label path ("朔州市规划 › 三、…") is one too.
    """
    labels = "|".join(re.escape(label) for label in lex.citation_labels)
    m = re.match(rf"^\W*({labels})\s*[:：]\s*(.*)$", line)
    if m is None:
        if not _LABEL_PATH.match(line):
            return None
        label, body = "", line
    else:
        label, body = m[1], m[2]
    spoken = [citation_words(piece, lex) for piece in re.split(r"[；;]", body) if piece.strip()]
    spoken = [piece for piece in spoken if piece]
    if not spoken:
        return f"{label}：" if label else ""
    return (f"{label}：" if label else "") + "；".join(spoken) + "。"
