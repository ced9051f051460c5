"""Chinese text → search tokens: NFKC, Traditional → Simplified, jieba with policy terms, stop words.

One `Tokenizer` serves both the index and the queries, so both sides cut words the same
way. Its `fingerprint` changes whenever anything that changes the tokens changes; the
persisted index is rebuilt when it does.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path

import jieba
import platformdirs
from opencc import OpenCC

from knowledge import wordfreq
from knowledge.datafile import DataError, read_toml

TOKENIZER_VERSION = "1"
DATA = Path(str(resources.files("knowledge") / "data"))
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")
_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)

jieba.setLogLevel(logging.WARNING)
log = logging.getLogger(__name__)


def clean_text(text: str) -> str:
    """NFKC (full-width → half-width), no control or zero-width characters, lower case."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", text)).lower()


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Fold Traditional characters to Simplified; free for text without Chinese characters.

    OpenCC converts in Python (about 70 µs for a question), and answering one question folds the
    same text several times (analysis, the reference parser, the guides, the lookups), so short
    texts are remembered."""
    if not _CJK.search(text):
        return text
    return _fold_short(text) if len(text) <= _FOLD_CACHED_CHARS else _t2s().convert(text)


_FOLD_CACHED_CHARS = 512


@lru_cache(maxsize=4096)
def _fold_short(text: str) -> str:
    return _t2s().convert(text)


def read_lines(path: Path) -> list[str]:
    """A word list: one entry a line, blank lines and # comments skipped."""
    raw = path.read_text(encoding="utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Everyday words and the policy terms each one stands for."""

    terms: dict[str, tuple[str, ...]]

    @classmethod
    def read(cls, path: Path) -> Synonyms:
        """Parse and validate a synonym file; errors name the file and the entry."""
        raw = read_toml(path, DataError, path.name)
        unknown = set(raw) - {"terms"}
        if unknown:
            raise DataError(
                f"{path.name}: unknown table(s) {sorted(unknown)}; the file has one table, [terms]"
            )
        table = raw.get("terms")
        if not isinstance(table, dict) or not table:
            raise DataError(f"{path.name}: field 'terms': must be a non-empty table of word = [policy terms]")
        terms: dict[str, tuple[str, ...]] = {}
        for word, targets in table.items():
            if not isinstance(targets, list) or not targets:
                raise DataError(f"{path.name}: field 'terms.{word}': must be a non-empty list of terms")
            if not all(isinstance(t, str) and t.strip() for t in targets):
                raise DataError(f"{path.name}: field 'terms.{word}': every term must be a non-empty string")
            terms[clean_text(word)] = tuple(clean_text(t) for t in targets)
        return cls(terms)


class Tokenizer:
    """jieba with planbot's dictionary; thread-safe after `warm_up()`.

    With a `cache_dir`, the finished dictionary (jieba's and ours) is saved there as a trie the
    first time and mapped from it afterwards (knowledge.wordfreq): milliseconds instead of a second.
    """

    def __init__(
        self, cache_dir: Path | None = None, *, data_dir: Path = DATA, synonyms: Synonyms | None = None
    ) -> None:
        self._cache_dir = cache_dir
        self._data_dir = data_dir
        self._jieba = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._ready = False
        self.stopwords = frozenset(clean_text(w) for w in read_lines(data_dir / "stopwords.txt"))
        self.synonyms = synonyms if synonyms is not None else Synonyms.read(data_dir / "synonyms.toml")

    @cached_property
    def fingerprint(self) -> str:
        """Hash of everything that decides how text is cut: versions, dictionary, synonyms, stop words."""
        digest = hashlib.sha256(f"{TOKENIZER_VERSION}|jieba {jieba.__version__}".encode())
        for name in ("terms.txt", "stopwords.txt", "synonyms.toml"):
            digest.update((self._data_dir / name).read_bytes())
        return digest.hexdigest()[:16]

    def warm_up(self) -> None:
        """Load jieba's dictionary and ours, once per process."""
        with self._lock:
            if self._ready:
                return
            saved = wordfreq.load(self._cache_dir, self.fingerprint) if self._cache_dir else None
            if saved is not None:
                self._jieba.FREQ, self._jieba.total = saved
                self._jieba.initialized = True
            else:
                self._load_dictionaries()
                if self._cache_dir is not None:
                    try:
                        wordfreq.save(self._cache_dir, self.fingerprint, self._jieba.FREQ, self._jieba.total)
                    except OSError as error:  # a read-only cache: every start loads the slow way
                        log.warning("cannot save the word-frequency cache in %s: %s", self._cache_dir, error)
            self._ready = True

    def _load_dictionaries(self) -> None:
        """jieba's own dictionary (about a second), then planbot's terms and synonyms."""
        self._jieba.initialize()
        for line in read_lines(self._data_dir / "terms.txt"):
            word, *rest = line.split()
            freq = int(rest[0]) if rest else None
            self._jieba.add_word(clean_text(word), freq=freq)
        for word in self.synonyms.terms:
            if len(word) > 1:
                self._jieba.add_word(word, freq=1500)

    def words(self, text: str) -> list[str]:
        """All word pieces of `text` (search-engine mode: long words and their parts), stop words kept."""
        if not self._ready:
            self.warm_up()
        text = to_simplified(clean_text(text))
        return [w for w in self._jieba.cut_for_search(text, HMM=True) if _WORDLIKE.search(w)]

    def tokens(self, text: str) -> list[str]:
        """The words that carry meaning: what the index stores and a query scores with."""
        return [w for w in self.words(text) if w not in self.stopwords]


def default_cache_dir() -> Path:
    """Where the word-frequency trie is kept between runs (it holds no personal data)."""
    return Path(platformdirs.user_cache_dir("planbot"))


@cache
def default_tokenizer() -> Tokenizer:
    """A tokenizer over the packaged data, its dictionary cached in the user's cache directory
    (for tests, benchmarks and tools; the bot builds its own from its Library)."""
    return Tokenizer(cache_dir=default_cache_dir())
