"""Indicator charts as PNG: one panel per indicator, one bar per region in that region's colour.

A bar is the 2025 target, a hollow circle on it the 2020 value, and the values are printed beside
the bar exactly as the table prints them ("≥85%", ">300人/次"): a comparator or a unit is never
lost to the drawing. A target in words ("与GDP增长同步") or one the table leaves blank is written
where its bar would be. Each region keeps its colour in every chart (Okabe–Ito's palette, which
people with colour-vision deficiencies can tell apart), whichever regions a chart shows.

matplotlib is imported only when a chart is drawn (about half a second), and through its
object-oriented API (Figure, not pyplot), which keeps no global figure state; drawings in worker
threads take turns, as matplotlib's font and text caches are shared.
Chinese needs a CJK font: setup installs WenQuanYi Micro Hei (fonts-wqy-microhei); Noto Sans CJK
or Source Han Sans serve as well. Without one a chart would be boxes, so it is refused instead.
"""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.indicator_table import IndicatorLine, Selection

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn
    from matplotlib.axes import Axes

#: Okabe & Ito (2008), "Color Universal Design": distinct for the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442")
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
_CJK_FILE = re.compile(r"wqy|NotoSansCJK|NotoSansSC|SourceHanSans|DroidSansFallback", re.IGNORECASE)
PANELS_PER_IMAGE = 4  # a chat app shows a picture at most about 1280 pixels tall: four panels fit
WIDTH_IN = 9.0
DPI = 110
ROW_IN = 0.42  # height of one region's bar
PANEL_EXTRA_IN = 0.75  # a panel's title and axis
HEAD_IN = 1.0
FOOT_IN = 0.5
NOTE_LINE_IN = 0.22  # each further line of the footnote
INK = "#222222"
MUTED = "#666666"

_font_lock = threading.Lock()
_draw_lock = threading.Lock()


class ChartUnavailable(RuntimeError):
    """A chart cannot be drawn here (no CJK font); the text table still can."""


def region_colour(region: str, all_regions: tuple[str, ...]) -> str:
    """The region's colour: fixed by its place among all regions with a plan, not by the chart."""
    index = all_regions.index(region) if region in all_regions else len(all_regions)
    return PALETTE[index % len(PALETTE)]


def cjk_font() -> str:
    """The family name of an installed CJK font matplotlib can use; ChartUnavailable if there is none.

    A font installed after matplotlib cached its font list is not in that list: it is looked for
    among the system's font files and added."""
    from matplotlib import font_manager

    with _font_lock:
        family = _known_cjk_family(font_manager.fontManager)
        if family is None:
            for path in font_manager.findSystemFonts():
                if _CJK_FILE.search(Path(path).name):
                    font_manager.fontManager.addfont(path)
            family = _known_cjk_family(font_manager.fontManager)
    if family is None:
        raise ChartUnavailable("没有找到中文字体（请运行 make setup，它会安装 fonts-wqy-microhei）")
    return family


def _known_cjk_family(manager: object) -> str | None:
    names = {font.name for font in manager.ttflist}  # type: ignore[attr-defined]
    return next((family for family in CJK_FAMILIES if family in names), None)


def render_png(selection: Selection) -> bytes:
    """The selection as a PNG. Charts of the same data are drawn once per process."""
    if not selection.lines:
        raise ValueError("nothing to draw: the selection has no indicator")
    with _draw_lock:  # matplotlib's text and font caches are not made for threads drawing at once
        return _render(_spec(selection))


# A chart spec is plain tuples, so equal selections share one cached drawing.
_Row = tuple[str, str, float | None, str, float | None, str, str]  # region, colour, 2020, label, 2025, …
_Panel = tuple[str, tuple[_Row, ...]]


def _spec(selection: Selection) -> tuple[str, str, tuple[_Panel, ...]]:
    panels = tuple(_panel(line, selection) for line in selection.lines)
    notes = [f"来源：{'、'.join(_plans(selection))}的主要指标表。"]
    notes += [f"{plan}没有主要指标表。" for plan in selection.without_table]
    notes += [f"\n{f.region}：表中未列明，{f.where}写有“{_short(f.sentence)}”。" for f in selection.in_text]
    return selection.heading, "".join(notes), panels


