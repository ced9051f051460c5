"""Case workers' exact lookups: who leads a task, what a target is for a year, one topic across plans.

Each lookup answers only what the plans say, in sentences tied to the clauses they come from, and
says plainly what a plan does not have: no item on the topic, no 牵头单位 at all (张掖市's and
同心县's plans name none), no row for an indicator, no figure for the year asked (the tables have
2020 and 2025 columns only). Never an unrelated item, never another year's figure as the asked one.

Items are picked by what the question is about: first by their titles (a question on 康复 is
answered by the items titled with 康复, not by the sports item that mentions 康复体育), then, when
no title names the topic, by their text. Indicators are found by the words listed for them in
knowledge/data/indicators.toml.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from knowledge.clause import ClauseView, Kind
from knowledge.indicator_table import IndicatorLine, IndicatorTable, PlanRow, folded, table_for
from knowledge.numerals import to_chinese, years_in
from knowledge.plain import DEPARTMENT_NOTE, SENTENCE
from knowledge.references import parse_reference
from knowledge.regions import Region
from knowledge.search import GENERIC, Searcher
from knowledge.tokenize import clean_text, to_simplified

TITLE_MATCH = 0.5  # share of the topic (idf-weighted) a title must hold to count as about it
TEXT_MATCH = 0.8  # share of the topic a clause's text must hold to count as speaking to it
SYNONYM_SHARE = 0.8  # a policy term the topic's everyday word stands for counts this much
PIECES_SHARE = 0.8  # a word whose pieces stand apart counts this much
MAX_ITEMS = 4  # items listed for one plan before "and N more"
MAX_LEADS_NAMED = 3  # a summary names the lead departments of several items up to this many
COMPARE_CANDIDATES = 40

_DEPARTMENT_WORDS = re.compile(
    r"由?(?:哪个|哪些|什么|啥)(?:部门|单位)(?:来)?|谁(?:来)?|牵头(?:单位|部门)?|责任(?:单位|部门)|参与(?:单位|部门)"
    r"|配合(?:单位|部门)|主管部门|负责(?:部门|单位)?|管理|主管|具体|工作|事情|的事|归?哪管|归|和|与|及"
)
#: A department the asker names to check it ("牵头是住建局吗"): who, not what the task is.
_NAMED_DEPARTMENT = re.compile(
    r"(?:是不是|是否|还是|是)[\u3400-\u9fff]{0,5}?(?:局|委员会|委|办公室|厅|残联|政府)(?:吗|么|嘛|不|呢)?"
    r"|[\u3400-\u9fff]{1,4}(?:局|委员会|办公室|厅)(?=牵头|负责|管)"
)
#: Examples listed before the thing they stand for ("盲道、坡道这些无障碍设施"): the thing is the topic,
#: unless it is only a word for "things" ("宣传、评模范这些事"), when the examples are.
_EXAMPLES = re.compile(
    r"[^，,。？?！!\s]+(?:、[^，,。？?！!\s、]+)+(?:这些|那些|这类|等等|等|之类的?)"
    r"(?!的?(?:事|工作|东西|方面|活动|问题|情况))(?=的?[\u3400-\u9fff]{2})"
)
#: Words that point at a part of a plan without naming it: "那部分", "这一块", "相关".
_POINTING = re.compile(r"[这那](?:一)?(?:部分|段|块|摊|项|条|个|方面)|方面|相关|部分|那些|这些")
_TARGET_ASK = re.compile(
    r"指标|目标|覆盖率|参保率|入学率|适配率|比例|增速|增长率|人数|户数|多少人|多少户|几户|百分之|%|达到|要完成"
)
_MONEY_ASK = re.compile(r"多少钱|几块|多少元|元钱|标准是多少|补多少|发多少|给多少|领多少|每月|每年给")
_HOW_ASK = re.compile(r"怎么|如何|哪里|去哪|在哪|申请|办理|什么条件|哪些条件")
_PERIOD_END = (("十四五末", 2025), ("十四五期末", 2025), ("十三五末", 2020), ("十三五期末", 2020))
_TARGET_WORDS = re.compile(
    r"(?:19|20)[0-9]{2}\s*年?|[〇零一二三四五六七八九]{4}\s*年|十[三四]五(?:期)?末|到|主要|指标|目标值?|规划里?|"
    r"是多少|是什么|有多少|有哪些|哪些|什么|多少|几|要|达到|完成|了|的|是|有|吗|呢|啊|请问|计划|年底"
)
_HAN = re.compile(r"[\u3400-\u9fff]")  # a topic word in Latin letters counts only if the plans use it
_KIND_BONUS = {Kind.ITEM: 0.1, Kind.BOX_ITEM: 0.1, Kind.GOAL: 0.05}


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a reply and the clauses it says something about (none for a plain absence:
    "张掖市规划没有写各项任务的牵头单位")."""

    text: str
    sources: tuple[ClauseView, ...] = ()

    @property
    def clause(self) -> ClauseView | None:
        return self.sources[0] if self.sources else None


