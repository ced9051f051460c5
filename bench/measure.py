"""Small measuring helpers shared by the benchmarks: latency percentiles, sizes, memory."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TypeVar

import numpy as np
import psutil

T = TypeVar("T")
MB = 1_000_000


def questions() -> list[str]:
    """The benchmark's questions (bench/questions.txt), comments and blank lines skipped."""
    raw = (resources.files("bench") / "questions.txt").read_text(encoding="utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]


def reference_questions() -> list[str]:
    """Typed clause references (bench/references.txt): "同心县专栏3第1项", "茌平 指标 11" …"""
    raw = (resources.files("bench") / "references.txt").read_text(encoding="utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]


def eval_questions() -> list[tuple[str, str | None]]:
    """The answer evaluation's questions (bench/eval/*.jsonl), each with the asker's region."""
    out: list[tuple[str, str | None]] = []
    for path in sorted((resources.files("bench") / "eval").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    out.append((item["q"], item.get("region")))
    return out


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and its wall time in seconds."""
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def latencies(calls: Sequence[Callable[[], object]], rounds: int = 3) -> np.ndarray:
    """Per-call wall times in seconds, `rounds` timed passes after one untimed warm-up pass."""
    for call in calls:
        call()
    out = np.empty((rounds, len(calls)))
    with collector_paused():
        for r in range(rounds):
            for i, call in enumerate(calls):
                start = time.perf_counter()
                call()
                out[r, i] = time.perf_counter() - start
    return out


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's garbage collector off while timing, as `timeit` does: the benchmark process holds
    tens of millions of objects (the ×1000 corpus's tokens, rank-bm25's dicts), and a collection
    over them would land in whichever call happened to trigger it."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def summary_ms(seconds: np.ndarray) -> dict[str, float]:
    """p50, p99, mean and max in milliseconds, rounded for a small results file."""
    ms = np.asarray(seconds, dtype=float).ravel() * 1000
    if not len(ms):
        return {}
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 4),
        "p99_ms": round(float(np.percentile(ms, 99)), 4),
        "mean_ms": round(float(ms.mean()), 4),
        "max_ms": round(float(ms.max()), 4),
        "samples": len(ms),
    }


def directory_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def rss_bytes() -> int:
    return psutil.Process().memory_info().rss


def machine() -> dict[str, object]:
    """What the numbers were measured on, with a speed probe: this shared machine's speed drifts
    (jieba's dictionary load took 0.5 s in one hour and 1.2 s in the next), so compare runs by it."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python_loop_1m_s": round(min(timed(_count_to_a_million)[1] for _ in range(3)), 3),
    }


def _count_to_a_million() -> int:
    total = 0
    for i in range(1_000_000):
        total += i
    return total
