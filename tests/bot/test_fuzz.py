"""Fuzzing the conversation core: every input gets a reply, nothing escapes, nothing stored needlessly.

Each example is one new person sending a few things: free text in many scripts, commands with
odd arguments, forged, stale and real button data, media, and 50,000-character messages. The
last-resort `except Exception` in `Conversation.handle` must never fire: it would hide a bug
behind a polite apology, so an ERROR record from bot.* or knowledge.* fails the test.

Afterwards the database is read table by table: a person who never chose a setting or started
a screening has no row, no row keyed by the person holds what they typed, the person's key
appears nowhere else, and the anonymous log of unanswered questions holds no mobile or ID
number.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, String, Table, func, select
from sqlalchemy.engine import Engine

from bot import messages
from bot.callbacks import ACTIONS, MAX_BYTES, decode
from bot.core import COMMANDS, Conversation, clean_input
from bot.models import UnansweredQuestion
from bot.privacy import mask_personal_numbers
from bot.replies import Incoming, Outgoing
from knowledge import screening as engine
from knowledge.library import Library

SCREENINGS = [s["name"] for s in engine.list_screenings(Library.load())]
COMMAND_NAMES = [c.name for c in COMMANDS if c.name != "reload"]  # reload re-ingests: not fuzz
LONG_MESSAGE_CHARS = 50_000

# Fragments people (and mischief) really send; hypothesis glues them to arbitrary text.
FRAGMENTS = (
    "护理补贴谁能领",
    "残疾人证怎么办理",
    "我爸瘫在床上，家里困难，能领什么钱？",
    "朔州 专栏9 第2项",
    "张掖 三（二）4",
    "茌平 指标 11",
    "護理補貼誰能領？殘疾人證怎麼辦",  # Traditional
    "ｈｅｌｐ　护理补贴？！",  # full-width Latin, ideographic space
    "／ｓｔａｒｔ",
    "👨\u200d👩\u200d👧\u200d👦🇨🇳👍🏽",  # ZWJ family, flag, skin tone
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width
    "\u202eبطاقة الإعاقة\u202c",  # right-to-left override, Arabic
    "\u05ea\u05e2\u05d5\u05d3\u05ea \u05e0\u05db\u05d4",  # Hebrew
    "e\u0301\u0301\u0301",  # stacked combining marks
    "\ufdfd\U0001d54f\u2603",
    "\x00\x01\x7f\u0085\r\n\t",
    "\ufffd\ufffd",
    "'; DROP TABLE clause; --",
    "1 OR 1=1",
    '" OR ""="',
    "%' OR '%'='",
    "\\'; SELECT pg_sleep(0); --",
    "<script>alert(1)</script>",
    "{{7*7}} ${7*7} %s %(x)s",
    "1|c|shuozhou:3.1.5",
    "返回上一步",
    "重新开始",
    "退出",
    "是",
    "不清楚",
    "1",
    "99999999999999999999999",
    "-1",
)
CALLBACK_ARGS = (
    "shuozhou:3.1.5",
    "shuozhou:box9.2",
    "nosuch:1",
    "nursing_subsidy.1.region:shuozhou",
    "nursing_subsidy.1.consent:keep",
    "nursing_subsidy.9.x",
    "living_subsidy.2.has_certificate:yes",
    "yes",
    "no",
    "-",
    "on",
    "slow",
    "朔州",
    "甘州区",
    *SCREENINGS,
)
COMMAND_ARGS = (
    "screen_nursing_subsidy",
    "screen_nosuch",
    "clause_shuozhou_3_1_5",
    "clause_",
    "yes",
    "确定",
    "on",
    "off",
    "fast",
    "朔州",
    "应县",
    "广州",
    "-",
    "shuozhou:box9.2",
    "护理补贴",
)
ODD_COMMAND_NAMES = ("Region", "SCREEN", "start@planbot", "", "/help", "reload", "unanswered", "ｈｅｌｐ")
MEDIA = ("voice", "photo", "sticker", "document", "location", "video_note", "")

# What counts as a personal number in stored text: checked after NFKC, independently of bot.privacy.
_STORED_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])")
_STORED_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@st.composite
def personal_numbers(draw: st.DrawFn) -> str:
    """A mobile or resident-ID number written the ways people type them with ASCII digits."""
    if draw(st.booleans()):
        head = "1" + draw(st.sampled_from("3456789")) + draw(_digits(1))
        middle, tail = draw(_digits(4)), draw(_digits(4))
        sep = draw(st.sampled_from(["", " ", "-", "\u200b"]))
        prefix = draw(st.sampled_from(["", "+86 ", "86", "+86-"]))
        number = f"{prefix}{head}{sep}{middle}{sep}{tail}"
    else:
        number = draw(_digits(17)) + draw(st.sampled_from("0123456789Xx"))
    return draw(
        st.sampled_from(["我的电话{}，", "身份证号：{}。", "{} 能领护理补贴吗", "号码{}天气怎么样"])
    ).format(number)


any_text = st.text(st.characters(), max_size=40)
texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), any_text, personal_numbers()), min_size=1, max_size=5
).map("".join)


def _long_message(piece: str, start: str) -> str:
    """`start`, then `piece` repeated to exactly LONG_MESSAGE_CHARS characters."""
    return (start + piece * (LONG_MESSAGE_CHARS // len(piece) + 1))[:LONG_MESSAGE_CHARS]


long_texts = st.builds(
    _long_message,
    st.sampled_from(FRAGMENTS) | st.text(min_size=1, max_size=8),
    st.sampled_from(["", "护理补贴谁能领？"]) | personal_numbers(),
)


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    is_admin: bool


@dataclass(frozen=True)
class Callback:
    data: str


@dataclass(frozen=True)
class PressSeen:
    """Press a button from any earlier reply of this example: often a stale one."""

    index: int


@dataclass(frozen=True)
class PressLatest:
    """Press a button of the latest reply, as a person does: this walks screenings to their end."""

    index: int


@dataclass(frozen=True)
class Media:
    kind: str


command_args = st.one_of(
    st.just(""),
    texts,
    st.sampled_from(SCREENINGS),
    st.sampled_from(COMMAND_ARGS),
    st.sampled_from(CALLBACK_ARGS),
)
commands = st.builds(Command, st.sampled_from(COMMAND_NAMES), command_args, st.booleans())
odd_commands = st.builds(
    Command, st.sampled_from(ODD_COMMAND_NAMES) | st.text(max_size=12), command_args, st.booleans()
)
screenings = st.builds(Command, st.just("screen"), st.sampled_from(SCREENINGS), st.just(False))
forged_callbacks = st.builds(
    Callback,
    st.one_of(
        any_text,
        st.builds(
            "{}|{}|{}".format,
            st.sampled_from(["1", "0", "2", "", "１"]),
            st.sampled_from(sorted(ACTIONS)) | st.text(max_size=2),
            st.sampled_from(CALLBACK_ARGS) | any_text,
        ),
        st.text(min_size=MAX_BYTES, max_size=MAX_BYTES * 2).map(lambda s: "1|c|" + s),
    ),
)
presses = st.builds(PressSeen, st.integers(min_value=0, max_value=30)) | st.builds(
    PressLatest, st.integers(min_value=0, max_value=12)
)
steps = st.one_of(
    st.builds(Text, texts),
    st.builds(Text, long_texts),
    commands,
    odd_commands,
    screenings,
    forged_callbacks,
    presses,
    st.builds(Media, st.sampled_from(MEDIA)),
)


class Records(logging.Handler):
    """Every record from planbot's own loggers, at every level, for the duration of a test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> Records:
        self._levels: dict[str, int] = {}
        for name in ("bot", "knowledge"):
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, level in self._levels.items():
            logging.getLogger(name).removeHandler(self)
            logging.getLogger(name).setLevel(level)


