"""`python -m bench.answer_snapshot OUT [--copies N] [--sets FILE…]`: every answer, as JSON lines.

For changes that must not change answers (speed work): write a snapshot before, one after, and
compare them with `cmp` or `diff`. On the five plans (`--copies 1`) each question is asked twice:
through the conversation core with a fresh user, as `planbot ask --json` answers it (its
`ask_payload`), and through `Answerer.answer` with the asker's region the set gives, written out in
full (every citation, quote, plain sentence and ranked clause with its exact score). With more
copies (the benchmark's corpus, bench/corpus.py) only the second. The questions: the answer
evaluation's sets (bench/eval/*.jsonl, and any --sets such as ../shared/eval/dev.jsonl), the
benchmark's questions and the typed references.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.measure import questions, reference_questions

EVAL = Path(__file__).resolve().parent / "eval"


def asked(sets: list[Path]) -> list[tuple[str, str, str | None]]:
    """(set name, question, asker's region) for every question to snapshot, in a fixed order."""
    out: list[tuple[str, str, str | None]] = []
    for path in [*sorted(EVAL.glob("*.jsonl")), *sets]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out.append((path.stem, item["q"], item.get("region")))
    out += [("bench", q, None) for q in questions()]
    out += [("references", q, None) for q in reference_questions()]
    return out


def answer_record(answer) -> dict[str, object]:
    """An Answer in full: what a person reads and what the checks read (quotes, plain sentences)."""
    return {
        "in_scope": answer.in_scope,
        "main": answer.main,
        "note": answer.note,
        "next_step": answer.next_step,
        "citations": [dataclasses.astuple(c) for c in answer.citations],
        "glossary": answer.glossary,
        "guide": answer.guide.id if answer.guide else None,
        "screening": answer.screening,
        "more": answer.more,
        "results": [(r.clause.id, r.score, r.bm25) for r in answer.results],
        "coverage": answer.coverage,
        "region": answer.region,
        "kind": answer.kind,
        "quotes": [(q.clause.id, q.text, q.derived) for q in answer.quotes],
        "plain_sentences": answer.plain_sentences,
        "render": answer.render(),
    }


def five_plans(items: list[tuple[str, str, str | None]]) -> Iterator[dict[str, object]]:
    from bot.core import Conversation
    from bot.replies import Incoming
    from bot.services import Services
    from bot.settings import Settings
    from knowledge.answer import Answerer
    from knowledge.payloads import ask_payload

    with tempfile.TemporaryDirectory() as tmp:
        services = Services.open(Settings(_env_file=None, data_dir=Path(tmp)))
        conversation = Conversation(services, log_unanswered=False)
        answerer = Answerer(services.searcher)
        for n, (name, text, region) in enumerate(items):
            out = conversation.handle(Incoming(user=conversation.user_key("snapshot", n), text=text))
            yield {"set": name, "q": text, "payload": ask_payload(out.answer, out.text)}
            record = answer_record(answerer.answer(text, region=region))
            yield {"set": name, "q": text, "region": region, "answer": record}
        services.close()


def scaled(items: list[tuple[str, str, str | None]], copies: int) -> Iterator[dict[str, object]]:
    from bench.search_bench import scaled_searcher
    from knowledge.answer import Answerer

    answerer = Answerer(scaled_searcher(copies))
    for name, text, region in items:
        record = answer_record(answerer.answer(text, region=region))
        yield {"set": name, "q": text, "region": region, "answer": record}


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m bench.answer_snapshot", description=description)
    parser.add_argument("out", type=Path)
    parser.add_argument("--copies", type=int, default=1, help="1: the five plans; more: bench/corpus.py")
    parser.add_argument("--sets", nargs="*", type=Path, default=[], help="more question sets (eval format)")
    args = parser.parse_args(argv)
    items = asked(args.sets)
    records = five_plans(items) if args.copies == 1 else scaled(items, args.copies)
    count = 0
    with args.out.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    print(f"{count} records, {len(items)} questions → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
