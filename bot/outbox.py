"""Replies written down before they are sent (bot.models.OutboxMessage), in short units of work.

The Telegram adapter puts an update's replies here, sends them one by one and marks each delivered; a
process that dies in between leaves them pending, and the next one to start claims and sends them. Each
row names its owner and a lease: in polling mode only one process can be running, so a new one claims
every pending row at once; webhook workers may run side by side, so they claim only rows whose lease
ran out (their owner died or gave up).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, insert, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import OnEngine, affected
from bot.models import OutboxMessage, utcnow
from bot.repository import storage_call
from knowledge.sessions import session_scope

LEASE = dt.timedelta(minutes=5)  # longer than any delivery's retries (bot: handlers.delivery)
KEEP_KEYS = dt.timedelta(days=1)  # how long a delivered reply's key guards against a second handling
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True, slots=True)
class Letter:
    """One reply to send: where, what (a JSON-ready dict), and its idempotency key."""

    id: int | None  # None when it could not be written down (storage unavailable)
    update_key: str
    position: int
    chat_id: int
    payload: dict[str, Any]


class Outbox(OnEngine):
    def __init__(self, engine: Engine | Callable[[], Engine], owner: str | None = None) -> None:
        super().__init__(engine)
        self.owner = owner or secrets.token_hex(8)

    # The three calls made for every update use plain connections, not ORM sessions: they are most
    # of the outbox's cost (measured with bench.load_bench).

    @storage_call
    def seen(self, update_key: str) -> bool:
        """Whether this update's replies were written down before (it is being delivered again)."""
        with self.engine.connect() as connection:
            return bool(
                connection.scalar(exists().where(col(OutboxMessage.update_key) == update_key).select())
            )

    @storage_call
    def put(self, update_key: str, chat_id: int, payloads: list[dict[str, Any]]) -> list[Letter]:
        """Write an update's replies down, all or none. If they are there already, none is added."""
        now = utcnow()
        letters = []
        try:
            with self.engine.begin() as connection:
                for position, payload in enumerate(payloads):
                    inserted = connection.execute(
                        insert(OutboxMessage).values(
                            update_key=update_key,
                            position=position,
                            chat_id=chat_id,
                            payload=json.dumps(payload, ensure_ascii=False),
                            state=PENDING,
                            owner=self.owner,
                            lease_until=now + LEASE,
                            created_at=now,
                        )
                    )
                    key = inserted.inserted_primary_key
                    assert key is not None, "an INSERT returns the row's key"
                    letter_id = int(key[0])
                    letters.append(Letter(letter_id, update_key, position, chat_id, payload))
        except IntegrityError:  # handled before: its replies are pending or sent already
            return []
        return letters

    @storage_call
    def done(self, letter_id: int, state: str = SENT) -> None:
        """Delivered (or given up): forget where it went and what it said; keep the key a while."""
        with self.engine.begin() as connection:
            connection.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == letter_id)
                .values(state=state, chat_id=None, payload=None)
            )

    @storage_call
    def claim(self, *, every_pending: bool = False) -> list[Letter]:
        """Take over pending replies whose lease ran out (or all of them: see the module docstring),
        oldest first."""
        now = utcnow()
        with session_scope(self.engine) as session:
            stale = col(OutboxMessage.state) == PENDING
            if not every_pending:
                stale = stale & (col(OutboxMessage.lease_until) < now)
            rows = session.exec(select(OutboxMessage).where(stale).order_by(col(OutboxMessage.id))).all()
            claimed = []
            for row in rows:  # one by one: another worker may claim some of them at the same moment
                taken = session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row.id, col(OutboxMessage.state) == PENDING)
                    .where(
                        or_(
                            col(OutboxMessage.lease_until) == row.lease_until,
                            col(OutboxMessage.owner) == self.owner,
                        )
                    )
                    .values(owner=self.owner, lease_until=now + LEASE)
                )
                if affected(taken) == 1 and row.chat_id is not None and row.payload is not None:
                    claimed.append(
                        Letter(row.id, row.update_key, row.position, row.chat_id, json.loads(row.payload))
                    )
        return claimed

    @storage_call
    def purge(self, *, now: dt.datetime | None = None) -> int:
        """Delete keys older than KEEP_KEYS, and replies pending that long (nobody could send them)."""
        with session_scope(self.engine) as session:
            result = session.execute(
                delete(OutboxMessage).where(col(OutboxMessage.created_at) < (now or utcnow()) - KEEP_KEYS)
            )
        return affected(result)
