"""The database engine, schema migrations and the session factory.

The schema is owned by Alembic (bot/migrations), never by `create_all`, so SQLite and
PostgreSQL move through the same numbered revisions. Several workers may start at once:
on PostgreSQL an advisory lock makes them migrate, and ingest the plans, one after the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import event, text
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError
from sqlmodel import create_engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "0004"  # the newest file in migrations/versions; a test keeps the two in step
_STARTUP_LOCK_ID = 0x706C616E  # "plan": any constant shared by every worker


#: How long SQLite waits for another writer before giving up (bot.repository then tries again a few
#: times and otherwise says storage is unavailable; a person is never kept waiting half a minute).
SQLITE_BUSY_MS = 2000
#: How long a PostgreSQL connection attempt may take: a stopped server refuses at once, an unreachable
#: host would otherwise hang for the operating system's TCP timeout.
CONNECT_TIMEOUT_S = 3


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, secure_delete and a short busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_S} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL so readers never wait for a writer; synchronous=NORMAL, which in WAL mode loses nothing when
    the process dies (only on power loss); secure_delete so deleted rows are overwritten with zeros,
    not left in free pages."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def scrub(engine: Engine) -> None:
    """After deleting personal rows: copy the write-ahead log into the database file and empty it, so
    deleted rows survive in neither (secure_delete has zeroed them in the pages). PostgreSQL has no
    such file beside the database; its VACUUM reclaims dead rows on its own schedule."""
    if engine.dialect.name != "sqlite":
        return
    for _ in range(3):
        with engine.connect() as connection:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if not busy:
            return
    log.warning("the write-ahead log could not be emptied now (readers are busy); SQLite will soon")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no schema yet
        return None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; alembic is loaded only if needed)."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with exclusive(engine):
        command.upgrade(alembic_config(engine), "head")


@contextmanager
def exclusive(engine: Engine) -> Iterator[None]:
    """One worker at a time: PostgreSQL's advisory lock shared by every worker (not re-entrant across
    connections, so never nest it). On SQLite, a single machine's database, writers queue on the file."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _STARTUP_LOCK_ID})
        try:
            yield
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _STARTUP_LOCK_ID})


class OnEngine:
    """Works on the database: given the engine, or a callable asked for it on each use
    (`lambda: services.engine`, which opens it once it can be reached: see bot.services)."""

    def __init__(self, engine: Engine | Callable[[], Engine]) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine if isinstance(self._engine, Engine) else self._engine()

    @engine.setter
    def engine(self, engine: Engine) -> None:
        self._engine = engine


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (a Result from one is a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount or 0
