"""Eligibility screenings as a conversation: state in, answer in, state and prompt out.

The engine is pure: it knows nothing of Telegram, terminals or databases, and holds nothing
between calls. Every call takes the `Library` it works with (its facts, screenings, catalogue
and gazetteer), so a reloaded library is used from the next turn on. A caller keeps the
``State`` (a plain, JSON-friendly dict via ``to_dict``) between turns and renders the
``Prompt`` it gets back. Everything a screening asks and decides is data
(knowledge/data/screenings/*.toml, read by ``knowledge.screening_rules``); adding a screening
needs no code.

The asker's region is a `Region` of the library's one hierarchy: the region question's buttons
are the regions with a plan (and 其他地区), and a typed place anywhere in China ("应县", "大同")
is looked up in the gazetteer, so a 应县 person is judged by the 朔州市 and 山西省 plans. The
state keeps the place's name; the rules read its chain of covered regions.

Each turn accepts an option id from a button ("region:shuozhou"), typed text (an option's
number "2", its label or a word for it, "十六岁", "智力残疾", "跳过") or a command: 返回上一步 /
重新开始 / 退出 (or back / restart / quit, 上一步, 取消, 算了), which always work. Every question
with options lists them numbered in its text, so a person who cannot see buttons (a screen
reader, a voice note, the console) can answer by number. Before the first question about
disability or health, one consent question says what is kept and for how long; only an
explicit yes to it is recorded as ``State.consent == "keep"`` for the storage layer, which does
not persist a "no_keep" state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from knowledge.clause import box_place
from knowledge.facts import (
    MAX_INPUT_CHARS,
    OTHER_PLACE,
    UNSURE_ID,
    Fact,
    FactOption,
    normalise,
    parse_fact_value,
    position,
    read_answer,
)
from knowledge.refs import ClauseRef
from knowledge.screening_rules import (
    FAMILY_FACTS,
    Assessment,
    Judgement,
    Screening,
    assess,
    region_applies,
)

if TYPE_CHECKING:
    from knowledge.library import Library
    from knowledge.regions import Region

__all__ = [
    "CONSENT_KEEP_DAYS",
    "STATE_VERSION",
    "Evaluation",
    "Option",
    "Prompt",
    "Result",
    "State",
    "StateVersionError",
    "answer",
    "control_word",
    "evaluate",
    "in_plans",
    "list_screenings",
    "parse_fact",
    "ref_label",
    "region_of",
    "region_options",
    "start",
]

STATE_VERSION = 2  # bump when State's shape or the fact vocabulary changes incompatibly
CONSENT_KEEP_DAYS = 30  # how long answers are kept when the person agrees; the README quotes it
KEEP, NO_KEEP = "keep", "no_keep"

OUTCOME_LABELS = {"eligible": "可能符合", "not_eligible": "可能不符合", "unknown": "需要进一步确认"}
STATUS_LABELS = {"met": "符合", "not_met": "不符合", "unclear": "需要确认"}
BASIS_LABELS = {"plan": "规划写明", "national": "按国家规定", "not_stated": "规划没有写明"}

BACK, RESTART, QUIT = "back", "restart", "quit"
_COMMAND_WORDS = {
    BACK: {"back", "返回上一步", "返回", "上一步", "上一题", "回到上一步", "退回", "后退"},
    RESTART: {"restart", "重新开始", "重新来", "重来", "从头开始", "从头来", "再来一次", "重新做", "重新"},
    QUIT: {
        "quit",
        "退出",
        "结束",
        "不问了",
        "不做了",
        "不测了",
        "算了",
        "停",
        "取消",
        "exit",
        "stop",
        "cancel",
    },
}
_COMMANDS = {command: frozenset(normalise(w) for w in words) for command, words in _COMMAND_WORDS.items()}
_BUTTON_ID = re.compile(r"([a-z_]+):([a-z0-9_]+)")

#: Typed answers to the consent question: only these, its number or its label mean "keep my answers".
#: A bare "有" or "需要" is not a yes to keeping anything.
_CONSENT_YES = frozenset(
    ["是", "是的", "对", "对的", "嗯", "嗯嗯", "好", "好的", "可以", "行", "同意", "愿意", "ok", "yes", "y"]
)
_CONSENT_NO = frozenset(["不", "不要", "不用", "否", "不是", "不行", "不好", "no", "n", "别"])
_CONSENT_NO_WORDS = ("不保存", "别保存", "不要保存", "不用保存", "不同意", "不愿意", "不存")
_CONSENT_YES_WORDS = ("保存", "同意")

_OTHER_WORDS = ("其他", "其它", "其他地区", "其它地区", "别的地方", "外地", "都不是", "其他地方")


class ClauseLike(Protocol):
    """What a result needs of a clause: the parser's ParsedClause and the store's ClauseView both fit."""

    @property
    def doc_id(self) -> str: ...
    @property
    def path(self) -> tuple[str, ...]: ...
    @property
    def number(self) -> str: ...
    @property
    def text(self) -> str: ...


Clauses = Mapping[str, ClauseLike] | Callable[[str], ClauseLike | None]


class StateVersionError(ValueError):
    """A stored state was written by another version of the engine; start the screening again."""


# ---------------------------------------------------------------------------------------- data types


@dataclass(frozen=True, slots=True)
class Option:
    id: str  # what a button sends back
    label: str


CONTROLS = (Option(BACK, "返回上一步"), Option(RESTART, "重新开始"), Option(QUIT, "退出"))


@dataclass(slots=True)
class State:
    """Everything the engine needs between turns; ``to_dict`` is JSON-serialisable."""

    screening: str
    facts: dict[str, Any] = field(default_factory=dict)
    consent: str | None = None  # "keep", "no_keep", or None before the consent question
    pending: dict[str, Any] | None = None  # {"kind": "fact", "fact": …, "exact": bool} or {"kind": "consent"}
    history: list[dict[str, Any]] = field(default_factory=list)  # facts and consent before each answer
    status: str = "asking"  # "asking", "done" (result shown) or "ended" (the person quit)
    version: int = STATE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], library: Library | None = None) -> State:
        """Rebuild a state; raises StateVersionError for another version, ValueError if malformed
        (with a library: also for a screening, fact or place it does not know)."""
        version = data.get("version")
        if version != STATE_VERSION:
            raise StateVersionError(f"state version {version!r}, this engine reads {STATE_VERSION}")
        try:
            state = cls(
                screening=str(data["screening"]),
                facts=dict(data.get("facts") or {}),
                consent=data.get("consent"),
                pending=dict(data["pending"]) if data.get("pending") else None,
                history=[
                    {"facts": dict(h["facts"]), "consent": h.get("consent")} for h in data.get("history", [])
                ],
                status=str(data.get("status", "asking")),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed screening state: {exc}") from exc
        if state.status not in ("asking", "done", "ended"):
            raise ValueError(f"malformed screening state: status {state.status!r}")
        if state.consent not in (None, KEEP, NO_KEEP):
            raise ValueError(f"malformed screening state: consent {state.consent!r}")
        if library is not None:
            if state.screening not in library.screenings:
                raise ValueError(f"malformed screening state: screening {state.screening!r}")
            _check_facts(library, state.facts)
        return state


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    label: str
    status: str  # "met", "not_met" or "unclear"
    reason: str
    basis: str  # "plan", "national" or "not_stated"
    refs: tuple[str, ...]
    kind: str = ""  # the kind of wording it rests on (screening_rules.KINDS); "" when nothing decided

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS[self.basis]


@dataclass(frozen=True, slots=True)
class Result:
    """What a screening concluded, ready for the console and Telegram to render."""

    screening: str
    title: str
    outcome: str  # "eligible", "not_eligible" or "unknown"
    criteria: tuple[CriterionResult, ...]
    notes: tuple[str, ...]
    refs: tuple[str, ...]  # "<doc_id>:<ref>", only plans covering the person's region
    sources: tuple[dict[str, str], ...]  # refs resolved to clauses, when a clause index was given
    how_to_apply: str
    what_to_bring: tuple[str, ...]
    amount: str
    disclaimer: str
    answers: tuple[tuple[str, str], ...]  # (fact label, answer as said) for the summary
    summary: str  # a short plain text to forward to a case worker
    ref_labels: Mapping[str, str] = field(default_factory=dict)  # ref → "朔州市规划 专栏2 第3项"
    subject: str = "asker"  # whom it is about (Screening.subject)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def text(self) -> str:
        """The full result as plain text: no tables, no emoji, one idea a line."""
        outcome = _OUTCOME_SENTENCES[self.outcome].format(who=_WHO[self.subject])
        lines = [f"{self.title}：{self.outcome_label}", outcome, ""]
        for c in self.criteria:
            lines.append(f"{c.label}：{c.status_label}（{c.basis_label}）。{c.reason}")
            if c.refs:
                lines.append("依据：" + "；".join(self.ref_labels.get(r, r) for r in c.refs))
        if self.notes:
            lines += ["", *self.notes]
        if self.amount:
            lines += ["", self.amount]
        lines += ["", f"怎么申请：{self.how_to_apply}", "需要准备：" + "；".join(self.what_to_bring)]
        lines += ["", self.disclaimer]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Prompt:
    kind: Literal["question", "consent", "result", "ended"]
    text: str  # everything to show: notice, question, hint and the options (numbered where numbers pick one)
    options: tuple[Option, ...] = ()
    fact: str | None = None
    step: int = 1  # this question's number in the run
    total_hint: int = 1  # an estimate of how many questions the run will take
    notice: str = ""  # why the question comes again ("没听懂…"), also included in text
    controls: tuple[Option, ...] = CONTROLS
    result: Result | None = None
    question: str = ""  # the question and its hint alone, for speech (no notice, no option list)
    numbered: bool = False  # the options are picked by their number (not for numbers: "3" is three years)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A screening judged from facts at once, for scripts and the CLI."""

    name: str
    outcome: str  # "eligible", "not_eligible" or "unknown"
    missing: list[str]  # facts still needed to decide (the next ones to ask)
    reasons: list[str]
    sources: list[dict[str, str]]  # {"ref", "region", "path", "number", "text"}; [] without clauses
    refs: list[str]
    result: Result | None  # None while facts are missing


