"""Every path through every screening, generated from the data, plus hand-checked key cases.

The walk taps every button of every question (age bands, "不清楚", the exact-age follow-up),
so a new screening file is covered without a new test. Key cases pin outcomes that were
checked by hand against the plan texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest

from knowledge.facts import OTHER_PLACE
from knowledge.parse import clause_index, parse_all
from knowledge.screening import OUTCOME_LABELS, Prompt, State, region_of, region_options
from knowledge.screening_rules import MAX_QUESTIONS, assess
from tests.knowledge.screening_support import LIBRARY, NAMES, answer, evaluate, start


def chain_of(facts: dict) -> tuple[str, ...]:
    region = region_of(LIBRARY, facts)
    return region.chain if region else ()


def plans_of(facts: dict) -> tuple[str, ...]:
    region = region_of(LIBRARY, facts)
    return region.plans if region else ()


@cache
def clauses() -> dict:
    return clause_index(parse_all())


def walk(name: str) -> Iterator[tuple[list[str], State, Prompt]]:
    """Depth-first over every button; yields (answers, final state, result prompt)."""
    stack = [([], *start(name, {}))]
    while stack:
        taken, state, prompt = stack.pop()
        if prompt.kind == "result":
            yield taken, state, prompt
            continue
        assert prompt.kind in ("question", "consent"), (name, taken, prompt.text)
        assert prompt.options, f"{name} {taken}: a question without buttons"
        options = prompt.options[:1] if prompt.kind == "consent" else prompt.options
        for option in options:
            stack.append(([*taken, option.id], *answer(state, option.id)))


@cache
def all_paths(name: str) -> tuple[tuple[tuple[str, ...], State, Prompt], ...]:
    return tuple((tuple(t), s, p) for t, s, p in walk(name))


@pytest.mark.parametrize("name", NAMES)
def test_every_path_ends_in_an_outcome_within_seven_questions(name: str) -> None:
    paths = all_paths(name)
    assert len(paths) > 3
    for taken, state, prompt in paths:
        assert prompt.result is not None
        assert prompt.result.outcome in OUTCOME_LABELS
        assert len(taken) <= MAX_QUESTIONS, (name, taken)
        assert state.status == "done"
        assert prompt.result.criteria, (name, taken)


@pytest.mark.parametrize("name", NAMES)
def test_every_path_gives_a_reason_a_place_to_apply_and_a_summary(name: str) -> None:
    for taken, _state, prompt in all_paths(name):
        result = prompt.result
        assert result is not None
        assert all(c.reason for c in result.criteria)
        assert result.how_to_apply and result.what_to_bring
        assert "审核" in result.disclaimer
        assert result.outcome_label in result.summary
        assert result.outcome_label in prompt.text, taken


@pytest.mark.parametrize("name", NAMES)
def test_no_path_falls_through_the_rules(name: str) -> None:
    """Each criterion names every situation itself: none is left to a generic fallback."""
    screening = LIBRARY.screenings[name]
    for taken, state, _prompt in all_paths(name):
        judgements = assess(screening, state.facts, chain_of(state.facts)).judgements
        assert not [j.criterion.id for j in judgements if j.fallback], (name, taken)


@pytest.mark.parametrize("name", NAMES)
def test_every_rule_case_is_reached_by_some_path(name: str) -> None:
    """A case no answer can reach is dead data, usually a mistake in its order or conditions."""
    screening = LIBRARY.screenings[name]
    reached = set()
    for _taken, state, _prompt in all_paths(name):
        for j in assess(screening, state.facts, chain_of(state.facts)).judgements:
            reached.add((j.criterion.id, j.index))
    every = {(c.id, i) for c in screening.criteria for i in range(len(c.cases))}
    assert every - reached == set()


@pytest.mark.parametrize("name", NAMES)
def test_results_cite_only_plans_that_cover_the_region(name: str) -> None:
    for _taken, state, prompt in all_paths(name):
        assert prompt.result is not None
        plans = plans_of(state.facts)
        assert all(ref.split(":", 1)[0] in plans for ref in prompt.result.refs)


@pytest.mark.parametrize("name", NAMES)
def test_every_region_reaches_every_outcome_it_can(name: str) -> None:
    """Each region answer leads somewhere: at least one path per region ends in a result."""
    regions = {o.value for o in region_options(LIBRARY)}
    seen = {state.facts.get("region") for _t, state, _p in all_paths(name)}
    assert seen == regions and OTHER_PLACE in seen


# ---------------------------------------------------------------------------------------- key cases

KEY_CASES = [
    # 茌平区 extends the nursing subsidy to 三、四级 intellectual/mental with care needs, gradually
    ("nursing_subsidy", {"region": "茌平区", "has_certificate": True, "disability_type": "智力",
                         "disability_grade": 3, "needs_long_term_care": True, "other_support": "都没有"},
     "unknown"),
    # 三、四级 of any kind: the plans' 逐步扩大 and the national 有条件的地方可 are open, never "not eligible"
    ("nursing_subsidy", {"region": "朔州市", "has_certificate": True, "disability_grade": 4,
                         "needs_long_term_care": True, "other_support": "都没有"}, "unknown"),
    ("nursing_subsidy", {"region": "朔州市", "has_certificate": True, "disability_grade": 1,
                         "needs_long_term_care": True, "other_support": "都没有"}, "eligible"),
    ("nursing_subsidy", {"region": "茌平区", "has_certificate": True, "disability_type": "肢体",
                         "disability_grade": 3, "needs_long_term_care": True, "other_support": "都没有"},
     "unknown"),
    ("nursing_subsidy", {"region": "张掖市", "has_certificate": True, "disability_grade": 3,
                         "needs_long_term_care": True, "other_support": "都没有"}, "unknown"),
    ("nursing_subsidy", {"region": "其他", "has_certificate": True, "disability_grade": 2,
                         "needs_long_term_care": False}, "not_eligible"),
    ("nursing_subsidy", {"region": "山西省", "has_certificate": False}, "not_eligible"),
    ("nursing_subsidy", {"region": "张掖市", "has_certificate": True, "disability_grade": 1,
                         "needs_long_term_care": True, "other_support": "工伤保险生活护理费"},
     "not_eligible"),
    ("nursing_subsidy", {"region": "张掖市", "has_certificate": True, "disability_grade": 1,
                         "needs_long_term_care": True, "other_support": "孤儿基本生活费"}, "eligible"),
    ("living_subsidy", {"region": "张掖市", "has_certificate": True, "household": "低保",
                        "other_support": "都没有"}, "eligible"),
    ("living_subsidy", {"region": "同心县", "has_certificate": True, "household": "低保边缘",
                        "other_support": "都没有"}, "unknown"),
    ("living_subsidy", {"region": "朔州市", "has_certificate": True, "household": "一般"}, "not_eligible"),
    ("living_subsidy", {"region": "朔州市", "has_certificate": True, "household": "特困"}, "not_eligible"),
    ("living_subsidy", {"region": "朔州市", "has_certificate": True, "household": "低保",
                        "other_support": "孤儿基本生活费"}, "not_eligible"),
    ("separate_dibao", {"region": "朔州市", "household": "低收入", "has_certificate": True,
                        "disability_grade": 3, "disability_type": "精神"}, "eligible"),
    ("separate_dibao", {"region": "山西省", "household": "低收入", "has_certificate": True,
                        "disability_grade": 3, "disability_type": "肢体"}, "not_eligible"),
    ("separate_dibao", {"region": "张掖市", "household": "低收入", "has_certificate": True,
                        "disability_grade": 3, "disability_type": "智力"}, "unknown"),
    ("separate_dibao", {"region": "茌平区", "household": "低保边缘", "has_certificate": True,
                        "disability_grade": 2}, "eligible"),
    ("separate_dibao", {"region": "茌平区", "household": "低保边缘", "has_certificate": True,
                        "disability_grade": 4, "disability_type": "肢体"}, "unknown"),
    ("separate_dibao", {"region": "同心县", "household": "低收入"}, "unknown"),
    ("separate_dibao", {"region": "同心县", "household": "低保"}, "not_eligible"),
    ("separate_dibao", {"region": "朔州市", "household": "低保"}, "not_eligible"),
    ("child_rehab", {"region": "张掖市", "age": 12, "household": "低保", "has_certificate": True},
     "eligible"),
    ("child_rehab", {"region": "山西省", "age": 12, "household": "低保", "has_certificate": True},
     "unknown"),
    ("child_rehab", {"region": "朔州市", "age": 5, "household": "低收入", "has_certificate": True},
     "eligible"),
    ("child_rehab", {"region": "茌平区", "age": 20}, "not_eligible"),
    ("care_services", {"region": "茌平区", "age": 16, "disability_type": "智力", "household": "低保"},
     "eligible"),
    ("care_services", {"region": "朔州市", "age": 60}, "not_eligible"),
    ("care_services", {"region": "张掖市", "age": 30, "disability_type": "肢体", "disability_grade": 3},
     "not_eligible"),
    ("care_services", {"region": "山西省", "age": 59, "disability_type": "精神"}, "eligible"),
    ("care_services", {"region": "茌平区", "age": 15}, "not_eligible"),
    ("daily_care", {"region": "朔州市", "needs_long_term_care": True, "household": "特困"}, "eligible"),
    ("daily_care", {"region": "山西省", "needs_long_term_care": True, "household": "一般"}, "not_eligible"),
    ("daily_care", {"region": "其他", "needs_long_term_care": True, "household": "一般"}, "unknown"),
    ("internship_subsidy", {"region": "朔州市", "has_certificate": True, "student_status": "中职毕业生",
                            "employed": False}, "eligible"),
    ("internship_subsidy", {"region": "朔州市", "has_certificate": True, "student_status": "无", "age": 24,
                            "employed": False}, "eligible"),
    ("internship_subsidy", {"region": "朔州市", "has_certificate": True, "student_status": "无", "age": 25,
                            "employed": False}, "not_eligible"),
    ("internship_subsidy", {"region": "茌平区", "has_certificate": True, "employed": False}, "unknown"),
    ("internship_subsidy", {"region": "山西省", "employed": False}, "unknown"),
    ("internship_subsidy", {"region": "张掖市", "has_certificate": True, "student_status": "无",
                            "employed": False}, "not_eligible"),
    ("home_accessibility", {"region": "朔州市", "household": "低保", "has_certificate": True,
                            "disability_grade": 1}, "eligible"),
    ("home_accessibility", {"region": "朔州市", "household": "低保", "has_certificate": True,
                            "disability_grade": 3}, "not_eligible"),
    ("home_accessibility", {"region": "同心县", "household": "低收入", "has_certificate": True,
                            "disability_grade": 3}, "unknown"),
    ("assistive_devices", {"region": "同心县", "device": "助听器", "has_certificate": True}, "eligible"),
    ("assistive_devices", {"region": "茌平区", "device": "不需要"}, "not_eligible"),
    ("transport_concessions", {"region": "朔州市", "has_certificate": True}, "eligible"),
    ("transport_concessions", {"region": "同心县", "has_certificate": True}, "unknown"),
    ("transport_concessions", {"region": "山西省", "has_certificate": False}, "not_eligible"),
    ("transport_concessions", {"region": "茌平区", "has_certificate": False}, "unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "facts", "outcome"), KEY_CASES)
def test_key_case_outcome(name: str, facts: dict, outcome: str) -> None:
    evaluation = evaluate(name, facts)
    assert evaluation.missing == []
    assert evaluation.outcome == outcome, evaluation.reasons


def test_chiping_grade_three_nursing_cites_the_extension_clause_text() -> None:
    facts = {"region": "茌平区", "has_certificate": True, "disability_type": "精神", "disability_grade": 4,
             "needs_long_term_care": True, "other_support": "都没有"}  # fmt: skip
    evaluation = evaluate("nursing_subsidy", facts, clauses())
    texts = {s["ref"]: s["text"] for s in evaluation.sources}
    assert "有护理需求的三、四级智力、精神残疾人" in texts["chiping:box2.3"]
    assert all(s["region"] == "茌平区" for s in evaluation.sources)
    assert any("逐步" in r for r in evaluation.reasons)


def test_shuozhou_user_is_shown_shanxi_clauses_too() -> None:
    facts = {"region": "朔州市", "household": "低收入", "has_certificate": True, "disability_grade": 1}
    evaluation = evaluate("separate_dibao", facts, clauses())
    assert {"shuozhou:3.1.2", "shanxi:3.1.2"} <= set(evaluation.refs)
    assert {s["region"] for s in evaluation.sources} == {"朔州市", "山西省"}


def test_national_rule_criteria_are_marked_and_say_the_plans_leave_it_to_national_rules() -> None:
    facts = {"region": "山西省", "has_certificate": True, "disability_grade": 2, "needs_long_term_care": True,
             "other_support": "都没有"}  # fmt: skip
    result = evaluate("nursing_subsidy", facts).result
    assert result is not None and result.outcome == "eligible"
    care = next(c for c in result.criteria if c.id == "care")
    assert care.basis == "national" and care.basis_label == "按国家规定"
    assert care.reason.count("按国家规定") == 1
    assert "规划没有写" in result.amount


# ------------------------------------------------------------------------------- data against the plans


def _all_refs() -> list[tuple[str, str]]:
    refs = []
    for screening in LIBRARY.screenings.values():
        for criterion in screening.criteria:
            refs += [(screening.name, r) for case in criterion.cases for r in case.refs]
        refs += [(screening.name, r) for note in screening.notes for r in note.refs]
    return refs


def test_every_cited_reference_resolves_to_a_real_clause() -> None:
    index = clauses()
    missing = sorted({(name, ref) for name, ref in _all_refs() if ref not in index})
    assert missing == []


def test_every_number_in_a_reason_or_note_appears_in_the_clauses_it_cites() -> None:
    """No invented amounts, ages or counts: each number a person reads is in a cited clause."""
    index = clauses()
    texts = []
    for screening in LIBRARY.screenings.values():
        for criterion in screening.criteria:
            texts += [(case.reason, case.refs) for case in criterion.cases]
        texts += [(note.text, note.refs) for note in screening.notes]
        texts += [(screening.amount, ()), (screening.intro, ())]
    for text, refs in texts:
        cited = " ".join(index[r].text for r in refs)
        for number in re.findall(r"\d+", text):
            assert number in re.findall(r"\d+", cited), (number, text)
