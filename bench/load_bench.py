"""planbot under load: hundreds of simulated people talking to the real bot through the fake Bot API.

`python -m bench.load_bench [--updates N] [--users N] [--think S] [--backend sqlite|postgres]
[--rate-limited] [--faults N] [--output FILE]` prints JSON and writes bench/results/load.json (or FILE).

The bot is `build_application` with its real handlers, polling `tests.fakes.bot_api.FakeBotApi` in this
process. Each simulated person sends a message, waits until planbot has finished with it, then sends the
next (a closed loop, as people wait for an answer), after a pause of --think seconds on average (random,
exponential; 0 by default, which measures planbot at saturation, where latency is mostly queueing). They
send questions, screenings answered by typing "1"…, a few
commands, and for about 2% of people voice replies. One observer handler in a group after planbot's own
marks the moment planbot finished an update; since planbot handles one person's updates one at a time,
the messages sent to a chat between two of those moments are exactly the replies to that update. That is
how replies are counted per update (none lost, none extra) and latency measured from push to first reply.

With --faults N, the fake Bot API fails bursts of requests, on average after every N messages delivered
(one burst at a time per method): up to five 500s or three 429s in a row on sendMessage, dropped
connections, 500s on sendVoice. (getUpdates faults are left to tests/handlers/test_e2e.py: after each,
python-telegram-bot's polling waits a second or more.) Every update must still be answered once, each
reply delivered once (handlers.delivery retries them).

By default Telegram's pacing is switched off: `AIORateLimiter` paces every chat request to Telegram's
30 per second, so with it on the benchmark measures that pacing, not planbot (`--rate-limited` shows it).
Its other job, trying again after a 429, stays on (a limiter with no pace).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from pydantic import SecretStr
from telegram import Update
from telegram.ext import AIORateLimiter, Application, TypeHandler

from bench.measure import machine, questions, summary_ms
from bot import messages
from bot.services import Services
from bot.settings import Settings
from handlers.delivery import ATTEMPTS
from knowledge.library import Library
from knowledge.screening import list_screenings
from planbot.telegram_app import build_application
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.fixtures import TEST_TOKEN

RESULTS = Path(__file__).resolve().parent / "results"
POSTGRES_ENV = "PLANBOT_TEST_POSTGRES_URL"
MB = 1_000_000

QUESTIONS = questions()[::8]  # 30 questions across every topic of bench/questions.txt
SCREENINGS = tuple(s["name"] for s in list_screenings(Library.load()))
COMMANDS = ("/start", "/help", "/region 朔州", "/compare 护理补贴", "/privacy", "/clause shuozhou:box9.2")
MIX = (("question", 0.75), ("screening", 0.15), ("command", 0.10))  # what a person does next
ANSWERS = ("1", "1", "2")  # typed screening answers: mostly the first option
MAX_ANSWERS = 8  # a person gives up on a screening after this many answers
PROMPT = "（第"  # how every screening question starts (bot.screening_flow)
VOICE_SHARE = 0.02
UPDATE_TIMEOUT = 120.0  # an update unanswered this long counts as lost
OBSERVER_GROUP = 99  # after planbot's only group (0)
FIRST_USER_ID = 500_001


@dataclass
class Exchange:
    """One update a simulated person sent and what came back."""

    update_id: int
    user_id: int
    kind: str  # question, screening, answer, command, voice_on
    pushed: float
    done: float | None = None  # when planbot finished it; None if it never did
    messages: int = 0
    voices: int = 0
    first_reply: float | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    exchanges: list[Exchange]
    wall_s: float
    deliveries: dict[int, int]  # update_id -> getUpdates answers that carried it
    handled: collections.Counter[int]  # update_id -> times planbot finished it
    stray_messages: int  # messages to a simulated chat that belong to no update
    errors_logged: int
    peak_rss: int
    peak_rss_with_children: int
    rss_before: int
    voice_users: int
    faults_injected: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> list[int]:
        return [e.update_id for e in self.exchanges if e.done is None or e.messages == 0]

    @property
    def duplicated(self) -> list[int]:
        return [
            e.update_id
            for e in self.exchanges
            if self.deliveries.get(e.update_id, 0) != 1 or self.handled[e.update_id] != 1
        ]

    @property
    def error_replies(self) -> int:
        return sum(messages.ERROR in e.texts for e in self.exchanges)

    @property
    def delivery_failed_replies(self) -> int:
        return sum(messages.DELIVERY_FAILED in e.texts for e in self.exchanges)

    def summary(self) -> dict[str, object]:
        done = [e for e in self.exchanges if e.first_reply is not None and e.done is not None]
        kinds = collections.Counter(e.kind for e in self.exchanges)
        replies = sum(e.messages for e in self.exchanges)
        voice = [e for e in done if e.voices]
        return {
            "users": len({e.user_id for e in self.exchanges}),
            "voice_users": self.voice_users,
            "updates": len(self.exchanges),
            "updates_by_kind": dict(sorted(kinds.items())),
            "wall_s": round(self.wall_s, 2),
            "throughput_updates_per_s": round(len(self.exchanges) / self.wall_s, 1),
            "replies": replies,
            "replies_per_s": round(replies / self.wall_s, 1),
            "voice_notes": sum(e.voices for e in self.exchanges),
            "latency_first_reply": summary_ms([e.first_reply - e.pushed for e in done]),
            "latency_all_replies": summary_ms([e.done - e.pushed for e in done]),
            "latency_first_reply_voice_users": summary_ms([e.first_reply - e.pushed for e in voice]),
            "latency_all_replies_with_voice_note": summary_ms([e.done - e.pushed for e in voice]),
            "lost_updates": len(self.lost),
            "duplicated_updates": len(self.duplicated),
            "stray_messages": self.stray_messages,
            "error_replies": self.error_replies,
            "faults_injected": dict(sorted(self.faults_injected.items())),
            "delivery_failed_replies": self.delivery_failed_replies,
            "errors_logged": self.errors_logged,
            "rss_before_mb": round(self.rss_before / MB, 1),
            "peak_rss_mb": round(self.peak_rss / MB, 1),
            "peak_rss_with_children_mb": round(self.peak_rss_with_children / MB, 1),
        }


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _RssSampler:
    """Peak resident memory of this process (and with its children: the voice encoder) while running."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.peak, self.peak_with_children = every, 0, 0
        self._process = psutil.Process()

    def sample(self) -> None:
        own = self._process.memory_info().rss
        children = 0
        for child in self._process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                children += child.memory_info().rss
        self.peak = max(self.peak, own)
        self.peak_with_children = max(self.peak_with_children, own + children)

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.every)


