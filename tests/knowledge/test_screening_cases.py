"""The cases an audit found wrong (issue 15), each checked against what the plans say."""

from __future__ import annotations

from knowledge.screening import Result
from tests.knowledge.screening_support import evaluate, run


def result_of(name: str, facts: dict) -> Result:
    evaluation = evaluate(name, facts)
    assert evaluation.missing == [], evaluation.missing
    assert evaluation.result is not None
    return evaluation.result


def reason(result: Result, criterion: str) -> str:
    return next(c.reason for c in result.criteria if c.id == criterion)


# -- 托养 and 照护 are two screenings ------------------------------------------------------------------


def test_托养_is_the_programme_for_16_to_59_and_points_older_people_to_照护() -> None:
    result = result_of("care_services", {"region": "张掖市", "age": 65})
    assert result.outcome == "not_eligible"
    assert "残疾人照护服务" in reason(result, "age") and "养老" not in reason(result, "age")


def test_a_person_over_60_in_张掖_is_told_about_养老机构_as_an_open_question_not_refused() -> None:
    facts = {"region": "张掖市", "age": 72, "needs_long_term_care": True, "household": "一般"}
    result = result_of("daily_care", facts)
    assert result.outcome == "unknown"
    said = reason(result, "who")
    assert "养老服务机构" in said and "视力、听力言语等老年残疾人" in said and "确认" in said
    assert result.refs and all(r.startswith("zhangye:") for r in result.refs)


def test_only_张掖_and_茌平_speak_of_养老机构_for_older_people() -> None:
    for region in ("朔州市", "山西省", "同心县", "其他"):
        facts = {"region": region, "age": 72, "needs_long_term_care": True, "household": "低保"}
        result = result_of("daily_care", facts)
        assert result.outcome == "unknown" and "养老" not in result.text(), region
    facts = {"region": "茌平区", "age": 72, "needs_long_term_care": True, "household": "一般"}
    chiping = result_of("daily_care", facts)
    assert chiping.outcome == "unknown" and "养老服务机构" in reason(chiping, "who")


def test_a_child_under_16_in_张掖_who_needs_care_is_not_refused_照护() -> None:
    托养 = result_of("care_services", {"region": "张掖市", "age": 9})
    assert 托养.outcome == "not_eligible"
    照护 = result_of(
        "daily_care", {"region": "张掖市", "age": 9, "needs_long_term_care": True, "household": "低保"}
    )
    assert 照护.outcome == "unknown" and "社会救助家庭中生活不能自理的残疾人" in reason(照护, "who")


def test_a_blind_person_of_grade_1_in_张掖_is_outside_托养_but_not_outside_照护() -> None:
    托养 = result_of("care_services", {"region": "张掖市", "age": 40, "disability_type": "视力"})
    assert 托养.outcome == "not_eligible" and "残疾人照护服务" in reason(托养, "disability")
    facts = {"region": "张掖市", "needs_long_term_care": True, "household": "一般", "disability_grade": 1}
    照护 = result_of("daily_care", {**facts, "age": 40})
    assert 照护.outcome == "unknown" and "重度残疾人" in reason(照护, "who")


def test_特困_people_who_need_care_are_cared_for_everywhere() -> None:
    for region in ("朔州市", "山西省", "同心县", "张掖市", "茌平区", "其他"):
        facts = {"region": region, "needs_long_term_care": True, "household": "特困"}
        if region in ("张掖市", "茌平区"):
            facts["age"] = 40
        assert result_of("daily_care", facts).outcome == "eligible", region


# -- the same words read one way ------------------------------------------------------------------------


def test_a_grade_3_intellectual_person_in_朔州_needing_care_is_told_to_confirm_not_refused() -> None:
    facts = {"has_certificate": True, "disability_grade": 3, "disability_type": "智力",
             "needs_long_term_care": True, "other_support": "都没有"}  # fmt: skip
    shuozhou = result_of("nursing_subsidy", {"region": "朔州市", **facts})
    assert shuozhou.outcome == "unknown"
    said = reason(shuozhou, "grade")
    assert "逐步扩大补贴对象覆盖面" in said and "请向当地残联确认" in said
    elsewhere = result_of("nursing_subsidy", {"region": "其他", **facts})
    assert elsewhere.outcome == "unknown"
    assert result_of("living_subsidy", {"region": "朔州市", "has_certificate": True, "household": "低收入",
                                        "other_support": "都没有"}).outcome == "unknown"  # fmt: skip


