"""One person's updates are answered in the order they were sent, even when hundreds arrive at once."""

from __future__ import annotations

import re

import pytest

from bot.services import Services
from tests.handlers.conftest import Planbot

pytestmark = pytest.mark.e2e

FLOOD = 300
CLAUSE_ID = re.compile(r"编号：(\S+)")


async def test_a_flood_of_300_messages_from_one_person_is_answered_once_each_in_order(
    planbot: Planbot, planbot_services: Services, user_id: int, other_user_id: int
) -> None:
    ids = sorted(planbot_services.clauses_by_id)[:FLOOD]  # each reply names the clause it shows
    fake = planbot.fake
    pushed = [fake.push_command(user_id, "clause", clause_id) for clause_id in ids]
    other = fake.push_command(other_user_id, "clause", ids[0])  # someone else, in the middle of it
    await planbot.wait_handled(*pushed, other, timeout=240)

    replies = fake.texts_to(user_id)
    shown = [m[1] for text in replies if (m := CLAUSE_ID.search(text))]
    assert len(replies) == len(shown) == FLOOD, "one reply per message"
    assert shown == ids, "in the order sent"
    handled = [u for u in planbot.handled if u in set(pushed)]
    assert handled == pushed
    assert planbot.handled.index(other) < planbot.handled.index(pushed[-1]), "the other was not kept waiting"
