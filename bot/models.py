"""Tables about people: the minimum planbot keeps, all keyed by a salted hash of the user id.

Nothing here holds message text next to a user. The anonymous log of unanswered
questions has no user column at all. See README "Privacy" for retention periods.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _timestamp() -> Column[dt.datetime]:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


class UserProfile(SQLModel, table=True):
    """Settings a person chose: region, voice on/off and speed."""

    __tablename__ = "user_profile"

    user_key: str = Field(primary_key=True, max_length=64, description="HMAC-SHA256 of the Telegram user id")
    region: str | None = Field(default=None, max_length=32)
    voice: bool = False
    voice_rate: int = 160
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ScreeningSession(SQLModel, table=True):
    """An eligibility screening in progress, kept only with the person's consent.

    `version` implements optimistic concurrency: a write succeeds only if the row still
    has the version that was read, so two workers handling the same person's updates
    cannot silently overwrite each other.
    """

    __tablename__ = "screening_session"

    user_key: str = Field(primary_key=True, max_length=64)
    state: str = Field(sa_column=Column(Text, nullable=False), description="JSON of the engine's state")
    version: int = 1
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ConversationMemory(SQLModel, table=True):
    """What the conversation remembers for half an hour: the prompt or choices it last offered (so a
    typed answer can pick one) and a region named in passing. Not settings: it expires on its own."""

    __tablename__ = "conversation_memory"

    user_key: str = Field(primary_key=True, max_length=64)
    pending: str | None = Field(default=None, max_length=16, description="'region' or 'choice'")
    choices: str | None = Field(default=None, sa_column=Column(Text), description="JSON [[label, data]…]")
    context_region: str | None = Field(default=None, max_length=32)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class UnansweredQuestion(SQLModel, table=True):
    """Questions the plans could not answer: text (masked) and time only, no user."""

    __tablename__ = "unanswered_question"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class AppMeta(SQLModel, table=True):
    """Small key/value facts the workers share, such as the user-id salt."""

    __tablename__ = "app_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A reply written down before it is sent, so that a restart sends what was not delivered, once.

    (update_key, position) is the reply's idempotency key: an update handled before is not handled again,
    and each of its replies is sent until Telegram confirms it. Once delivered (or given up), the chat
    id and the payload are cleared; the key alone stays a day, then `purge` deletes it.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("update_key", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    update_key: str = Field(
        max_length=64, index=True, description="salted hash of the update and chat ids (Telegram reuses ids)"
    )
    position: int
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    state: str = Field(default="pending", max_length=8, index=True, description="pending, sent or failed")
    owner: str = Field(max_length=32, description="the process sending it")
    lease_until: dt.datetime = Field(sa_column=_timestamp())
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_timestamp())