class _Load:
    """The simulated people: each sends, waits for planbot to finish, reads the replies, sends again."""

    def __init__(self, fake: FakeBotApi, app: Application) -> None:
        self.fake, self.app = fake, app
        self.exchanges: list[Exchange] = []
        self.handled: collections.Counter[int] = collections.Counter()
        self._waiting: dict[int, asyncio.Future[float]] = {}
        self._inbox: dict[int, list] = collections.defaultdict(list)  # chat -> calls not yet read
        self._read = 0  # how many of fake.sent were sorted into the inboxes
        app.add_handler(TypeHandler(Update, self._observe), group=OBSERVER_GROUP)

    async def _observe(self, update: Update, context: object) -> None:
        finished = time.monotonic()
        self.handled[update.update_id] += 1
        waiter = self._waiting.pop(update.update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(finished)

    def _sort_new_calls(self) -> None:
        calls = self.fake.sent
        for call in calls[self._read :]:
            if call.ok and call.method in ("sendMessage", "sendVoice"):
                self._inbox[call.params.get("chat_id")].append(call)
        self._read = len(calls)

    async def exchange(self, user_id: int, kind: str, text: str) -> Exchange:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            update_id = self.fake.push_command(user_id, command, args)
        else:
            update_id = self.fake.push_message(user_id, text)
        # No await between the push and registering the waiter: planbot cannot finish it in between.
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[update_id] = waiter
        record = Exchange(update_id, user_id, kind, self.fake.pushed_at[update_id])
        self.exchanges.append(record)
        try:
            record.done = await asyncio.wait_for(waiter, UPDATE_TIMEOUT)
        except TimeoutError:
            self._waiting.pop(update_id, None)
        self._sort_new_calls()
        replies = self._inbox.pop(user_id, [])
        record.messages = len(replies)
        record.voices = sum(c.method == "sendVoice" for c in replies)
        record.texts = [c.params["text"] for c in replies if c.method == "sendMessage"]
        record.first_reply = min((c.time for c in replies), default=None)
        return record

    async def person(
        self, user_id: int, budget: int, voice: bool, rng: random.Random, think_s: float = 0.0
    ) -> None:
        sent = 0
        if think_s > 0:  # people arrive spread out, not all in the same second
            await asyncio.sleep(rng.uniform(0, 2 * think_s))
        if voice and budget:
            await self.exchange(user_id, "voice_on", "/voice on")
            sent += 1
        answers = 0
        asking = False
        while sent < budget:
            if asking and answers < MAX_ANSWERS:
                reply = await self.exchange(user_id, "answer", rng.choice(ANSWERS))
                answers += 1
            else:
                kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
                if kind == "question":
                    text = rng.choice(QUESTIONS)
                elif kind == "screening":
                    text, answers = f"/screen {rng.choice(SCREENINGS)}", 0
                else:
                    text = rng.choice(COMMANDS)
                reply = await self.exchange(user_id, kind, text)
            asking = any(t.startswith(PROMPT) for t in reply.texts)
            sent += 1
            if think_s > 0:
                await asyncio.sleep(rng.expovariate(1 / think_s))

    def stray_messages(self) -> int:
        self._sort_new_calls()
        people = {e.user_id for e in self.exchanges}
        return sum(len(calls) for chat, calls in self._inbox.items() if chat in people)


#: (method, status or "drop", at most this many in a row): Telegram's faults at their worst.
FAULTS = (
    ("sendMessage", 500, 5),
    ("sendMessage", 429, 3),
    ("sendMessage", "drop", 2),
    ("sendVoice", 500, 3),
)


async def _inject_faults(fake: FakeBotApi, every: int, rng: random.Random, injected: dict[str, int]) -> None:
    """A burst of failures on a random method after every `every` delivered messages on average (so
    faults follow traffic, as Telegram's do), never while one is still pending on that method."""
    delivered = 0
    gap = rng.expovariate(1 / every)
    while True:
        await asyncio.sleep(0.02)
        now = fake.count("sendMessage") + fake.count("sendVoice")
        if now - delivered < gap:
            continue
        method, kind, most = rng.choice(FAULTS)
        if fake.faults_pending(method):
            continue
        delivered, gap = now, rng.expovariate(1 / every)
        times = rng.randint(1, most)
        if kind == "drop":
            fake.drop_next(method, times=times)
        else:
            fake.fail_next(method, kind, times=times)
        injected[f"{method} {kind}"] = injected.get(f"{method} {kind}", 0) + times


def _budgets(updates: int, users: int) -> list[int]:
    return [updates // users + (i < updates % users) for i in range(users)]


async def simulate(
    services: Services,
    fake: FakeBotApi,
    *,
    users: int = 200,
    updates: int = 10_000,
    voice_share: float = VOICE_SHARE,
    rate_limited: bool = False,
    think_s: float = 0.0,
    seed: int = 2021,
    first_user_id: int = FIRST_USER_ID,
    fault_every: int = 0,
) -> LoadReport:
    """Run planbot (polling `fake`) while `users` people send `updates` updates in all; what happened."""
    app = build_application(services.settings, services=services, base_url=fake.base_url)
    if not rate_limited:  # no public switch; see the module docstring
        app.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=ATTEMPTS - 1)
    load = _Load(fake, app)
    errors = _ErrorCounter()
    logging.getLogger().addHandler(errors)
    sampler = _RssSampler()
    sampler.sample()
    rss_before = sampler.peak
    voice_users = max(1, round(users * voice_share)) if voice_share > 0 else 0
    try:
        async with _running(app):
            sampling = asyncio.create_task(sampler.run())
            injected: dict[str, int] = {}
            faults = (
                asyncio.create_task(_inject_faults(fake, fault_every, random.Random(seed), injected))
                if fault_every > 0
                else None
            )
            started = time.monotonic()
            await asyncio.gather(
                *(
                    load.person(
                        first_user_id + i,
                        budget,
                        i < voice_users,
                        random.Random(seed * 1_000_003 + i),
                        think_s,
                    )
                    for i, budget in enumerate(_budgets(updates, users))
                )
            )
            wall = time.monotonic() - started
            sampling.cancel()
            if faults is not None:
                faults.cancel()
            fake.clear_faults()
    finally:
        logging.getLogger().removeHandler(errors)
    ids = [e.update_id for e in load.exchanges]
    return LoadReport(
        exchanges=load.exchanges,
        wall_s=wall,
        deliveries={i: fake.deliveries(i) for i in ids},
        handled=load.handled,
        stray_messages=load.stray_messages(),
        errors_logged=errors.count,
        peak_rss=sampler.peak,
        peak_rss_with_children=sampler.peak_with_children,
        rss_before=rss_before,
        voice_users=voice_users,
        faults_injected=injected,
    )


@contextlib.asynccontextmanager
async def _running(app: Application) -> AsyncIterator[Application]:
    """Start as `run_polling` does (initialize, post_init, poll, start); always stop."""
    assert app.updater is not None and app.post_init is not None
    await app.initialize()
    try:
        await app.post_init(app)
        await app.updater.start_polling(timeout=1, poll_interval=0)
        await app.start()
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)  # as run_polling does


