"""Reading and writing what planbot keeps about people (bot.models), in short units of work.

When the database cannot be reached, or SQLite stays locked by another writer after a short wait and
one more try, every method raises `StorageUnavailable`, and the conversation answers what it can
without storage. The anonymous log is the exception: losing one entry is better than failing a reply.

Screening state uses optimistic concurrency: every write names the version it read and
fails with `StaleState` if another worker wrote in between. Row locks would serialise the
same way on PostgreSQL, but they hold a transaction open across the engine step and do
nothing on SQLite; a version column behaves the same on both and never blocks.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, col, select

from bot.db import OnEngine, affected, scrub
from bot.errors import StorageUnavailable
from bot.models import ConversationMemory, ScreeningSession, UnansweredQuestion, UserProfile, utcnow
from bot.privacy import anonymise
from knowledge.sessions import session_scope

log = logging.getLogger(__name__)

SCREENING_RETENTION = dt.timedelta(days=30)
UNANSWERED_RETENTION = dt.timedelta(days=180)
UNANSWERED_MAX_ROWS = 10_000
UNANSWERED_MAX_CHARS = 500
#: How long a pending prompt, offered choices and a region named in passing are remembered.
CONVERSATION_MEMORY = dt.timedelta(minutes=30)


STORAGE_ATTEMPTS = 2  # SQLite waits bot.db.SQLITE_BUSY_MS each time; PostgreSQL down fails at once
STORAGE_PAUSE = 0.2  # seconds between the tries

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", UserProfile, ConversationMemory)  # the rows keyed by a person's user key


class StaleState(RuntimeError):
    """The screening state changed since it was read (another worker handled an update)."""


def storage_call(method: Callable[P, R]) -> Callable[P, R]:
    """Try a unit of work again once when the database is locked or the connection failed; then
    raise StorageUnavailable (naming the error's type only: its text may hold the SQL's values)."""

    @functools.wraps(method)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        for n in range(STORAGE_ATTEMPTS):
            try:
                return method(*args, **kwargs)
            except (OperationalError, InterfaceError, PoolTimeout) as error:
                if n == STORAGE_ATTEMPTS - 1:
                    reason = type(getattr(error, "orig", None) or error).__name__
                    raise StorageUnavailable(f"{method.__name__}: {reason}") from None
                time.sleep(STORAGE_PAUSE)
        raise AssertionError("unreachable")

    return attempt


@dataclass(frozen=True, slots=True)
class Profile:
    region: str | None = None
    voice: bool = False
    voice_rate: int = 160


@dataclass(frozen=True, slots=True)
class Memory:
    """The conversation's short memory (bot.models.ConversationMemory), as plain values."""

    pending: str | None = None  # what the next message may answer: "region" or "choice"
    choices: tuple[tuple[str, str], ...] = ()  # (label, button data) last offered
    context_region: str | None = None  # the region last named in a question
    updated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredScreening:
    state: dict
    version: int
    updated_at: dt.datetime