_WHO = {"asker": "您", "child": "孩子"}  # whom a screening's result is about (Screening.subject)
_OUTCOME_SENTENCES = {
    "eligible": "根据您的回答，{who}可能符合条件。",
    "not_eligible": "根据您的回答，{who}可能不符合条件。",
    "unknown": "根据您的回答，还不能确定，需要向当地有关部门进一步确认。",
}


# ---------------------------------------------------------------------------------------- public API


def list_screenings(library: Library) -> list[dict[str, str]]:
    """Every screening as {"name", "title"}, in display order."""
    return [{"name": s.name, "title": s.title} for s in library.screenings.values()]


def start(
    library: Library,
    name: str,
    known_facts: Mapping[str, Any] | None = None,
    *,
    region: Region | None = None,
    consent: str | None = None,
    learned_in: str | None = None,
) -> tuple[State, Prompt]:
    """Begin a screening, reusing facts another screening (`learned_in`) already learned, and its
    consent. Facts about a person are reused only when both screenings ask about the same one: a
    parent's certificate is not their child's.

    ``region`` is the asker's region when it is known already (a saved setting): the region
    question is then not asked."""
    screening = _screening(library, name)
    facts = dict(known_facts or {})
    if learned_in is not None and _screening(library, learned_in).subject != screening.subject:
        facts = {k: v for k, v in facts.items() if k in FAMILY_FACTS}
    if region is not None:
        facts["region"] = region.name
    _check_facts(library, facts)
    if consent not in (None, KEEP, NO_KEEP):
        raise ValueError(f"consent must be {KEEP!r}, {NO_KEEP!r} or None")
    state = State(screening=screening.name, facts=facts, consent=consent)
    return _advance(library, state, intro=True)


