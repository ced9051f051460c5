"""Spoken scripts: citations with plan and number, units, commands, drafts, options, the 40 s cap."""

from __future__ import annotations

import re

import pytest

from knowledge.answer import cite
from voice.numbers import cardinal
from voice.ogg import ogg_opus_duration
from voice.script import CAP_SECONDS, Part, Role, Script, fit, render
from voice.service import VoiceService, chunks
from voice.speeds import Speed

ANSWER = (
    "家里有重度残疾人、需要长期有人照顾的，可以申请重度残疾人护理补贴，用来补贴照护开支。"
    "它和困难残疾人生活补贴合称“两项补贴”。"
)


def _expected_numbers(clause_id: str, number: str) -> list[str]:
    """The words a listener must hear to find a clause, from its id (朔州 box9.2 → 专栏九, 第二项); a box
    item's number as the plan prints it ("专栏5 二、残疾人文化 第1项": its items restart in each group)."""
    ref = clause_id.split(":", 1)[1]
    if m := re.fullmatch(r"box(\d+)\.(\d+)", ref):
        printed = re.search(r"第(\d+)项$", number)
        return [f"专栏{cardinal(m[1])}", f"第{cardinal(printed[1] if printed else m[2])}项"]
    if m := re.fullmatch(r"box(\d+)\.p\d+", ref):
        return [f"专栏{cardinal(m[1])}"]
    if m := re.fullmatch(r"ind(\d+)", ref):
        return ["主要指标", f"第{cardinal(m[1])}项"]
    numbers = [part for part in ref.split(".") if part.isdigit()]
    words = ["第{}部分", "第{}节", "第{}项"]
    return [template.format(cardinal(n)) for template, n in zip(words, numbers, strict=False)]


def test_every_clause_citation_is_spoken_with_its_plan_and_numbers(clause_views) -> None:
    """What the conversation core passes (knowledge.refs' words) is heard whole, each number apart."""
    checked = 0
    for view in clause_views:
        citation = cite(view)
        spoken = fit(Script((Part(citation.spoken, Role.CITATION),))).text
        assert spoken.startswith("依据：" + re.sub(r"（.*", "", citation.plan)), (citation.spoken, spoken)
        for words in _expected_numbers(view.id, view.number):
            assert re.search(f"[，：]{words}[，；。]", spoken), (view.id, citation.spoken, spoken)
        if "征求意见稿" in citation.plan:
            assert "征求意见稿" in spoken
        assert not re.search(r"[\d›A-Za-z]", spoken)
        checked += 1
    assert checked > 400


def test_two_citations_are_each_spoken_in_full() -> None:
    script = Script(
        (
            Part(ANSWER),
            Part("朔州市规划 › 三、主要任务 › （一）提高残疾人民生保障水平 专栏2 第2项", "citation"),
            Part("同心县规划（征求意见稿） › 三、重点任务 › （二）完善残疾人社会保障 3.", "citation"),
        )
    )
    assert fit(script).text.endswith(
        "依据：朔州市规划，专栏二，第二项；同心县规划，征求意见稿，第三部分，第二条，第三项。"
    )


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("朔州市规划，专栏九，第二项", "依据：朔州市规划，专栏九，第二项。"),
        ("朔州市规划专栏9第2项", "依据：朔州市规划，专栏九，第二项。"),
        ("依据：张掖 三（二）4", "依据：张掖，第三部分，第二条，第四项。"),
        ("山西 指标 7", "依据：山西，主要指标第七项。"),
        (
            "张掖市规划 › 三、重点任务 › （一）… › 一、资金类 专栏2 一、资金类 第3项",
            "依据：张掖市规划，专栏二，资金类，第三项。",
        ),
    ],
)
def test_citations_given_in_words_or_digits_sound_the_same(written: str, spoken: str) -> None:
    assert fit(Script((Part(written, Role.CITATION),))).text == spoken


def test_a_unit_in_brackets_stays_with_its_numbers() -> None:
    text = fit(Script((Part("残疾人基本型辅助器具适配率（%）：2020年为85，2025年目标是>95"),))).text
    assert "百分之八十五" in text and "高于百分之九十五" in text


def test_commands_are_said_not_dropped() -> None:
    text = fit(Script((Part("发送 /screen 可以做个简单自测；发送 /voice slow 放慢语速。"),))).text
    assert text == "发送，自测命令，可以做个简单自测；发送，语音慢速命令，放慢语速。"


def test_a_draft_plan_is_heard_as_a_draft() -> None:
    assert "同心县，征求意见稿" in render("目前收录了：同心县（征求意见稿）、茌平区。").text


def test_screening_options_are_read_with_their_numbers() -> None:
    script = Script(
        (
            Part("您有残疾人证吗？", "question"),
            Part("有残疾人证", "option"),
            Part("2. 没有", "option"),
            Part("正在办理", "option"),
        )
    )
    assert fit(script).text == "您有残疾人证吗？一，有残疾人证。二，没有。三，正在办理。"


