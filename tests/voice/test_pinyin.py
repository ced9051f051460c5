"""The pinyin front end: readings, tone changes, the readings table, and what espeak-ng makes of it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from voice.pinyin import ReadingsError, load_readings, syllables, to_espeak
from voice.speech import to_speech

PLANS_DIR = Path(__file__).parents[2] / "knowledge" / "data" / "plans"
READINGS = Path(__file__).parents[2] / "voice" / "data" / "readings.toml"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def pinyin(text: str) -> str:
    return " ".join(s.pinyin for s in syllables(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("户籍所在地", "hu4 ji2 suo3 zai4 di4"),
        ("当地", "dang1 di4"),
        ("地区", "di4 qu1"),
        ("调整", "tiao2 zheng3"),
        ("重新", "chong2 xin1"),
        ("银行", "yin2 hang2"),
        ("了解", "liao3 jie3"),
        ("得到", "de2 dao4"),
        ("赡养", "shan4 yang3"),
        ("矫形", "jiao3 xing2"),
        ("张掖市", "zhang1 ye4 shi4"),
        ("茌平区", "chi2 ping2 qu1"),
        ("以职业教育为重点", "yi3 zhi2 ye4 jiao4 yu4 wei2 zhong4 dian3"),
        ("可以为残疾人提供", "ke3 yi3 wei4 can2 ji2 ren2 ti2 gong1"),
        ("应保尽保", "ying1 bao3 jin4 bao3"),
        ("残疾人参加医疗保险", "can2 ji2 ren2 can1 jia1 yi1 liao2 bao3 xian3"),
        ("残疾人参与文化活动", "can2 ji2 ren2 can1 yu4 wen2 hua4 huo2 dong4"),
        ("主要看家庭收入", "zhu3 yao4 kan4 jia1 ting2 shou1 ru4"),
        ("相关部门将残疾人", "xiang1 guan1 bu4 men2 jiang1 can2 ji2 ren2"),
        (
            "以随班就读为主体、特殊教育学校为骨干",
            "yi3 sui2 ban1 jiu4 du2 wei2 zhu3 ti3 te4 shu1 jiao4 yu4 xue2 xiao4 wei2 gu3 gan4",
        ),
        ("尽快", "jin3 kuai4"),
    ],
)
def test_words_pypinyin_or_espeak_got_wrong_are_read_right(text: str, expected: str) -> None:
    assert pinyin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一定", "yi2 ding4"),
        ("一般", "yi4 ban1"),
        ("一体化", "yi4 ti3 hua4"),
        ("进一步", "jin4 yi2 bu4"),
        ("第一项", "di4 yi1 xiang4"),
        ("一级残疾", "yi1 ji2 can2 ji2"),
        ("统一管理", "tong3 yi1 guan3 li3"),
        ("同一件事", "tong2 yi2 jian4 shi4"),
        ("十一", "shi2 yi1"),
        ("二〇二一年", "er4 ling2 er4 yi1 nian2"),
        ("一百", "yi4 bai3"),
        ("一万", "yi2 wan4"),
        ("四月一日", "si4 yue4 yi1 ri4"),
        ("一二三八五", "yi1 er4 san1 ba1 wu3"),
        ("不是", "bu2 shi4"),
        ("不能", "bu4 neng2"),
        ("不", "bu4"),
    ],
)
def test_yi_and_bu_change_tone_as_spoken(text: str, expected: str) -> None:
    assert pinyin(text) == expected


def test_espeak_input_is_pinyin_and_ascii_pauses_only() -> None:
    text = "依据：朔州市规划，专栏九，第二项。要听原文，请回复：原文！"
    assert to_espeak(text) == (
        "yi1 ju4: shuo4 zhou1 shi4 gui1 hua4, zhuan1 lan2 jiu3, di4 er4 xiang4. "
        "yao4 ting1 yuan2 wen2, qing3 hui2 fu4: yuan2 wen2!"
    )


def test_every_plan_becomes_pinyin_syllables_and_pauses() -> None:
    for path in sorted(PLANS_DIR.glob("*.txt")):
        espeak_input = to_espeak(to_speech(path.read_text(encoding="utf-8")))
        assert re.fullmatch(r"[a-zü1-5 ,;:.?!]+", espeak_input), path.name


ESPEAK_TONES = {"1": "55", "2": "35", "3": "214", "4": "51", "5": "11"}


@needs_espeak
def test_espeak_reads_every_syllable_of_the_plans_with_the_tone_given() -> None:
    """Each distinct syllable, alone in its clause, comes back from espeak-ng with its own tone contour:
    espeak-ng knows every spelling pypinyin produces (it would say "jv3" as noise, for one)."""
    seen = sorted(
        {
            s.pinyin
            for p in PLANS_DIR.glob("*.txt")
            for s in syllables(to_speech(p.read_text(encoding="utf-8")))
        }
    )
    assert len(seen) > 400
    phonemes = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-x", "-q", ", ".join(seen)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert len(phonemes) == len(seen)
    for syllable, phoneme in zip(seen, phonemes, strict=True):
        assert re.search(r"\d+", phoneme)[0] == ESPEAK_TONES[syllable[-1]], (syllable, phoneme)


@needs_espeak
def test_the_tone_check_can_fail() -> None:
    """espeak-ng does answer a spelling it does not know with no tone at all."""
    phonemes = subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-x", "-q", "jv3"], capture_output=True, text=True, check=True
    ).stdout
    assert not re.search(r"\d", phonemes)


def test_the_readings_table_is_checked_when_loaded(tmp_path: Path) -> None:
    shipped = READINGS.read_text(encoding="utf-8")
    assert load_readings(READINGS).phrases["张掖"] == ("zhang1", "ye4")
    for broken, message in [
        (shipped.replace('"张掖" = "zhang1 ye4"', '"张掖" = "zhang1"'), "2 characters but 1 syllables"),
        (shipped.replace('"张掖" = "zhang1 ye4"', '"张掖" = "zhang ye"'), "not a tone-numbered syllable"),
        (shipped.replace('"张掖" = "zhang1 ye4"', '"Zhangye" = "zhang1 ye4"'), "Chinese characters only"),
    ]:
        path = tmp_path / "readings.toml"
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(ReadingsError, match=message):
            load_readings(path)
