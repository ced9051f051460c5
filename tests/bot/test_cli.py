"""The `planbot` command, in-process: the JSON contracts of ask, search and screen, and ingest."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from planbot.cli import app
from tests.support import persisted_index

ASK_KEYS = {"answer", "in_scope", "region", "sources"}
SOURCE_KEYS = {"doc_id", "doc_title", "region", "path", "number", "kind", "text", "departments", "score"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-data")


@pytest.fixture
def planbot(data_dir, monkeypatch):
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PLANBOT_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("PLANBOT_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, stdin: bytes | None = None):
        result = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


def test_ask_json_prints_one_object_with_the_contracted_shape(planbot):
    payload = json.loads(planbot("ask", "张掖 困难重度残疾人家庭无障碍改造 每年几户", "--json"))
    assert payload.keys() >= ASK_KEYS
    assert payload["in_scope"] is True and payload["region"] == "张掖市"
    assert 1 <= len(payload["sources"]) <= 5
    for source in payload["sources"]:
        assert source.keys() >= SOURCE_KEYS
        assert isinstance(source["departments"], list) and isinstance(source["score"], float)
    assert payload["sources"][0]["region"] == "张掖市"
    scores = [s["score"] for s in payload["sources"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_reads_questions_from_stdin_one_json_line_each_even_when_lines_are_bad(planbot):
    lines = ["残疾人证怎么办", "", "明天天气怎么样", "\x00\x01", "茌平 指标 11"]
    stdin = "\n".join(lines).encode() + b"\n\xff\xfe broken bytes\n"
    out = [json.loads(line) for line in planbot("ask", "--json", stdin=stdin).splitlines()]
    assert len(out) == len(lines) + 1
    assert out[0]["in_scope"] and out[0]["sources"]
    assert out[1]["in_scope"] is False and out[1]["answer"]
    assert out[2]["in_scope"] is False
    assert out[4]["sources"][0]["doc_id"] == "chiping" and out[4]["sources"][0]["number"] == "指标11"


def test_ask_without_json_prints_readable_text_with_citations(planbot):
    out = planbot("ask", "盲人按摩有什么扶持")
    assert "依据：" in out and "{" not in out


def test_search_by_region_returns_only_that_regions_plans(planbot):
    payload = json.loads(planbot("search", "护理补贴", "--region", "朔州", "-k", "4", "--json"))
    assert len(payload["results"]) == 4
    assert {r["region"] for r in payload["results"]} <= {"朔州市", "山西省"}


def test_clause_prints_the_original_text_by_id_and_by_reference(planbot):
    assert "特殊教育学校" in planbot("clause", "shuozhou:box9.2")
    assert "特殊教育学校" in planbot("clause", "朔州 专栏9 第2项")


def test_screen_list_and_evaluate_from_facts(planbot):
    listed = json.loads(planbot("screen", "--list", "--json"))
    assert {"name": "nursing_subsidy", "title": "重度残疾人护理补贴"} in listed
    facts = ["region=茌平区", "has_certificate=true", "disability_grade=3", "disability_type=智力"]
    args = ["screen", "nursing_subsidy", "--json", *[part for f in facts for part in ("--fact", f)]]
    result = json.loads(planbot(*args))
    assert set(result) >= {"outcome", "missing", "reasons", "sources"}
    assert result["outcome"] in {"eligible", "not_eligible", "unknown"}
    done = json.loads(planbot(*args, "--fact", "needs_long_term_care=true", "--fact", "other_support=都没有"))
    assert done["missing"] == [] and done["reasons"]
    assert any(s["region"] == "茌平区" and s["text"] for s in done["sources"])
    assert done["region"] == {"name": "茌平区", "chain": ["茌平区"], "plans": ["chiping"]}  # extended
    grade = next(c for c in done["criteria"] if c["id"] == "grade")
    assert grade["status"] == "unclear" and grade["kind"] == "open" and "chiping:box2.3" in grade["refs"]


def test_screen_takes_any_place_and_prints_a_table_per_region(planbot):
    facts = ["region=应县", "has_certificate=true", "disability_grade=1", "needs_long_term_care=true"]
    args = ["screen", "nursing_subsidy", "--json", *[part for f in facts for part in ("--fact", f)]]
    result = json.loads(planbot(*args, "--fact", "other_support=都没有"))
    assert result["outcome"] == "eligible" and result["region"]["plans"] == ["shuozhou", "shanxi"]
    table = planbot("screen", "daily_care", "--table")
    assert "== 朔州市 · 适用：朔州市规划、山西省规划 ==" in table
    assert "== 其他地区 · 适用：没有收录的规划，按国家规定 ==" in table
    assert "年龄：60–120岁 → 需要确认，规划写明，有条件的地方可以做｜依据：张掖市规划" in table
    sections = json.loads(planbot("screen", "daily_care", "--table", "--json"))
    assert [s["region"] for s in sections] == ["朔州市", "山西省", "同心县", "张掖市", "茌平区", "其他地区"]


def test_ingest_reports_counts_and_skips_a_malformed_plan_by_name(planbot, tmp_path):
    report = planbot("ingest", "--report")
    assert ("shuozhou" in report and "可疑" in report) or "没有可疑条款" in report
    folder = tmp_path / "more"
    folder.mkdir()
    good = "一、总体要求\n（一）目标\n到2025年，全县建成彩虹助残驿站。\n"
    (folder / "good.txt").write_text(good, encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00garbage")
    (folder / "plans.toml").write_text(
        "\n".join(
            f'[{doc}]\nfile = "{file}"\ntitle = "测试县规划"\nshort_title = "测试县规划"\n'
            f'region = "{region}"\n'
            'level = "county"\nissuer = "测试县人民政府"\ndoc_number = ""\ndate = 2022-01-01\n'
            'status = "in force"\n'
            for doc, file, region in (("good", "good.txt", "和顺县"), ("bad", "bad.txt", "左权县"))
        ),
        encoding="utf-8",
    )
    out = planbot("ingest", str(folder))
    assert "bad.txt" in out and "跳过" in out
    found = json.loads(planbot("search", "彩虹助残驿站", "--json"))["results"]
    assert found and found[0]["doc_id"] == "good"


UNREACHABLE = "postgresql+psycopg://planbot@127.0.0.1:9/planbot"  # the discard port: refused at once


def test_ask_answers_from_the_persisted_index_with_the_database_unreachable(services, tmp_path, monkeypatch):
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(persisted_index(services.settings.data_dir, tmp_path / "d")))
    monkeypatch.setenv("PLANBOT_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("PLANBOT_LOG_LEVEL", "ERROR")
    result = CliRunner().invoke(app, ["ask", "盲人按摩有什么扶持", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources"]


def test_with_no_index_and_the_database_unreachable_one_line_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("PLANBOT_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("PLANBOT_LOG_LEVEL", "ERROR")
    result = CliRunner().invoke(app, ["ask", "盲人按摩有什么扶持"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "数据库现在连不上" in result.stderr and "Traceback" not in result.output
