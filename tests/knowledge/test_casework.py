"""Case workers' exact lookups on the real plans: departments, targets by name and year, /compare.

The first four tests are the defects of issue 17; then three department or target questions of our
own for each plan. Every finding is checked for what it must never do: name an unrelated item, or
give another year's figure as the asked year's.
"""

from __future__ import annotations

import re

import pytest

from knowledge.casework import (
    DepartmentFinding,
    IndicatorFinding,
    asked_year,
    compare,
    department_lookup,
    indicator_lookup,
)
from knowledge.search import Searcher


def text_of(finding: DepartmentFinding | IndicatorFinding) -> str:
    return "".join(s.text for s in finding.sentences)


def ids(finding: DepartmentFinding | IndicatorFinding) -> list[str]:
    return [c.id for c in finding.clauses]


def departments(searcher: Searcher, question: str, region: str | None = None) -> DepartmentFinding:
    finding = department_lookup(question, searcher, searcher.library.region(region))
    assert finding is not None, question
    assert_every_item_is_about_the_topic(finding)
    return finding


def target(searcher: Searcher, question: str, region: str | None = None) -> IndicatorFinding:
    finding = indicator_lookup(question, searcher, searcher.library.region(region))
    assert finding is not None, question
    assert_no_other_years_figure(finding)
    return finding


def assert_every_item_is_about_the_topic(finding: DepartmentFinding) -> None:
    for clause in finding.clauses:
        assert clause.lead_departments, clause.id
    for sentence in finding.sentences:
        for clause in sentence.sources:
            for lead in clause.lead_departments:
                assert lead in sentence.text or "分别由" not in sentence.text, (sentence.text, lead)


def assert_no_other_years_figure(finding: IndicatorFinding) -> None:
    """A year the table lacks is never given a figure; each figure is labelled with its own year."""
    text = text_of(finding)
    year = finding.year
    if year is not None and year not in (2020, 2025):
        assert f"没有{year}年的数" in text
        assert not re.search(rf"{year}年(?:是|目标|为|达到)", text), text
    for sentence in finding.sentences:
        for clause in sentence.sources:
            ind = clause.indicator
            if ind is not None and ind.target_2025 and ind.target_2025.rstrip("%") in sentence.text:
                assert "2025年" in sentence.text, sentence.text


# -- the four defects of issue 17 ---------------------------------------------------------------------


def test_rehabilitation_departments_come_from_the_rehabilitation_items_not_the_sports_item(plan_searcher):
    finding = departments(plan_searcher, "茌平区康复工作是哪个部门牵头的")
    assert ids(finding) == ["chiping:2.3.3", "chiping:2.3.4"]
    assert "chiping:2.3.9" not in ids(finding), "the sports item only mentions 康复体育"
    assert finding.several
    text = text_of(finding)
    assert "讲“康复”的任务有两项" in text and "区残联" in text and "完善残疾人体育管理服务体系" not in text


def test_an_employment_target_is_not_answered_with_the_training_count(plan_searcher):
    finding = target(plan_searcher, "朔州市残疾人就业人数的目标定了多少")
    assert not finding.found
    text = text_of(finding)
    assert "朔州市规划的主要指标表里没有“就业人数”这一项指标" in text
    assert "2000" not in text, "the training count is not the employment target"
    assert "“收入和就业”一类只有：残疾人家庭人均收入年均增速、城乡残疾人职业技能培训人数" in text


def test_compare_says_a_plan_does_not_mention_blind_massage_instead_of_showing_an_unrelated_clause(
    plan_searcher,
):
    rows = {row.region: row for row in compare("盲人按摩", plan_searcher)}
    assert list(rows) == ["朔州市", "同心县", "张掖市", "山西省", "茌平区"]
    assert rows["茌平区"].clauses == [] and rows["茌平区"].silent == "茌平区规划没有写到这一点。"
    for region in ("朔州市", "同心县", "张掖市", "山西省"):
        [clause] = rows[region].clauses
        assert "按摩" in clause.text, region


@pytest.mark.parametrize(
    ("question", "year"),
    [("张掖 2018年康复服务覆盖率是多少", 2018), ("张掖到2030年康复服务覆盖率要达到多少", 2030)],
)
def test_a_year_the_table_does_not_have_gets_no_figure_but_what_the_table_has(plan_searcher, question, year):
    finding = target(plan_searcher, question)
    assert finding.year == year and not finding.year_in_table
    assert ids(finding) == ["zhangye:ind9"]
    text = text_of(finding)
    assert f"张掖市规划没有{year}年的数。" in text
    assert "2020年是高于80%，2025年目标是高于85%（约束性指标）" in text


