"""SQL-looking input is only ever text: searched as words, logged verbatim, never executed.

Every input goes through questions, commands, buttons and a screening answer on the real
database (SQLite, and PostgreSQL when configured); afterwards every table is still there with
the same plans, another person's settings are untouched, and the unanswered questions are in
the anonymous log exactly as typed (only ID-card and phone numbers masked).
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import MetaData, func, inspect, select
from sqlalchemy.engine import Engine

from bot import messages
from bot.core import clean_input
from bot.models import ScreeningSession, UnansweredQuestion, UserProfile
from bot.privacy import mask_personal_numbers
from bot.repository import UNANSWERED_MAX_ROWS
from tests.bot.conftest import press, say

INJECTIONS = (
    "'; DROP TABLE clause; --",
    "1 OR 1=1",
    "Robert'); DROP TABLE user_profile;--",
    '" OR ""="',
    "%' OR '%'='",
    "'; DELETE FROM unanswered_question; --",
    "1; UPDATE user_profile SET region='x'",
    "SELECT * FROM app_meta",
    "\\'; TRUNCATE app_meta; --",
    "'); INSERT INTO screening_session VALUES ('x', '{}', 1, now()); --",
)
PHONE = "13812345678"
WITH_PHONE = f"'; DROP TABLE user_profile; -- {PHONE} 补贴几号发"
_bystanders = itertools.count(1)
PLANS_ONLY = ("document", "clause", "app_meta", "alembic_version")  # nothing a person says may change these


def texts(outgoing) -> str:
    return "\n".join(r.text for r in outgoing.replies)


def snapshot(engine: Engine) -> dict[str, object]:
    """Table names, and every row of the tables people's input must never change."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        rows = {
            name: sorted(tuple(map(str, row)) for row in connection.execute(select(metadata.tables[name])))
            for name in PLANS_ONLY
            if name in metadata.tables
        }
    return {"tables": sorted(inspect(engine).get_table_names()), **rows}


def logged_since(engine: Engine, after: int) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(UnansweredQuestion.text)
                .where(UnansweredQuestion.id > after)
                .order_by(UnansweredQuestion.id)
            ).scalars()
        )


def last_logged_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.max(UnansweredQuestion.id))).scalar() or 0


@pytest.fixture
def bystander(conversation) -> str:
    """Someone else with a saved region and a screening in progress, who must be left alone."""
    other = conversation.user_key("test-bystander", next(_bystanders))
    say(conversation, other, "/region 朔州")
    say(conversation, other, "/screen nursing_subsidy")
    return other


@pytest.fixture
def untouched(services, conversation, bystander):
    """Asserts after the test that plans, tables and the bystander's rows are as they were."""
    engine = services.engine
    before = snapshot(engine)
    with engine.connect() as connection:
        state = connection.execute(
            select(ScreeningSession.state).where(ScreeningSession.user_key == bystander)
        ).scalar()
    yield
    assert snapshot(engine) == before
    with engine.connect() as connection:
        assert (
            connection.execute(select(UserProfile.region).where(UserProfile.user_key == bystander)).scalar()
            == "朔州市"
        )
        assert (
            connection.execute(
                select(ScreeningSession.state).where(ScreeningSession.user_key == bystander)
            ).scalar()
            == state
        )


@pytest.mark.usefixtures("untouched")
def test_sql_questions_are_answered_as_text_and_logged_verbatim(conversation, services, user):
    after = last_logged_id(services.engine)
    unanswered = []
    for text in (*INJECTIONS, WITH_PHONE):
        out = say(conversation, user, text)
        assert out.replies and messages.ERROR not in texts(out), text
        if not out.answered:
            unanswered.append(text)
    assert len(unanswered) >= len(INJECTIONS) // 2, "most of these are not questions the plans answer"
    placeholder = mask_personal_numbers(PHONE)
    expected = [clean_input(t).replace(PHONE, placeholder) for t in unanswered]
    assert logged_since(services.engine, after) == expected
    assert WITH_PHONE in unanswered

    listed = {text for text, _count, _last in conversation.repository.unanswered(limit=UNANSWERED_MAX_ROWS)}
    assert set(expected) <= listed, "the admin list groups and shows them as plain text"


@pytest.mark.usefixtures("untouched")
def test_sql_around_real_words_still_finds_the_plans(conversation, user):
    out = say(conversation, user, "护理补贴' OR 1=1 --")
    assert out.answered and "护理补贴" in texts(out) and "依据：" in texts(out)
    compared = texts(say(conversation, user, "/compare 护理补贴'; DROP TABLE clause;--"))
    assert "茌平区规划" in compared and "张掖市规划" in compared


@pytest.mark.parametrize("wildcard", ["%", "_", "*", "%' OR '%'='"])
@pytest.mark.usefixtures("untouched")
def test_wildcards_match_nothing_rather_than_everything(conversation, user, wildcard):
    reply = texts(say(conversation, user, f"/compare {wildcard}"))
    assert reply.startswith("各地规划里都没有找到"), reply


@pytest.mark.usefixtures("untouched")
def test_sql_in_commands_and_buttons_changes_only_the_persons_own_settings(conversation, services, user):
    assert "没有找到编号" in texts(say(conversation, user, "/clause ' OR 1=1 --"))
    named = texts(say(conversation, user, "/clause shuozhou:3.1.5' OR '1'='1"))
    assert named.count("编号：") <= 1, "a reference with SQL after it shows at most the clause it names"
    assert texts(say(conversation, user, "/start clause_' OR 1=1")) == messages.STALE_BUTTON
    assert texts(press(conversation, user, "1|c|shuozhou:3.1.5' OR '1'='1")) == messages.STALE_BUTTON
    assert texts(press(conversation, user, "1|s|nursing_subsidy'--")) == messages.STALE_BUTTON

    assert "没有认出" in texts(say(conversation, user, "/region '; DROP TABLE user_profile;--"))
    say(conversation, user, "/region 朔州'; DELETE FROM user_profile;--")
    press(conversation, user, "1|r|朔州'; DROP TABLE user_profile;--")
    region = conversation.repository.profile(user).region
    assert region in (None, "朔州市"), f"a region is a gazetteer name, never the typed text: {region!r}"


@pytest.mark.usefixtures("untouched")
def test_sql_as_a_screening_answer_is_not_understood_and_not_stored(conversation, services, user):
    first = texts(say(conversation, user, "/screen nursing_subsidy"))
    for text in INJECTIONS:
        reply = texts(say(conversation, user, text))
        assert "没能理解" in reply and reply.splitlines()[0] == first.splitlines()[0], text
    with services.engine.connect() as connection:
        state = connection.execute(
            select(ScreeningSession.state).where(ScreeningSession.user_key == user)
        ).scalar()
    assert state is not None
    for text in INJECTIONS:
        assert clean_input(text) not in state, "what a person types is not kept with their screening"
