"""Screening definitions (knowledge/data/screenings/*.toml) and the rules that judge facts.

A screening is data a policy worker can edit: the facts it asks for, in order, and its
criteria. Each criterion is an ordered list of cases; the first case that applies to the
person decides the criterion ("met", "not_met", "unclear" or "na" for not applicable) and
carries the reason and the plan clauses it rests on. A case applies when one of its
``regions`` is in the person's chain of covered plan regions (a 应县 person's chain is 朔州市,
山西省: the gazetteer's one hierarchy; "其他" matches a place no covered plan applies to) and
every fact in its ``when`` table matches: a value, a list of values, or a ``{min, max}`` range.
A case without ``regions`` is the national rule: it decides wherever no regional case does, so
a place without a plan reads the national rule exactly as a covered place whose plan is silent.

Every case says what kind of wording it rests on (``kind``), and each kind has one outcome
everywhere, so the same words are never read two ways:

  firm       the words decide: "met" or "not_met" as the case says
  open       有条件的地方可…, 逐步扩大…, 可…延伸: whether it reaches the person is the place's choice
             → "unclear", and the reason says where to confirm (请向…确认); never "not_met"
  intention  推动, 探索, 鼓励, 研究制定: a plan to do something, not yet a rule → "unclear", 请向…确认
  limited    a set number of places (每年40名) → "met", and the reason says the places are limited
  silent     neither the plan nor a national rule says → "unclear", 请向…确认

Judging works on partial facts: a case that needs a fact nobody has given yet makes the
criterion "pending" on that fact, which is how the conversation knows what to ask next and
how it stops early once the outcome cannot change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.datafile import DataError, read_toml
from knowledge.facts import OTHER_PLACE, Fact
from knowledge.plans import PlanMeta
from knowledge.refs import ClauseRef
from knowledge.regions import Gazetteer

MAX_QUESTIONS = 7  # counting the consent question; best-in-class screeners ask no more
RESULTS = ("met", "not_met", "unclear", "na")
BASES = ("plan", "national", "not_stated")
OTHER_REGION = OTHER_PLACE  # in a case's `regions`: a place no covered plan applies to

#: The kinds of wording a case can rest on, and the one result each gives (None: the case says).
KINDS: Mapping[str, str | None] = {
    "firm": None,
    "open": "unclear",
    "intention": "unclear",
    "limited": "met",
    "silent": "unclear",
}
KIND_LABELS = {
    "firm": "明确规定",
    "open": "有条件的地方可以做",
    "intention": "计划推动、探索",
    "limited": "名额有限",
    "silent": "没有写明",
}
#: What a reason must say for each kind, so a person knows what to do with an open answer.
_KIND_WORDS = {"open": "确认", "intention": "确认", "silent": "确认", "limited": "名额"}


class Range(tuple):
    """A ``{min, max}`` condition, told apart from a list of two allowed values."""

    __slots__ = ()


class ScreeningError(DataError):
    """A screening file is malformed; the message names the file and the field."""


#: Whom a screening's questions are about. Facts about a person (age, certificate, grade…) carry over only
#: between screenings about the same one; FAMILY_FACTS hold for the whole family and always do.
SUBJECTS = ("asker", "child")
FAMILY_FACTS = frozenset({"region", "household"})


@dataclass(frozen=True, slots=True)
class Case:
    result: str  # one of RESULTS
    reason: str
    basis: str = ""  # one of BASES; "" only for "na"
    regions: tuple[str, ...] = ()  # empty: the national rule, for every region
    when: tuple[tuple[str, Any], ...] = ()  # (fact, wanted) pairs, all must match
    refs: tuple[str, ...] = ()  # "<doc_id>:<ref>"
    kind: str = ""  # one of KINDS; "" only for "na"

    def facts(self) -> set[str]:
        names = {name for name, _ in self.when}
        return names | {"region"} if self.regions else names


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    label: str
    cases: tuple[Case, ...]
    unsure: str = ""  # the reason given when the person did not know a fact this criterion reads


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    regions: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Screening:
    name: str
    title: str
    intro: str
    questions: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    apply_where: str
    bring: tuple[str, ...]
    decided_by: str
    regional_where: tuple[tuple[tuple[str, ...], str], ...] = ()
    notes: tuple[Note, ...] = ()
    wording: Mapping[str, str] = field(default_factory=dict)
    amount: str = ""
    order: int = 100
    subject: str = (
        "asker"  # whom the questions are about: the asker (or the family member they ask for), or a child
    )

    def cited(self) -> list[tuple[str, str]]:
        """(where in the file, clause key) for every clause the screening cites."""
        out = [
            (f"criteria.{c.id}.cases[{i}].refs", ref)
            for c in self.criteria
            for i, case in enumerate(c.cases)
            for ref in case.refs
        ]
        out += [(f"notes[{i}].refs", ref) for i, note in enumerate(self.notes) for ref in note.refs]
        return out


# ---------------------------------------------------------------------------------------- regions


def region_applies(regions: Iterable[str], chain: Sequence[str] | None) -> bool:
    """Whether an entry for ``regions`` applies to a person whose covered chain is ``chain``
    (朔州市, 山西省 for 应县; () where no covered plan applies; None while the region is unknown)."""
    if chain is None:
        return False
    wanted = set(regions)
    return bool(wanted & set(chain)) or (not chain and OTHER_REGION in wanted)


@dataclass(frozen=True, slots=True)
class Places:
    """What a screening file may name: the covered regions, each one's chain, and which plan is whose."""

    chains: Mapping[str, tuple[str, ...]]  # covered region → its covered chain, itself first
    plan_region: Mapping[str, str]  # doc_id → the region of that plan

    @classmethod
    def of(cls, gazetteer: Gazetteer, catalog: Mapping[str, PlanMeta]) -> Places:
        covered = gazetteer.covered_regions
        return cls(
            chains={name: gazetteer.region_of(name).chain for name in covered},
            plan_region={doc_id: meta.region for doc_id, meta in catalog.items()},
        )

    def ref_region(self, ref: str) -> str:
        return self.plan_region.get(ref.split(":", 1)[0], "")

    def reached(self, regions: Iterable[str]) -> list[str]:
        """The covered regions an entry for ``regions`` applies to (山西省 reaches 朔州市 too)."""
        wanted = set(regions)
        return [name for name, chain in self.chains.items() if wanted & set(chain)]

    def shared(self, regions: Iterable[str]) -> set[str]:
        """The covered regions every person an entry reaches has in their chain: the only ones its text
        may name (a 山西省 entry is read in 大同 too, so it must not name 朔州市)."""
        reached = self.reached(regions)
        chains = [set(self.chains[r]) for r in reached]
        return set.intersection(*chains) if chains else set()