@dataclass
class Person:
    """One fuzzed person: what they sent and which rows that may legitimately have created."""

    user: str
    seen: list[str] = field(default_factory=list)
    latest: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)
    may_have_profile: bool = False
    may_have_screening: bool = False

    def incoming(self, step: object) -> Incoming:
        if isinstance(step, Text):
            self.typed.append(step.text)
            return Incoming(user=self.user, text=step.text)
        if isinstance(step, Command):
            is_admin = step.is_admin and step.name != "reload"
            return Incoming(user=self.user, command=step.name, args=step.args, is_admin=is_admin)
        if isinstance(step, Callback):
            return Incoming(user=self.user, callback=step.data)
        if isinstance(step, PressSeen | PressLatest):
            buttons = self.seen if isinstance(step, PressSeen) else self.latest
            data = buttons[step.index % len(buttons)] if buttons else "1|a|nursing_subsidy.1.x"
            return Incoming(user=self.user, callback=data)
        assert isinstance(step, Media)
        return Incoming(user=self.user, media=step.kind)

    def note(self, incoming: Incoming) -> None:
        """Record what rows this input may create: only settings and screenings the person chose."""
        if incoming.command is not None:
            args = clean_input(incoming.args)
            self.may_have_profile |= incoming.command in {"region", "voice"}
            self.may_have_screening |= incoming.command == "screen" or (
                incoming.command == "start" and args.startswith("screen_")
            )
        if incoming.callback is not None and (data := decode(incoming.callback)) is not None:
            self.may_have_profile |= data.action in {"r", "v"}
            self.may_have_screening |= data.action == "s"


