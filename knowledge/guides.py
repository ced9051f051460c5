"""Benefit guides: plain answers to the questions people ask most, each resting on plan clauses.

A guide is a TOML file in knowledge/data/guides/ that a policy worker can edit: a plain
summary, who it is for, how to apply, and per region the clauses ("<doc_id>:<ref>") it rests
on. Files are validated when loaded; every error names the file and the field, so a typo in
a data file fails loudly instead of quietly dropping a benefit from the bot's answers.

`match_guide` decides whether a question is about one guide by plain substring matching on
its aliases and keywords, and on its `together` groups: words that point to it only together,
wherever they stand ("孩子…听力…康复" for 残疾儿童康复救助). The search engine does the heavy
lifting elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.datafile import DataError, read_toml
from knowledge.refs import LOCAL_PATTERN, ClauseRef
from knowledge.tokenize import clean_text, to_simplified

SUMMARY_MAX_CHARS = 150
_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_SPACE = re.compile(r"\s+")

_REQUIRED_TEXT = ("id", "title", "summary", "who", "how_to_apply")
_KNOWN_FIELDS = frozenset(
    {
        *_REQUIRED_TEXT,
        *("aliases", "keywords", "together", "national_rule", "glossary", "screening", "sources", "regional"),
    }
)


class GuideError(DataError):
    """A guide or glossary file is malformed; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Guide:
    """One benefit guide, as loaded and validated from its TOML file."""

    id: str
    title: str
    aliases: tuple[str, ...]  # names of the benefit: 护理补贴, 两项补贴
    keywords: tuple[str, ...]  # everyday words that point to it: 瘫痪, 卧床
    together: tuple[tuple[str, ...], ...]  # groups of words that point to it when each group has one
    summary: str
    who: str
    how_to_apply: str
    national_rule: str  # what the plans leave to national or provincial rules; "" if nothing
    glossary: tuple[tuple[str, str], ...]  # (term, plain explanation), from glossary.toml
    screening: str | None
    sources: tuple[tuple[str, tuple[str, ...]], ...]  # (doc_id, refs), in file order
    regional: tuple[tuple[str, str], ...]  # (doc_id, one plain sentence)
    path: Path

    @property
    def doc_ids(self) -> tuple[str, ...]:
        return tuple(doc_id for doc_id, _ in self.sources)

    def refs_for(self, doc_id: str) -> tuple[str, ...]:
        """The refs this guide cites in one plan ("3.1.4", "box2.2"), or () if none."""
        return next((refs for d, refs in self.sources if d == doc_id), ())

    def clause_keys_for(self, doc_id: str) -> tuple[str, ...]:
        """Clause keys ("<doc_id>:<ref>") as used by knowledge.parse.clause_index and the store."""
        return tuple(ClauseRef(doc_id, ref).key for ref in self.refs_for(doc_id))

    @property
    def clause_keys(self) -> tuple[str, ...]:
        return tuple(key for doc_id in self.doc_ids for key in self.clause_keys_for(doc_id))

    def regional_for(self, doc_id: str) -> str:
        """The plain sentence on what this region's plan adds, or "" if the guide has none."""
        return next((text for d, text in self.regional if d == doc_id), "")

    @property
    def plain_texts(self) -> tuple[str, ...]:
        """Every text a reply may show a user (checked for numbers, amounts and slogans)."""
        regional = (text for _, text in self.regional)
        return (self.title, self.summary, self.who, self.how_to_apply, self.national_rule, *regional)


def normalize(text: str) -> str:
    """The form both questions and terms are compared in: NFKC, Simplified, lower case, no spaces."""
    return _SPACE.sub("", to_simplified(clean_text(text)))


# ---- loading -------------------------------------------------------------------------------


def _fail(path: Path, field: str, problem: str) -> GuideError:
    return GuideError(f"{path.name}: field '{field}': {problem}")


def _text(path: Path, raw: dict, field: str, *, required: bool) -> str:
    value = raw.get(field, "")
    if not isinstance(value, str):
        raise _fail(path, field, "must be a string")
    value = value.strip()
    if required and not value:
        raise _fail(path, field, "is required and must not be empty")
    return value


def _terms(path: Path, raw: dict, field: str) -> tuple[str, ...]:
    value = raw.get(field, [])
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise _fail(path, field, "must be a list of non-empty strings")
    terms = tuple(t.strip() for t in value)
    seen: set[str] = set()
    for term in terms:
        key = normalize(term)
        if len(key) < 2:
            raise _fail(path, field, f"term {term!r} is too short to match reliably")
        if key in seen:
            raise _fail(path, field, f"term {term!r} is listed twice")
        seen.add(key)
    return terms


