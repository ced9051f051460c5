"""The data library: every editable data file, loaded and checked once, then passed where it is needed.

planbot's knowledge besides the plan texts is data a policy worker edits (knowledge/data/): the
plan catalogue, the place hierarchy, synonyms, the glossary, benefit guides, the fact vocabulary and
the screenings. `Library.load` reads all of them, validates each file and every reference between
them (guide → screening, screening → facts, plans → places), and fails with the file, the field and
the reason. References to clauses (guide and screening sources) are checked once the clauses are
known (`check_clauses`). Nothing here is global: search, answers, screenings and the conversation
receive the library they work with, so `/reload` can swap in a new one or keep the old.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from knowledge.datafile import DataError
from knowledge.facts import Fact, read_facts
from knowledge.guides import Guide, match_guide, read_glossary, read_guides
from knowledge.intents import Intents
from knowledge.plans import PlanMeta, read_catalog
from knowledge.regions import Gazetteer, Region, read_gazetteer
from knowledge.screening_rules import Screening, read_screenings
from knowledge.tokenize import Synonyms

DATA_DIR = Path(str(resources.files("knowledge") / "data"))


@dataclass(frozen=True)
class Library:
    """Everything in one data directory, validated together."""

    directory: Path
    catalog: Mapping[str, PlanMeta]  # doc_id → plan, in file order
    gazetteer: Gazetteer
    synonyms: Synonyms
    glossary: Mapping[str, str]
    guides: tuple[Guide, ...]
    facts: Mapping[str, Fact]
    screenings: Mapping[str, Screening]
    intents: Intents

    @classmethod
    def load(
        cls, directory: Path = DATA_DIR, *, traditional: bool = True, cache_dir: Path | None = None
    ) -> Library:
        """Read and check every data file in `directory`; DataError names the file, field and reason.

        `cache_dir` keeps what is derived from the data by code rather than read (the Traditional
        spellings of place names), keyed by what it was derived from."""
        catalog = {meta.doc_id: meta for meta in read_catalog(directory / "plans.toml")}
        covered: dict[str, list[str]] = {}
        for meta in catalog.values():
            covered.setdefault(meta.region, []).append(meta.doc_id)
        gazetteer = read_gazetteer(
            directory / "regions.toml", covered, traditional=traditional, cache_dir=cache_dir
        )
        catalog = {
            doc_id: dataclasses.replace(meta, parents=gazetteer.chain(meta.region)[1:])
            for doc_id, meta in catalog.items()
        }
        facts = read_facts(directory / "facts.toml")
        screenings = read_screenings(directory / "screenings", facts, gazetteer, catalog)
        glossary = read_glossary(directory / "glossary.toml")
        guides = read_guides(directory / "guides", catalog, glossary, tuple(screenings))
        synonyms = Synonyms.read(directory / "synonyms.toml")
        intents = Intents.read(directory / "intents.toml")
        return cls(directory, catalog, gazetteer, synonyms, glossary, guides, facts, screenings, intents)

    # -- places and plans ----------------------------------------------------------------------------

    def region(self, name: str | None) -> Region | None:
        """The Region a person names ("应县", "朔州"), None when the name is not a known place."""
        return self.gazetteer.region(name) if name else None

    @property
    def covered_regions(self) -> list[str]:
        """The regions with a plan, in catalogue order."""
        return list(dict.fromkeys(meta.region for meta in self.catalog.values()))

    # -- guides ----------------------------------------------------------------------------------------

    def match_guide(self, text: str) -> Guide | None:
        return match_guide(text, self.guides)

    # -- cross-references to clauses --------------------------------------------------------------------

    def check_clauses(self, keys: Collection[str]) -> None:
        """Every clause a guide or a screening cites exists; DataError names the file and the reference."""
        for guide in self.guides:
            for key in guide.clause_keys:
                if key not in keys:
                    raise DataError(
                        f"guides/{guide.path.name}: field 'sources': no clause {key!r} in the plans"
                    )
        for screening in self.screenings.values():
            for where, ref in screening.cited():
                if ref not in keys:
                    raise DataError(
                        f"screenings/{screening.name}.toml: {where}: no clause {ref!r} in the plans"
                    )
