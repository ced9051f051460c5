"""jieba's word-frequency dictionary as a memory-mapped trie: the same words, loaded in a millisecond.

`jieba.Tokenizer.initialize` unmarshals a 498,000-entry dict of words and prefixes on every
start (0.7–1.1 s on the 2-core machine, most of a `planbot ask`), and planbot then adds its
own terms one by one. Once built, the finished dictionary is saved as a marisa trie (word →
id) and an array of frequencies (id → count), keyed by the tokenizer's fingerprint; later
processes map the files and hand jieba a `TrieFreq`, which answers the lookups jieba makes
(`in`, `[]`, `get`; `[]=` for words added later). Tokens are identical: a test compares them
on every clause of the plans.
"""

from __future__ import annotations

import array
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import marisa_trie

log = logging.getLogger(__name__)
FORMAT = 1  # part of the file names: a new layout never reads an old file


class TrieFreq:
    """The part of a dict that jieba uses, over a read-only trie plus a small dict of additions."""

    __slots__ = ("_added", "_freqs", "_trie")

    def __init__(self, trie: marisa_trie.Trie, freqs: array.array) -> None:
        self._trie, self._freqs = trie, freqs
        self._added: dict[str, int] = {}

    def __contains__(self, word: object) -> bool:
        return word in self._trie or word in self._added

    def __getitem__(self, word: str) -> int:
        if word in self._added:
            return self._added[word]
        return self._freqs[self._trie.key_id(word)]

    def get(self, word: str, default: int | None = None) -> int | None:
        if word in self._added:
            return self._added[word]
        try:
            return self._freqs[self._trie.key_id(word)]
        except KeyError:
            return default

    def __setitem__(self, word: str, freq: int) -> None:
        self._added[word] = freq


def load(directory: Path, key: str) -> tuple[TrieFreq, int] | None:
    """The saved dictionary for `key` and jieba's total count, or None if missing or damaged."""
    paths = _paths(directory, key)
    try:
        meta = json.loads(paths["meta"].read_text(encoding="utf-8"))
        trie = marisa_trie.Trie()
        trie.mmap(str(paths["trie"]))
        freqs = array.array("I")
        freqs.frombytes(paths["freqs"].read_bytes())
    except (OSError, ValueError, RuntimeError) as error:
        if not isinstance(error, FileNotFoundError):
            log.warning("word-frequency cache %s unreadable (%s); rebuilding", key, error)
        return None
    if not (meta.get("words") == len(trie) == len(freqs)) or not isinstance(meta.get("total"), int):
        log.warning("word-frequency cache %s is inconsistent; rebuilding", key)
        return None
    return TrieFreq(trie, freqs), meta["total"]


def save(directory: Path, key: str, freq: Mapping[str, int], total: int) -> None:
    """Write the dictionary for `key`; each file is renamed into place, so readers never see half."""
    trie = marisa_trie.Trie(freq.keys())
    freqs = array.array("I", bytes(4 * len(trie)))
    for word, count in freq.items():
        freqs[trie.key_id(word)] = count
    directory.mkdir(parents=True, exist_ok=True)
    paths = _paths(directory, key)
    _replace(paths["freqs"], freqs.tobytes())
    _replace(paths["trie"], trie.tobytes())
    _replace(paths["meta"], json.dumps({"words": len(trie), "total": total}).encode())  # written last


def _paths(directory: Path, key: str) -> dict[str, Path]:
    return {part: directory / f"jieba-{FORMAT}-{key}.{part}" for part in ("trie", "freqs", "meta")}


def _replace(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