class Repository(OnEngine):
    # -- settings ----------------------------------------------------------------------------------

    @storage_call
    def profile(self, user: str) -> Profile:
        with session_scope(self.engine) as session:
            row = session.get(UserProfile, user)
            if row is None:
                return Profile()
            return Profile(row.region, row.voice, row.voice_rate)

    @storage_call
    def save_profile(self, user: str, **changes: object) -> Profile:
        def change(session: Session, row: UserProfile) -> Profile:
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            session.add(row)
            return Profile(row.region, row.voice, row.voice_rate)

        return self._upsert(UserProfile, user, change)

    # -- the conversation's short memory ---------------------------------------------------------------

    @storage_call
    def memory(self, user: str, *, now: dt.datetime | None = None) -> Memory:
        with session_scope(self.engine) as session:
            row = session.get(ConversationMemory, user)
            if row is None:
                return Memory()
            if (now or utcnow()) - _aware(row.updated_at) > CONVERSATION_MEMORY:
                session.delete(row)
                return Memory()
            offered = json.loads(row.choices) if row.choices else []
            choices = tuple((str(label), str(data)) for label, data in offered)
            return Memory(
                row.pending, choices if row.pending else (), row.context_region, _aware(row.updated_at)
            )

    @storage_call
    def remember(self, user: str, **changes: object) -> None:
        """Change the short memory (pending, choices, context_region); a row with nothing left goes."""

        def change(session: Session, row: ConversationMemory) -> None:
            for name, value in changes.items():
                if name == "choices":
                    value = json.dumps(value, ensure_ascii=False) if value else None
                setattr(row, name, value)
            if row.pending is None:
                row.choices = None
            row.updated_at = utcnow()
            if row.pending is None and row.context_region is None:
                if row in session:  # a stored row; a new one is simply not added
                    session.delete(row)
                return
            session.add(row)

        self._upsert(ConversationMemory, user, change)

    def _upsert(self, model: type[M], user: str, change: Callable[[Session, M], R]) -> R:
        """`change` applied to the person's row of `model` (a new one when there is none), in one
        transaction; again when another worker created the row meanwhile (IntegrityError)."""
        for _ in range(3):
            try:
                with session_scope(self.engine) as session:
                    return change(session, session.get(model, user) or model(user_key=user))
            except IntegrityError:  # created concurrently: read it back and apply again
                continue
        raise StaleState(f"could not save {model.__name__} for {user[:8]}…")

    # -- screenings --------------------------------------------------------------------------------

    @storage_call
    def screening(self, user: str, *, now: dt.datetime | None = None) -> StoredScreening | None:
        with session_scope(self.engine) as session:
            row = session.get(ScreeningSession, user)
            if row is None:
                return None
            updated = _aware(row.updated_at)
            if (now or utcnow()) - updated > SCREENING_RETENTION:
                session.delete(row)
                return None
            return StoredScreening(json.loads(row.state), row.version, updated)

    @storage_call
    def save_screening(self, user: str, state: dict, *, expected_version: int | None) -> int:
        """Write state if the stored version is still `expected_version` (None: no row yet)."""
        payload = json.dumps(state, ensure_ascii=False)
        with session_scope(self.engine) as session:
            if expected_version is None:
                try:
                    session.add(
                        ScreeningSession(user_key=user, state=payload, version=1, updated_at=utcnow())
                    )
                    session.flush()
                except IntegrityError as error:
                    raise StaleState("a screening was started concurrently") from error
                return 1
            changed = affected(
                session.execute(
                    update(ScreeningSession)
                    .where(
                        col(ScreeningSession.user_key) == user,
                        col(ScreeningSession.version) == expected_version,
                    )
                    .values(state=payload, version=expected_version + 1, updated_at=utcnow())
                )
            )
            if changed != 1:
                raise StaleState("the screening changed since it was read")
            return expected_version + 1

    @storage_call
    def drop_screening(self, user: str) -> None:
        with session_scope(self.engine) as session:
            session.execute(delete(ScreeningSession).where(col(ScreeningSession.user_key) == user))

    # -- privacy -----------------------------------------------------------------------------------

    @storage_call
    def stored_about(self, user: str) -> dict[str, Any]:
        """Everything stored about one person, as plain values (for /privacy)."""
        with session_scope(self.engine) as session:
            profile = session.get(UserProfile, user)
            screening = session.get(ScreeningSession, user)
            return {
                "profile": None
                if profile is None
                else {
                    "region": profile.region,
                    "voice": profile.voice,
                    "voice_rate": profile.voice_rate,
                    "updated_at": _aware(profile.updated_at),
                },
                "screening": None
                if screening is None
                else {"state": json.loads(screening.state), "updated_at": _aware(screening.updated_at)},
                "context_region": self.memory(user).context_region,
            }

    @storage_call
    def forget(self, user: str) -> int:
        """Delete every row about this person in every table; returns how many went."""
        removed = 0
        with session_scope(self.engine) as session:
            for table in (UserProfile, ScreeningSession, ConversationMemory):
                removed += affected(session.execute(delete(table).where(col(table.user_key) == user)))
        scrub(self.engine)  # and out of SQLite's write-ahead log, too
        return removed

    # -- the anonymous log -------------------------------------------------------------------------

    def log_unanswered(self, text: str) -> None:
        """Keep a question the plans could not answer, without personal numbers or names, and
        without anything that says who asked. Never raises for want of storage."""
        kept = anonymise(text).strip()[:UNANSWERED_MAX_CHARS]
        if not kept:
            return
        try:
            self._add_unanswered(kept)
        except StorageUnavailable as error:
            log.warning("an unanswered question was not logged (%s)", error)

    @storage_call
    def _add_unanswered(self, text: str) -> None:
        with session_scope(self.engine) as session:
            session.add(UnansweredQuestion(text=text, created_at=utcnow()))

    @storage_call
    def unanswered(self, limit: int = 50) -> list[tuple[str, int, dt.datetime]]:
        """The most often unanswered questions: (text, count, last asked)."""
        with session_scope(self.engine) as session:
            rows = session.execute(
                select(UnansweredQuestion.text, func.count(), func.max(UnansweredQuestion.created_at))
                .group_by(UnansweredQuestion.text)
                .order_by(func.count().desc(), func.max(UnansweredQuestion.created_at).desc())
                .limit(limit)
            ).all()
        return [(text, count, _aware(last)) for text, count, last in rows]

    # -- retention ---------------------------------------------------------------------------------

    @storage_call
    def purge(self, *, now: dt.datetime | None = None) -> dict[str, int]:
        """Remove screening state and log entries older than their retention periods."""
        now = now or utcnow()
        with session_scope(self.engine) as session:
            screenings = affected(
                session.execute(
                    delete(ScreeningSession).where(
                        col(ScreeningSession.updated_at) < now - SCREENING_RETENTION
                    )
                )
            )
            session.execute(
                delete(ConversationMemory).where(
                    col(ConversationMemory.updated_at) < now - CONVERSATION_MEMORY
                )
            )
            old = affected(
                session.execute(
                    delete(UnansweredQuestion).where(
                        col(UnansweredQuestion.created_at) < now - UNANSWERED_RETENTION
                    )
                )
            )
            keep_from = session.execute(
                select(UnansweredQuestion.id)
                .order_by(col(UnansweredQuestion.id).desc())
                .offset(UNANSWERED_MAX_ROWS)
                .limit(1)
            ).scalar()
            capped = 0
            if keep_from is not None:
                capped = affected(
                    session.execute(delete(UnansweredQuestion).where(col(UnansweredQuestion.id) <= keep_from))
                )
        scrub(self.engine)
        return {"screenings": screenings, "unanswered": old + capped}


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything planbot stores is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
