"""Measurements that need a fresh process: start-up to the first answer, and the index's memory.

Run by the benchmark as a subprocess, never imported by it; prints one JSON object.
`first_answer_at` is wall-clock time (time.time()), so the parent can subtract the moment it
spawned the process and get interpreter start-up included.

    python -m bench.probe index <index dir> <question>
    python -m bench.probe services <data dir> <question>
"""

from __future__ import annotations

import json
import sys
import time

_started = time.perf_counter()


def probe_index(directory: str, question: str) -> dict[str, object]:
    """Open a saved index as a search worker would, answer once, then measure its memory."""
    from pathlib import Path

    import numpy as np

    from bench.measure import MB, questions, rss_bytes
    from knowledge.index import ARRAYS, COMPILED_MIN_SIZE, Bm25Index
    from knowledge.tokenize import default_tokenizer

    out: dict[str, object] = {"imports_s": time.perf_counter() - _started}
    tokenizer = default_tokenizer()
    step = time.perf_counter()
    tokenizer.warm_up()
    out["tokenizer_warm_up_s"] = time.perf_counter() - step
    if json.loads((Path(directory) / "meta.json").read_text())["size"] >= COMPILED_MIN_SIZE:
        # numba and the compiled kernel are code, whatever the corpus: measured apart from the index.
        before, step = rss_bytes(), time.perf_counter()
        tiny = Bm25Index.from_counts(["词"], [(np.array([0]), np.array([1]))] * 2, ["a", "b"])
        tiny.top({0: 1.0}, 1, compiled=True)
        out["kernel_load_s"] = time.perf_counter() - step
        out["kernel_rss_mb"] = (rss_bytes() - before) / MB
    baseline = rss_bytes()
    step = time.perf_counter()
    index = Bm25Index.load(Path(directory))
    out["load_s"] = time.perf_counter() - step
    loaded = rss_bytes()
    step = time.perf_counter()
    hits = index.top(index.query_weights(tokenizer.tokens(question)), 10)
    out["first_query_s"] = time.perf_counter() - step
    out["first_answer_at"] = time.time()
    out["first_answer_hits"] = len(hits)
    out["process_to_first_answer_s"] = time.perf_counter() - _started
    for text in questions():
        index.top(index.query_weights(tokenizer.tokens(text)), 10)
    queried = rss_bytes()
    for name in ARRAYS:
        float(np.asarray(getattr(index, name)).sum())  # read every page of every array
    touched = rss_bytes()
    out["rss_baseline_mb"] = baseline / MB
    out["index_rss_after_load_mb"] = (loaded - baseline) / MB
    out["index_rss_after_queries_mb"] = (queried - baseline) / MB
    out["index_rss_all_pages_mb"] = (touched - baseline) / MB
    out["process_rss_mb"] = touched / MB
    return out


def probe_services(data_dir: str, question: str) -> dict[str, object]:
    """`Services.open` as `planbot ask` runs it, then one composed answer."""
    from pathlib import Path

    from bot.services import Services
    from bot.settings import Settings

    out: dict[str, object] = {"imports_s": time.perf_counter() - _started}
    step = time.perf_counter()
    services = Services.open(Settings(_env_file=None, data_dir=Path(data_dir)))  # type: ignore[call-arg]
    out["services_open_s"] = time.perf_counter() - step
    out["services_timings_s"] = services.timings
    step = time.perf_counter()
    outcome = services.searcher.search(question, k=10)
    answer = services.answerer.compose(outcome)
    out["first_answer_s"] = time.perf_counter() - step
    out["first_answer_at"] = time.time()
    out["process_to_first_answer_s"] = time.perf_counter() - _started
    out["in_scope"] = answer.in_scope
    out["answer_chars"] = len(answer.render())
    services.close()
    return out


def main(argv: list[str]) -> None:
    kind, target, question = argv
    probe = {"index": probe_index, "services": probe_services}[kind]
    json.dump(probe(target, question), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
