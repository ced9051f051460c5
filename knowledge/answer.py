"""Plain-language replies: a short direct answer, the clauses it rests on, a next step, a glossary.

Nothing here writes a fact of its own. The direct answer is either a benefit guide's
summary (checked against its cited clauses by tests) or sentences taken from the best
clause, trimmed of department lists and slogans. When the plans do not answer, the reply
says so and says where to ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.clause import ClauseView, Kind
from knowledge.guides import Guide, glossary_for
from knowledge.library import Library
from knowledge.search import Query, Result, SearchOutcome

MAX_MAIN_CHARS = 300
MAX_SENTENCE_CHARS = 130
HOTLINE_PLANS = frozenset({"tongxin"})  # plans that name the 12385 残疾人服务热线

_DEPARTMENTS = re.compile(
    r"[（(][^（）()]*(牵头单位|牵头部门|责任单位|参与单位|参与部门|责任部门|配合单位)[:：][^）)]*[）)]"
)
_SLOGAN = re.compile(
    r"习近平|总书记|高质量发展|新时代|新发展理念|党的|十九大|二十大|中国特色社会主义|共同富裕|新征程"
)
_SENTENCE = re.compile(r"[^。；！？]+[。；！？]?")
_FACET_GAP = {
    "amount": "规划里没有写具体的补贴金额，金额以当地民政、残联公布的标准为准。",
    "address": "规划里没有写具体地址。",
    "hours": "规划里没有写办公时间。",
    "phone": "规划里没有写联系电话。",
    "brand": "规划不推荐具体的产品或品牌。",
}
WHERE_TO_ASK = "建议向户籍所在地的乡镇（街道）或县级残联咨询"
GENERAL_NEXT_STEP = "具体怎么办理，可以咨询户籍所在地的乡镇（街道）或县级残联。"


@dataclass(frozen=True, slots=True)
class Citation:
    clause_id: str
    plan: str  # the plan's short title: 朔州市规划
    region: str
    label: str  # the citation as words: 朔州市规划 专栏9 第2项
    spoken: str  # the citation for the ear: 朔州市规划，专栏九，第二项


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

    def render(self) -> str:
        """The whole reply as plain text, for the console, Telegram and speech."""
        parts = [p for p in (self.note, self.main) if p]
        if self.citations:
            parts.append("依据：\n" + "\n".join(c.label for c in self.citations))
        if self.next_step:
            parts.append(f"下一步：{self.next_step}")
        if self.glossary:
            parts.append(
                "词语解释："
                + "；".join(f"{term}：{plain.rstrip('。')}" for term, plain in self.glossary)
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


def tidy(text: str) -> str:
    """A clause's text without its department list."""
    return _DEPARTMENTS.sub("", text).strip()


def key_sentences(clause: ClauseView, query: Query, limit: int = 2) -> str:
    """The clause's sentences that share most with the question, in their original order."""
    sentences = [s.strip() for s in _SENTENCE.findall(tidy(clause.text)) if s.strip()]
    if clause.title and sentences and sentences[0].rstrip("。：:") == clause.title and len(sentences) > 1:
        sentences = sentences[1:]  # the item's title alone says little
    sentences = [s for s in sentences if not _SLOGAN.search(s)] or sentences[:1]
    wanted = set(query.weights)

    def overlap(sentence: str) -> float:
        return sum(query.weights.get(w, 0.0) for w in wanted if w in sentence)

    best = sorted(range(len(sentences)), key=lambda i: (-overlap(sentences[i]), i))[:limit]
    chosen = [sentences[i] for i in sorted(best) if overlap(sentences[i]) > 0] or sentences[:1]
    text = "".join(_shorten(s) for s in chosen)
    return text if text.endswith(("。", "！", "？")) else text.rstrip("；，,;") + "。"


