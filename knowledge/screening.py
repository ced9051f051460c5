"""Eligibility screenings as a conversation: state in, answer in, state and prompt out.

The engine is pure: it knows nothing of Telegram, terminals or databases. A caller keeps the
``State`` (a plain, JSON-friendly dict via ``to_dict``) between turns and renders the
``Prompt`` it gets back. Everything a screening asks and decides is data
(knowledge/data/screenings/*.toml, read by ``knowledge.screening_rules``); adding a screening
needs no code.

Each turn accepts an option id from a button ("region:shuozhou"), typed text ("2", "是的",
"十六岁", "智力残疾") or a command: 返回上一步 / 重新开始 / 退出 (or back / restart / quit), which
always work. Before the first question about disability or health, one consent question says
what is kept and for how long; the answer is recorded as ``State.consent`` ("keep" or
"no_keep") for the storage layer, which does not persist a "no_keep" state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from knowledge.facts import (
    MAX_INPUT_CHARS,
    UNSURE_ID,
    Fact,
    is_no,
    is_yes,
    load_facts,
    normalise,
    parse_fact_value,
    read_answer,
)
from knowledge.plans import load_catalog
from knowledge.refs import ClauseRef
from knowledge.regions import detect as detect_place
from knowledge.screening_rules import (
    OTHER_REGION,
    Assessment,
    Judgement,
    Screening,
    assess,
    load_screenings,
    refs_for_region,
    region_applies,
)

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
    "evaluate",
    "list_screenings",
    "parse_fact_value",
    "ref_label",
    "start",
]

STATE_VERSION = 1  # bump when State's shape or the fact vocabulary changes incompatibly
CONSENT_KEEP_DAYS = 30  # how long answers are kept when the person agrees; the README quotes it
KEEP, NO_KEEP = "keep", "no_keep"

OUTCOME_LABELS = {"eligible": "可能符合", "not_eligible": "可能不符合", "unknown": "需要进一步确认"}
STATUS_LABELS = {"met": "符合", "not_met": "不符合", "unclear": "需要确认"}
BASIS_LABELS = {"plan": "规划写明", "national": "按国家规定", "not_stated": "规划没有写明"}

BACK, RESTART, QUIT = "back", "restart", "quit"
_COMMAND_WORDS = {
    BACK: {"back", "返回上一步", "返回", "上一步", "上一题", "回到上一步", "退回", "后退"},
    RESTART: {"restart", "重新开始", "重新来", "重来", "从头开始", "再来一次", "重新"},
    QUIT: {"quit", "退出", "结束", "不问了", "不做了", "exit", "stop", "cancel", "取消"},
}
_BUTTON_ID = re.compile(r"([a-z_]+):([a-z0-9_]+)")


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
    def from_dict(cls, data: Mapping[str, Any]) -> State:
        """Rebuild a state; raises StateVersionError for another version, ValueError if malformed."""
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
        if state.screening not in load_screenings() or state.status not in ("asking", "done", "ended"):
            raise ValueError(f"malformed screening state: {state.screening!r}, {state.status!r}")
        if state.consent not in (None, KEEP, NO_KEEP):
            raise ValueError(f"malformed screening state: consent {state.consent!r}")
        _check_facts(state.facts)
        return state


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    label: str
    status: str  # "met", "not_met" or "unclear"
    reason: str
    basis: str  # "plan", "national" or "not_stated"
    refs: tuple[str, ...]

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

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def text(self) -> str:
        """The full result as plain text: no tables, no emoji, one idea a line."""
        lines = [f"{self.title}：{self.outcome_label}", _OUTCOME_SENTENCES[self.outcome], ""]
        for c in self.criteria:
            lines.append(f"{c.label}：{c.status_label}（{c.basis_label}）。{c.reason}")
            if c.refs:
                lines.append("依据：" + "；".join(ref_label(r) for r in c.refs))
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
    text: str
    options: tuple[Option, ...] = ()
    fact: str | None = None
    step: int = 1  # this question's number in the run
    total_hint: int = 1  # an estimate of how many questions the run will take
    notice: str = ""  # why the question comes again ("没听懂…"), also included in text
    controls: tuple[Option, ...] = CONTROLS
    result: Result | None = None


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


_OUTCOME_SENTENCES = {
    "eligible": "根据您的回答，您可能符合条件。",
    "not_eligible": "根据您的回答，您可能不符合条件。",
    "unknown": "根据您的回答，还不能确定，需要向当地有关部门进一步确认。",
}


# ---------------------------------------------------------------------------------------- public API


def list_screenings() -> list[dict[str, str]]:
    """Every screening as {"name", "title"}, in display order."""
    return [{"name": s.name, "title": s.title} for s in load_screenings().values()]


def start(
    name: str, known_facts: Mapping[str, Any] | None = None, *, consent: str | None = None
) -> tuple[State, Prompt]:
    """Begin a screening, reusing facts another screening already learned (and its consent)."""
    screening = _screening(name)
    facts = dict(known_facts or {})
    _check_facts(facts)
    if consent not in (None, KEEP, NO_KEEP):
        raise ValueError(f"consent must be {KEEP!r}, {NO_KEEP!r} or None")
    state = State(screening=screening.name, facts=facts, consent=consent)
    return _advance(state, intro=True)


def answer(
    state: State | Mapping[str, Any], raw: str, *, clauses: Clauses | None = None
) -> tuple[State, Prompt]:
    """Take one answer (typed text, an option id or a command) and return the next prompt.

    Never raises for anything a person can type: unreadable input re-asks the question with a
    short notice. ``state`` may be a State or its ``to_dict()``; ``clauses`` (the parser's
    clause index, or a lookup function) fills the result's sources.
    """
    state = State.from_dict(state.to_dict() if isinstance(state, State) else state)
    text = raw[:MAX_INPUT_CHARS] if isinstance(raw, str) else ""
    command = _command(text)
    if command == QUIT:
        state.status, state.pending = "ended", None
        return state, _ended_prompt(state)
    if command == RESTART:
        return _advance(State(screening=state.screening), notice="好的，我们从头开始。", intro=True)
    if command == BACK:
        if not state.history:
            return _advance(state, notice="这已经是第一个问题了。", clauses=clauses)
        snapshot = state.history.pop()
        state.facts, state.consent, state.status = snapshot["facts"], snapshot["consent"], "asking"
        return _advance(state, notice="好的，回到上一步。", clauses=clauses)
    if state.status == "ended":
        return state, _ended_prompt(state, notice="这次筛查已经结束。")
    if not text.strip():  # nothing typed: show the current question (or result) again
        return _advance(state, clauses=clauses)
    if state.status == "done" or state.pending is None:
        notice = "筛查已经完成。想修改回答可以说“返回上一步”，想再做一次可以说“重新开始”。"
        return _advance(state, notice=notice, clauses=clauses)
    if state.pending["kind"] == "consent":
        choice = _read_consent(text)
        if choice is None:
            return _advance(state, notice=_not_understood(text), clauses=clauses)
        state.history.append({"facts": dict(state.facts), "consent": state.consent})
        state.consent = choice
        return _advance(state, clauses=clauses)
    fact = _facts()[state.pending["fact"]]
    ok, value, notice = _read_fact(fact, text, exact=bool(state.pending.get("exact")))
    if not ok:
        return _advance(state, notice=notice, clauses=clauses)
    state.history.append({"facts": dict(state.facts), "consent": state.consent})
    state.facts[fact.name] = value
    return _advance(state, notice=notice, clauses=clauses)


def evaluate(name: str, facts: Mapping[str, Any], clauses: Clauses | None = None) -> Evaluation:
    """Judge a screening from facts given at once (``--fact region=茌平区 …``).

    ``missing`` lists the facts the rules need next; while it is not empty the outcome is
    "unknown" unless a criterion already rules the person out.
    """
    screening = _screening(name)
    facts = dict(facts)
    _check_facts(facts)
    assessment = assess(screening, facts)
    if assessment.outcome is None:
        reasons = [_reason_line(j) for j in assessment.judgements if j.status in STATUS_LABELS]
        labels = "、".join(_facts()[f].label for f in assessment.needed)
        reasons.append(f"还需要知道：{labels}。")
        return Evaluation(name, "unknown", list(assessment.needed), reasons, [], [], None)
    result = _result(assessment, facts, clauses)
    return Evaluation(
        name=name,
        outcome=result.outcome,
        missing=[],
        reasons=[f"{c.label}：{c.status_label}（{c.basis_label}）。{c.reason}" for c in result.criteria],
        sources=list(result.sources),
        refs=list(result.refs),
        result=result,
    )


def ref_label(ref: str) -> str:
    """A reference as a reader finds it in the plan: "chiping:box2.3" → "茌平区规划 专栏2 第3项"."""
    cref = ClauseRef.parse(ref)
    meta = load_catalog().get(cref.doc_id)
    return cref.label(meta.short_title if meta else cref.doc_id)


def resolve_sources(refs: list[str] | tuple[str, ...], clauses: Clauses) -> list[dict[str, str]]:
    """Refs resolved to clauses as {"ref", "region", "path", "number", "text"}; unknown refs are skipped."""
    lookup = clauses.get if isinstance(clauses, Mapping) else clauses
    catalog = load_catalog()
    sources = []
    for ref in refs:
        clause = lookup(ref)
        if clause is None:
            continue
        meta = catalog.get(clause.doc_id)
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


def _screening(name: str) -> Screening:
    screenings = load_screenings()
    if name not in screenings:
        raise KeyError(f"unknown screening {name!r}; known: {', '.join(screenings)}")
    return screenings[name]


def _facts() -> dict[str, Fact]:
    return load_facts()


def _check_facts(facts: Mapping[str, Any]) -> None:
    vocabulary = _facts()
    for name, value in facts.items():
        if name not in vocabulary:
            raise ValueError(f"unknown fact {name!r}; known facts: {', '.join(vocabulary)}")
        if not vocabulary[name].is_valid(value):
            raise ValueError(f"{value!r} is not a valid value for {name}")


def _command(text: str) -> str | None:
    word = normalise(text.strip().lstrip("/"))
    return next((command for command, words in _COMMAND_WORDS.items() if word in words), None)


def _not_understood(text: str) -> str:
    shown = text.strip()[:20]
    heard = f"“{shown}”" if shown else "您的回答"
    return f"抱歉，我没能理解{heard}。请点下面的选项，或输入选项前面的数字。"


def _read_consent(text: str) -> str | None:
    button = _BUTTON_ID.fullmatch(text.strip())
    if button and button[1] == "consent" and button[2] in (KEEP, NO_KEEP):
        return button[2]
    word = normalise(text)
    if word in {"1", "一", "保存", "可以保存", "同意", "同意保存"} or is_yes(word):
        return KEEP
    if word in {"2", "二", "不保存", "不要保存", "别保存", "不用保存", "不同意"} or is_no(word):
        return NO_KEEP
    return None


def _read_fact(fact: Fact, text: str, *, exact: bool) -> tuple[bool, Any, str]:
    """(ok, value, notice) for an answer to ``fact``: a button id or typed text.

    The notice says why an answer was not taken, or how a place name was understood
    ("大同" is in 山西省): a region typed as any county or city of China is looked up.
    """
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
        option = None if exact else fact.option(button[2])
        if option is not None:
            return True, option.stored, ""
        return False, None, "这个按钮已经失效了。请回答下面这个问题。"
    reading = read_answer(fact, text, exact=exact)
    if reading.ok:
        return True, reading.value, ""
    if fact.name == "region":
        place = detect_place(text)
        if place is not None:
            region = place.covered_region or OTHER_REGION
            shown = f"按{region}的规划来看" if place.covered else "不在收录的五份规划里，按“其他地区”来看"
            return True, region, f"您说的{place.name}{shown}。"
    return False, None, f"{_not_understood(text)}{reading.problem}"


def _advance(
    state: State, *, notice: str = "", intro: bool = False, clauses: Clauses | None = None
) -> tuple[State, Prompt]:
    """Ask the next needed question, the consent question, or show the result."""
    screening = _screening(state.screening)
    assessment = assess(screening, state.facts)
    step = len(state.history) + 1
    if assessment.outcome is not None:
        state.status, state.pending = "done", None
        result = _result(assessment, state.facts, clauses)
        text = "\n\n".join(t for t in (notice, result.text()) if t)
        return state, Prompt(
            "result", text, step=max(step - 1, 1), total_hint=max(step - 1, 1), notice=notice, result=result
        )
    state.status = "asking"
    vocabulary = _facts()
    consent_due = state.consent is None and any(vocabulary[f].sensitive for f in assessment.may_ask)
    total = step - 1 + len(assessment.may_ask) + consent_due
    name = assessment.may_ask[0]  # the author's order, skipping facts no remaining rule reads
    fact = vocabulary[name]
    lead = "\n\n".join(t for t in (screening.intro if intro and step == 1 else "", notice) if t)
    if fact.sensitive and state.consent is None:
        state.pending = {"kind": "consent"}
        text = "\n\n".join(t for t in (lead, _consent_text()) if t)
        options = (
            Option("consent:keep", f"继续，保存{CONSENT_KEEP_DAYS}天"),
            Option("consent:no_keep", "继续，但不保存"),
        )
        return state, Prompt("consent", text, options, None, step, max(total, step), notice)
    exact = name in assessment.rough
    state.pending = {"kind": "fact", "fact": name, "exact": exact}
    question = screening.wording.get(name, fact.question)
    if exact:
        low, high = state.facts[name]
        question = f"{question}请告诉我具体的数字（{low}到{high}之间）。"
        options = (
            tuple(Option(f"{name}:{n}", f"{n}{fact.unit}") for n in range(low, high + 1))
            if high - low < 12
            else ()
        )
    else:
        options = tuple(Option(f"{name}:{o.id}", o.label) for o in fact.options)
        if fact.allows_unsure:
            options += (Option(f"{name}:{UNSURE_ID}", fact.unsure_label),)
    body = question if exact or not fact.hint else f"{question}\n{fact.hint}"
    text = "\n\n".join(t for t in (lead, body) if t)
    return state, Prompt("question", text, options, name, step, max(total, step), notice)


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


def _result(assessment: Assessment, facts: Mapping[str, Any], clauses: Clauses | None) -> Result:
    screening = assessment.screening
    assert assessment.outcome is not None
    region = facts.get("region")
    criteria = tuple(
        CriterionResult(
            id=j.criterion.id,
            label=j.criterion.label,
            status=j.status,
            reason=j.reason,
            basis=j.basis,
            refs=tuple(refs_for_region(j.case.refs if j.case else (), region)),
        )
        for j in assessment.judgements
        if j.status in STATUS_LABELS
    )
    chain_notes = [n for n in screening.notes if not n.regions or region_applies(n.regions, region)]
    refs: list[str] = []
    for ref in [r for c in criteria for r in c.refs] + refs_for_region(
        [r for n in chain_notes for r in n.refs], region
    ):
        if ref not in refs:
            refs.append(ref)
    where = next(
        (text for regions, text in screening.regional_where if region_applies(regions, region)),
        screening.apply_where,
    )
    vocabulary = _facts()
    answers = tuple(
        (vocabulary[f].label, vocabulary[f].display(facts[f])) for f in screening.questions if f in facts
    )
    disclaimer = (
        f"这只是根据公开规划做的初步判断，不是审批结果。能不能享受，最终由{screening.decided_by}审核决定。"
    )
    if any(c.basis == "national" for c in criteria):
        disclaimer = "标有“按国家规定”的条件，规划本身没有写细则，按国家统一规定执行。" + disclaimer
    result = Result(
        screening=screening.name,
        title=screening.title,
        outcome=assessment.outcome,
        criteria=criteria,
        notes=tuple(n.text for n in chain_notes),
        refs=tuple(refs),
        sources=tuple(resolve_sources(refs, clauses)) if clauses is not None else (),
        how_to_apply=where,
        what_to_bring=screening.bring,
        amount=screening.amount,
        disclaimer=disclaimer,
        answers=answers,
        summary="",
    )
    return _with_summary(result, screening)


def _with_summary(result: Result, screening: Screening) -> Result:
    lines = [f"残疾人福利初步筛查：{result.title}", f"结果：{result.outcome_label}"]
    if result.answers:
        lines.append("情况：" + "；".join(f"{label}：{value}" for label, value in result.answers))
    lines += [f"{c.label}：{c.status_label}。{c.reason}" for c in result.criteria]
    if result.refs:
        lines.append("依据：" + "；".join(ref_label(r) for r in result.refs))
    lines.append(f"最终以{screening.decided_by}的审核为准。")
    return Result(**{**_fields(result), "summary": "\n".join(lines)})


def _fields(result: Result) -> dict[str, Any]:
    return {name: getattr(result, name) for name in Result.__dataclass_fields__}
