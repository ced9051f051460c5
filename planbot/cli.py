"""The `planbot` command: ask, search, chat, ingest and the rest, for people and for scripts.

The JSON printed by `ask --json` and `search --json` is a contract with scripts: extend it,
never change or remove a field.

Only typer and rich are imported here: each command imports what it uses, so `planbot --help`
loads no numpy, SQL, jieba or voice code, and `planbot search` no SQL (a test checks both).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer
from rich.console import Console

if TYPE_CHECKING:
    from bot.core import Conversation
    from bot.replies import Incoming
    from bot.services import Services
    from knowledge.library import Library
    from knowledge.regions import Region
    from knowledge.screening import Evaluation

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="planbot: 十四五残疾人保障和发展规划问答助手"
)
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _quiet_libraries() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the bot token
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _services(library: Library | None = None) -> Services:
    """The services, opened as every command opens them (`library` when the command loaded it already)."""
    from bot.errors import StorageUnavailable
    from bot.services import Services
    from bot.settings import Settings

    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    _quiet_libraries()
    try:
        return Services.open(settings, library=library)
    except StorageUnavailable as error:  # only when there is no index yet: it is built from the database
        _storage_down(error, NO_INDEX)


#: Said when the index must be built and the database cannot be reached (it is built from the database).
NO_INDEX = "还没有建好的索引，而建索引需要数据库"


def _storage_down(error: Exception, why: str = "这个命令需要数据库") -> NoReturn:
    """One line, no traceback: the database cannot be reached (error says why) and this needs it."""
    err.print(f"{why}，但数据库现在连不上：{error}")
    raise typer.Exit(1)


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
    """Answer a question from the plans, citing the clauses it rests on.

    Each question is asked as a person new to planbot would ask it, through the same conversation
    core as the console and Telegram, so the reply text is the same; nothing is stored."""
    from bot.core import Conversation
    from knowledge.payloads import ask_payload

    conversation = Conversation(_services(), log_unanswered=False)
    questions = [question] if question is not None else _stdin_lines()
    for text in questions:
        outgoing = conversation.handle(_incoming(conversation, text, region))
        if as_json:
            _print_json(ask_payload(outgoing.answer, outgoing.text))
        else:
            console.print(outgoing.text)
            console.print()


def _incoming(conversation: Conversation, text: str, region: str | None) -> Incoming:
    """One line as a new person's message: a command when it starts with '/', else text."""
    from bot.core import parse_command
    from bot.replies import Incoming

    user = conversation.user_key("cli", secrets.token_hex(8))
    if text.strip().startswith("/"):
        command, args = parse_command(text)
        return Incoming(user=user, command=command, args=args, region=region)
    return Incoming(user=user, text=text, region=region)


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
    from knowledge.payloads import search_payload

    services = _services()
    outcome = services.searcher.search(" ".join(query), k=k, region=region, only_region=bool(region))
    payload = search_payload(outcome)
    if as_json:
        _print_json(payload)
        return
    for rank, item in enumerate(cast(list[dict[str, Any]], payload["results"]), 1):
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
    from bot.settings import Settings
    from planbot.ingest import run_ingest

    run_ingest(Settings(), directory, report=report, force=force, console=console)


@app.command()
def chat(
    voice: Annotated[
        Path | None, typer.Option("--voice", help="save each reply as a voice note in this folder")
    ] = None,
) -> None:
    """Talk to planbot in the terminal (interactive or piped), no Telegram needed."""
    from planbot.console import run_console

    run_console(_services(), voice_dir=voice)


@app.command()
def clause(
    clause_id: Annotated[str, typer.Argument(help="e.g. shuozhou:box9.2, or “朔州 专栏9 第2项”")],
) -> None:
    """Print a clause's original text by id or by reference (what /clause shows)."""
    from bot.core import Conversation

    conversation = Conversation(_services(), log_unanswered=False)
    outgoing = conversation.handle(_incoming(conversation, f"/clause {clause_id}", None))
    if not outgoing.answered:
        err.print(outgoing.text)
        raise typer.Exit(1)
    console.print(outgoing.text)


