"""Errors the adapters catch, in a module without SQL imports: `planbot search` loads no SQLAlchemy."""

from __future__ import annotations


class StorageUnavailable(RuntimeError):
    """The database cannot be reached, or stays locked: what needs storage says so, the rest goes on."""