def _shorten(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    cut = sentence[:MAX_SENTENCE_CHARS]
    comma = max(cut.rfind("，"), cut.rfind("、"))
    return (cut[:comma] if comma > 40 else cut) + "等。"


def _region_note(outcome: SearchOutcome, used: list[ClauseView]) -> str:
    if outcome.region_covered is False and outcome.query.region is not None:
        return f"{outcome.query.region.name}的规划暂未收录，下面是其他地区的类似规定，仅供参考。"
    chain = outcome.applicable_regions
    if chain and used and all(c.region not in chain for c in used):
        return "您所在地区的规划没有直接写到这一点，下面是其他地区的规定，仅供参考。"
    return ""


def compose(outcome: SearchOutcome, library: Library) -> Answer:
    """Turn a search outcome into a reply."""
    answer = _compose(outcome, library)
    answer.results = list(outcome.results)
    answer.coverage = outcome.coverage
    answer.region = outcome.region
    return answer


def _compose(outcome: SearchOutcome, library: Library) -> Answer:
    if not outcome.in_scope or not outcome.results:
        return _not_covered(outcome)
    results = [r for r in outcome.results if r.clause.kind is not Kind.PREAMBLE] or outcome.results
    if outcome.query.asks_departments and results[0].clause.departments:
        return _departments(outcome, results[0].clause)
    guide = _guide_for(outcome)
    if guide is not None:
        return _from_guide(outcome, guide, results, library)
    top = results[0]
    used = [top.clause]
    main = f"{top.clause.doc_short_title}提到：{key_sentences(top.clause, outcome.query)}"
    second = _second_opinion(results, top)
    if second is not None:
        extra = (
            f"{second.clause.doc_short_title}也提到：{key_sentences(second.clause, outcome.query, limit=1)}"
        )
        if len(main) + len(extra) <= MAX_MAIN_CHARS:
            main += extra
            used.append(second.clause)
    if top.clause.kind is Kind.INDICATOR and top.clause.indicator is not None:
        main = _indicator_sentence(top.clause)
    return Answer(
        in_scope=True,
        main=main[: MAX_MAIN_CHARS + 20],
        citations=[cite(c) for c in used],
        next_step=_next_step(used, None),
        glossary=glossary_for(main, library.glossary),
        note=_region_note(outcome, used),
        more=[r.clause.id for r in results[len(used) : len(used) + 3]],
    )


def _departments(outcome: SearchOutcome, clause: ClauseView) -> Answer:
    """For case workers asking who leads an item: the departments, then the item in one line."""
    title = clause.title or key_sentences(clause, outcome.query, limit=1)
    lead = "、".join(clause.lead_departments) or "未列明"
    main = f"{clause.doc_short_title}“{title}”这一项，牵头单位：{lead}。"
    if clause.participating_departments:
        main += f"参与单位：{'、'.join(clause.participating_departments)}。"
    return Answer(
        in_scope=True,
        main=main,
        citations=[cite(clause)],
        note=_region_note(outcome, [clause]),
        more=[r.clause.id for r in outcome.results[1:4]],
    )


def _indicator_sentence(clause: ClauseView) -> str:
    ind = clause.indicator
    assert ind is not None
    unit = f"（{ind.unit}）" if ind.unit else ""
    start = f"2020年为{ind.value_2020}，" if ind.value_2020 else ""
    attribute = f"，属于{ind.attribute}指标" if ind.attribute else ""
    target = f"2025年目标是{ind.target_2025}" if ind.target_2025 else "2025年目标未列明"
    return f"{clause.doc_short_title}的主要指标“{ind.name}”{unit}：{start}{target}{attribute}。"


def _second_opinion(results: list[Result], top: Result) -> Result | None:
    """A strong result from another plan, so that one reply shows how two regions say it."""
    for result in results[1:3]:
        if result.clause.doc_id != top.clause.doc_id and result.score >= 0.8 * top.score:
            return result
    return None


def _guide_for(outcome: SearchOutcome) -> Guide | None:
    """The guide the question is about, if search agrees: one of its clauses is among the top results."""
    guide = outcome.query.guide
    cited = outcome.query.guide_clauses
    return guide if any(r.clause.id in cited for r in outcome.results[:3]) else None


def _from_guide(outcome: SearchOutcome, guide: Guide, results: list[Result], library: Library) -> Answer:
    chain = outcome.applicable_regions
    regional = dict(guide.regional)
    by_region = {r.clause.doc_id: r.clause.region for r in results}
    cited = {f"{doc}:{ref}" for doc, refs in guide.sources for ref in refs}
    own = [r.clause for r in results if r.clause.id in cited and (not chain or r.clause.region in chain)]
    used = own[:2] or [r.clause for r in results if r.clause.id in cited][:2]
    lines = [guide.summary]
    for doc_id, sentence in regional.items():
        region = by_region.get(doc_id) or next((c.region for c in used if c.doc_id == doc_id), None)
        if chain and region in chain and len(lines[0]) + len(sentence) < MAX_MAIN_CHARS:
            lines.append(sentence)
    main = "".join(lines)
    return Answer(
        in_scope=True,
        main=main,
        citations=[cite(c) for c in used],
        next_step=_next_step(used, guide),
        glossary=list(guide.glossary) or glossary_for(main, library.glossary),
        note=_region_note(outcome, used),
        guide=guide,
        screening=guide.screening,
        more=[r.clause.id for r in results if r.clause not in used][:3],
    )


def _next_step(used: list[ClauseView], guide: Guide | None) -> str:
    step = guide.how_to_apply if guide is not None else GENERAL_NEXT_STEP
    if any(c.doc_id in HOTLINE_PLANS for c in used):
        step += "也可以拨打12385残疾人服务热线。"
    return step


def _not_covered(outcome: SearchOutcome) -> Answer:
    gaps = [_FACET_GAP[f.name] for f in outcome.query.facets if f.name in _FACET_GAP]
    note = ""
    if outcome.region_covered is False and outcome.query.region is not None:
        note = f"{outcome.query.region.name}的规划暂未收录，我只能回答已收录的五份规划里的内容。"
    main = "已收录的规划里没有找到这个问题的答案。" + "".join(gaps)
    return Answer(
        in_scope=False,
        main=main,
        next_step=f"{WHERE_TO_ASK}，或者换个说法再问我。",
        note=note,
        more=[r.clause.id for r in outcome.results[:3]],
    )
