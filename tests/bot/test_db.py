"""Migrations: the head constant matches alembic's scripts, and migrating twice is harmless."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from bot.db import HEAD_REVISION, alembic_config, current_revision, make_engine, migrate


def test_head_revision_constant_matches_the_migration_scripts(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == HEAD_REVISION


def test_migrate_creates_the_schema_once_and_then_does_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
