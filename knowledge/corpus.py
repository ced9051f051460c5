"""From plan files to a ready corpus: ingest into the database, then build or reopen the index.

Content hashes decide what is stale, never timestamps:
- a plan's hash covers its text, its metadata and the parser's source, so editing any of
  them re-ingests that plan only;
- each plan's token counts are cached under (plan hash, tokenizer fingerprint), so adding
  one plan tokenises only that plan;
- the index directory is named after the hash of everything in it and is rebuilt only
  when that changes. Beside the index it holds a snapshot of the clauses it was built from
  (`clauses.json`), so a process whose plans are unchanged opens both without the database
  (`open_snapshot`); the database and its ORM are needed only to ingest and to build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from knowledge.clause import ClauseView, Indicator, Kind
from knowledge.index import Bm25Index
from knowledge.plans import PlanMeta
from knowledge.tokenize import Tokenizer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

SNAPSHOT = "clauses.json"
SNAPSHOT_FORMAT = 1

# Modules whose code decides what a parsed clause looks like.
_PARSER_SOURCES = ("clause.py", "plans.py", "parse.py", "textclean.py", "departments.py", "indicators.py")


@cache  # the parser's source does not change under a running process
def parser_fingerprint() -> str:
    digest = hashlib.sha256()
    package = resources.files("knowledge")
    for name in _PARSER_SOURCES:
        source = package / name
        if source.is_file():
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def plan_hash(meta: PlanMeta, text: str) -> str:
    digest = hashlib.sha256(parser_fingerprint().encode())
    digest.update(json.dumps(asdict(meta), ensure_ascii=False, default=str, sort_keys=True).encode())
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class PlanSource:
    meta: PlanMeta
    text: str

    @property
    def content_hash(self) -> str:
        return plan_hash(self.meta, self.text)


def ingest(engine: Engine, sources: Iterable[PlanSource], *, force: bool = False) -> list[str]:
    """Store each plan whose hash differs from the stored one; return the ids written."""
    from knowledge import store
    from knowledge.parse import parse_plan

    written: list[str] = []
    with store.session_scope(engine) as session:
        stored = store.stored_hashes(session)
    for source in sources:
        digest = source.content_hash
        if not force and stored.get(source.meta.doc_id) == digest:
            continue
        parsed = parse_plan(source.meta, source.text)
        with store.session_scope(engine) as session:
            store.replace_document(session, source.meta, parsed, digest)
        written.append(source.meta.doc_id)
        log.info("ingested %s: %d clauses", source.meta.doc_id, len(parsed.clauses))
    return written


def index_text(clause: ClauseView) -> str:
    """What the index reads for a clause: its text, with its title, box and section title again."""
    parts = [clause.title, clause.text, clause.box]
    if clause.path:
        parts.append(clause.path[-1])
    if clause.indicator is not None:
        parts += [clause.indicator.name, clause.indicator.category, "主要指标"]
    return "\n".join(p for p in parts if p)


class TokenCache:
    """Per-plan token counts on disk, keyed by plan hash and tokenizer fingerprint."""

    def __init__(self, directory: Path, tokenizer: Tokenizer) -> None:
        self.directory = directory
        self.tokenizer = tokenizer

    def counts(self, doc_id: str, content_hash: str, clauses: Sequence[ClauseView]) -> list[dict[str, int]]:
        path = self.directory / f"{doc_id}-{content_hash[:16]}-{self.tokenizer.fingerprint}.json"
        if path.exists():
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
                if len(cached) == len(clauses):
                    return cached
            except (OSError, ValueError):
                log.warning("token cache %s unreadable; tokenising again", path.name)
        counts = [dict(Counter(self.tokenizer.tokens(index_text(c)))) for c in clauses]
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        return counts


def build_index(
    clauses: Sequence[ClauseView],
    counts_for: Callable[[str, Sequence[ClauseView]], list[dict[str, int]]],
    meta: dict[str, object],
) -> Bm25Index:
    """Assemble the index from per-plan token counts (`counts_for(doc_id, that plan's clauses)`)."""
    vocab: dict[str, int] = {}
    rows: list[tuple[np.ndarray, np.ndarray]] = []
    for doc_id, group in _by_document(clauses):
        for counter in counts_for(doc_id, group):
            ids = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in counter), dtype=np.int32, count=len(counter)
            )
            rows.append((ids, np.fromiter(counter.values(), dtype=np.int32, count=len(counter))))
    return Bm25Index.from_counts(list(vocab), rows, [c.id for c in clauses], meta)


def _by_document(clauses: Sequence[ClauseView]) -> Iterable[tuple[str, list[ClauseView]]]:
    group: list[ClauseView] = []
    for clause in clauses:
        if group and clause.doc_id != group[0].doc_id:
            yield group[0].doc_id, group
            group = []
        group.append(clause)
    if group:
        yield group[0].doc_id, group


def corpus_hash(doc_hashes: dict[str, str], tokenizer: Tokenizer) -> str:
    digest = hashlib.sha256(tokenizer.fingerprint.encode())
    for doc_id in sorted(doc_hashes):
        digest.update(f"{doc_id}={doc_hashes[doc_id]};".encode())
    return digest.hexdigest()[:16]


def open_index(engine: Engine, index_dir: Path, tokenizer: Tokenizer) -> tuple[list[ClauseView], Bm25Index]:
    """Load the clauses and the index that matches them, building the index if it is missing or stale
    (and the clause snapshot beside it, if that is missing)."""
    from knowledge import store

    with store.session_scope(engine) as session:
        hashes = store.stored_hashes(session)
        clauses = store.load_views(session)
    digest = corpus_hash(hashes, tokenizer)
    target = index_dir / f"bm25-{digest}"
    if (target / "meta.json").exists():
        try:
            index = Bm25Index.load(target)
            if index.keys == [c.id for c in clauses]:
                if read_snapshot(target, digest) != clauses:
                    write_snapshot(target, digest, clauses)
                return clauses, index
            log.warning("index %s does not match the stored clauses; rebuilding", target.name)
        except (OSError, ValueError) as error:
            log.warning("index %s unreadable (%s); rebuilding", target.name, error)
    cache = TokenCache(index_dir / "tokens", tokenizer)
    index = build_index(
        clauses, lambda doc_id, group: cache.counts(doc_id, hashes[doc_id], group), {"hash": digest}
    )
    index.save(target)
    write_snapshot(target, digest, clauses)
    for stale in index_dir.glob("bm25-*"):
        if stale != target and stale.is_dir() and "." not in stale.name:
            shutil.rmtree(stale, ignore_errors=True)
    return clauses, index


def open_snapshot(
    index_dir: Path, sources: Iterable[PlanSource], tokenizer: Tokenizer
) -> tuple[list[ClauseView], Bm25Index] | None:
    """The clauses and index of exactly these plans, as `open_index` last left them, without the
    database; None when they are not there (or stale, or damaged): then ingest and `open_index`.

    The directory is named by the same hash `open_index` computes from the stored plans, here
    from the plans themselves, so it exists only if the database held exactly these plans, at
    these hashes, when it was written."""
    digest = corpus_hash({s.meta.doc_id: s.content_hash for s in sources}, tokenizer)
    target = index_dir / f"bm25-{digest}"
    if not (target / "meta.json").exists():
        return None
    clauses = read_snapshot(target, digest)
    if clauses is None:
        return None
    try:
        index = Bm25Index.load(target)
    except (OSError, ValueError) as error:
        log.warning("index %s unreadable (%s); opening from the database", target.name, error)
        return None
    if index.keys != [c.id for c in clauses]:
        log.warning("index %s does not match its clause snapshot; opening from the database", target.name)
        return None
    return clauses, index


# -- the clause snapshot: ClauseView fields as compact JSON (no code runs on reading it) ----------------

_DOC_FIELDS = ("doc_title", "doc_short_title", "region")
_ROW_FIELDS = (
    "id", "doc_id", "seq", "kind", "ref", "path", "number", "title", "text",
    "lead_departments", "participating_departments", "box", "indicator",
)  # fmt: skip
_INDICATOR_FIELDS = tuple(Indicator.__slots__)


def write_snapshot(directory: Path, digest: str, clauses: Sequence[ClauseView]) -> None:
    """Write the clauses beside the index in `directory` (atomically: readers see all or nothing)."""
    documents: dict[str, list[str]] = {}
    rows = []
    for c in clauses:
        documents.setdefault(c.doc_id, [getattr(c, name) for name in _DOC_FIELDS])
        indicator = None if c.indicator is None else [getattr(c.indicator, n) for n in _INDICATOR_FIELDS]
        row = [getattr(c, name) for name in _ROW_FIELDS[:-1]]
        rows.append([*row, indicator])
    payload = {
        "format": SNAPSHOT_FORMAT,
        "hash": digest,
        "fields": [_DOC_FIELDS, _ROW_FIELDS, _INDICATOR_FIELDS],
        "documents": documents,
        "clauses": rows,
    }
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, delete=False) as tmp:
        json.dump(payload, tmp, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp.name, directory / SNAPSHOT)


def read_snapshot(directory: Path, digest: str) -> list[ClauseView] | None:
    """The clauses written with the index of `digest`; None when missing, of another layout or damaged."""
    try:
        payload = json.loads((directory / SNAPSHOT).read_text(encoding="utf-8"))
        if payload.get("format") != SNAPSHOT_FORMAT or payload.get("hash") != digest:
            return None
        if payload["fields"] != [list(_DOC_FIELDS), list(_ROW_FIELDS), list(_INDICATOR_FIELDS)]:
            return None
        documents = payload["documents"]
        clauses = []
        for id_, doc_id, seq, kind, ref, path, number, title, text, lead, part, box, ind in payload[
            "clauses"
        ]:
            doc_title, short_title, region = documents[doc_id]
            clauses.append(
                ClauseView(
                    id_, doc_id, doc_title, short_title, region, seq, Kind(kind), ref, tuple(path), number,
                    title, text, tuple(lead), tuple(part), box, None if ind is None else Indicator(*ind),
                )
            )  # fmt: skip
        return clauses
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("clause snapshot in %s unreadable (%s); opening from the database", directory.name, error)
        return None
