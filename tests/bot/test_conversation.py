"""The conversation core on a real database: answers, lookups, settings, privacy, bad input."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot import messages
from bot.callbacks import decode
from bot.models import ScreeningSession, UnansweredQuestion, UserProfile
from tests.bot.conftest import press, say
from tests.support import public_help


def texts(outgoing) -> str:
    return "\n".join(r.text for r in outgoing.replies)


def buttons(outgoing) -> list:
    return [b for r in outgoing.replies for row in r.buttons for b in row]


def test_a_question_gets_a_plain_answer_with_its_citation(conversation, user):
    out = say(conversation, user, "我爸瘫在床上，家里困难，能领什么钱")
    reply = texts(out)
    assert "护理补贴" in reply
    assert "依据：" in reply and "›" not in reply
    assert "/clause" not in reply, "a screen reader would read the id out; the button serves"
    assert "牵头单位" not in reply and "习近平" not in reply
    originals = [b for b in buttons(out) if decode(b.data).action == "c"]
    assert originals, "the cited clause's original text is one button away"
    assert all(b.label.startswith(("原文：", "相关：")) and "规划" in b.label for b in originals), (
        "a clause button says which plan and item it opens"
    )


def test_original_text_button_shows_the_clause_with_its_departments(conversation, user):
    out = press(conversation, user, "1|c|shuozhou:3.1.5")
    reply = texts(out)
    assert "加强突发公共事件中对残疾人的保护" in reply
    assert "牵头单位：市应急局" in reply and "shuozhou:3.1.5" in reply


def test_question_the_plans_do_not_answer_is_said_plainly_and_logged_anonymously(
    conversation, services, user
):
    out = say(conversation, user, "两项补贴每个月几号发到卡上")
    assert not out.answered
    assert "没有写具体日期" in texts(out) and "残联" in texts(out)
    with Session(services.engine) as session:
        logged = session.exec(select(UnansweredQuestion.text)).all()
    assert any("几号发" in t for t in logged)
    small_talk = say(conversation, user, "明天北京天气怎么样，要不要带伞")
    assert "天气我查不到" in texts(small_talk)
    with Session(services.engine) as session:
        assert not any("天气" in t for t in session.exec(select(UnansweredQuestion.text)).all()), (
            "small talk is not a gap in the plans"
        )
    assert "user" not in " ".join(UnansweredQuestion.model_fields), "the anonymous log has no user column"


def test_id_card_and_phone_numbers_are_masked_before_anything_is_stored(conversation, services, user):
    out = say(conversation, user, "我的身份证110101199003071234，电话13812345678，能办护照吗")
    assert messages.PERSONAL_NUMBERS in texts(out)
    with Session(services.engine) as session:
        logged = " ".join(session.exec(select(UnansweredQuestion.text)).all())
    assert "110101199003071234" not in logged and "13812345678" not in logged


def test_region_named_in_the_question_puts_that_plan_first(conversation, user):
    out = say(conversation, user, "茌平 护理补贴 扩大到哪些人")
    assert "茌平区规划" in texts(out).split("依据：")[1].splitlines()[1]


def test_saved_region_orders_answers_and_a_region_without_plan_is_said(conversation, services, user):
    say(conversation, user, "/region 应县")
    assert conversation.repository.profile(user).region == "应县"
    out = say(conversation, user, "残疾人就业创业有什么补贴")
    assert "朔州市规划" in texts(out) or "山西省规划" in texts(out)
    reply = texts(say(conversation, user, "/region 广州"))
    assert "暂未收录" in reply


def test_region_can_be_chosen_by_typing_after_the_command(conversation, user):
    say(conversation, user, "/region")
    reply = texts(say(conversation, user, "张掖"))
    assert "张掖市" in reply
    assert conversation.repository.profile(user).region == "张掖市"


def test_reference_lookup_and_a_reference_a_plan_does_not_have(conversation, user):
    assert "特殊教育学校" in texts(say(conversation, user, "朔州 专栏9 第2项"))
    reply = texts(say(conversation, user, "山西 专栏1 第1项"))
    assert "没有专栏" in reply


def test_compare_lists_one_line_per_plan(conversation, user):
    reply = texts(say(conversation, user, "/compare 护理补贴"))
    for plan in ("朔州市规划", "张掖市规划", "茌平区规划"):
        assert plan in reply


def test_bad_input_gets_a_kind_reply(conversation, user):
    for text in ("", "   ", "😀😀😀", "\x00\x01\u200b", "\ufffd\ufffd"):
        assert texts(say(conversation, user, text)) == messages.EMPTY_INPUT
    long = "护理补贴谁能领？" * 2000
    out = say(conversation, user, long)
    assert messages.TOO_LONG in texts(out) and "依据" in texts(out)


def test_unknown_command_gets_help_and_admin_commands_are_refused(conversation, user):
    assert texts(say(conversation, user, "/frobnicate")) == public_help()
    assert texts(say(conversation, user, "/unanswered")) == public_help()


def test_stale_or_forged_buttons_get_a_polite_reply(conversation, user):
    for data in ("0|c|shuozhou:3.1.1", "1|x|y", "garbage", "1|c|nosuch:1", "1|a|nursing_subsidy.9.x"):
        reply = texts(press(conversation, user, data))
        assert reply, data
        assert "Traceback" not in reply


def test_media_gets_a_reply_that_planbot_reads_text(conversation, user):
    from bot.replies import Incoming

    assert "语音输入" in texts(conversation.handle(Incoming(user=user, media="voice")))
    assert "文字" in texts(conversation.handle(Incoming(user=user, media="photo")))


def test_voice_setting_adds_speech_to_replies(conversation, user):
    say(conversation, user, "/voice on")
    assert conversation.repository.profile(user).voice
    speech = say(conversation, user, "护理补贴是什么").speech
    assert "护理补贴" in "".join(text for _, text in speech)
    assert any(
        role == "citation" and "规划" in text and not any(ch.isdigit() for ch in text)
        for role, text in speech
    )
    assert say(conversation, user, "/voice off").speech == (), "turning voice off is not itself spoken"
    assert say(conversation, user, "护理补贴是什么").speech == ()


def test_privacy_shows_what_is_stored_and_forget_deletes_every_row(conversation, services, user):
    say(conversation, user, "/region 朔州")
    say(conversation, user, "/screen nursing_subsidy")
    report = texts(say(conversation, user, "/privacy"))
    assert "朔州市" in report and "/forget" in report
    confirm = say(conversation, user, "/forget")
    yes = next(b for b in buttons(confirm) if b.data == "1|f|yes")
    assert messages.FORGOTTEN in texts(press(conversation, user, yes.data))
    with Session(services.engine) as session:
        assert session.get(UserProfile, user) is None
        assert session.get(ScreeningSession, user) is None
    assert "没有保存" in texts(say(conversation, user, "/privacy"))


def test_privacy_names_the_region_kept_from_the_conversation_and_the_anonymous_log(conversation, user):
    say(conversation, user, "张掖 残疾人护理补贴谁能领")
    report = texts(say(conversation, user, "/privacy"))
    assert "对话中提到的地区：张掖市" in report and "30分钟" in report
    assert "匿名保存180天" in report, "questions the plans could not answer are kept, without the person"
    say(conversation, user, "/forget")
    say(conversation, user, "是")
    assert "张掖市" not in texts(say(conversation, user, "/privacy"))


def test_a_screening_left_a_week_ago_does_not_swallow_a_new_question(conversation, services, user):
    say(conversation, user, "/screen nursing_subsidy")
    with Session(services.engine) as session:
        row = session.get(ScreeningSession, user)
        row.updated_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
        session.add(row)
        session.commit()
    out = say(conversation, user, "残疾人证怎么办理")
    reply = texts(out)
    assert "依据" in reply and "还没做完" in reply
    resume = next(b for b in buttons(out) if b.label == "继续自测")
    assert "接着上次" in texts(press(conversation, user, resume.data))


def test_personal_numbers_in_a_commands_words_are_masked_in_every_front_end(conversation, user):
    """The core masks them, so the console does what Telegram does."""
    for line in ("/region 13912345678", "/compare 护理补贴 身份证110101199003071234"):
        out = say(conversation, user, line)
        said = texts(out)
        assert messages.PERSONAL_NUMBERS in said, said
        assert "13912345678" not in said and "110101199003071234" not in said, said
