"""planbot's search against plain rank-bm25 on one scaled corpus, measured in the same process.

`python -m bench.search_bench <copies> <out.json>` measures one scale (the suite runs each
scale in its own process, so one scale's heap never inflates the next one's numbers):

- corpus generation (not counted as build), tokenising with the per-piece memo and, at the
  small scales, without it (checking the two agree on every clause);
- index build from token counts (`knowledge.corpus.build_index`, as planbot builds it from its
  token cache), size on disk, `Bm25Index.load` time;
- the index's memory, as RSS growth in a fresh process that loads it and answers every
  question (and again after reading every page), plus the arrays' nbytes and a vocab estimate;
- spawn of a fresh process to its first answer from the saved index;
- latency of `Bm25Index.top(query_weights(tokens), 10)` over the questions, tokens prepared in
  advance, as the index's size chooses (numpy below COMPILED_MIN_SIZE clauses, compiled above),
  each implementation forced, and without any pruning (dense scores); the Searcher end to
  end (analysis, jieba included, and ranking);
- rank-bm25's `BM25Okapi.get_scores` + top-10 on the same tokens, on a sample of the questions
  when the corpus is large, the speed ratio, and whether the two top-10s agree (rank-bm25 is
  the reference for exactness);
- the whole ask path (`Answerer.answer`: analysis, search, composition) over the benchmark's
  questions, the answer evaluation's questions (with their askers' regions) and typed clause
  references (bench/references.txt), with the slowest questions named; and the references alone
  through the reference map against scanning every clause as before;
- bm25s (the `bench` extra), a fast peer: its `retrieve` top-10 with its numba backend on one
  thread, from the same tokens, interleaved question by question with planbot's top-10 in the
  same rounds, and the ratios of the two at p50 and p99.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.corpus import CorpusGenerator, PieceTokenizer, cached_tokens
from bench.measure import (
    MB,
    collector_paused,
    directory_bytes,
    eval_questions,
    latencies,
    machine,
    questions,
    reference_questions,
    rss_bytes,
    summary_ms,
    timed,
)
from knowledge.answer import Answerer
from knowledge.clause import ClauseView
from knowledge.corpus import build_index, index_text
from knowledge.index import ARRAYS, COMPILED_MIN_SIZE, K1, Bm25Index
from knowledge.index import B as BM25_B
from knowledge.library import Library
from knowledge.lookup import Lookup
from knowledge.parse import parse_all
from knowledge.plans import load_catalog
from knowledge.references import ReferenceMap, matches, parse_reference
from knowledge.search import CANDIDATES, Searcher
from knowledge.store import views_from_parsed
from knowledge.tokenize import Tokenizer

#: rank-bm25 scans every clause in Python for every query token: sample fewer questions as it grows.
RANK_BM25_QUESTIONS = {1: 10_000, 10: 10_000, 100: 60, 1000: 20}
#: Tokenising without the memo costs about 2 ms a clause: measured only up to this many copies.
PLAIN_TOKENISE_MAX_COPIES = 10
FIRST_QUESTION = "护理补贴"


def run_scale(copies: int, workdir: Path) -> dict[str, object]:
    result: dict[str, object] = {"scale": copies, "machine": machine()}
    catalog = load_catalog()
    views = views_from_parsed(parse_all(), catalog)
    generator = CorpusGenerator(views, copies, catalog=catalog)
    corpus, seconds = timed(lambda: [v for group in generator.clauses() for v in group])
    stats = generator.stats
    result["corpus"] = {
        "clauses": len(corpus),
        "plans": len({c.doc_id for c in corpus}),
        "generate_s": round(seconds, 2),
        "distinct_texts": len({c.text for c in corpus}),
        "duplicates_in_real_plans": stats.duplicates_in_source,
        "redraws": stats.redraws,
        "mean_chars": round(sum(len(c.text) for c in corpus) / len(corpus), 1),
    }

    tokenizer = Tokenizer()
    tokenizer.warm_up()
    token_lists, result["tokenising"] = _tokenise(corpus, tokenizer, copies)

    index, build_s = timed(lambda: build_index(corpus, _counts_in_order(token_lists), {"scale": copies}))
    index_dir = workdir / f"index-x{copies}"
    _, save_s = timed(lambda: index.save(index_dir))
    del index
    gc.collect()
    index, load_s = timed(lambda: Bm25Index.load(index_dir))
    result["index"] = {
        "build_s": round(build_s, 2),
        "save_s": round(save_s, 2),
        "load_s": round(load_s, 4),
        "disk_mb": round(directory_bytes(index_dir) / MB, 2),
        "terms": len(index.vocab),
        "postings": len(index.indices),
        "frequent_terms": int((index.df * 2 > index.size).sum()),
        "arrays_mb": round(sum(getattr(index, n).nbytes for n in ARRAYS) / MB, 2),
        "vocab_and_keys_mb_estimate": round(_python_bytes(index) / MB, 2),
    }
    result["fresh_process"] = _probe(index_dir)

    asked = questions()
    query_tokens = [tokenizer.tokens(q) for q in asked]
    result["questions"] = len(asked)
    result["planbot"] = _planbot_latency(index, query_tokens)
    library = dataclasses.replace(Library.load(), catalog=generator.plans)  # the copies' plans too
    searcher, seconds = timed(lambda: Searcher(corpus, index, tokenizer, library))
    result["searcher"] = {"build_s": round(seconds, 3), **_searcher_latency(searcher, index, asked)}
    result["answer"] = _answer_latency(searcher)
    result["references"] = _reference_latency(searcher)
    del searcher
    result["rank_bm25"] = _rank_bm25(index, token_lists, query_tokens, RANK_BM25_QUESTIONS.get(copies, 20))
    result["bm25s"] = _bm25s(index, token_lists, query_tokens)
    return result


def scaled_searcher(copies: int) -> Searcher:
    """A Searcher over the benchmark's corpus of `copies` copies (tokens from bench/corpora/ when kept
    there), with the copies' plans in its library's catalogue, as `run_scale` builds it."""
    catalog = load_catalog()
    generator = CorpusGenerator(views_from_parsed(parse_all(), catalog), copies, catalog=catalog)
    corpus = [v for group in generator.clauses() for v in group]
    tokenizer = Tokenizer()
    tokenizer.warm_up()
    token_lists, _ = _tokenise(corpus, tokenizer, copies)
    index = build_index(corpus, _counts_in_order(token_lists), {"scale": copies})
    library = dataclasses.replace(Library.load(), catalog=generator.plans)
    return Searcher(corpus, index, tokenizer, library)


def _tokenise(
    corpus: Sequence[ClauseView], tokenizer: Tokenizer, copies: int
) -> tuple[list[list[str]], dict[str, object]]:
    """Tokens of every clause with the per-piece memo, checked against (or estimated for) plain jieba;
    kept in bench/corpora/ for the next run (whose stats then say when they were measured)."""
    texts = [index_text(c) for c in corpus]

    def make() -> tuple[list[list[str]], dict[str, object]]:
        pieces = PieceTokenizer(tokenizer)
        token_lists, seconds = timed(lambda: [pieces.tokens(t) for t in texts])
        out: dict[str, object] = {
            "memo_s": round(seconds, 2),
            "memo_hit_rate": round(pieces.hit_rate, 4),
            "memo_pieces": len(pieces.memo),
            "tokens": sum(len(t) for t in token_lists),
        }
        if copies <= PLAIN_TOKENISE_MAX_COPIES:
            plain, seconds = timed(lambda: [tokenizer.tokens(t) for t in texts])
            out["plain_s"] = round(seconds, 2)
            out["memo_equals_plain"] = plain == token_lists
        else:
            out["plain_s_estimated"] = round(len(texts) * _plain_seconds_per_clause(tokenizer, texts), 1)
        return token_lists, out

    found, seconds = timed(lambda: cached_tokens(texts, tokenizer, make))
    stats = {**found.stats, "from_cache": found.cached}
    if found.cached:
        stats["cache_load_s"] = round(seconds, 2)
    return found.token_lists, stats


def _counts_in_order(token_lists: Sequence[list[str]]):
    """`counts_for` for build_index: it asks plan by plan in corpus order, so hand out the next lists."""
    rest = iter(token_lists)

    def counts_for(_doc_id: str, group: Sequence[ClauseView]) -> list[dict[str, int]]:
        return [Counter(next(rest)) for _ in group]

    return counts_for


def _plain_seconds_per_clause(tokenizer: Tokenizer, texts: Sequence[str], sample: int = 500) -> float:
    chosen = texts[:: max(1, len(texts) // sample)][:sample]
    _, seconds = timed(lambda: [tokenizer.tokens(t) for t in chosen])
    return seconds / len(chosen)


def _python_bytes(index: Bm25Index) -> int:
    """Vocab list and dict, and the keys list: what `load` builds in Python objects beside the arrays."""
    strings = sum(sys.getsizeof(t) for t in index.vocab) + sum(sys.getsizeof(k) for k in index.keys)
    containers = sys.getsizeof(index.vocab) + sys.getsizeof(index.term_ids) + sys.getsizeof(index.keys)
    return strings + containers + 28 * len(index.vocab)  # the dict's int values


def _probe(index_dir: Path) -> dict[str, object]:
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "bench.probe", "index", str(index_dir), FIRST_QUESTION],
        capture_output=True,
        text=True,
        check=True,
    )
    exited = time.time()
    probe = json.loads(done.stdout)
    return {
        "spawn_to_first_answer_s": round(probe.pop("first_answer_at") - spawned, 3),
        "whole_process_s": round(exited - spawned, 3),
        **{k: round(v, 4) if isinstance(v, float) else v for k, v in probe.items()},
    }


def _planbot_latency(index: Bm25Index, query_tokens: Sequence[list[str]]) -> dict[str, object]:
    weights = [index.query_weights(t) for t in query_tokens]
    default = latencies([lambda w=w: index.top(w, 10) for w in weights])
    compiled = latencies([lambda w=w: index.top(w, 10, compiled=True) for w in weights])
    numpy_only = latencies([lambda w=w: index.top(w, 10, compiled=False) for w in weights], rounds=1)
    dense = latencies([lambda w=w: _dense_top(index, w, 10) for w in weights], rounds=1)
    with_frequent = [w for w in weights if any((index.df[t] * 2 > index.size) for t in w)]
    return {
        "engine": "compiled" if index.size >= COMPILED_MIN_SIZE else "numpy",
        "top10": summary_ms(default),
        "top10_compiled": summary_ms(compiled),
        "top10_numpy": summary_ms(numpy_only),
        "top10_every_posting": summary_ms(dense),  # no pruning: what MaxScore saves
        "questions_with_frequent_terms": len(with_frequent),
        "postings_of_question_terms_mean": round(float(np.mean([_postings(index, w) for w in weights])), 1),
        "questions_without_known_terms": sum(not w for w in weights),
    }


def _postings(index: Bm25Index, weights: dict[int, float]) -> int:
    return int(sum(index.indptr[t + 1] - index.indptr[t] for t in weights))


def _dense_top(index: Bm25Index, query: dict[int, float], k: int) -> np.ndarray:
    """What scoring costs without pruning: every posting of every query term, then the best k."""
    scores = index.scores(query)
    best = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
    return best[np.argsort(-scores[best])]


def _searcher_latency(searcher: Searcher, index: Bm25Index, asked: Sequence[str]) -> dict[str, object]:
    """What a user waits for: query analysis (jieba) and ranking, k=5 as `planbot ask` asks; and the
    index call inside it alone (the analysed query: generic words dropped, synonyms added)."""
    end_to_end = latencies([lambda q=q: searcher.search(q, k=5) for q in asked], rounds=2)
    analyse = latencies([lambda q=q: searcher.analyse(q) for q in asked], rounds=2)
    weights = [index.query_weights(searcher.analyse(q).weights) for q in asked]
    ranking = latencies([lambda w=w: index.top(w, CANDIDATES) for w in weights])
    return {
        "search": summary_ms(end_to_end),
        "analyse_only": summary_ms(analyse),
        f"index_top{CANDIDATES}_analysed_query": summary_ms(ranking),
    }


def _answer_latency(searcher: Searcher, rounds: int = 2, slowest: int = 12) -> dict[str, object]:
    """The whole ask path, `Answerer.answer(question, region=…)`, as `planbot ask` and the bot run it
    (analysis, search at k=10, the reference map, extraction and composition), per group of questions."""
    answerer = Answerer(searcher)
    groups = {
        "bench": [(q, None) for q in questions()],
        "eval": eval_questions(),
        "references": [(q, None) for q in reference_questions()],
    }
    asked = [item for items in groups.values() for item in items]
    seconds = latencies([lambda q=q, r=r: answerer.answer(q, region=r) for q, r in asked], rounds=rounds)
    per_question = np.median(seconds, axis=0)
    out: dict[str, object] = {"all": summary_ms(seconds)}
    start = 0
    for name, items in groups.items():
        out[name] = summary_ms(seconds[:, start : start + len(items)])
        start += len(items)
    worst = np.argsort(-per_question)[:slowest]
    out["slowest_median_ms"] = [
        [asked[i][0][:40], asked[i][1], round(float(per_question[i]) * 1000, 2)] for i in worst
    ]
    return out


def _reference_latency(searcher: Searcher) -> dict[str, object]:
    """Typed references resolved through the reference map (as the Searcher pins them: at most 4
    clauses; every clause named; the lookups' `resolve`), and by scanning every clause with `matches`,
    as before the map; and what building the map costs (time, and RSS growth of a second one)."""
    gc.collect()
    before = rss_bytes()
    second, build_s = timed(lambda: ReferenceMap(searcher.clauses))
    grown = rss_bytes() - before
    del second
    typed = [text for text in reference_questions() if parse_reference(text) is not None]
    regions = [searcher.gazetteer.detect(text) for text in typed]
    chains = [searcher.gazetteer.covered_chain(m.name) if m else () for m in regions]
    references = [parse_reference(text) for text in typed]
    clauses = searcher.clauses

    def scan(reference, chain: tuple[str, ...]) -> list[ClauseView]:
        return [c for c in clauses if (not chain or c.region == chain[0]) and matches(reference, c)]

    def mapped(reference, chain: tuple[str, ...], limit: int | None = None) -> list[ClauseView]:
        return searcher.references.find(reference, chain[0] if chain else None, limit=limit)

    pairs = list(zip(references, chains, strict=True))
    same = sum(scan(r, c) == mapped(r, c) for r, c in pairs)
    return {
        "questions": len(typed),
        "map_build_s": round(build_s, 3),
        "map_rss_mb": round(grown / MB, 1),
        "map_find_at_most_4": summary_ms(latencies([lambda r=r, c=c: mapped(r, c, 4) for r, c in pairs])),
        "map_find": summary_ms(latencies([lambda r=r, c=c: mapped(r, c) for r, c in pairs])),
        "full_scan": summary_ms(latencies([lambda r=r, c=c: scan(r, c) for r, c in pairs], rounds=1)),
        "map_equals_scan": f"{same}/{len(pairs)}",
        "lookup_resolve": summary_ms(latencies([lambda t=t: Lookup(searcher).resolve(t) for t in typed])),
    }


def _rank_bm25(
    index: Bm25Index, token_lists: list[list[str]], query_tokens: Sequence[list[str]], sample: int
) -> dict[str, object]:
    from rank_bm25 import BM25Okapi

    gc.collect()
    before = rss_bytes()
    bm25, build_s = timed(lambda: BM25Okapi(token_lists))
    grown = rss_bytes() - before
    chosen = list(range(len(query_tokens)))
    if sample < len(chosen):
        chosen = [int(i) for i in np.linspace(0, len(chosen) - 1, sample).round()]
    seconds, agree, overlap = [], 0, []
    for i in chosen:
        start = time.perf_counter()
        scores = bm25.get_scores(query_tokens[i])
        best = _top_k(scores, 10)
        seconds.append(time.perf_counter() - start)
        ours = index.top(index.query_weights(query_tokens[i]), 10)
        theirs = [(int(p), float(scores[p])) for p in best if scores[p] > 0]
        agree += _same_ranking(ours, theirs)
        overlap.append(len({h.position for h in ours} & {p for p, _ in theirs}) / max(len(theirs), 1))
    ours_s = latencies([lambda t=query_tokens[i]: index.top(index.query_weights(t), 10) for i in chosen])
    ours_median = np.median(ours_s, axis=0)
    theirs_s = np.array(seconds)
    return {
        "build_s": round(build_s, 2),
        "rss_growth_mb": round(grown / MB, 1),
        "questions": len(chosen),
        "top10": summary_ms(theirs_s),
        "planbot_top10_same_questions": summary_ms(ours_s),
        "speedup_p50": round(float(np.median(theirs_s) / np.median(ours_median)), 1),
        "speedup_mean": round(float(theirs_s.mean() / ours_median.mean()), 1),
        "top10_same_scores": f"{agree}/{len(chosen)}",
        "top10_mean_overlap": round(float(np.mean(overlap)), 4) if overlap else 0.0,
    }


def _bm25s(
    index: Bm25Index, token_lists: list[list[str]], query_tokens: Sequence[list[str]], rounds: int = 3
) -> dict[str, object]:
    """bm25s against planbot, interleaved: in each round every question runs on both, in turns
    (which goes first alternates), after one untimed pass; both start from the question's tokens.

    bm25s's closest variant to BM25Okapi is `method="atire"` (term frequency part (k1+1)·tf /
    (tf + k1·(1 − b + b·len/avglen)), as BM25Okapi) with `idf_method="robertson"` (ln((N − n + 0.5)
    / (n + 0.5)), as BM25Okapi, but floored at 0): a term in more than half of the clauses weighs 0
    there and ε·mean(idf) in BM25Okapi. Its index keeps those zero weights, so it reads the same
    postings. Its top-10 scores are compared with planbot's on the questions without such terms.
    """
    try:
        import bm25s
    except ImportError:
        return {"skipped": "bm25s is not installed (make bench installs the bench extra)"}

    gc.collect()
    before = rss_bytes()
    peer = bm25s.BM25(k1=K1, b=BM25_B, method="atire", idf_method="robertson", backend="numba")
    _, build_s = timed(lambda: peer.index(token_lists, show_progress=False))
    grown = rss_bytes() - before
    asked = [i for i, tokens in enumerate(query_tokens) if any(t in peer.vocab_dict for t in tokens)]

    def theirs(tokens: list[str]):
        return peer.retrieve([tokens], k=10, n_threads=1, show_progress=False, backend_selection="numba")

    def ours(tokens: list[str]):
        return index.top(index.query_weights(tokens), 10)

    for i in asked:
        ours(query_tokens[i])
        theirs(query_tokens[i])
    seconds = {"planbot": np.empty((rounds, len(asked))), "bm25s": np.empty((rounds, len(asked)))}
    with collector_paused():
        _interleave(seconds, rounds, asked, query_tokens, ours, theirs)
    plain = [
        i
        for i in asked
        if not any(index.df[t] * 2 > index.size for t in index.query_weights(query_tokens[i]))
    ]
    agree = 0
    for i in plain:
        found = theirs(query_tokens[i])
        scores = [float(x) for x in found.scores[0] if x > 0]
        agree += _same_ranking(ours(query_tokens[i]), [(0, x) for x in scores])
    ms = {name: np.asarray(t).ravel() * 1000 for name, t in seconds.items()}
    return {
        "version": bm25s.__version__,
        "variant": {"method": peer.method, "idf_method": peer.idf_method, "k1": peer.k1, "b": peer.b},
        "backend": peer.backend,
        "build_s": round(build_s, 2),
        "rss_growth_mb": round(grown / MB, 1),
        "questions": len(asked),
        "rounds": rounds,
        "top10": summary_ms(seconds["bm25s"]),
        "planbot_top10_interleaved": summary_ms(seconds["planbot"]),
        "ratio_p50": round(float(np.percentile(ms["bm25s"], 50) / np.percentile(ms["planbot"], 50)), 2),
        "ratio_p99": round(float(np.percentile(ms["bm25s"], 99) / np.percentile(ms["planbot"], 99)), 2),
        "top10_same_scores_without_frequent_terms": f"{agree}/{len(plain)}",
    }


def _interleave(
    seconds: dict[str, np.ndarray],
    rounds: int,
    asked: Sequence[int],
    query_tokens: Sequence[list[str]],
    ours: Callable[[list[str]], object],
    theirs: Callable[[list[str]], object],
) -> None:
    """Time both on every question in every round, taking turns at going first."""
    for r in range(rounds):
        for n, i in enumerate(asked):
            turns = [("planbot", ours), ("bm25s", theirs)]
            for name, call in turns if (r + n) % 2 == 0 else turns[::-1]:
                start = time.perf_counter()
                call(query_tokens[i])
                seconds[name][r, n] = time.perf_counter() - start


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    best = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
    return best[np.argsort(-scores[best], kind="stable")]


def _same_ranking(ours: Sequence[object], theirs: Sequence[tuple[int, float]]) -> bool:
    """Same scores in the same order (to float32 precision); ties may list different clauses."""
    a = np.array([h.score for h in ours])  # type: ignore[attr-defined]
    b = np.array([s for _, s in theirs])
    return len(a) == len(b) and bool(np.allclose(a, b, rtol=1e-4, atol=1e-6))


def main(argv: list[str]) -> None:
    copies, out = int(argv[0]), Path(argv[1])
    with tempfile.TemporaryDirectory(prefix="planbot-bench-") as tmp:
        result = run_scale(copies, Path(tmp))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