@contextlib.contextmanager
def _database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    if not os.environ.get(POSTGRES_ENV):
        raise SystemExit(
            f'--backend postgres needs {POSTGRES_ENV} (eval "$(bash scripts/postgres.sh start)")'
        )
    from tests.support import database_url_for

    with database_url_for("postgres") as url:
        yield url


def run(
    updates: int = 10_000,
    users: int = 200,
    *,
    backend: str = "sqlite",
    rate_limited: bool = False,
    voice_share: float = VOICE_SHARE,
    think_s: float = 0.0,
    fault_every: int = 0,
) -> dict[str, object]:
    """The load benchmark on a fresh data directory and database; its results as a JSON-ready dict."""
    with (
        tempfile.TemporaryDirectory(prefix="planbot-load-") as tmp,
        _database(backend) as database_url,
        FakeBotApi() as fake,
    ):
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            database_url=database_url,
            telegram_token=SecretStr(TEST_TOKEN),
        )
        opened = time.perf_counter()
        services = Services.open(settings)
        open_s = time.perf_counter() - opened
        try:
            report = asyncio.run(
                simulate(
                    services,
                    fake,
                    users=users,
                    updates=updates,
                    voice_share=voice_share,
                    rate_limited=rate_limited,
                    think_s=think_s,
                    fault_every=fault_every,
                )
            )
        finally:
            services.close()
    return {
        "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "backend": backend,
        "think_s_mean": think_s,
        "fault_burst_every_messages": fault_every,
        "telegram_rate_limiter": "on (AIORateLimiter, 30 chat requests/s)" if rate_limited else "off",
        "transport": "long polling, in-process, fake Bot API on 127.0.0.1",
        "services_open_s": round(open_s, 2),
        **report.summary(),
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between a person's messages, s")
    parser.add_argument("--rate-limited", action="store_true", help="keep Telegram's 30/s pacing on")
    parser.add_argument(
        "--faults", type=float, default=0.0, help="mean seconds between fault bursts; 0: none"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args(argv)
    result = run(
        args.updates,
        args.users,
        backend=args.backend,
        rate_limited=args.rate_limited,
        think_s=args.think,
        fault_every=args.faults,
    )
    text = json.dumps(result, ensure_ascii=False, indent=1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(text)
    ok = not (result["lost_updates"] or result["duplicated_updates"] or result["stray_messages"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
