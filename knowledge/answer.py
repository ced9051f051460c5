"""Answers that answer the question asked: the plan's own sentences, from the asker's plans, cited.

A reply is built from the sentences of the top clauses that say what the question asks, never
from a fixed summary (knowledge.extract picks them; knowledge.plain makes them plain by documented
rules). Each sentence is introduced by the plan it comes from ("朔州市规划写到：…") and that clause
is cited. The asker's region decides whose plans speak: their own, then the plans above it; a
sentence from another region is shown only when theirs say nothing, and then labelled as such.
What the plans leave out of what was asked (an amount, a year, a number) is said plainly.

Whether the plans answer at all is decided from several signals (knowledge.scope): what kind of
message it is, the region, how much of the question the best sentence covers, and whether the kind
of fact asked for is stated. Guides add only what a person does next (labelled as general practice
when no plan says it) and a glossary; they never replace the answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from knowledge.casework import Sentence, department_lookup, indicator_lookup
from knowledge.clause import ClauseView
from knowledge.extract import Extractor, Pick, Terms
from knowledge.guides import Guide, glossary_for
from knowledge.indicator_table import PlanRow
from knowledge.intents import Ask, MessageKind
from knowledge.library import Library
from knowledge.numerals import years_in
from knowledge.scope import Signals, decide
from knowledge.search import Result, Searcher, SearchOutcome

MAX_MAIN_CHARS = 240  # the main text stays readable on a phone screen
PART_MIN_CHARS = 4  # a shorter question ("是吗？") asks nothing of its own
_QUESTIONS = re.compile(r"[^？?。！!；;\n]+[？?]")
VAGUE_CHARS = 6  # a message this short naming nothing the plans know says too little to search
STORY_CHARS = 40  # a longer message tells a story around its question
WHERE_TO_ASK = "可以问户籍所在地的乡镇（街道）或县级残联。"
GENERAL_PRACTICE = "（一般做法，具体以当地规定为准）"
#: A sentence that plans rather than promises: what it says may not be in place where the asker lives.
_INTENTION = re.compile(r"^(?:[^：，]{0,12}：)?(?:探索|推动|鼓励|逐步|力争|研究|试点)|有条件的|建设若干")
#: Words that ask for the indicator table itself (other numbers are answered from the plans' sentences).
_TABLE_ASK = re.compile(r"指标|目标|覆盖率|参保率|入学率|适配率|增速|基期")
_YES_NO = re.compile(r"有没有|有吗|有没|能不能|能否|可不可以|[能会有]\S{0,12}(?:吗|不|没)[？?]?$")

# The sentences an answer adds around its quotes (knowledge.faithful knows them, too).
FRAME = "{plan}写到："
BOTH = "{plans}都写到："
RELATED = "相关的内容，{plan}写到："
NOT_WRITTEN = "这几份规划里没有写您问的这一点。"
YEAR_GAP = "规划没有{year}年的数。"
TABLE_YEARS = "规划的主要指标只有2020年的数和2025年的目标，没有{year}年的数。"
INTENTION_NOTE = "这是规划里的计划，您那里落实了没有，规划没有写，可以问当地残联。"
EXAMPLE = "比如您可以问：“重度残疾人护理补贴怎么申请？”"
#: A message with nothing to search for ("茌平", "有", "三岁"): ask what the person wants to know.
VAGUE = "没太明白您想了解什么，可以用一句话说说。" + EXAMPLE
VAGUE_PLACE = "您想了解{region}的哪方面？比如您可以问：“{region}重度残疾人护理补贴怎么申请？”"
REGION_NOT_COVERED = "{region}的规划我这里还没有，不能告诉您那里的规定。我收录的是：{plans}。"


@dataclass(frozen=True, slots=True)
class Citation:
    clause_id: str
    plan: str  # the plan's short title: 朔州市规划
    region: str
    label: str  # the citation as words: 朔州市规划 专栏9 第2项
    spoken: str  # the citation for the ear: 朔州市规划，专栏九，第二项


@dataclass(frozen=True, slots=True)
class Quote:
    """One sentence of the main text and the clause it was taken from (for the faithfulness test).

    A `derived` quote is not the clause's words but a sentence built from its fields (its departments,
    its indicator row) by knowledge.casework; the check holds it to the clause's numbers."""

    clause: ClauseView
    text: str
    derived: bool = False


