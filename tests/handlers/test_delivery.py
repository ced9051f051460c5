"""No reply lost to Telegram's faults: five 429s or five 500s in a row on any method a person sees, and
every reply still arrives exactly once; a failed acknowledgement or keyboard edit never costs the reply;
when nothing gets through, the person is told once; an update delivered twice is answered once."""

from __future__ import annotations

import asyncio
import re
import shutil

import pytest
from sqlmodel import Session, select

from bot import messages
from bot.models import OutboxMessage
from bot.services import Services
from handlers import delivery
from tests.fakes import updates
from tests.fakes.bot_api import FakeBotApi
from tests.handlers.conftest import Planbot, text_of

pytestmark = pytest.mark.e2e

FAULTS = {"429x5": {"status": 429, "retry_after": 1}, "500x5": {"status": 500}}
MANY_PARTS = "朔州 专栏9"  # the box's first three items, then buttons for the rest: four messages
CLAUSE = "1|c|shuozhou:box9.2"
CLAUSE_ID = re.compile(r"编号：(\S+)")


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """5xx retries wait 10 ms, not 0.5 s doubling: the same path, a shorter test (429s wait as asked)."""
    monkeypatch.setattr(delivery, "BACKOFF", 0.01)


def attempts(fake: FakeBotApi, method: str) -> list[int]:
    return [c.status for c in fake.calls(method, include_failed=True)]


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_send_message_failing_five_times_delivers_every_part_once_in_order(
    planbot: Planbot, user_id: int, fault: dict
) -> None:
    planbot.fake.fail_next("sendMessage", times=5, **fault)
    await planbot.say(user_id, MANY_PARTS)
    texts = planbot.fake.texts_to(user_id)
    assert [CLAUSE_ID.search(t)[1] for t in texts[:3]] == [
        "shuozhou:box9.1",
        "shuozhou:box9.2",
        "shuozhou:box9.3",
    ]
    assert len(texts) == 4 and texts[3].startswith("还有")
    assert attempts(planbot.fake, "sendMessage") == [fault["status"]] * 5 + [200] * 4


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_answer_callback_query_failing_five_times_costs_nothing(
    planbot: Planbot, user_id: int, fault: dict
) -> None:
    planbot.fake.fail_next("answerCallbackQuery", times=5, **fault)
    replies = await planbot.press(user_id, CLAUSE)
    await planbot.fake.await_call("answerCallbackQuery", timeout=15)
    assert len(replies) == 1 and "shuozhou:box9.2" in text_of(replies)
    assert attempts(planbot.fake, "answerCallbackQuery") == [fault["status"]] * 5 + [200]


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_edit_message_reply_markup_failing_five_times_costs_nothing(
    planbot: Planbot, user_id: int, fault: dict
) -> None:
    await planbot.say(user_id, "/screen")
    planbot.fake.fail_next("editMessageReplyMarkup", times=5, **fault)
    replies = await planbot.press(user_id, "1|s|nursing_subsidy")
    assert len(replies) == 1 and "（第1题" in text_of(replies)
    assert attempts(planbot.fake, "editMessageReplyMarkup") == [fault["status"]] * 5 + [200]


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_answer_inline_query_failing_five_times_still_answers(
    planbot: Planbot, user_id: int, fault: dict
) -> None:
    planbot.fake.fail_next("answerInlineQuery", times=5, **fault)
    planbot.fake.push_inline_query(user_id, "护理补贴 朔州")
    answered = await planbot.fake.await_call("answerInlineQuery", timeout=20)
    assert answered.params["results"]
    assert attempts(planbot.fake, "answerInlineQuery") == [fault["status"]] * 5 + [200]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_send_voice_failing_five_times_delivers_the_note_once(
    planbot: Planbot, user_id: int, fault: dict
) -> None:
    await planbot.say(user_id, "/voice on")
    planbot.fake.fail_next("sendVoice", times=5, **fault)
    replies = await planbot.say(user_id, "护理补贴是什么")
    assert [c.method for c in replies].count("sendVoice") == 1 and "依据：" in text_of(replies)
    assert attempts(planbot.fake, "sendVoice")[-6:] == [fault["status"]] * 5 + [200]


@pytest.mark.parametrize("method", ["answerCallbackQuery", "editMessageReplyMarkup"])
async def test_a_button_press_is_answered_even_when_its_side_requests_never_succeed(
    planbot: Planbot, user_id: int, method: str
) -> None:
    await planbot.say(user_id, "/screen")
    planbot.fake.fail_next(method, 500, times=50)
    replies = await planbot.press(user_id, "1|s|nursing_subsidy")
    assert "（第1题" in text_of(replies)
    assert attempts(planbot.fake, method) == [500] * delivery.ATTEMPTS
    planbot.fake.clear_faults()


async def test_a_429_that_never_ends_is_tried_by_the_rate_limiter_alone(
    planbot: Planbot, user_id: int
) -> None:
    """The rate limiter tries a 429 ATTEMPTS times; delivery tried each of those ATTEMPTS times again
    (36 requests, minutes of waiting with every other request paused)."""
    await planbot.say(user_id, "/screen")
    planbot.fake.fail_next("answerCallbackQuery", 429, times=50, retry_after=1)
    replies = await planbot.press(user_id, "1|s|nursing_subsidy")
    assert "（第1题" in text_of(replies)
    assert attempts(planbot.fake, "answerCallbackQuery") == [429] * delivery.ATTEMPTS
    planbot.fake.clear_faults()


async def test_when_a_reply_cannot_be_delivered_the_person_is_told_once(
    planbot: Planbot, planbot_services: Services, user_id: int
) -> None:
    planbot.fake.fail_next("sendMessage", 500, times=delivery.ATTEMPTS)  # the reply's every try
    replies = await planbot.say(user_id, MANY_PARTS)
    assert text_of(replies) == messages.DELIVERY_FAILED, "the rest is given up, with one kind word"
    with Session(planbot_services.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(4)).all()
    assert [r.state for r in rows] == ["failed"] * 4
    assert all(r.chat_id is None and r.payload is None for r in rows), "nothing personal is kept"


async def test_an_update_delivered_twice_is_answered_once(planbot: Planbot, user_id: int) -> None:
    payload = updates.text_update(
        user_id, "朔州 专栏9 第2项", update_id=planbot.fake.push_message(user_id, "在吗")
    )
    await planbot.wait_handled(payload["update_id"])
    before = len(planbot.fake.texts_to(user_id))
    again = {**payload, "update_id": payload["update_id"]}
    planbot.fake.push_update(again)  # Telegram sends it again, as after a restart before confirming
    marker = planbot.fake.push_message(user_id, "/help")
    await planbot.wait_handled(marker)
    await asyncio.sleep(0)
    assert len(planbot.fake.texts_to(user_id)) == before + 1, "only /help was answered"


async def test_delivered_replies_keep_no_chat_id_or_text(
    planbot: Planbot, planbot_services: Services, user_id: int
) -> None:
    await planbot.say(user_id, MANY_PARTS)
    with Session(planbot_services.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.state != "failed")).all()
    assert rows and all(r.chat_id is None and r.payload is None and r.state == "sent" for r in rows)
