"""planbot end to end: the real python-telegram-bot client and planbot's handlers, over HTTP on 127.0.0.1,
against the fake Bot API — what a person in a Telegram chat would see, and what survives Telegram's faults.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram.request import HTTPXRequest

from bot import messages
from bot.core import COMMANDS
from bot.models import ScreeningSession, UserProfile
from bot.replies import Incoming, Speech
from bot.services import Services
from handlers.render import MAX_MESSAGE
from tests.fakes import updates
from tests.fakes.bot_api import Call, FakeBotApi, post_webhook_update
from tests.fakes.fixtures import free_port
from tests.handlers.conftest import ADMIN_ID, Planbot, running_planbot, text_of
from tests.support import public_help

if TYPE_CHECKING:
    from voice import VoiceNote

pytestmark = pytest.mark.e2e

RESULT_WORDS = ("可能符合", "可能不符合", "需要进一步确认")
SCREENING_CONTROLS = frozenset({"back", "restart", "quit"})
SENTENCE_ENDS = "。！？；\n"
CLAUSE_ID = re.compile(r"编号：(\S+)")


def keyboard_of(call: Call) -> list[list[dict]]:
    return (call.params.get("reply_markup") or {}).get("inline_keyboard", [])


def clause_ids(texts: list[str]) -> list[str]:
    """The clause each reply shows (its "编号：" line), in the order the replies arrived."""
    return [m[1] for text in texts if (m := CLAUSE_ID.search(text))]


def box9_questions(items: range) -> list[str]:
    """Reference look-ups whose replies name which one they answer: "编号：shuozhou:box9.<n>"."""
    return [f"朔州 专栏9 第{n}项" for n in items]


def box9_ids(items: range) -> list[str]:
    return [f"shuozhou:box9.{n}" for n in items]


def first_option(calls: list[Call]) -> str | None:
    """The callback data of the first answer button (not back/restart/quit) of a screening question."""
    for call in reversed(calls):
        for row in keyboard_of(call):
            for button in row:
                data = button.get("callback_data", "")
                if data.startswith("1|a|") and data.rsplit(".", 1)[-1] not in SCREENING_CONTROLS:
                    return data
    return None


def has_result(calls: list[Call]) -> bool:
    return any(word in text_of(calls) for word in RESULT_WORDS)


def rows_about(engine: Engine, key: str) -> tuple[UserProfile | None, ScreeningSession | None]:
    with Session(engine) as session:
        return session.get(UserProfile, key), session.get(ScreeningSession, key)


# -- answers ---------------------------------------------------------------------------------------------


async def test_a_question_is_answered_with_its_citation_and_the_original_is_a_button_away(
    planbot: Planbot, user_id: int
) -> None:
    replies = await planbot.say(user_id, "我爸瘫在床上，家里困难，能领什么钱")
    answer = text_of(replies)
    assert "护理补贴" in answer and "依据：" in answer
    originals = [
        b["callback_data"] for row in keyboard_of(replies[-1]) for b in row if "|c|" in b["callback_data"]
    ]
    assert originals
    original = await planbot.press(user_id, originals[0])
    assert clause_ids([text_of(original)]) == [originals[0].split("|", 2)[2]]
    assert planbot.fake.count("answerCallbackQuery") == 1


async def test_a_reply_longer_than_a_message_arrives_in_pieces_cut_after_sentences(
    planbot: Planbot, user_id: int
) -> None:
    # Twelve questions the plans do not answer, ~485 characters each, make the admin's list ~6,000 long.
    filler = "周末去公园野餐合适吗？我还想知道哪家餐馆好吃。" * 20
    asked = [
        planbot.fake.push_message(user_id, f"第{i}个问题：明天北京天气怎么样？{filler}") for i in range(12)
    ]
    await planbot.wait_handled(*asked)
    pieces = [c.params["text"] for c in await planbot.say(ADMIN_ID, "/unanswered")]

    admin = planbot.conversation.user_key("telegram", ADMIN_ID)
    core = await asyncio.to_thread(
        planbot.conversation.handle, Incoming(user=admin, command="unanswered", is_admin=True)
    )
    [reply] = core.replies
    assert len(reply.text) > MAX_MESSAGE and len(pieces) >= 2
    assert all(len(piece) <= MAX_MESSAGE for piece in pieces)
    assert "".join(pieces).replace("\n", "") == reply.text.replace("\n", ""), "nothing lost, nothing added"
    end = 0
    for piece in pieces[:-1]:
        end = reply.text.index(piece, end) + len(piece)
        assert reply.text[end - 1] in SENTENCE_ENDS or reply.text[end] == "\n", piece[-20:]


# -- screenings ------------------------------------------------------------------------------------------


async def test_a_whole_screening_by_pressing_buttons(planbot: Planbot, user_id: int) -> None:
    menu = await planbot.say(user_id, "/screen")
    data = keyboard_of(menu[-1])[0][0]["callback_data"]
    presses = 0
    for _ in range(15):
        replies = await planbot.press(user_id, data)
        presses += 1
        if has_result(replies):
            break
        option = first_option(replies)
        assert option is not None, text_of(replies)
        data = option
    else:
        pytest.fail("the screening never reached a result")
    assert presses >= 3
    assert planbot.fake.count("answerCallbackQuery") == presses, "every button press is answered"
    assert planbot.fake.count("editMessageReplyMarkup") == presses, "a pressed keyboard is taken away"
    assert "可以转发给工作人员的摘要" in text_of(replies)


async def test_a_whole_screening_by_typed_answers(planbot: Planbot, user_id: int) -> None:
    first = await planbot.say(user_id, "/screen nursing_subsidy")
    assert "第1题" in text_of(first)
    for typed in ("朔州", "是", "1", "一级", "是", "1", "1"):
        replies = await planbot.say(user_id, typed)
        if has_result(replies):
            break
    else:
        pytest.fail("typed answers never reached a result")
    assert "重度残疾人护理补贴" in text_of(replies)
    assert planbot.fake.count("answerCallbackQuery") == 0


# -- voice -----------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_with_voice_on_a_voice_note_follows_the_text_and_the_chat_shows_it_is_coming(
    planbot: Planbot, planbot_services: Services, user_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Speech is held until the chat shows "recording voice…": the action appears only when the work
    # takes longer than a moment, and a warm synthesiser may be quicker than that.
    speak, spoken = planbot_services.aspeak, asyncio.Event()

    async def held_speak(speech: Speech, *, speed: str, private: bool) -> VoiceNote | None:
        await spoken.wait()
        return await speak(speech, speed=speed, private=private)

    turned_on = await planbot.say(user_id, "/voice on")
    assert "语音回复已打开" in text_of(turned_on)
    assert [c.method for c in turned_on].count("sendVoice") == 1, "the confirmation is heard, too"
    monkeypatch.setattr(planbot_services, "aspeak", held_speak)
    fake = planbot.fake
    since = len(fake.sent)
    asked = fake.push_message(user_id, "护理补贴是什么")
    await fake.await_call(
        "sendChatAction", lambda c: c.params == {"chat_id": user_id, "action": "record_voice"}, since=since
    )
    spoken.set()
    await planbot.wait_handled(asked)
    replies = [c for c in fake.sent[since:] if c.ok and c.method in {"sendMessage", "sendVoice"}]
    methods = [c.method for c in replies]
    assert methods[-1] == "sendVoice" and methods.count("sendVoice") == 1 and "依据：" in text_of(replies)
    filename, ogg, _ = replies[-1].files["voice"]
    assert filename.endswith(".ogg") and ogg.startswith(b"OggS") and b"OpusHead" in ogg[:512]
    assert replies[-1].params["duration"] >= 1


# -- inline mode -----------------------------------------------------------------------------------------


async def test_inline_query_lists_clauses_titled_with_their_plan(
    planbot: Planbot, planbot_services: Services, user_id: int
) -> None:
    planbot.fake.push_inline_query(user_id, "护理补贴 朔州")
    call = await planbot.fake.await_call("answerInlineQuery", timeout=15)
    results = call.params["results"]
    plans = {meta.short_title for meta in planbot_services.library.catalog.values()}
    assert results
    assert all(any(r["title"].startswith(plan) for plan in plans) for r in results), results
    assert all(r["input_message_content"]["message_text"] for r in results)


# -- privacy ---------------------------------------------------------------------------------------------


async def test_forget_removes_the_persons_rows(
    planbot: Planbot, planbot_services: Services, user_id: int
) -> None:
    await planbot.say(user_id, "/region 朔州")
    await planbot.say(user_id, "/screen nursing_subsidy")
    key = planbot.conversation.user_key("telegram", user_id)
    profile, screening = await asyncio.to_thread(rows_about, planbot_services.engine, key)
    assert profile is not None and profile.region == "朔州市" and screening is not None

    confirm = await planbot.say(user_id, "/forget")
    assert messages.FORGET_CONFIRM in text_of(confirm)
    assert "1|f|yes" in [b["callback_data"] for row in keyboard_of(confirm[-1]) for b in row]
    done = await planbot.press(user_id, "1|f|yes")
    assert messages.FORGOTTEN in text_of(done)
    assert await asyncio.to_thread(rows_about, planbot_services.engine, key) == (None, None)
    assert planbot.fake.count("answerCallbackQuery") == 1


# -- odd input -------------------------------------------------------------------------------------------

STALE_BUTTONS = ("1|a|nursing_subsidy.9.x", "0|c|x", "garbage", "1|c|nosuch:1", "1|x|y", "1|s|nosuch", "")


async def test_stale_or_forged_buttons_get_a_polite_reply_and_are_answered(
    planbot: Planbot, user_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    for data in STALE_BUTTONS:
        reply = text_of(await planbot.press(user_id, data))
        assert reply in {messages.STALE_BUTTON, "这个按钮对应的问题已经过去了。"}, (data, reply)
    assert planbot.fake.count("answerCallbackQuery") == len(STALE_BUTTONS)
    assert planbot.errors == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_unknown_command_and_things_that_are_not_text_get_kind_replies(
    planbot: Planbot, user_id: int
) -> None:
    fake = planbot.fake
    assert text_of(await planbot.say(user_id, "/frobnicate now")) == public_help()
    voice = await planbot.exchange(user_id, lambda: fake.push_voice(user_id, b"OggS\x00voice", duration=2))
    assert text_of(voice) == messages.VOICE_INPUT
    photo = await planbot.exchange(user_id, lambda: fake.push_photo(user_id, b"\xff\xd8\xff\xe0jpeg"))
    assert text_of(photo) == messages.NOT_TEXT
    sticker = await planbot.exchange(user_id, lambda: fake.push_sticker(user_id))
    assert text_of(sticker) == messages.NOT_TEXT
    assert planbot.errors == []


# -- Telegram's faults -----------------------------------------------------------------------------------


async def test_too_many_requests_is_waited_out_and_the_reply_arrives_once(
    planbot: Planbot, user_id: int
) -> None:
    planbot.fake.fail_next("sendMessage", 429, retry_after=1)
    await planbot.say(user_id, "/help")
    assert planbot.fake.texts_to(user_id) == [public_help()]
    statuses = [
        c.status
        for c in planbot.fake.calls("sendMessage", include_failed=True)
        if c.params.get("chat_id") == user_id
    ]
    assert statuses == [429, 200]


SEND_FAULTS = {
    "500": ("fail_next", {"status": 500}),
    "dropped connection": ("drop_next", {}),
}


@pytest.mark.parametrize(("inject", "arguments"), SEND_FAULTS.values(), ids=SEND_FAULTS.keys())
async def test_a_failed_send_loses_no_reply(
    planbot: Planbot, user_id: int, inject: str, arguments: dict
) -> None:
    getattr(planbot.fake, inject)("sendMessage", **arguments)
    await planbot.say(user_id, "朔州 专栏9 第2项")
    assert clause_ids(planbot.fake.texts_to(user_id)) == ["shuozhou:box9.2"]


async def test_a_send_answered_after_the_timeout_loses_no_later_reply(
    fake_bot_api: FakeBotApi, planbot_services: Services, user_id: int
) -> None:
    fake = fake_bot_api
    async with running_planbot(fake, planbot_services, request=HTTPXRequest(read_timeout=1.0)) as bot:
        fake.delay_next("sendMessage", 2.0)  # Telegram takes the message but answers too late
        await bot.say(user_id, "/voice on")  # two replies: "语音回复已打开…", then the speed buttons
        late = await fake.await_call("sendMessage", lambda c: c.params["text"].startswith("语音回复已打开"))
    assert late.params["chat_id"] == user_id
    texts = fake.texts_to(user_id)
    assert len(texts) == 2 and late.params["text"] in texts, "each reply once"
    assert any(t.startswith("语速可以选") for t in texts)


# fault id -> (FakeBotApi method, its arguments)
POLLING_FAULTS = {
    "500": ("fail_next", {"status": 500}),
    "dropped connection": ("drop_next", {}),
    "answer slower than the read timeout": ("delay_next", {"seconds": 2.0}),
}


@pytest.mark.parametrize(("inject", "arguments"), POLLING_FAULTS.values(), ids=POLLING_FAULTS.keys())
async def test_polling_fault_loses_and_repeats_no_update(
    fake_bot_api: FakeBotApi,
    planbot_services: Services,
    user_id: int,
    inject: str,
    arguments: dict,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="telegram.ext")

    def polls_retried() -> int:
        return sum("(Polling Updates)" in m and m.endswith("Retrying.") for m in caplog.messages)

    fake = fake_bot_api
    ids = [fake.push_message(user_id, q) for q in box9_questions(range(1, 4))]
    getattr(fake, inject)("getUpdates", **arguments)  # the first poll fails
    # reads of a long poll time out 1 s (its timeout) + 0.5 s after asking
    async with running_planbot(
        fake, planbot_services, get_updates_request=HTTPXRequest(read_timeout=0.5)
    ) as bot:
        await bot.wait_handled(*ids, timeout=20)
        getattr(fake, inject)("getUpdates", **arguments)  # and one of the next polls
        ids += [fake.push_message(user_id, q) for q in box9_questions(range(4, 7))]
        await bot.wait_handled(*ids, timeout=20)
        await fake.await_until(lambda: polls_retried() == 2, timeout=10)
    assert bot.handled == ids, "each update handled once, in order"
    assert clause_ids(fake.texts_to(user_id)) == box9_ids(range(1, 7)), "one reply per update"
    assert fake.pending_update_ids == []
    assert all(fake.deliveries(i) >= 1 for i in ids)


# -- webhook ---------------------------------------------------------------------------------------------


async def test_webhook_update_is_handled_only_with_the_secret_token(
    fake_bot_api: FakeBotApi, planbot_services: Services, user_id: int
) -> None:
    fake = fake_bot_api
    async with running_planbot(
        fake, planbot_services, webhook_port=free_port(), secret_token="s3cret"
    ) as bot:
        assert bot.webhook_url is not None
        assert fake.webhook["url"] == bot.webhook_url and fake.webhook["secret_token"] == "s3cret"
        payload = updates.command_update(user_id, "help", update_id=90_001)
        assert (await post_webhook_update(bot.webhook_url, payload)).status_code == 403
        assert (await post_webhook_update(bot.webhook_url, payload, secret_token="wrong")).status_code == 403
        accepted = await post_webhook_update(bot.webhook_url, payload, secret_token="s3cret")
        assert accepted.status_code == 200
        await bot.wait_handled(90_001)
    assert bot.handled == [90_001]
    assert fake.texts_to(user_id) == [public_help()]
    assert fake.count("setMyCommands") == 1 and fake.count("getUpdates") == 0


# -- commands --------------------------------------------------------------------------------------------


async def test_every_public_command_is_in_the_menu_and_in_help_and_admin_commands_are_not(
    planbot: Planbot, user_id: int
) -> None:
    [menu] = planbot.fake.calls("setMyCommands")
    public = [c for c in COMMANDS if not c.admin]
    assert menu.params["commands"] == [{"command": c.name, "description": c.description} for c in public]
    help_text = text_of(await planbot.say(user_id, "/help"))
    for command in COMMANDS:
        assert (f"/{command.name}：" in help_text) is not command.admin, command.name


async def test_only_an_admin_can_list_unanswered_questions(planbot: Planbot, user_id: int) -> None:
    assert text_of(await planbot.say(user_id, "/unanswered")) == public_help()
    listing = text_of(await planbot.say(ADMIN_ID, "/unanswered"))
    assert listing.startswith(("没能回答的问题", "还没有记录"))


# -- concurrency -----------------------------------------------------------------------------------------


async def test_people_are_served_side_by_side_and_each_persons_replies_keep_their_order(
    planbot: Planbot, user_id: int, other_user_id: int
) -> None:
    fake = planbot.fake
    fake.delay_next("answerCallbackQuery", 3.0)  # the first person's first update is held up
    held = fake.push_callback(user_id, "1|c|shuozhou:box9.1")
    then = [fake.push_message(user_id, q) for q in box9_questions(range(2, 7))]
    other = fake.push_message(other_user_id, "朔州 专栏9 第6项")
    await planbot.wait_handled(held, *then, other, timeout=20)

    sent = fake.sent
    answered = next(i for i, c in enumerate(sent) if c.method == "answerCallbackQuery")
    other_reply = next(
        i for i, c in enumerate(sent) if c.method == "sendMessage" and c.params["chat_id"] == other_user_id
    )
    assert other_reply < answered, "the other person did not wait for the first person's slow update"
    assert clause_ids(fake.texts_to(user_id)) == box9_ids(range(1, 7))
    assert planbot.handled.index(held) < min(planbot.handled.index(u) for u in then)
