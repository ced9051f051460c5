"""Screenings a person chose not to store live in memory only, and not for ever: gone six hours after
their last answer, whether or not anyone asks about them again."""

from __future__ import annotations

import datetime as dt

from bot.screening_flow import IDLE_RESUME, MemoryStore
from tests.bot.conftest import say

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def test_an_entry_is_dropped_once_its_time_is_up_and_a_later_answer_renews_it():
    clock = Clock()
    store = MemoryStore(clock=clock)
    store["a"] = ({"step": 1}, clock())
    store["b"] = ({"step": 1}, clock())
    clock.now += IDLE_RESUME - dt.timedelta(minutes=1)
    store["a"] = ({"step": 2}, clock())  # a answered again
    clock.now += dt.timedelta(minutes=2)
    assert "b" not in store and store.get("a") == ({"step": 2}, clock.now - dt.timedelta(minutes=2))
    clock.now += IDLE_RESUME
    assert len(store) == 0, "looking at any entry drops every expired one"


def test_a_screening_not_stored_is_forgotten_after_six_idle_hours(conversation, user):
    say(conversation, user, "/screen nursing_subsidy")
    say(conversation, user, "1")  # 户籍
    say(conversation, user, "2")  # 不保存，只在本次使用
    store = conversation.screenings._memory
    assert user in store
    report = say(conversation, user, "/privacy").text
    assert "不保存自测回答" in report
    data, changed = store.get(user)
    store[user] = (data, changed - IDLE_RESUME - dt.timedelta(seconds=1))  # as if six hours went by
    assert user not in store
    assert "不保存自测回答" not in say(conversation, user, "/privacy").text
