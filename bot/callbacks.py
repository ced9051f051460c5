"""Inline-button callback data: versioned, small and checked.

Format: "<version>|<action>|<argument>", at most 64 bytes (Telegram's limit). A button
from an older version of planbot, or forged data, decodes to None and gets a polite reply.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64
ACTIONS = frozenset(
    {
        "c",  # show a clause's original text: argument is the clause id
        "s",  # start a screening: argument is its name
        "a",  # answer the current screening question: argument is "<step>.<option id>"
        "r",  # set the region: argument is the region name, "-" to clear
        "v",  # voice: on, off, slow, normal, fast
        "f",  # forget me: yes or no
    }
)


@dataclass(frozen=True, slots=True)
class CallbackData:
    action: str
    arg: str


def encode(action: str, arg: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown callback action {action!r}")
    data = f"{VERSION}|{action}|{arg}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str) -> CallbackData | None:
    """The button's meaning, or None for stale, foreign or garbled data."""
    if not isinstance(data, str) or len(data.encode("utf-8", "ignore")) > MAX_BYTES:
        return None
    version, _, rest = data.partition("|")
    action, sep, arg = rest.partition("|")
    if version != VERSION or not sep or action not in ACTIONS or not arg:
        return None
    return CallbackData(action, arg)
