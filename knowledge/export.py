"""Spreadsheets for a case worker's office: every clause, or the indicator tables, as CSV.

Written as UTF-8 with a byte-order mark, which Excel needs to read Chinese correctly, with the
csv module's quoting (a clause's text may hold commas, quotes and line breaks). Departments are
listed with "、" between them, as the plans list them. Each column is a field read back by
`read_clauses_csv`, so an export can be checked against the clauses it came from.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from knowledge.clause import PATH_SEPARATOR, ClauseView, Kind
from knowledge.indicator_table import Selection

ENCODING = "utf-8-sig"  # UTF-8 with a BOM
LIST_SEPARATOR = "、"

#: What each kind of clause is called in the spreadsheet.
KIND_NAMES = {
    Kind.PREAMBLE: "前言",
    Kind.SECTION: "章节正文",
    Kind.GOAL: "目标",
    Kind.PRINCIPLE: "原则",
    Kind.ITEM: "任务条目",
    Kind.BOX_ITEM: "专栏项目",
    Kind.INDICATOR: "主要指标",
}
KINDS_BY_NAME = {name: kind for kind, name in KIND_NAMES.items()}

CLAUSE_COLUMNS = (
    "编号",
    "规划",
    "地区",
    "章节",
    "序号",
    "标题",
    "类型",
    "原文",
    "牵头单位",
    "参与单位",
    "专栏",
    "指标名称",
    "指标单位",
    "指标类别",
    "2020年",
    "2025年目标",
    "指标属性",
)
INDICATOR_COLUMNS = (
    "指标",
    "地区",
    "规划",
    "编号",
    "规划中的写法",
    "单位",
    "2020年",
    "2025年目标",
    "指标属性",
)


def clause_row(clause: ClauseView) -> dict[str, str]:
    ind = clause.indicator
    return {
        "编号": clause.id,
        "规划": clause.doc_title,
        "地区": clause.region,
        "章节": clause.path_text,
        "序号": clause.number,
        "标题": clause.title,
        "类型": KIND_NAMES[clause.kind],
        "原文": clause.text,
        "牵头单位": LIST_SEPARATOR.join(clause.lead_departments),
        "参与单位": LIST_SEPARATOR.join(clause.participating_departments),
        "专栏": clause.box,
        "指标名称": ind.name if ind else "",
        "指标单位": ind.unit if ind else "",
        "指标类别": ind.category if ind else "",
        "2020年": ind.value_2020 if ind else "",
        "2025年目标": ind.target_2025 if ind else "",
        "指标属性": ind.attribute if ind else "",
    }


def write_clauses_csv(clauses: Iterable[ClauseView], stream: IO[str]) -> int:
    """Every clause, one row each, in the order given; the number of rows written. Open `stream`
    with encoding=ENCODING and newline=""."""
    writer = csv.DictWriter(stream, fieldnames=CLAUSE_COLUMNS)
    writer.writeheader()
    count = 0
    for clause in clauses:
        writer.writerow(clause_row(clause))
        count += 1
    return count


def write_indicators_csv(selection: Selection, stream: IO[str]) -> int:
    """The selection's indicator rows, one per plan and indicator; the number of rows written."""
    writer = csv.DictWriter(stream, fieldnames=INDICATOR_COLUMNS)
    writer.writeheader()
    count = 0
    for line in selection.lines:
        for row in line.rows:
            writer.writerow(
                {
                    "指标": line.definition.name,
                    "地区": row.region,
                    "规划": row.plan,
                    "编号": row.clause.id,
                    "规划中的写法": row.wording,
                    "单位": row.unit,
                    "2020年": row.value_2020.raw,
                    "2025年目标": row.target_2025.raw,
                    "指标属性": row.attribute,
                }
            )
            count += 1
    return count


def read_clauses_csv(stream: IO[str]) -> list[dict[str, object]]:
    """An export read back: each row's fields, with departments and the path as tuples and the kind
    as a Kind (what a ClauseView holds)."""
    rows: list[dict[str, object]] = []
    for raw in csv.DictReader(stream):
        row: dict[str, object] = dict(raw)
        for column in ("牵头单位", "参与单位"):
            row[column] = tuple(raw[column].split(LIST_SEPARATOR)) if raw[column] else ()
        row["章节"] = tuple(raw["章节"].split(PATH_SEPARATOR)) if raw["章节"] else ()
        row["类型"] = KINDS_BY_NAME[raw["类型"]]
        rows.append(row)
    return rows
