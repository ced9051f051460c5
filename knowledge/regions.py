"""Which region a question is about: the gazetteer behind ranking a region's clauses first.

The places are data (``knowledge/data/regions.toml``): every province- and prefecture-level
division of China, and the counties and towns of the areas whose plans are covered, each under
the region directly above it. A question is scanned once, left to right, for the longest name
at each position (a table lookup per candidate length, so a few hundred dictionary probes for a
typical question). Two rules from the data file keep ordinary words from naming places:
*guarded* names (同心, 高台, 应县 …) count only when they stand apart from the words around
them, and *ordinary phrases* (大同小异, 长治久安 …) win over a place name they overlap.

Why a data file and not a gazetteer library: cpca's wheel is small (77 KB) but it needs pandas
and its divisions predate 2019 (大同县, 怀仁县, 茌平县 — all renamed since); jionlp is a 16.5 MB
wheel for one lookup. Neither knows which short names are everyday words (同心, 高台, 小店), which
is the hard part here. Six hundred reviewed lines are easier to trust and to correct.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from knowledge.datafile import DataError, read_toml
from knowledge.plans import load_catalog

log = logging.getLogger(__name__)

#: Bump when `_convert_variants` changes what it makes: cached variants of an older version are not read.
VARIANTS_VERSION = 1

#: Levels from the top down; the data file has one kind of table per level.
LEVELS = ("province", "city", "county", "town")

#: Characters that may stand just before a guarded name: "在同心", "去应县", "山西的应县".
_LEFT_WORDS = frozenset("在去到从從住回是来來往于於和与與及的")
#: Characters that may stand just after a guarded short name: "同心的残疾人".
_RIGHT_WORDS = frozenset("的")


class RegionDataError(DataError):
    """The region file is malformed; the message names the file, the table and the name."""


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative division: its full name, level, the region directly above and short names."""

    name: str
    level: str  # one of LEVELS
    parent: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Region:
    """A place a person is in, and the plans that apply to it: its own, then those of the regions above.

    Only the gazetteer makes these (`Gazetteer.region`), from the one hierarchy in regions.toml, so
    search, answers, screenings and lookups all apply the same chain. 应县 → chain (朔州市, 山西省).
    """

    name: str  # canonical full name: "应县"
    level: str  # one of LEVELS
    chain: tuple[str, ...]  # the covered regions whose plans apply, most specific first
    plans: tuple[str, ...]  # the doc ids of those plans, in the same order

    @property
    def covered(self) -> bool:
        return bool(self.chain)

    @property
    def home(self) -> str | None:
        """The most specific covered region (朔州市 for 应县), None when no plan applies."""
        return self.chain[0] if self.chain else None


@dataclass(frozen=True, slots=True)
class RegionMatch:
    """A place named in a text, with every region above it and the nearest one whose plan is covered."""

    name: str  # canonical full name: "大同市"
    matched: str  # the span of the text that named it: "大同", "張掖"
    chain: tuple[str, ...]  # the place and every region above it, most specific first
    covered_region: str | None  # the most specific region in `chain` with a plan, None if none has one
    level: str = ""  # one of LEVELS
    start: int = 0  # offset of `matched` in the text
    region: Region | None = None  # the place as a Region (its chain of covered plans)

    @property
    def covered(self) -> bool:
        """True when one of the covered plans applies to the place."""
        return self.covered_region is not None


@dataclass(frozen=True, slots=True)
class _Entry:
    place: str | None  # None for an ordinary phrase, which only blocks matches
    short: bool  # a short name, not the full name
    guarded: bool