@dataclass(slots=True)
class Answer:
    in_scope: bool
    main: str
    citations: list[Citation] = field(default_factory=list)
    next_step: str = ""
    glossary: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""  # about the region: not covered, or answered from other regions
    guide: Guide | None = None
    screening: str | None = None  # a screening worth offering
    more: list[str] = field(default_factory=list)  # clause ids offered, not shown
    results: list[Result] = field(default_factory=list)  # the ranked clauses, best first
    coverage: float = 0.0
    region: str | None = None  # the region the answer was for (named in the text or the asker's)
    kind: str | None = None  # a message that is not a question: greeting, thanks, distress…
    quotes: list[Quote] = field(default_factory=list)
    plain_sentences: list[str] = field(default_factory=list)  # of absence, backed by no clause by design

    def render(self) -> str:
        """The whole reply as plain text, for the console and Telegram (at most five short parts)."""
        parts = [p for p in (self.note, self.main) if p]
        if self.citations:
            parts.append("依据：\n" + "\n".join(c.label for c in self.citations))
        if self.next_step:
            parts.append(f"下一步：{self.next_step}")
        if self.glossary:
            parts.append(
                "词语解释："
                + "；".join(f"{term}：{meaning.rstrip('。')}" for term, meaning in self.glossary)
                + "。"
            )
        return "\n\n".join(parts)


def cite(clause: ClauseView) -> Citation:
    return Citation(clause.id, clause.doc_short_title, clause.region, clause.label, clause.spoken_label)


def reference_answer(clauses: list[ClauseView], missing: list[str]) -> Answer:
    """What a typed reference answers: the clauses it names (shown in full by the caller)."""
    return Answer(
        in_scope=bool(clauses),
        main="\n\n".join([*missing, *(c.text for c in clauses[:3])]),
        citations=[cite(c) for c in clauses[:3]],
        results=[Result(c, 1.0, 0.0) for c in clauses],
        coverage=1.0 if clauses else 0.0,
        region=clauses[0].region if clauses else None,
    )


