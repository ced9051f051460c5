"""The indicator tables of the five plans side by side, matched by knowledge/data/indicators.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.clause import Kind
from knowledge.extract import indicator_sentence
from knowledge.indicator_table import (
    IndicatorDataError,
    IndicatorMap,
    IndicatorTable,
    Value,
    describe,
    read_indicator_map,
    split_caption,
    text_table,
)

PLAN_ORDER = ["shuozhou", "tongxin", "zhangye", "shanxi", "chiping"]


@pytest.fixture(scope="module")
def table(clause_views, library) -> IndicatorTable:
    return IndicatorTable.load(clause_views, library.directory, PLAN_ORDER)


def test_every_row_of_the_shipped_tables_is_one_listed_indicator_and_every_listing_is_used(
    table, clause_views
):
    rows = [c for c in clause_views if c.kind is Kind.INDICATOR]
    assert len(rows) == 44
    assert table.unmapped == []
    assert sum(len(line.rows) for line in table.lines) == len(rows)
    assert {line.definition.key for line in table.lines} == {d.key for d in table.mapping.definitions}
    for line in table.lines:
        assert len({r.clause.doc_id for r in line.rows}) == len(line.rows), "one row per plan"


def test_differently_worded_rows_meet_on_one_line(table):
    rehab = next(line for line in table.lines if line.definition.key == "rehabilitation")
    wordings = {row.region: row.wording for row in rehab.rows}
    assert wordings["朔州市"] == "符合条件且有需求的残疾儿童和持证残疾人基本康复服务覆盖率"
    assert wordings["张掖市"] == wordings["茌平区"] == "残疾人基本康复服务覆盖率"
    access = next(line for line in table.lines if line.definition.key == "home_accessibility")
    assert {row.clause.id for row in access.rows} == {
        "shuozhou:ind11",
        "tongxin:ind11",
        "zhangye:ind11",
        "chiping:ind10",
    }


def test_a_row_the_data_does_not_list_stays_on_its_own_line(clause_views, library):
    full = read_indicator_map(library.directory / "indicators.toml")
    partial = IndicatorMap(tuple(d for d in full.definitions if d.key != "rehabilitation"))
    table = IndicatorTable(clause_views, partial, PLAN_ORDER)
    assert {c.id for c in table.unmapped} == {"shuozhou:ind9", "tongxin:ind9", "zhangye:ind9", "chiping:ind6"}
    alone = [line for line in table.lines if len(line.rows) == 1 and "康复" in line.definition.name]
    assert len(alone) == 4, "never merged by similarity"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('[[indicator]]\nkey = "Bad Key"\nname = "x"\ngroup = "g"\nnames = ["x"]\nwords = ["x"]\n', "'key'"),
        ('[[indicator]]\nkey = "a"\nname = "x"\ngroup = "g"\nnames = []\nwords = ["x"]\n', "'names'"),
        (
            '[[indicator]]\nkey = "a"\nname = "x"\ngroup = "g"\nnames = ["同一个"]\nwords = ["x"]\n'
            '[[indicator]]\nkey = "b"\nname = "y"\ngroup = "g"\nnames = ["同一个"]\nwords = ["y"]\n',
            "already listed under 'a'",
        ),
        (
            '[[indicator]]\nkey = "a"\nname = "x"\ngroup = "g"\nnames = ["x"]\nwords = ["x"]\nunit = "%"\n',
            "unit",
        ),
        ("[[indicator]\n", "not valid TOML"),
    ],
)
def test_a_malformed_data_file_is_refused_naming_file_and_field(tmp_path: Path, body, problem):
    path = tmp_path / "indicators.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(IndicatorDataError, match=re.escape(problem)) as error:
        read_indicator_map(path)
    assert "indicators.toml" in str(error.value)


@pytest.mark.parametrize(
    ("raw", "unit", "number", "label", "words"),
    [
        ("≥85", "%", 85.0, "≥85%", "不低于85%"),
        (">300", "人/次", 300.0, ">300人/次", "高于300人/次"),
        ("1234", "户", 1234.0, "1234户", "1234户"),
        ("与GDP增长同步", "%", None, "与GDP增长同步", "“与GDP增长同步”"),
        ("", "户", None, "未列明", "未列明"),
    ],
)
def test_values_keep_what_the_table_prints(raw, unit, number, label, words):
    value = Value(raw, unit)
    assert (value.number, value.label, value.words) == (number, label, words)


def test_a_percent_printed_inside_the_cell_is_not_doubled(table):
    living = next(line for line in table.lines if line.definition.key == "pension_insurance")
    tongxin = living.row_for("同心县")
    assert tongxin is not None and tongxin.clause.indicator.target_2025 == ">92%"
    assert tongxin.target_2025.label == ">92%"


def test_topics_pick_indicators_by_their_words_or_a_category_of_the_tables(table):
    def keys(topic: str) -> list[str]:
        return [line.definition.key for line in table.select(topic).lines]

    assert keys("无障碍") == ["home_accessibility"]
    assert keys("康复") == ["rehabilitation"]
    assert keys("补贴") == ["living_subsidy", "nursing_subsidy"]
    assert keys("保险") == ["pension_insurance", "medical_insurance"]
    employment = table.select("就业")
    assert employment.group == "收入和就业" and [line.definition.key for line in employment.lines] == [
        "income_growth",
        "skills_training",
    ]
    assert keys("手语") == []
    assert len(keys("")) == 12


def test_a_selection_lists_regions_in_catalogue_order_and_names_plans_without_a_table(table):
    selection = table.select("无障碍")
    assert selection.regions == ("朔州市", "同心县", "张掖市", "茌平区")
    assert selection.without_table == ("山西省规划",)
    only = table.select("康复", ["朔州市", "山西省"])
    assert only.regions == ("朔州市",) and only.without_table == ("山西省规划",)


def test_the_words_hold_every_region_and_every_value_and_say_what_is_missing(table):
    selection = table.select("")
    words = describe(selection)
    for line in selection.lines:
        assert line.definition.name in words
        for region in selection.regions:
            row = line.row_for(region)
            assert region in words
            if row is None:
                assert f"{region}没有这项指标" in words
                continue
            assert row.target_2025.words in words
            if row.value_2020.stated:
                assert f"2020年{row.value_2020.words}" in words
    assert "同心县2025年目标未列明" in words
    assert "山西省规划没有主要指标表。" in words
    table_text = text_table(selection)
    assert "（表中写作“困难度重残疾人居家无障碍改造数”）" in table_text


def test_pages_hold_at_most_four_indicators_and_the_missing_plan_is_named_once(table):
    pages = table.select("").pages(4)
    assert [len(p.lines) for p in pages] == [4, 4, 4]
    assert [p.without_table for p in pages] == [(), (), ("山西省规划",)]
    assert pages[1].heading == "主要指标对比（第2张，共3张）"


def test_a_long_caption_is_cut_after_a_sentence():
    text = "第一句。" * 300
    head, rest = split_caption(text, 1024)
    assert len(head) <= 1024 and head.endswith("。") and head + rest == text
    assert split_caption("短。", 1024) == ("短。", "")


def test_no_indicator_sentence_doubles_its_unit(clause_views):
    """同心's table prints 100％ in a row whose name already says (%): said once, as 100%."""
    rows = [c for c in clause_views if c.indicator is not None]
    assert len(rows) > 40
    for clause in rows:
        assert clause.indicator is not None
        sentence = indicator_sentence(clause.indicator)
        assert "%%" not in sentence and "％" not in sentence, (clause.id, sentence)


def test_an_indicator_sentence_says_each_cell_as_the_table_does(clause_views):
    """One reading of a cell (indicator_table.Value) for tables, charts, lookups and answers alike."""
    by_id = {c.id: c for c in clause_views}
    chiping = by_id["chiping:ind9"].indicator
    shuozhou = by_id["shuozhou:ind1"].indicator
    assert chiping is not None and shuozhou is not None
    assert "2025年的目标是高于300人/次" in indicator_sentence(chiping)
    assert "2025年的目标是“与全市地区生产总值增长同步”" in indicator_sentence(shuozhou)
