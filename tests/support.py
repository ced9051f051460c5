"""Helpers shared by test packages: settings on a temporary data dir, database backends."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.settings import Settings

POSTGRES_ENV = "PLANBOT_TEST_POSTGRES_URL"


def backend_params() -> list:
    postgres = pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set"),
        ],
    )
    return ["sqlite", postgres]


@contextlib.contextmanager
def database_url_for(backend: str) -> Iterator[str | None]:
    """None (the default SQLite file) or the URL of a new, empty PostgreSQL database, dropped afterwards."""
    if backend == "sqlite":
        yield None
        return
    admin_url = make_url(os.environ[POSTGRES_ENV])
    name = f"planbot_test_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def public_help() -> str:
    """/help as a person who is not an admin sees it."""
    from bot.core import help_text
    from knowledge.library import Library

    return help_text([meta.short_title for meta in Library.load().catalog.values()])


def settings_for(data_dir: Path, database_url: str | None = None, **overrides: object) -> Settings:
    """Settings that ignore the developer's environment and .env file."""
    return Settings(_env_file=None, data_dir=data_dir, database_url=database_url, **overrides)


class SqliteOutOfReach:
    """An SQLite database in `directory`, which `cut()` replaces with a plain file (kept aside) so the
    database can be neither opened nor made, even by root, until `mend()` puts it back."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = f"sqlite:///{directory / 'planbot.sqlite3'}"
        self._aside = directory.with_name(directory.name + ".aside")

    def cut(self) -> None:
        if self.directory.exists():
            self.directory.rename(self._aside)
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        self.directory.write_text("not a directory\n")

    def mend(self) -> None:
        self.directory.unlink()
        if self._aside.exists():
            self._aside.rename(self.directory)


def persisted_index(opened_before: Path, data_dir: Path) -> Path:
    """`data_dir` holding only the index snapshot an earlier start left in `opened_before`."""
    shutil.copytree(opened_before / "index", data_dir / "index")
    return data_dir