# -- three questions of our own per plan ----------------------------------------------------------------


def test_shuozhou_care_and_respite_services_are_led_by_civil_affairs_and_the_disabled_persons_federation(
    plan_searcher,
):
    finding = departments(plan_searcher, "照护和托养服务由谁牵头", "朔州市")
    assert ids(finding) == ["shuozhou:3.1.3"] and not finding.several
    assert "由市民政局、市残联牵头" in text_of(finding)


def test_shuozhou_home_accessibility_target_for_2025(plan_searcher):
    finding = target(plan_searcher, "朔州 2025年困难重度残疾人家庭无障碍改造要改多少户")
    assert ids(finding) == ["shuozhou:ind11"]
    assert "2025年目标是1234户（约束性指标）" in text_of(finding)


def test_shuozhou_has_no_2020_column_so_a_2020_question_gets_the_2025_target_labelled_as_such(plan_searcher):
    finding = target(plan_searcher, "2020年辅助器具适配率多少", "应县")
    assert ids(finding) == ["shuozhou:ind10"]
    text = text_of(finding)
    assert "朔州市规划没有2020年的数。" in text and "2025年目标是不低于85%" in text
    assert "山西省" not in text, "朔州's own table answers; the province's absence is beside the point"


def test_tongxin_names_no_departments_and_says_so(plan_searcher):
    finding = departments(plan_searcher, "同心县的残疾人教育谁来负责")
    assert finding.clauses == []
    assert text_of(finding) == "同心县规划（征求意见稿）没有写各项任务的牵头单位和参与单位。"


def test_tongxin_pension_insurance_target(plan_searcher):
    finding = target(plan_searcher, "养老保险参保率目标", "同心县")
    assert ids(finding) == ["tongxin:ind6"]
    assert "2025年目标是高于92%（预期性指标）" in text_of(finding)


def test_tongxin_leaves_the_accessibility_cell_blank_and_its_box_gives_the_figure(plan_searcher):
    finding = target(plan_searcher, "同心 困难家庭无障碍改造目标是多少户")
    assert ids(finding) == ["tongxin:ind11"]
    text = text_of(finding)
    assert "2025年目标未列明" in text
    box = next(s for s in finding.sentences if s.clause is not None and s.clause.id == "tongxin:box6.2")
    assert "1500户" in box.text and "专栏6 第2项" in box.text


def test_zhangye_names_no_departments_and_says_so(plan_searcher):
    finding = departments(plan_searcher, "张掖 辅助器具服务由哪个部门负责")
    assert finding.clauses == [] and "张掖市规划没有写各项任务的牵头单位" in text_of(finding)


def test_zhangye_training_target_and_its_attribute(plan_searcher):
    finding = target(plan_searcher, "张掖 职业技能培训人数的指标")
    assert ids(finding) == ["zhangye:ind2"]
    assert "2025年目标是10000人（约束性指标）" in text_of(finding)


def test_zhangye_2020_enrolment_is_in_its_table(plan_searcher):
    finding = target(plan_searcher, "张掖市2020年残疾儿童义务教育入学率")
    assert finding.year == 2020 and finding.year_in_table
    assert "2020年是95%，2025年目标是97%" in text_of(finding)


def test_shanxi_information_accessibility_is_led_by_five_bodies(plan_searcher):
    finding = departments(plan_searcher, "山西 信息无障碍建设哪些部门牵头")
    assert ids(finding) == ["shanxi:3.4.4"]
    assert "由省精神文明办、省工信厅、省住建厅、省通信管理局、省残联牵头" in text_of(finding)


def test_shanxi_special_education_is_led_by_the_education_department(plan_searcher):
    finding = departments(plan_searcher, "特殊教育谁负责", "山西省")
    assert ids(finding) == ["shanxi:3.3.5"] and "由省教育厅牵头" in text_of(finding)


def test_shanxi_has_no_indicator_table_and_says_so(plan_searcher):
    finding = target(plan_searcher, "山西省护理补贴覆盖率的目标")
    assert not finding.found
    assert text_of(finding) == "山西省规划没有主要指标表。"


def test_chiping_child_rehabilitation_is_one_item(plan_searcher):
    finding = departments(plan_searcher, "茌平 残疾儿童康复救助的牵头单位")
    assert ids(finding) == ["chiping:2.3.3"] and not finding.several
    assert "参与单位有区卫生健康局" in text_of(finding)


def test_chiping_township_service_agencies_target(plan_searcher):
    finding = target(plan_searcher, "茌平 乡镇残疾人服务机构覆盖率目标多少")
    assert ids(finding) == ["chiping:ind11"]
    assert "2025年目标是100%（约束性指标）" in text_of(finding)


