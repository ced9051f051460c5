"""The plan catalog: loaded from the package, validated, errors that name the file and the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.plans import CatalogError, PlanMeta, load_catalog, plan_text, read_catalog

GOOD_TABLE = """
[sample]
file = "sample.txt"
title = "某市“十四五”残疾人保障和发展规划"
short_title = "某市规划"
region = "某市"
level = "city"
issuer = "某市人民政府"
doc_number = "某政发〔2022〕1号"
date = 2022-01-01
status = "in force"
"""


def test_catalog_lists_the_five_plans_in_file_order() -> None:
    assert list(load_catalog()) == ["shuozhou", "tongxin", "zhangye", "shanxi", "chiping"]


def test_catalog_entries_are_typed_and_frozen() -> None:
    shanxi = load_catalog()["shanxi"]
    assert shanxi.date == dt.date(2022, 3, 29)
    assert shanxi.parents == ()
    assert shanxi.level == "province"
    assert shanxi.doc_number == "晋政发〔2022〕9号"
    with pytest.raises(AttributeError):
        shanxi.title = "x"  # type: ignore[misc]


def test_the_tongxin_draft_is_a_draft_with_an_estimated_date() -> None:
    catalog = load_catalog()
    assert catalog["tongxin"].is_draft
    assert not catalog["tongxin"].date_known
    assert catalog["tongxin"].parents == (), "the regions above come from regions.toml, via the Library"
    assert [meta.doc_id for meta in catalog.values() if meta.is_draft] == ["tongxin"]


def test_load_catalog_returns_a_fresh_dict() -> None:
    load_catalog().pop("shanxi")
    assert "shanxi" in load_catalog()


@pytest.mark.parametrize("doc_id", ["shuozhou", "tongxin", "zhangye", "shanxi", "chiping"])
def test_plan_text_is_the_packaged_file(doc_id: str) -> None:
    meta = load_catalog()[doc_id]
    packaged = Path(__file__).parents[2] / "knowledge" / "data" / "plans" / meta.file
    assert plan_text(meta) == packaged.read_text(encoding="utf-8")
    assert "残疾人" in plan_text(meta)


def _write(tmp_path: Path, toml: str, *, with_file: bool = True) -> Path:
    (tmp_path / "plans").mkdir()
    if with_file:
        (tmp_path / "plans" / "sample.txt").write_text("一、总体要求\n", encoding="utf-8")
    path = tmp_path / "plans.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def test_a_valid_catalog_file_is_read(tmp_path: Path) -> None:
    (meta,) = read_catalog(_write(tmp_path, GOOD_TABLE))
    assert meta == PlanMeta(
        doc_id="sample",
        file="sample.txt",
        title="某市“十四五”残疾人保障和发展规划",
        short_title="某市规划",
        region="某市",
        parents=(),
        level="city",
        issuer="某市人民政府",
        doc_number="某政发〔2022〕1号",
        date=dt.date(2022, 1, 1),
        status="in force",
    )


@pytest.mark.parametrize(
    ("broken", "key"),
    [
        (GOOD_TABLE.replace('region = "某市"\n', ""), "'region'"),
        (GOOD_TABLE.replace('"city"', '"town"'), "'level'"),
        (GOOD_TABLE.replace('"in force"', '"repealed"'), "'status'"),
        (GOOD_TABLE.replace("2022-01-01", '"2022-01-01"'), "'date'"),
        (GOOD_TABLE + 'parents = ["某省"]\n', "parents"),
        (GOOD_TABLE.replace('"sample.txt"', '"other.txt"'), "'file'"),
        (GOOD_TABLE + 'colour = "red"\n', "colour"),
        (GOOD_TABLE + "date_known = 1\n", "'date_known'"),
    ],
)
def test_a_broken_entry_is_reported_with_file_and_key(tmp_path: Path, broken: str, key: str) -> None:
    path = _write(tmp_path, broken)
    with pytest.raises(CatalogError) as caught:
        read_catalog(path)
    assert str(path) in str(caught.value)
    assert key in str(caught.value)
    assert "[sample]" in str(caught.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[sample\n")
    with pytest.raises(CatalogError, match=r"plans\.toml"):
        read_catalog(path)