def reply_problems(out: Outgoing) -> list[str]:
    problems = []
    if not out.replies:
        problems.append("no reply")
    for reply in out.replies:
        if not reply.text.strip():
            problems.append("an empty reply")
        if reply.text == messages.ERROR:
            problems.append("the last-resort error reply")
        for row in reply.buttons:
            problems.extend(
                f"button {b.label!r} has bad data {b.data!r}" for b in row if decode(b.data) is None
            )
    return problems


def _strings(value: object) -> Iterator[str]:
    """A column's text, and the strings inside it when it holds JSON (screening state)."""
    if isinstance(value, str):
        yield value
        if value[:1] in "{[":
            with contextlib.suppress(ValueError):
                yield from _strings(json.loads(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def personal_numbers_in(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text)
    return _STORED_MOBILE.findall(folded) + _STORED_ID.findall(folded)


@functools.cache
def _tables(engine_: Engine) -> tuple[Table, ...]:
    metadata = MetaData()
    metadata.reflect(engine_)
    return tuple(metadata.sorted_tables)


def storage_problems(conversation: Conversation, person: Person, unanswered_after: int) -> list[str]:
    """What the database holds that it should not, after this person's inputs.

    The person's key is looked for in every text column of every table by the database itself
    (the plans are large); rows keyed by the person, and new log rows, are read and checked here.
    """
    engine_ = conversation.services.engine
    typed = {  # what was typed, and the start of it as the core would keep it (cleaned, masked, cut)
        probe
        for raw in person.typed
        for text in (raw, clean_input(raw), mask_personal_numbers(clean_input(raw)))
        for probe in (text, text[:60])
        if len(probe.strip()) >= 6
    }
    problems = []
    with engine_.connect() as connection:
        for table in _tables(engine_):
            text_columns = [c for c in table.c if c.name != "user_key" and isinstance(c.type, String)]
            for column in text_columns:
                if connection.execute(
                    select(func.count())
                    .select_from(table)
                    .where(column.contains(person.user, autoescape=True))
                ).scalar():
                    problems.append(f"the person's key in {table.name}.{column.name}")
            if "user_key" in table.c:
                rows = (
                    connection.execute(select(table).where(table.c.user_key == person.user)).mappings().all()
                )
            elif table.name == "unanswered_question":
                rows = connection.execute(select(table).where(table.c.id > unanswered_after)).mappings().all()
            else:
                continue
            if rows and table.name == "user_profile" and not person.may_have_profile:
                problems.append("settings row for a person who chose no setting")
            if rows and table.name == "screening_session" and not person.may_have_screening:
                problems.append("screening row for a person who started no screening")
            for row in rows:
                for column in text_columns:
                    for text in _strings(row[column.name]):
                        where = f"{table.name}.{column.name}"
                        problems.extend(
                            f"a personal number in {where}: {n}" for n in personal_numbers_in(text)
                        )
                        if "user_key" in table.c:
                            problems.extend(
                                f"typed text next to the person's key in {where}: {t[:40]!r}"
                                for t in typed
                                if t in text
                            )
    return problems


def log_problems(records: list[logging.LogRecord], typed: list[str]) -> list[str]:
    problems = [
        f"{r.name} logged {r.levelname}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR
    ]
    long_inputs = {clean_input(t) for t in typed if len(clean_input(t)) >= 8}
    for record in records:
        message = record.getMessage()
        problems.extend(f"{record.name} logged typed text {t[:40]!r}" for t in long_inputs if t in message)
    return problems


_people = itertools.count(1)


@pytest.fixture(scope="module")
def fuzz_conversation(services) -> Conversation:
    return Conversation(services)


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sequence=st.lists(steps, min_size=1, max_size=12))
@example(sequence=[Command("region", "", False), Text("张掖"), Command("cancel", "", False)])
@example(sequence=[Command("voice", "on", False), PressLatest(0), Text("护理补贴是什么")])
@example(sequence=[Command("screen", "nursing_subsidy", False), *map(Text, ("茌平", "有")), PressLatest(0)])
@example(
    sequence=[
        Command("screen", "living_subsidy", False),
        Text("朔州"),
        Text("有"),
        PressLatest(1),
        PressLatest(0),
    ]
)
@example(
    sequence=[
        Text("护理补贴谁能领？我的电话13812345678" * 2000),
        Command("forget", "", False),
        PressLatest(0),
    ]
)
def test_any_input_gets_a_reply_and_stores_nothing_it_should_not(fuzz_conversation, sequence):
    conversation = fuzz_conversation
    person = Person(conversation.user_key("fuzz", next(_people)))
    unanswered_after = _last_unanswered_id(conversation)
    with Records() as logged:
        for step in sequence:
            incoming = person.incoming(step)
            person.note(incoming)
            out = conversation.handle(incoming)
            event(_kind(incoming))
            for reached in _reached(out):
                event(reached)
            problems = reply_problems(out) + log_problems(logged.records, person.typed)
            assert not problems, f"{incoming!r:.300}: {problems}"
            person.latest = [b.data for r in out.replies for row in r.buttons for b in row]
            person.seen.extend(person.latest)
    problems = storage_problems(conversation, person, unanswered_after)
    assert not problems, f"after {sequence!r:.600}: {sorted(set(problems))}"


def _kind(incoming: Incoming) -> str:
    """A label for hypothesis statistics (--hypothesis-show-statistics): what the fuzz reached."""
    if incoming.command is not None:
        return f"command /{incoming.command}" if incoming.command in COMMAND_NAMES else "unknown command"
    if incoming.callback is not None:
        data = decode(incoming.callback)
        return f"button {data.action}" if data else "undecodable button"
    if incoming.media is not None:
        return "media"
    return "long text" if len(incoming.text) >= LONG_MESSAGE_CHARS else "text"


def _reached(out: Outgoing) -> list[str]:
    said = "\n".join(r.text for r in out.replies)
    marks = {
        "screening question": "题，大约共",
        "screening result": "可以转发给工作人员的摘要",
        "answer with citation": "依据：",
        "too long": messages.TOO_LONG,
        "personal numbers hidden": messages.PERSONAL_NUMBERS,
        "stale button": messages.STALE_BUTTON,
    }
    return [f"reply: {name}" for name, mark in marks.items() if mark in said] + (
        [] if out.answered else ["reply: unanswered (logged)"]
    )


def _last_unanswered_id(conversation: Conversation) -> int:
    with conversation.services.engine.connect() as connection:
        return connection.execute(select(func.max(UnansweredQuestion.id))).scalar() or 0


# -- bugs the fuzz found, kept as examples ------------

UNDECODABLE_CONSOLE_INPUT = "明天北京天气怎么样\udcff\udcfe"  # b"\xff\xfe" read with surrogateescape


def test_undecodable_input_gets_an_answer_not_the_error_reply(conversation, user, services):
    unanswered_after = _last_unanswered_id(conversation)
    with Records() as logged:
        out = conversation.handle(Incoming(user=user, text=UNDECODABLE_CONSOLE_INPUT))
    assert not reply_problems(out) + log_problems(logged.records, [])
    assert "天气我查不到" in "".join(r.text for r in out.replies), "read as the question it is"
    with services.engine.connect() as connection:
        logged_texts = connection.execute(
            select(UnansweredQuestion.text).where(UnansweredQuestion.id > unanswered_after)
        ).scalars()
        assert not any("天气" in text for text in logged_texts), "small talk is not a gap in the plans"


def test_console_answers_a_line_with_undecodable_bytes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")}
    env.update(PLANBOT_DATA_DIR=str(tmp_path), PLANBOT_LOG_LEVEL="CRITICAL", LC_ALL="C.UTF-8")
    chat = subprocess.run(
        [str(Path(sys.executable).with_name("planbot")), "chat"],
        input=b"\xff\xfe" + "明天北京天气怎么样\n".encode(),
        capture_output=True,
        env=env,
        check=True,
    )
    printed = chat.stdout.decode()
    assert messages.ERROR not in printed and "天气我查不到" in printed


@pytest.mark.parametrize(
    "number",
    [
        "１３８１２３４５６７８",
        "138\u30001234\u30005678",
        "138－1234－5678",
        "１１０１０１１９９００３０７１２３Ｘ",
    ],
    ids=["full-width-mobile", "ideographic-spaces", "full-width-hyphens", "full-width-id"],
)
def test_personal_numbers_typed_in_full_width_never_reach_the_anonymous_log(
    conversation, user, services, number
):
    unanswered_after = _last_unanswered_id(conversation)
    out = conversation.handle(Incoming(user=user, text=f"明天北京天气怎么样，我的号码{number}"))
    assert messages.PERSONAL_NUMBERS in "\n".join(r.text for r in out.replies)
    with services.engine.connect() as connection:
        logged_texts = connection.execute(
            select(UnansweredQuestion.text).where(UnansweredQuestion.id > unanswered_after)
        ).scalars()
        assert [n for text in logged_texts for n in personal_numbers_in(text)] == []


@pytest.mark.parametrize(
    "typed",
    ["张掖 三（二）40000000000000000", "/clause 张掖 三（二）99999999999999999"],
    ids=["question", "clause-command"],
)
def test_a_reference_to_a_huge_item_number_is_said_to_be_missing(conversation, user, typed):
    if typed.startswith("/"):
        out = conversation.handle(Incoming(user=user, command="clause", args=typed.partition(" ")[2]))
    else:
        out = conversation.handle(Incoming(user=user, text=typed))
    assert not reply_problems(out)
