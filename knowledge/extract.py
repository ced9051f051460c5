"""The sentences that answer a question, picked from the clauses search ranked highest.

Each sentence of the top clauses is scored by how much of the question it covers (every question
word weighted by its idf in the plans; a policy term an everyday word stands for counts for it, a
little less), whether it states the kind of fact the question asks for (an amount, a number, an
age…), how high search ranked its clause, and whether its plan is the asker's. A long sentence is
narrowed to the comma-separated parts that carry the match, with the part before when the match
depends on it. Indicator rows become one plain sentence of their table values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.clause import ClauseView, Indicator, Kind
from knowledge.indicator_table import Value
from knowledge.intents import Ask
from knowledge.numerals import small_chinese
from knowledge.plain import SLOGAN, Sentence, ending, parts, sentences
from knowledge.search import Query, Searcher, SearchOutcome

CANDIDATE_CLAUSES = 8
LONG_SENTENCE = 100  # longer sentences are narrowed to the parts that match
TOO_LONG = 180  # …and one longer than this is only shown narrowed
SYNONYM_CREDIT = 0.8  # a policy term the question's everyday word stands for
PIECE_CREDIT = 0.6  # a piece of the word ("公交" for 公交车)
PIECE_SPAN = 1.5  # …in full when it spans 2/3 of the word, less when it is a smaller part of it
STATES_BONUS = 0.25  # the sentence states the kind of fact asked for
RICHNESS = 0.01  # per question word or policy term the sentence names
AGE_FIT = 0.2  # the sentence's age range holds the age the question gives (less that much when it does not)
RANK_WEIGHT = 0.2  # how much search's ranking of the clause counts
HOME_BONUS = 0.12  # the asker's own plan
CHAIN_BONUS = 0.06  # a plan above the asker's
STORY_LENGTH = 40  # a longer question tells a story around what it asks…
STORY_WORD_WEIGHT = 0.35  # …and in it a word the plans never use weighs this share of a rare word's weight
ABOUT_IT = 0.1  # a part of a sentence names what was asked when it holds this much of the question
PART_ANSWERED = 0.5  # a sentence answers one part of a several-part question when it holds this much of it
PART_ON_TOPIC = 0.5
MAX_SENTENCES = 4
SECOND_SHARE = 0.55  # a second sentence must score at least this share of the first
SHORT_DEFINITION = 40  # a programme's name sentence shorter than this is followed by the sentence after it
ON_TOPIC = 0.7  # …and one added for the kind of fact it states must cover nearly as much of the question
SENTENCE_CACHE = 200_000  # clauses whose sentences are kept, made plain, per process
_LEADS = (
    "对",
    "为",
    "将",
    "在",
    "凡",
    "符合",
    "经",
    "按",
    "根据",
    "向",
    "给",
    "由",
    "鼓励",
    "支持",
    "落实",
    "把",
)
_CLAUSE_PART = re.compile(r"[^，；。！？]+[，；。！？]?")
_FOLLOWS = ("并", "且", "及", "和", "同时", "其", "给", "按", "确保", "实现", "提高", "保障", "纳入", "免费")


@dataclass(frozen=True, slots=True)
class Pick:
    """A sentence (or part of one) that may answer the question, and why it scored as it did."""

    clause: ClauseView
    text: str  # made plain, ends as a sentence
    coverage: float  # share of the question's meaning in it
    states: frozenset[str]  # the asked kinds of fact it states
    score: float
    rank: int  # its clause's place in search's ranking (0 = first)
    covered: frozenset[str]  # the question words it covers


@dataclass(frozen=True, slots=True)
class Terms:
    """The question's words: each with its weight, its pieces and the policy terms it stands for."""

    weight: dict[str, float]
    parts: dict[str, tuple[str, ...]]
    means: dict[str, tuple[str, ...]]
    # Made once from the above for `Extractor.coverage`, which runs for every part of every candidate
    # sentence: the weights' sum, and per word (word, weight, its policy terms, its pieces of 2+ chars).
    total: float = field(init=False)
    checks: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = field(init=False)
    named: tuple[str, ...] = field(init=False)  # each word and its policy terms, for `_richness`

    def __post_init__(self) -> None:
        long_parts = {w: tuple(p for p in self.parts[w] if len(p) > 1) for w in self.weight}
        checks = tuple((w, v, self.means[w], long_parts[w]) for w, v in self.weight.items())
        object.__setattr__(self, "total", sum(self.weight.values()))
        object.__setattr__(self, "checks", checks)
        object.__setattr__(self, "named", tuple(t for w in self.weight for t in (w, *self.means[w])))

    def without(self, words: frozenset[str]) -> Terms:
        keep = {w: v for w, v in self.weight.items() if w not in words}
        return Terms(keep, {w: self.parts[w] for w in keep}, {w: self.means[w] for w in keep})


