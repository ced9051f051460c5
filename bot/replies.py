"""What goes into the conversation core and what comes out: plain values, no Telegram, no terminal.

Adapters (handlers/ for Telegram, planbot.console for the terminal, `planbot ask` for scripts) turn
what a person did into an `Incoming` and render the `Outgoing` the core returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.answer import Answer


class Chat(StrEnum):
    """Where a message came from. Personal things (screenings, settings, /privacy) live only in PRIVATE."""

    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Button:
    """A choice under a reply: `data` is versioned callback data (bot.callbacks); a button with
    `link` instead opens the private chat with the bot at that start payload (a Telegram deep link)."""

    label: str
    data: str = ""
    link: str = ""


Buttons = tuple[tuple[Button, ...], ...]

#: What a voice note says, part by part: (role, text) with the roles of voice.script.Role
#: ("answer", "citation", "step", "question", "option", "offer", "note").
Speech = tuple[tuple[str, str], ...]


#: The longest caption a photo may carry (Telegram's limit); longer words go in a reply of their own.
MAX_CAPTION = 1024


@dataclass(frozen=True, slots=True)
class Reply:
    """One message. With an `image` (PNG) it is a picture: adapters that can show pictures send the
    image with `image_caption`, the same in words for screen readers (at most MAX_CAPTION characters);
    `text` is what a terminal prints instead (a table), alongside where it saved the image."""

    text: str
    buttons: Buttons = ()
    image: bytes | None = field(default=None, repr=False)
    image_caption: str = ""


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person sent: text, a command, a button press, or something that is not text."""

    user: str  # the hashed user key (bot.privacy.user_key)
    text: str = ""
    command: str | None = None
    args: str = ""
    callback: str | None = None
    media: str | None = None  # "voice", "photo", "sticker", "document", "location", …
    is_admin: bool = False
    chat: Chat = Chat.PRIVATE
    region: str | None = None  # the asker's region when a script says it (`planbot ask --region`)


@dataclass(slots=True)
class Outgoing:
    """The core's replies to one Incoming, and what an adapter needs to deliver them."""

    replies: list[Reply] = field(default_factory=list)
    speech: Speech = ()  # what a voice note says; () for no voice note
    speed: str = "normal"  # slow, normal or fast
    answered: bool = True  # False when the plans did not answer a question
    answer: Answer | None = None  # the answer, when the input was a question or a reference
    personal: bool = False  # the replies hold a person's own answers: never cache their audio
    keep_buttons: bool = False  # a button press that leaves the pressed message's buttons in place

    offered: list[tuple[str, str]] = field(default_factory=list)  # a choice a typed answer may pick

    def add(self, text: str, buttons: Buttons = ()) -> None:
        self.replies.append(Reply(text, buttons))

    def offer(self, text: str, buttons: Buttons) -> None:
        """Add a reply whose buttons are a choice: a typed label, number or everyday word picks one too."""
        self.add(text, buttons)
        self.offered = [(b.label, b.data) for row in buttons for b in row if b.data]

    def add_image(self, png: bytes, caption: str, text: str, buttons: Buttons = ()) -> None:
        """A picture: `caption` says it in words (cut to MAX_CAPTION by the caller), `text` for terminals."""
        if len(caption) > MAX_CAPTION:
            raise ValueError(f"a caption is at most {MAX_CAPTION} characters, not {len(caption)}")
        self.replies.append(Reply(text, buttons, png, caption))

    def say(self, *parts: tuple[str, str]) -> None:
        """Add parts to what the voice note says (when the person has voice replies on)."""
        self.speech += tuple((role, text) for role, text in parts if text)

    @property
    def text(self) -> str:
        """Every reply's text, as one block (what a script or a test compares)."""
        return "\n\n".join(r.text for r in self.replies)
