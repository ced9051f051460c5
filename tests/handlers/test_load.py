"""A small run of the load benchmark (bench.load_bench): under load no reply is lost, doubled or misplaced.

50 people send 500 updates at once through the fake Bot API — questions, screenings answered by typing,
commands, one person with voice replies. Timings are the benchmark's business; this only counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bench.load_bench import LoadReport, simulate
from bot.services import Services
from tests.fakes.bot_api import FakeBotApi

pytestmark = pytest.mark.e2e

USERS = 50
UPDATES = 500
SUMMARY = "可以转发给工作人员的摘要"  # the end of a finished screening (bot.screening_flow)


@pytest.fixture(scope="module")
def report(planbot_services: Services) -> Iterator[LoadReport]:
    """One run shared by the tests below (it takes a few seconds)."""
    with FakeBotApi() as fake:
        yield asyncio.run(
            simulate(planbot_services, fake, users=USERS, updates=UPDATES, first_user_id=700_001)
        )


def test_every_update_is_answered_exactly_once(report: LoadReport) -> None:
    assert len(report.exchanges) == UPDATES
    assert report.lost == []
    assert all(e.messages >= 1 for e in report.exchanges)
    assert report.duplicated == []  # each fetched once by getUpdates and handled once
    assert report.stray_messages == 0  # nothing sent that answers no update


def test_nothing_fails_under_load(report: LoadReport) -> None:
    assert report.error_replies == 0
    assert report.errors_logged == 0


def test_the_load_mixes_questions_screenings_and_voice(report: LoadReport) -> None:
    kinds = {e.kind for e in report.exchanges}
    assert kinds == {"question", "screening", "answer", "command", "voice_on"}
    assert any(SUMMARY in text for e in report.exchanges for text in e.texts)  # screenings are finished
    voice_people = {e.user_id for e in report.exchanges if e.kind == "voice_on"}
    assert report.voice_users == len(voice_people) == 1
    assert all(e.voices == 0 for e in report.exchanges if e.user_id not in voice_people)
    spoken = [e for e in report.exchanges if e.user_id in voice_people and e.kind != "voice_on"]
    assert spoken and all(e.voices == 1 for e in spoken)  # one voice note after every text reply
