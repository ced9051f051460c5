"""The CSV export: every clause of the five plans survives the round trip through Python's csv module."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from knowledge.export import (
    CLAUSE_COLUMNS,
    ENCODING,
    read_clauses_csv,
    write_clauses_csv,
    write_indicators_csv,
)
from knowledge.indicator_table import IndicatorTable


def test_every_clause_of_the_five_plans_round_trips_through_the_csv_module(clause_views, tmp_path: Path):
    path = tmp_path / "clauses.csv"
    with path.open("w", encoding=ENCODING, newline="") as stream:
        assert write_clauses_csv(clause_views, stream) == len(clause_views)
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), "Excel needs the byte-order mark to read UTF-8"
    with path.open(encoding=ENCODING, newline="") as stream:
        assert next(csv.reader(stream)) == list(CLAUSE_COLUMNS)
    with path.open(encoding=ENCODING, newline="") as stream:
        rows = read_clauses_csv(stream)
    assert len(rows) == len(clause_views)
    assert {c.doc_id for c in clause_views} == {"shuozhou", "tongxin", "zhangye", "shanxi", "chiping"}
    for clause, row in zip(clause_views, rows, strict=True):
        assert row["编号"] == clause.id
        assert row["规划"] == clause.doc_title and row["地区"] == clause.region
        assert row["章节"] == clause.path and row["序号"] == clause.number and row["标题"] == clause.title
        assert row["类型"] is clause.kind
        assert row["原文"] == clause.text
        assert row["牵头单位"] == clause.lead_departments
        assert row["参与单位"] == clause.participating_departments
        assert row["专栏"] == clause.box
        ind = clause.indicator
        assert (row["指标名称"], row["2020年"], row["2025年目标"], row["指标属性"]) == (
            (ind.name, ind.value_2020, ind.target_2025, ind.attribute) if ind else ("", "", "", "")
        )
    assert any("\n" in c.text or "," in c.text for c in clause_views), "the round trip has quoting to survive"


def test_no_cell_would_be_read_as_a_formula_by_a_spreadsheet(clause_views, tmp_path: Path):
    path = tmp_path / "clauses.csv"
    with path.open("w", encoding=ENCODING, newline="") as stream:
        write_clauses_csv(clause_views, stream)
    with path.open(encoding=ENCODING, newline="") as stream:
        cells = [cell for row in csv.reader(stream) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_the_indicator_export_has_one_row_per_plan_and_indicator(clause_views, library, tmp_path: Path):
    table = IndicatorTable.load(clause_views, library.directory, list(library.catalog))
    path = tmp_path / "indicators.csv"
    with path.open("w", encoding=ENCODING, newline="") as stream:
        assert write_indicators_csv(table.select("康复"), stream) == 4
    with path.open(encoding=ENCODING, newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["地区"] for r in rows] == ["朔州市", "同心县", "张掖市", "茌平区"]
    assert {r["指标"] for r in rows} == {"残疾人基本康复服务覆盖率"}
    assert rows[2]["2020年"] == ">80" and rows[2]["2025年目标"] == ">85" and rows[2]["单位"] == "%"
