"""No personal audio at rest: keyed cache names, private notes never on disk, an owner-only key file."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from voice.cache import AudioCache, cache_key, clear
from voice.keyfile import KEY_BYTES, load_or_create_key
from voice.script import Part, Script, render
from voice.service import VoiceService
from voice.speeds import PACES, Speed

RESULT = "结论：您可能符合重度残疾人护理补贴的条件。残疾等级：一级。户籍地区：朔州市。"


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir()}


def test_a_private_note_never_touches_the_cache_directory(make_service, tmp_path: Path) -> None:
    service: VoiceService = make_service()
    service.speak("这句话会被缓存。")  # the cache directory is in use
    directory = service._cache.directory
    before = snapshot(directory)
    note = service.speak(Script((Part(RESULT),)), private=True)
    again = service.speak(RESULT, private=True)
    assert note.duration > 3 and again.duration > 3
    assert snapshot(directory) == before


def test_a_private_note_is_not_read_from_the_cache_either(make_service) -> None:
    service: VoiceService = make_service()
    public = service.speak(RESULT)
    cached = service._cache.directory / f"{service.key(render(RESULT).text, PACES[Speed.NORMAL].wpm)}.ogg"
    assert cached.read_bytes() == public.ogg
    cached.write_bytes(b"OggS planted")  # what a private speak must never hand out
    assert service.speak(RESULT, private=True).ogg[:4] == b"OggS"
    assert service.speak(RESULT, private=True).ogg != b"OggS planted"


def test_cache_file_names_are_keyed_hmacs_not_hashes_of_the_text(make_service) -> None:
    service: VoiceService = make_service()
    service.speak(RESULT)
    [name] = [p.name for p in service._cache.directory.glob("*.ogg")]
    spoken = render(RESULT).text
    for unkeyed in (
        hashlib.sha256(spoken.encode()).hexdigest(),
        hashlib.sha256(json.dumps({"text": spoken}, ensure_ascii=False).encode()).hexdigest(),
    ):
        assert unkeyed not in name
    other = make_service(cache_secret=b"another secret, another name...")
    other.speak(RESULT)
    [other_name] = [p.name for p in other._cache.directory.glob("*.ogg")]
    assert other_name != name


def test_without_a_secret_nothing_is_kept_on_disk(make_service) -> None:
    service: VoiceService = make_service(cache_secret=None)
    assert service.speak(RESULT).duration > 3
    assert service._cache is None
    assert service.clear_cache() == 0


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        cache_key(b"short", "你好。")


def test_clear_deletes_every_cached_note(make_service) -> None:
    service: VoiceService = make_service()
    for text in ("第一句。", "第二句。", "第三句。"):
        service.speak(text)
    directory = service._cache.directory
    (directory / ".half-written.tmp").write_bytes(b"x")
    assert len(list(directory.glob("*.ogg"))) == 3
    assert service.clear_cache() == 3
    assert list(directory.iterdir()) == []
    assert clear(directory) == 0 and clear(directory / "missing") == 0


def test_notes_named_by_a_plain_hash_are_removed_when_the_service_starts(
    make_service, tmp_path: Path
) -> None:
    directory = tmp_path / "cache-old"
    directory.mkdir()
    legacy = directory / f"{hashlib.sha256(RESULT.encode()).hexdigest()}.ogg"
    legacy.write_bytes(b"OggS old note")
    keep = directory / "v2-something.ogg"
    keep.write_bytes(b"OggS keyed")
    AudioCache(directory, 10_000)  # a cache alone does not scan
    assert legacy.exists()
    VoiceService(directory, cache_secret=b"s" * 32).close()
    assert not legacy.exists() and keep.exists()


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "voice.key"
    key = load_or_create_key(path)
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key
    assert load_or_create_key(tmp_path / "other.key") != key
    assert [p.name for p in path.parent.iterdir()] == ["voice.key"]


def test_processes_racing_to_make_the_key_agree_on_one(tmp_path: Path) -> None:
    path = tmp_path / "voice.key"
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(load_or_create_key(path))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and keys[0] == path.read_bytes()


def test_a_damaged_key_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "voice.key"
    path.write_bytes(b"too short")
    os.chmod(path, 0o600)
    with pytest.raises(ValueError, match=r"voice\.key"):
        load_or_create_key(path)