def _short(sentence: str, limit: int = 40) -> str:
    """The end of a long sentence, where its figure usually stands."""
    sentence = sentence.rstrip("。；")
    return sentence if len(sentence) <= limit else "…" + sentence[-limit:]


def _plans(selection: Selection) -> list[str]:
    return list(dict.fromkeys(row.plan for row in selection.rows()))


def _panel(line: IndicatorLine, selection: Selection) -> _Panel:
    rows: list[_Row] = []
    for region in selection.regions:
        colour = region_colour(region, selection.all_regions)
        row = line.row_for(region)
        if row is None:
            rows.append((region, colour, None, "", None, "没有这项指标", ""))
            continue
        v2020, target = row.value_2020, row.target_2025
        label = f"2025年 {target.label}" if target.number is not None else f"2025年：{target.label}"
        if v2020.stated:
            label += f"（2020年 {v2020.label}）"
        first = v2020.number if v2020.stated else None
        rows.append((region, colour, first, v2020.label, target.number, label, row.attribute))
    return line.title, tuple(rows)


@lru_cache(maxsize=32)
def _render(spec: tuple[str, str, tuple[_Panel, ...]]) -> bytes:
    from matplotlib.figure import Figure

    heading, note, panels = spec
    family = cjk_font()
    heights = [PANEL_EXTRA_IN + ROW_IN * len(rows) for _, rows in panels]
    total = HEAD_IN + sum(heights) + FOOT_IN + NOTE_LINE_IN * note.count("\n")
    figure = Figure(figsize=(WIDTH_IN, total), dpi=DPI, facecolor="white")
    figure.text(0.02, 1 - 0.32 / total, heading, fontsize=16, family=family, color=INK)
    figure.text(
        0.02,
        1 - 0.62 / total,
        "条形：2025年目标　○：2020年数值　数字照规划表原样标注",
        fontsize=9,
        family=family,
        color=MUTED,
    )
    top = total - HEAD_IN
    for (title, rows), height in zip(panels, heights, strict=True):
        bottom = top - height
        axes = figure.add_axes((0.2, (bottom + 0.3) / total, 0.76, (height - PANEL_EXTRA_IN + 0.2) / total))
        _draw_panel(axes, title, rows, family)
        top = bottom
    figure.text(
        0.02, 0.15 / total, note, fontsize=8.5, family=family, color=MUTED, va="bottom", linespacing=1.6
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _draw_panel(ax: Axes, title: str, rows: tuple[_Row, ...], family: str) -> None:
    numbers = [n for _, _, first, _, target, _, _ in rows for n in (first, target) if n is not None]
    percent = all("%" in label for *_r, target, label, _a in rows if target is not None)
    top = 100.0 if percent and numbers and max(numbers) <= 100 else max(numbers, default=1.0) or 1.0
    ax.set_xlim(0, top * 1.75)  # room for the labels right of the bars
    ax.set_ylim(len(rows) - 0.5, -0.5)
    if not numbers:
        ax.set_xticks([])  # targets in words only: an axis would measure nothing
    elif top == 100.0:
        ax.set_xticks([0, 25, 50, 75, 100])
    for y, (_region, colour, first, _first_label, target, label, _attribute) in enumerate(rows):
        end = 0.0
        if target is not None:
            ax.barh(y, target, height=0.62, color=colour, edgecolor=colour)
            end = target
        if first is not None:
            ax.plot(
                first, y, marker="o", markersize=8, markerfacecolor="white", markeredgecolor=INK, zorder=3
            )
            end = max(end, first)
        ax.text(
            end + top * 0.02,
            y,
            label,
            va="center",
            ha="left",
            fontsize=10,
            family=family,
            color=INK if target is not None else MUTED,
        )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(
        [f"{region}\n{attribute}" if attribute else region for region, *_rest, attribute in rows],
        family=family,
        fontsize=10,
    )
    ax.set_title(title, loc="left", fontsize=11.5, family=family, color=INK, pad=6)
    ax.tick_params(axis="x", labelsize=8, colors=MUTED)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(MUTED)
    ax.spines["bottom"].set_color(MUTED)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
