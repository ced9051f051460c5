"""`python -m bench` (`make bench`): the whole benchmark suite, results in bench/results/.

Each search scale runs in its own process (bench.search_bench) and writes search_x<N>.json;
start-up on the five plans writes startup.json; the voice benchmark, when bench/voice_bench.py
is there and works, writes voice.json; the load benchmark (bench.load_bench, its own process)
writes load.json. The table printed at the end is also summary.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"
ANSWER_SETS = (
    Path(__file__).resolve().parent / "eval" / "fit.jsonl",
    Path(__file__).resolve().parent / "eval" / "check.jsonl",
)
DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
ALL_SCALES = (1, 10, 100, 1000)
QUICK_SCALES = (1, 10)
#: 200 people: sending as fast as planbot answers (throughput), then pausing ~8 s between messages
#: (about half of that throughput: the latency a person sees when the bot is busy but not saturated).
LOAD_RUNS = {"load": [], "load_paced": ["--updates", "5000", "--think", "8"]}

console = Console(highlight=False, width=None if sys.stdout.isatty() else 170)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(map(str, ALL_SCALES)), help="copies of the five plans")
    parser.add_argument("--quick", action="store_true", help="only ×1 and ×10")
    parser.add_argument("--no-voice", action="store_true", help="skip the voice benchmark")
    parser.add_argument("--no-load", action="store_true", help="skip the load benchmark (about 4 minutes)")
    args = parser.parse_args(argv)
    scales = QUICK_SCALES if args.quick else tuple(int(s) for s in args.scales.split(",") if s.strip())
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    failed = False

    for scale in scales:
        out = RESULTS / f"search_x{scale}.json"
        console.print(f"[bold]search ×{scale}[/] …")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bench.search_bench", str(scale), str(out)])
        if done.returncode:
            console.print(f"[red]search ×{scale} failed (exit {done.returncode})[/]")
            failed = True
            continue
        _stamp(out, stamp)
        console.print(f"  done in {time.perf_counter() - started:.0f} s → {out}")
        peer = json.loads(out.read_text(encoding="utf-8")).get("bm25s", {})
        if "top10" in peer:
            ratios = f"p50 {peer['ratio_p50']:.2f}×, p99 {peer['ratio_p99']:.2f}×"
            console.print(f"  bm25s time / planbot time, top-10, same run: {ratios}")

    console.print(
        "[bold]answers: facts, scope precision and recall (bench/eval, and the dev set if beside)[/] …"
    )
    sets = [*map(str, ANSWER_SETS), *([str(DEV_SET)] if DEV_SET.exists() else [])]
    failed |= subprocess.run([sys.executable, "-m", "bench.answer_eval", *sets]).returncode != 0

    console.print("[bold]start-up on the five plans[/] …")
    from bench import startup

    _write("startup", {**startup.run(), "measured_at": stamp})
    if not args.no_voice:
        _write("voice", {**_voice(), "measured_at": stamp})
    if not args.no_load:
        for name, extra in LOAD_RUNS.items():
            console.print(f"[bold]{name}: {' '.join(extra) or 'saturation'} through the fake Bot API[/] …")
            output = ["--output", str(RESULTS / f"{name}.json")]
            load = subprocess.run(
                [sys.executable, "-m", "bench.load_bench", *extra, *output], stdout=subprocess.DEVNULL
            )
            failed |= load.returncode != 0

    summary = render_summary(_load_results())
    (RESULTS / "summary.md").write_text(summary, encoding="utf-8")
    console.print(_table(_load_results()))
    console.print(f"results: {RESULTS}/*.json, summary: {RESULTS / 'summary.md'}")
    return 1 if failed else 0


def _voice() -> dict[str, object]:
    """bench/voice_bench.py belongs to the voice work; run it if it is there, note why if not."""
    if not (Path(__file__).parent / "voice_bench.py").exists():
        return {"skipped": "bench/voice_bench.py is not there"}
    console.print("[bold]voice[/] …")
    try:
        module = importlib.import_module("bench.voice_bench")
        return dict(module.run())
    except Exception as error:  # any failure of another team's benchmark is a note, not a crash
        console.print(f"[yellow]voice benchmark skipped: {error!r}[/]")
        return {"skipped": f"{type(error).__name__}: {error}"}


def _write(name: str, payload: dict[str, object]) -> None:
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _stamp(path: Path, stamp: str) -> None:
    payload = json.loads(path.read_text(encoding="utf-8"))
    _write(path.stem, {"measured_at": stamp, **payload})


def _load_results() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("*.json"))}


# -- the readable table -------------------------------------------------------------------------

COLUMNS = (
    ("scale", "Scale"),
    ("clauses", "Clauses"),
    ("tokenise", "Tokenise s memo / plain"),
    ("build", "Build s"),
    ("disk", "Disk MB"),
    ("load", "Load ms"),
    ("rss", "Index RSS MB queried / all"),
    ("start", "Spawn→answer s"),
    ("p50", "top-10 p50 ms"),
    ("p99", "top-10 p99 ms"),
    ("bm25", "rank-bm25 p50 ms (n)"),
    ("ratio", "Speed-up"),
    ("peer", "bm25s p50 / p99 ms"),
    ("ours", "planbot p50 / p99 ms, same run"),
    ("peer_ratio", "vs bm25s p50 / p99"),
    ("searcher", "Searcher p50 / p99 ms"),
    ("answer", "ask path p50 / p99 ms"),
)


def _rows(results: dict[str, dict]) -> list[dict[str, str]]:
    searches = sorted(
        (r for name, r in results.items() if name.startswith("search_x")), key=lambda r: r["scale"]
    )
    rows = []
    for r in searches:
        tok, idx, fresh, ours, theirs = (
            r["tokenising"],
            r["index"],
            r["fresh_process"],
            r["planbot"],
            r["rank_bm25"],
        )
        search = r["searcher"]["search"]
        plain = tok.get("plain_s", tok.get("plain_s_estimated"))
        plain_text = f"{plain}" if "plain_s" in tok else f"~{plain:.0f} est."
        rows.append(
            {
                "scale": f"×{r['scale']}",
                "clauses": f"{r['corpus']['clauses']:,}",
                "tokenise": f"{tok['memo_s']} / {plain_text}",
                "build": f"{idx['build_s']}",
                "disk": f"{idx['disk_mb']}",
                "load": f"{idx['load_s'] * 1000:.1f}",
                "rss": f"{fresh['index_rss_after_queries_mb']:.1f} / {fresh['index_rss_all_pages_mb']:.1f}",
                "start": f"{fresh['spawn_to_first_answer_s']}",
                "p50": f"{ours['top10']['p50_ms']:.3f}",
                "p99": f"{ours['top10']['p99_ms']:.3f}",
                "bm25": f"{theirs['top10']['p50_ms']:.1f} ({theirs['questions']})",
                "ratio": f"{theirs['speedup_p50']:,.0f}×",
                "searcher": f"{search['p50_ms']:.1f} / {search['p99_ms']:.1f}",
                "answer": _answer_cell(r),
                **_peer_cells(r.get("bm25s", {})),
            }
        )
    return rows


def _answer_cell(result: dict) -> str:
    """`Answerer.answer` over every question, references included (older results lack it)."""
    if "answer" not in result:
        return "–"
    ask = result["answer"]["all"]
    return f"{ask['p50_ms']:.1f} / {ask['p99_ms']:.1f}"


def _peer_cells(peer: dict) -> dict[str, str]:
    """bm25s's columns: its top-10, planbot's in the same interleaved rounds, and their ratio."""
    if "top10" not in peer:
        return {"peer": "–", "ours": "–", "peer_ratio": "–"}
    theirs, ours = peer["top10"], peer["planbot_top10_interleaved"]
    return {
        "peer": f"{theirs['p50_ms']:.3f} / {theirs['p99_ms']:.3f}",
        "ours": f"{ours['p50_ms']:.3f} / {ours['p99_ms']:.3f}",
        "peer_ratio": f"{peer['ratio_p50']:.2f}× / {peer['ratio_p99']:.2f}×",
    }


def _table(results: dict[str, dict]) -> Table:
    table = Table(title="planbot search benchmark")
    for _, header in COLUMNS:
        table.add_column(header, justify="right")
    for row in _rows(results):
        table.add_row(*(row[key] for key, _ in COLUMNS))
    return table


def _targets(results: dict[str, dict]) -> list[tuple[str, str, bool]]:
    """The issue's targets, each with what was measured and whether it was met."""
    out: list[tuple[str, str, bool]] = []
    big, small, start = results.get("search_x1000"), results.get("search_x1"), results.get("startup")
    if big:
        top = big["planbot"]["top10"]
        out += [
            ("×1000 top-10 p50 ≤ 1 ms", f"{top['p50_ms']:.3f} ms", top["p50_ms"] <= 1),
            ("×1000 top-10 p99 ≤ 3 ms", f"{top['p99_ms']:.3f} ms", top["p99_ms"] <= 3),
            (
                "×1000 ≥ 500× faster than rank-bm25 (p50, same questions)",
                f"{big['rank_bm25']['speedup_p50']:,.0f}×",
                big["rank_bm25"]["speedup_p50"] >= 500,
            ),
            *_peer_targets(big.get("bm25s", {})),
            (
                "×1000 index build ≤ 60 s (from token counts)",
                f"{big['index']['build_s']} s",
                big["index"]["build_s"] <= 60,
            ),
            (
                "×1000 index resident memory ≤ 450 MB (every page read)",
                f"{big['fresh_process']['index_rss_all_pages_mb']:.0f} MB"
                + (
                    f" (+{kernel:.0f} MB numba runtime)"
                    if (kernel := big["fresh_process"].get("kernel_rss_mb"))
                    else ""
                ),
                big["fresh_process"]["index_rss_all_pages_mb"] <= 450,
            ),
        ]
    if small:
        p99 = small["planbot"]["top10"]["p99_ms"]
        out.append(("five plans top-10 p99 ≤ 0.5 ms", f"{p99:.3f} ms", p99 <= 0.5))
    if big and "answer" in big:
        ask = big["answer"]["all"]
        out.append(
            (
                "×1000 whole ask path p99 ≤ 5 ms (`Answerer.answer`)",
                f"{ask['p99_ms']:.1f} ms",
                ask["p99_ms"] <= 5,
            )
        )
    if start:
        out.append(
            (
                "five plans `planbot ask 护理补贴` ≤ 0.8 s (whole process, persisted index, median)",
                f"{start['warm_median_s']} s",
                start["warm_median_s"] <= 0.8,
            )
        )
        if "help_median_s" in start:
            out.append(
                (
                    "`planbot --help` ≤ 0.3 s (whole process, median)",
                    f"{start['help_median_s']} s",
                    start["help_median_s"] <= 0.3,
                )
            )
    return out


