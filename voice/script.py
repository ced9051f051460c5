"""A spoken reply built from the reply's parts, written for the ear and short enough to listen to.

The conversation core knows what each piece of a reply is — the answer, a citation, a next step, a
screening question and its options — so it hands those over as a Script instead of the rendered
text. Each part is rewritten for the ear by its role (a citation as "朔州市规划，专栏二，第二项", the
options of a question with their numbers), nothing is read twice, and the whole fits a 40-second
cap at the chosen speed: whole parts are kept in order until the next one would not fit; offers
("要听原文，请回复：原文") are always kept, and `Spoken.cut` says whether anything was left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from voice.citation import citation_words
from voice.lexicon import Lexicon, default_lexicon
from voice.numbers import cardinal
from voice.speech import to_speech
from voice.speeds import PACES, Speed, estimate_seconds

CAP_SECONDS = 40.0
#: the duration model is fitted on real audio, not exact: fit to 95% of the cap so the note stays under it
_MARGIN = 0.95
_SENTENCE = re.compile(r"[^。？！]*[。？！]")
_END = "。？！"
_PAUSE_MARKS = "，、；：。？！"


class Role(StrEnum):
    ANSWER = "answer"  # what the person asked for
    CITATION = "citation"  # where it comes from: "朔州市规划，专栏九，第二项" (or a label with digits)
    STEP = "step"  # what to do next
    QUESTION = "question"  # a screening question
    OPTION = "option"  # one option of the question before it; read with its number
    OFFER = "offer"  # "要听原文，请回复：原文": always kept
    NOTE = "note"  # anything else worth hearing (a notice, a glossary line)


@dataclass(frozen=True)
class Part:
    text: str
    role: Role = Role.ANSWER

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))


@dataclass(frozen=True)
class Script:
    """The parts of one reply, in the order they should be heard."""

    parts: tuple[Part, ...]
    if_cut: str = ""  # an offer said only when something did not fit, e.g. "要听原文，请回复：原文"

    def __post_init__(self) -> None:
        parts = tuple(Part(p, Role.ANSWER) if isinstance(p, str) else p for p in self.parts)
        object.__setattr__(self, "parts", parts)


@dataclass(frozen=True)
class Spoken:
    """What will be said: the speech text of each kept part, in order, and whether anything was left out."""

    sentences: tuple[str, ...]
    cut: bool = False
    seconds: float = 0.0  # estimated at the speed it was fitted for
    speed: Speed = Speed.NORMAL
    omitted: tuple[Role, ...] = field(default=())  # roles of the parts left out

    @property
    def text(self) -> str:
        return "".join(self.sentences)


def render(
    content: str | Script, speed: Speed | str = Speed.NORMAL, *, lexicon: Lexicon | None = None
) -> Spoken:
    """The speech for a Script (fitted to the cap) or for plain reply text (all of it, as before)."""
    speed = Speed.parse(speed)
    lex = lexicon or default_lexicon()
    if isinstance(content, str):
        speech = to_speech(content, lex)
        return Spoken((speech,) if speech else (), speed=speed, seconds=estimate_seconds(speech, speed))
    return fit(content, speed, lexicon=lex)


def fit(
    script: Script,
    speed: Speed | str = Speed.NORMAL,
    *,
    cap: float = CAP_SECONDS,
    lexicon: Lexicon | None = None,
) -> Spoken:
    """The script's parts said for the ear, kept in order while they fit `cap` seconds at `speed`."""
    speed = Speed.parse(speed)
    lex = lexicon or default_lexicon()
    units = _units(script.parts, lex)
    budget = cap * _MARGIN
    kept, cut = _keep(units, budget, speed)
    if cut and script.if_cut:
        offer = to_speech(script.if_cut, lex)
        kept, _ = _keep(units, budget - _seconds(offer, speed), speed)
        kept.append((len(units), Role.OFFER, offer))
    sentences = _punctuate([(role, text) for _, role, text in kept], lex)
    indices = {i for i, _, _ in kept}
    return Spoken(
        sentences,
        cut=cut,
        seconds=estimate_seconds("".join(sentences), speed),
        speed=speed,
        omitted=tuple(role for i, (role, _) in enumerate(units) if i not in indices),
    )


def _seconds(speech: str, speed: Speed) -> float:
    """A part's share of a note: its syllables and pauses, without the once-per-note end pause."""
    return max(estimate_seconds(speech, speed) - PACES[speed].note_s, 0.0)


