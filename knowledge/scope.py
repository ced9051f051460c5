"""Whether the plans answer a question: one decision over several signals, calibrated as data.

A single coverage threshold declined long, colloquial questions and answered near misses. The
signals here are read off the search outcome and the picked sentences:

- coverage: how much of the question's meaning (idf-weighted words, everyday words counting for
  the policy terms they stand for) the best sentence holds, and the best clause;
- states: for each kind of fact the question asks (an amount, a number, an age…), whether any
  sentence of the top clauses of the asker's plans states one;
- years: a year asked for that the indicator tables do not have;
- related: whether the best sentence is close enough to show as "what the plans do say".

The thresholds are fitted on bench/eval/fit.jsonl and checked on bench/eval/check.jsonl
(`python -m bench.answer_eval`; `make bench` reports precision and recall).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.extract import Pick, share
from knowledge.intents import Ask
from knowledge.search import SearchOutcome

SENTENCE_COVERAGE = 0.12  # the best sentence holds this much of the question…
CLAUSE_COVERAGE = 0.2  # …or the best clause this much
RELATED_COVERAGE = 0.15
PLAINLY_COVERED = 0.6  # enough to show as related when the plans do not answer
#: Asked and stated by none of the chosen sentences: the plans do not answer the question.
MUST_STATE = (
    "amount",
    "free",
    "age",
    "duration",
    "date",
    "materials",
    "score",
    "standard",
)  # asked and stated nowhere: the plans do not answer it
TOP_CLAUSES = 3
PLAN_TARGET_YEAR = 2025


@dataclass(frozen=True, slots=True)
class Signals:
    coverage: float  # the best sentence's
    clause_coverage: float  # the best top clause's
    states: dict[str, bool] = field(default_factory=dict)  # ask → stated by a top sentence
    years_missing: tuple[int, ...] = ()
    related: bool = False
    empty: bool = False

    @property
    def plainly_covered(self) -> bool:
        """So much of the question is in a sentence of the plans that words about the weather, a medicine
        or an office in it are part of a story, not what is asked."""
        return self.coverage >= PLAINLY_COVERED

    @classmethod
    def of(
        cls,
        outcome: SearchOutcome,
        picks: list[Pick],
        chosen: list[Pick],
        asks: tuple[Ask, ...],
        years: list[int],
        weights: dict[str, float],
    ) -> Signals:
        if not picks or not chosen:
            return cls(0.0, 0.0, {a.name: False for a in asks}, tuple(years), empty=True)
        chain = outcome.applicable_regions
        pool = [p for p in picks if not chain or p.clause.region in chain] or picks
        top_clauses = {p.clause.id for p in sorted(pool, key=lambda p: p.rank)[: TOP_CLAUSES * 4]}
        top = [p for p in pool if p.clause.id in top_clauses]
        best = chosen[0]
        states = {a.name: any(a.name in p.states for p in chosen) for a in asks}
        by_clause: dict[str, set[str]] = {}
        for pick in top:
            by_clause.setdefault(pick.clause.id, set()).update(pick.covered)
        clause_coverage = max((share(weights, words) for words in by_clause.values()), default=0.0)
        missing = tuple(y for y in years if not any(_has_year(p, y) for p in chosen))
        return cls(
            coverage=best.coverage,
            clause_coverage=min(clause_coverage, 1.0),
            states=states,
            years_missing=missing,
            related=best.coverage >= RELATED_COVERAGE,
        )


def _has_year(pick: Pick, year: int) -> bool:
    """Whether the sentence speaks of that year: an indicator row only of the years it has values for;
    any other sentence of the plan's own target year (2025, the end of the plan) or of a year it names."""
    indicator = pick.clause.indicator
    if indicator is not None:
        return (year == 2020 and bool(indicator.value_2020)) or (year == 2025 and bool(indicator.target_2025))
    return year == PLAN_TARGET_YEAR or str(year) in pick.text


def decide(signals: Signals) -> bool:
    """True when the plans answer the question."""
    if signals.empty or signals.years_missing:
        return False
    if any(not signals.states.get(name, True) for name in MUST_STATE):
        return False
    return signals.coverage >= SENTENCE_COVERAGE or signals.clause_coverage >= CLAUSE_COVERAGE
