"""The long-lived objects one planbot process needs, opened once and shared by every adapter.

Answering needs no database: when the shipped plans are those the persisted index was built from,
the index and the clause snapshot beside it are opened directly (knowledge.corpus.open_snapshot).
The database is opened, and migrated, when something first uses it (`Services.engine`), and on
start-up only when the plans changed or the index is missing: then they are ingested and indexed.
While it cannot be reached, each use says so (StorageUnavailable) and a later one tries again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.errors import StorageUnavailable
from bot.replies import Speech
from bot.settings import Settings
from knowledge.answer import Answerer
from knowledge.clause import ClauseView
from knowledge.corpus import PlanSource, ingest, open_index, open_snapshot
from knowledge.datafile import DataError
from knowledge.index import Bm25Index
from knowledge.library import Library
from knowledge.plans import PlanMeta, plan_text
from knowledge.search import Searcher
from knowledge.tokenize import Tokenizer, default_cache_dir

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from voice import Script, VoiceNote, VoiceService

log = logging.getLogger(__name__)

#: After the database could not be opened, uses within this many seconds do not try again: each try
#: may wait bot.db.CONNECT_TIMEOUT_S for an unreachable host, and busy people would all wait for it.
REOPEN_AFTER_S = 10.0


def shipped_sources(catalog: dict[str, PlanMeta] | Library) -> list[PlanSource]:
    metas = catalog.catalog.values() if isinstance(catalog, Library) else catalog.values()
    return [PlanSource(meta, plan_text(meta)) for meta in metas]


@dataclass(frozen=True, slots=True)
class Knowledge:
    """One consistent generation of what planbot knows: the data library and the clauses searched."""

    library: Library
    searcher: Searcher
    answerer: Answerer
    clauses_by_id: dict[str, ClauseView]


@dataclass
class Services:
    settings: Settings
    tokenizer: Tokenizer
    knowledge: Knowledge
    timings: dict[str, float] = field(default_factory=dict)
    _engine: Engine | None = None
    _engine_lock: threading.Lock = field(default_factory=threading.Lock)
    _reopen_at: float = 0.0  # time.monotonic() before which the database is not tried again
    _voice: VoiceService | None = None
    _voice_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: Settings | None = None, *, library: Library | None = None) -> Services:
        """Load and check the data library, open the index and the clauses it was built from; when
        the shipped plans changed (or nothing is persisted yet), migrate the database, ingest them and
        build the index first. A malformed data file stops start-up here, naming file and field."""
        settings = settings or Settings()
        timings: dict[str, float] = {}
        start = time.perf_counter()

        def lap(name: str) -> None:
            timings[name] = time.perf_counter() - start - sum(timings.values())

        library = library or Library.load(cache_dir=default_cache_dir())
        lap("library")
        tokenizer = Tokenizer(default_cache_dir(), data_dir=library.directory, synonyms=library.synonyms)
        sources = shipped_sources(library)
        opened = open_snapshot(settings.index_dir, sources, tokenizer)
        engine = None
        if opened is None:
            from bot.db import exclusive

            engine = open_database(settings)
            lap("migrate")
            with exclusive(engine):  # workers starting together on an empty database ingest once
                written = ingest(engine, sources)
            if written:
                log.info("ingested %s", ", ".join(written))
            lap("ingest")
            opened = open_index(engine, settings.index_dir, tokenizer)
        knowledge = _knowledge(*opened, tokenizer, library)
        lap("index")
        tokenizer.warm_up()
        lap("tokenizer")
        return cls(settings, tokenizer, knowledge, timings, engine)

    @property
    def engine(self) -> Engine:
        """The database, opened and migrated to the newest schema on first use. While it cannot be
        reached this raises StorageUnavailable, trying again on a use REOPEN_AFTER_S later."""
        with self._engine_lock:
            if self._engine is None:
                if time.monotonic() < self._reopen_at:
                    raise StorageUnavailable("the database could not be opened a moment ago")
                try:
                    self._engine = open_database(self.settings)
                except StorageUnavailable:
                    self._reopen_at = time.monotonic() + REOPEN_AFTER_S
                    raise
            return self._engine

    # -- what the core reads -----------------------------------------------------------------------

    @property
    def library(self) -> Library:
        return self.knowledge.library

    @property
    def searcher(self) -> Searcher:
        return self.knowledge.searcher

    @property
    def answerer(self) -> Answerer:
        return self.knowledge.answerer

    @property
    def clauses_by_id(self) -> dict[str, ClauseView]:
        return self.knowledge.clauses_by_id

    def covered_regions(self) -> list[str]:
        """The regions with a plan, in catalogue order (for region buttons)."""
        return self.library.covered_regions

    def reload(self) -> tuple[bool, str]:
        """Load the data files and plans again and swap them in whole; on any problem keep what runs.

        Returns (swapped, a sentence for the admin)."""
        try:
            from bot.db import exclusive

            library = Library.load(self.library.directory, cache_dir=default_cache_dir())
            with exclusive(self.engine):
                written = ingest(self.engine, shipped_sources(library))
            tokenizer = Tokenizer(default_cache_dir(), data_dir=library.directory, synonyms=library.synonyms)
            tokenizer.warm_up()
            opened = open_index(self.engine, self.settings.index_dir, tokenizer)
            knowledge = _knowledge(*opened, tokenizer, library)
        except (DataError, OSError, ValueError) as error:
            log.warning("reload refused: %s", error)
            return False, f"没有重新载入，继续使用原来的数据：{error}"
        self.tokenizer, self.knowledge = tokenizer, knowledge  # one assignment each: readers see old or new
        changed = "、".join(written) if written else "规划没有变化"
        return True, f"已重新载入数据文件和规划（{changed}）。"

    # -- speech --------------------------------------------------------------------------------------

    @property
    def voice(self) -> VoiceService:
        """The speech service, started on first use: most replies need no speech."""
        with self._voice_lock:
            if self._voice is None:
                from voice import VoiceService, load_or_create_key

                key = load_or_create_key(self.settings.data_dir / "voice.key")
                self._voice = VoiceService(
                    self.settings.voice_cache_dir,
                    cache_secret=hmac.new(key, b"voice-cache", hashlib.sha256).digest(),
                    max_cache_bytes=self.settings.voice_cache_mb * 1_000_000,
                )
            return self._voice

    def speak(self, speech: Speech, *, speed: str, private: bool) -> VoiceNote | None:
        """A voice note of `speech`, or None when speech fails (the caller still sends the text).

        `private` notes (a person's own answers) are never cached on disk."""
        if not speech:
            return None
        from voice import VoiceUnavailable

        try:
            return self.voice.speak(_script(speech), speed=speed, private=private)
        except VoiceUnavailable:
            log.warning("voice note failed", exc_info=True)
            return None

    async def aspeak(self, speech: Speech, *, speed: str, private: bool) -> VoiceNote | None:
        if not speech:
            return None
        from voice import VoiceUnavailable

        try:
            voice = await asyncio.to_thread(lambda: self.voice)  # first use imports and starts it
            return await voice.aspeak(_script(speech), speed=speed, private=private)
        except VoiceUnavailable:
            log.warning("voice note failed", exc_info=True)
            return None

    def close(self) -> None:
        if self._voice is not None:
            self._voice.close()
        if self._engine is not None:
            self._engine.dispose()


#: Said when a voice note had to leave something out to stay short; the text reply has it all.
CUT_OFFER = "后面的内容请看文字回复。"


def _script(speech: Speech) -> Script:
    from voice import Part, Role, Script

    return Script(tuple(Part(text, Role(role)) for role, text in speech), if_cut=CUT_OFFER)


def open_database(settings: Settings) -> Engine:
    """The database engine, its schema migrated to the newest revision; StorageUnavailable, with the
    reason, when it cannot be reached or written (no SQL values are involved in opening it)."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from bot.db import make_engine, migrate

    engine = None
    try:
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
    except (DBAPIError, PoolTimeout, OSError) as error:
        if engine is not None:
            engine.dispose()
        cause = getattr(error, "orig", None) or error
        reason = (str(cause).strip().splitlines() or [""])[0]
        raise StorageUnavailable(
            f"the database cannot be opened ({type(cause).__name__}: {reason})"
        ) from None
    return engine


def _knowledge(
    clauses: list[ClauseView], index: Bm25Index, tokenizer: Tokenizer, library: Library
) -> Knowledge:
    by_id = {c.id: c for c in clauses}
    library.check_clauses(by_id.keys())
    searcher = Searcher(clauses, index, tokenizer, library)
    return Knowledge(library, searcher, Answerer(searcher), by_id)