def test_chiping_end_of_the_plan_period_means_2025(plan_searcher):
    finding = target(plan_searcher, "茌平区十四五末城乡残疾人职业技能培训多少人")
    assert finding.year == 2025 and ids(finding) == ["chiping:ind9"]
    assert "2025年目标是高于300人/次（预期性指标）" in text_of(finding)


# -- what the lookups leave alone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "护理补贴每个月发多少钱",
        "无障碍改造怎么申请",
        "哪个部门牵头",
        "朔州有哪些目标",
        "茌平 指标 11",
        "残疾人证怎么办",
    ],
)
def test_questions_of_another_kind_are_left_to_the_answer_engine(plan_searcher, question):
    region = plan_searcher.library.region("朔州市")
    assert department_lookup(question, plan_searcher, region) is None
    assert indicator_lookup(question, plan_searcher, region) is None


def test_a_region_without_a_plan_is_said_and_the_plans_here_are_offered_for_reference(plan_searcher):
    finding = departments(plan_searcher, "广州 托养服务哪个部门牵头")
    assert finding.sentences[0].text == "广州市的规划暂未收录，下面是已收录规划里的写法，仅供参考。"
    assert {c.doc_id for c in finding.clauses} == {"shuozhou", "shanxi", "chiping"}


def test_without_a_region_every_plan_with_the_indicator_answers(plan_searcher):
    finding = target(plan_searcher, "2018年医疗保险参保率")
    assert [c.doc_id for c in finding.clauses] == ["shuozhou", "tongxin", "zhangye", "chiping"]
    assert finding.sentences[0].text == "规划没有2018年的数，各地主要指标表里写的是："


@pytest.mark.parametrize(
    ("text", "year"),
    [("2018年", 2018), ("二〇三〇年的目标", 2030), ("十四五末", 2025), ("十三五末", 2020), ("现在", None)],
)
def test_the_year_asked(text, year):
    assert asked_year(text) == year


def test_without_a_region_only_the_plans_search_found_answer_when_they_are_given(plan_searcher):
    """On a corpus of thousands of plans a question with no region is answered from the plans its
    search ranked, not by reading every plan; the same question without candidates reads them all."""
    question = "托养服务哪个部门牵头"
    everyone = department_lookup(question, plan_searcher, None)
    only_shuozhou = department_lookup(question, plan_searcher, None, candidates=("shuozhou", "elsewhere"))
    assert everyone is not None and only_shuozhou is not None
    assert {c.doc_id for c in everyone.clauses} == {"shuozhou", "shanxi", "chiping"}
    assert {c.doc_id for c in only_shuozhou.clauses} == {"shuozhou"}
    target_everywhere = indicator_lookup("残疾人基本康复服务覆盖率目标", plan_searcher, None)
    target_in_chiping = indicator_lookup(
        "残疾人基本康复服务覆盖率目标", plan_searcher, None, candidates=("chiping",)
    )
    assert target_everywhere is not None and target_in_chiping is not None
    assert len({c.doc_id for c in target_everywhere.clauses}) > 1
    assert {c.doc_id for c in target_in_chiping.clauses} == {"chiping"}


def test_a_department_named_to_check_it_is_not_part_of_the_topic(plan_searcher):
    """“…是住建局吗” asks who leads the accessibility task; 住建局 is not a word the task is about."""
    finding = departments(plan_searcher, "朔州 无障碍设施建设是不是住建局牵头")
    assert ids(finding) == ["shuozhou:3.4.3"] and "由市住建局牵头" in text_of(finding)


def test_examples_listed_before_what_they_stand_for_leave_the_topic_to_it(plan_searcher):
    finding = departments(plan_searcher, "茌平 坡道、无障碍厕所这些无障碍设施谁来牵头")
    assert ids(finding) == ["chiping:2.4.1"] and "住房和城乡建设局" in text_of(finding)


def test_items_with_one_lead_say_both_are_led_by_it(plan_searcher):
    finding = departments(plan_searcher, "康复哪个部门牵头", "茌平区")
    assert "两项，都由区残联牵头" in text_of(finding) and "分别由区残联牵头" not in text_of(finding)


def test_examples_followed_by_a_word_for_things_are_the_topic(plan_searcher):
    finding = departments(plan_searcher, "朔州 助残宣传、评选自强模范这些工作谁牵头")
    assert ids(finding) == ["shuozhou:3.4.5"] and "市委宣传部" in text_of(finding)


def test_items_with_two_leads_name_both(plan_searcher):
    finding = departments(plan_searcher, "康复哪个部门牵头", "朔州市")
    assert "两项，分别由市残联、市民政局牵头" in text_of(finding), text_of(finding)
