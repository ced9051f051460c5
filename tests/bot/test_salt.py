"""The user-id salt lives outside the database: the environment or an owner-only key file.

An older planbot kept it in the database beside the keys it salts; starting this one moves it into the
key file (every stored key still finds its person) and leaves no trace of it in the database file.
"""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from bot.db import make_engine, migrate
from bot.models import AppMeta, ScreeningSession, UserProfile
from bot.privacy import LEGACY_SALT_KEY, SALT_CHECK_KEY, SaltError, user_id_salt, user_key
from bot.repository import Repository
from tests.support import backend_params, database_url_for, settings_for


@pytest.fixture(params=backend_params())
def database(request, tmp_path):
    with database_url_for(request.param) as url:
        settings = settings_for(tmp_path / "data", url)
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        yield settings, engine
        engine.dispose()


def database_bytes(settings) -> bytes:
    """The SQLite file and its write-ahead log, as anyone who copies them gets them."""
    path = Path(settings.resolved_database_url.split("///", 1)[1])
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def meta(engine, key: str) -> str | None:
    with Session(engine) as session:
        row = session.get(AppMeta, key)
        return None if row is None else row.value


def test_a_first_start_makes_an_owner_only_key_file_and_keeps_only_a_check_value(database):
    settings, engine = database
    salt = user_id_salt(settings, engine)
    path = settings.resolved_user_id_salt_file
    assert path.read_bytes() == salt and len(salt) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert user_id_salt(settings, engine) == salt, "the next start reads the same salt"
    assert meta(engine, LEGACY_SALT_KEY) is None and meta(engine, SALT_CHECK_KEY) is not None
    if engine.dialect.name == "sqlite":
        raw = database_bytes(settings)
        assert salt not in raw and salt.hex().encode() not in raw


def test_a_salt_kept_in_the_database_moves_to_the_key_file_and_every_key_still_works(database):
    settings, engine = database
    legacy = secrets.token_bytes(32)
    person = user_key(legacy, "telegram", 4242)
    with Session(engine) as session:  # what an older planbot left behind
        session.add(AppMeta(key=LEGACY_SALT_KEY, value=legacy.hex()))
        session.add(UserProfile(user_key=person, region="朔州市"))
        session.add(ScreeningSession(user_key=person, state="{}"))
        session.commit()

    salt = user_id_salt(settings, engine)
    assert salt == legacy
    assert settings.resolved_user_id_salt_file.read_bytes() == legacy
    assert stat.S_IMODE(settings.resolved_user_id_salt_file.stat().st_mode) == 0o600
    assert meta(engine, LEGACY_SALT_KEY) is None
    assert Repository(engine).profile(user_key(salt, "telegram", 4242)).region == "朔州市"
    if engine.dialect.name == "sqlite":
        raw = database_bytes(settings)
        assert legacy.hex().encode() not in raw and legacy not in raw, "not in the file, not in the log"
    assert user_id_salt(settings, engine) == legacy, "a second start changes nothing"


def test_a_worker_with_another_salt_refuses_to_start(database):
    settings, engine = database
    user_id_salt(settings, engine)
    other = settings.model_copy(update={"user_id_salt": SecretStr("a-different-salt-for-worker-b")})
    with pytest.raises(SaltError, match="every worker must share one salt"):
        user_id_salt(other, engine)


def test_a_new_worker_without_the_key_file_is_told_to_copy_it_and_makes_none(database, tmp_path):
    settings, engine = database
    user_id_salt(settings, engine)
    fresh = settings.model_copy(update={"data_dir": tmp_path / "worker-b"})
    with pytest.raises(SaltError, match="copy the key file"):
        user_id_salt(fresh, engine)
    assert not fresh.resolved_user_id_salt_file.exists()


def test_a_legacy_salt_and_a_configured_one_that_differs_are_not_mixed(database):
    settings, engine = database
    with Session(engine) as session:
        session.add(AppMeta(key=LEGACY_SALT_KEY, value=secrets.token_hex(32)))
        session.commit()
    configured = settings.model_copy(update={"user_id_salt": SecretStr("configured-later-salt")})
    with pytest.raises(SaltError, match="unset PLANBOT_USER_ID_SALT"):
        user_id_salt(configured, engine)
    assert meta(engine, LEGACY_SALT_KEY) is not None, "nothing was moved or lost"


def test_the_environment_salt_is_used_as_given(database):
    settings, engine = database
    configured = settings.model_copy(update={"user_id_salt": SecretStr("workers-shared-salt")})
    assert user_id_salt(configured, engine) == b"workers-shared-salt"
    assert not settings.resolved_user_id_salt_file.exists()
