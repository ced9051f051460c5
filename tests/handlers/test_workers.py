"""Two `planbot run` webhook workers sharing one PostgreSQL database, as a scaled-out deployment runs.

Each worker is a real process with its own data directory; they share only the database and the user-id
salt. Updates are posted to them alternately or at the same moment, so a person's screening must continue on
whichever worker gets their next message, and two workers answering the same person at once must not
corrupt the stored state (bot.repository's optimistic versioning: the loser is told and re-asked).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot import messages
from bot.db import make_engine
from bot.privacy import user_key
from bot.repository import Repository, StoredScreening
from knowledge.screening import State
from tests.fakes import updates
from tests.fakes.bot_api import FakeBotApi, JSONDict, post_webhook_update
from tests.fakes.fixtures import TEST_TOKEN, free_port
from tests.support import POSTGRES_ENV, database_url_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set"),
]

SECRET = "workers-webhook-secret"
SALT = "workers-shared-salt"
STARTUP_TIMEOUT = 60.0
REPLY_TIMEOUT = 20.0
SCREENING = "nursing_subsidy"  # 户籍 → 同意保存 → 残疾人证 → 残疾等级 → 长期照料 → 其他待遇 → result
CHIPING = "5"  # 茌平区, typed: there 三级 (智力、精神) still continues, so after it and consent "1" or "3"
KEEP = "1"  # twice in any order asks on (残疾人证 then 等级)
PROMPT = "（第"  # every screening question starts so (bot.screening_flow._render)
STALE = "您的回答刚刚在另一处更新过"  # what the loser of a race is told (bot.screening_flow._commit)
RESULT_END = "还想看看其他项目吗"


@dataclass
class Worker:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@dataclass
class Cluster:
    """The fake Bot API both workers call, the workers, and the shared database to inspect."""

    fake: FakeBotApi
    workers: list[Worker]
    engine: Engine

    async def post(self, worker: int, payload: JSONDict) -> None:
        """Deliver one update to one worker, as Telegram would. The fake numbers it (and opens its callback
        query, so answerCallbackQuery succeeds); in webhook mode nothing polls the fake's own queue."""
        update_id = self.fake.push_update(payload)
        response = await post_webhook_update(
            self.workers[worker].url, {**payload, "update_id": update_id}, secret_token=SECRET
        )
        assert response.status_code == 200, self.logs()

    async def texts_after(
        self, chat_id: int, since: int, condition: Callable[[list[str]], bool], timeout: float = REPLY_TIMEOUT
    ) -> list[str]:
        """The texts sent to `chat_id` after its first `since` messages, once `condition(texts)` holds."""

        def ready() -> list[str] | None:
            texts = self.fake.texts_to(chat_id)[since:]
            return texts if condition(texts) else None

        try:
            return await self.fake.await_until(ready, timeout)
        except TimeoutError as error:
            raise AssertionError(
                f"{error}\nsent to {chat_id}: {self.fake.texts_to(chat_id)}\n{self.logs()}"
            ) from None

    def stored(self, user_id: int) -> StoredScreening:
        stored = Repository(self.engine).screening(user_key(SALT.encode(), "telegram", user_id))
        assert stored is not None, f"no screening stored for {user_id}"
        return stored

    def logs(self) -> str:
        return "\n".join(
            f"--- worker {i} log ---\n{w.log_text()[-4000:]}" for i, w in enumerate(self.workers)
        )


def _start_worker(tmp: Path, name: str, database_url: str, api_url: str) -> Worker:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    data_dir = tmp / name
    data_dir.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")},
        "PLANBOT_TELEGRAM_TOKEN": TEST_TOKEN,
        "PLANBOT_DATABASE_URL": database_url,
        "PLANBOT_DATA_DIR": str(data_dir),
        "PLANBOT_TELEGRAM_API_URL": api_url,
        "PLANBOT_WEBHOOK_URL": url,
        "PLANBOT_WEBHOOK_PORT": str(port),
        "PLANBOT_WEBHOOK_LISTEN": "127.0.0.1",
        "PLANBOT_WEBHOOK_SECRET": SECRET,
        "PLANBOT_USER_ID_SALT": SALT,
        "PLANBOT_LOG_LEVEL": "INFO",
    }
    log = tmp / f"{name}.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("planbot")), "run"],
            cwd=data_dir,  # no developer .env is read from here
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Worker(url, process, log)


