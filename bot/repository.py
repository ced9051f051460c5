"""Reading and writing what planbot keeps about people (bot.models), in short units of work.

Screening state uses optimistic concurrency: every write names the version it read and
fails with `StaleState` if another worker wrote in between. Row locks would serialise the
same way on PostgreSQL, but they hold a transaction open across the engine step and do
nothing on SQLite; a version column behaves the same on both and never blocks.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.models import ScreeningSession, UnansweredQuestion, UserProfile, utcnow
from knowledge.sessions import session_scope

SCREENING_RETENTION = dt.timedelta(days=30)
UNANSWERED_RETENTION = dt.timedelta(days=180)
UNANSWERED_MAX_ROWS = 10_000
UNANSWERED_MAX_CHARS = 500


class StaleState(RuntimeError):
    """The screening state changed since it was read (another worker handled an update)."""


@dataclass(frozen=True, slots=True)
class Profile:
    region: str | None = None
    voice: bool = False
    voice_rate: int = 160


@dataclass(frozen=True, slots=True)
class StoredScreening:
    state: dict
    version: int
    updated_at: dt.datetime


class Repository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- settings ----------------------------------------------------------------------------------

    def profile(self, user: str) -> Profile:
        with session_scope(self.engine) as session:
            row = session.get(UserProfile, user)
            if row is None:
                return Profile()
            return Profile(row.region, row.voice, row.voice_rate)

    def pending(self, user: str) -> str | None:
        """What the person's next message answers (e.g. "region" after /region), if anything."""
        with session_scope(self.engine) as session:
            row = session.get(UserProfile, user)
            return row.pending if row is not None else None

    def save_profile(self, user: str, **changes: object) -> Profile:
        for _ in range(3):
            try:
                with session_scope(self.engine) as session:
                    row = session.get(UserProfile, user) or UserProfile(user_key=user)
                    for name, value in changes.items():
                        setattr(row, name, value)
                    row.updated_at = utcnow()
                    session.add(row)
                    return Profile(row.region, row.voice, row.voice_rate)
            except IntegrityError:  # created concurrently: read it back and apply again
                continue
        raise StaleState(f"could not save settings for {user[:8]}…")

    # -- screenings --------------------------------------------------------------------------------

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
            result = session.execute(
                update(ScreeningSession)
                .where(ScreeningSession.user_key == user, ScreeningSession.version == expected_version)
                .values(state=payload, version=expected_version + 1, updated_at=utcnow())
            )
            if result.rowcount != 1:
                raise StaleState("the screening changed since it was read")
            return expected_version + 1

    def drop_screening(self, user: str) -> None:
        with session_scope(self.engine) as session:
            session.execute(delete(ScreeningSession).where(ScreeningSession.user_key == user))

    # -- privacy -----------------------------------------------------------------------------------

    def stored_about(self, user: str) -> dict[str, object]:
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
            }

    def forget(self, user: str) -> int:
        """Delete every row about this person in every table; returns how many went."""
        removed = 0
        with session_scope(self.engine) as session:
            for table in (UserProfile, ScreeningSession):
                removed += session.execute(delete(table).where(table.user_key == user)).rowcount or 0
        return removed

    # -- the anonymous log -------------------------------------------------------------------------

    def log_unanswered(self, masked_text: str) -> None:
        text = masked_text.strip()[:UNANSWERED_MAX_CHARS]
        if not text:
            return
        with session_scope(self.engine) as session:
            session.add(UnansweredQuestion(text=text, created_at=utcnow()))

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

    def purge(self, *, now: dt.datetime | None = None) -> dict[str, int]:
        """Remove screening state and log entries older than their retention periods."""
        now = now or utcnow()
        with session_scope(self.engine) as session:
            screenings = session.execute(
                delete(ScreeningSession).where(ScreeningSession.updated_at < now - SCREENING_RETENTION)
            ).rowcount
            old = session.execute(
                delete(UnansweredQuestion).where(UnansweredQuestion.created_at < now - UNANSWERED_RETENTION)
            ).rowcount
            keep_from = session.execute(
                select(UnansweredQuestion.id)
                .order_by(UnansweredQuestion.id.desc())
                .offset(UNANSWERED_MAX_ROWS)
                .limit(1)
            ).scalar()
            capped = 0
            if keep_from is not None:
                capped = session.execute(
                    delete(UnansweredQuestion).where(UnansweredQuestion.id <= keep_from)
                ).rowcount
        return {"screenings": screenings or 0, "unanswered": (old or 0) + (capped or 0)}


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; everything planbot stores is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
