"""Process start to the first answer on the five plans, as a user of `planbot ask` sees it.

The first run on an empty data directory migrates, ingests, tokenises and builds the index;
the runs after it reopen the persisted index and clause snapshot. `planbot --help` is timed the
same way. Whole-process wall times come from the parent; a probe process (`bench.probe services`)
reports `Services.timings` and its own breakdown.

planbot's own modules are compiled to bytecode first, as an installed planbot's are (pip compiles
them; an editable checkout writes them on its first run unless PYTHONDONTWRITEBYTECODE is set), so
the runs measure start-up rather than compiling planbot's sources.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "护理补贴"
WARM_RUNS = 7
PACKAGES = ("planbot", "bot", "knowledge", "voice", "handlers")


def run() -> dict[str, object]:
    planbot = Path(sys.executable).with_name("planbot")
    root = Path(__file__).resolve().parents[1]
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1)
    with tempfile.TemporaryDirectory(prefix="planbot-bench-start-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")}
        env["PLANBOT_DATA_DIR"] = str(Path(tmp) / "data")
        env["PLANBOT_LOG_LEVEL"] = "WARNING"
        command = [str(planbot), "ask", QUESTION, "--json"]
        cold, cold_answer = _wall(command, env, cwd=tmp)
        warm, helped = [], []
        for _ in range(WARM_RUNS):  # in turns, so a slow minute of the shared machine slows both
            warm.append(_wall(command, env, cwd=tmp)[0])
            helped.append(_wall([str(planbot), "--help"], env, cwd=tmp, reply=False)[0])
        spawned = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "bench.probe", "services", env["PLANBOT_DATA_DIR"], QUESTION],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=os.getcwd(),
        )
        probe = json.loads(done.stdout)
    return {
        "question": QUESTION,
        "answered": bool(cold_answer.get("reply")),
        "cold_first_run_s": round(cold, 3),
        "warm_runs_s": [round(s, 3) for s in warm],
        "warm_median_s": round(statistics.median(warm), 3),
        "help_runs_s": [round(s, 3) for s in helped],
        "help_median_s": round(statistics.median(helped), 3),
        "probe_spawn_to_first_answer_s": round(probe.pop("first_answer_at") - spawned, 3),
        "probe": _rounded(probe),
    }


def _wall(
    command: list[str], env: dict[str, str], cwd: str, *, reply: bool = True
) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env, cwd=cwd)
    seconds = time.perf_counter() - start
    return seconds, json.loads(done.stdout.splitlines()[0]) if reply else {}


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
