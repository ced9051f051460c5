"""Scaled corpora for the search benchmark, grown from the five real plans.

Copy 0 is the five plans as parsed. Every further copy renames each plan's region to an
invented one (澄溪县, 岚川市 …, never a real place planbot knows) and recombines each clause's
sentences: the sentences after the title sentence are shuffled, one of them is swapped for
(or, in a short clause, joined by) a sentence from another clause of the same kind in the same
plan, and an indicator row gets new target numbers. Clause texts are checked against a hash
set as they are made; a clash is redrawn with more borrowed sentences, so no generated clause
repeats another or any real one. Everything is drawn from RNGs seeded per (seed, copy, plan),
so the same arguments always give the same corpus.

Recombined texts reuse the real plans' sentences, which makes bulk tokenising cheap and
exact: jieba cuts text at punctuation before it segments, so the tokens of a text are the
tokens of its pieces, in order (`PieceTokenizer`; a test checks this on the five plans).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.clause import ClauseView, Kind
from knowledge.plans import PlanMeta, load_catalog
from knowledge.regions import load_gazetteer
from knowledge.tokenize import Tokenizer

SEED = 20250101
MAX_REDRAWS = 64
MIN_DONORS = 20  # a kind with fewer sentences in a plan borrows from the whole plan

#: Where a text may be cut without changing its tokens: every one of these is outside jieba's
#: word-character class ([一-鿕a-zA-Z0-9+#&._%-]), in full- and half-width forms.
PIECE_END = re.compile(r"(?<=[。；！？;!?\n，,、：:])")
SENTENCE_END = re.compile(r"(?<=[。；！？;!?\n])")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
_STOPS = tuple("。；！？;!?\n")
_YEARS = frozenset({"2020", "2021", "2025", "2035"})

#: Characters invented place names are made of: common in real names, rare as words on their own.
_NAME_CHARS = (
    "澄溪岚川汀渚枫桐璧沅澧栖岫苍黛蘅芷琅瑶磐峪泓湄濉沐漪珑翠屏崖杉桦楠"
    "棠鹭鹤麟芸蓼菱荻槐柘榆杏芦苇蒲荷渠澜浔潇湘沧浦岱嵩崑峨"
)
_SUFFIX = {"province": "省", "city": "市", "county": "县", "district": "区"}


def split_sentences(text: str) -> list[str]:
    """Sentences with their closing punctuation (the last one may have none)."""
    return [s for s in SENTENCE_END.split(text) if s]


def split_pieces(text: str) -> list[str]:
    """Sentences cut further at commas and colons: the memo unit of `PieceTokenizer`."""
    return [s for s in PIECE_END.split(text) if s]


class PieceTokenizer:
    """`Tokenizer.tokens`, memoised per piece: a recombined corpus is mostly pieces seen before."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.memo: dict[str, list[str]] = {}
        self.hits = 0
        self.misses = 0

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for piece in split_pieces(text):
            found = self.memo.get(piece)
            if found is None:
                found = self.memo[piece] = self.tokenizer.tokens(piece)
                self.misses += 1
            else:
                self.hits += 1
            out.extend(found)
        return out

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Rename:
    """One plan's region, and the invented region a copy puts in its place."""

    full: str
    short: str
    new_full: str
    new_short: str

    def apply(self, text: str) -> str:
        return text.replace(self.full, self.new_full).replace(self.short, self.new_short)


def invented_names(count: int, level: str, seed: int = SEED) -> list[str]:
    """`count` distinct invented region names of a level (岚川县 …), none a place planbot knows."""
    gazetteer = load_gazetteer()
    suffix = _SUFFIX.get(level, "县")
    stems = ["".join(p) for p in itertools.permutations(_NAME_CHARS, 2)]
    random.Random(f"{seed}:names:{level}").shuffle(stems)
    names = (
        s + suffix for s in stems if gazetteer.detect(s + suffix) is None and gazetteer.detect(s) is None
    )
    out = list(itertools.islice(names, count))
    if len(out) < count:
        raise ValueError(f"only {len(out)} invented {level} names, {count} needed")
    return out


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 else name


