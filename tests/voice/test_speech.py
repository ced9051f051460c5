"""Speech text: the table in speech_cases.toml, plus the invariants espeak-ng depends on."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from voice.lexicon import LexiconError, default_lexicon, load_lexicon
from voice.speech import to_speech

CASES_FILE = Path(__file__).with_name("speech_cases.toml")
CASES = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))["case"]
PLANS_DIR = Path(__file__).parents[2] / "knowledge" / "data" / "plans"
PLAN_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(PLANS_DIR.glob("*.txt"))]
SPOKEN_CHARACTERS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff〇，、；：。？！]*")


@pytest.mark.parametrize("case", CASES, ids=[case["written"][:24] for case in CASES])
def test_reply_text_is_rewritten_for_the_ear(case: dict) -> None:
    assert to_speech(case["written"]) == case["spoken"]


def test_the_case_table_is_large_and_mostly_plan_wording() -> None:
    assert len(CASES) >= 40
    assert sum(1 for case in CASES if case.get("from_plan")) >= 40


@pytest.mark.parametrize("case", [c for c in CASES if c.get("from_plan")], ids=lambda c: c["written"][:24])
def test_plan_cases_are_quoted_from_a_plan(case: dict) -> None:
    assert any(case["written"].strip() in text for text in PLAN_TEXTS)


def test_every_plan_line_becomes_chinese_words_and_pauses_only() -> None:
    for text in PLAN_TEXTS:
        for line in text.splitlines():
            spoken = to_speech(line)
            assert SPOKEN_CHARACTERS.fullmatch(spoken), (line, spoken)


def test_empty_and_symbol_only_replies_have_nothing_to_say() -> None:
    assert to_speech("") == ""
    assert to_speech("  \n https://example.org/x \n ✅ 👍 ") == ""


PLAN_SENTENCES = [
    "残疾人基本康复服务覆盖率和基本辅助器具适配率均超过80%。",
    "依据《中华人民共和国残疾人保障法》和《朔州市国民经济和社会发展第十四个五年规划和2035年远景目标纲要》，制定本规划。",
    "完善0—6岁儿童残疾筛查、诊断、治疗、康复一体化工作机制（牵头单位：市卫健委；参与单位：市残联）。",
    "为就业年龄段（16-59 周岁）智力、精神和重度肢体残疾人",
    "移动互联网应用程序（APP）和自助公共服务设备的无障碍改造，推动5G在无障碍领域的应用。",
    "残疾人基本型辅助器具适配率（%）	>85	>95	约束性",
    "发文字号: 晋政发〔2022〕9号 发布日期: 2022-04-01",
    "与 GDP增长同步",
]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("sentence", PLAN_SENTENCES, ids=lambda s: s[:16])
def test_espeak_reads_plan_sentences_without_switching_to_english(sentence: str) -> None:
    phonemes = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-x", "-q", to_speech(sentence)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert phonemes.strip()
    assert "(en)" not in phonemes


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_english_switch_check_can_fail() -> None:
    """The marker the test above looks for is what espeak really prints for unconverted text."""
    phonemes = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-x", "-q", "推动5G在APP领域"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert "(en)" in phonemes


def test_shipped_lexicon_loads() -> None:
    lexicon = default_lexicon()
    assert lexicon.latin["APP"] == "应用程序"
    assert "牵头单位" in lexicon.bracket_drop_if_contains


def test_lexicon_with_latin_in_a_spoken_value_is_rejected_naming_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "speech.toml"
    source = (Path(__file__).parents[2] / "voice" / "data" / "speech.toml").read_text(encoding="utf-8")
    broken.write_text(source.replace('"GDP" = "国内生产总值"', '"GDP" = "GDP总值"'), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"\[latin\] 'GDP'"):
        load_lexicon(broken)