def _peer_targets(peer: dict) -> list[tuple[str, str, bool]]:
    """Issue 18's targets against bm25s, in the same interleaved run."""
    if "top10" not in peer:
        return []
    return [
        (
            "×1000 top-10 p50 ≥ 8× faster than bm25s (same run)",
            f"{peer['ratio_p50']:.2f}×",
            peer["ratio_p50"] >= 8,
        ),
        (
            "×1000 top-10 p99 ≥ 3× faster than bm25s (same run)",
            f"{peer['ratio_p99']:.2f}×",
            peer["ratio_p99"] >= 3,
        ),
    ]


def _load_line(load: dict) -> str:
    first = load["latency_first_reply"]
    think = load.get("think_s_mean", 0.0)
    pacing = f"pausing {think:g} s on average between messages" if think else "sending as fast as answered"
    return (
        f"- {load['users']} people, {load['updates']:,} updates, {pacing} ({load['backend']}, "
        f"rate limiter {load['telegram_rate_limiter']}): {load['throughput_updates_per_s']} updates/s, "
        f"first reply p50 {first['p50_ms'] / 1000:.2f} s / p99 {first['p99_ms'] / 1000:.2f} s, "
        f"lost {load['lost_updates']}, handled twice {load['duplicated_updates']}, "
        f"error replies {load['error_replies']}, peak RSS {load['peak_rss_mb']} MB."
    )


