"""Reading the main-indicator table (专栏1 主要指标) in the layouts the conversions produced.

Two layouts occur. Most plans keep a row per line with tab-separated cells, and leave the
类别 cell blank on rows that share the category above (朔州, 张掖 with 2020 and 2025 columns,
茌平 without categories). 同心县's conversion puts one cell per line, a category alone between
rows, "——" or an empty cell for a missing value, and drops trailing cells of some rows.
"""

from __future__ import annotations

import re

from knowledge.clause import Indicator
from knowledge.textclean import squeeze, table_value, to_halfwidth

_ROW_NUMBER = re.compile(r"^(\d{1,2})\s*[.．]\s*(.*)$")
_UNIT = re.compile(r"[（(]\s*([^（()）]{1,4}?)\s*[)）]\s*$")
_ATTRIBUTES = ("约束性", "预期性")


def split_unit(cell: str) -> tuple[str, str]:
    """("城乡残疾人职业技能培训人数", "人") from "城乡残疾人职业技能培训人数（人）"."""
    cell = squeeze(cell)
    m = _UNIT.search(cell)
    if not m:
        return cell, ""
    return cell[: m.start()].strip(), to_halfwidth(m.group(1)).strip()


def _indicator(number: int, name_cell: str, category: str, values: list[str], attribute: str) -> Indicator:
    name, unit = split_unit(name_cell)
    value_2020, target = [*values, "", ""][:2]  # by position: a dropped cell is a trailing one
    return Indicator(
        number=number,
        name=name,
        unit=unit,
        category=squeeze(category),
        value_2020=table_value(value_2020),
        target_2025=table_value(target),
        attribute=attribute.strip(),
    )


def _column(header: list[str], *needles: str) -> int | None:
    for i, cell in enumerate(header):
        if any(n in re.sub(r"\s+", "", cell) for n in needles):
            return i
    return None


def _parse_rows(lines: list[str]) -> list[Indicator]:
    rows: list[Indicator] = []
    columns: dict[str, int | None] | None = None
    category = ""
    for line in lines:
        cells = line.rstrip("\n").split("\t")
        if columns is None:
            if _column(cells, "属性") is not None:
                keys = {"cat": "类别", "name": "指标", "2020": "2020", "2025": "2025", "attr": "属性"}
                columns = {key: _column(cells, needle) for key, needle in keys.items()}
            continue

        def cell(key: str, cells: list[str] = cells, columns: dict[str, int | None] = columns) -> str:
            i = columns[key]
            return cells[i] if i is not None and i < len(cells) else ""

        m = _ROW_NUMBER.match(cell("name").strip())
        if not m:
            continue
        category = cell("cat").strip() or category
        values = [cell("2020"), cell("2025")] if columns["2020"] is not None else [cell("2025")]
        if columns["2020"] is None:
            values.insert(0, "")
        rows.append(_indicator(int(m.group(1)), m.group(2), category, values, cell("attr")))
    return rows


def _parse_cells(lines: list[str]) -> list[Indicator]:
    """One cell per line; a blank line (no tab) separates nothing, a bare tab is an empty cell."""
    cells = [line.strip() for line in lines if "\t" in line or line.strip()]
    start = next((i + 1 for i, c in enumerate(cells) if "属性" in c), len(cells))
    rows: list[Indicator] = []
    category = ""
    current: list[str] | None = None
    number = 0
    for cell in cells[start:]:
        m = re.match(r"^(\d{1,2})\s*[.．]$", cell)
        if current is None:
            if m:
                number, current = int(m.group(1)), []
            elif cell:
                category = cell
            continue
        if cell in _ATTRIBUTES or (m and current):
            name, *values = current or [""]
            rows.append(_indicator(number, name, category, values, cell if cell in _ATTRIBUTES else ""))
            current = None
            if m:
                number, current = int(m.group(1)), []
            continue
        current.append(cell)
    if current:
        name, *values = current
        rows.append(_indicator(number, name, category, values, ""))
    return rows


def parse_indicator_table(lines: list[str]) -> list[Indicator]:
    """The rows of an indicator table, given the raw lines after its 专栏 title."""
    tabular = any(sum(1 for c in line.split("\t") if c.strip()) >= 3 for line in lines)
    return _parse_rows(lines) if tabular else _parse_cells(lines)
