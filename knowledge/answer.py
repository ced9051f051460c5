"""Search outcomes and composed answers → the JSON shapes of `planbot ask` and `planbot search`.

These shapes are a contract with scripts: extend them, never rename or remove a field.
"""

from __future__ import annotations

from knowledge.compose import Answer
from knowledge.search import Result, SearchOutcome


def source_payload(result: Result) -> dict[str, object]:
    clause = result.clause
    return {
        "id": clause.id,
        "doc_id": clause.doc_id,
        "doc_title": clause.doc_title,
        "region": clause.region,
        "path": clause.path_text,
        "number": clause.number,
        "kind": str(clause.kind),
        "text": clause.text,
        "departments": list(clause.departments),
        "lead_departments": list(clause.lead_departments),
        "score": round(result.score, 4),
    }


def ask_payload(outcome: SearchOutcome, answer: Answer) -> dict[str, object]:
    return {
        "answer": "\n\n".join(p for p in (answer.note, answer.main) if p),
        "in_scope": outcome.in_scope,
        "region": outcome.query.region.name if outcome.query.region else None,
        "sources": [source_payload(r) for r in outcome.results[:5]],
        "citations": [{"id": c.clause_id, "label": c.label} for c in answer.citations],
        "next_step": answer.next_step,
        "glossary": [{"term": t, "meaning": m} for t, m in answer.glossary],
        "screening": answer.screening,
        "coverage": round(outcome.coverage, 3),
        "reply": answer.render(),
    }


def search_payload(outcome: SearchOutcome) -> dict[str, object]:
    return {
        "query": outcome.query.text,
        "region": outcome.query.region.name if outcome.query.region else None,
        "results": [source_payload(r) for r in outcome.results],
    }