def share(weights: dict[str, float], words: Iterable[str]) -> float:
    """The share of the question's weight that `words` (question words) carry."""
    total = sum(weights.values())
    return sum(weights[w] for w in set(words) if w in weights) / total if total else 0.0


class Extractor:
    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._last_terms: tuple[Query, Terms] | None = None  # an answer asks for its query's terms twice
        self._sentences: dict[str, tuple[Sentence, ...]] = {}

    # -- scoring -------------------------------------------------------------------------------------

    def terms(self, query: Query) -> Terms:
        """The question's words, each counted once: search cuts "公交车" into 公交车 and 公交, and a
        word and its pieces are one thing asked about (weighted by the most telling of them)."""
        last = self._last_terms
        if last is not None and last[0] is query:
            return last[1]
        stop = self.searcher.tokenizer.stopwords
        words = [
            w
            for w in dict.fromkeys([*query.words, *query.stands_for])
            if w not in stop or query.stands_for.get(w)
        ]
        heads = [w for w in words if not any(w != other and w in other for other in words)]
        synonyms = self.searcher.tokenizer.synonyms.terms
        weight: dict[str, float] = {}
        parts: dict[str, tuple[str, ...]] = {}
        means: dict[str, tuple[str, ...]] = {}
        story = len(query.text) > STORY_LENGTH
        for head in heads:
            pieces = tuple(w for w in words if w != head and w in head)
            weight[head] = max(self.searcher.idf(w) for w in (head, *pieces))
            parts[head] = pieces
            # whole policy terms ("机动车"), not the pieces search cuts them into ("动车")
            means[head] = tuple(
                dict.fromkeys(t for w in (head, *pieces) for t in synonyms.get(w, ()) if t != w)
            )
            if story and not any(map(self.searcher.in_plans, (head, *pieces, *means[head]))):
                weight[head] *= STORY_WORD_WEIGHT  # the story's words ("老板", "工地"), not what is asked
        terms = Terms(weight, parts, means)
        self._last_terms = (query, terms)
        return terms

    def topic(self, query: Query, asks: Iterable[Ask]) -> Terms:
        """The question's words but those that only ask ("多少钱", "补贴标准"): what it is about."""
        terms = self.terms(query)
        asked_by = set("".join(a.wording(query.text) for a in asks))
        return terms.without(frozenset(w for w in terms.weight if set(w) <= asked_by))

    def weights(self, query: Query) -> dict[str, float]:
        """Each question word's weight (idf), stop words without a policy meaning left out."""
        return self.terms(query).weight

    def coverage(self, terms: Terms, text: str) -> tuple[float, frozenset[str]]:
        """How much of the question `text` holds: a word itself counts fully, a policy term it stands for
        nearly, one of its pieces ("公交" for 公交车) a little less."""
        total = terms.total
        if not total:
            return 0.0, frozenset()
        covered = 0.0
        hit: list[str] = []
        for word, weight, means, pieces in terms.checks:  # pieces: not 用 of 专用
            if word in text:
                credit = 1.0
            else:
                for term in means:
                    if term in text:
                        credit = SYNONYM_CREDIT
                        break
                else:
                    found = max((len(p) for p in pieces if p in text), default=0)
                    if not found:
                        continue
                    # 公交 says most of 公交车; 家庭 says little of 低保边缘家庭
                    credit = PIECE_CREDIT * min(1.0, PIECE_SPAN * found / len(word))
            covered += weight * credit
            hit.append(word)
        return covered / total, frozenset(hit)

    def picks(self, outcome: SearchOutcome, asks: tuple[Ask, ...]) -> list[Pick]:
        """Every candidate sentence of the top clauses, best first."""
        query = outcome.query
        terms = self.terms(query)
        results = [r for r in outcome.results if _usable(r.clause)][:CANDIDATE_CLAUSES]
        if outcome.pinned:  # the question names its clauses: answer from them
            results = [r for r in results if r.clause.id in outcome.pinned] or results
        if not results:
            return []
        top = max(r.score for r in results) or 1.0
        chain = outcome.applicable_regions
        topic = self.topic(query, asks)
        age = age_given(query.text)
        out: list[Pick] = []
        for rank, result in enumerate(results):
            clause = result.clause
            prior = RANK_WEIGHT * (result.score / top)
            if chain:
                prior += (
                    HOME_BONUS if clause.region == chain[0] else CHAIN_BONUS if clause.region in chain else 0
                )
            for text in self._units(clause, terms):
                coverage, covered = self.coverage(terms, text)
                if (
                    clause.title and clause.title not in text
                ):  # an item's name says what its sentences are about
                    titled, with_title = self.coverage(terms, f"{clause.title}：{text}")
                    if titled > coverage:
                        text, coverage, covered = f"{clause.title}：{text}", titled, with_title
                states = self.states(topic, asks, text)
                bonus = STATES_BONUS * (len(states) / len(asks)) if asks else 0.0
                bonus += RICHNESS * self._richness(terms, text)
                if age is not None:
                    bonus += AGE_FIT * age_fit(age, text)
                out.append(Pick(clause, text, coverage, states, coverage + bonus + prior, rank, covered))
        out.sort(key=lambda p: (-p.score, p.rank))
        return out

    def states(self, topic: Terms, asks: Iterable[Ask], text: str) -> frozenset[str]:
        """The asked kinds of fact `text` states about what was asked: an amount in the part of the sentence
        that names something the question is about (`topic`: its words but those that ask, "多少钱"), or
        the part just before it ("免费" in a part about buses does not answer a question about trains)."""
        if not asks:
            return frozenset()
        pieces = _CLAUSE_PART.findall(text)
        about: dict[int, bool] = {}  # each piece's, worked out when an ask needs it

        def is_about(i: int) -> bool:
            if i not in about:
                about[i] = self.coverage(topic, pieces[i])[0] >= ABOUT_IT
            return about[i]

        found: set[str] = set()
        for ask in asks:
            for i, piece in enumerate(pieces):
                if ask.stated.search(piece) and (is_about(i) or (i > 0 and is_about(i - 1))):
                    found.add(ask.name)
                    break
        return frozenset(found)

    @staticmethod
    def _richness(terms: Terms, text: str) -> int:
        """How many of the question's words and the policy terms they stand for the text holds: between
        two sentences that cover the question alike, the one that names more of it says more."""
        return sum(1 for t in terms.named if t in text)

    def _units(self, clause: ClauseView, terms: Terms) -> Iterable[str]:
        """The clause's answerable units: its sentences, long ones narrowed to their matching parts."""
        if clause.kind is Kind.INDICATOR and clause.indicator is not None:
            yield indicator_sentence(clause.indicator)
            return
        for sentence in self._plain_sentences(clause):
            if SLOGAN.search(sentence.plain):
                continue
            text = sentence.plain
            windows = list(self._windows(terms, text)) if len(text) > LONG_SENTENCE else []
            yield from windows
            if len(text) <= TOO_LONG or not windows:  # a sentence too long for a phone is shown in part
                yield ending(text)

    def _plain_sentences(self, clause: ClauseView) -> tuple[Sentence, ...]:
        """`sentences(clause.text, clause.title)`, made once per clause (the top clauses recur)."""
        made = self._sentences.get(clause.id)
        if made is None:
            made = tuple(sentences(clause.text, clause.title))
            if len(self._sentences) < SENTENCE_CACHE:
                self._sentences[clause.id] = made
        return made

    def _windows(self, terms: Terms, sentence: str) -> Iterable[str]:
        """The best-matching part of a long sentence, with the part before it when it leans on it."""
        pieces = parts(sentence)
        if len(pieces) < 2:
            return
        scored = [self.coverage(terms, p)[0] for p in pieces]
        best = max(range(len(pieces)), key=lambda i: (scored[i], -i))
        if scored[best] == 0:
            return
        start, end = best, best + 1
        if best > 0 and (pieces[best].startswith(_FOLLOWS) or len(pieces[best]) < 12):
            start = best - 1
        while start > 0 and pieces[start - 1].startswith(_LEADS) and sum(map(len, pieces[start:end])) < 60:
            start -= 1
        if end < len(pieces) and pieces[end].startswith(_FOLLOWS) and len(pieces[end]) < 30:
            end += 1
        while start > 0 and pieces[start - 1].endswith("、"):  # a list is shown whole, never from its middle
            start -= 1
        while end < len(pieces) and pieces[end - 1].endswith("、"):
            end += 1
        window = "".join(pieces[start:end])
        if start == 0 and end == len(pieces):
            return
        yield ending(window)

    # -- choosing what to show --------------------------------------------------------------------------

    def choose(self, picks: list[Pick], outcome: SearchOutcome, asks: tuple[Ask, ...]) -> list[Pick]:
        """The sentences the answer shows: the best, then what adds to it (at most three)."""
        chain = outcome.applicable_regions
        pool = [p for p in picks if not chain or p.clause.region in chain] or picks
        if not pool:
            return []
        best = pool[0]
        chosen = [best]
        covered = set(best.covered)
        wanted = {a.name for a in asks}
        for pick in pool[1:]:
            if len(chosen) >= 3:
                break
            if _overlaps(pick, chosen):
                continue
            new_words = pick.covered - covered
            new_facts = (pick.states - set().union(*(p.states for p in chosen))) & wanted
            same_clause = pick.clause is best.clause
            strong = pick.score >= SECOND_SHARE * best.score
            on_topic = pick.coverage >= ON_TOPIC * best.coverage
            if (new_facts and strong and on_topic) or (
                new_words and strong and (same_clause or pick.coverage >= 0.5)
            ):
                chosen.append(pick)
                covered |= pick.covered
        if "define" in wanted and len(best.text) < SHORT_DEFINITION:
            chosen += [p for p in self._next_sentence(picks, best) if p not in chosen]
        if not chain:
            chosen = self._other_region(picks, chosen)
        return chosen

    def for_each_part(
        self, picks: list[Pick], chosen: list[Pick], parts: list[Terms], outcome: SearchOutcome
    ) -> list[Pick]:
        """A message asking several things ("…能补吗？房租能补不？"): the sentence that best answers each
        part joins the answer when none shown answers it yet."""
        if not chosen:
            return chosen
        chain = outcome.applicable_regions
        floor = PART_ON_TOPIC * chosen[0].coverage  # …and is about what the whole message is about
        pool = [p for p in picks if (not chain or p.clause.region in chain) and p.coverage >= floor]
        out = list(chosen)
        for part in parts:
            if len(out) >= MAX_SENTENCES:
                break
            if any(self.coverage(part, p.text)[0] >= PART_ANSWERED for p in out):
                continue
            scored = [(self.coverage(part, p.text)[0], p.score, p) for p in pool if not _overlaps(p, out)]
            if scored:
                coverage, _, best = max(scored, key=lambda s: (s[0], s[1]))
                if coverage >= PART_ANSWERED:
                    out.append(best)
        return out

    def _next_sentence(self, picks: list[Pick], best: Pick) -> list[Pick]:
        """What a programme is: its name alone says little; the clause's next sentence explains it."""
        same = [
            p for p in picks if p.clause is best.clause and p.text != best.text and p.text not in best.text
        ]
        units = [s.plain for s in self._plain_sentences(best.clause)]
        index = next((i for i, u in enumerate(units) if ending(u) == best.text), None)
        if index is None or index + 1 >= len(units):
            return []
        following = ending(units[index + 1])
        return [p for p in same if p.text == following][:1]

    def _other_region(self, picks: list[Pick], chosen: list[Pick]) -> list[Pick]:
        """With no region known, a second plan that says it as well is shown beside the first."""
        shown = {p.clause.doc_id for p in chosen}
        best = chosen[0]
        for pick in picks:
            if pick.clause.doc_id in shown:
                continue
            if pick.score >= 0.85 * best.score and pick.coverage >= 0.9 * best.coverage and len(chosen) < 3:
                return [*chosen, pick]
            break
        return chosen