def _is_han(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code >= 0x20000


class Gazetteer:
    """The places, their parents, and the regions whose plans are covered."""

    def __init__(
        self,
        places: Iterable[Place],
        covered: Mapping[str, Iterable[str]] | Iterable[str],
        *,
        guarded: Iterable[str] = (),
        ordinary_phrases: Iterable[str] = (),
        variants: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """`covered` maps each region with a plan to its plans' doc ids (or just names the regions);
        `variants` maps a Simplified name or phrase to other spellings of it (Traditional forms)."""
        self._places: dict[str, Place] = {}
        for place in places:
            if place.name in self._places:
                raise ValueError(f"place {place.name!r} is listed twice")
            self._places[place.name] = place
        for place in self._places.values():
            if place.parent is not None and place.parent not in self._places:
                raise ValueError(f"{place.name!r} hangs under unknown region {place.parent!r}")
        plans = covered if isinstance(covered, Mapping) else {name: () for name in covered}
        self._plans = {name: tuple(ids) for name, ids in plans.items()}
        self._covered = frozenset(self._plans)
        unknown = sorted(self._covered - self._places.keys())
        if unknown:
            raise ValueError(f"covered regions {unknown} are not in the gazetteer")
        guarded_names = frozenset(guarded)
        variants = variants or {}

        table: dict[str, _Entry] = {}
        for place in self._places.values():
            for spelling, short in ((place.name, False), *((a, True) for a in place.aliases)):
                if spelling in table:
                    raise ValueError(f"name {spelling!r} is used by {table[spelling].place} and {place.name}")
                table[spelling] = _Entry(place.name, short, spelling in guarded_names)
        for phrase in ordinary_phrases:
            table.setdefault(phrase, _Entry(None, False, False))
        for spelling, entry in list(table.items()):
            for variant in variants.get(spelling, ()):
                table.setdefault(variant, entry)  # a Simplified name never yields to a Traditional one
        self._table = table
        self._lengths = sorted({len(key) for key in table}, reverse=True)

    # ---- places ----------------------------------------------------------------------------

    @property
    def places(self) -> Mapping[str, Place]:
        return MappingProxyType(self._places)

    @property
    def covered_regions(self) -> frozenset[str]:
        return self._covered

    def chain(self, name: str) -> tuple[str, ...]:
        """The place and every region above it, most specific first; () for an unknown name."""
        out: list[str] = []
        place = self._places.get(name)
        while place is not None:
            out.append(place.name)
            place = self._places.get(place.parent) if place.parent else None
        return tuple(out)

    def normalize_region(self, name: str) -> str | None:
        """The full name for what a user typed as a region ("朔州", "甘州", "張掖市"), else None.

        The whole input is taken as one name first (so guarded names such as 高台 count);
        otherwise the most specific place named in it ("山西省朔州市" → 朔州市).
        """
        text = name.strip().strip("。.,，!！?？")
        entry = self._table.get(text)
        if entry is not None and entry.place is not None:
            return entry.place
        match = self.detect(text)
        return match.name if match else None

    def region(self, name: str) -> Region | None:
        """The Region for a name as a person types it ("应县", "朔州", "張掖市"), None if unknown."""
        full = self.normalize_region(name)
        if full is None:
            return None
        return self.region_of(full)

    def region_of(self, full_name: str) -> Region:
        """The Region of a canonical place name (a key of `places`)."""
        chain = tuple(r for r in self.chain(full_name) if r in self._covered)
        plans = tuple(doc_id for r in chain for doc_id in self._plans[r])
        return Region(full_name, self._places[full_name].level, chain, plans)

    def covered_chain(self, region: str) -> tuple[str, ...]:
        """The covered plan regions that apply to a region, most specific first.

        朔州市 and 应县 → ("朔州市", "山西省"); 茌平区 → ("茌平区",); 北京 → ().
        """
        name = self.normalize_region(region)
        if name is None:
            return ()
        return tuple(r for r in self.chain(name) if r in self._covered)

    # ---- detection -------------------------------------------------------------------------

    def detect_all(self, text: str) -> list[RegionMatch]:
        """Every place named in the text, in order; overlapping names resolve to the longest."""
        found: list[RegionMatch] = []
        n = len(text)
        i = 0
        last_end = -1
        while i < n:
            hit: tuple[int, _Entry] | None = None
            for length in self._lengths:
                if i + length > n:
                    continue
                entry = self._table.get(text[i : i + length])
                if entry is not None and self._stands_apart(text, i, i + length, entry, last_end):
                    hit = (length, entry)
                    break
            if hit is None:
                i += 1
                continue
            length, entry = hit
            if entry.place is not None:
                found.append(self._match(entry.place, text[i : i + length], i))
                last_end = i + length
            i += length
        return found

    def detect(self, text: str) -> RegionMatch | None:
        """The most specific place named in the text, or None.

        The deepest level wins (a county over its city over its province); between places of
        the same level, one whose plan is covered, then the first named.
        """
        found = self.detect_all(text)
        if not found:
            return None
        return max(found, key=lambda m: (LEVELS.index(m.level), m.covered, -m.start))

    def _stands_apart(self, text: str, start: int, end: int, entry: _Entry, last_end: int) -> bool:
        if not entry.guarded:
            return True
        if start > 0 and start != last_end:
            before = text[start - 1]
            if _is_han(before) and before not in _LEFT_WORDS:
                return False
        if entry.short and end < len(text):
            after = text[end]
            if _is_han(after) and after not in _RIGHT_WORDS:
                return False
        return True

    def _match(self, name: str, matched: str, start: int) -> RegionMatch:
        chain = self.chain(name)
        covered = next((r for r in chain if r in self._covered), None)
        return RegionMatch(
            name=name,
            matched=matched,
            chain=chain,
            covered_region=covered,
            level=self._places[name].level,
            start=start,
            region=self.region_of(name),
        )


# ---- loading -------------------------------------------------------------------------------

_PARENT_LEVEL = {"city": "province", "county": "city", "town": "county"}


def _names(where: str, table: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise RegionDataError(f'{where}: [{table}] {key!r} must be a list of short names, e.g. ["朔州"]')
    for alias in value:
        if len(alias.strip()) < 2 or alias != alias.strip():
            raise RegionDataError(f"{where}: [{table}] {key!r}: short name {alias!r} must be 2+ characters")
    return tuple(value)


def parse_regions(raw: Mapping[str, object], where: str) -> tuple[list[Place], list[str], list[str]]:
    """Places, guarded names and ordinary phrases from a parsed region file; errors name `where`."""
    unknown = set(raw) - {*LEVELS, "guarded", "ordinary_words"}
    if unknown:
        raise RegionDataError(f"{where}: unknown table(s) {sorted(unknown)}")
    provinces = raw.get("province")
    if not isinstance(provinces, dict) or not provinces:
        raise RegionDataError(f"{where}: [province] must list the province-level divisions")
    places = [Place(n, "province", None, _names(where, "province", n, v)) for n, v in provinces.items()]
    levels = {p.name: p.level for p in places}
    for level in LEVELS[1:]:
        groups = raw.get(level, {})
        if not isinstance(groups, dict):
            raise RegionDataError(f"{where}: [{level}] must hold one table per region above")
        for parent, members in groups.items():
            table = f'{level}."{parent}"'
            if levels.get(parent) != _PARENT_LEVEL[level]:
                above = _PARENT_LEVEL[level]
                raise RegionDataError(f"{where}: [{table}] under {parent!r}, not a {above} listed above")
            if not isinstance(members, dict):
                raise RegionDataError(f"{where}: [{table}] must be a table of names")
            for name, value in members.items():
                if name in levels:
                    raise RegionDataError(f"{where}: [{table}] {name!r} is already listed")
                places.append(Place(name, level, parent, _names(where, table, name, value)))
                levels[name] = level

    spellings: dict[str, str] = {}
    for place in places:
        for spelling in (place.name, *place.aliases):
            if spelling in spellings:
                raise RegionDataError(
                    f"{where}: name {spelling!r} is used by both {spellings[spelling]} and {place.name}"
                )
            spellings[spelling] = place.name

    guarded = _string_list(raw, "guarded", "names", where)
    for name in guarded:
        if name not in spellings:
            raise RegionDataError(f"{where}: [guarded] {name!r} is not a name of any place in the file")
    phrases = _string_list(raw, "ordinary_words", "phrases", where)
    for phrase in phrases:
        if phrase in spellings or not any(s in phrase for s in spellings):
            raise RegionDataError(f"{where}: [ordinary_words] {phrase!r} must contain a shorter place name")
    return places, guarded, phrases


def _string_list(raw: Mapping[str, object], table: str, key: str, where: str) -> list[str]:
    section = raw.get(table, {})
    value = section.get(key, []) if isinstance(section, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) >= 2 for v in value):
        raise RegionDataError(f"{where}: [{table}] {key} must be a list of names of 2+ characters")
    return value


def traditional_variants(names: Iterable[str], cache_dir: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Traditional spellings (Taiwan, Hong Kong and standard OpenCC forms) of each Simplified name.

    Converting the thousand names of regions.toml costs about 0.3 s (OpenCC reads its dictionaries
    in Python), most of a `planbot ask`; with a `cache_dir` the result is kept there, keyed by the
    names and OpenCC's dictionary files, and read back in a millisecond."""
    names = list(names)
    if cache_dir is None:
        return _convert_variants(names)
    path = cache_dir / f"variants-{_variants_key(names)}.json"
    try:
        return {name: tuple(forms) for name, forms in json.loads(path.read_text(encoding="utf-8")).items()}
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError) as error:
        log.warning("traditional-variant cache %s unreadable (%s); converting again", path.name, error)
    out = _convert_variants(names)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=cache_dir, delete=False) as tmp:
            json.dump(out, tmp, ensure_ascii=False)
        os.replace(tmp.name, path)
    except OSError as error:  # a read-only cache: every start converts
        log.warning("cannot save the traditional-variant cache in %s: %s", cache_dir, error)
    return out


def _convert_variants(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    from opencc import OpenCC  # loaded here: only building the gazetteer needs it

    converters = [OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]
    out: dict[str, tuple[str, ...]] = {}
    for name in names:
        forms = {c.convert(name) for c in converters}
        forms |= {f.replace("臺", "台") for f in forms}
        forms.discard(name)
        if forms:
            out[name] = tuple(sorted(forms))
    return out


def _variants_key(names: Iterable[str]) -> str:
    """What the variants depend on: this code's version, OpenCC's dictionaries, the names."""
    import opencc

    digest = hashlib.sha256(f"variants {VARIANTS_VERSION}".encode())
    package = Path(opencc.__file__).parent
    for folder in ("config", "dictionary"):
        for file in sorted((package / folder).iterdir()):
            stat = file.stat()
            digest.update(f"{folder}/{file.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for name in names:
        digest.update(name.encode() + b"\0")
    return digest.hexdigest()[:16]


def read_gazetteer(
    path: Traversable | Path,
    covered: Mapping[str, Iterable[str]] | Iterable[str],
    *,
    traditional: bool = True,
    cache_dir: Path | None = None,
) -> Gazetteer:
    """Parse and validate a region file into a gazetteer that knows which regions are covered
    (`cache_dir`: where the Traditional spellings of the names are kept between runs)."""
    where = Path(str(path)).name
    raw = read_toml(path, RegionDataError, where)
    places, guarded, phrases = parse_regions(raw, where)
    spellings = [s for p in places for s in (p.name, *p.aliases)] + phrases
    try:
        return Gazetteer(
            places,
            covered,
            guarded=guarded,
            ordinary_phrases=phrases,
            variants=traditional_variants(spellings, cache_dir) if traditional else None,
        )
    except ValueError as exc:
        raise RegionDataError(f"{where}: {exc}") from exc


@cache
def load_gazetteer() -> Gazetteer:
    """The packaged gazetteer, built once: covered regions are the `region` of each plan in the catalog."""
    covered: dict[str, list[str]] = {}
    for meta in load_catalog().values():
        covered.setdefault(meta.region, []).append(meta.doc_id)
    return read_gazetteer(resources.files("knowledge") / "data" / "regions.toml", covered)


def detect(text: str) -> RegionMatch | None:
    """The most specific place named in the text (see `Gazetteer.detect`)."""
    return load_gazetteer().detect(text)


def covered_chain(region: str) -> tuple[str, ...]:
    """The covered plan regions that apply to a region, most specific first."""
    return load_gazetteer().covered_chain(region)


def normalize_region(name: str) -> str | None:
    """The full name of a region typed by a user ("朔州" → "朔州市"), or None if unknown."""
    return load_gazetteer().normalize_region(name)
