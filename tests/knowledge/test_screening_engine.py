"""The screening conversation: typed and tapped answers, commands, consent, reuse, state, loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import screening as engine
from knowledge.facts import read_answer
from knowledge.parse import clause_index, parse_all
from knowledge.screening import CONSENT_KEEP_DAYS, STATE_VERSION, State, StateVersionError, ref_label
from knowledge.screening_rules import Places, ScreeningError, read_screening
from tests.knowledge.screening_support import (
    FACTS,
    LIBRARY,
    SCREENINGS_DIR,
    answer,
    evaluate,
    place,
    run,
    start,
)

EXPECTED = {
    "nursing_subsidy",
    "living_subsidy",
    "separate_dibao",
    "child_rehab",
    "care_services",
    "daily_care",
    "internship_subsidy",
    "home_accessibility",
    "assistive_devices",
    "transport_concessions",
}
PLACES = Places.of(LIBRARY.gazetteer, LIBRARY.catalog)


def test_list_screenings_names_every_screening_with_a_chinese_title() -> None:
    listed = engine.list_screenings(LIBRARY)
    assert {s["name"] for s in listed} == EXPECTED
    assert listed[0] == {"name": "nursing_subsidy", "title": "重度残疾人护理补贴"}


def test_first_question_is_the_region_with_an_intro_and_a_numbered_button_per_region() -> None:
    state, prompt = start("nursing_subsidy", {})
    assert prompt.kind == "question" and prompt.fact == "region"
    assert "护理补贴" in prompt.text and "返回上一步" in prompt.text
    labels = [o.label for o in prompt.options]
    assert labels == [
        "山西省朔州市",
        "山西省其他市县",
        "宁夏吴忠市同心县",
        "甘肃省张掖市",
        "山东省聊城市茌平区",
        "其他地区",
    ]
    assert all(o.id.startswith("region:") for o in prompt.options)
    assert all(f"{i}. {label}" in prompt.text for i, label in enumerate(labels, 1))
    assert prompt.numbered and "1. 山西省朔州市" not in prompt.question
    assert state.pending == {"kind": "fact", "fact": "region", "exact": False}
    assert [c.id for c in prompt.controls] == ["back", "restart", "quit"]


def test_typed_and_tapped_answers_reach_the_same_result() -> None:
    typed = run("nursing_subsidy", ["5", "1", "是的", "3", "智力", "嗯", "4"])[0]
    tapped = run(
        "nursing_subsidy",
        [
            "region:chiping",
            "consent:keep",
            "has_certificate:yes",
            "disability_grade:g3",
            "disability_type:intellectual",
            "needs_long_term_care:yes",
            "other_support:none",
        ],
    )[0]
    assert typed.facts == tapped.facts
    assert typed.facts == {
        "region": "茌平区",
        "has_certificate": True,
        "disability_grade": 3,
        "disability_type": "智力",
        "needs_long_term_care": True,
        "other_support": "都没有",
    }
    assert typed.status == "done"


@pytest.mark.parametrize(
    ("fact", "text", "value"),
    [
        ("has_certificate", "是", True),
        ("has_certificate", "对的", True),
        ("has_certificate", "有", True),
        ("has_certificate", "嗯", True),
        ("has_certificate", "没有", False),
        ("has_certificate", "不是", False),
        ("has_certificate", "不对", False),
        ("has_certificate", "没", False),
        ("has_certificate", "没有证", False),
        ("has_certificate", "不知道", None),
        ("has_certificate", "2", False),
        ("age", "十六", 16),
        ("age", "十六岁", 16),
        ("age", "16岁", 16),
        ("age", " １６ ", 16),
        ("age", "两岁", 2),
        ("age", "0-6岁", [0, 6]),
        ("disability_grade", "三级", 3),
        ("disability_grade", "3", 3),
        ("disability_grade", "二", 2),
        ("disability_type", "精神残疾", "精神"),
        ("disability_type", "我是智力残疾", "智力"),
        ("disability_type", "6", "精神"),
        ("household", "低保边缘户", "低保边缘"),
        ("household", "吃低保", "低保"),
        ("household", "五保户", "特困"),
        ("device", "轮椅", "行动"),
        ("other_support", "没有", "都没有"),
    ],
)
def test_typed_answers_are_read(fact: str, text: str, value: object) -> None:
    reading = read_answer(FACTS[fact], text)
    assert reading.ok, reading.problem
    assert reading.value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("山西省朔州市", "朔州市"), ("朔州", "朔州市"), ("茌平", "茌平区"), ("1", "朔州市"), ("2", "山西省"),
     ("应县", "应县"), ("大同", "大同市"), ("其他地区", "其他"), ("北京", "北京市")],
)  # fmt: skip
def test_the_region_is_read_from_its_number_its_label_or_any_place_name(text: str, value: str) -> None:
    state, _ = run("transport_concessions", [text])
    assert state.facts["region"] == value


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ("disability_grade", "5"),
        ("age", "200"),
        ("age", "很多"),
        ("disability_type", "不是智力"),
        ("employed", ""),
    ],
)
def test_unreadable_answers_are_refused(fact: str, text: str) -> None:
    assert not read_answer(FACTS[fact], text).ok


def test_a_place_anywhere_in_china_is_judged_by_the_plans_that_apply_there() -> None:
    state, prompt = run("transport_concessions", ["大同"])
    assert state.facts["region"] == "大同市"
    assert "大同市" in prompt.notice and "山西省规划" in prompt.notice
    state, prompt = run("transport_concessions", ["应县"])
    assert "朔州市规划和山西省规划" in prompt.notice
    state, prompt = run("transport_concessions", ["北京"])
    assert state.facts["region"] == "北京市" and "暂未收录" in prompt.notice


def test_an_unclear_answer_asks_again_with_a_short_notice() -> None:
    state, prompt = run("living_subsidy", ["region:zhangye", "consent:keep", "🙂🙂"])
    assert prompt.kind == "question" and prompt.fact == "has_certificate"
    assert prompt.notice.startswith("抱歉") and "🙂🙂" in prompt.text
    assert state.facts == {"region": "张掖市"}


def test_empty_input_shows_the_current_question_again_without_a_notice() -> None:
    _state, prompt = run("living_subsidy", ["region:zhangye", "consent:keep", "   "])
    assert prompt.fact == "has_certificate" and prompt.notice == ""
    assert prompt.text.startswith("您有残疾人证吗")


def test_a_stale_button_from_an_earlier_question_is_not_taken() -> None:
    state, prompt = run("living_subsidy", ["region:zhangye", "consent:keep", "region:shuozhou"])
    assert prompt.fact == "has_certificate" and "前面的问题" in prompt.notice
    assert state.facts == {"region": "张掖市"}


@pytest.mark.parametrize("back", ["返回上一步", "返回", "back", "/back", "上一步"])
def test_back_undoes_the_last_answer(back: str) -> None:
    state, prompt = run("living_subsidy", ["region:zhangye", "consent:keep", "has_certificate:yes", back])
    assert prompt.fact == "has_certificate" and state.facts == {"region": "张掖市"}
    state, prompt = answer(state, back)
    assert prompt.kind == "consent" and state.consent is None  # consent is a step like any other
    state, prompt = answer(state, back)
    assert prompt.fact == "region" and state.facts == {}
    state, prompt = answer(state, back)
    assert prompt.fact == "region" and "第一个问题" in prompt.notice


def test_back_from_a_result_reopens_the_last_question() -> None:
    state, prompt = run(
        "living_subsidy",
        ["region:zhangye", "consent:keep", "has_certificate:yes", "household:dibao", "other_support:none"],
    )
    assert prompt.kind == "result"
    state, prompt = answer(state, "返回上一步")
    assert prompt.kind == "question" and prompt.fact == "other_support" and state.status == "asking"
    state, prompt = answer(state, "返回上一步")
    assert prompt.fact == "household"
    state, prompt = answer(state, "household:none")
    assert prompt.result is not None and prompt.result.outcome == "not_eligible"


@pytest.mark.parametrize("restart", ["重新开始", "restart", "/restart", "重来"])
def test_restart_forgets_everything_including_reused_facts(restart: str) -> None:
    state, prompt = run("living_subsidy", ["has_certificate:yes", restart], known={"region": "张掖市"})
    assert prompt.fact == "region" and state.facts == {} and state.history == []
    assert "从头开始" in prompt.text


@pytest.mark.parametrize("quit_word", ["退出", "quit", "/quit"])
def test_quit_ends_the_screening_and_further_text_does_not_restart_it(quit_word: str) -> None:
    state, prompt = run("living_subsidy", ["region:zhangye", quit_word])
    assert prompt.kind == "ended" and state.status == "ended" and state.pending is None
    state, prompt = answer(state, "是")
    assert prompt.kind == "ended"
    state, prompt = answer(state, "重新开始")
    assert prompt.kind == "question" and prompt.fact == "region"


def test_text_after_a_result_shows_the_result_again_with_a_hint() -> None:
    _state, prompt = run(
        "transport_concessions", ["region:shuozhou", "consent:keep", "has_certificate:yes", "你好"]
    )
    assert prompt.kind == "result" and "已经完成" in prompt.notice


def test_region_and_certificate_are_asked_once_and_reused_by_the_next_screening() -> None:
    first, _ = run("transport_concessions", ["region:shuozhou", "consent:no_keep", "has_certificate:yes"])
    _state, prompt = start("living_subsidy", first.facts, consent=first.consent)
    assert prompt.fact == "household"
    assert prompt.step == 1


def test_a_childs_screening_reuses_the_familys_facts_but_not_the_parents_own() -> None:
    """A parent who screened themselves (certificate, grade) and then screens their child is asked
    about the child's certificate; the place and the family's means are the same and not asked."""
    parent, _ = run(
        "nursing_subsidy",
        ["region:shuozhou", "consent:keep", "has_certificate:yes", "disability_grade:1"],
    )
    parent.facts["household"] = "低保"
    child, prompt = start("child_rehab", parent.facts, consent=parent.consent, learned_in="nursing_subsidy")
    assert set(child.facts) == {"region", "household"}
    assert prompt.fact == "age"
    child, prompt = answer(child, "三岁")
    assert prompt.fact == "has_certificate", "the child's own certificate is asked"
    again, _ = start("living_subsidy", parent.facts, consent=parent.consent, learned_in="nursing_subsidy")
    assert again.facts["has_certificate"] is True, "the same person's facts carry over"


def test_consent_is_asked_once_before_the_first_question_about_disability() -> None:
    state, prompt = run("nursing_subsidy", ["region:shanxi"])
    assert prompt.kind == "consent" and prompt.fact is None
    assert f"{CONSENT_KEEP_DAYS}天" in prompt.text and "敏感" in prompt.text and "不保存" in prompt.text
    assert [o.id for o in prompt.options] == ["consent:keep", "consent:no_keep"]
    state, prompt = answer(state, "2")
    assert state.consent == "no_keep" and prompt.fact == "has_certificate"
    state, prompt = answer(state, "has_certificate:yes")
    assert prompt.fact == "disability_grade"
    later, prompt = start("care_services", state.facts, consent=state.consent)
    later, prompt = answer(later, "age:a25_59")
    assert prompt.kind == "question" and prompt.fact == "disability_type"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nothing_sensitive_is_asked_before_consent(name: str) -> None:
    """Holding a 残疾人证, a 低保 household, a need for care or devices: all asked after consent."""
    facts = FACTS
    state, prompt = start(name, {})
    while prompt.kind == "question":
        assert not facts[prompt.fact].sensitive, prompt.fact
        state, prompt = answer(state, prompt.options[0].id)
    assert prompt.kind == "consent" or (prompt.kind == "result" and state.consent is None)
    assert all(not facts[f].sensitive for f in state.facts)


def test_an_age_band_that_does_not_settle_a_rule_is_followed_by_an_exact_age_with_buttons() -> None:
    state, prompt = run("child_rehab", ["region:zhangye", "age:a16_24"])
    assert prompt.fact == "age" and state.pending == {"kind": "fact", "fact": "age", "exact": True}
    assert [o.label for o in prompt.options][:2] == ["16岁", "17岁"]
    state, prompt = answer(state, "十六")
    assert state.facts["age"] == 16 and prompt.kind == "consent"


def test_an_age_band_that_settles_the_rules_is_not_asked_again() -> None:
    state, prompt = run("care_services", ["region:shuozhou", "age:a60"])
    assert prompt.result is not None and prompt.result.outcome == "not_eligible"
    assert state.facts["age"] == [60, 120]


def test_steps_count_up_and_the_total_is_an_honest_estimate() -> None:
    state, prompt = start("nursing_subsidy", {})
    assert (prompt.step, prompt.total_hint) == (1, 7)
    state, prompt = answer(state, "region:shuozhou")
    assert (prompt.kind, prompt.step) == ("consent", 2)
    state, prompt = answer(state, "consent:no_keep")
    state, prompt = answer(state, "has_certificate:no")
    assert prompt.kind == "result"  # no certificate: nothing more to ask


def test_result_carries_reasons_sources_how_to_apply_and_a_forwardable_summary() -> None:
    _, prompt = run(
        "nursing_subsidy",
        ["region:chiping", "consent:keep", "has_certificate:yes", "disability_grade:g3",
         "disability_type:mental", "needs_long_term_care:yes", "other_support:none"],
    )  # fmt: skip
    result = prompt.result
    assert result is not None and result.outcome == "unknown" and result.outcome_label == "需要进一步确认"
    grade = next(c for c in result.criteria if c.id == "grade")
    assert grade.status == "unclear" and "逐步" in grade.reason
    assert grade.refs == ("chiping:2.1.3", "chiping:box2.3")
    assert "区残联" in result.how_to_apply and "残疾人证" in result.what_to_bring
    assert "残联和民政部门" in result.disclaimer
    assert "茌平区规划 专栏2 第3项" in result.summary and "残疾等级：三级" in result.summary
    assert "\t" not in prompt.text and "|" not in prompt.text


def test_sources_resolve_through_a_lookup_function_with_region_path_number_and_text() -> None:
    index = clause_index(parse_all())
    state, _ = run("transport_concessions", ["region:zhangye", "consent:no_keep"])
    _, prompt = answer(state.to_dict(), "has_certificate:yes", clauses=index.get)
    assert prompt.result is not None
    [source] = prompt.result.sources
    assert source["ref"] == "zhangye:3.1.5" and source["region"] == "张掖市"
    assert source["number"] == "5." and "免费公交卡" in source["text"]
    assert source["path"].startswith("三、")


def test_state_round_trips_through_json() -> None:
    state, _ = run("nursing_subsidy", ["region:zhangye", "consent:no_keep", "has_certificate:yes"])
    data = json.loads(json.dumps(state.to_dict(), ensure_ascii=False))
    assert data["version"] == STATE_VERSION and data["consent"] == "no_keep"
    again = State.from_dict(data)
    assert again == state
    _, prompt = answer(again, "disability_grade:g1")
    assert prompt.fact == "needs_long_term_care"


def test_a_state_from_another_version_is_detected() -> None:
    state, _ = start("living_subsidy", {})
    data = {**state.to_dict(), "version": STATE_VERSION + 1}
    with pytest.raises(StateVersionError):
        State.from_dict(data)
    with pytest.raises(ValueError):
        State.from_dict({**state.to_dict(), "facts": {"disability_grade": 9}}, LIBRARY)
    with pytest.raises(ValueError):
        State.from_dict({**state.to_dict(), "facts": {"region": "火星"}}, LIBRARY)
    with pytest.raises(ValueError):
        State.from_dict({**state.to_dict(), "screening": "astrology"}, LIBRARY)


def test_evaluate_lists_missing_facts_then_decides() -> None:
    partial = evaluate("nursing_subsidy", {"region": "朔州市"})
    assert partial.outcome == "unknown"
    assert partial.missing == ["has_certificate", "disability_grade", "needs_long_term_care", "other_support"]
    assert partial.result is None
    facts = {
        "region": "朔州市",
        "has_certificate": True,
        "disability_grade": 1,
        "needs_long_term_care": False,
    }
    done = evaluate("nursing_subsidy", facts)
    assert done.outcome == "not_eligible" and done.missing == []
    assert any("一、二级" in r for r in done.reasons)
    assert "shuozhou:3.1.4" in done.refs and "shanxi:3.1.4" in done.refs


def test_evaluate_refuses_unknown_facts_and_values_and_a_region_given_as_a_string() -> None:
    with pytest.raises(ValueError, match="unknown fact"):
        evaluate("living_subsidy", {"income": 5})
    with pytest.raises(ValueError):
        evaluate("living_subsidy", {"household": "富裕"})
    with pytest.raises(KeyError):
        evaluate("no_such_screening", {})
    with pytest.raises(ValueError, match="Region"):
        engine.evaluate(LIBRARY, "living_subsidy", {"region": "朔州市"})
    given = engine.evaluate(LIBRARY, "living_subsidy", {}, region=place("朔州"))
    assert given.missing == ["has_certificate", "household", "other_support"]


@pytest.mark.parametrize(
    ("fact", "raw", "value"),
    [
        ("disability_grade", "3", 3),
        ("has_certificate", "true", True),
        ("has_certificate", "false", False),
        ("age", "十六", 16),
        ("disability_type", "智力", "智力"),
        ("disability_type", "intellectual", "智力"),
        ("household", "低保边缘", "低保边缘"),
        ("region", "朔州市", "朔州市"),
        ("region", "应县", "应县"),
        ("region", "其他", "其他"),
        ("student_status", "应届高校毕业生", "高校毕业生"),
        ("student_status", "高校毕业生", "高校毕业生"),
        ("needs_long_term_care", "unknown", None),
    ],
)
def test_parse_fact_reads_command_line_values(fact: str, raw: str, value: object) -> None:
    assert engine.parse_fact(LIBRARY, fact, raw) == value


@pytest.mark.parametrize(("fact", "raw"), [("disability_grade", "7"), ("region", "火星"), ("nope", "1")])
def test_parse_fact_names_what_it_expected(fact: str, raw: str) -> None:
    with pytest.raises(ValueError):
        engine.parse_fact(LIBRARY, fact, raw)


def test_ref_labels_read_like_the_plans() -> None:
    assert ref_label(LIBRARY, "shuozhou:3.1.4") == "朔州市规划 三（一）第4项"
    assert ref_label(LIBRARY, "shanxi:3.1.2") == "山西省规划 三（一）第2项"
    assert ref_label(LIBRARY, "chiping:box2.3") == "茌平区规划 专栏2 第3项"
    assert ref_label(LIBRARY, "chiping:ind10") == "茌平区规划 主要指标 第10项"


def test_a_box_item_in_a_sub_group_is_cited_by_its_number_in_the_group() -> None:
    """张掖's 专栏2 prints 一、资金类 1.–5. then 二、服务类 1.–5.; the ref counts 1–10 straight through."""
    clauses = clause_index(parse_all())
    assert ref_label(LIBRARY, "zhangye:box2.7", clauses) == "张掖市规划 专栏2 二、服务类 第2项"
    assert ref_label(LIBRARY, "zhangye:box2.2", clauses) == "张掖市规划 专栏2 一、资金类 第2项"
    tongxin = ref_label(LIBRARY, "tongxin:box5.5", clauses)
    assert tongxin == "同心县规划（征求意见稿） 专栏5 二、残疾人文化 第1项"


