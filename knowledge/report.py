"""Counts and warnings about a parsed plan, for the parser's tests and for a human reviewing a new text."""

from __future__ import annotations

from collections import Counter

from knowledge.clause import Kind, ParsedClause, ParsedDocument

#: What a complete clause ends with (a sentence, or the department parenthesis closing it).
CLOSING = ("。", "；", "！", "？", "”", "）", ")")
SHORT = 12
LONG = 1500


def plan_report(doc: ParsedDocument) -> dict[str, int | str]:
    """Per-plan counts: sections, items, box items, indicator rows, goals, principles, departments, boxes."""
    kinds = Counter(c.kind for c in doc.clauses)
    return {
        "doc_id": doc.doc_id,
        "preamble": kinds[Kind.PREAMBLE],
        "sections": kinds[Kind.SECTION],
        "goals": kinds[Kind.GOAL],
        "principles": kinds[Kind.PRINCIPLE],
        "items": kinds[Kind.ITEM],
        "box_items": kinds[Kind.BOX_ITEM],
        "indicators": kinds[Kind.INDICATOR],
        "with_departments": sum(1 for c in doc.clauses if c.lead_departments or c.participating_departments),
        "boxes": len({c.box for c in doc.clauses if c.box}),
        "total": len(doc.clauses),
    }


def suspicious(doc: ParsedDocument) -> list[tuple[ParsedClause, str]]:
    """Clauses a parser bug (or a damaged text) tends to produce, each with the reason."""
    found: list[tuple[ParsedClause, str]] = []
    for clause in doc.clauses:
        if clause.kind is Kind.INDICATOR:
            continue
        if not clause.text.endswith(CLOSING):
            found.append((clause, f"ends mid-sentence: …{clause.text[-12:]}"))
        if len(clause.text) < SHORT:
            found.append((clause, f"very short ({len(clause.text)} chars)"))
        elif len(clause.text) > LONG:
            found.append((clause, f"very long ({len(clause.text)} chars)"))
    return found
