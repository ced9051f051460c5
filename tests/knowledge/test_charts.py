"""Indicator charts: real PNGs drawn by matplotlib with the CJK font setup installs, checked as pictures."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from knowledge import charts
from knowledge.charts import DPI, PANELS_PER_IMAGE, WIDTH_IN, cjk_font, region_colour, render_png
from knowledge.indicator_table import IndicatorTable, Selection, describe

PLAN_ORDER = ["shuozhou", "tongxin", "zhangye", "shanxi", "chiping"]
TELEGRAM_PHOTO_SIDE = 1280  # Telegram shows photos scaled to at most this many pixels a side


@pytest.fixture(scope="module")
def table(clause_views, library) -> IndicatorTable:
    return IndicatorTable.load(clause_views, library.directory, PLAN_ORDER)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every pixel: a truncated or corrupt file fails here
    return image.convert("RGB")


def pixels_of(image: Image.Image, hex_colour: str) -> int:
    wanted = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(count for count, colour in image.getcolors(maxcolors=1 << 20) if colour == wanted)


def bars(selection: Selection) -> dict[str, bool]:
    """Region → whether it has a numeric 2025 target, i.e. a bar, in the selection."""
    return {
        region: any(
            (row := line.row_for(region)) and row.target_2025.number is not None for line in selection.lines
        )
        for region in selection.regions
    }


@pytest.mark.parametrize("topic", ["无障碍", "康复"])
def test_a_chart_for_a_topic_is_a_png_of_the_expected_size_with_each_regions_colour(table, topic):
    selection = table.select(topic)
    png = render_png(selection)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and 10_000 < len(png) < 1_000_000
    image = decode(png)
    footnotes = charts.NOTE_LINE_IN * len(selection.in_text)  # 同心县's blank cell, explained
    expected_height = DPI * (
        charts.HEAD_IN + charts.FOOT_IN + charts.PANEL_EXTRA_IN + charts.ROW_IN * 4 + footnotes
    )
    assert image.width == round(WIDTH_IN * DPI)
    assert abs(image.height - expected_height) <= 2
    for region, has_bar in bars(selection).items():
        colour = region_colour(region, selection.all_regions)
        if has_bar:
            assert pixels_of(image, colour) > 1_000, f"{region}'s bar ({colour}) is missing"
        else:
            assert pixels_of(image, colour) == 0, f"{region} has no figure, so no bar"


@pytest.mark.parametrize("topic", ["无障碍", "康复"])
def test_the_caption_says_every_region_and_every_value_of_the_chart(table, topic):
    selection = table.select(topic)
    caption = describe(selection)
    assert len(caption) <= 1024
    for row in selection.rows():
        assert row.region in caption
        for value in (row.value_2020, row.target_2025):
            if value.stated:
                assert value.words in caption, f"{row.region}: {value.words}"
                assert value.raw.rstrip("%").lstrip("≥><") in caption
    for plan in selection.without_table:
        assert f"{plan}没有主要指标表" in caption


def test_unstated_figures_are_written_not_drawn_and_the_plans_own_figure_is_cited(table):
    selection = table.select("无障碍")
    tongxin = selection.lines[0].row_for("同心县")
    assert tongxin is not None and not tongxin.target_2025.stated
    words = describe(selection)
    assert "同心县2025年目标未列明" in words
    assert "同心县的表中未列明这一项，同心县规划（征求意见稿）专栏6 第2项写的是：" in words
    assert words.count("1500户") == 1
    assert [f.region for f in table.select("康复").in_text] == [], "only blank cells get a note"


def test_a_region_keeps_its_colour_whichever_regions_a_chart_shows(table):
    everyone = table.select("康复")
    alone = table.select("康复", ["茌平区"])
    colour = region_colour("茌平区", everyone.all_regions)
    assert colour == region_colour("茌平区", alone.all_regions)
    assert pixels_of(decode(render_png(alone)), colour) > 1_000
    palette = {region_colour(r, everyone.all_regions) for r in everyone.all_regions}
    assert len(palette) == len(everyone.all_regions), "one colour per region"


def test_every_page_of_the_whole_table_stays_readable_in_a_chat(table):
    pages = table.select("").pages(PANELS_PER_IMAGE)
    assert len(pages) == 3
    for page in pages:
        image = decode(render_png(page))
        assert image.height <= TELEGRAM_PHOTO_SIDE and image.width <= TELEGRAM_PHOTO_SIDE


def test_the_font_draws_every_chinese_character_the_charts_use(table):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    family = cjk_font()
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    font = FT2Font(path)
    selection = table.select("")
    text = (
        describe(selection)
        + "".join(line.title for line in selection.lines)
        + "条形：年目标○数值照规划表原样标注来源"
    )
    missing = {ch for ch in text if ord(ch) > 0x2E80 and font.get_char_index(ord(ch)) == 0}
    assert not missing, f"{family} has no glyph for {sorted(missing)}"


def test_an_empty_selection_is_refused_rather_than_drawn_blank(table):
    with pytest.raises(ValueError, match="nothing to draw"):
        render_png(table.select("手语"))
