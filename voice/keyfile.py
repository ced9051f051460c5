"""The secret that keys voice-cache file names, for callers without one of their own (`planbot say`).

32 random bytes in a file readable by its owner only (0600), created on first use. The bot passes a
secret derived from its own key instead; either way, the cache directory alone reveals nothing.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 32
KEY_FILE = "voice.key"


def load_or_create_key(path: Path) -> bytes:
    """The key kept in `path`, made (0600, never group- or world-readable) if there is none yet."""
    path = Path(path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = write_secret(path, secrets.token_bytes(KEY_BYTES))
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path} must hold exactly {KEY_BYTES} bytes (delete it to make a new key)")
    return key


def write_secret(path: Path, secret: bytes) -> bytes:
    """Write `secret` to `path`, readable by its owner only (0600), and return what `path` holds.

    It is written beside `path` and linked into place, so the file is whole or absent; if another
    process made one first, theirs is kept and returned. (The bot's user-id salt file uses it too.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secret)
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return path.read_bytes()
    finally:
        temporary.unlink(missing_ok=True)
    return secret
