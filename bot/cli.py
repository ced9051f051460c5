"""The `planbot` command: ask, search, chat, ingest and the rest, for people and for scripts.

The JSON printed by `ask --json` and `search --json` is a contract with scripts: extend it,
never change or remove a field.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.services import Services
from bot.settings import Settings
from knowledge.answer import ask_payload, search_payload
from knowledge.compose import compose
from knowledge.search import SearchOutcome

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="planbot: 十四五残疾人保障和发展规划问答助手"
)
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _services() -> Services:
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the bot token
    return Services.open(settings)


def _stdin_lines() -> Iterator[str]:
    """Lines of standard input; undecodable bytes are dropped rather than fatal."""
    stream = sys.stdin.buffer
    for raw in stream:
        yield raw.decode("utf-8", errors="ignore").rstrip("\r\n")


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="the question; omit to read one per line from stdin")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object per question")] = False,
    region: Annotated[
        str | None, typer.Option(help="the asker's region, if the question does not name one")
    ] = None,
) -> None:
    """Answer a question from the plans, citing the clauses it rests on."""
    services = _services()
    questions = [question] if question is not None else _stdin_lines()
    for text in questions:
        outcome = services.searcher.search(text, k=5, region=region)
        payload = ask_payload(outcome, compose(outcome))
        if as_json:
            _print_json(payload)
        else:
            console.print(payload["reply"])
            console.print()


@app.command()
def search(
    query: Annotated[list[str], typer.Argument(help="words to look for")],
    region: Annotated[
        str | None, typer.Option(help="only this region's plans (and the plans above it)")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="how many clauses")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the clauses that best match some words."""
    services = _services()
    outcome: SearchOutcome = services.searcher.search(
        " ".join(query), k=k, region=region, only_region=bool(region)
    )
    payload = search_payload(outcome)
    if as_json:
        _print_json(payload)
        return
    for rank, item in enumerate(payload["results"], 1):
        console.print(
            f"{rank}. [{item['id']}] {item['region']} {item['path']} {item['number']}  ({item['score']:.2f})"
        )
        console.print(f"   {item['text'][:160]}")


@app.command("ingest")
def ingest_command(
    directory: Annotated[Path | None, typer.Argument(help="a folder of plan files with a plans.toml")] = None,
    report: Annotated[
        bool, typer.Option("--report", help="print per-plan counts and suspicious clauses")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="parse and store every plan again")] = False,
) -> None:
    """Load plans into the database and rebuild the index (the shipped plans by default)."""
    from bot.ingest_cli import run_ingest

    run_ingest(Settings(), directory, report=report, force=force, console=console)


@app.command()
def chat(
    voice: Annotated[
        Path | None, typer.Option("--voice", help="save each reply as a voice note in this folder")
    ] = None,
) -> None:
    """Talk to planbot in the terminal (interactive or piped), no Telegram needed."""
    from bot.console import run_console

    run_console(_services(), voice_dir=voice)


def main() -> None:  # pragma: no cover - console-script entry point
    app()
