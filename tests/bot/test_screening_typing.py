"""Screenings answered by typing, through the conversation core (Telegram's path) and the console.

In the console a typed number used to press the n-th button, so "3" at an age question chose the
16–24 band; while a screening question waits, digits now go to the core as text, as in Telegram.
"""

from __future__ import annotations

import io

from bot.core import Conversation
from bot.replies import Outgoing
from bot.typed import control_word
from knowledge import screening
from planbot.console import run_console
from tests.bot.conftest import say


def texts(outgoing: Outgoing) -> str:
    return "\n".join(r.text for r in outgoing.replies)


def test_3_at_an_age_question_typed_in_the_console_is_three_years_old(services) -> None:
    lines = ["重新开始", "1", "3", "2", "1", "1"]  # 朔州, 3 years old, do not keep, 低保, has a 残疾人证
    out = io.StringIO()
    run_console(
        services, first_command="/screen child_rehab", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out
    )
    printed = out.getvalue()
    assert "1. 山西省朔州市" in printed and "  1. 山西省朔州市" not in printed, (
        "options are listed once, in the question"
    )
    assert "年龄：3岁" in printed and "残疾儿童康复救助：可能符合" in printed
    assert "16–24岁" not in printed.split("孩子今年几周岁")[-1].split("年龄：")[-1]


def test_after_a_result_digits_press_the_buttons_again_in_the_console(services) -> None:
    lines = ["重新开始", "1", "1", "没有", "1"]  # …no 残疾人证: a result; then the first "其他项目" button
    out = io.StringIO()
    run_console(
        services,
        first_command="/screen nursing_subsidy",
        stdin=io.StringIO("\n".join(lines) + "\n"),
        stdout=out,
    )
    printed = out.getvalue()
    result, after = printed.split("还想看看其他项目吗？", 1)
    assert "重度残疾人护理补贴：可能不符合" in result
    assert "  1. 困难残疾人生活补贴" in after
    assert "困难残疾人生活补贴：可能不符合" in after, "the button started it, with the answers already given"


def test_a_question_is_spoken_with_its_numbered_options_and_marked_personal(conversation, user) -> None:
    say(conversation, user, "/voice on")
    out = say(conversation, user, "/screen transport_concessions")
    assert out.personal
    roles = [role for role, _ in out.speech]
    assert roles[0] in ("note", "question") and roles.count("question") == 1
    options = [text for role, text in out.speech if role == "option"]
    assert options[:2] == ["山西省朔州市", "山西省其他市县"] and options[-1] == "其他地区"
    result = say(conversation, user, "2")
    assert result.personal
    says = [text for role, text in result.speech if role == "option"]
    assert says == ["继续，保存30天", "继续，但不保存"]


def test_typing_the_no_keep_label_at_consent_keeps_nothing_and_a_bare_yes_word_is_asked_again(
    conversation: Conversation, user: str
) -> None:
    say(conversation, user, "/screen living_subsidy")
    say(conversation, user, "张掖")
    again = say(conversation, user, "有")
    assert "敏感个人信息" in texts(again) and "没能理解" in texts(again)
    assert conversation.repository.screening(user).state["consent"] is None
    say(conversation, user, "继续，但不保存")
    after = say(conversation, user, "有")
    assert "家里" in texts(after) or "家庭" in texts(after)
    assert conversation.repository.screening(user) is None, "no_keep: the answers are not in the database"


def test_a_control_word_right_after_a_result_belongs_to_the_screening(conversation, user) -> None:
    say(conversation, user, "/screen transport_concessions")
    say(conversation, user, "朔州")
    say(conversation, user, "2")
    done = say(conversation, user, "有")
    assert "可以转发给工作人员的摘要" in texts(done)
    flow = conversation.screenings
    assert not flow.active(user)
    assert flow.wants(user, "返回上一步") and flow.wants(user, "重新开始")
    assert not flow.wants(user, "护理补贴是什么")


def test_a_saved_place_is_used_as_the_region_with_its_whole_chain(conversation, user) -> None:
    say(conversation, user, "/region 应县")
    out = say(conversation, user, "/screen transport_concessions")
    assert "户籍在哪里" not in texts(out), "the saved region is not asked again"
    say(conversation, user, "2")
    result = texts(say(conversation, user, "有"))
    assert "户籍地区：应县" in result and "朔州市规划" in result


def test_a_choice_that_numbers_its_options_is_listed_once_and_a_digit_still_picks(services) -> None:
    """/region lists the regions numbered in its text: the console does not list them again, and "3"
    still chooses the third."""
    out = io.StringIO()
    run_console(services, first_command="/region", stdin=io.StringIO("3\n/privacy\n"), stdout=out)
    printed = out.getvalue()
    assert "1. 朔州市" in printed and "  1. 朔州市" not in printed, printed
    assert "地区 张掖市" in printed.split("为您保存的信息如下")[-1], printed


def test_a_control_word_means_the_same_in_a_screening_and_outside_one() -> None:
    for word in ("重新", "从头来", "重新做", "停", "不测了", "stop", "上一题", "取消"):
        inside = screening.control_word(word)
        assert inside is not None and control_word(word) == inside, word
