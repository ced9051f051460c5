"""The word lists behind speech text, loaded from voice/data/speech.toml.

Kept as data so that a policy worker can add an abbreviation or a department suffix without
touching code; checked on load so that a typo fails loudly with the file and key named.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).parent / "data" / "speech.toml"

_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]")


class LexiconError(ValueError):
    """The speech lexicon file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Lexicon:
    replace: dict[str, str]
    latin: dict[str, str]  # keys upper-cased
    comparison: dict[str, str]
    liang_before: str
    digit_by_digit_after: tuple[str, ...]
    bracket_drop_if_contains: tuple[str, ...]
    department_suffixes: tuple[str, ...]
    bracket_alternatives: tuple[str, ...]
    commands: dict[str, str]  # "/screen" → 自测命令; "/" is the word for any other command
    citation_labels: tuple[str, ...]
    citation_separators: str
    citation_part: str
    citation_item: str
    citation_section: str
    citation_box: str
    citation_indicator: str


def _table(data: dict, key: str, path: Path) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise LexiconError(f"{path}: [{key}] is missing or not a table")
    return value


def _spoken(value: object, where: str, path: Path) -> str:
    if not isinstance(value, str):
        raise LexiconError(f"{path}: {where} must be a string, not {type(value).__name__}")
    if _LATIN_OR_DIGIT.search(value.replace("{n}", "")):
        raise LexiconError(
            f"{path}: {where} = {value!r} holds Latin letters or digits (espeak reads English)"
        )
    return value


def _strings(value: object, where: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise LexiconError(f"{path}: {where} must be a list of non-empty strings")
    return tuple(value)


def load_lexicon(path: Path = DEFAULT_PATH) -> Lexicon:
    """Read and check a lexicon file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path}: {exc}") from exc
    replace = {k: _spoken(v, f"[replace] {k!r}", path) for k, v in _table(data, "replace", path).items()}
    latin = {k.upper(): _spoken(v, f"[latin] {k!r}", path) for k, v in _table(data, "latin", path).items()}
    comparison = {
        k: _spoken(v, f"[comparison] {k!r}", path) for k, v in _table(data, "comparison", path).items()
    }
    commands = {
        k.lower(): _spoken(v, f"[commands] {k!r}", path) for k, v in _table(data, "commands", path).items()
    }
    if "/" not in commands:
        raise LexiconError(f'{path}: [commands] needs "/", the words for a command it does not list')
    numbers = _table(data, "numbers", path)
    brackets = _table(data, "brackets", path)
    citation = _table(data, "citation", path)
    templates = {}
    for key in ("part", "item", "section", "box", "indicator"):
        template = _spoken(citation.get(key), f"[citation] {key}", path)
        if "{n}" not in template:
            raise LexiconError(f"{path}: [citation] {key} = {template!r} must contain {{n}}")
        templates[key] = template
    separators = citation.get("separators")
    if not isinstance(separators, str) or not separators:
        raise LexiconError(f"{path}: [citation] separators must be a non-empty string")
    return Lexicon(
        replace=replace,
        latin=latin,
        comparison=comparison,
        liang_before=_spoken(numbers.get("liang_before"), "[numbers] liang_before", path),
        digit_by_digit_after=_strings(
            numbers.get("digit_by_digit_after"), "[numbers] digit_by_digit_after", path
        ),
        bracket_drop_if_contains=_strings(
            brackets.get("drop_if_contains"), "[brackets] drop_if_contains", path
        ),
        department_suffixes=_strings(
            brackets.get("department_suffixes"), "[brackets] department_suffixes", path
        ),
        bracket_alternatives=_strings(brackets.get("alternatives"), "[brackets] alternatives", path),
        commands=commands,
        citation_labels=_strings(citation.get("labels"), "[citation] labels", path),
        citation_separators=separators,
        citation_part=templates["part"],
        citation_item=templates["item"],
        citation_section=templates["section"],
        citation_box=templates["box"],
        citation_indicator=templates["indicator"],
    )


@cache
def default_lexicon() -> Lexicon:
    return load_lexicon(DEFAULT_PATH)