@dataclass(frozen=True, slots=True)
class DepartmentFinding:
    """Who leads the tasks on a topic, per plan."""

    topic: str  # what the question is about: "康复"
    clauses: list[ClauseView]  # the items that answer it, best first, grouped by plan
    sentences: list[Sentence]
    several: bool  # in some plan more than one item answers it


@dataclass(frozen=True, slots=True)
class IndicatorFinding:
    """What the indicator tables say about the indicator asked for, and for which year."""

    topic: str  # the indicator as asked: "康复服务覆盖率", "就业"
    year: int | None  # the year asked about, None when none was named
    rows: list[PlanRow]  # the table rows (value_2020, target_2025, unit, attribute), plan by plan
    sentences: list[Sentence]
    year_in_table: bool  # False when the year asked is not a column of the tables (2018, 2030)

    @property
    def clauses(self) -> list[ClauseView]:
        return [row.clause for row in self.rows]

    @property
    def found(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True, slots=True)
class PlanComparison:
    """One plan's answer to a /compare topic: the clauses that speak to it, or none."""

    doc_id: str
    plan: str  # short title: 茌平区规划
    region: str
    clauses: list[ClauseView] = field(default_factory=list)
    coverage: float = 0.0

    @property
    def silent(self) -> str:
        return f"{self.plan}没有写到这一点。"


# -- departments ---------------------------------------------------------------------------------------


def department_lookup(
    text: str, searcher: Searcher, region: Region | None, candidates: Collection[str] | None = None
) -> DepartmentFinding | None:
    """Who leads the task a question is about ("康复哪个部门牵头"); None when it asks no such thing
    or names no task. Answers from the asker's plan (the region named in the text first), else from
    every plan that names departments (among `candidates`, when given: see `_plan_order`)."""
    cleaned = _clean(text)
    who_leads = searcher.library.intents.ask("who_leads")  # the words that ask it: intents.toml
    if not who_leads.asked_in(cleaned) or parse_reference(cleaned) is not None:
        return None
    region, body, note = _region_of(searcher, cleaned, region)
    body = _EXAMPLES.sub(" ", _NAMED_DEPARTMENT.sub(" ", body))
    topic = _topic(searcher, _POINTING.sub(" ", _DEPARTMENT_WORDS.sub(" ", body)))
    if not topic:
        return None
    words = topic.words
    sentences = [Sentence(note)] if note else []
    found: list[ClauseView] = []
    several = False
    silent: list[str] = []  # plans that name no departments at all
    for clauses in _plan_clauses(searcher, region, candidates).values():
        plan = clauses[0].doc_short_title
        if found and region is not None:
            break  # the asker's own plan answered; the plans above it are not needed
        with_departments = [c for c in clauses if c.lead_departments]
        if not with_departments:
            silent.append(plan)
            continue
        items, by_title = _items_about(topic, with_departments)
        if not items:
            sentences += _not_assigned(topic, plan, clauses, asked_for_plan=region is not None)
            continue
        found += items
        several = several or len(items) > 1
        sentences += _department_sentences(words, plan, items, by_title)
    if silent and (region is not None or found):
        sentences.append(Sentence(f"{'、'.join(silent)}没有写各项任务的牵头单位和参与单位。"))
    if not found and not sentences:
        return None
    return DepartmentFinding(words, found, sentences, several)