def read_glossary(glossary_file: Path) -> dict[str, str]:
    """Term → plain explanation, from glossary.toml."""
    raw = read_toml(glossary_file, GuideError, glossary_file.name)
    terms = raw.get("terms")
    if not isinstance(terms, dict) or not terms:
        raise GuideError(f"{glossary_file.name}: field 'terms': must be a non-empty table")
    for term, text in terms.items():
        if not isinstance(text, str) or not text.strip():
            raise GuideError(f"{glossary_file.name}: field 'terms.{term}': needs a plain explanation")
    return {term: text.strip() for term, text in terms.items()}


def _together(path: Path, raw: dict) -> tuple[tuple[str, ...], ...]:
    groups = raw.get("together", [])
    if not isinstance(groups, list) or (groups and len(groups) < 2):
        raise _fail(path, "together", "must be two or more lists of words, one word of each to be present")
    return tuple(
        tuple(normalize(w) for w in _terms(path, {"together": group}, "together")) for group in groups
    )


def _sources(path: Path, raw: dict, doc_ids: Collection[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = raw.get("sources")
    if not isinstance(value, dict) or not value:
        raise _fail(path, "sources", "needs at least one plan with the refs the guide rests on")
    out = []
    for doc_id, refs in value.items():
        field = f"sources.{doc_id}"
        if doc_id not in doc_ids:
            raise _fail(path, field, f"unknown plan; expected one of {sorted(doc_ids)}")
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            raise _fail(path, field, 'must be a non-empty list of refs like "3.1.4" or "box2.2"')
        for ref in refs:
            if not LOCAL_PATTERN.fullmatch(ref):
                raise _fail(path, field, f'{ref!r} is not a ref ("3.1.4", "2.2.p1", "box2.6", "ind11")')
        if len(set(refs)) != len(refs):
            raise _fail(path, field, "lists a ref twice")
        out.append((doc_id, tuple(refs)))
    return tuple(out)


def _regional(path: Path, raw: dict, cited: Iterable[str]) -> tuple[tuple[str, str], ...]:
    value = raw.get("regional", {})
    if not isinstance(value, dict):
        raise _fail(path, "regional", "must be a table of plan id = sentence")
    cited = set(cited)
    out = []
    for doc_id, text in value.items():
        field = f"regional.{doc_id}"
        if doc_id not in cited:
            raise _fail(path, field, "this plan has no refs in [sources], so nothing backs the sentence")
        if not isinstance(text, str) or not text.strip():
            raise _fail(path, field, "must be a non-empty sentence")
        out.append((doc_id, text.strip()))
    return tuple(out)


def _glossary_entries(
    path: Path, raw: dict, texts: Iterable[str], shared: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    value = raw.get("glossary", [])
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise _fail(path, "glossary", "must be a list of terms defined in glossary.toml")
    body = "".join(texts)
    out = []
    for term in value:
        if term not in shared:
            raise _fail(path, "glossary", f"{term!r} is not defined in glossary.toml")
        if term not in body:
            raise _fail(path, "glossary", f"{term!r} is not used in the guide's text")
        out.append((term, shared[term]))
    return tuple(out)


def parse_guide(
    path: Path,
    raw: dict,
    doc_ids: Collection[str],
    glossary: Mapping[str, str],
    screenings: Collection[str],
) -> Guide:
    """Validate one guide's parsed TOML against the plans, glossary and screenings it may name."""
    unknown = set(raw) - _KNOWN_FIELDS
    if unknown:
        raise _fail(path, sorted(unknown)[0], f"unknown field; known fields are {sorted(_KNOWN_FIELDS)}")
    guide_id = _text(path, raw, "id", required=True)
    if not _ID_PATTERN.fullmatch(guide_id):
        raise _fail(path, "id", f"{guide_id!r} must be lower-case ascii letters, digits and _")
    if guide_id != path.stem:
        raise _fail(path, "id", f"{guide_id!r} must match the file name {path.stem!r}")
    summary = _text(path, raw, "summary", required=True)
    if len(summary) > SUMMARY_MAX_CHARS:
        raise _fail(path, "summary", f"{len(summary)} characters; keep it to {SUMMARY_MAX_CHARS}")
    aliases = _terms(path, raw, "aliases")
    if not aliases:
        raise _fail(path, "aliases", "needs at least one name for the benefit")
    keywords = _terms(path, raw, "keywords")
    overlap = {normalize(t) for t in aliases} & {normalize(t) for t in keywords}
    if overlap:
        raise _fail(path, "keywords", f"{sorted(overlap)[0]!r} is already an alias")
    together = _together(path, raw)
    screening = raw.get("screening")
    if screening is not None and screening not in screenings:
        raise _fail(path, "screening", f"{screening!r} is not one of {sorted(screenings)}")
    sources = _sources(path, raw, doc_ids)
    regional = _regional(path, raw, (doc_id for doc_id, _ in sources))
    title = _text(path, raw, "title", required=True)
    who = _text(path, raw, "who", required=True)
    how_to_apply = _text(path, raw, "how_to_apply", required=True)
    national_rule = _text(path, raw, "national_rule", required=False)
    texts = (title, summary, who, how_to_apply, national_rule, *(t for _, t in regional))
    return Guide(
        id=guide_id,
        title=title,
        aliases=aliases,
        keywords=keywords,
        together=together,
        summary=summary,
        who=who,
        how_to_apply=how_to_apply,
        national_rule=national_rule,
        glossary=_glossary_entries(path, raw, texts, glossary),
        screening=screening,
        sources=sources,
        regional=regional,
        path=path,
    )


def _check_terms_unique(guides: Sequence[Guide]) -> None:
    owner: dict[str, Guide] = {}
    for guide in guides:
        for term in guide.aliases + guide.keywords:
            key = normalize(term)
            if key in owner:
                raise _fail(
                    guide.path, "aliases/keywords", f"{term!r} is also a term of {owner[key].path.name}"
                )
            owner[key] = guide


def read_guides(
    directory: Path, doc_ids: Collection[str], glossary: Mapping[str, str], screenings: Collection[str]
) -> tuple[Guide, ...]:
    """Every guide in `directory`, sorted by file name, validated (see `parse_guide`)."""
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise GuideError(f"{directory}: no guide files (*.toml)")
    guides = tuple(
        parse_guide(path, read_toml(path, GuideError, path.name), doc_ids, glossary, screenings)
        for path in paths
    )
    _check_terms_unique(guides)
    return guides


# ---- matching ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    guide_index: int
    is_alias: bool


def _hits(text: str, terms: Iterable[tuple[str, int, bool]]) -> list[_Hit]:
    """Every occurrence of every term; longer terms claim their span first, so 机动轮椅车 hides 轮椅."""
    found = []
    for term, guide_index, is_alias in terms:
        start = text.find(term)
        while start != -1:
            found.append(_Hit(start, start + len(term), guide_index, is_alias))
            start = text.find(term, start + 1)
    found.sort(key=lambda h: (-(h.end - h.start), h.start))
    taken: list[_Hit] = []
    for hit in found:
        if all(hit.end <= t.start or hit.start >= t.end for t in taken):
            taken.append(hit)
    return taken


@cache
def _term_table(guides: tuple[Guide, ...]) -> tuple[tuple[str, int, bool], ...]:
    return tuple(
        (normalize(term), index, is_alias)
        for index, guide in enumerate(guides)
        for is_alias, terms in ((True, guide.aliases), (False, guide.keywords))
        for term in terms
    )


def match_guide(text: str, guides: Sequence[Guide]) -> Guide | None:
    """The guide a question is about, or None.

    The guide with the longest matched term wins (an alias beats a keyword of the same
    length); ties go to the guide whose terms cover more of the question, then file order.
    """
    pool = tuple(guides)
    normalized = normalize(text)
    matched = [
        (hit.guide_index, hit.end - hit.start, hit.is_alias) for hit in _hits(normalized, _term_table(pool))
    ]
    matched += _together_hits(normalized, pool)
    if not matched:
        return None
    scores: dict[int, tuple[int, bool, int]] = {}
    for index, length, is_alias in matched:
        best_len, best_alias, covered = scores.get(index, (0, False, 0))
        if (length, is_alias) > (best_len, best_alias):
            best_len, best_alias = length, is_alias
        scores[index] = (best_len, best_alias, covered + length)
    best = max(scores, key=lambda i: (*scores[i], -i))
    return pool[best]


def _together_hits(text: str, guides: tuple[Guide, ...]) -> list[tuple[int, int, bool]]:
    """(guide, length, False) for each guide whose `together` groups all have a word in the text;
    the length is the words' combined length, so it competes as a keyword of that length."""
    out = []
    for index, guide in enumerate(guides):
        found = [next((w for w in group if w in text), None) for group in guide.together]
        if found and all(found):
            out.append((index, sum(len(w) for w in found if w), False))
    return out


# ---- glossary ------------------------------------------------------------------------------


def glossary_for(text: str, glossary: Mapping[str, str]) -> list[tuple[str, str]]:
    """Glossary entries whose terms appear in a text, in order of first appearance.

    A longer term hides the shorter ones inside it (低保边缘家庭 does not also list 低保).
    """
    terms = tuple(glossary)
    hits = _hits(text, ((term, index, True) for index, term in enumerate(terms)))
    out: list[tuple[str, str]] = []
    for hit in sorted(hits, key=lambda h: h.start):
        term = terms[hit.guide_index]
        if (term, glossary[term]) not in out:
            out.append((term, glossary[term]))
    return out