# ---------------------------------------------------------------------------------------- loading


def _copy(tmp_path: Path, name: str, edit) -> Path:
    text = (SCREENINGS_DIR / f"{name}.toml").read_text(encoding="utf-8")
    path = tmp_path / f"{name}.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('"other_support"]', '"other_support", "pets"]'), "unknown fact 'pets'"),
        (lambda t: t.replace('"shuozhou:3.1.4"', '"shuozhu:3.1.4"', 1), "reference 'shuozhu:3.1.4'"),
        (lambda t: t.replace('regions = ["茌平区"]', 'regions = ["茌平"]', 1), "unknown region"),
        (lambda t: t.replace('result = "met"', 'result = "yes"', 1), "'result' must be one of"),
        (lambda t: t.replace("disability_grade = [1, 2]", "disability_grade = [1, 7]", 1), "not a value"),
        (lambda t: t.replace('"other_support"]', '"other_support", "age", "household"]'), "at most 7"),
        (lambda t: t.replace('kind = "firm"', 'kind = "strong"', 1), "'kind' must be one of"),
        (lambda t: t.replace('kind = "open"', 'kind = "open"\n  result = "not_met"', 1), "is 'unclear'"),
        (lambda t: t.replace("。请向区残联确认。", "。", 1), "must say '确认'"),
        (
            lambda t: t.replace('refs = ["zhangye:3.1.5"]', 'refs = ["chiping:2.1.3"]', 1),
            "no plan that applies",
        ),
        (lambda t: t.replace('refs = ["tongxin:3.2.1"]', "refs = []", 1), "names its regions and cites"),
    ],
)
def test_a_malformed_screening_file_fails_naming_the_file_and_the_field(
    tmp_path: Path, edit, message: str
) -> None:
    path = _copy(tmp_path, "nursing_subsidy", edit)
    assert path.read_text(encoding="utf-8") != (SCREENINGS_DIR / "nursing_subsidy.toml").read_text("utf-8")
    with pytest.raises(ScreeningError, match=message) as info:
        read_screening(path, FACTS, PLACES)
    assert str(path) in str(info.value)