@dataclass(slots=True)
class GenerationStats:
    clauses: int = 0
    generated: int = 0
    redraws: int = 0  # candidates drawn again because their text already existed
    duplicates_in_source: int = 0  # identical texts among the real plans themselves


class CorpusGenerator:
    """Copies of the real clauses; `copy(n)` yields copy n plan by plan, in catalogue order."""

    def __init__(
        self,
        views: Sequence[ClauseView],
        copies: int,
        *,
        catalog: dict[str, PlanMeta] | None = None,
        seed: int = SEED,
    ) -> None:
        self.views = list(views)
        self.catalog = catalog or load_catalog()
        self.copies = copies
        self.seed = seed
        self.by_plan: dict[str, list[ClauseView]] = {}
        for view in self.views:
            self.by_plan.setdefault(view.doc_id, []).append(view)
        self.donors = {doc_id: _donor_sentences(group) for doc_id, group in self.by_plan.items()}
        levels = {meta.level for meta in self.catalog.values()}
        per_level = {lv: sum(m.level == lv for m in self.catalog.values()) for lv in levels}
        self.names = {lv: iter(invented_names(per_level[lv] * max(copies - 1, 0), lv, seed)) for lv in levels}
        self.seen: set[str] = set()
        self.stats = GenerationStats()
        #: Every plan made so far, the real ones first: a catalog for answers over the corpus.
        self.plans: dict[str, PlanMeta] = dict(self.catalog)

    def clauses(self) -> Iterator[list[ClauseView]]:
        """Every copy's clauses, one plan (one group of a doc_id) at a time."""
        for n in range(self.copies):
            yield from self.copy(n)

    def copy(self, n: int) -> Iterator[list[ClauseView]]:
        for doc_id, group in self.by_plan.items():
            if n == 0:
                for view in group:
                    self.stats.duplicates_in_source += view.text in self.seen
                    self.seen.add(view.text)
                self.stats.clauses += len(group)
                yield group
                continue
            meta = self.catalog[doc_id]
            new_region = next(self.names[meta.level])
            rename = Rename(meta.region, _short(meta.region), new_region, _short(new_region))
            rng = random.Random(f"{self.seed}:{n}:{doc_id}")
            copied = [self._variant(v, n, rename, rng) for v in group]
            first = copied[0]
            self.plans[first.doc_id] = dataclasses.replace(
                meta,
                doc_id=first.doc_id,
                title=first.doc_title,
                short_title=first.doc_short_title,
                region=first.region,
                parents=(),
            )
            yield copied

    def _variant(self, view: ClauseView, n: int, rename: Rename, rng: random.Random) -> ClauseView:
        donors = self.donors[view.doc_id].get(view.kind, [])
        for attempt in range(MAX_REDRAWS):
            text = rename.apply(_recombine(view, donors, rng, extra=attempt // 4))
            if text not in self.seen:
                break
            self.stats.redraws += 1
        else:
            raise RuntimeError(f"no new text for {view.id} in copy {n} after {MAX_REDRAWS} draws")
        self.seen.add(text)
        self.stats.clauses += 1
        self.stats.generated += 1
        doc_id = f"{view.doc_id}_{n:04d}"  # a doc id as knowledge.refs.ClauseRef reads them
        return dataclasses.replace(
            view,
            id=f"{doc_id}:{view.ref}",
            doc_id=doc_id,
            doc_title=rename.apply(view.doc_title),
            doc_short_title=rename.apply(view.doc_short_title),
            region=rename.new_full,
            path=tuple(rename.apply(p) for p in view.path),
            title=rename.apply(view.title),
            text=text,
            box=rename.apply(view.box),
        )


def _donor_sentences(group: Sequence[ClauseView]) -> dict[Kind, list[str]]:
    """Sentences other clauses of the plan could lend, by kind (never a title sentence)."""
    out: dict[Kind, list[str]] = {}
    for view in group:
        sentences = split_sentences(view.text)
        start = 1 if view.title and len(sentences) > 1 and sentences[0].startswith(view.title) else 0
        out.setdefault(view.kind, []).extend(_closed(s) for s in sentences[start:] if len(s) > 4)
    everything = [s for kind_sentences in out.values() for s in kind_sentences]
    return {kind: found if len(found) >= MIN_DONORS else everything for kind, found in out.items()}


def _closed(sentence: str) -> str:
    """A sentence that ends a sentence: the last one of a clause may lack its full stop."""
    return sentence if sentence.endswith(_STOPS) else sentence + "。"


def _recombine(view: ClauseView, donors: Sequence[str], rng: random.Random, extra: int) -> str:
    sentences = [_closed(s) for s in split_sentences(view.text)]
    head: list[str] = []
    if view.title and sentences and sentences[0].startswith(view.title):
        head = [sentences.pop(0)]
    body = [_new_numbers(s, rng) for s in sentences] if view.kind is Kind.INDICATOR else sentences
    rng.shuffle(body)
    if donors:
        if len(body) >= 2:
            body[rng.randrange(len(body))] = rng.choice(donors)
        elif view.kind is not Kind.INDICATOR or extra:
            body.append(rng.choice(donors))
        for _ in range(extra):
            body.insert(rng.randrange(len(body) + 1), rng.choice(donors))
    return "".join(head + body)


def _new_numbers(sentence: str, rng: random.Random) -> str:
    """Another region's targets: each number but a year gets a new one of the same size."""

    def draw(match: re.Match[str]) -> str:
        number = match.group()
        if number in _YEARS:
            return number
        whole = number.split(".")[0]
        low = 10 ** (len(whole) - 1) if len(whole) > 1 else 1
        value = str(rng.randrange(low, 10 ** len(whole)))
        return value + ("." + str(rng.randrange(10)) if "." in number else "")

    return _NUMBER.sub(draw, sentence)


def scaled_corpus(views: Sequence[ClauseView], copies: int, seed: int = SEED) -> list[ClauseView]:
    """All clauses of `copies` copies (copy 0 being the real plans), as one list."""
    generator = CorpusGenerator(views, copies, seed=seed)
    return [view for group in generator.clauses() for view in group]


#: Tokenised corpora, one directory per (tokenizer, texts) digest; git-ignored.
CORPORA = Path(__file__).resolve().parent / "corpora"


@dataclass(frozen=True, slots=True)
class CachedTokens:
    """Token lists of a corpus, and what tokenising them cost when they were first made."""

    token_lists: list[list[str]]
    stats: dict[str, object]
    cached: bool


def cached_tokens(
    texts: Sequence[str],
    tokenizer: Tokenizer,
    make: Callable[[], tuple[list[list[str]], dict[str, object]]],
    root: Path = CORPORA,
) -> CachedTokens:
    """`make()`'s token lists, kept in `root` under a digest of the texts and the tokenizer.

    The ×1000 corpus costs half a minute of jieba; its tokens are 57 million ids in a flat int32
    array (plus offsets and a vocabulary), which load in a few seconds. `stats` are those of the
    run that made them, with the time they were measured.
    """
    digest = hashlib.sha256(tokenizer.fingerprint.encode())
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    directory = root / f"tokens-{len(texts)}-{digest.hexdigest()[:16]}"
    if (directory / "stats.json").exists():
        vocab = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
        ids = np.load(directory / "ids.npy")
        offsets = np.load(directory / "offsets.npy")
        words = np.array(vocab, dtype=object)[ids].tolist()
        lists = [words[a:b] for a, b in itertools.pairwise(offsets.tolist())]
        stats = json.loads((directory / "stats.json").read_text(encoding="utf-8"))
        return CachedTokens(lists, stats, cached=True)
    lists, stats = make()
    stats = {**stats, "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    vocab_ids: dict[str, int] = {}
    ids = np.fromiter(
        (vocab_ids.setdefault(t, len(vocab_ids)) for tokens in lists for t in tokens), dtype=np.int32
    )
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in lists], out=offsets[1:])
    tmp = Path(tempfile.mkdtemp(prefix=directory.name + ".", dir=_made(root)))
    np.save(tmp / "ids.npy", ids)
    np.save(tmp / "offsets.npy", offsets)
    (tmp / "vocab.txt").write_text("\n".join(vocab_ids), encoding="utf-8")
    (tmp / "stats.json").write_text(json.dumps(stats, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(tmp, directory)
    return CachedTokens(lists, stats, cached=False)


def _made(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory
