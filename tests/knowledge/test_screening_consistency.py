"""Screenings read the plans the same way in every region (issue 15).

Every screening is judged for every region with a plan and for a place without one, criterion by
criterion, over every answer the criterion reads (knowledge.screening_table.every_answer), with
the engine's own `judge`. Then:

- the national rule reads the same in every region;
- the kind of wording a rule rests on decides its outcome, the same everywhere: an open scope
  (有条件的地方可, 逐步扩大), an intention (推动, 探索) or silence is "needs confirming", never "not
  eligible"; a limited number of places is "may qualify";
- where the national rule is open, no region says "not eligible";
- a place without a plan reads exactly the national rule (the cases without regions);
- no reason names a region the asker is not in, and every reason resting on a plan cites a clause
  of the asker's own plans (that results cite no other region's clause is checked on every path by
  test_screening_paths.test_results_cite_only_plans_that_cover_the_region);
- every place of the hierarchy is judged by the plans of the covered regions above it, the same as
  the covered region itself (a 应县 person as 朔州市, a 大同 person as 山西省, 北京 as no plan).
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import pytest

from knowledge import screening as engine
from knowledge.facts import OTHER_PLACE
from knowledge.screening_rules import KINDS, OTHER_REGION, Criterion, Judgement, Places, judge
from knowledge.screening_table import every_answer
from tests.knowledge.screening_support import LIBRARY, NAMES

PLACES = Places.of(LIBRARY.gazetteer, LIBRARY.catalog)
COVERED = LIBRARY.covered_regions
REGIONS = [*COVERED, OTHER_PLACE]


def chain(region: str) -> tuple[str, ...]:
    return () if region == OTHER_PLACE else LIBRARY.gazetteer.region_of(region).chain


def plans(region: str) -> tuple[str, ...]:
    return () if region == OTHER_PLACE else LIBRARY.gazetteer.region_of(region).plans


def national(criterion: Criterion) -> Criterion:
    """The criterion as the national rule alone: its cases without regions."""
    return dataclasses.replace(criterion, cases=tuple(c for c in criterion.cases if not c.regions))


@cache
def judged(name: str) -> list[tuple[Criterion, dict[str, Any], dict[str, Judgement], Judgement]]:
    """(criterion, answers, {region: judgement}, the national rule's judgement) for every answer."""
    out = []
    for criterion in LIBRARY.screenings[name].criteria:
        alone = national(criterion)
        for facts in every_answer(LIBRARY, criterion):
            by_region = {region: judge(criterion, facts, chain(region)) for region in REGIONS}
            out.append((criterion, facts, by_region, judge(alone, facts, ())))
    return out


def _where(criterion: Criterion, facts: dict[str, Any], region: str) -> str:
    return f"{criterion.id} {facts} in {region}"


@pytest.mark.parametrize("name", NAMES)
def test_each_kind_of_wording_has_one_outcome_everywhere(name: str) -> None:
    for criterion, facts, by_region, _ in judged(name):
        for region, j in by_region.items():
            if j.case is None or j.status == "na":
                continue
            assert j.case.kind in KINDS, _where(criterion, facts, region)
            fixed = KINDS[j.case.kind]
            assert fixed is None or j.status == fixed, _where(criterion, facts, region)
            if j.status == "not_met":
                assert j.case.kind == "firm", _where(criterion, facts, region)


@pytest.mark.parametrize("name", NAMES)
def test_the_national_rule_reads_the_same_in_every_region(name: str) -> None:
    """Wherever a criterion is decided by the national rule, the same answers give the same status."""
    for criterion, facts, by_region, _ in judged(name):
        seen: dict[str, list[str]] = {}
        for region, j in by_region.items():
            if j.case is not None and j.case.basis == "national":
                seen.setdefault(j.status, []).append(region)
        assert len(seen) <= 1, f"{criterion.id} {facts}: {seen}"


@pytest.mark.parametrize("name", NAMES)
def test_where_the_national_rule_is_open_no_region_says_not_eligible(name: str) -> None:
    for criterion, facts, by_region, rule in judged(name):
        if rule.case is None or rule.case.kind not in ("open", "intention"):
            continue
        for region, j in by_region.items():
            assert j.status != "not_met", f"{_where(criterion, facts, region)}: {j.reason}"


@pytest.mark.parametrize("name", NAMES)
def test_a_place_without_a_plan_reads_the_national_rule(name: str) -> None:
    for criterion, facts, by_region, rule in judged(name):
        j = by_region[OTHER_PLACE]
        assert j.status == rule.status, f"{_where(criterion, facts, OTHER_PLACE)}: {j.reason} / {rule.reason}"


@pytest.mark.parametrize("name", NAMES)
def test_only_a_place_without_a_plan_is_told_its_plan_is_not_here(name: str) -> None:
    for criterion, facts, by_region, _ in judged(name):
        for region, j in by_region.items():
            if region != OTHER_PLACE:
                assert "没有收录" not in j.reason, _where(criterion, facts, region)


@pytest.mark.parametrize("name", NAMES)
def test_every_reason_on_a_plan_cites_the_askers_own_plan(name: str) -> None:
    for criterion, facts, by_region, _ in judged(name):
        for region, j in by_region.items():
            if j.case is None or j.status == "na" or j.case.basis != "plan":
                continue
            own = [r for r in j.case.refs if r.split(":", 1)[0] in plans(region)]
            assert own, f"{_where(criterion, facts, region)}: {j.reason}"


def _names(region: str) -> tuple[str, ...]:
    return (region, *LIBRARY.gazetteer.places[region].aliases)


def _texts(name: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(where, regions, text) for every sentence of a screening a person may read."""
    screening = LIBRARY.screenings[name]
    out = [
        (f"{c.id}[{i}]", case.regions, case.reason)
        for c in screening.criteria
        for i, case in enumerate(c.cases)
    ]
    out += [(f"{c.id}.unsure", (), c.unsure) for c in screening.criteria]
    out += [(f"notes[{i}]", n.regions, n.text) for i, n in enumerate(screening.notes)]
    out += [(f"apply[{i}]", regions, text) for i, (regions, text) in enumerate(screening.regional_where)]
    out += [
        ("intro", (), screening.intro),
        ("apply", (), screening.apply_where),
        ("amount", (), screening.amount),
    ]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_no_text_names_a_region_some_of_its_readers_are_not_in(name: str) -> None:
    """A 山西省 rule is read in 大同 too, so it must not speak of 朔州市; a national rule names no region."""
    for where, regions, text in _texts(name):
        allowed = set() if not regions or OTHER_REGION in regions else PLACES.shared(regions)
        named = {r for r in COVERED if any(n in text for n in _names(r))}
        assert named <= allowed, f"{name} {where}: names {sorted(named - allowed)}: {text}"


# ------------------------------------------------------------------------------- the whole hierarchy


def _expected_chain(place: str) -> tuple[str, ...]:
    """The covered regions above a place, found by walking regions.toml's parents (not the engine)."""
    out, name = [], place
    while name is not None:
        if name in COVERED:
            out.append(name)
        name = LIBRARY.gazetteer.places[name].parent
    return tuple(out)


def _answer_sets(name: str) -> list[dict[str, Any]]:
    """Two full sets of answers for a screening: every fact's first option, and every fact's second."""
    sets = []
    for pick in (0, 1):
        facts: dict[str, Any] = {}
        for fact in LIBRARY.screenings[name].questions:
            definition = LIBRARY.facts[fact]
            if fact == "region":
                continue
            options = definition.options
            facts[fact] = options[min(pick, len(options) - 1)].stored
        sets.append(facts)
    return sets


def _seen(evaluation: engine.Evaluation) -> tuple[Any, ...]:
    result = evaluation.result
    return (
        evaluation.outcome,
        tuple(evaluation.missing),
        tuple(evaluation.reasons),
        tuple(evaluation.refs),
        (result.how_to_apply, result.notes) if result else None,
    )


def test_every_place_is_judged_by_the_plans_of_the_covered_regions_above_it() -> None:
    home_results: dict[tuple[str, str, int], tuple[Any, ...]] = {}
    under_covered = 0
    for place in LIBRARY.gazetteer.places:
        expected = _expected_chain(place)
        region = LIBRARY.region(place)
        assert region is not None and region.name == place
        assert region.chain == expected, place
        assert engine.region_of(LIBRARY, {"region": place}) == region
        under_covered += bool(expected)
        home = expected[0] if expected else OTHER_PLACE
        for name in NAMES:
            for i, facts in enumerate(_answer_sets(name)):
                key = (name, home, i)
                if key not in home_results:
                    if home == OTHER_PLACE:
                        home_eval = engine.evaluate(LIBRARY, name, facts, uncovered=True)
                    else:
                        home_eval = engine.evaluate(LIBRARY, name, facts, region=LIBRARY.region(home))
                    home_results[key] = _seen(home_eval)
                here = engine.evaluate(LIBRARY, name, facts, region=region)
                assert _seen(here) == home_results[key], (place, name, facts)
                assert all(r.split(":", 1)[0] in region.plans for r in here.refs), (place, name)
    assert (
        under_covered > 150
    )  # 山西's cities and counties, 吴忠市 and 同心's towns, 张掖, 聊城 and 茌平's towns


@pytest.mark.parametrize(
    ("typed", "plans_applied"),
    [("应县", ("shuozhou", "shanxi")), ("大同", ("shanxi",)), ("甘州区", ("zhangye",)), ("北京", ())],
)
def test_a_person_from_a_place_gets_the_plans_above_it(typed: str, plans_applied: tuple[str, ...]) -> None:
    state, _ = engine.start(LIBRARY, "separate_dibao")
    state, _ = engine.answer(LIBRARY, state, typed)
    region = engine.region_of(LIBRARY, state.facts)
    assert region is not None and region.plans == plans_applied
