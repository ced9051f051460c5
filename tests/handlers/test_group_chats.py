"""Group chats: nothing about one person is read, stored or posted where the whole group reads it.

A person sets a region and starts a screening in their private chat; then they, and others, talk in a
group the bot is in. The group sees general answers and a button to the private chat, never the person's
answers; group talk is never taken as a screening answer; nothing is written about anyone.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot import messages
from bot.models import ScreeningSession, UnansweredQuestion, UserProfile
from bot.services import Services
from tests.fakes.bot_api import Call
from tests.handlers.conftest import Planbot, text_of

pytestmark = pytest.mark.e2e

GROUP = -4_100_200  # a basic group
SUPERGROUP = -1_004_100_200_300
PROMPT = "（第"  # how every screening question starts (bot.screening_flow)


def link_buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["url"] for row in markup.get("inline_keyboard", []) for b in row if "url" in b]


def stored_rows(engine, key: str) -> tuple[UserProfile | None, ScreeningSession | None, int]:
    with Session(engine) as session:
        logged = session.execute(select(func.count()).select_from(UnansweredQuestion)).scalar_one()
        return session.get(UserProfile, key), session.get(ScreeningSession, key), logged


async def in_group(planbot: Planbot, user_id: int, chat_id: int, text: str) -> list[Call]:
    fake = planbot.fake
    if text.startswith("/"):
        command, _, args = text[1:].partition(" ")
        return await planbot.exchange(
            chat_id, lambda: fake.push_command(user_id, command, args, chat_id=chat_id)
        )
    return await planbot.exchange(chat_id, lambda: fake.push_message(user_id, text, chat_id=chat_id))


async def a_person_with_stored_answers(planbot: Planbot, user_id: int) -> None:
    """Region 朔州, a nursing-subsidy screening with 户籍 answered and consent to keep it."""
    await planbot.say(user_id, "/region 朔州")
    await planbot.say(user_id, "/screen nursing_subsidy")
    await planbot.say(user_id, "1")  # 户籍: 朔州市 (the first option)
    consent = await planbot.say(user_id, "1")  # 继续，保存我的回答
    assert PROMPT in text_of(consent)


@pytest.mark.parametrize("chat_id", [GROUP, SUPERGROUP], ids=["group", "supergroup"])
async def test_privacy_in_a_group_posts_nothing_of_the_persons_and_links_to_the_private_chat(
    planbot: Planbot, planbot_services: Services, user_id: int, chat_id: int
) -> None:
    await a_person_with_stored_answers(planbot, user_id)
    private_report = text_of(await planbot.say(user_id, "/privacy"))
    assert "朔州市" in private_report and "自测回答" in private_report  # there is something to leak

    key = planbot.conversation.user_key("telegram", user_id)
    before = await asyncio.to_thread(stored_rows, planbot_services.engine, key)
    for command in ("/privacy", "/forget", "/forget yes", "/screen", "/region 张掖", "/voice on", "/cancel"):
        replies = await in_group(planbot, user_id, chat_id, command)
        assert text_of(replies) == messages.PRIVATE_ONLY, command
        [link] = link_buttons(replies[-1])
        assert link.startswith(f"https://t.me/{planbot.fake.bot_username}?start=cmd_"), link
    posted = "\n".join(planbot.fake.texts_to(chat_id))
    assert "朔州" not in posted and "自测" not in posted and "户籍" not in posted
    assert [c for c in planbot.fake.sent if c.method == "sendVoice"] == []
    after = await asyncio.to_thread(stored_rows, planbot_services.engine, key)
    assert after[0].region == before[0].region == "朔州市" and not after[0].voice, "nothing changed"
    assert after[1].version == before[1].version and after[1].state == before[1].state


async def test_the_deep_link_from_the_group_opens_the_command_in_the_private_chat(
    planbot: Planbot, user_id: int
) -> None:
    await planbot.say(user_id, "/region 朔州")
    [link] = link_buttons((await in_group(planbot, user_id, GROUP, "/privacy"))[-1])
    payload = link.split("?start=", 1)[1]
    opened = text_of(await planbot.say(user_id, f"/start {payload}"))
    assert "朔州市" in opened and "/forget" in opened, "the private chat shows what the group did not"


async def test_group_small_talk_and_questions_store_nothing_and_say_nothing_personal(
    planbot: Planbot, planbot_services: Services, user_id: int, other_user_id: int
) -> None:
    await a_person_with_stored_answers(planbot, user_id)
    key = planbot.conversation.user_key("telegram", user_id)
    other_key = planbot.conversation.user_key("telegram", other_user_id)
    before = await asyncio.to_thread(stored_rows, planbot_services.engine, key)

    small_talk = ("大家好！", "今天天气真不错，周末一起去爬山吧", "哈哈哈", "明天几点开会")
    for sender in (user_id, other_user_id):
        for text in small_talk:
            replies = await in_group(planbot, sender, GROUP, text)
            assert PROMPT not in text_of(replies)
    answer = text_of(await in_group(planbot, user_id, GROUP, "护理补贴怎么申请"))
    assert "依据：" in answer and "护理补贴" in answer

    posted = "\n".join(planbot.fake.texts_to(GROUP))
    assert "自测" not in posted and "还没做完" not in posted and "朔州市" not in posted
    after = await asyncio.to_thread(stored_rows, planbot_services.engine, key)
    assert (after[0].updated_at, after[1].version, after[1].state) == (
        before[0].updated_at,
        before[1].version,
        before[1].state,
    )
    assert after[2] == before[2], "group talk is not written to the anonymous log either"
    assert await asyncio.to_thread(stored_rows, planbot_services.engine, other_key) == (None, None, after[2])


async def test_a_group_members_ordinary_messages_are_never_taken_as_screening_answers(
    planbot: Planbot, planbot_services: Services, user_id: int
) -> None:
    started = await planbot.say(user_id, "/screen nursing_subsidy")
    assert "（第1题" in text_of(started)
    key = planbot.conversation.user_key("telegram", user_id)
    before = await asyncio.to_thread(stored_rows, planbot_services.engine, key)

    for typed in ("1", "朔州", "是", "一级"):  # each would answer the pending question in private
        replies = await in_group(planbot, user_id, GROUP, typed)
        assert PROMPT not in text_of(replies), typed
    pressed = await planbot.exchange(
        GROUP, lambda: planbot.fake.push_callback(user_id, "1|a|nursing_subsidy.1.1", chat_id=GROUP)
    )
    assert text_of(pressed) == messages.PRIVATE_ONLY, "a screening button pressed in a group"

    after = await asyncio.to_thread(stored_rows, planbot_services.engine, key)
    assert after[1].version == before[1].version and after[1].state == before[1].state
    resumed = text_of(await planbot.say(user_id, "1"))  # the private chat still has question 1 open
    assert "（第2题" in resumed