def render_summary(results: dict[str, dict]) -> str:
    lines = ["# planbot benchmark summary", ""]
    stamps = sorted({r.get("measured_at", "?") for r in results.values()})
    machine = next((r["machine"] for r in results.values() if "machine" in r), {})
    lines += [f"Measured at {', '.join(stamps)} on {machine}.", ""]
    lines += ["| " + " | ".join(h for _, h in COLUMNS) + " |", "|" + "---:|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row[k] for k, _ in COLUMNS) + " |" for row in _rows(results)]
    lines += ["", "## Targets", "", "| Target | Measured | Met |", "|---|---:|:---:|"]
    lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in _targets(results)]
    if start := results.get("startup"):
        lines += [
            "",
            "## Start-up on the five plans",
            "",
            f"`planbot ask {start['question']} --json`: first run on an empty data directory "
            f"{start['cold_first_run_s']} s (migrate, ingest, tokenise, build); with the persisted index "
            f"{start['warm_runs_s']} s; `planbot --help` {start.get('help_runs_s', '–')} s. "
            f"In-process `Services.timings`: {start['probe']['services_timings_s']}.",
        ]
    load_lines = [_load_line(r) for name in LOAD_RUNS if (r := results.get(name))]
    if load_lines:
        lines += ["", "## Load (bench.load_bench)", "", *load_lines]
    if answers := results.get("answers"):
        lines += ["", "## Answers (bench.answer_eval)", "", *_answer_lines(answers)]
    if voice := results.get("voice"):
        lines += ["", "## Voice", "", "```json", json.dumps(voice, ensure_ascii=False, indent=1), "```"]
    return "\n".join(lines) + "\n"


def _answer_lines(answers: dict[str, dict]) -> list[str]:
    """One row a question set: key facts stated, out-of-scope precision and recall, answerable declined."""
    head = ["| Set | Facts | Out of scope: precision / recall | Answerable declined | hit@3 | Median chars |"]
    rows = [
        f"| {name} | {r['facts']} ({r['facts_n']}) | {r['oos_precision']} / {r['oos_recall']} "
        f"| {r['answerable_declined']}/{r['answerable']} | {r['hit@3']} | {r['median_answer_chars']} |"
        for name, r in answers.items()
    ]
    return [*head, "|---|---:|---:|---:|---:|---:|", *rows]


if __name__ == "__main__":
    raise SystemExit(main())