class Answerer:
    """Questions → answers over one searcher (and the library it was built with)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.library: Library = searcher.library
        self.extractor = Extractor(searcher)

    def answer(self, text: str, *, region: str | None = None) -> Answer:
        return self.compose(self.searcher.search(text, k=10, region=region))

    def compose(self, outcome: SearchOutcome) -> Answer:
        answer = self._compose(outcome)
        answer.results = list(outcome.results[:5])
        answer.coverage = max(answer.coverage, 0.0)
        answer.region = outcome.region
        return answer

    # -- the decision ---------------------------------------------------------------------------------

    def _compose(self, outcome: SearchOutcome) -> Answer:
        query = outcome.query
        intents = self.library.intents
        kind = intents.kind_of(query.text)
        if kind is not None and (kind.whole or (kind.name != "distress" and len(query.text) <= STORY_CHARS)):
            return self._not_a_question(kind)
        asks = intents.asked(query.text)
        if outcome.region_covered is False and query.region is not None:
            return self._region_not_covered(outcome)
        if self._vague(outcome):
            place = outcome.region
            main = VAGUE_PLACE.format(region=place) if place else VAGUE
            return Answer(in_scope=False, main=main, kind="vague", region=place)
        picks = self.extractor.picks(outcome, asks)
        if outcome.pinned and picks:  # the question names its clause: that clause is the answer
            named = [p for p in picks if p.clause.id in outcome.pinned]
            named.sort(key=lambda p: (outcome.pinned.index(p.clause.id), p.clause.text.find(p.text)))
            signals = Signals.of(outcome, picks, named[:2], asks, [], self.extractor.weights(query))
            return self._answered(outcome, named[:2], asks, [], signals)
        years = [y for y in years_in(query.text) if 2000 <= y <= 2049]
        finding = self._casework(outcome, asks, years)
        if finding is not None:
            return finding
        chosen = self.extractor.choose(picks, outcome, asks)
        if parts := self._parts(query.text):
            chosen = self.extractor.for_each_part(picks, chosen, parts, outcome)
        signals = Signals.of(outcome, picks, chosen, asks, years, self.extractor.weights(query))
        story = len(query.text) > STORY_CHARS and signals.plainly_covered  # mentions a medicine, the weather…
        if kind is not None and kind.name != "distress" and not story:
            return self._not_a_question(kind)
        in_scope = decide(signals)
        if kind is not None:  # distress: care first; an answer only if the plans clearly give one
            if not (in_scope and signals.plainly_covered):
                return Answer(in_scope=False, main=kind.reply, kind=kind.name)
            answer = self._answered(outcome, chosen, asks, years, signals)
            answer.note = "\n".join(p for p in (kind.reply, answer.note) if p)
            answer.kind = kind.name
            return answer
        if not in_scope:
            return self._not_answered(outcome, picks, asks, signals)
        return self._answered(outcome, chosen, asks, years, signals)

    # -- case workers' lookups ---------------------------------------------------------------------------

    def _casework(self, outcome: SearchOutcome, asks: tuple[Ask, ...], years: list[int]) -> Answer | None:
        """Who leads a task, or an indicator's target for a year: exact lookups (knowledge.casework)."""
        asked = {a.name for a in asks}
        text = outcome.query.text
        region = self.library.region(outcome.region)
        if "who_leads" in asked:
            departments = department_lookup(text, self.searcher, region, outcome.candidate_plans)
            if departments is not None and departments.clauses:
                return self._from_sentences(outcome, departments.sentences, in_scope=True)
        if _TABLE_ASK.search(text) or years:
            indicators = indicator_lookup(text, self.searcher, region, outcome.candidate_plans)
            if indicators is not None and indicators.found:
                year = indicators.year
                stated = year is None or any(_row_has(row, year) for row in indicators.rows)
                return self._from_sentences(outcome, indicators.sentences, in_scope=stated)
        return None

    def _from_sentences(self, outcome: SearchOutcome, sentences: list[Sentence], *, in_scope: bool) -> Answer:
        main = _fit("".join(s.text for s in sentences))
        used = list(dict.fromkeys(c for s in sentences for c in s.sources))
        quotes = [Quote(s.sources[0], s.text, derived=True) for s in sentences if s.sources]
        return Answer(
            in_scope=in_scope,
            main=main,
            citations=[cite(c) for c in used[:4]],
            next_step="" if in_scope else WHERE_TO_ASK,
            more=_more(outcome, used),
            coverage=1.0 if in_scope else 0.0,
            quotes=quotes,
            plain_sentences=[s.text for s in sentences if not s.sources],
        )

    # -- replies -------------------------------------------------------------------------------------

    def _answered(
        self,
        outcome: SearchOutcome,
        chosen: list[Pick],
        asks: tuple[Ask, ...],
        years: list[int],
        signals: Signals,
    ) -> Answer:
        lines: list[str] = []
        quotes: list[Quote] = []
        for plans, group in _by_plan(chosen):
            frame = FRAME.format(plan=plans[0]) if len(plans) == 1 else BOTH.format(plans="和".join(plans))
            lines.append(frame + "".join(p.text for p in group))
            quotes += [Quote(p.clause, p.text) for p in group]
        gaps = self._gaps(chosen, asks, years, yes_no=bool(_YES_NO.search(outcome.query.text)))
        main = _fit("".join(lines) + "".join(gaps))
        used = list(dict.fromkeys(p.clause for p in chosen))
        guide = self._guide(outcome, used)
        note = self._region_note(outcome, used)
        return Answer(
            in_scope=True,
            main=main,
            citations=[cite(c) for c in used],
            next_step=self._next_step(outcome, used, guide, asks),
            glossary=glossary_for(main, self.library.glossary)[:3],
            note=note,
            guide=guide,
            screening=guide.screening if guide else None,
            more=_more(outcome, used),
            coverage=signals.coverage,
            quotes=quotes,
        )

    def _parts(self, text: str) -> list[Terms]:
        """The questions of a message that asks more than one (each ending in ？), as search words."""
        questions = [q for q in _QUESTIONS.findall(text) if len(q) >= PART_MIN_CHARS]
        if len(questions) < 2:
            return []
        return [self.extractor.terms(self.searcher.analyse(q)) for q in questions]

    def _vague(self, outcome: SearchOutcome) -> bool:
        """Nothing to look for: no word but a place, or a word or two the plans never use ("三岁")."""
        if outcome.pinned:
            return False
        terms = self.extractor.terms(outcome.query)
        if not terms.weight:
            return True
        known = self.searcher.in_plans
        return len(outcome.query.text) <= VAGUE_CHARS and not any(
            known(t) for w in terms.weight for t in (w, *terms.parts[w], *terms.means[w])
        )

    def _not_a_question(self, kind: MessageKind) -> Answer:
        example = "" if kind.name in ("distress",) else EXAMPLE
        return Answer(in_scope=False, main=kind.reply + example, kind=kind.name)

    def _region_not_covered(self, outcome: SearchOutcome) -> Answer:
        assert outcome.query.region is not None
        name = outcome.query.region.name
        plans = "、".join(m.short_title for m in self.library.catalog.values())
        return Answer(
            in_scope=False,
            main=REGION_NOT_COVERED.format(region=name, plans=plans),
            next_step=f"{name}的政策，{WHERE_TO_ASK}",
        )

    def _not_answered(
        self, outcome: SearchOutcome, picks: list[Pick], asks: tuple[Ask, ...], signals: Signals
    ) -> Answer:
        """The plans do not answer: say so; what they do say on the topic only when it is close."""
        missing = [a.missing for a in asks if a.missing and not signals.states.get(a.name, True)]
        lines = [NOT_WRITTEN if not missing else "", *missing]
        for year in signals.years_missing:
            lines.append(TABLE_YEARS.format(year=year))
        chain = outcome.applicable_regions  # what another region's plan says is no answer for this one
        about = set(self.extractor.topic(outcome.query, asks).weight)  # not only the asking words
        related = [
            p for p in picks if (not chain or p.clause.region in chain) and (not about or p.covered & about)
        ][:1]
        related = related if signals.related else []
        quotes = [Quote(p.clause, p.text) for p in related]
        if related:
            lines.append(RELATED.format(plan=related[0].clause.doc_short_title) + related[0].text)
        main = _fit("".join(dict.fromkeys(line for line in lines if line)))
        used = [p.clause for p in related]
        # the benefit the related sentence is about: how to apply, and its screening, still help
        guide = self._guide(outcome, used) if used else None
        return Answer(
            in_scope=False,
            main=main,
            citations=[cite(c) for c in used],
            next_step=self._next_step(outcome, used, guide, asks) if guide else WHERE_TO_ASK,
            guide=guide,
            screening=guide.screening if guide else None,
            coverage=signals.coverage,
            more=_more(outcome, used, among=2),
            quotes=quotes,
        )

    # -- parts -----------------------------------------------------------------------------------------

    def _gaps(
        self, chosen: list[Pick], asks: tuple[Ask, ...], years: list[int], *, yes_no: bool
    ) -> list[str]:
        """What was asked that the chosen sentences do not state, said plainly."""
        stated = set().union(*(p.states for p in chosen))
        gaps = [a.missing for a in asks if a.missing and a.name not in stated]
        indicator_years = {2020, 2025}
        for year in years:
            if year not in indicator_years and any(p.clause.indicator for p in chosen):
                gaps.append(YEAR_GAP.format(year=year))
        if yes_no and _INTENTION.search(chosen[0].text):
            gaps.append(INTENTION_NOTE)
        return gaps

    def _guide(self, outcome: SearchOutcome, used: list[ClauseView]) -> Guide | None:
        """The benefit guide the answer is about: the question points to it and it cites a clause used."""
        guide = outcome.query.guide
        if guide is None:
            return None
        cited = set(guide.clause_keys)
        return guide if any(c.id in cited for c in used) else None

    def _next_step(
        self, outcome: SearchOutcome, used: list[ClauseView], guide: Guide | None, asks: tuple[Ask, ...]
    ) -> str:
        step = f"{guide.how_to_apply}{GENERAL_PRACTICE}" if guide else WHERE_TO_ASK
        chain = outcome.applicable_regions
        plans = {c.doc_id: c.region for c in used}  # in the order cited
        for doc_id, region in plans.items():
            hotline = self.library.catalog[doc_id].hotline
            if hotline and (not chain or region in chain):  # another region's line is not the asker's
                step += f"{self.library.catalog[doc_id].short_title}写到的{hotline}也可以打。"
        return step

    def _region_note(self, outcome: SearchOutcome, used: list[ClauseView]) -> str:
        chain = outcome.applicable_regions
        if chain and used and all(c.region not in chain for c in used):
            return f"{'、'.join(chain)}的规划没有写到这一点。下面是其他地区规划的规定，只能参考。"
        return ""