def answer(
    library: Library, state: State | Mapping[str, Any], raw: str, *, clauses: Clauses | None = None
) -> tuple[State, Prompt]:
    """Take one answer (typed text, an option id or a command) and return the next prompt.

    Never raises for anything a person can type: unreadable input re-asks the question with a
    short notice. ``state`` may be a State or its ``to_dict()``; ``clauses`` (the parser's
    clause index, or a lookup function) fills the result's sources.
    """
    state = State.from_dict(state.to_dict() if isinstance(state, State) else state, library)
    text = raw[:MAX_INPUT_CHARS] if isinstance(raw, str) else ""
    command = _command(text)
    if command == QUIT:
        state.status, state.pending = "ended", None
        return state, _ended_prompt(state)
    if command == RESTART:
        return _advance(library, State(screening=state.screening), notice="好的，我们从头开始。", intro=True)
    if command == BACK:
        if not state.history:
            return _advance(library, state, notice="这已经是第一个问题了。", clauses=clauses)
        snapshot = state.history.pop()
        state.facts, state.consent, state.status = snapshot["facts"], snapshot["consent"], "asking"
        return _advance(library, state, notice="好的，回到上一步。", clauses=clauses)
    if state.status == "ended":
        return state, _ended_prompt(state, notice="这次筛查已经结束。")
    if not text.strip():  # nothing typed: show the current question (or result) again
        return _advance(library, state, clauses=clauses)
    if state.status == "done" or state.pending is None:
        notice = "筛查已经完成。想修改回答可以说“返回上一步”，想再做一次可以说“重新开始”。"
        return _advance(library, state, notice=notice, clauses=clauses)
    if state.pending["kind"] == "consent":
        choice = _read_consent(text)
        if choice is None:
            notice = f"{_not_understood(text)}请回复 1 表示同意保存，回复 2 表示不保存。"
            return _advance(library, state, notice=notice, clauses=clauses)
        state.history.append({"facts": dict(state.facts), "consent": state.consent})
        state.consent = choice
        return _advance(library, state, clauses=clauses)
    fact = library.facts[state.pending["fact"]]
    ok, value, notice = _read_fact(library, fact, text, exact=bool(state.pending.get("exact")))
    if not ok:
        return _advance(library, state, notice=notice, clauses=clauses)
    state.history.append({"facts": dict(state.facts), "consent": state.consent})
    state.facts[fact.name] = value
    return _advance(library, state, notice=notice, clauses=clauses)


