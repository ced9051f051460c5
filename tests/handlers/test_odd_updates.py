"""Updates that are not a plain new message: each gets an answer."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot import messages
from bot.services import Services
from tests.fakes import updates
from tests.handlers.conftest import Planbot, text_of

pytestmark = pytest.mark.e2e

CLAUSE_ID = re.compile(r"编号：(\S+)")


async def test_a_button_under_an_inline_message_is_answered_though_there_is_no_chat(
    planbot: Planbot, user_id: int
) -> None:
    pressed = planbot.fake.push_update(
        updates.callback_update(user_id, "1|c|shuozhou:box9.2", inline_message_id="inline-1")
    )
    await planbot.wait_handled(pressed)
    [answer] = planbot.fake.calls("answerCallbackQuery")
    assert answer.params.get("text") == messages.STALE_BUTTON
    assert planbot.fake.calls("sendMessage") == [] and planbot.errors == []


async def test_an_edited_message_is_answered_as_a_new_one(planbot: Planbot, user_id: int) -> None:
    await planbot.say(user_id, "朔州 专栏9 第1项")
    edited = updates._update("edited_message", updates.message(user_id, text="朔州 专栏9 第2项"), None)
    replies = await planbot.exchange(user_id, lambda: planbot.fake.push_update(edited))
    assert [m[1] for m in CLAUSE_ID.finditer(text_of(replies))] == ["shuozhou:box9.2"]


async def test_a_photo_caption_is_read_as_text(planbot: Planbot, user_id: int) -> None:
    replies = await planbot.exchange(
        user_id, lambda: planbot.fake.push_photo(user_id, b"\xff\xd8jpeg", caption="朔州 专栏9 第3项")
    )
    assert "shuozhou:box9.3" in text_of(replies)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_no_voice_note_of_a_screening_is_left_on_disk_and_forget_leaves_none(
    planbot: Planbot, planbot_services: Services, user_id: int
) -> None:
    cache = Path(planbot_services.settings.voice_cache_dir)
    await planbot.say(user_id, "/voice on")
    before = set(cache.iterdir()) if cache.exists() else set()
    for typed in ("/screen nursing_subsidy", "1", "1", "1", "1", "1", "1"):  # 户籍 … to the result
        replies = await planbot.say(user_id, typed)
        assert [c.method for c in replies].count("sendVoice") == 1, typed
        if "可以转发给工作人员的摘要" in text_of(replies):
            break
    else:
        pytest.fail("the screening never reached a result")
    assert (set(cache.iterdir()) if cache.exists() else set()) == before, "nothing personal was cached"
    await planbot.press(user_id, "1|f|yes")
    assert (set(cache.iterdir()) if cache.exists() else set()) == before