def _by_plan(picks: list[Pick]) -> list[tuple[list[str], list[Pick]]]:
    """The picks grouped by plan, in order; plans that say it in the same words are named together."""
    groups: dict[str, list[Pick]] = {}
    for pick in picks:
        groups.setdefault(pick.clause.doc_short_title, []).append(pick)
    merged: list[tuple[list[str], list[Pick]]] = []
    for plan, group in groups.items():
        same = next((m for m in merged if [p.text for p in m[1]] == [p.text for p in group]), None)
        if same is not None:
            same[0].append(plan)
            same[1].extend(group)  # cited too; the text is shown once
        else:
            merged.append(([plan], list(group)))
    return [(plans, _once(group)) for plans, group in merged]


def _once(group: list[Pick]) -> list[Pick]:
    """A group's picks with each text once (the first pick of a text carries it)."""
    seen: set[str] = set()
    out: list[Pick] = []
    for pick in group:
        if pick.text not in seen:
            seen.add(pick.text)
            out.append(pick)
    return out


def _row_has(row: PlanRow, year: int) -> bool:
    return (year == 2020 and row.value_2020.stated) or (year == 2025 and row.target_2025.stated)


def _fit(text: str) -> str:
    """The main text cut after a sentence if it runs past the screen (the clause is a tap away)."""
    if len(text) <= MAX_MAIN_CHARS:
        return text
    cut = max(text.rfind(mark, 0, MAX_MAIN_CHARS) for mark in "。；")
    return text[: cut + 1] if cut > 40 else text[:MAX_MAIN_CHARS] + "……"


def _more(outcome: SearchOutcome, used: Collection[ClauseView], among: int | None = None) -> list[str]:
    """Up to two clauses to offer as related (among the first `among` results): from the asker's plan
    chain when their region is known, since another region's clause is no help to them."""
    chain = outcome.applicable_regions
    results = outcome.results[:among] if among is not None else outcome.results
    mine = [r.clause for r in results if not chain or r.clause.region in chain]
    return [c.id for c in mine if c not in used][:2]


__all__ = [
    "Answer",
    "Answerer",
    "Citation",
    "Quote",
    "cite",
    "reference_answer",
]