def _keep(
    units: list[tuple[Role, str]], budget: float, speed: Speed
) -> tuple[list[tuple[int, Role, str]], bool]:
    """Whole parts in order while they fit; offers always. A first part longer than the whole budget is
    cut to the sentences that fit, so that a long answer still starts."""
    budget -= PACES[speed].note_s + sum(_seconds(text, speed) for role, text in units if role == Role.OFFER)
    kept: list[tuple[int, Role, str]] = []
    used, cut = 0.0, False
    for i, (role, text) in enumerate(units):
        if role == Role.OFFER:
            kept.append((i, role, text))
            continue
        if cut:
            continue
        seconds = _seconds(text, speed)
        if used + seconds <= budget:
            kept.append((i, role, text))
            used += seconds
            continue
        cut = True
        if all(r == Role.OFFER for _, r, _ in kept) and (head := _head(text, budget - used, speed)):
            kept.append((i, role, head))
            used += _seconds(head, speed)
    return kept, cut


def _head(text: str, budget: float, speed: Speed) -> str:
    """The longest run of whole sentences (or, for one very long sentence, whole clauses) from the start
    of `text` that fits `budget` seconds."""
    for pieces in (_SENTENCE.findall(text) or [text], re.findall(r"[^，；：。？！]*[，；：。？！]?", text)):
        head = ""
        for piece in pieces:
            if not piece or _seconds(head + piece, speed) > budget:
                break
            head += piece
        if head:
            return head.rstrip("，、；：") + ("" if head[-1] in _END else "。")
    return ""


def _units(parts: Iterable[Part], lex: Lexicon) -> list[tuple[Role, str]]:
    """Each part as speech text, by role; sentences already said are not said again."""
    units: list[tuple[Role, str]] = []
    said: set[str] = set()
    option = 0
    for part in parts:
        option = option + 1 if part.role == Role.OPTION else 0
        if part.role == Role.CITATION:
            text = _citation(part.text, lex)
        elif part.role == Role.OPTION:
            label = re.sub(r"^\s*(?:\d{1,2}|[①-⑳])\s*[.、．:：)）]?\s*", "", part.text)
            spoken = to_speech(label, lex).rstrip(_PAUSE_MARKS)
            text = f"{cardinal(str(option))}，{spoken}。" if spoken else ""
        else:
            text = to_speech(part.text, lex)
        if part.role not in (Role.OFFER, Role.OPTION):  # "一，是。" may well come again
            fresh = []
            for sentence in _SENTENCE.findall(text) or [text]:
                if not said.isdisjoint(_keys(sentence)):
                    continue
                fresh.append(sentence)
                said |= _keys(sentence)
            text = "".join(fresh)
        if text.strip(_PAUSE_MARKS):
            units.append((part.role, text))
    return units


def _keys(sentence: str) -> set[str]:
    """What makes a sentence the same as one said before: its words, with or without a short lead-in
    label ("摘要：结论：可能符合。" repeats "结论：可能符合。")."""
    key = sentence.strip(_PAUSE_MARKS)
    label, colon, rest = key.partition("：")
    return {key, rest} if colon and len(label) <= 6 and rest else {key}


def _citation(text: str, lex: Lexicon) -> str:
    labels = "|".join(re.escape(label) for label in lex.citation_labels)
    body = re.sub(rf"^\W*(?:{labels})\s*[:：]\s*", "", text.strip())
    if not re.search(r"[0-9›]", body):  # already in words (knowledge.refs.ClauseRef.spoken): keep them
        return to_speech(body, lex).rstrip(_PAUSE_MARKS)
    words = citation_words(body, lex)
    return (to_speech(words, lex) if words else to_speech(body, lex)).rstrip(_PAUSE_MARKS)


def _punctuate(kept: list[tuple[Role, str]], lex: Lexicon) -> tuple[str, ...]:
    """Sentences for the kept parts: a run of citations is one sentence, "依据：甲；乙。", the rest end
    in a full stop."""
    out: list[str] = []
    for i, (role, text) in enumerate(kept):
        if role != Role.CITATION:
            out.append(text if text[-1] in _END else text.rstrip(_PAUSE_MARKS) + "。")
            continue
        first = i == 0 or kept[i - 1][0] != Role.CITATION
        last = i == len(kept) - 1 or kept[i + 1][0] != Role.CITATION
        out.append((f"{lex.citation_labels[0]}：" if first else "") + text + ("。" if last else "；"))
    return tuple(out)
