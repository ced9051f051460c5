"""The reference map answers exactly what scanning every clause with `matches` answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from bench.corpus import CorpusGenerator
from knowledge.clause import ClauseView, Kind
from knowledge.numerals import to_chinese
from knowledge.references import Reference, ReferenceMap, matches, parse_reference

TYPED = (
    "同心县专栏3第1项",
    "朔州 专栏9 第2项",
    "张掖 三（二）4",
    "茌平 指标 11",
    "专栏4",
    "二、（三）",
    "主要指标第5项",
    "专栏99第1项",
    "指标 0",
    "九（九）9",
)


def references_of(clauses: Sequence[ClauseView]) -> list[Reference]:
    """Every reference the clauses' refs can be named by (and their prefixes), plus ones naming nothing."""
    found: set[Reference] = {
        Reference("box", box=99),
        Reference("box", box=1, item=0),
        Reference("indicator"),
    }
    found |= {Reference("section", path=p) for p in [(), (9,), (9, 9, 9), (1, 1, 1, 1)]}
    for ref in {c.ref for c in clauses}:
        numbers = tuple(int(n) for n in ref.replace("box", "").replace("ind", "").split(".") if n.isdigit())
        if ref.startswith("box"):
            found |= {Reference("box", box=numbers[0]), Reference("box", box=numbers[0], item=numbers[-1])}
        elif ref.startswith("ind"):
            found.add(Reference("indicator", item=numbers[0]))
        else:
            found |= {Reference("section", path=numbers[:n]) for n in range(1, len(numbers) + 1)}
    typed = {parse_reference(text) for text in TYPED}
    return sorted(found | {r for r in typed if r is not None}, key=repr)


def assert_map_equals_full_scan(clauses: Sequence[ClauseView], regions: Sequence[str]) -> None:
    refs = ReferenceMap(clauses)
    plans = list(dict.fromkeys(c.doc_id for c in clauses))
    assert refs.plans == plans
    for doc_id in plans:
        assert refs.clauses_of(doc_id) == [c for c in clauses if c.doc_id == doc_id]
    assert refs.clauses_of("nowhere") == []
    for reference in references_of(clauses):
        scanned = [c for c in clauses if matches(reference, c)]
        assert refs.find(reference) == scanned, reference
        assert refs.find(reference, limit=4) == scanned[:4], reference
        for region in regions:
            expected = [c for c in scanned if c.region == region]
            assert refs.find(reference, region) == expected, (reference, region)
        for doc_id in plans:
            assert refs.in_plan(reference, doc_id) == [c for c in scanned if c.doc_id == doc_id], reference
    for clause in clauses[:: max(1, len(clauses) // 500)]:
        assert refs.clause(clause.id) is clause
    assert refs.clause("shuozhou:box99.1") is None


def test_the_map_answers_what_a_full_scan_answers_on_the_real_plans(clause_views):
    regions = [*sorted({c.region for c in clause_views}), "北京市"]
    assert_map_equals_full_scan(clause_views, regions)
    refs = ReferenceMap(clause_views)
    for doc_id in refs.plans:
        plan = [c for c in clause_views if c.doc_id == doc_id]
        assert refs.first(doc_id) is plan[0]
        assert refs.has_boxes(doc_id) == any(c.kind == "box_item" for c in plan)
        assert refs.has_indicators(doc_id) == any(c.kind == "indicator" for c in plan)


def test_the_map_answers_what_a_full_scan_answers_on_ten_copies_of_the_plans(clause_views, catalog):
    generator = CorpusGenerator(clause_views, 10, catalog=catalog)
    corpus = [view for group in generator.clauses() for view in group]
    regions = sorted({c.region for c in corpus})
    assert len(regions) == 50
    assert_map_equals_full_scan(corpus, regions[::5] + sorted({c.region for c in clause_views}))


def test_the_typed_references_of_the_lookups_resolve(clause_views):
    refs = ReferenceMap(clause_views)
    found = {
        text: [c.id for c in refs.find(parse_reference(text), region)]
        for text, region in [
            ("同心县专栏3第1项", "同心县"),
            ("朔州 专栏9 第2项", "朔州市"),
            ("张掖 三（二）4", "张掖市"),
            ("茌平 指标 11", "茌平区"),
        ]
    }
    assert found == {
        "同心县专栏3第1项": ["tongxin:box3.1"],
        "朔州 专栏9 第2项": ["shuozhou:box9.2"],
        "张掖 三（二）4": ["zhangye:3.2.4"],
        "茌平 指标 11": ["chiping:ind11"],
    }


def test_refs_the_plans_do_not_use_yet_resolve_as_a_full_scan_does(clause_views):
    """A heading's own text keyed "3.2" and a deeper item "3.2.4.1" (no plan has them today)."""
    plan = [c for c in clause_views if c.doc_id == "shuozhou"]
    odd = [
        dataclasses.replace(c, id=f"shuozhou:{ref}", ref=ref)
        for c, ref in zip(plan[:4], ["3.2.4.1", "3.2", "3.p2", "box3.1.1"], strict=True)
    ]
    clauses = odd + plan[4:]
    assert_map_equals_full_scan(clauses, ["朔州市"])
    section = ReferenceMap(clauses).in_plan(Reference("section", path=(3, 2)), "shuozhou")
    assert [c.ref for c in section[:2]] == ["3.2.4.1", "3.2"]


def test_a_clause_keyed_otherwise_than_its_plan_and_ref_is_refused(clause_views):
    odd = dataclasses.replace(clause_views[0], id="elsewhere:1.1")
    with pytest.raises(ValueError, match="not keyed"):
        ReferenceMap([odd])
    with pytest.raises(ValueError, match="twice"):
        ReferenceMap([clause_views[0], clause_views[0]])


def test_every_box_item_is_cited_and_spoken_with_the_number_the_plan_prints(clause_views):
    """A grouped box (同心 专栏5, 张掖 专栏2 …) numbers its items afresh in each group: the label and the
    spoken citation say that number, which the parser keeps in `number` ("专栏5 二、残疾人文化 第1项")."""
    boxes = [c for c in clause_views if c.kind is Kind.BOX_ITEM and c.number.startswith("专栏")]
    grouped = [c for c in boxes if "、" in c.number]
    assert len(grouped) > 30
    for clause in boxes:
        assert clause.label == f"{clause.doc_short_title} {clause.number}", clause.id
        item = int(clause.number.rsplit("第", 1)[1].removesuffix("项"))
        assert clause.spoken_label.endswith(f"第{to_chinese(item)}项"), clause.id
