"""Voice notes on disk, keyed by what was spoken and how: the same answer is synthesised once.

File names are keyed HMACs (HMAC-SHA256 under a secret kept outside the cache), not plain hashes:
without the secret, nobody who sees the directory can confirm that a guessed text (a screening
result, "残疾等级：一级…") was spoken. Notes that hold a person's answers are never cached at all
(VoiceService.speak(private=True)); `clear` deletes every note, for /forget-style clean-ups and admins.

Several bot processes may share the directory. A note is written to a temporary file and moved into
place with os.replace, so a reader sees the whole file or none; eviction tolerates files another
process removed first. Recency is the file's modification time, refreshed on every hit (LRU).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import time
import uuid
from pathlib import Path

SUFFIX = ".ogg"
STALE_TEMP_SECONDS = 3600
KEEP_FRACTION = 0.9  # evict down to 90% of the cap, so the next put does not evict again
KEY_PREFIX = "v2-"  # names of keyed notes
_UNKEYED = re.compile(r"[0-9a-f]{64}\.ogg")  # names before keys: a plain SHA-256 of the spoken text


def cache_key(secret: bytes, speech_text: str, **settings: object) -> str:
    """A file-name-safe key for a speech text and every setting that changes the audio, under `secret`."""
    if len(secret) < 16:
        raise ValueError("the cache secret must be at least 16 bytes")
    material = json.dumps({"text": speech_text, **settings}, ensure_ascii=False, sort_keys=True)
    return KEY_PREFIX + hmac.new(secret, material.encode("utf-8"), hashlib.sha256).hexdigest()


def clear(directory: Path) -> int:
    """Delete every cached note (and leftover temporary file) in `directory`; the number of notes deleted."""
    removed = 0
    try:
        scan = os.scandir(directory)
    except FileNotFoundError:
        return 0
    with scan:
        for entry in scan:
            if entry.name.endswith((SUFFIX, ".tmp")) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += entry.name.endswith(SUFFIX)
    return removed


class AudioCache:
    """A size-capped, least-recently-used directory of encoded voice notes."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        with contextlib.suppress(OSError):  # evicted by another process in between: the data is still good
            os.utime(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        temporary = self.directory / f".{key}.{uuid.uuid4().hex}.tmp"
        try:
            temporary.write_bytes(data)
            os.replace(temporary, self.path(key))
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        self.evict()

    def clear(self) -> int:
        """Delete every note; the number deleted."""
        return clear(self.directory)

    def remove_unkeyed(self) -> int:
        """Delete notes named by a plain hash of their text (written before names were keyed)."""
        removed = 0
        with os.scandir(self.directory) as scan:
            for entry in scan:
                if _UNKEYED.fullmatch(entry.name):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
        return removed

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self._entries())

    def evict(self) -> None:
        """Remove the least recently used notes until the cache is back under its cap."""
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return
        for path, size, _ in sorted(entries, key=lambda entry: entry[2]):
            if total <= self.max_bytes * KEEP_FRACTION:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            total -= size

    def _entries(self) -> list[tuple[Path, int, float]]:
        entries = []
        now = time.time()
        with os.scandir(self.directory) as scan:
            for entry in scan:
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                if entry.name.endswith(SUFFIX):
                    entries.append((Path(entry.path), stat.st_size, stat.st_mtime))
                elif entry.name.endswith(".tmp") and now - stat.st_mtime > STALE_TEMP_SECONDS:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)  # left by a writer that crashed
        return entries
