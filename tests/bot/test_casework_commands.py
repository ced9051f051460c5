"""/indicators and /compare in the conversation core, the console, and `planbot indicators` / `export`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.replies import MAX_CAPTION
from knowledge.casework import indicator_table
from planbot.cli import app
from planbot.console import run_console
from tests.bot.conftest import say

REGIONS = ("朔州市", "同心县", "张掖市", "茌平区")


def test_indicators_on_a_topic_is_one_picture_with_its_words_as_the_caption(conversation, user):
    out = say(conversation, user, "/indicators 无障碍")
    [reply] = out.replies
    assert reply.image is not None and reply.image.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(reply.image)).size[0] > 500
    caption = reply.image_caption
    assert len(caption) <= MAX_CAPTION
    for words in (
        *REGIONS,
        "1234户",
        "1000户",
        "高于500户",
        "同心县2025年目标未列明",
        "山西省规划没有主要指标表",
    ):
        assert words in caption
    assert "困难重度残疾人家庭无障碍改造数（户）" in reply.text, "terminals get the table"


def test_indicators_for_a_region_shows_its_plan_only(conversation, user):
    [reply] = say(conversation, user, "/indicators 康复 茌平").replies
    assert "茌平区" in reply.image_caption and "朔州市" not in reply.image_caption
    assert "高于95%" in reply.image_caption


def test_all_indicators_come_as_pictures_of_four_indicators_each(conversation, user):
    out = say(conversation, user, "/indicators")
    assert [r.image is not None for r in out.replies] == [True, True, True]
    names = [line.definition.name for line in indicator_table(conversation.services.searcher).lines]
    assert [sum(f"{name}：" in r.image_caption for name in names) for r in out.replies] == [4, 4, 4]
    assert "山西省规划没有主要指标表" in out.replies[-1].image_caption


def test_indicators_on_something_no_table_has_says_so_and_lists_what_it_has(conversation, user):
    out = say(conversation, user, "/indicators 手语")
    assert out.replies[0].image is None
    assert (
        out.text.startswith("主要指标表里没有“手语”。可以查的有：") and "残疾人基本康复服务覆盖率" in out.text
    )
    assert say(conversation, user, "/indicators 山西").text == "山西省规划没有主要指标表。"


def test_compare_names_each_plan_and_says_which_do_not_write_about_it(conversation, user):
    out = say(conversation, user, "/compare 盲人按摩")
    lines = out.text.splitlines()
    assert lines[0] == "各地规划对“盲人按摩”的规定："
    assert lines[-1] == "茌平区规划没有写到这一点。"
    assert all("按摩" in line for line in lines[1:-1]) and len(lines) == 6
    buttons = [b.label for row in out.replies[0].buttons for b in row]
    assert len(buttons) == 4 and not any("茌平" in label for label in buttons)


def test_the_console_prints_the_table_and_where_it_saved_the_picture(services, tmp_path: Path):
    output = io.StringIO()
    run_console(services, stdin=io.StringIO("/indicators 康复\n"), stdout=output, charts_dir=tmp_path)
    printed = output.getvalue()
    assert "残疾人基本康复服务覆盖率（%）" in printed and "张掖市  2020年 >80%  →  2025年 >85%" in printed
    saved = tmp_path / "chart-001.png"
    assert f"图已保存：{saved}" in printed
    assert Image.open(saved).format == "PNG"


@pytest.fixture
def planbot(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path_factory.getbasetemp() / "cli-casework"))
    monkeypatch.setenv("PLANBOT_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("PLANBOT_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_planbot_indicators_writes_the_chart_and_the_rows(planbot, tmp_path: Path):
    png, rows = tmp_path / "a.png", tmp_path / "a.csv"
    result = planbot("indicators", "无障碍", "--png", str(png), "--csv", str(rows))
    assert (
        "困难重度残疾人家庭无障碍改造数（户）" in result.stdout
        and "朔州市  2020年 —  →  2025年 1234户" in result.stdout
    )
    assert Image.open(png).format == "PNG"
    with rows.open(encoding="utf-8-sig", newline="") as stream:
        assert [r["地区"] for r in csv.DictReader(stream)] == list(REGIONS)


def test_planbot_indicators_by_region_and_an_unknown_region(planbot):
    assert "朔州市" not in planbot("indicators", "康复", "--region", "茌平").stdout
    assert "没有认出这个地区" in planbot("indicators", "--region", "火星", code=2).stderr


def test_planbot_export_writes_every_clause_or_one_regions(planbot, clause_views, tmp_path: Path):
    everything, chiping = tmp_path / "all.csv", tmp_path / "chiping.csv"
    planbot("export", "--csv", str(everything))
    planbot("export", "--csv", str(chiping), "--region", "茌平区")
    with everything.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == len(clause_views) and rows[0]["编号"].startswith("shuozhou:")
    with chiping.open(encoding="utf-8-sig", newline="") as stream:
        assert {r["地区"] for r in csv.DictReader(stream)} == {"茌平区"}


def test_planbot_indicators_with_no_match_prints_only_the_error(planbot):
    done = planbot("indicators", "手语", code=1)
    assert done.stdout == "" and "没有找到“手语”" in done.stderr


def test_planbot_say_with_an_unknown_speed_says_so_without_a_traceback(planbot):
    for extra in ((), ("--show",)):
        done = planbot("say", "你好", "--speed", "bogus", *extra, code=2)
        assert "没有这个语速" in done.stderr and "Traceback" not in done.stderr
