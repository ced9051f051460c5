"""The data library: every data file checked at start-up, errors that name the file and the field, and a
/reload that keeps what runs when the new data is broken."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.services import Services
from knowledge.datafile import DataError
from knowledge.library import DATA_DIR, Library
from tests.support import settings_for


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, f"the break did not apply to {path.name}"
    path.write_text(changed, encoding="utf-8")


# (file, how to break it, what the error must name besides the file)
def _replace(old: str, new: str, count: int = -1) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, count)


BREAKS = [
    (
        "plans.toml",
        _replace('short_title = "朔州市规划"', 'short_title = "朔州市规划"\nshort_titel = "x"'),
        "short_titel",
    ),
    ("regions.toml", _replace("[ordinary_words]", "[ordinary_wrds]"), "ordinary_wrds"),
    ("synonyms.toml", _replace("[terms]", "[words]"), "words"),
    ("synonyms.toml", _replace('"瘫" = ["重度残疾", "肢体残疾", "护理"]', '"瘫" = []'), "terms.瘫"),
    ("glossary.toml", _replace("[terms]", "[termz]"), "terms"),
    ("intents.toml", _replace("[kinds.weather]\n", "[kinds.weather]\nreplies = 'x'\n"), "replies"),
    ("intents.toml", _replace("patterns = ['天气", "patterns = ['(天气"), "kinds.weather.patterns"),
    ("facts.toml", _replace('label = "有残疾人证"', 'label = "有残疾人证"\nlable = "x"'), "lable"),
    ("guides/dibao.toml", _replace('title = "', 'titel = "x"\ntitle = "', 1), "titel"),
    ("guides/dibao.toml", _replace('screening = "separate_dibao"', 'screening = "astrology"'), "screening"),
    ("guides/dibao.toml", _replace("shuozhou = [", "suzhou = [", 1), "sources.suzhou"),
    (
        "screenings/nursing_subsidy.toml",
        _replace('questions = ["region",', 'questions = ["region", "shoe_size",'),
        "shoe_size",
    ),
]


@pytest.mark.parametrize(("file", "change", "field"), BREAKS, ids=[f"{b[0]}:{b[2]}" for b in BREAKS])
def test_a_broken_data_file_stops_start_up_naming_the_file_and_the_field(tmp_path, file, change, field):
    data = _copy(tmp_path)
    _edit(data / file, change)
    with pytest.raises(DataError) as error:
        Library.load(data, traditional=False)
    message = str(error.value)
    assert Path(file).name in message and field in message, message


def test_a_guide_citing_a_clause_the_plans_do_not_have_is_named(tmp_path, clause_views):
    data = _copy(tmp_path)
    _edit(
        data / "guides" / "dibao.toml", lambda s: s.replace('shuozhou = ["3.1.2"', 'shuozhou = ["3.1.99"', 1)
    )
    library = Library.load(data, traditional=False)
    with pytest.raises(DataError, match=r"dibao\.toml: field 'sources': no clause 'shuozhou:3\.1\.99'"):
        library.check_clauses({c.id for c in clause_views})


def test_reload_with_broken_data_keeps_the_running_library_and_says_why(tmp_path):
    data = _copy(tmp_path)
    services = Services.open(settings_for(tmp_path / "state"), library=Library.load(data))
    try:
        running = services.library
        _edit(data / "synonyms.toml", lambda s: s.replace("[terms]", "[words]"))
        swapped, sentence = services.reload()
        assert not swapped and "synonyms.toml" in sentence
        assert services.library is running
        assert services.answerer.answer("护理补贴").in_scope, "the old library still answers"
        _edit(data / "synonyms.toml", lambda s: s.replace("[words]", "[terms]"))
        swapped, _ = services.reload()
        assert swapped and services.library is not running
    finally:
        services.close()


def test_every_place_in_the_hierarchy_resolves_to_the_chain_of_its_covered_regions(library):
    gazetteer = library.gazetteer
    covered = set(library.covered_regions)
    walked = 0
    for name, place in gazetteer.places.items():
        above: list[str] = []
        cursor = place
        while cursor is not None:
            above.append(cursor.name)
            cursor = gazetteer.places.get(cursor.parent) if cursor.parent else None
        region = gazetteer.region_of(name)
        assert region.chain == tuple(r for r in above if r in covered), name
        assert region.plans == tuple(
            d for r in region.chain for d, m in library.catalog.items() if m.region == r
        )
        walked += 1
    assert walked > 500
