"""Case-work timings: charts, the department / target / compare lookups, `planbot indicators` and `export`.

`python -m bench.casework_bench [OUT]` writes bench/results/casework.json (or OUT). In-process numbers
are medians over repeated calls on the five plans; whole-process numbers run the installed `planbot`
command in a fresh data directory (after one untimed run that ingests the plans and builds the index).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEPARTMENT_QUESTIONS = (
    "茌平 康复哪个部门牵头",
    "朔州 托养服务谁负责",
    "山西 信息无障碍谁牵头",
    "张掖 就业谁牵头",
)
TARGET_QUESTIONS = (
    "张掖 2018年康复服务覆盖率",
    "朔州 无障碍改造目标多少户",
    "2030年医疗保险参保率",
    "同心 就业目标",
)
COMPARE_TOPICS = ("盲人按摩", "护理补贴", "无障碍改造", "手语")


def median_ms(call: Callable[[], object], repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


def in_process(data_dir: Path) -> dict[str, object]:
    from bot.services import Services
    from bot.settings import Settings
    from knowledge import charts
    from knowledge.casework import compare, department_lookup, indicator_lookup, indicator_table
    from knowledge.lookup import Lookup

    services = Services.open(Settings(_env_file=None, data_dir=data_dir))
    searcher = services.searcher
    lookup = Lookup(searcher)
    start = time.perf_counter()
    table = indicator_table(searcher)
    table_ms = (time.perf_counter() - start) * 1000
    selection = lookup.indicators("无障碍")
    start = time.perf_counter()
    png = charts.render_png(selection)  # imports matplotlib and finds the font
    first_chart_s = time.perf_counter() - start

    def redraw(topic: str) -> Callable[[], bytes]:
        def draw() -> bytes:
            charts._render.cache_clear()
            return charts.render_png(lookup.indicators(topic))

        return draw

    pages = table.select("").pages(charts.PANELS_PER_IMAGE)
    out = {
        "indicator_table_build_ms": round(table_ms, 2),
        "first_chart_in_process_s": round(first_chart_s, 3),
        "chart_ms": {
            "无障碍 (1 indicator)": median_ms(redraw("无障碍"), 5),
            "康复 (1 indicator)": median_ms(redraw("康复"), 5),
            "one page of 4 indicators": median_ms(
                lambda: (charts._render.cache_clear(), charts.render_png(pages[0])), 5
            ),
            "cached": median_ms(lambda: charts.render_png(selection), 50),
        },
        "png_bytes": {"无障碍": len(png), "page of 4": len(charts.render_png(pages[0]))},
        "department_lookup_ms": {
            q: median_ms(lambda q=q: department_lookup(q, searcher, None)) for q in DEPARTMENT_QUESTIONS
        },
        "indicator_lookup_ms": {
            q: median_ms(lambda q=q: indicator_lookup(q, searcher, None)) for q in TARGET_QUESTIONS
        },
        "compare_ms": {t: median_ms(lambda t=t: compare(t, searcher), 10) for t in COMPARE_TOPICS},
    }
    services.close()
    return out


def whole_process(data_dir: Path) -> dict[str, object]:
    planbot = shutil.which("planbot") or str(Path(sys.executable).with_name("planbot"))
    env = {**os.environ, "PLANBOT_DATA_DIR": str(data_dir), "PLANBOT_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "planbot indicators 无障碍 --png": [planbot, "indicators", "无障碍", "--png", f"{scratch}/a.png"],
            "planbot indicators (all, text only)": [planbot, "indicators"],
            "planbot export --csv (486 clauses)": [planbot, "export", "--csv", f"{scratch}/all.csv"],
        }
        out: dict[str, object] = {}
        for name, command in commands.items():
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                subprocess.run(command, env=env, check=True, capture_output=True)
                runs.append(round(time.perf_counter() - start, 3))
            out[name] = {"runs_s": runs, "median_s": statistics.median(runs)}
        out["export_csv_bytes"] = Path(f"{scratch}/all.csv").stat().st_size
    return out


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else RESULTS / "casework.json"
    with tempfile.TemporaryDirectory() as data:
        data_dir = Path(data)
        result = {"in_process": in_process(data_dir), "whole_process": whole_process(data_dir)}
    result["measured_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