def test_nothing_is_read_twice() -> None:
    script = Script(
        (
            Part("结论：可能符合护理补贴的条件。理由：您有一级残疾。"),
            Part("摘要：结论：可能符合护理补贴的条件。理由：您有一级残疾。户籍地区：朔州市。", "note"),
        )
    )
    text = fit(script).text
    assert text.count("可能符合护理补贴的条件") == 1 and text.count("一级残疾") == 1
    assert "户籍地区：朔州市" in text


def _long_script(clause_views) -> Script:
    texts = [v.text for v in clause_views if len(v.text) > 200][:3]
    return Script(
        (
            Part(ANSWER),
            Part("朔州市规划，专栏二，第二项", "citation"),
            *(Part(text, "note") for text in texts),
            Part("要听原文，请回复：原文", "offer"),
        )
    )


def test_a_long_reply_keeps_whole_parts_in_order_and_its_offer(clause_views) -> None:
    spoken = fit(_long_script(clause_views))
    assert spoken.cut and Role.NOTE in spoken.omitted
    assert spoken.sentences[0].startswith("家里有重度残疾人")
    assert spoken.sentences[1] == "依据：朔州市规划，专栏二，第二项。"
    assert spoken.sentences[-1] == "要听原文，请回复：原文。"
    assert spoken.seconds <= CAP_SECONDS


def test_a_short_reply_is_not_cut() -> None:
    spoken = fit(Script((Part(ANSWER), Part("朔州市规划，专栏二，第二项", "citation"))))
    assert not spoken.cut and spoken.omitted == ()


def test_an_answer_longer_than_the_cap_is_cut_at_a_sentence_and_offers_the_rest(clause_views) -> None:
    long_answer = "".join(v.text for v in clause_views if len(v.text) > 150)[:3000]
    spoken = fit(Script((Part(long_answer),), if_cut="要听原文，请回复：原文"))
    assert spoken.cut
    assert spoken.text.endswith("。要听原文，请回复：原文。")
    assert spoken.seconds <= CAP_SECONDS


@pytest.mark.parametrize("speed", list(Speed))
def test_the_cap_holds_on_real_audio_at_every_speed(clause_views, make_service, speed: Speed) -> None:
    """Many short parts, so that the fitted note comes close to the cap: the real audio stays under it."""
    sentences = re.findall(r"[^。，；]{8,24}[。，；]", "".join(v.text for v in clause_views[:80]))
    script = Script(
        (Part(ANSWER), *(Part(s, "note") for s in sentences[:40])), if_cut="要听原文，请回复：原文"
    )
    spoken = fit(script, speed)
    note = make_service().speak(script, speed=speed, private=True)
    assert note.cut and spoken.cut
    assert 0.8 * CAP_SECONDS < ogg_opus_duration(note.ogg) <= CAP_SECONDS
    assert ogg_opus_duration(note.ogg) == pytest.approx(spoken.seconds, rel=0.1)


def test_a_plain_string_is_still_read_in_full(shared_service: VoiceService) -> None:
    short = shared_service.speak(ANSWER)
    assert not short.cut
    assert shared_service.speak(ANSWER + ANSWER.replace("家里", "家中")).duration > 1.8 * short.duration


@pytest.mark.parametrize(
    ("value", "speed"),
    [
        ("slow", Speed.SLOW),
        (" Fast ", Speed.FAST),
        (Speed.NORMAL, Speed.NORMAL),
        (120, Speed.SLOW),
        (160, Speed.NORMAL),
        (210, Speed.FAST),
    ],
)
def test_speeds_parse_from_names_and_from_the_rates_profiles_stored_before(value, speed: Speed) -> None:
    assert Speed.parse(value) is speed


def test_an_unknown_speed_is_refused() -> None:
    with pytest.raises(ValueError):
        Speed.parse("medium")


@pytest.mark.parametrize("limit", [20, 60, 240])
def test_long_speech_is_cut_into_chunks_that_add_up_to_it(clause_views, limit: int) -> None:
    speech = render("".join(v.text for v in clause_views[:40])).text
    pieces = chunks(speech, limit)
    assert "".join(pieces) == speech
    assert all(0 < len(piece) <= limit for piece in pieces)
    if limit >= 240:  # room for a few sentences each: cut only after sentences
        assert all(piece[-1] in "。？！" for piece in pieces)


def test_options_of_two_questions_are_both_read() -> None:
    script = Script(
        (
            Part("您有残疾人证吗？", "question"),
            Part("是", "option"),
            Part("否", "option"),
            Part("您现在有工作吗？", "question"),
            Part("是", "option"),
            Part("否", "option"),
        )
    )
    assert fit(script).text == "您有残疾人证吗？一，是。二，否。您现在有工作吗？一，是。二，否。"
