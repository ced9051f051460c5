"""Reading the editable data files in knowledge/data/ (TOML), one way for every loader."""

from __future__ import annotations

import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


class DataError(ValueError):
    """A data file is malformed; the message names the file, the field and the reason."""


def read_toml(path: Traversable | Path, error: type[Exception], where: str | None = None) -> dict[str, Any]:
    """The file's table. A syntax error becomes `error`, naming the file (or `where`) and, through
    tomllib's message, the line and column, so a typo in a data file fails loudly and findably."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where or path}: not valid TOML: {exc}") from exc
