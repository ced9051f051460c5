"""One unit of work on the database, for the plan store and the bot's repository alike.

Kept apart from knowledge.store so that code which only reads and writes people's rows (the
conversation) does not build the ORM mappings of the plan and clause tables it never touches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed if the block succeeds, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
