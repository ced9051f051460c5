"""Every screening step answers to typing (issue 14, the screening part): numbers, labels, words.

Options are listed with their numbers in the question's text; a number picks an option except
where the answer is itself a number (age, grade): "3" at an age question is three years old.
Consent is kept only on an explicit yes; the control words work at every step.
"""

from __future__ import annotations

import pytest

from knowledge.screening import KEEP, NO_KEEP
from tests.knowledge.screening_support import FACTS, NAMES, answer, run, start


def test_every_question_with_options_lists_them_numbered_and_numbers_are_not_offered_for_numbers() -> None:
    for name in NAMES:
        state, prompt = start(name, {})
        seen = 0
        while prompt.kind in ("question", "consent") and seen < 12:
            seen += 1
            numeric = prompt.fact is not None and FACTS[prompt.fact].type == "number"
            if numeric:
                assert not prompt.numbered and "1. " not in prompt.text, (name, prompt.fact)
                assert all(o.label in prompt.text for o in prompt.options)
            else:
                assert prompt.numbered, (name, prompt.fact)
                for i, option in enumerate(prompt.options, 1):
                    assert f"{i}. {option.label}" in prompt.text, (name, prompt.fact, option.label)
            state, prompt = answer(state, prompt.options[0].id)


def test_3_at_an_age_question_is_three_years_old_not_the_third_band() -> None:
    state, prompt = run("child_rehab", ["朔州"])
    assert prompt.fact == "age"
    state, prompt = answer(state, "3")
    assert state.facts["age"] == 3
    state, prompt = run("care_services", ["朔州", "3"])
    assert state.facts["age"] == 3 and prompt.result is not None  # 3 is under 16: not the 16–24 band
    state, _ = run("child_rehab", ["张掖", "age:a16_24", "1"])
    assert state.facts["age"] == 1 or state.pending == {"kind": "fact", "fact": "age", "exact": True}


def test_a_grade_is_read_as_its_number() -> None:
    state, _ = run("nursing_subsidy", ["1", "1", "有", "3"])
    assert state.facts["disability_grade"] == 3
    state, prompt = run("nursing_subsidy", ["1", "1", "有", "5"])
    assert "disability_grade" not in state.facts and "1到4" in prompt.notice


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1", True), ("有残疾人证", True), ("是", True), ("对", True), ("有", True), ("嗯", True),
     ("2", False), ("没有", False), ("不是", False), ("没有证", False),
     ("3", None), ("不知道", None), ("不清楚", None), ("跳过", None)],
)  # fmt: skip
def test_a_yes_no_question_takes_its_number_its_label_and_natural_words(typed: str, value: object) -> None:
    state, prompt = run("living_subsidy", ["region:zhangye", "consent:no_keep", typed])
    assert state.facts["has_certificate"] is value, prompt.text


@pytest.mark.parametrize(
    ("typed", "value"),
    [("2", "低保边缘"), ("低保边缘家庭", "低保边缘"), ("低保边缘户", "低保边缘"), ("边缘户", "低保边缘"),
     ("五保", "特困"), ("第4个", "特困"), ("其它低收入家庭", "低收入"), ("都不是", "一般"), ("没有", "一般")],
)  # fmt: skip
def test_a_choice_takes_its_number_its_label_a_close_label_or_a_word(typed: str, value: str) -> None:
    state, prompt = run("living_subsidy", ["region:zhangye", "consent:no_keep", "有", typed])
    assert state.facts.get("household") == value, prompt.text


def test_a_region_with_a_slip_in_its_label_is_still_read() -> None:
    state, _ = run("transport_concessions", ["山东聊城茌平"])
    assert state.facts["region"] == "茌平区"


@pytest.mark.parametrize(
    ("typed", "consent"),
    [("1", KEEP), ("继续，保存30天", KEEP), ("保存", KEEP), ("同意", KEEP), ("是", KEEP), ("可以", KEEP),
     ("2", NO_KEEP), ("继续，但不保存", NO_KEEP), ("继续但不保存", NO_KEEP), ("不保存", NO_KEEP),
     ("不要保存", NO_KEEP), ("不", NO_KEEP), ("不同意", NO_KEEP)],
)  # fmt: skip
def test_consent_takes_its_number_its_label_or_an_explicit_word(typed: str, consent: str) -> None:
    state, prompt = run("nursing_subsidy", ["朔州", typed])
    assert state.consent == consent and prompt.fact == "has_certificate"


@pytest.mark.parametrize("typed", ["有", "需要", "3", "不知道", "继续", "随便"])
def test_consent_is_never_taken_from_a_word_that_does_not_say_yes_to_keeping(typed: str) -> None:
    state, prompt = run("nursing_subsidy", ["朔州", typed])
    assert state.consent is None and prompt.kind == "consent"
    assert "1" in prompt.notice and "2" in prompt.notice


STEPS = {
    "a question": ["朔州", "1"],
    "the consent question": ["朔州"],
    "a number follow-up": ["张掖", "age:a16_24"],
    "a result": ["朔州", "1", "没有"],
}


@pytest.mark.parametrize("word", ["重新开始", "从头开始"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_restart_works_at_every_step(step: str, word: str) -> None:
    name = "child_rehab" if step == "a number follow-up" else "nursing_subsidy"
    state, _ = run(name, STEPS[step])
    state, prompt = answer(state, word)
    assert prompt.fact == "region" and state.facts == {} and "从头开始" in prompt.text


@pytest.mark.parametrize("word", ["返回上一步", "上一步", "返回"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_back_works_at_every_step(step: str, word: str) -> None:
    name = "child_rehab" if step == "a number follow-up" else "nursing_subsidy"
    before, _ = run(name, STEPS[step][:-1])
    state, _ = run(name, STEPS[step])
    state, prompt = answer(state, word)
    assert state.facts == before.facts and state.status == "asking" and "回到上一步" in prompt.text


@pytest.mark.parametrize("word", ["退出", "取消", "算了", "不做了"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_quit_works_at_every_step(step: str, word: str) -> None:
    name = "child_rehab" if step == "a number follow-up" else "nursing_subsidy"
    state, _ = run(name, STEPS[step])
    state, prompt = answer(state, word)
    assert prompt.kind == "ended" and state.status == "ended"