def test_a_new_screening_needs_no_code(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(
        """
name = "demo"
title = "演示"
intro = "演示用。"
questions = ["region", "has_certificate"]
decided_by = "当地残联"
[[criteria]]
id = "c"
label = "持证"
  [[criteria.cases]]
  regions = ["山西省"]
  when = { has_certificate = true }
  kind = "firm"
  result = "met"
  basis = "plan"
  reason = "有证。"
  refs = ["shanxi:3.1.4"]
  [[criteria.cases]]
  kind = "silent"
  basis = "not_stated"
  reason = "其他情况，请向县残联确认。"
[apply]
where = "县残联"
bring = ["残疾人证"]
""",
        encoding="utf-8",
    )
    screening = read_screening(path, FACTS, PLACES)
    assert screening.questions == ("region", "has_certificate")
    assert screening.criteria[0].cases[0].regions == ("山西省",)


def test_a_childs_result_says_the_child_may_qualify() -> None:
    _state, prompt = run(
        "child_rehab",
        ["region:shuozhou", "age:a0_6", "consent:no_keep", "household:dibao", "has_certificate:yes"],
    )
    assert prompt.kind == "result" and prompt.result is not None
    assert "根据您的回答，孩子可能符合条件。" in prompt.result.text(), prompt.result.text()