@app.command()
def screen(
    name: Annotated[str | None, typer.Argument(help="a screening's name; see --list")] = None,
    list_all: Annotated[bool, typer.Option("--list", help="list the screenings")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="evaluate the --fact values (or print --table) as JSON")
    ] = False,
    fact: Annotated[
        list[str] | None,
        typer.Option("--fact", help="NAME=VALUE, e.g. disability_grade=3 or region=应县 (any place)"),
    ] = None,
    table: Annotated[
        bool,
        typer.Option(
            "--table", help="for each region and criterion: the outcome of every answer and its clauses"
        ),
    ] = False,
) -> None:
    """Run an eligibility screening in the terminal, evaluate one from facts (--json), or print its
    rules as a table to check against the plans (--table)."""
    from knowledge import screening as engine
    from knowledge.facts import OTHER_PLACE
    from knowledge.library import Library
    from knowledge.tokenize import default_cache_dir

    library = Library.load(cache_dir=default_cache_dir())  # its place-name spellings kept between runs
    if list_all:
        screenings = engine.list_screenings(library)
        if as_json:
            _print_json(screenings)
        else:
            for item in screenings:
                console.print(f"{item['name']}: {item['title']}")
        return
    if name is None or name not in library.screenings:
        wanted = f"没有这个自测：{name}。" if name else "请写出自测的名字。"
        err.print(f"{wanted}可用的有：{', '.join(sorted(library.screenings))}")
        raise typer.Exit(2)
    if table:
        from knowledge import screening_table
        from knowledge.parse import clause_index, parse_all

        clauses = clause_index(parse_all())  # cites grouped box items as the plans print them
        if as_json:
            _print_json(screening_table.as_json(library, name, clauses))
        else:
            console.print(screening_table.render(library, name, clauses), markup=False)
        return
    if as_json:
        facts: dict[str, Any] = {}
        for given in fact or []:
            key, sep, value = given.partition("=")
            if not sep:
                err.print(f"--fact 需要 NAME=VALUE 的形式：{given}")
                raise typer.Exit(2)
            try:
                facts[key.strip()] = engine.parse_fact(library, key.strip(), value.strip())
            except ValueError as error:
                err.print(str(error))
                raise typer.Exit(2) from error
        services = _services(library)
        place = facts.pop("region", None)
        evaluation = engine.evaluate(
            library,
            name,
            facts,
            services.clauses_by_id,
            region=library.region(place) if place and place != OTHER_PLACE else None,
            uncovered=place == OTHER_PLACE,
        )
        _print_json(_screen_payload(library, evaluation, place))
        return
    from planbot.console import run_console

    run_console(_services(library), first_command=f"/screen {name}")


def _screen_payload(library: Library, evaluation: Evaluation, place: str | None) -> dict:
    """`screen --json`: {"outcome", "missing", "reasons", "sources"} (the contract), and since the
    regions rework also "region" (the place and the plans that apply) and "criteria" (each criterion's
    status, basis, kind of wording and clause ids)."""
    region = library.region(place) if place else None
    criteria = evaluation.result.criteria if evaluation.result is not None else ()
    return {
        "outcome": evaluation.outcome,
        "missing": evaluation.missing,
        "reasons": evaluation.reasons,
        "sources": [
            {k: s[k] for k in ("region", "path", "number", "text") if k in s} | {"id": s.get("ref")}
            for s in evaluation.sources
        ],
        "region": None
        if place is None
        else {
            "name": region.name if region else place,
            "chain": list(region.chain) if region else [],
            "plans": list(region.plans) if region else [],
        },
        "criteria": [
            {
                "id": c.id,
                "label": c.label,
                "status": c.status,
                "basis": c.basis,
                "kind": c.kind,
                "reason": c.reason,
                "refs": list(c.refs),
            }
            for c in criteria
        ],
    }


@app.command()
def say(
    text: Annotated[str, typer.Argument(help="what to say")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="where to write the OGG/Opus voice note")
    ] = Path("reply.ogg"),
    speed: Annotated[str, typer.Option(help="slow, normal (4.5 characters a second) or fast")] = "normal",
    rate: Annotated[int | None, typer.Option(help="espeak-ng words per minute, instead of --speed")] = None,
    show: Annotated[
        bool, typer.Option("--show", help="print the speech text and the exact espeak-ng input; no audio")
    ] = False,
) -> None:
    """Write a voice note (OGG/Opus, 48 kHz mono) of a reply text."""
    from bot.settings import Settings
    from voice.errors import VoiceUnavailable
    from voice.say import say as say_note  # checks the cache before the speech engine loads
    from voice.say import show as show_speech
    from voice.speeds import Speed

    try:
        Speed.parse(speed)
    except ValueError:
        err.print(f"没有这个语速：{speed}。可以用 slow、normal 或 fast。")
        raise typer.Exit(2) from None
    if show:
        for line in show_speech(text, speed):
            sys.stdout.write(line + "\n")
        return
    settings = Settings()
    try:
        note = say_note(
            text,
            data_dir=settings.data_dir,
            cache_dir=settings.voice_cache_dir,
            max_cache_bytes=settings.voice_cache_mb * 1_000_000,
            speed=speed,
            rate=rate,
        )
    except (VoiceUnavailable, ValueError) as error:
        err.print(f"无法生成语音：{error}")
        raise typer.Exit(1) from error
    output.write_bytes(note.ogg)
    console.print(f"{output}: {note.duration:.1f} 秒")


REGION_HELP = "only this region's plans (and the plans above it)"


