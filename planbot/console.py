"""The offline console chat: the conversation core on standard input and output.

Buttons are shown as numbered choices; typing the number presses the button. While a screening
question waits for an answer, the question lists its own options by number and typed digits go to
the core as text instead: "3" at an age question is three years old, not the third button, and
the same typing works in Telegram. Works both interactively and with piped input (one message
per line).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console

from bot.callbacks import Action, decode
from bot.core import Conversation, parse_command
from bot.replies import Buttons, Incoming, Outgoing
from bot.services import Services

CONSOLE_USER = "console"
SCREENING_HINT = "（也可以说：返回上一步、重新开始、退出）\n"


def run_console(
    services: Services,
    *,
    voice_dir: Path | None = None,
    first_command: str | None = None,
    charts_dir: Path | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    stdin = stdin or sys.stdin
    charts_dir = charts_dir or services.settings.data_dir / "charts"
    console = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=True)
    conversation = Conversation(services)
    interactive = stdin.isatty()
    user = conversation.user_key("console", CONSOLE_USER)
    last_buttons: list[str] = []
    spoken = 0
    if voice_dir is not None:
        voice_dir.mkdir(parents=True, exist_ok=True)

    def show(outgoing: Outgoing) -> None:
        nonlocal last_buttons, spoken
        last_buttons = []
        answering = conversation.answering(user)
        for reply in outgoing.replies:
            console.print(reply.text)
            if reply.image is not None:
                console.print(f"（图已保存：{save_image(reply.image, charts_dir)}）")
            if answering and _answers(reply.buttons):  # the question lists its options itself
                last_buttons = []
                console.print(SCREENING_HINT)
                continue
            labels = [button.label for row in reply.buttons for button in row]
            listed = all(f"{i}. {label}" in reply.text for i, label in enumerate(labels, 1))
            for row in reply.buttons:
                for button in row:
                    last_buttons.append(button.data)
                    if not listed:  # a choice whose text numbers its options is not listed twice
                        console.print(f"  {len(last_buttons)}. {button.label}")
            console.print()
        if voice_dir is not None and outgoing.speech:
            spoken += 1
            path = voice_dir / f"reply-{spoken:03d}.ogg"
            note = conversation.voice_note(outgoing)
            if note is not None:
                path.write_bytes(note.ogg)
                console.print(f"（语音已保存：{path}，{note.duration:.1f} 秒）\n")
            else:
                console.print("（抱歉，这次没能生成语音，请看文字回复。）\n")

    command, args = parse_command(first_command or "/start")
    show(conversation.handle(Incoming(user=user, command=command, args=args)))
    while True:
        if interactive:
            console.print("> ", end="")
        line = _read_line(stdin)
        if not line:
            break
        text = line.rstrip("\r\n")
        if text.strip() in {"/quit", "/exit", "exit", "quit"}:
            break
        stripped = text.strip()
        pressing = last_buttons and not conversation.answering(user)  # a screening reads numbers
        if stripped.isdigit() and pressing and 1 <= int(stripped) <= len(last_buttons):
            incoming = Incoming(user=user, callback=last_buttons[int(stripped) - 1])
        elif stripped.startswith("/"):
            command, args = parse_command(stripped)
            incoming = Incoming(user=user, command=command, args=args)
        else:
            incoming = Incoming(user=user, text=text)
        show(conversation.handle(incoming))


def save_image(png: bytes, directory: Path) -> Path:
    """Write a chart as the next free chart-NNN.png in `directory`; the path written."""
    directory.mkdir(parents=True, exist_ok=True)
    taken = {p.name for p in directory.glob("chart-*.png")}
    number = next(n for n in range(1, len(taken) + 2) if f"chart-{n:03d}.png" not in taken)
    path = directory / f"chart-{number:03d}.png"
    path.write_bytes(png)
    return path


def _answers(buttons: Buttons) -> bool:
    """Whether these are a screening question's buttons (its options and controls)."""
    data = [decode(b.data) for row in buttons for b in row if b.data]
    return any(d is not None and d.action is Action.ANSWER for d in data)


def _read_line(stream: TextIO) -> str:
    """One line, with bytes that are not UTF-8 dropped rather than carried as surrogates."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return buffer.readline().decode("utf-8", errors="ignore")
    return stream.readline()