def indicator_sentence(indicator: Indicator) -> str:
    """An indicator row as one plain sentence:
    "残疾人辅助器具适配率：2020年高于80%，2025年的目标是高于85%（约束性指标）。"."""
    unit = indicator.unit
    parts = []
    if indicator.value_2020:
        parts.append(f"2020年{Value(indicator.value_2020, unit).words}")
    if indicator.target_2025:
        parts.append(f"2025年的目标是{Value(indicator.target_2025, unit).words}")
    attribute = f"（{indicator.attribute}指标）" if indicator.attribute else ""
    return f"{indicator.name}：{'，'.join(parts) or '规划没有列出数值'}{attribute}。"


def _usable(clause: ClauseView) -> bool:
    return clause.kind is not Kind.PREAMBLE


def _overlaps(pick: Pick, chosen: list[Pick]) -> bool:
    return any(pick.text in p.text or p.text in pick.text for p in chosen if p.clause is pick.clause)


_AGE_GIVEN = re.compile(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:周岁|岁)")
_AGE_RANGE = re.compile(r"(\d{1,2})\s*(?:-|—|–|~|～|至|到)\s*(\d{1,2})\s*(?:周岁|岁)")


def age_given(text: str) -> int | None:
    """The age a question gives ("十二岁了", "孩子3岁"), when it gives one."""
    match = _AGE_GIVEN.search(text)
    if match is None:
        return None
    value = match.group(1)
    return int(value) if value.isdigit() else small_chinese(value)


def age_fit(age: int, text: str) -> int:
    """1 when an age range in `text` holds `age` ("0-16岁" for 12), -1 when every range in it leaves
    `age` out, 0 when it names none."""
    ranges = [(int(low), int(high)) for low, high in _AGE_RANGE.findall(text)]
    if not ranges:
        return 0
    return 1 if any(low <= age <= high for low, high in ranges) else -1
