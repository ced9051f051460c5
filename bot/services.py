"""The long-lived objects one planbot process needs, opened once and shared by every adapter."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.db import exclusive, make_engine, migrate
from bot.settings import Settings
from knowledge.corpus import PlanSource, ingest, open_index
from knowledge.plans import PlanMeta, load_catalog, plan_text
from knowledge.regions import Gazetteer, load_gazetteer
from knowledge.search import Searcher
from knowledge.store import ClauseView
from knowledge.tokenize import Tokenizer, default_tokenizer

if TYPE_CHECKING:
    from voice import VoiceNote, VoiceService

log = logging.getLogger(__name__)


def shipped_sources(catalog: dict[str, PlanMeta]) -> list[PlanSource]:
    return [PlanSource(meta, plan_text(meta)) for meta in catalog.values()]


@dataclass
class Services:
    settings: Settings
    engine: Engine
    catalog: dict[str, PlanMeta]
    tokenizer: Tokenizer
    searcher: Searcher
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def open(cls, settings: Settings | None = None) -> Services:
        """Migrate the database, ingest the shipped plans if they changed, open the index."""
        settings = settings or Settings()
        timings: dict[str, float] = {}
        start = time.perf_counter()
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        timings["migrate"] = time.perf_counter() - start
        catalog = load_catalog()
        with exclusive(engine):  # workers starting together on an empty database ingest once
            written = ingest(engine, shipped_sources(catalog))
        if written:
            log.info("ingested %s", ", ".join(written))
        timings["ingest"] = time.perf_counter() - start - sum(timings.values())
        tokenizer = default_tokenizer()
        clauses, index = open_index(engine, settings.index_dir, tokenizer)
        timings["index"] = time.perf_counter() - start - sum(timings.values())
        tokenizer.warm_up()
        timings["tokenizer"] = time.perf_counter() - start - sum(timings.values())
        searcher = Searcher(clauses, index, tokenizer, load_gazetteer())
        return cls(settings, engine, catalog, tokenizer, searcher, timings)

    @property
    def gazetteer(self) -> Gazetteer:
        return self.searcher.gazetteer

    @cached_property
    def clauses_by_id(self) -> dict[str, ClauseView]:
        return {c.id: c for c in self.searcher.clauses}

    def covered_regions(self) -> list[str]:
        """The regions with a plan, in catalogue order (for region buttons)."""
        return list(dict.fromkeys(meta.region for meta in self.catalog.values()))

    def clause_from_link(self, payload: str) -> ClauseView | None:
        """The clause a deep link names (bot.links encodes ids into Telegram's start payload)."""
        return self.clauses_by_id.get(link_to_clause_id(payload))

    def reload(self) -> list[str]:
        """Re-ingest plans whose text or parser changed and reopen the index; returns their ids."""
        with exclusive(self.engine):
            written = ingest(self.engine, shipped_sources(self.catalog), force=False)
        clauses, index = open_index(self.engine, self.settings.index_dir, self.tokenizer)
        self.searcher = Searcher(clauses, index, self.tokenizer, self.searcher.gazetteer)
        self.__dict__.pop("clauses_by_id", None)
        return written

    @cached_property
    def voice(self) -> VoiceService:
        from voice import VoiceService  # loaded on first use: most replies need no speech

        return VoiceService(
            self.settings.voice_cache_dir, max_cache_bytes=self.settings.voice_cache_mb * 1_000_000
        )

    def speak(self, text: str, *, rate: int) -> VoiceNote | None:
        """A voice note for `text`, or None when speech fails (the caller still sends the text)."""
        if not text.strip():
            return None
        from voice import VoiceUnavailable

        try:
            return self.voice.speak(text, rate=rate)
        except VoiceUnavailable:
            log.warning("voice note failed", exc_info=True)
            return None

    async def aspeak(self, text: str, *, rate: int) -> VoiceNote | None:
        if not text.strip():
            return None
        from voice import VoiceUnavailable

        try:
            voice = await asyncio.to_thread(getattr, self, "voice")  # first use imports and starts it
            return await voice.aspeak(text, rate=rate)
        except VoiceUnavailable:
            log.warning("voice note failed", exc_info=True)
            return None

    def close(self) -> None:
        if "voice" in self.__dict__:
            self.voice.close()
        self.engine.dispose()


def clause_id_to_link(clause_id: str) -> str:
    """A clause id as a Telegram deep-link payload ([A-Za-z0-9_-], ≤ 64 chars): ':' → '-', '.' → '_'."""
    return clause_id.replace(":", "-").replace(".", "_")


def link_to_clause_id(payload: str) -> str:
    return payload.replace("-", ":", 1).replace("_", ".")
