"""A screening's rules as a table a case worker can check against the plans (`planbot screen NAME --table`).

For each region with a plan (and for a place without one), each criterion, every answer the
criterion reads is judged by the engine's own rules, and answers that end the same way are
grouped into one row: the answers, the outcome, the kind of wording it rests on, whether the plan
or the national rule says it, and the clauses (of that region's own plans) it cites. Because the
rows come from judging every answer, not from reading the rule file, the table is what the
screening actually does.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from knowledge.facts import OTHER_PLACE, Fact
from knowledge.screening import BASIS_LABELS, STATUS_LABELS, Clauses, in_plans, ref_label, region_options
from knowledge.screening_rules import KIND_LABELS, Criterion, Range, judge

if TYPE_CHECKING:
    from knowledge.library import Library

_NA = "不涉及"


@dataclass(frozen=True, slots=True)
class Row:
    answers: tuple[tuple[str, str], ...]  # (fact label, the answers, as said: "一级、二级")
    status: str  # "met", "not_met", "unclear" or "na"
    kind: str  # screening_rules.KINDS, "" for "na" or an answer of 不清楚
    basis: str
    refs: tuple[str, ...]  # clause labels from the region's own plans
    reason: str

    def line(self) -> str:
        said = "；".join(f"{label}：{values}" for label, values in self.answers) or "任何回答"
        if self.status == "na":
            return f"{said} → {_NA}"
        kind = "" if self.kind == "silent" and self.basis == "not_stated" else KIND_LABELS.get(self.kind, "")
        how = [STATUS_LABELS[self.status], BASIS_LABELS.get(self.basis, ""), kind]
        line = f"{said} → {'，'.join(h for h in how if h)}"
        return f"{line}｜依据：{'；'.join(self.refs)}" if self.refs else line


@dataclass(frozen=True, slots=True)
class Section:
    region: str  # "朔州市" or "其他地区"
    plans: tuple[str, ...]  # the short titles of the plans that apply there
    criteria: tuple[tuple[str, tuple[Row, ...]], ...]  # (criterion label, rows)

    def heading(self) -> str:
        applies = "、".join(self.plans) if self.plans else "没有收录的规划，按国家规定"
        return f"== {self.region} · 适用：{applies} =="


def decision_table(library: Library, name: str, clauses: Clauses | None = None) -> list[Section]:
    """The screening judged for every region and every answer, grouped by outcome (with `clauses`,
    citations read as the plans print them: see `ref_label`)."""
    screening = library.screenings[name]
    sections = []
    for option in region_options(library):
        region = library.gazetteer.region_of(option.value) if option.value != OTHER_PLACE else None
        chain = region.chain if region else ()
        plans = region.plans if region else ()
        rows = tuple(
            (criterion.label, _rows(library, criterion, chain, plans, clauses))
            for criterion in screening.criteria
        )
        titles = tuple(library.catalog[d].short_title for d in plans)
        sections.append(Section(option.label if region is None else option.value, titles, rows))
    return sections


def render(library: Library, name: str, clauses: Clauses | None = None) -> str:
    """The table as plain text, one section a region."""
    screening = library.screenings[name]
    lines = [f"{screening.title}（{screening.name}）"]
    for section in decision_table(library, name, clauses):
        lines += ["", section.heading()]
        for label, rows in section.criteria:
            lines.append(f"[{label}]")
            lines += [f"  · {row.line()}" for row in rows]
    return "\n".join(lines)


def as_json(library: Library, name: str, clauses: Clauses | None = None) -> list[dict[str, Any]]:
    return [asdict(section) for section in decision_table(library, name, clauses)]


# ---------------------------------------------------------------------------------------- internals


def answer_space(library: Library, criterion: Criterion) -> tuple[list[str], list[list[Any]]]:
    """The facts a criterion reads (not the region) and, for each, every answer that can make a
    difference (numbers as ranges cut at the rules' bounds; 不清楚 where allowed)."""
    names = list(dict.fromkeys(name for case in criterion.cases for name, _ in case.when))
    return names, [_values(library.facts[n], criterion) for n in names]


def every_answer(library: Library, criterion: Criterion) -> list[dict[str, Any]]:
    """Every combination of answers to the facts a criterion reads, as facts to judge."""
    names, spaces = answer_space(library, criterion)
    return [dict(zip(names, (_value(v) for v in combo), strict=True)) for combo in itertools.product(*spaces)]


def _rows(
    library: Library,
    criterion: Criterion,
    chain: Sequence[str],
    plans: Sequence[str],
    clauses: Clauses | None = None,
) -> tuple[Row, ...]:
    names, spaces = answer_space(library, criterion)
    facts = [library.facts[n] for n in names]
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for combo in itertools.product(*spaces):
        judged = judge(criterion, dict(zip(names, (_value(v) for v in combo), strict=True)), chain)
        groups.setdefault((judged.index, judged.status, judged.unsure), []).append(combo)
    rows = []
    for (index, status, unsure), combos in groups.items():
        case = criterion.cases[index] if index < len(criterion.cases) and not unsure else None
        own = in_plans(case.refs, plans) if case else []  # the asker's own plan first, as results do
        refs = tuple(ref_label(library, r, clauses) for r in own)
        reason = case.reason if case else (criterion.unsure or "")
        for part in _products(combos):
            answers = tuple(
                (fact.label, "、".join(_said(fact, v) for v in _joined(values)))
                for fact, values, space in zip(facts, part, spaces, strict=True)
                if len(values) < len(space)
            )
            rows.append(
                Row(answers, status, case.kind if case else "", case.basis if case else "", refs, reason)
            )
    return tuple(rows)


def _values(fact: Fact, criterion: Criterion) -> list[Any]:
    """Every answer that can make a difference: a number's ranges cut at every bound the rules use."""
    singles = {o.low for o in fact.options if o.low is not None and o.low == o.high}
    if fact.type == "number" and singles >= set(range(fact.low or 0, (fact.high or 0) + 1)):
        values: list[Any] = [o.stored for o in fact.options]  # a few numbers, each with a name (一级…四级)
    elif fact.type == "number":
        assert fact.low is not None and fact.high is not None
        cuts = {fact.low, fact.high + 1}
        for case in criterion.cases:
            for name, wanted in case.when:
                if name != fact.name:
                    continue
                if isinstance(wanted, Range):
                    cuts |= {wanted[0], wanted[1] + 1}
                else:
                    for n in wanted if isinstance(wanted, tuple) else (wanted,):
                        cuts |= {n, n + 1}
        bounds = sorted(c for c in cuts if fact.low <= c <= fact.high + 1)
        values = [(lo, hi - 1) for lo, hi in itertools.pairwise(bounds)]
    else:
        values = [o.stored for o in fact.options]
    return [*values, None] if fact.allows_unsure else values


def _joined(values: Sequence[Any]) -> list[Any]:
    """Number ranges that touch become one (16–59 and 60–120 → 16–120)."""
    out: list[Any] = []
    for value in values:
        last = out[-1] if out else None
        if isinstance(value, tuple) and isinstance(last, tuple) and last[1] + 1 == value[0]:
            out[-1] = (last[0], value[1])
        else:
            out.append(value)
    return out


def _value(value: Any) -> Any:
    """A number range stands for its first number: the rules cut ranges only at their bounds."""
    return value[0] if isinstance(value, tuple) else value


def _said(fact: Fact, value: Any) -> str:
    if value is None:
        return fact.unsure_label or "不清楚"
    if isinstance(value, tuple):
        low, high = value
        return fact.display(low) if low == high else f"{low}–{high}{fact.unit}"
    return fact.display(value)


def _products(combos: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], ...]]:
    """Split a set of answer combinations into few rectangular blocks (each fact: a list of answers)."""
    if not combos or not combos[0]:
        return [()]
    columns = [list(dict.fromkeys(c[i] for c in combos)) for i in range(len(combos[0]))]
    size = 1
    for column in columns:
        size *= len(column)
    if size == len(set(combos)):
        return [tuple(tuple(c) for c in columns)]
    split = next(i for i, column in enumerate(columns) if len(column) > 1)
    parts: dict[Any, list[tuple[Any, ...]]] = {}
    for combo in combos:
        parts.setdefault(combo[split], []).append(combo)
    blocks: list[tuple[tuple[Any, ...], ...]] = []
    for part in parts.values():
        blocks += _products(part)
    return _merge(blocks)


def _merge(blocks: list[tuple[tuple[Any, ...], ...]]) -> list[tuple[tuple[Any, ...], ...]]:
    """Blocks that differ in one fact only become one ("三级；智力" and "四级；智力" → "三级、四级；智力")."""
    merged = True
    while merged:
        merged = False
        for a, b in itertools.combinations(range(len(blocks)), 2):
            differ = [i for i in range(len(blocks[a])) if set(blocks[a][i]) != set(blocks[b][i])]
            if len(differ) == 1:
                i = differ[0]
                joined = list(blocks[a])
                joined[i] = tuple(dict.fromkeys((*blocks[a][i], *blocks[b][i])))
                blocks = [blk for k, blk in enumerate(blocks) if k not in (a, b)] + [tuple(joined)]
                merged = True
                break
    return blocks
