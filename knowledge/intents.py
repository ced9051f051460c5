"""What a message is and what a question asks for, read from knowledge/data/intents.toml.

Two readings decide how planbot replies. The *kind* of message: a greeting, thanks, distress, a
person's own case, medical advice, a law's article, a product, the weather, an office's address…
— none of them is answered from the plans, each gets its own short, kind reply. And the *asks* of
a question: an amount, a count or target, an age, a duration, who leads, where to apply, what a
term means — the answer must state that kind of fact, or say plainly that the plans do not.
Both are patterns in a data file a policy worker can grow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from knowledge.datafile import DataError, read_toml

#: A "whole" kind (a greeting, thanks) counts only in a message about this short.
WHOLE_MAX_CHARS = 16


@dataclass(frozen=True, slots=True)
class MessageKind:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    reply: str
    whole: bool  # only when the message is essentially this (short); else a question may carry it

    def matches(self, text: str) -> bool:
        if self.whole and len(text) > WHOLE_MAX_CHARS:
            return False
        return any(p.search(text) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class Ask:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    stated: re.Pattern[str]  # how a sentence that answers it looks
    missing: str  # what to say when no sentence of the plans states it ("" when none is needed)

    def asked_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def wording(self, text: str) -> str:
        """The words of `text` that ask it ("收不收费"), which say nothing of what it is about."""
        return "".join(m.group(0) for p in self.patterns for m in p.finditer(text))


@dataclass(frozen=True, slots=True)
class Intents:
    kinds: tuple[MessageKind, ...]  # in file order: the first that matches wins
    asks: tuple[Ask, ...]

    def kind_of(self, text: str) -> MessageKind | None:
        """The kind of a non-question message (text normalised as for search), or None for a question."""
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "S").strip()  # emoji, symbols
        return next((k for k in self.kinds if k.matches(text)), None)

    def ask(self, name: str) -> Ask:
        return next(a for a in self.asks if a.name == name)

    def asked(self, text: str) -> tuple[Ask, ...]:
        return tuple(a for a in self.asks if a.asked_in(text))

    @classmethod
    def read(cls, path: Path) -> Intents:
        raw = read_toml(path, DataError, path.name)
        unknown = set(raw) - {"kinds", "asks"}
        if unknown:
            raise DataError(
                f"{path.name}: unknown table(s) {sorted(unknown)}; expected [kinds.*] and [asks.*]"
            )
        kinds = tuple(_kind(path, name, table) for name, table in _tables(path, raw, "kinds").items())
        asks = tuple(_ask(path, name, table) for name, table in _tables(path, raw, "asks").items())
        return cls(kinds, asks)


def _tables(path: Path, raw: dict, key: str) -> dict[str, dict]:
    tables = raw.get(key)
    if not isinstance(tables, dict) or not tables or not all(isinstance(t, dict) for t in tables.values()):
        raise DataError(f"{path.name}: field '{key}': must hold one table per name, e.g. [{key}.greeting]")
    return tables


def _compile(path: Path, where: str, pattern: object) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise DataError(f"{path.name}: field '{where}': must be a non-empty regular expression")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise DataError(f"{path.name}: field '{where}': not a valid regular expression ({exc})") from exc


def _patterns(path: Path, where: str, table: dict) -> tuple[re.Pattern[str], ...]:
    value = table.get("patterns")
    if not isinstance(value, list) or not value:
        raise DataError(f"{path.name}: field '{where}.patterns': must be a non-empty list")
    return tuple(_compile(path, f"{where}.patterns", p) for p in value)


def _check_fields(path: Path, where: str, table: dict, known: set[str]) -> None:
    unknown = set(table) - known
    if unknown:
        raise DataError(f"{path.name}: field '{where}.{sorted(unknown)[0]}': unknown; known: {sorted(known)}")


def _kind(path: Path, name: str, table: dict) -> MessageKind:
    where = f"kinds.{name}"
    _check_fields(path, where, table, {"patterns", "reply", "whole"})
    reply = table.get("reply")
    if not isinstance(reply, str) or not reply.strip():
        raise DataError(f"{path.name}: field '{where}.reply': must be a non-empty sentence")
    whole = table.get("whole", False)
    if not isinstance(whole, bool):
        raise DataError(f"{path.name}: field '{where}.whole': must be true or false")
    return MessageKind(name, _patterns(path, where, table), reply.strip(), whole)


def _ask(path: Path, name: str, table: dict) -> Ask:
    where = f"asks.{name}"
    _check_fields(path, where, table, {"patterns", "stated", "missing"})
    missing = table.get("missing", "")
    if not isinstance(missing, str):
        raise DataError(f"{path.name}: field '{where}.missing': must be a sentence (or empty)")
    return Ask(
        name, _patterns(path, where, table), _compile(path, f"{where}.stated", table.get("stated")), missing
    )