def evaluate(
    library: Library,
    name: str,
    facts: Mapping[str, Any],
    clauses: Clauses | None = None,
    *,
    region: Region | None = None,
    uncovered: bool = False,
) -> Evaluation:
    """Judge a screening from facts given at once (``--fact region=茌平区 …``).

    The region is a `Region` (``library.region("应县")``), not one of ``facts``; ``uncovered``
    stands for "somewhere no covered plan applies" without naming the place. ``missing`` lists
    the facts the rules need next; while it is not empty the outcome is "unknown" unless a
    criterion already rules the person out.
    """
    screening = _screening(library, name)
    if "region" in facts:
        raise ValueError("pass the region as a Region (library.region(...)), not as a fact")
    facts = dict(facts)
    if region is not None:
        facts["region"] = region.name
    elif uncovered:
        facts["region"] = OTHER_PLACE
    _check_facts(library, facts)
    assessment = assess(screening, facts, _chain(library, facts))
    if assessment.outcome is None:
        reasons = [_reason_line(j) for j in assessment.judgements if j.status in STATUS_LABELS]
        labels = "、".join(library.facts[f].label for f in assessment.needed)
        reasons.append(f"还需要知道：{labels}。")
        return Evaluation(name, "unknown", list(assessment.needed), reasons, [], [], None)
    result = _result(library, assessment, facts, clauses)
    return Evaluation(
        name=name,
        outcome=result.outcome,
        missing=[],
        reasons=[f"{c.label}：{c.status_label}（{c.basis_label}）。{c.reason}" for c in result.criteria],
        sources=list(result.sources),
        refs=list(result.refs),
        result=result,
    )


