"""The parse report: counts per plan and the clauses that look wrong."""

from __future__ import annotations

import pytest

from knowledge.clause import Kind, ParsedClause, ParsedDocument
from knowledge.parse import parse_all
from knowledge.report import plan_report, suspicious

EXPECTED = {
    "shuozhou": {
        "sections": 10,
        "items": 25,
        "box_items": 54,
        "indicators": 11,
        "goals": 6,
        "principles": 4,
        "with_departments": 30,
        "boxes": 9,
    },
    "tongxin": {
        "sections": 15,
        "items": 25,
        "box_items": 31,
        "indicators": 11,
        "goals": 8,
        "principles": 6,
        "with_departments": 0,
        "boxes": 6,
    },
    "zhangye": {
        "sections": 16,
        "items": 33,
        "box_items": 62,
        "indicators": 11,
        "goals": 2,
        "principles": 0,
        "with_departments": 0,
        "boxes": 9,
    },
    "shanxi": {
        "sections": 10,
        "items": 25,
        "box_items": 0,
        "indicators": 0,
        "goals": 6,
        "principles": 4,
        "with_departments": 30,
        "boxes": 0,
    },
    "chiping": {
        "sections": 5,
        "items": 32,
        "box_items": 48,
        "indicators": 11,
        "goals": 5,
        "principles": 1,
        "with_departments": 36,
        "boxes": 9,
    },
}


@pytest.fixture(scope="module")
def docs() -> dict[str, ParsedDocument]:
    return {doc.doc_id: doc for doc in parse_all()}


@pytest.mark.parametrize("doc_id", list(EXPECTED))
def test_plan_report_counts(docs: dict[str, ParsedDocument], doc_id: str) -> None:
    report = plan_report(docs[doc_id])
    assert {k: report[k] for k in EXPECTED[doc_id]} == EXPECTED[doc_id]
    assert report["total"] == len(docs[doc_id].clauses)


@pytest.mark.parametrize("doc_id", list(EXPECTED))
def test_the_real_plans_parse_without_suspicious_clauses(
    docs: dict[str, ParsedDocument], doc_id: str
) -> None:
    assert [(c.ref, why) for c, why in suspicious(docs[doc_id])] == []


def _clause(text: str, kind: Kind = Kind.ITEM, ref: str = "1.1.1") -> ParsedClause:
    return ParsedClause("x", 0, kind, ref, ("一、总则",), "1.", "", text)


def test_suspicious_names_the_reason() -> None:
    doc = ParsedDocument(
        "x",
        "某规划",
        [
            _clause("这一项没有说完就断在了中间，下一页的内容没有接上来的为家"),
            _clause("太短了。", ref="1.1.2"),
            _clause("很长。" * 600, ref="1.1.3"),
            _clause("指标", Kind.INDICATOR, "ind1"),
            _clause("完整的一项任务，说完了。（牵头单位：市残联）", ref="1.1.4"),
        ],
    )
    reasons = {(c.ref, why.split(" ")[0]) for c, why in suspicious(doc)}
    assert reasons == {("1.1.1", "ends"), ("1.1.2", "very"), ("1.1.3", "very")}