@app.command()
def indicators(
    topic: Annotated[str, typer.Argument(help="an indicator or a theme (康复, 无障碍); omit for all")] = "",
    region: Annotated[str | None, typer.Option(help=REGION_HELP)] = None,
    png: Annotated[Path | None, typer.Option("--png", help="write the chart to this PNG file")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="write the rows to this CSV file")] = None,
) -> None:
    """The plans' main indicators side by side: a text table, and a chart (--png) or CSV (--csv)."""
    from knowledge.indicator_table import text_table
    from knowledge.lookup import Lookup

    services = _services()
    place = _region_option(services, region)
    selection = Lookup(services.searcher).indicators(topic, place)
    if not selection.lines:
        err.print(f"主要指标表里没有找到“{topic}”。")
        raise typer.Exit(1)
    sys.stdout.write(text_table(selection) + "\n")
    if png is not None:
        from knowledge.charts import ChartUnavailable, render_png

        try:
            png.write_bytes(render_png(selection))
        except ChartUnavailable as error:
            err.print(str(error))
            raise typer.Exit(1) from error
        err.print(f"图已保存：{png}")
    if csv_file is not None:
        from knowledge.export import ENCODING, write_indicators_csv

        with csv_file.open("w", encoding=ENCODING, newline="") as stream:
            rows = write_indicators_csv(selection, stream)
        err.print(f"已写入 {rows} 行：{csv_file}")


@app.command()
def export(
    csv_file: Annotated[Path, typer.Option("--csv", help="the CSV file to write (UTF-8 with BOM)")],
    region: Annotated[str | None, typer.Option(help=REGION_HELP)] = None,
) -> None:
    """Every clause as a spreadsheet: id, plan, region, section, number, title, kind, text,
    departments and indicator values."""
    from knowledge.export import ENCODING, write_clauses_csv
    from knowledge.indicator_table import in_plan_order

    services = _services()
    place = _region_option(services, region)
    clauses = in_plan_order(services.searcher.clauses, list(services.library.catalog))
    if place is not None:
        clauses = [c for c in clauses if c.doc_id in place.plans]
    with csv_file.open("w", encoding=ENCODING, newline="") as stream:
        rows = write_clauses_csv(clauses, stream)
    err.print(f"已写入 {rows} 条条款：{csv_file}")


def _region_option(services: Services, name: str | None) -> Region | None:
    """The region a --region option names; exits with a message when it is unknown or has no plan."""
    if name is None:
        return None
    region = services.library.region(name)
    if region is None or not region.covered:
        what = "没有认出这个地区" if region is None else "这个地区的规划暂未收录"
        err.print(f"{what}：{name}。已收录：{'、'.join(services.library.covered_regions)}")
        raise typer.Exit(2)
    return region


@app.command()
def run() -> None:
    """Start the Telegram bot (polling, or a webhook server when PLANBOT_WEBHOOK_URL is set)."""
    from bot.errors import StorageUnavailable
    from bot.settings import Settings
    from planbot.telegram_app import run as run_bot

    settings = Settings()
    if settings.telegram_token is None:
        err.print("PLANBOT_TELEGRAM_TOKEN 没有设置。没有令牌时请用 `planbot chat`。")
        raise typer.Exit(2)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _quiet_libraries()
    try:
        run_bot(settings)
    except StorageUnavailable as error:  # only when there is no index yet: it is built from the database
        _storage_down(error, NO_INDEX)


@app.command()
def report(
    what: Annotated[
        str, typer.Argument(help="unanswered: questions the plans could not answer")
    ] = "unanswered",
    limit: Annotated[int, typer.Option(help="how many rows")] = 50,
) -> None:
    """Reports for maintainers (anonymous: no user ids)."""
    from bot.errors import StorageUnavailable
    from bot.repository import Repository

    if what != "unanswered":
        err.print("目前只有 `planbot report unanswered`。")
        raise typer.Exit(2)
    services = _services()
    try:
        rows = Repository(lambda: services.engine).unanswered(limit=limit)
    except StorageUnavailable as error:
        _storage_down(error)
    if not rows:
        console.print("还没有记录到没能回答的问题。")
    for text, count, last in rows:
        console.print(f"{count:>4} 次  {last:%Y-%m-%d}  {text}")


@app.command()
def purge() -> None:
    """Delete screening state and anonymous log entries past their retention periods."""
    from bot.errors import StorageUnavailable
    from bot.repository import Repository

    services = _services()
    try:
        removed = Repository(lambda: services.engine).purge()
    except StorageUnavailable as error:
        _storage_down(error)
    console.print(
        f"已删除过期的自测记录 {removed['screenings']} 条，匿名问题记录 {removed['unanswered']} 条。"
    )


#: Commands that answer and end: they leave without tearing the interpreter down.
ONE_SHOT = frozenset({"ask", "search", "clause", "say", "indicators", "export"})


def main() -> None:
    """The `planbot` console script. After a one-shot command it exits at once: freeing jieba's
    half-million-entry dictionary at interpreter exit alone takes about a quarter of a second."""
    one_shot = len(sys.argv) > 1 and sys.argv[1] in ONE_SHOT
    try:
        app()
    except SystemExit as done:
        if not one_shot:
            raise
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            sys.stderr.write(done.code + "\n")
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