# ---------------------------------------------------------------------------------------- loading


def _fail(path: Path, where: str, message: str) -> ScreeningError:
    return ScreeningError(f"{path}: {where}: {message}")


def _text(path: Path, where: str, table: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(path, where, f"{key!r} must be a non-empty string")
    return value.strip()


def _strings(path: Path, where: str, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, f"{key!r} must be a list of strings")
    return tuple(value)


def _regions(path: Path, where: str, table: Mapping[str, Any], places: Places) -> tuple[str, ...]:
    regions = _strings(path, where, table, "regions")
    known = [*places.chains, OTHER_REGION]
    unknown = set(regions) - set(known)
    if unknown:
        raise _fail(path, where, f"unknown region(s) {sorted(unknown)}; known: {known}")
    return regions


def _refs(
    path: Path, where: str, table: Mapping[str, Any], places: Places, regions: Sequence[str]
) -> tuple[str, ...]:
    """The clause keys of an entry. A regional entry may cite only plans that apply where it applies
    (a 朔州市 or 山西省 entry may cite 山西省's plan, a 山西省 entry 朔州市's for the 朔州 people it also
    reaches, never 张掖市's), and every covered region it reaches gets at least one: no reason rests
    on another region's plan (the engine shows each person only their own chain's clauses)."""
    refs = _strings(path, where, table, "refs")
    for ref in refs:
        try:
            known = ClauseRef.parse(ref).doc_id in places.plan_region
        except ValueError:
            known = False
        if not known:
            raise _fail(path, where, f"reference {ref!r} is not '<doc_id>:<ref>' with a known doc_id")
    reached = places.reached(regions)
    if not reached:
        return refs
    for ref in refs:
        if not any(places.ref_region(ref) in places.chains[r] for r in reached):
            raise _fail(path, where, f"{ref!r} is a clause of no plan that applies to {sorted(reached)}")
    if refs:
        for region in reached:
            if not any(places.ref_region(ref) in places.chains[region] for ref in refs):
                raise _fail(path, where, f"none of its clauses is from a plan that applies to {region}")
    return refs


def _wanted(path: Path, where: str, fact: Fact, wanted: Any) -> Any:
    """Check one ``when`` entry against the fact's type; ranges become (low, high) tuples."""
    if isinstance(wanted, dict):
        if fact.type != "number" or not wanted or set(wanted) - {"min", "max"}:
            raise _fail(path, where, f"a range for {fact.name} needs 'min' and/or 'max' and a number fact")
        low, high = wanted.get("min", fact.low), wanted.get("max", fact.high)
        whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high))
        if not whole or not isinstance(low, int) or not isinstance(high, int) or low > high:
            raise _fail(path, where, f"the range for {fact.name} must be whole numbers, min ≤ max")
        return Range((low, high))
    values = wanted if isinstance(wanted, list) else [wanted]
    if not values or not all(fact.is_valid(v) and v is not None for v in values):
        raise _fail(path, where, f"{wanted!r} is not a value of {fact.name}")
    return tuple(values) if isinstance(wanted, list) else wanted


