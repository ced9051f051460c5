"""The library the screening tests judge with, loaded once per test process, and small helpers."""

from __future__ import annotations

from typing import Any

from knowledge import screening as engine
from knowledge.library import DATA_DIR, Library
from knowledge.regions import Region
from knowledge.screening import Prompt, State

LIBRARY = Library.load()
SCREENINGS_DIR = DATA_DIR / "screenings"
NAMES = [s["name"] for s in engine.list_screenings(LIBRARY)]
FACTS = LIBRARY.facts


def place(name: str) -> Region:
    region = LIBRARY.region(name)
    assert region is not None, name
    return region


def start(name: str, known: dict[str, Any] | None = None, **kwargs: Any) -> tuple[State, Prompt]:
    return engine.start(LIBRARY, name, known or {}, **kwargs)


def answer(state: State | dict, text: str, **kwargs: Any) -> tuple[State, Prompt]:
    return engine.answer(LIBRARY, state, text, **kwargs)


def run(name: str, answers: list[str], known: dict | None = None, **kwargs: Any) -> tuple[State, Prompt]:
    state, prompt = start(name, known, **kwargs)
    for text in answers:
        state, prompt = answer(state, text)
    return state, prompt


def evaluate(name: str, facts: dict[str, Any], clauses: Any = None) -> engine.Evaluation:
    """Judge from facts where "region" is a place name as a person says it, or 其他 (no plan)."""
    facts = dict(facts)
    where = facts.pop("region", None)
    if where == "其他":
        return engine.evaluate(LIBRARY, name, facts, clauses, uncovered=True)
    return engine.evaluate(LIBRARY, name, facts, clauses, region=place(where) if where else None)
