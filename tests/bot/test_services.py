"""Services.open: the database is ingested and indexed once; later starts open the persisted index and
clause snapshot without it, and the database is opened (and migrated) only when something uses it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.core import Conversation
from bot.db import HEAD_REVISION, current_revision
from bot.replies import Incoming
from bot.services import Services
from tests.support import settings_for


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("services")
    first = Services.open(settings_for(directory))
    assert set(first.timings) >= {"migrate", "ingest", "index"}, "an empty data directory is ingested"
    first.close()
    return directory


def answer(services: Services, text: str) -> str:
    conversation = Conversation(services, log_unanswered=False)
    return conversation.handle(Incoming(user=conversation.user_key("test", 1), text=text)).text


def test_a_later_start_answers_from_the_snapshot_without_opening_the_database(data_dir):
    services = Services.open(settings_for(data_dir))
    assert "ingest" not in services.timings and services._engine is None
    assert services.searcher.search("护理补贴").results
    assert services._engine is None, "searching needs no database"
    assert "依据" in answer(services, "护理补贴怎么申请")
    assert services._engine is not None
    services.close()


def test_a_new_database_beside_a_persisted_index_is_migrated_when_first_used(data_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    services = Services.open(settings_for(data_dir, url))
    assert "ingest" not in services.timings
    assert "依据" in answer(services, "护理补贴怎么申请")
    assert current_revision(services.engine) == HEAD_REVISION
    services.close()


def test_help_loads_no_numpy_sql_jieba_or_voice_and_search_no_sql(data_dir):
    """What each command imports, in a fresh interpreter (start-up time is imports)."""
    probe = (
        "import json, sys\n"
        "from planbot.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )

    def loaded(*args: str) -> set[str]:
        env = {"PLANBOT_DATA_DIR": str(data_dir), "PLANBOT_LOG_LEVEL": "WARNING", "PATH": ""}
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True, env=env
        )
        return set(json.loads(done.stdout.splitlines()[-1]))

    helped = loaded("--help")
    assert {"typer", "rich"} <= helped
    assert not helped & {"numpy", "sqlalchemy", "sqlmodel", "jieba", "voice", "knowledge", "bot", "pydantic"}
    searched = loaded("search", "护理补贴")
    assert {"numpy", "jieba", "knowledge"} <= searched
    assert not searched & {"sqlalchemy", "sqlmodel", "alembic", "voice"}
