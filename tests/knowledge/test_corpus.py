"""The persisted index: reused while nothing changed, rebuilt by content hash, incremental per plan;
the clause snapshot beside it, opened without the database while the plans are unchanged."""

from __future__ import annotations

import pytest

from bot.db import make_engine, migrate
from bot.services import shipped_sources
from knowledge.corpus import SNAPSHOT, PlanSource, ingest, open_index, open_snapshot, read_snapshot
from knowledge.plans import load_catalog
from knowledge.tokenize import Tokenizer


class CountingTokenizer(Tokenizer):
    """The real tokenizer, counting the texts it cuts."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def tokens(self, text: str) -> list[str]:
        self.calls += 1
        return super().tokens(text)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    yield engine
    engine.dispose()


def test_ingest_is_idempotent(engine):
    sources = shipped_sources(load_catalog())
    assert len(ingest(engine, sources)) == 5
    assert ingest(engine, sources) == []


def test_index_is_reused_until_the_plans_change_and_then_only_the_new_plan_is_tokenised(engine, tmp_path):
    catalog = load_catalog()
    sources = shipped_sources(catalog)
    ingest(engine, sources[:4])
    tokenizer = CountingTokenizer()
    clauses, first = open_index(engine, tmp_path / "index", tokenizer)
    built = tokenizer.calls
    assert built == len(clauses) > 0

    _, again = open_index(engine, tmp_path / "index", tokenizer)
    assert tokenizer.calls == built, "an unchanged corpus is loaded, not rebuilt"
    assert again.meta["hash"] == first.meta["hash"]

    ingest(engine, sources[4:])
    clauses, grown = open_index(engine, tmp_path / "index", tokenizer)
    fifth = sum(1 for c in clauses if c.doc_id == sources[4].meta.doc_id)
    assert tokenizer.calls == built + fifth, "adding a plan tokenises only that plan"
    assert grown.meta["hash"] != first.meta["hash"]
    assert len(list((tmp_path / "index").glob("bm25-*"))) == 1, "the stale index is removed"


def test_an_edited_plan_text_changes_its_hash_and_is_ingested_again(engine):
    meta = next(iter(load_catalog().values()))
    original = shipped_sources({meta.doc_id: meta})[0]
    ingest(engine, [original])
    edited = PlanSource(meta, original.text + "\n补充说明。")
    assert edited.content_hash != original.content_hash
    assert ingest(engine, [edited]) == [meta.doc_id]


def test_a_changed_dictionary_rebuilds_the_index(engine, tmp_path, monkeypatch):
    ingest(engine, shipped_sources(load_catalog())[:1])
    tokenizer = CountingTokenizer()
    _, first = open_index(engine, tmp_path / "index", tokenizer)
    changed = CountingTokenizer()
    monkeypatch.setattr(type(changed), "fingerprint", "different-dictionary")
    _, second = open_index(engine, tmp_path / "index", changed)
    assert changed.calls > 0 and second.meta["hash"] != first.meta["hash"]


def test_the_clause_snapshot_beside_the_index_holds_what_the_database_holds(engine, tmp_path):
    sources = shipped_sources(load_catalog())
    ingest(engine, sources)
    tokenizer = CountingTokenizer()
    clauses, index = open_index(engine, tmp_path / "index", tokenizer)
    target = tmp_path / "index" / f"bm25-{index.meta['hash']}"
    assert read_snapshot(target, index.meta["hash"]) == clauses
    assert any(c.indicator for c in clauses) and any(c.lead_departments for c in clauses)

    opened = open_snapshot(tmp_path / "index", sources, tokenizer)
    assert opened is not None
    assert opened[0] == clauses and opened[1].keys == index.keys
    assert tokenizer.calls == len(clauses), "opening the snapshot tokenises nothing"


def test_no_snapshot_is_opened_for_other_plans_or_a_damaged_file(engine, tmp_path):
    sources = shipped_sources(load_catalog())
    ingest(engine, sources[:4])
    tokenizer = Tokenizer()
    _, index = open_index(engine, tmp_path / "index", tokenizer)
    assert open_snapshot(tmp_path / "index", sources[:4], tokenizer) is not None
    assert open_snapshot(tmp_path / "index", sources, tokenizer) is None, "a fifth plan is not in it"
    edited = [*sources[:3], PlanSource(sources[3].meta, sources[3].text + "\n补充说明。")]
    assert open_snapshot(tmp_path / "index", edited, tokenizer) is None, "an edited plan is not in it"

    snapshot = tmp_path / "index" / f"bm25-{index.meta['hash']}" / SNAPSHOT
    snapshot.write_text(snapshot.read_text(encoding="utf-8")[:-100], encoding="utf-8")
    assert open_snapshot(tmp_path / "index", sources[:4], tokenizer) is None
    clauses, _ = open_index(engine, tmp_path / "index", tokenizer)  # writes it again
    assert open_snapshot(tmp_path / "index", sources[:4], tokenizer)[0] == clauses