def parse_fact(library: Library, name: str, raw: str) -> Any:
    """Read a value given on a command line (``--fact disability_grade=3``); the region is read by the
    gazetteer ("应县", "大同", or 其他 for an unnamed place without a plan). Raises ValueError."""
    if name not in library.facts:
        raise ValueError(f"unknown fact {name!r}; known facts: {', '.join(library.facts)}")
    if library.facts[name].type != "place":
        return parse_fact_value(library.facts[name], raw)
    text = raw.strip()
    if normalise(text) in {normalise(w) for w in _OTHER_WORDS}:
        return OTHER_PLACE
    found = library.region(text)
    if found is None:
        raise ValueError(f"cannot read {raw!r} as a place; name a province, city or county (应县, 大同)")
    return found.name


def region_of(library: Library, facts: Mapping[str, Any]) -> Region | None:
    """The asker's region as the gazetteer's Region; None when not known or given only as 其他地区."""
    value = facts.get("region")
    if not isinstance(value, str) or value not in library.gazetteer.places:
        return None
    return library.gazetteer.region_of(value)


def region_options(library: Library) -> tuple[FactOption, ...]:
    """The region question's buttons, made from the one hierarchy: each region with a plan, labelled
    by where it lies ("山西省朔州市", "山西省其他市县" for the rest of a province with a city of its own),
    then 其他地区. A region's names in the gazetteer are its aliases."""
    gazetteer = library.gazetteer
    covered = library.covered_regions

    chains = {name: gazetteer.region_of(name).chain for name in covered}

    def group(name: str) -> tuple[int, int]:
        """Regions under one covered province together, where the first of them stands in the
        catalogue; a province's own plan after its cities'."""
        top = chains[name][-1]
        return min(i for i, r in enumerate(covered) if top in chains[r]), -len(chains[name])

    options = []
    for name in sorted(covered, key=group):
        place = gazetteer.places[name]
        path = list(reversed(gazetteer.chain(name)))
        top = gazetteer.places[path[0]]
        words = [top.aliases[0] if top.aliases and len(top.name) > 3 else top.name, *path[1:]]
        inside = [r for r in covered if r != name and name in gazetteer.chain(r)]
        label = f"{''.join(words)}其他市县" if inside else "".join(words)
        doc_id = next(d for d, meta in library.catalog.items() if meta.region == name)
        options.append(FactOption(doc_id, label, value=name, aliases=(name, *place.aliases)))
    options.append(FactOption("other", "其他地区", value=OTHER_PLACE, aliases=_OTHER_WORDS))
    return tuple(options)


def ref_label(library: Library, ref: str, clauses: Clauses | None = None) -> str:
    """A reference as a reader finds it in the plan: "chiping:box2.3" → "茌平区规划 专栏2 第3项".

    With `clauses`, a box item in a sub-group is cited as the plan prints it ("张掖市规划 专栏2
    二、服务类 第2项"); the ref alone counts the box's items straight through its groups."""
    cref = ClauseRef.parse(ref)
    meta = library.catalog.get(cref.doc_id)
    clause = _lookup(clauses)(ref) if clauses is not None else None
    place = box_place(clause.path, clause.number) if clause is not None else ("", None)
    return cref.label(meta.short_title if meta else cref.doc_id, *place)


def _lookup(clauses: Clauses) -> Callable[[str], ClauseLike | None]:
    return clauses.get if isinstance(clauses, Mapping) else clauses


def resolve_sources(library: Library, refs: Sequence[str], clauses: Clauses) -> list[dict[str, str]]:
    """Refs resolved to clauses as {"ref", "region", "path", "number", "text"}; unknown refs are skipped."""
    lookup = _lookup(clauses)
    sources = []
    for ref in refs:
        clause = lookup(ref)
        if clause is None:
            continue
        meta = library.catalog.get(clause.doc_id)
        sources.append(
            {
                "ref": ref,
                "region": meta.region if meta else "",
                "path": " › ".join(clause.path),
                "number": clause.number,
                "text": clause.text,
            }
        )
    return sources


# ---------------------------------------------------------------------------------------- internals