def _items_about(topic: _Topic, clauses: Sequence[ClauseView]) -> tuple[list[ClauseView], bool]:
    """The items a topic is about: those whose title holds most of it; else those whose text holds
    it, most mentions first. The flag says which."""
    titled = [(c, topic.share(_heading(c))) for c in clauses]
    best = max((share for _, share in titled), default=0.0)
    if best >= TITLE_MATCH:
        return [c for c, share in titled if share >= best - 1e-9], True
    texts = [(c, topic.share(_tidy(c.text)), topic.mentions(_tidy(c.text))) for c in clauses]
    hits = [(c, share, n) for c, share, n in texts if share >= TEXT_MATCH]
    hits.sort(key=lambda hit: (-hit[1], -hit[2], hit[0].seq))
    return [c for c, _, _ in hits], False


def _department_sentences(topic: str, plan: str, items: list[ClauseView], by_title: bool) -> list[Sentence]:
    if len(items) == 1:
        item = items[0]
        how = "" if by_title else f"（这一项写到了“{topic}”）"
        return [Sentence(_who_leads(item) + how, (item,))]
    leads = list(dict.fromkeys(d for item in items for d in item.lead_departments))
    kind = "讲" if by_title else "写到"
    head = f"{plan}里{kind}“{topic}”的任务有{_count(len(items))}项"
    if len(leads) == 1:
        head += f"，都由{leads[0]}牵头"
    elif len(leads) <= MAX_LEADS_NAMED:
        head += f"，分别由{'、'.join(leads)}牵头"
    shown = items[:MAX_ITEMS]
    rest = len(items) - len(shown)
    head += f"；下面是最相关的{_count(len(shown))}项：" if rest else "："
    return [Sentence(head, tuple(items)), *(Sentence(_who_leads(item), (item,)) for item in shown)]


def _who_leads(item: ClauseView) -> str:
    title = _heading(item)
    sentence = f"{item.label}“{title}”由{'、'.join(item.lead_departments)}牵头"
    if item.participating_departments:
        sentence += f"，参与单位有{'、'.join(item.participating_departments)}"
    return sentence + "。"


def _not_assigned(
    topic: _Topic, plan: str, clauses: Sequence[ClauseView], *, asked_for_plan: bool
) -> list[Sentence]:
    """No task with departments speaks to the topic: where the plan does mention it, if anywhere."""
    mentions = [
        c
        for c in clauses
        if c.kind is not Kind.PREAMBLE and topic.share(f"{c.title}\n{_tidy(c.text)}") >= TEXT_MATCH
    ]
    if mentions:
        where = "、".join(c.label.removeprefix(plan).strip() for c in mentions[:3])
        sentence = f"{plan}写到“{topic.words}”的地方（{where}）没有写明牵头单位。"
        return [Sentence(sentence, tuple(mentions[:3]))]
    return [Sentence(f"{plan}没有写到“{topic.words}”。")] if asked_for_plan else []


# -- indicators ----------------------------------------------------------------------------------------


def indicator_lookup(
    text: str, searcher: Searcher, region: Region | None, candidates: Collection[str] | None = None
) -> IndicatorFinding | None:
    """An indicator target by its name and year ("朔州 2025年康复服务覆盖率要达到多少"); None when
    the question asks for no target. A year the tables do not have is said to be missing, with what
    the table does have; an indicator a plan's table lacks is said to be missing, never replaced.
    With no region, answers from every plan (among `candidates`, when given: see `_plan_order`)."""
    cleaned = _clean(text)
    if parse_reference(cleaned) is not None or _MONEY_ASK.search(cleaned):
        return None
    table = indicator_table(searcher)
    region, body, note = _region_of(searcher, cleaned, region)
    year = asked_year(body)
    named = table.named_in(body)
    asks = bool(_TARGET_ASK.search(body))
    if _HOW_ASK.search(body) and not asks:
        return None
    if named and not (asks or year):
        return None
    topic = _topic(searcher, _POINTING.sub(" ", _TARGET_WORDS.sub(" ", body))).words
    if not named and not (re.search(r"指标|目标", body) and topic):
        return None
    in_table = year is None or year in (2020, 2025)
    sentences = [Sentence(note)] if note else []
    plans = _plan_order(searcher, region, candidates)
    with_table = [d for d in plans if d in table.with_table]
    if region is not None:
        for doc_id in plans:  # the asker's plan, or the nearest above it that has a table
            if doc_id in table.with_table:
                break
            sentences.append(Sentence(f"{table.plans[doc_id][0]}没有主要指标表。"))
        with_table = with_table[:1]
    if not named:
        sentences += _no_such_indicator(table, topic, with_table, region is not None)
        return IndicatorFinding(topic, year, [], sentences, in_table)
    rows: list[PlanRow] = []
    if not in_table and (len(with_table) > 1 or not with_table):
        sentences.append(Sentence(f"规划没有{year}年的数，各地主要指标表里写的是："))
    for line in named:
        for doc_id in with_table:
            plan = table.plans[doc_id][0]
            row = next((r for r in line.rows if r.clause.doc_id == doc_id), None)
            if row is None:
                sentences.append(Sentence(f"{plan}的主要指标表里没有“{line.definition.name}”这一项。"))
                continue
            rows.append(row)
            sentences += _year_sentences(row, year, single_plan=len(with_table) == 1)
            if len(with_table) == 1 or not row.target_2025.stated:
                sentences += _figures_in_text(searcher, row)
    return IndicatorFinding(topic or named[0].definition.name, year, rows, sentences, in_table)