def _result(path: Path, where: str, raw: Mapping[str, Any]) -> tuple[str, str]:
    """(result, kind): the kind of wording decides the result; only a firm rule (or "na") names its own."""
    kind = raw.get("kind", "")
    result = raw.get("result")
    if result == "na":
        if kind:
            raise _fail(path, where, "a 'na' case rests on no wording: drop 'kind'")
        return result, ""
    if kind not in KINDS:
        raise _fail(path, where, f"'kind' must be one of {tuple(KINDS)}, not {kind!r}")
    fixed = KINDS[kind]
    if fixed is None:
        if result not in RESULTS:
            raise _fail(path, where, f"'result' must be one of {RESULTS}, not {result!r}")
        return result, kind
    if result is not None and result != fixed:
        raise _fail(path, where, f"a case of kind {kind!r} is {fixed!r}, not {result!r}")
    words = _KIND_WORDS[kind]
    if words not in str(raw.get("reason", "")):
        raise _fail(path, where, f"the reason of a case of kind {kind!r} must say {words!r}")
    return fixed, kind


def _case(
    path: Path, where: str, raw: Any, facts: Mapping[str, Fact], questions: Sequence[str], places: Places
) -> Case:
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be a table")
    unknown = set(raw) - {"result", "reason", "basis", "regions", "when", "refs", "kind"}
    if unknown:
        raise _fail(path, where, f"unknown key(s) {sorted(unknown)}")
    result, kind = _result(path, where, raw)
    basis = raw.get("basis", "")
    if result != "na" and basis not in BASES:
        raise _fail(path, where, f"'basis' must be one of {BASES}, not {basis!r}")
    when_raw = raw.get("when", {})
    if not isinstance(when_raw, dict):
        raise _fail(path, where, "'when' must be a table such as { disability_grade = [1, 2] }")
    when = []
    for name, wanted in when_raw.items():
        if name not in facts:
            raise _fail(path, where, f"'when' names unknown fact {name!r}")
        if name not in questions:
            raise _fail(path, where, f"'when' reads {name!r}, which is not in 'questions'")
        when.append((name, _wanted(path, f"{where}.when.{name}", facts[name], wanted)))
    regions = _regions(path, where, raw, places)
    if regions and "region" not in questions:
        raise _fail(path, where, "'regions' needs 'region' in 'questions'")
    refs = _refs(path, where, raw, places, regions)
    if basis == "plan" and (not refs or not places.reached(regions)):
        raise _fail(path, where, "a case resting on a plan names its regions and cites their clauses")
    return Case(
        result=result,
        reason=_text(path, where, raw, "reason"),
        basis=basis,
        regions=regions,
        when=tuple(when),
        refs=refs,
        kind=kind,
    )


def _criterion(
    path: Path, index: int, raw: Any, facts: Mapping[str, Fact], questions: Sequence[str], places: Places
) -> Criterion:
    where = f"criteria[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be a table")
    cases = raw.get("cases")
    if not isinstance(cases, list) or not cases:
        raise _fail(path, where, "needs at least one [[criteria.cases]]")
    return Criterion(
        id=_text(path, where, raw, "id"),
        label=_text(path, where, raw, "label"),
        unsure=_text(path, where, raw, "unsure", required=False),
        cases=tuple(
            _case(path, f"{where}.cases[{i}]", c, facts, questions, places) for i, c in enumerate(cases)
        ),
    )


