"""Inline-button callback data: versioned, small and checked.

Format: "<version>|<action>|<argument>", at most 64 bytes (Telegram's limit). A button
from an older version of planbot, or forged data, decodes to None and gets a polite reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

VERSION = "1"
MAX_BYTES = 64


class Action(StrEnum):
    """What a button does. The values are the wire codes, kept short for the 64-byte limit."""

    CLAUSE = "c"  # show a clause's original text: argument is the clause id
    SCREEN = "s"  # start a screening: argument is its name
    ANSWER = "a"  # answer the current screening question: "<screening>.<step>.<option id>"
    REGION = "r"  # set the region: argument is the region name, "-" to clear
    VOICE = "v"  # voice: on, off, slow, normal, fast
    FORGET = "f"  # forget me: yes or no


ACTIONS = frozenset(Action)


@dataclass(frozen=True, slots=True)
class CallbackData:
    action: Action
    arg: str


def encode(action: Action, arg: str) -> str:
    action = Action(action)  # raises ValueError for an unknown code
    data = f"{VERSION}|{action.value}|{arg}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str) -> CallbackData | None:
    """The button's meaning, or None for stale, foreign or garbled data."""
    if not isinstance(data, str) or len(data.encode("utf-8", "ignore")) > MAX_BYTES:
        return None
    version, _, rest = data.partition("|")
    code, sep, arg = rest.partition("|")
    if version != VERSION or not sep or code not in ACTIONS or not arg:
        return None
    return CallbackData(Action(code), arg)
