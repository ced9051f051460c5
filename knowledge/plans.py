"""The catalog of plans planbot answers from, read from ``knowledge/data/plans.toml``.

The catalog is data a policy worker may edit, so it is validated when loaded and every
error names the file and the offending key. Paths are resolved inside the installed
package (never the reference copies elsewhere on disk).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from knowledge.datafile import DataError, read_toml

LEVELS = ("province", "city", "county", "district")
STATUSES = ("in force", "draft for comment")

_STR_KEYS = ("file", "title", "short_title", "region", "level", "issuer", "doc_number", "status")
_REQUIRED = (*_STR_KEYS, "date")
_OPTIONAL = ("date_known", "hotline")


class CatalogError(DataError):
    """The plan catalog is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class PlanMeta:
    """What is known about one plan besides its text."""

    doc_id: str
    file: str
    title: str
    short_title: str
    region: str
    parents: tuple[str, ...]  # regions above, nearest first: filled by the Library from regions.toml
    level: str  # province, city, county or district
    issuer: str
    doc_number: str  # "" when the plan has none (a draft)
    date: dt.date
    status: str  # "in force" or "draft for comment"
    date_known: bool = True  # False when `date` is an estimate (the draft carries no date)
    hotline: str = ""  # a service line the plan itself names, e.g. "12385残疾人服务热线"

    @property
    def is_draft(self) -> bool:
        return self.status == "draft for comment"


def _data_dir() -> Traversable:
    return resources.files("knowledge") / "data"


def _validate(doc_id: str, table: object, where: str, plans_dir: Traversable) -> PlanMeta:
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: [{doc_id}] must be a table")
    for key in _REQUIRED:
        if key not in table:
            raise CatalogError(f"{where}: [{doc_id}] is missing key {key!r}")
    unknown = set(table) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise CatalogError(f"{where}: [{doc_id}] has unknown key(s) {sorted(unknown)}")
    for key in _STR_KEYS:
        if not isinstance(table[key], str):
            raise CatalogError(f"{where}: [{doc_id}] key {key!r} must be a string")
    for key in ("file", "title", "short_title", "region", "issuer"):
        if not table[key].strip():
            raise CatalogError(f"{where}: [{doc_id}] key {key!r} must not be empty")
    if table["level"] not in LEVELS:
        raise CatalogError(f"{where}: [{doc_id}] key 'level' must be one of {LEVELS}, not {table['level']!r}")
    if table["status"] not in STATUSES:
        raise CatalogError(
            f"{where}: [{doc_id}] key 'status' must be one of {STATUSES}, not {table['status']!r}"
        )
    date = table["date"]
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise CatalogError(f"{where}: [{doc_id}] key 'date' must be a TOML date like 2022-03-29")
    date_known = table.get("date_known", True)
    if not isinstance(date_known, bool):
        raise CatalogError(f"{where}: [{doc_id}] key 'date_known' must be true or false")
    if not (plans_dir / table["file"]).is_file():
        raise CatalogError(f"{where}: [{doc_id}] key 'file' names {table['file']!r}, which does not exist")
    return PlanMeta(
        doc_id=doc_id,
        file=table["file"],
        title=table["title"],
        short_title=table["short_title"],
        region=table["region"],
        parents=(),
        level=table["level"],
        issuer=table["issuer"],
        doc_number=table["doc_number"],
        date=date,
        status=table["status"],
        date_known=date_known,
        hotline=_optional_text(table, "hotline", where, doc_id),
    )


def _optional_text(table: dict, key: str, where: str, doc_id: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise CatalogError(f"{where}: [{doc_id}] key {key!r} must be a string")
    return value.strip()


def read_catalog(path: Traversable | Path) -> tuple[PlanMeta, ...]:
    """Parse and validate a catalog file; plan files are looked up beside it in ``plans/``."""
    where = str(path)
    raw = read_toml(path, CatalogError, where)
    if not raw:
        raise CatalogError(f"{where}: no plans defined")
    plans_dir = path.parent / "plans" if isinstance(path, Path) else _data_dir() / "plans"
    return tuple(_validate(doc_id, table, where, plans_dir) for doc_id, table in raw.items())


@cache
def _packaged_catalog() -> tuple[PlanMeta, ...]:
    return read_catalog(_data_dir() / "plans.toml")


def load_catalog() -> dict[str, PlanMeta]:
    """The packaged plans keyed by doc_id, in the order of the file (a fresh dict each call)."""
    return {meta.doc_id: meta for meta in _packaged_catalog()}


def plan_text(meta: PlanMeta) -> str:
    """The plan's text as shipped in the package."""
    return (_data_dir() / "plans" / meta.file).read_text(encoding="utf-8")


def read_folder(directory: Path) -> tuple[list[tuple[PlanMeta, str]], list[str]]:
    """Plans of a folder holding a `plans.toml` and the files it names (beside it or in `plans/`).

    Unlike `read_catalog`, a bad entry does not spoil the rest: each problem becomes one
    message naming the file, and that plan is skipped.
    """
    catalog = directory / "plans.toml"
    try:
        raw = tomllib.loads(catalog.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [], [f"{catalog}: {exc}"]
    plans: list[tuple[PlanMeta, str]] = []
    problems: list[str] = []
    for doc_id, table in raw.items():
        file = table.get("file", "?") if isinstance(table, dict) else "?"
        base = directory if (directory / str(file)).is_file() else directory / "plans"
        try:
            meta = _validate(doc_id, table, str(catalog), base)
            text = (base / meta.file).read_text(encoding="utf-8")
        except CatalogError as exc:
            problems.append(str(exc))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{base / str(file)}: cannot be read as UTF-8 text ({exc.__class__.__name__})")
            continue
        plans.append((meta, text))
    return plans, problems
