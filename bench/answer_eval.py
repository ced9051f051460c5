"""`python -m bench.answer_eval [FILE…]`: how well answers answer, on question sets in the eval format.

Each line of a set is {"q", "kind", "gold": [{"seed", "substr"}], "facts": [[alternatives]…]} (the
format of ../shared/eval/dev.jsonl). The set planbot fits its answer rules on is bench/eval/fit.jsonl,
the one it is checked on is bench/eval/check.jsonl (questions written for planbot from every clause of
the five plans, and out-of-scope questions of many kinds; split 70/30 by a hash of the id; the
out-of-scope questions o001… were written later, while fitting, and are in the fit set only). Every
question goes through the same conversation core as `planbot ask`, in one process.

Prints, per set: hit@1/3/5, the share of answerable questions whose answer states the key facts,
and the scope decision as precision and recall of "out of scope" (and how many answerable questions
were declined); with --misses, each miss. Writes bench/results/answers.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

SEED_REGION = {"000": "朔州", "001": "同心", "002": "张掖", "003": "山西", "004": "茌平"}
EVAL = Path(__file__).resolve().parent / "eval"
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SETS = (EVAL / "fit.jsonl", EVAL / "check.jsonl")


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def has_facts(answer: str, facts: list[list[str]]) -> bool:
    text = norm(answer)
    return all(any(norm(alt) in text for alt in group) for group in facts)


def first_hit(sources: list[dict], golds: list[dict]) -> int | None:
    for rank, source in enumerate(sources, 1):
        for gold in golds:
            if SEED_REGION[gold["seed"]] in (source.get("region") or "") and norm(gold["substr"]) in norm(
                source.get("text", "")
            ):
                return rank
    return None


def evaluate(questions: list[dict], ask) -> dict:
    ranks, declined, fact_total, fact_right = [], 0, 0, 0
    oos_total = oos_said = said_oos = 0
    misses: list[str] = []
    lengths: list[int] = []
    for q in questions:
        reply = ask(q["q"])
        said_out = reply.get("in_scope") is False
        said_oos += said_out
        if q["kind"] == "out_of_scope":
            oos_total += 1
            oos_said += said_out
            if not said_out:
                misses.append(f"[{q['id']}] answered, but out of scope: {q['q']}\n    {_short(reply)}")
            continue
        rank = first_hit(reply.get("sources") or [], q["gold"])
        ranks.append(rank)
        declined += said_out
        if not said_out:
            lengths.append(len(reply.get("answer") or ""))
        if q.get("facts"):
            fact_total += 1
            if not said_out and has_facts(reply.get("answer") or "", q["facts"]):
                fact_right += 1
            else:
                want = " + ".join("/".join(g) for g in q["facts"])
                why = "declined" if said_out else f"rank {rank}"
                misses.append(f"[{q['id']}] {why}, wants {want}: {q['q']}\n    {_short(reply)}")
    n = len(ranks) or 1
    hit = {k: sum(1 for r in ranks if r is not None and r <= k) / n for k in (1, 3, 5)}
    lengths.sort()
    return {
        "answerable": len(ranks),
        "out_of_scope": oos_total,
        "hit@1": round(hit[1], 3),
        "hit@3": round(hit[3], 3),
        "hit@5": round(hit[5], 3),
        "facts": round(fact_right / fact_total, 3) if fact_total else None,
        "facts_n": f"{fact_right}/{fact_total}",
        "answerable_declined": declined,
        "oos_recognised": oos_said,
        "oos_precision": round((oos_said / said_oos) if said_oos else 1.0, 3),
        "oos_recall": round((oos_said / oos_total) if oos_total else 1.0, 3),
        "median_answer_chars": lengths[len(lengths) // 2] if lengths else 0,
        "misses": misses,
    }


def _short(reply: dict) -> str:
    return " ".join((reply.get("answer") or "").split())[:160]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_eval", description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=list(DEFAULT_SETS))
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    from bot.core import Conversation
    from bot.replies import Incoming
    from bot.services import Services
    from bot.settings import Settings
    from knowledge.payloads import ask_payload

    with tempfile.TemporaryDirectory() as tmp:
        services = Services.open(Settings(_env_file=None, data_dir=Path(tmp)))
        conversation = Conversation(services, log_unanswered=False)
        counter = iter(range(10**9))

        def ask(text: str) -> dict:
            user = conversation.user_key("eval", next(counter))
            out = conversation.handle(Incoming(user=user, text=text))
            return ask_payload(out.answer, out.text)

        report: dict[str, object] = {}
        for path in args.sets:
            questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
            started = time.perf_counter()
            result = evaluate(questions, ask)
            result["seconds"] = round(time.perf_counter() - started, 2)
            misses = result.pop("misses")
            report[path.stem] = result
            print(f"{path.name}: " + "  ".join(f"{k} {v}" for k, v in result.items()))
            if args.misses:
                print("\n".join(misses) + "\n")
        services.close()
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "answers.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
