"""A conversation that listens: typed answers to every choice, control words in every state, the
region of one question kept for the next, prompts that end, small talk and distress, no voice when off."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from bot import messages
from bot.models import ConversationMemory, UnansweredQuestion, UserProfile
from bot.repository import CONVERSATION_MEMORY
from tests.bot.conftest import say
from tests.support import public_help


def texts(outgoing) -> str:
    return "\n".join(r.text for r in outgoing.replies)


def cited_regions(outgoing) -> set[str]:
    assert outgoing.answer is not None, texts(outgoing)
    return {c.region for c in outgoing.answer.citations}


# -- typed answers at the steps that offer buttons ----------------------------------------------------


@pytest.mark.parametrize("typed", ["1", "第一个", "重度残疾人护理补贴", "护理补贴"])
def test_the_screening_menu_takes_a_typed_number_or_name(conversation, user, typed):
    menu = say(conversation, user, "/screen")
    assert "1. 重度残疾人护理补贴" in texts(menu), "the options are listed with their numbers in the text"
    started = say(conversation, user, typed)
    assert "您的户籍在哪里" in texts(started) and "第1题" in texts(started)


@pytest.mark.parametrize(("typed", "kept"), [("2", True), ("不删除", True), ("不", True), ("确定", False)])
def test_forget_confirmation_takes_typed_words(conversation, services, user, typed, kept):
    say(conversation, user, "/region 朔州")
    say(conversation, user, "/forget")
    reply = texts(say(conversation, user, typed))
    with Session(services.engine) as session:
        row = session.get(UserProfile, user)
    if kept:
        assert messages.FORGET_KEPT in reply and row is not None and row.region == "朔州市"
    else:
        assert messages.FORGOTTEN in reply and row is None
        with Session(services.engine) as session:
            assert session.get(ConversationMemory, user) is None, "nothing is left behind by the prompt"


@pytest.mark.parametrize(("typed", "speed"), [("1", "slow"), ("快", "fast"), ("正常", "normal")])
def test_voice_speed_takes_a_typed_number_or_word(conversation, user, typed, speed):
    say(conversation, user, "/voice on")
    out = say(conversation, user, typed)
    assert "语速已调为" in texts(out) and out.speed == speed


@pytest.mark.parametrize(("typed", "region"), [("2", "同心县"), ("甘州区", "甘州区"), ("张掖市", "张掖市")])
def test_the_region_prompt_takes_a_number_or_a_place(conversation, user, typed, region):
    say(conversation, user, "/region")
    assert f"已设置为{region}" in texts(say(conversation, user, typed))
    assert conversation.repository.profile(user).region == region


def test_a_question_at_the_region_prompt_is_answered_not_swallowed(conversation, user):
    say(conversation, user, "/region")
    out = say(conversation, user, "残疾人坐公交车要钱吗")
    assert "没有认出" not in texts(out) and out.answer is not None and out.answer.in_scope


# -- prompts end ------------------------------------------------------------------------------------------


def test_a_command_ends_the_region_prompt(conversation, user):
    say(conversation, user, "/region")
    say(conversation, user, "/help")
    reply = texts(say(conversation, user, "你好"))
    assert "没有认出" not in reply and "规划助手" in reply


def test_a_prompt_left_for_half_an_hour_does_not_come_back(conversation, services, user):
    say(conversation, user, "/region")
    with Session(services.engine) as session:
        session.exec(
            update(ConversationMemory)
            .where(ConversationMemory.user_key == user)
            .values(updated_at=dt.datetime.now(dt.UTC) - CONVERSATION_MEMORY - dt.timedelta(minutes=1))
        )
        session.commit()
    reply = texts(say(conversation, user, "你好"))
    assert "没有认出" not in reply and "规划助手" in reply


# -- control words outside a screening ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("重新开始", messages.NOTHING_TO_RESTART),
        ("返回上一步", messages.NOTHING_TO_GO_BACK_TO),
        ("上一步", messages.NOTHING_TO_GO_BACK_TO),
        ("退出", messages.NOTHING_TO_CANCEL),
        ("算了", messages.NOTHING_TO_CANCEL),
    ],
)
def test_control_words_with_nothing_to_control_say_so(conversation, user, word, expected):
    out = say(conversation, user, word)
    assert texts(out) == expected and out.answer is None


def test_help_word_gives_help(conversation, user):
    assert texts(say(conversation, user, "帮助")) == public_help()


def test_control_words_after_a_screening_result_act_on_that_screening(conversation, user):
    say(conversation, user, "/screen transport_concessions")
    for answer in ("1", "2", "1", "1", "1", "1", "1", "1", "1", "1"):
        out = say(conversation, user, answer)
        if out.answer is None and not conversation.screenings.active(user):
            break
    assert not conversation.screenings.active(user), texts(out)
    again = texts(say(conversation, user, "重新开始"))
    assert "第1题" in again, "重新开始 after a result starts that screening again"


def test_a_question_typed_mid_screening_is_answered_from_its_place_and_the_screening_waits(
    conversation, user
):
    first = texts(say(conversation, user, "/screen nursing_subsidy"))
    assert "户籍在哪里" in first
    assert "第2题" in texts(say(conversation, user, "张掖"))
    aside = say(conversation, user, "重度残疾人护理补贴的标准会不会调整？")
    assert messages.SCREENING_WAITS in texts(aside)
    assert cited_regions(aside) == {"张掖市"}, "answered from the plan of the place the screening was told"
    assert conversation.screenings.active(user)
    assert "第3题" in texts(say(conversation, user, "2")), "the next typed answer goes on with the screening"


# -- the region of one question answers the next -----------------------------------------------------


def test_a_region_named_in_one_question_answers_the_follow_up(conversation, user):
    first = say(conversation, user, "张掖 重度残疾人护理补贴谁能领")
    assert cited_regions(first) == {"张掖市"}
    assert any("以后都按张掖市回答" in b.label for r in first.replies for row in r.buttons for b in row)
    follow = say(conversation, user, "那困难残疾人生活补贴呢")
    assert cited_regions(follow) == {"张掖市"}, texts(follow)
    other = say(conversation, user, "茌平 困难残疾人生活补贴呢")
    assert cited_regions(other) == {"茌平区"}, "a region named again replaces it"


def test_a_number_with_no_choice_open_is_not_searched_for(conversation, user):
    out = say(conversation, user, "3")
    assert texts(out) == messages.NO_CHOICE_PENDING and not out.answer


def test_saving_a_region_is_not_offered_under_a_reply_that_is_not_from_the_plans(conversation, user):
    out = say(conversation, user, "张掖明天刮大风吗")
    assert out.answer is not None and out.answer.kind == "weather"
    assert not any("以后都按" in b.label for r in out.replies for row in r.buttons for b in row)


def test_a_group_chat_keeps_no_context(conversation, user):
    from bot.replies import Chat, Incoming

    conversation.handle(Incoming(user=user, text="张掖 重度残疾人护理补贴谁能领", chat=Chat.GROUP))
    assert conversation.repository.memory(user).context_region is None


# -- small talk and distress -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "must"),
    [("你好", "规划助手"), ("谢谢啦", "不客气"), ("拜拜", "再见"), ("我真的活不下去了", "110")],
)
def test_small_talk_and_distress_get_kind_replies_and_are_not_logged(
    conversation, services, user, text, must
):
    with Session(services.engine) as session:
        before = len(session.exec(select(UnansweredQuestion.text)).all())
    out = say(conversation, user, text)
    assert must in texts(out)
    with Session(services.engine) as session:
        assert len(session.exec(select(UnansweredQuestion.text)).all()) == before
    if text.startswith("我真的"):
        assert "12356" in texts(out) and "残联" in texts(out), "a person to turn to, and the national line"


# -- voice off means no voice note, in every path -----------------------------------------------------


def test_voice_off_is_honoured_in_answers_screenings_commands_and_errors(conversation, user):
    say(conversation, user, "/voice on")
    say(conversation, user, "/voice off")
    for step in (
        "护理补贴谁能领",
        "/screen nursing_subsidy",
        "1",
        "/privacy",
        "/frobnicate",
        "\x00\x01",
        "你好",
    ):
        assert say(conversation, user, step).speech == (), step


# -- what a screen reader reads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["我爸瘫在床上能领什么钱", "朔州 专栏9 第2项", "/compare 盲人按摩", "/screen"]
)
def test_replies_carry_no_symbols_or_ids_a_screen_reader_would_read_out(conversation, user, text):
    out = say(conversation, user, text)
    body = texts(out)
    assert "›" not in body and "/clause " not in body
    labels = [b.label for r in out.replies for row in r.buttons for b in row]
    assert not any(label.startswith("相关条款") for label in labels)