def _stop(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def _wait_started(fake: FakeBotApi, workers: list[Worker], engine: Engine) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while fake.count("setWebhook") < len(workers):
        if any(w.process.poll() is not None for w in workers) or time.monotonic() > deadline:
            pytest.fail(
                f"workers did not start (setWebhook calls: {fake.count('setWebhook')})\n"
                + Cluster(fake, workers, engine).logs()
            )
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two workers started at the same moment on a fresh database: both migrate and ingest the plans,
    one after the other (bot.db.exclusive), and both serve."""
    tmp = tmp_path_factory.mktemp("workers")
    with database_url_for("postgres") as database_url, FakeBotApi() as fake:
        assert database_url is not None
        workers: list[Worker] = []
        engine = make_engine(database_url)
        try:
            workers = [_start_worker(tmp, name, database_url, fake.base_url) for name in ("a", "b")]
            _wait_started(fake, workers, engine)
            yield Cluster(fake, workers, engine)
        finally:
            for worker in workers:
                _stop(worker)
            engine.dispose()


def _no_failures(cluster: Cluster, texts: list[str]) -> None:
    assert messages.ERROR not in texts
    assert not any("Traceback" in t for t in texts)
    for worker in cluster.workers:
        assert worker.process.poll() is None, cluster.logs()
        log = worker.log_text()
        assert "Traceback" not in log and " ERROR " not in log, cluster.logs()


def _prompts(texts: list[str]) -> int:
    return sum(t.startswith(PROMPT) for t in texts)


async def test_a_screening_started_on_one_worker_continues_on_the_other(cluster: Cluster) -> None:
    user = 61_001
    await cluster.post(0, updates.command_update(user, "screen", SCREENING))
    texts = await cluster.texts_after(user, 0, lambda t: _prompts(t) >= 1)
    assert "（第1题" in texts[-1] and "户籍" in texts[-1]

    await cluster.post(1, updates.text_update(user, CHIPING))  # typed
    texts = await cluster.texts_after(user, 1, lambda t: _prompts(t) >= 1)
    assert "（第2题" in texts[-1] and "敏感个人信息" in texts[-1]

    question = cluster.fake.messages_to(user)[-1]
    button = next(
        b
        for row in question.params["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"].startswith("继续，保存")
    )
    await cluster.post(0, updates.callback_update(user, button["callback_data"], message=question.result))
    texts = await cluster.texts_after(user, 2, lambda t: _prompts(t) >= 1)
    assert "（第3题" in texts[-1] and "残疾人证" in texts[-1]

    for worker, asked in ((1, "（第4题"), (0, "（第5题")):  # 有残疾人证, then 一级
        since = len(cluster.fake.texts_to(user))
        await cluster.post(worker, updates.text_update(user, "1"))
        texts = await cluster.texts_after(user, since, lambda t: _prompts(t) >= 1)
        assert asked in texts[-1], texts

    since = len(cluster.fake.texts_to(user))
    await cluster.post(0, updates.text_update(user, "1"))  # 需要长期照料
    texts = await cluster.texts_after(user, since, lambda t: _prompts(t) >= 1)
    assert "（第6题" in texts[-1], texts

    since = len(cluster.fake.texts_to(user))
    await cluster.post(1, updates.text_update(user, "4"))  # 其他待遇：都没有
    texts = await cluster.texts_after(user, since, lambda t: any(RESULT_END in x for x in t))
    assert texts[0].startswith("重度残疾人护理补贴：可能符合"), texts

    stored = cluster.stored(user)
    state = State.from_dict(stored.state)
    assert state.status == "done" and state.screening == SCREENING
    assert stored.version == 7  # started, then six answers (consent included), each written once
    _no_failures(cluster, cluster.fake.texts_to(user))


# (answer posted to worker a, answer posted to worker b) in the same moment, once 户籍 and consent are given.
RACES = [("1", "1"), ("1", "3"), ("3", "1"), ("1", "1"), ("3", "3"), ("1", "3")]


async def test_simultaneous_answers_on_both_workers_keep_one_consistent_state(cluster: Cluster) -> None:
    users = [62_001 + i for i in range(len(RACES))]
    for user in users:
        await cluster.post(0, updates.command_update(user, "screen", SCREENING))
    for worker, (asked, typed) in enumerate([(1, CHIPING), (2, KEEP)], start=1):
        for user in users:
            await cluster.texts_after(user, 0, lambda t, n=asked: _prompts(t) >= n)
            await cluster.post(worker % 2, updates.text_update(user, typed))
    for user in users:
        await cluster.texts_after(user, 0, lambda t: _prompts(t) >= 3)  # 户籍, 同意保存, 残疾人证
    started = {user: cluster.stored(user).version for user in users}
    sent = {user: len(cluster.fake.texts_to(user)) for user in users}

    await asyncio.gather(
        *(
            cluster.post(worker, updates.text_update(user, answer))
            for user, pair in zip(users, RACES, strict=True)
            for worker, answer in enumerate(pair)
        )
    )
    for user in users:
        # Winner or loser, each answer ends with one question: the next one, or the current one re-asked.
        texts = await cluster.texts_after(user, sent[user], lambda t: _prompts(t) >= 2)
        lost = sum(STALE in t for t in texts)
        stored = cluster.stored(user)
        state = State.from_dict(stored.state)
        assert state.status == "asking" and state.screening == SCREENING
        assert started[user] == 3  # the start, 户籍 and consent
        assert stored.version == 3 + (2 - lost), texts  # plus every answer that was not lost
        assert len(state.history) == 2 + (2 - lost), texts
        _no_failures(cluster, cluster.fake.texts_to(user))


async def test_a_screening_started_on_both_workers_at_once_is_stored_once(cluster: Cluster) -> None:
    users = [63_001 + i for i in range(4)]
    await asyncio.gather(
        *(cluster.post(w, updates.command_update(u, "screen", SCREENING)) for u in users for w in (0, 1))
    )
    for user in users:
        texts = await cluster.texts_after(user, 0, lambda t: _prompts(t) >= 2)
        lost = sum(STALE in t for t in texts)
        stored = cluster.stored(user)
        state = State.from_dict(stored.state)
        assert state.status == "asking" and not state.history
        assert stored.version == 2 - lost, texts  # a lost insert writes nothing; a second start resumes
        _no_failures(cluster, cluster.fake.texts_to(user))