def read_screening(path: Path, vocabulary: Mapping[str, Fact], places: Places) -> Screening:
    """Parse and validate one screening file against the fact vocabulary, the regions and the plans."""
    raw = read_toml(path, ScreeningError)
    allowed = {"name", "title", "intro", "questions", "criteria", "apply", "notes", "wording", "decided_by"}
    unknown = set(raw) - allowed - {"amount", "order", "subject"}
    if unknown:
        raise _fail(path, "top level", f"unknown key(s) {sorted(unknown)}")
    name = _text(path, "top level", raw, "name")
    if name != path.stem or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise _fail(path, "name", f"{name!r} must be ASCII and match the file name {path.stem!r}")
    questions = _strings(path, "questions", raw, "questions")
    if not questions or len(set(questions)) != len(questions):
        raise _fail(path, "questions", "must list each fact once")
    for fact in questions:
        if fact not in vocabulary:
            raise _fail(path, "questions", f"unknown fact {fact!r}; facts.toml defines {list(vocabulary)}")
    asked = len(questions) + any(vocabulary[f].sensitive for f in questions)
    if asked > MAX_QUESTIONS:
        raise _fail(path, "questions", f"{asked} questions (with consent); at most {MAX_QUESTIONS}")
    criteria_raw = raw.get("criteria")
    if not isinstance(criteria_raw, list) or not criteria_raw:
        raise _fail(path, "criteria", "needs at least one [[criteria]]")
    criteria = tuple(
        _criterion(path, i, c, vocabulary, questions, places) for i, c in enumerate(criteria_raw)
    )
    if len({c.id for c in criteria}) != len(criteria):
        raise _fail(path, "criteria", "criterion ids must be unique")
    used = set().union(*(case.facts() for c in criteria for case in c.cases))
    if set(questions) - used:
        raise _fail(path, "questions", f"asks {sorted(set(questions) - used)} but no rule reads them")
    apply = raw.get("apply")
    if not isinstance(apply, dict):
        raise _fail(path, "apply", "needs an [apply] table with 'where' and 'bring'")
    regional = []
    for i, item in enumerate(apply.get("regional", [])):
        where = f"apply.regional[{i}]"
        if not isinstance(item, dict):
            raise _fail(path, where, "must be a table")
        regional.append((_regions(path, where, item, places), _text(path, where, item, "where")))
    notes = []
    for i, item in enumerate(raw.get("notes", [])):
        where = f"notes[{i}]"
        if not isinstance(item, dict):
            raise _fail(path, where, "must be a table")
        regions = _regions(path, where, item, places)
        notes.append(
            Note(_text(path, where, item, "text"), regions, _refs(path, where, item, places, regions))
        )
    wording = raw.get("wording", {})
    if not isinstance(wording, dict) or not all(
        k in questions and isinstance(v, str) for k, v in wording.items()
    ):
        raise _fail(path, "wording", "must map facts in 'questions' to question texts")
    order = raw.get("order", 100)
    if not isinstance(order, int):
        raise _fail(path, "order", "must be a whole number")
    subject = raw.get("subject", "asker")
    if subject not in SUBJECTS:
        raise _fail(path, "subject", f"{subject!r} must be one of {list(SUBJECTS)}")
    return Screening(
        name=name,
        title=_text(path, "title", raw, "title"),
        intro=_text(path, "intro", raw, "intro"),
        questions=questions,
        criteria=criteria,
        apply_where=_text(path, "apply", apply, "where"),
        bring=_strings(path, "apply", apply, "bring"),
        decided_by=_text(path, "decided_by", raw, "decided_by"),
        regional_where=tuple(regional),
        notes=tuple(notes),
        wording=dict(wording),
        amount=_text(path, "amount", raw, "amount", required=False),
        order=order,
        subject=subject,
    )


def read_screenings(
    directory: Path, facts: Mapping[str, Fact], gazetteer: Gazetteer, catalog: Mapping[str, PlanMeta]
) -> dict[str, Screening]:
    """Every screening in ``directory``, in their ``order``, checked against the library's other files."""
    places = Places.of(gazetteer, catalog)
    screenings = [read_screening(p, facts, places) for p in sorted(directory.glob("*.toml"))]
    return {s.name: s for s in sorted(screenings, key=lambda s: (s.order, s.name))}


# ---------------------------------------------------------------------------------------- judging

# How one fact compares with what a case wants.
_YES, _NO, _MISSING, _UNSURE, _ROUGH = "yes", "no", "missing", "unsure", "rough"


def _wants(wanted: Any, value: Any) -> bool:
    if isinstance(wanted, Range):
        return wanted[0] <= value <= wanted[1]
    if isinstance(wanted, tuple):
        return value in wanted
    return value == wanted


