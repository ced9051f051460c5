"""`planbot ingest`: load plans (the shipped ones, or a folder of them), report, rebuild the index."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bot.db import exclusive, make_engine, migrate
from bot.services import shipped_sources
from bot.settings import Settings
from knowledge.corpus import PlanSource, ingest, open_index
from knowledge.library import Library
from knowledge.parse import parse_plan
from knowledge.plans import read_folder
from knowledge.report import plan_report, suspicious
from knowledge.tokenize import default_tokenizer


def run_ingest(
    settings: Settings, directory: Path | None, *, report: bool, force: bool, console: Console
) -> int:
    """Ingest and print a summary; returns the number of plans that could not be loaded."""
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    problems: list[str] = []
    if directory is None:
        sources = shipped_sources(Library.load())
    else:
        found, problems = read_folder(directory)
        sources = [PlanSource(meta, text) for meta, text in found]
    written: list[str] = []
    failed = list(problems)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("读取规划", total=len(sources))
        for source in sources:
            try:
                with exclusive(engine):
                    written += ingest(engine, [source], force=force)
            except (ValueError, KeyError) as exc:
                failed.append(f"{source.meta.file}: {exc}")
            progress.advance(task)
    clauses, index = open_index(engine, settings.index_dir, default_tokenizer())
    loaded = len(sources) - (len(failed) - len(problems))
    console.print(
        f"已载入 {loaded} 份规划（本次写入 {len(written)} 份），"
        f"共 {len(clauses)} 条条款，索引 {len(index.vocab)} 个词。"
    )
    for problem in failed:
        console.print(f"跳过：{problem}")
    if report:
        _print_report(sources, console)
    engine.dispose()
    return len(failed)


def _print_report(sources: list[PlanSource], console: Console) -> None:
    table = Table("plan", "sections", "items", "box items", "indicators", "with departments", "clauses")
    flagged = []
    for source in sources:
        doc = parse_plan(source.meta, source.text)
        counts = plan_report(doc)
        table.add_row(
            source.meta.doc_id,
            *(
                str(counts[k])
                for k in ("sections", "items", "box_items", "indicators", "with_departments", "total")
            ),
        )
        flagged += [(source.meta.doc_id, clause, why) for clause, why in suspicious(doc)]
    console.print(table)
    if flagged:
        console.print("可疑条款：")
        for doc_id, clause, why in flagged:
            console.print(f"- {doc_id}:{clause.ref} {why}: {clause.text[:60]}")
    else:
        console.print("没有可疑条款（句子中断、过短或过长）。")