def indicator_table(searcher: Searcher) -> IndicatorTable:
    """The indicator table of the searcher's clauses (built once per searcher)."""
    return table_for(searcher, searcher.clauses, searcher.library.directory, list(searcher.library.catalog))


def asked_year(text: str) -> int | None:
    """The year a question names: "2018年", "二〇一八年", "十四五末" (2025); None if none."""
    if years := years_in(text):
        return years[0]
    return next((year for words, year in _PERIOD_END if words in text), None)


def _year_sentences(row: PlanRow, year: int | None, *, single_plan: bool) -> list[Sentence]:
    """The row for the year asked: its figure when the table has one, else a plain "no figure for
    that year" and what the table does say, each labelled with its own year."""
    source = (row.clause,)
    name = f"{row.plan}的主要指标“{row.wording}”"
    if year is None or year == 2025:
        return [Sentence(row.sentence(), source)]
    if year == 2020 and row.value_2020.stated:
        return [Sentence(f"{name}：2020年是{row.value_2020.words}，2025年目标是{_target(row)}。", source)]
    has = f"2025年目标是{_target(row)}"
    if row.value_2020.stated:
        has = f"2020年是{row.value_2020.words}，{has}"
    said = [Sentence(f"{row.plan}没有{year}年的数。", source)] if single_plan or year == 2020 else []
    return [*said, Sentence(f"{name}，表里写的是：{has}。", source)]


def _figures_in_text(searcher: Searcher, row: PlanRow) -> list[Sentence]:
    """Where the plan's own text gives a figure for the indicator (专栏6: "…无障碍改造1500户"), that
    sentence, labelled with where it stands: the table is not the only place a plan sets a target."""
    found = indicator_table(searcher).figure_in_text(row)
    if found is None:
        return []
    clause, sentence = found
    return [Sentence(f"{row.plan}{_where(clause)}写的是：{sentence}", (clause,))]


def _where(clause: ClauseView) -> str:
    return clause.label.removeprefix(clause.doc_short_title).strip()


def _target(row: PlanRow) -> str:
    attribute = f"（{row.attribute}指标）" if row.attribute else ""
    return (row.target_2025.words if row.target_2025.stated else "未列明") + attribute


def _no_such_indicator(
    table: IndicatorTable, topic: str, with_table: list[str], one_plan: bool
) -> list[Sentence]:
    """The tables have no indicator by that name: say so, and name the 类别 it belongs to, if any."""
    if not with_table:
        return []
    where = f"{table.plans[with_table[0]][0]}的主要指标表" if one_plan else "各地规划的主要指标表"
    sentences = [Sentence(f"{where}里没有“{topic}”这一项指标。")]
    lines, group = table.about(topic)
    if group:
        rows = [r for line in lines for r in line.rows if r.clause.doc_id in with_table]
        names = list(dict.fromkeys(r.wording if one_plan else line_name(lines, r) for r in rows))
        if names:
            sentences.append(
                Sentence(f"表中“{group}”一类只有：{'、'.join(names)}。", tuple(r.clause for r in rows))
            )
    return sentences


def line_name(lines: Iterable[IndicatorLine], row: PlanRow) -> str:
    return next(line.definition.name for line in lines if row in line.rows)


# -- one topic across plans ------------------------------------------------------------------------------


