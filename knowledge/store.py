"""Plans and clauses in the database (SQLModel), and the functions that move them in and out.

A clause's primary key is its stable reference "<doc_id>:<ref>" (for example
"shuozhou:box9.2"), so links, buttons and data files survive a re-ingest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import Column, Text, delete
from sqlmodel import Field, Session, SQLModel, select

from knowledge.clause import ClauseView, Indicator, Kind, ParsedClause, ParsedDocument
from knowledge.plans import PlanMeta
from knowledge.refs import ClauseRef
from knowledge.sessions import session_scope

__all__ = ["Clause", "Document", "load_views", "replace_document", "session_scope", "stored_hashes"]


class Document(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    title: str
    short_title: str
    region: str = Field(index=True)
    parents: str = Field(default="[]", description="JSON list, nearest first")
    level: str
    issuer: str
    doc_number: str
    date: dt.date
    status: str
    content_hash: str = Field(max_length=64, description="hash of the text and parser version it came from")


class Clause(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=128)
    doc_id: str = Field(foreign_key="document.id", index=True, max_length=64)
    seq: int
    kind: str = Field(max_length=16)
    ref: str = Field(max_length=64)
    path: str = Field(sa_column=Column(Text, nullable=False))
    number: str
    title: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    lead_departments: str = Field(default="[]")
    participating_departments: str = Field(default="[]")
    box: str = ""
    indicator: str | None = Field(default=None, description="JSON of knowledge.clause.Indicator")


def document_row(meta: PlanMeta, content_hash: str) -> Document:
    return Document(
        id=meta.doc_id,
        title=meta.title,
        short_title=meta.short_title,
        region=meta.region,
        parents=json.dumps(list(meta.parents), ensure_ascii=False),
        level=meta.level,
        issuer=meta.issuer,
        doc_number=meta.doc_number,
        date=meta.date,
        status=meta.status,
        content_hash=content_hash,
    )


def clause_row(clause: ParsedClause) -> Clause:
    indicator = clause.indicator
    return Clause(
        id=ClauseRef(clause.doc_id, clause.ref).key,
        doc_id=clause.doc_id,
        seq=clause.seq,
        kind=str(clause.kind),
        ref=clause.ref,
        path=json.dumps(list(clause.path), ensure_ascii=False),
        number=clause.number,
        title=clause.title,
        text=clause.text,
        lead_departments=json.dumps(list(clause.lead_departments), ensure_ascii=False),
        participating_departments=json.dumps(list(clause.participating_departments), ensure_ascii=False),
        box=clause.box,
        indicator=None if indicator is None else json.dumps(_indicator_dict(indicator), ensure_ascii=False),
    )


def _indicator_dict(indicator: Indicator) -> dict[str, object]:
    return {name: getattr(indicator, name) for name in Indicator.__slots__}


def replace_document(session: Session, meta: PlanMeta, parsed: ParsedDocument, content_hash: str) -> None:
    """Write one plan and its clauses, replacing whatever was stored for it before."""
    session.exec(delete(Clause).where(Clause.doc_id == meta.doc_id))  # type: ignore[arg-type]
    existing = session.get(Document, meta.doc_id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(document_row(meta, content_hash))
    session.flush()
    session.add_all(clause_row(c) for c in parsed.clauses)


def stored_hashes(session: Session) -> dict[str, str]:
    return {doc.id: doc.content_hash for doc in session.exec(select(Document))}


def load_views(session: Session, doc_ids: Iterable[str] | None = None) -> list[ClauseView]:
    """Every clause (of the given documents), in document order."""
    docs = {doc.id: doc for doc in session.exec(select(Document))}
    query = select(Clause).order_by(Clause.doc_id, Clause.seq)  # type: ignore[arg-type]
    if doc_ids is not None:
        query = query.where(Clause.doc_id.in_(list(doc_ids)))  # type: ignore[attr-defined]
    return [to_view(row, docs[row.doc_id]) for row in session.exec(query)]


def load_documents(session: Session) -> list[Document]:
    return list(session.exec(select(Document)))


def to_view(row: Clause, doc: Document) -> ClauseView:
    indicator = None
    if row.indicator:
        indicator = Indicator(**json.loads(row.indicator))
    return ClauseView(
        id=row.id,
        doc_id=row.doc_id,
        doc_title=doc.title,
        doc_short_title=doc.short_title,
        region=doc.region,
        seq=row.seq,
        kind=Kind(row.kind),
        ref=row.ref,
        path=tuple(json.loads(row.path)),
        number=row.number,
        title=row.title,
        text=row.text,
        lead_departments=tuple(json.loads(row.lead_departments)),
        participating_departments=tuple(json.loads(row.participating_departments)),
        box=row.box,
        indicator=indicator,
    )


def views_from_parsed(docs: Sequence[ParsedDocument], catalog: dict[str, PlanMeta]) -> list[ClauseView]:
    """The same views without a database, for tests and benchmarks that build corpora in memory."""
    out: list[ClauseView] = []
    for parsed in docs:
        meta = catalog[parsed.doc_id]
        doc = document_row(meta, "")
        out.extend(to_view(clause_row(c), doc) for c in parsed.clauses)
    return out
