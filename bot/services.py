"""The long-lived objects one planbot process needs, opened once and shared by every adapter."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine

from bot.db import make_engine, migrate
from bot.settings import Settings
from knowledge.corpus import PlanSource, ingest, open_index
from knowledge.plans import PlanMeta, load_catalog, plan_text
from knowledge.regions import load_gazetteer
from knowledge.search import Searcher
from knowledge.store import ClauseView
from knowledge.tokenize import Tokenizer, default_tokenizer

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

    @cached_property
    def clauses_by_id(self) -> dict[str, ClauseView]:
        return {c.id: c for c in self.searcher.clauses}

    def close(self) -> None:
        self.engine.dispose()