def compare(topic: str, searcher: Searcher, *, per_plan: int = 1) -> list[PlanComparison]:
    """For every plan, in catalogue order: the clauses that speak to `topic`, best covered first, or
    none when no clause holds the topic's words (a plan never mentioning 按摩 gets nothing)."""
    about = _topic(searcher, _clean(topic))
    plans = _plan_clauses(searcher, None)
    out: list[PlanComparison] = []
    if not about:
        return [PlanComparison(d, cs[0].doc_short_title, cs[0].region) for d, cs in plans.items()]
    outcome_scores = _search_scores(searcher, topic, plans)
    for doc_id, clauses in plans.items():
        first = clauses[0]
        scored = []
        for clause in clauses:
            if clause.kind is Kind.PREAMBLE or clause.id not in outcome_scores:
                continue
            coverage = about.share(f"{clause.title}\n{clause.box}\n{_tidy(clause.text)}")
            if coverage < TEXT_MATCH:
                continue
            rank = coverage + 0.25 * about.share(_heading(clause)) + _KIND_BONUS.get(clause.kind, 0.0)
            if clause.kind is Kind.SECTION and clause.about_the_past:
                rank -= 0.3  # what was achieved before, not what the plan will do
            scored.append((rank, outcome_scores[clause.id], coverage, clause))
        scored.sort(key=lambda s: (-s[0], -s[1], s[3].seq))
        picks = [clause for *_rest, clause in scored[:per_plan]]
        coverage = scored[0][2] if scored else 0.0
        out.append(PlanComparison(doc_id, first.doc_short_title, first.region, picks, coverage))
    return out


def _search_scores(searcher: Searcher, topic: str, plans: dict[str, list[ClauseView]]) -> dict[str, float]:
    """BM25-based scores of each plan's best candidates, searched plan by plan so none is crowded out."""
    scores: dict[str, float] = {}
    for clauses in plans.values():
        outcome = searcher.search(topic, k=COMPARE_CANDIDATES, region=clauses[0].region, only_region=True)
        for result in outcome.results:
            if result.clause.doc_id == clauses[0].doc_id:
                scores.setdefault(result.clause.id, result.score)
    return scores


def key_sentence(clause: ClauseView, topic: str, searcher: Searcher, limit: int = 90) -> str:
    """From the clause's first sentence that holds most of the topic on, cut to `limit` characters."""
    about = _topic(searcher, _clean(topic))
    sentences = [s.strip() for s in SENTENCE.findall(_tidy(clause.text)) if s.strip()] or [clause.text]
    start = max(range(len(sentences)), key=lambda i: (about.share(sentences[i]), -i))
    text = "".join(sentences[start:])
    return text if len(text) <= limit else text[:limit] + "……"


# -- shared ----------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return to_simplified(clean_text(text)).strip()


def _region_of(searcher: Searcher, text: str, region: Region | None) -> tuple[Region | None, str, str]:
    """(the region to answer for, the text without the place name, a note when its plan is missing)."""
    named = searcher.gazetteer.detect(text)
    body = text.replace(named.matched, " ") if named else text
    chosen = named.region if named is not None and named.region is not None else region
    if chosen is not None and not chosen.covered:
        return None, body, f"{chosen.name}的规划暂未收录，下面是已收录规划里的写法，仅供参考。"
    return chosen, body, ""


@dataclass(frozen=True, slots=True)
class _Plans:
    """The plans a searcher holds: in answer order (catalogue order, then any others by id), and as a set."""

    order: tuple[str, ...]
    present: frozenset[str]


#: Made once per searcher (its clauses and library never change; a reload brings a new searcher).
_PLANS: weakref.WeakKeyDictionary[Searcher, _Plans] = weakref.WeakKeyDictionary()


def _plans(searcher: Searcher) -> _Plans:
    plans = _PLANS.get(searcher)
    if plans is None:
        present = frozenset(searcher.references.plans)
        every = [d for d in searcher.library.catalog if d in present]
        every += sorted(present - set(every))
        plans = _PLANS[searcher] = _Plans(tuple(every), present)
    return plans