def test_a_grade_3_physical_person_with_no_plan_is_told_places_may_extend_the_nursing_subsidy() -> None:
    facts = {"region": "其他", "has_certificate": True, "disability_grade": 3, "disability_type": "肢体",
             "needs_long_term_care": True, "other_support": "都没有"}  # fmt: skip
    result = result_of("nursing_subsidy", facts)
    assert result.outcome == "unknown"
    said = reason(result, "grade")
    assert "有条件的地方可以扩大到非重度智力、精神残疾人或其他残疾人" in said and result.refs == ()


def test_the_exclusions_of_the_two_subsidies_are_asked_and_applied() -> None:
    _state, prompt = run(
        "living_subsidy", ["region:zhangye", "consent:no_keep", "has_certificate:yes", "household:dibao"]
    )
    assert prompt.fact == "other_support" and "孤儿基本生活费" in prompt.text
    _state, prompt = run("living_subsidy", ["region:zhangye", "consent:no_keep", "有", "五保户"])
    assert prompt.result is not None and prompt.result.outcome == "not_eligible"
    assert "特困" in reason(prompt.result, "household")


# -- finances for child rehabilitation ----------------------------------------------------------------


def test_a_3_year_old_from_a_family_that_is_not_poor_needs_confirming() -> None:
    for region in ("朔州市", "山西省", "同心县", "张掖市", "茌平区", "其他"):
        facts = {"region": region, "age": 3, "household": "一般", "has_certificate": True}
        result = result_of("child_rehab", facts)
        assert result.outcome == "unknown", region
        assert "经济" in reason(result, "means") and "确认" in reason(result, "means")
    poor = result_of(
        "child_rehab", {"region": "朔州市", "age": 3, "household": "低保", "has_certificate": True}
    )
    assert poor.outcome == "eligible"
    zhangye = result_of(
        "child_rehab", {"region": "张掖市", "age": 3, "household": "一般", "has_certificate": True}
    )
    assert "有条件的县区放宽家庭经济状况等限制" in reason(zhangye, "means")


# -- graduates -----------------------------------------------------------------------------------------


def test_a_26_year_old_graduate_in_朔州_who_is_not_working_may_get_the_internship_subsidy() -> None:
    state, prompt = run("internship_subsidy", ["朔州", "consent:no_keep", "有", "高校毕业生"])
    assert prompt.fact == "employed", "a graduate is asked whether they already work"
    state, prompt = run("internship_subsidy", ["朔州", "consent:no_keep", "有", "大学毕业", "没有工作"])
    assert prompt.result is not None and prompt.result.outcome == "eligible"
    assert "age" not in state.facts, "a graduate's age does not matter in 朔州"
    said = reason(prompt.result, "target")
    assert "没有限定应届或年龄" in said and "16到24" not in said.split("。")[0]
    facts = {"region": "朔州市", "has_certificate": True, "student_status": "高校毕业生", "employed": True}
    working = result_of("internship_subsidy", facts)
    assert working.outcome == "not_eligible" and "有工作" in reason(working, "target")


def test_graduate_is_not_asked_as_应届() -> None:
    _state, prompt = run("internship_subsidy", ["朔州", "consent:no_keep", "有"])
    assert prompt.fact == "student_status" and "应届" not in prompt.text


# -- smaller -------------------------------------------------------------------------------------------


def test_茌平_grade_3_home_modification_is_read_as_张掖_and_同心_are() -> None:
    facts = {"household": "低保", "has_certificate": True, "disability_grade": 3}
    for region in ("茌平区", "张掖市", "同心县"):
        result = result_of("home_accessibility", {"region": region, **facts})
        assert result.outcome == "unknown", region
        assert "没有限定重度" in reason(result, "severity"), region
    assert result_of("home_accessibility", {"region": "朔州市", **facts}).outcome == "not_eligible"


def test_a_同心_wheelchair_needs_confirming_and_a_同心_hearing_aid_has_limited_places() -> None:
    wheelchair = result_of(
        "assistive_devices", {"region": "同心县", "device": "行动", "has_certificate": True}
    )
    assert wheelchair.outcome == "unknown" and "只写了每年为40名听障残疾人" in reason(wheelchair, "local")
    hearing = result_of(
        "assistive_devices", {"region": "同心县", "device": "助听器", "has_certificate": True}
    )
    assert hearing.outcome == "eligible" and "名额有限" in reason(hearing, "local")


def test_山西_outside_朔州_makes_no_individual_fitting_commitment() -> None:
    shanxi = result_of("assistive_devices", {"region": "山西省", "device": "行动", "has_certificate": True})
    assert shanxi.outcome == "unknown" and "探索" in reason(shanxi, "local")
    shuozhou = result_of("assistive_devices", {"region": "朔州市", "device": "行动", "has_certificate": True})
    assert shuozhou.outcome == "eligible"