def _screening(library: Library, name: str) -> Screening:
    if name not in library.screenings:
        raise KeyError(f"unknown screening {name!r}; known: {', '.join(library.screenings)}")
    return library.screenings[name]


def _check_facts(library: Library, facts: Mapping[str, Any]) -> None:
    vocabulary = library.facts
    for name, value in facts.items():
        if name not in vocabulary:
            raise ValueError(f"unknown fact {name!r}; known facts: {', '.join(vocabulary)}")
        if not vocabulary[name].is_valid(value):
            raise ValueError(f"{value!r} is not a valid value for {name}")
        place = vocabulary[name].type == "place"
        if place and value != OTHER_PLACE and value not in library.gazetteer.places:
            raise ValueError(f"{value!r} is not a place regions.toml knows")


def _chain(library: Library, facts: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The covered plan regions that apply to the asker, most specific first; None while unknown."""
    if "region" not in facts:
        return None
    region = region_of(library, facts)
    return region.chain if region is not None else ()


def _plans(library: Library, facts: Mapping[str, Any]) -> tuple[str, ...]:
    region = region_of(library, facts)
    return region.plans if region is not None else ()


def _options(library: Library, fact: Fact) -> tuple[FactOption, ...]:
    return region_options(library) if fact.type == "place" else fact.options


def _command(text: str) -> str | None:
    word = normalise(text.strip().lstrip("/"))
    return next((command for command, words in _COMMANDS.items() if word in words), None)


def _not_understood(text: str) -> str:
    shown = text.strip()[:20]
    heard = f"“{shown}”" if shown else "您的回答"
    return f"抱歉，我没能理解{heard}。"


def _read_consent(text: str) -> str | None:
    """KEEP only for an explicit yes to keeping the answers; NO_KEEP for any no; None to ask again."""
    button = _BUTTON_ID.fullmatch(text.strip())
    if button and button[1] == "consent" and button[2] in (KEEP, NO_KEEP):
        return button[2]
    word = normalise(text)
    at = position(word, 2)
    if at is not None:
        return KEEP if at == 1 else NO_KEEP
    if word in _CONSENT_NO or any(w in word for w in _CONSENT_NO_WORDS):
        return NO_KEEP
    if word in _CONSENT_YES or any(w in word for w in _CONSENT_YES_WORDS):
        return KEEP
    return None


def _read_fact(library: Library, fact: Fact, text: str, *, exact: bool) -> tuple[bool, Any, str]:
    """(ok, value, notice) for an answer to ``fact``: a button id or typed text.

    The notice says why an answer was not taken, or how a place name was understood
    ("大同" is in 山西省): a region typed as any place of China is looked up in the gazetteer.
    """
    options = _options(library, fact)
    button = _BUTTON_ID.fullmatch(text.strip())
    if button:
        if button[1] != fact.name:
            return False, None, "这个按钮属于前面的问题。请回答下面这个问题。"
        if button[2] == UNSURE_ID and fact.allows_unsure:
            return True, None, ""
        if exact and button[2].isdigit():
            number = int(button[2])
            if fact.low is not None and fact.high is not None and fact.low <= number <= fact.high:
                return True, number, ""
        option = None if exact else next((o for o in options if o.id == button[2]), None)
        if option is not None:
            return True, option.stored, ""
        return False, None, "这个按钮已经失效了。请回答下面这个问题。"
    if fact.type == "place":
        return _read_place(library, fact, text, options)
    reading = read_answer(fact, text, exact=exact, options=options)
    if reading.ok:
        return True, reading.value, ""
    return False, None, f"{_not_understood(text)}{reading.problem}"


def _read_place(
    library: Library, fact: Fact, text: str, options: Sequence[FactOption]
) -> tuple[bool, Any, str]:
    """A region answer: an option's number, label or name, else any place the gazetteer knows."""
    word = normalise(text)
    at = position(word, len(options))
    named = [o for o in options if word in {normalise(n) for n in (o.label, *o.aliases)}]
    if at is not None or len(named) == 1:
        return True, (options[at - 1] if at is not None else named[0]).stored, ""
    found = library.region(text.strip())
    if found is None:
        reading = read_answer(fact, text, options=options)  # a label with a slip in it
        if reading.ok:
            return True, reading.value, ""
        return False, None, f"{_not_understood(text)}请说市、县或区的名字，或者回复选项前的数字。"
    if found.chain and found.name == found.home:
        return True, found.name, ""
    if found.chain:
        plans = "和".join(library.catalog[d].short_title for d in found.plans)
        return True, found.name, f"您说的是{found.name}，按{plans}来看。"
    return True, found.name, f"{found.name}的规划暂未收录，按国家规定来看。"


def _advance(
    library: Library,
    state: State,
    *,
    notice: str = "",
    intro: bool = False,
    clauses: Clauses | None = None,
) -> tuple[State, Prompt]:
    """Ask the next needed question, the consent question, or show the result."""
    screening = _screening(library, state.screening)
    assessment = assess(screening, state.facts, _chain(library, state.facts))
    step = len(state.history) + 1
    if assessment.outcome is not None:
        state.status, state.pending = "done", None
        result = _result(library, assessment, state.facts, clauses)
        text = "\n\n".join(t for t in (notice, result.text()) if t)
        done = max(step - 1, 1)
        return state, Prompt("result", text, step=done, total_hint=done, notice=notice, result=result)
    state.status = "asking"
    vocabulary = library.facts
    consent_due = state.consent is None and any(vocabulary[f].sensitive for f in assessment.may_ask)
    total = max(step - 1 + len(assessment.may_ask) + consent_due, step)
    name = assessment.may_ask[0]  # the author's order, skipping facts no remaining rule reads
    fact = vocabulary[name]
    lead = "\n\n".join(t for t in (screening.intro if intro and step == 1 else "", notice) if t)
    if fact.sensitive and state.consent is None:
        state.pending = {"kind": "consent"}
        consent: tuple[Option, ...] = (
            Option("consent:keep", f"继续，保存{CONSENT_KEEP_DAYS}天"),
            Option("consent:no_keep", "继续，但不保存"),
        )
        question = _consent_text()
        text = _compose(lead, question, _numbered(consent))
        prompt = Prompt("consent", text, consent, None, step, total, notice, question=question, numbered=True)
        return state, prompt
    exact = name in assessment.rough
    state.pending = {"kind": "fact", "fact": name, "exact": exact}
    question = screening.wording.get(name, fact.question)
    if exact:
        low, high = state.facts[name]
        question = f"{question}请告诉我具体的数字（{low}到{high}之间）。"
        options: tuple[Option, ...] = (
            tuple(Option(f"{name}:{n}", f"{n}{fact.unit}") for n in range(low, high + 1))
            if high - low < 12
            else ()
        )
    else:
        options = tuple(Option(f"{name}:{o.id}", o.label) for o in _options(library, fact))
        if fact.allows_unsure:
            options += (Option(f"{name}:{UNSURE_ID}", fact.unsure_label),)
    body = question if exact or not fact.hint else f"{question}\n{fact.hint}"
    if fact.type == "number":  # "3" is three years old: the options are said, not numbered
        listed = f"也可以说：{'、'.join(o.label for o in options)}" if options else ""
        text = _compose(lead, body, listed)
        return state, Prompt("question", text, options, name, step, total, notice, question=body)
    text = _compose(lead, body, _numbered(options))
    return state, Prompt("question", text, options, name, step, total, notice, question=body, numbered=True)


def _numbered(options: Sequence[Option]) -> str:
    lines = [f"{i}. {o.label}" for i, o in enumerate(options, 1)]
    return "\n".join([*lines, "请回复选项前的数字，或者直接说。"])


def _compose(lead: str, body: str, listed: str) -> str:
    question = "\n".join(t for t in (body, listed) if t)
    return "\n\n".join(t for t in (lead, question) if t)


def _consent_text() -> str:
    return (
        "接下来要问是否有残疾人证、残疾情况或家庭经济情况，这些属于敏感个人信息。\n"
        f"如果您同意，我们只保存这次筛查里您的回答，最多保存{CONSENT_KEEP_DAYS}天，方便您下次不用重复回答。\n"
        "您也可以选择不保存，照样可以继续，回答只用于这一次判断。"
    )


def _ended_prompt(state: State, notice: str = "") -> Prompt:
    text = "好的，已经退出这次筛查。需要的时候随时可以再来，说“重新开始”就能从头做。"
    return Prompt(
        "ended", "\n\n".join(t for t in (notice, text) if t), step=len(state.history) + 1, notice=notice
    )


def _reason_line(j: Judgement) -> str:
    return f"{j.criterion.label}：{STATUS_LABELS[j.status]}（{BASIS_LABELS[j.basis]}）。{j.reason}"


def in_plans(refs: Sequence[str], plans: Sequence[str]) -> list[str]:
    """The references to the asker's own plans, the most specific plan's first."""
    kept = [r for r in dict.fromkeys(refs) if r.split(":", 1)[0] in plans]
    return sorted(kept, key=lambda r: plans.index(r.split(":", 1)[0]))


def _result(
    library: Library, assessment: Assessment, facts: Mapping[str, Any], clauses: Clauses | None
) -> Result:
    screening = assessment.screening
    assert assessment.outcome is not None
    chain = _chain(library, facts)
    plans = _plans(library, facts)
    criteria = tuple(
        CriterionResult(
            id=j.criterion.id,
            label=j.criterion.label,
            status=j.status,
            reason=j.reason,
            basis=j.basis,
            refs=tuple(in_plans(j.case.refs if j.case else (), plans)),
            kind=j.case.kind if j.case else "",
        )
        for j in assessment.judgements
        if j.status in STATUS_LABELS
    )
    chain_notes = [n for n in screening.notes if not n.regions or region_applies(n.regions, chain)]
    refs = list(
        dict.fromkeys(
            [r for c in criteria for r in c.refs] + in_plans([r for n in chain_notes for r in n.refs], plans)
        )
    )
    where = next(
        (text for regions, text in screening.regional_where if region_applies(regions, chain)),
        screening.apply_where,
    )
    vocabulary = library.facts
    answers = tuple(
        (vocabulary[f].label, vocabulary[f].display(facts[f])) for f in screening.questions if f in facts
    )
    disclaimer = (
        f"这只是根据公开规划做的初步判断，不是审批结果。能不能享受，最终由{screening.decided_by}审核决定。"
    )
    if any(c.basis == "national" for c in criteria):
        disclaimer = "标有“按国家规定”的条件，是国家统一的规定，规划本身没有写细则。" + disclaimer
    result = Result(
        screening=screening.name,
        title=screening.title,
        outcome=assessment.outcome,
        criteria=criteria,
        notes=tuple(n.text for n in chain_notes),
        refs=tuple(refs),
        sources=tuple(resolve_sources(library, refs, clauses)) if clauses is not None else (),
        how_to_apply=where,
        what_to_bring=screening.bring,
        amount=screening.amount,
        disclaimer=disclaimer,
        answers=answers,
        summary="",
        ref_labels={r: ref_label(library, r, clauses) for r in refs},
        subject=screening.subject,
    )
    return _with_summary(result, screening)


def _with_summary(result: Result, screening: Screening) -> Result:
    lines = [f"残疾人福利初步筛查：{result.title}", f"结果：{result.outcome_label}"]
    if result.answers:
        lines.append("情况：" + "；".join(f"{label}：{value}" for label, value in result.answers))
    lines += [f"{c.label}：{c.status_label}。{c.reason}" for c in result.criteria]
    if result.refs:
        lines.append("依据：" + "；".join(result.ref_labels[r] for r in result.refs))
    lines.append(f"最终以{screening.decided_by}的审核为准。")
    return Result(**{**_fields(result), "summary": "\n".join(lines)})


def _fields(result: Result) -> dict[str, Any]:
    return {name: getattr(result, name) for name in Result.__dataclass_fields__}


def control_word(text: str) -> str | None:
    """ "back", "restart" or "quit" when the text is one of the words that always work, else None
    (in a screening and outside one: bot.typed reads these too)."""
    return _command(text[:MAX_INPUT_CHARS])
