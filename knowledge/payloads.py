"""Answers and search outcomes → the JSON shapes of `planbot ask` and `planbot search`.

These shapes are a contract with scripts: extend them, never rename or remove a field.
"""

from __future__ import annotations

from knowledge.answer import Answer
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
        "label": clause.label,
    }


def ask_payload(answer: Answer | None, reply: str) -> dict[str, object]:
    """One question's JSON; `reply` is the whole reply text the conversation shows."""
    if answer is None:  # not a question (a greeting, a command…): no sources to show
        return {
            **{"answer": reply, "in_scope": False, "region": None, "sources": [], "citations": []},
            **{"next_step": "", "glossary": [], "screening": None, "coverage": 0.0, "reply": reply},
        }
    return {
        "answer": "\n\n".join(p for p in (answer.note, answer.main) if p),
        "in_scope": answer.in_scope,
        "region": answer.region,
        "sources": [source_payload(r) for r in answer.results[:5]],
        "citations": [{"id": c.clause_id, "label": c.label} for c in answer.citations],
        "next_step": answer.next_step,
        "glossary": [{"term": t, "meaning": m} for t, m in answer.glossary],
        "screening": answer.screening,
        "coverage": round(answer.coverage, 3),
        "reply": reply,
    }


def search_payload(outcome: SearchOutcome) -> dict[str, object]:
    return {
        "query": outcome.query.text,
        "region": outcome.region,
        "results": [source_payload(r) for r in outcome.results],
    }