def _compare(facts: Mapping[str, Any], name: str, wanted: Any) -> str:
    if name not in facts:
        return _MISSING
    value = facts[name]
    if value is None:
        return _UNSURE
    if isinstance(value, list):  # a number known only as a range [low, high]
        inside = [_wants(wanted, n) for n in range(value[0], value[1] + 1)]
        return _YES if all(inside) else _NO if not any(inside) else _ROUGH
    return _YES if _wants(wanted, value) else _NO


@dataclass(frozen=True, slots=True)
class Judgement:
    """How one criterion stands for the facts known so far."""

    criterion: Criterion
    status: str  # "met", "not_met", "unclear", "na" or "pending"
    case: Case | None = None  # the deciding case
    index: int = 0  # the deciding (or waiting) case's position
    needed: tuple[str, ...] = ()  # pending: facts to ask (or ask again, exactly)
    rough: tuple[str, ...] = ()  # pending: of those, numbers known only as a range
    unsure: tuple[str, ...] = ()  # unclear because the person did not know these facts
    fallback: bool = False  # no case applied: the data has a gap

    @property
    def reason(self) -> str:
        if self.case is not None:
            return self.case.reason
        if self.unsure:
            return self.criterion.unsure or "您对这个问题的回答是“不清楚”，需要进一步确认。"
        return "规划没有写明这种情况，需要向当地有关部门进一步确认。"

    @property
    def basis(self) -> str:
        return self.case.basis if self.case is not None else "not_stated"


def judge(criterion: Criterion, facts: Mapping[str, Any], chain: Sequence[str] | None) -> Judgement:
    """Decide one criterion from the first case that applies; stop at the first unknown.

    ``chain`` is the person's covered plan regions, most specific first (() where none applies),
    None while the region is not known."""
    for index, case in enumerate(criterion.cases):
        states: dict[str, str] = {}
        if case.regions:
            if chain is None:
                states["region"] = _MISSING
            else:
                states["region"] = _YES if region_applies(case.regions, chain) else _NO
        for name, wanted in case.when:
            states[name] = _compare(facts, name, wanted)
        if _NO in states.values():
            continue
        waiting = tuple(n for n, s in states.items() if s in (_MISSING, _ROUGH))
        if waiting:
            rough = tuple(n for n in waiting if states[n] == _ROUGH)
            return Judgement(criterion, "pending", index=index, needed=waiting, rough=rough)
        unsure = tuple(n for n, s in states.items() if s == _UNSURE)
        if unsure:
            return Judgement(criterion, "unclear", index=index, unsure=unsure)
        return Judgement(criterion, case.result, case=case, index=index)
    return Judgement(criterion, "unclear", index=len(criterion.cases), fallback=True)


@dataclass(frozen=True, slots=True)
class Assessment:
    """Where a screening stands: an outcome, or the facts still needed to reach one."""

    screening: Screening
    judgements: tuple[Judgement, ...]
    outcome: str | None  # "eligible", "not_eligible", "unknown"; None while facts are needed
    needed: tuple[str, ...]  # in question order
    rough: tuple[str, ...]
    may_ask: tuple[str, ...]  # every unknown fact a remaining case could still read


def assess(screening: Screening, facts: Mapping[str, Any], chain: Sequence[str] | None) -> Assessment:
    """Judge every criterion; any "not met" ends the screening, any pending fact continues it."""
    judgements = tuple(judge(c, facts, chain) for c in screening.criteria)
    statuses = {j.status for j in judgements}
    needed: set[str] = set()
    rough: set[str] = set()
    may_ask: set[str] = set()
    for j in judgements:
        if j.status != "pending":
            continue
        needed.update(j.needed)
        rough.update(j.rough)
        for case in j.criterion.cases[j.index :]:
            may_ask.update(f for f in case.facts() if f not in facts or f in j.rough)
    if "not_met" in statuses:
        outcome: str | None = "not_eligible"
    elif "pending" in statuses:
        outcome = None
    elif "unclear" in statuses or "met" not in statuses:
        outcome = "unknown"
    else:
        outcome = "eligible"

    def ordered(names: set[str]) -> tuple[str, ...]:
        return tuple(q for q in screening.questions if q in names)

    if outcome is not None:
        return Assessment(screening, judgements, outcome, (), (), ())
    return Assessment(screening, judgements, None, ordered(needed), ordered(rough), ordered(may_ask | needed))