def _plan_order(
    searcher: Searcher, region: Region | None, candidates: Collection[str] | None = None
) -> list[str]:
    """The doc ids to answer from: the region's plans, nearest first; else every plan in order, or
    with `candidates` (the plans of the clauses search ranked for the question) those among them.

    A question with no region is answered plan by plan, and an answer shows a few plans' lines: with
    five plans it can speak for each, with thousands (a national corpus) only for those the search
    found about the question; looking through every other plan took seconds at ×1000."""
    plans = _plans(searcher)
    if region is not None:
        return [d for d in region.plans if d in plans.present]
    if candidates is None:
        return list(plans.order)
    wanted = set(candidates)
    return [d for d in plans.order if d in wanted]


def _plan_clauses(
    searcher: Searcher, region: Region | None, candidates: Collection[str] | None = None
) -> dict[str, list[ClauseView]]:
    """The clauses of each plan to answer from, plan by plan (the reference map keeps them apart)."""
    return {d: searcher.references.clauses_of(d) for d in _plan_order(searcher, region, candidates)}


@dataclass(frozen=True, slots=True)
class _Topic:
    """What a question is about: its words, the pieces of each, and the policy terms they stand for.

    Only the longest words count (残疾儿童康复救助, not also 儿童 and 康复), each by its idf; a word
    whose pieces stand apart in a text ("托养和照护服务" for 托养服务) counts for PIECES_SHARE of
    what its pieces weigh."""

    text: str
    own: dict[str, float]  # the longest words → idf
    pieces: dict[str, dict[str, float]]  # word → its shorter words → idf
    standins: dict[str, frozenset[str]]  # word or piece → the policy terms it stands for

    def __bool__(self) -> bool:
        return bool(self.own)

    def share(self, text: str) -> float:
        """How much of the topic `text` holds: a word, else a term it stands for (SYNONYM_SHARE of
        it), else its pieces standing apart (PIECES_SHARE of what they weigh)."""
        if not self.own:
            return 0.0
        haystack = folded(text)

        def holds(word: str) -> bool:
            return word in haystack or any(term in haystack for term in self.standins.get(word, ()))

        held = 0.0
        for word, weight in self.own.items():
            if word in haystack:
                held += weight
            elif holds(word):
                held += weight * SYNONYM_SHARE
            elif pieces := self.pieces.get(word):
                found = sum(w for piece, w in pieces.items() if holds(piece))
                held += weight * PIECES_SHARE * found / sum(pieces.values())
        return held / sum(self.own.values())

    def mentions(self, text: str) -> int:
        """How often `text` names the topic's longest word."""
        longest = max(self.own, key=len, default="")
        return folded(text).count(longest) if longest else 0

    @property
    def words(self) -> str:
        """The topic as the question put it, without its filler: "康复", "就业人数"."""
        return "".join(self.own)


def _topic(searcher: Searcher, text: str) -> _Topic:
    tokenizer = searcher.tokenizer
    tokens = list(
        dict.fromkeys(
            w
            for w in tokenizer.tokens(text)
            if w not in GENERIC and (_HAN.search(w) or w in searcher.index.term_ids)
        )
    )
    longest = [w for w in tokens if not any(w != other and w in other for other in tokens)]
    longest = [w for w in longest if len(w) > 1] or longest
    own = {w: _idf(searcher, w) for w in longest}
    pieces = {w: {p: _idf(searcher, p) for p in tokens if p != w and p in w} for w in longest}
    standins = {
        word: frozenset(
            token
            for term in tokenizer.synonyms.terms.get(word, ())
            for token in tokenizer.tokens(term)
            if token not in GENERIC and token not in tokens
        )
        for word in tokens
    }
    return _Topic(text, own, {w: p for w, p in pieces.items() if p}, {w: t for w, t in standins.items() if t})


def _idf(searcher: Searcher, token: str) -> float:
    index = searcher.index
    term = index.term_ids.get(token)
    return max(float(index.idf[term]), 0.05) if term is not None else 1.0


def _heading(clause: ClauseView) -> str:
    """What an item is titled: its title, else (a section's text) the heading above it."""
    if clause.title:
        return clause.title
    if clause.path:
        return re.sub(r"^[（(]?[一二三四五六七八九十]+[)）、]?", "", clause.path[-1])
    return ""


def _tidy(text: str) -> str:
    return DEPARTMENT_NOTE.sub("", text).strip()


def _count(n: int) -> str:
    return "两" if n == 2 else to_chinese(n) if n < 100 else str(n)
