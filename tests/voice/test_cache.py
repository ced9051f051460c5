"""The on-disk voice note cache: reuse, LRU eviction under a cap, and two processes sharing it."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
from pathlib import Path

from voice.cache import STALE_TEMP_SECONDS, AudioCache, cache_key
from voice.speeds import Speed

SECRET = b"k" * 32


def payload(key: str, size: int = 1000) -> bytes:
    """Bytes that can be checked against their key, to catch torn or mixed-up writes."""
    seed = hashlib.sha256(key.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def test_put_then_get_returns_the_same_bytes(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, max_bytes=10_000)
    assert cache.get("a") is None
    cache.put("a", b"OggS-one")
    assert cache.get("a") == b"OggS-one"
    cache.put("a", b"OggS-two")
    assert cache.get("a") == b"OggS-two"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_key_changes_with_text_voice_rate_and_secret() -> None:
    base = cache_key(SECRET, "你好。", voice="cmn-latn-pinyin", rate=160)
    assert base == cache_key(SECRET, "你好。", voice="cmn-latn-pinyin", rate=160)
    assert (
        len(
            {
                base,
                cache_key(SECRET, "您好。", voice="cmn-latn-pinyin", rate=160),
                cache_key(SECRET, "你好。", voice="cmn", rate=160),
                cache_key(SECRET, "你好。", voice="cmn-latn-pinyin", rate=200),
                cache_key(b"another secret of 32 bytes......", "你好。", voice="cmn-latn-pinyin", rate=160),
            }
        )
        == 5
    )


def test_least_recently_used_note_is_evicted_first(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, max_bytes=3_500)
    for age, key in enumerate(["old", "middle", "new"]):
        cache.put(key, payload(key))
        os.utime(cache.path(key), (1_000_000 + age, 1_000_000 + age))
    assert cache.get("old") is not None  # reading makes "old" the most recently used
    cache.put("newest", payload("newest"))
    assert cache.get("middle") is None
    assert {key for key in ("old", "new", "newest") if cache.get(key) is not None} == {"old", "new", "newest"}
    assert cache.total_bytes() <= 3_500


def test_cache_stays_under_its_cap(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, max_bytes=10_000)
    for i in range(40):
        cache.put(f"k{i}", payload(f"k{i}"))
        assert cache.total_bytes() <= 10_000
    assert cache.get("k39") == payload("k39")


def test_stale_temporary_files_of_a_crashed_writer_are_removed(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path, max_bytes=10_000)
    stale, fresh = tmp_path / ".x.dead.tmp", tmp_path / ".y.live.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    cache.put("k", b"note")
    assert not stale.exists() and fresh.exists()


def _writer(directory: str, worker: int, max_bytes: int) -> None:
    cache = AudioCache(Path(directory), max_bytes=max_bytes)
    for i in range(60):
        key = f"shared{i % 25}" if i % 2 else f"w{worker}-{i}"
        cache.put(key, payload(key, 5_000))
        data = cache.get(key)
        assert data is None or data == payload(key, 5_000)


def test_two_processes_sharing_the_cache_never_see_torn_files(tmp_path: Path) -> None:
    max_bytes = 60_000
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(tmp_path), n, max_bytes)) for n in range(2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    cache = AudioCache(tmp_path, max_bytes=max_bytes)
    notes = list(tmp_path.glob("*.ogg"))
    assert notes
    for note in notes:
        assert note.read_bytes() == payload(note.stem, 5_000)
    assert cache.total_bytes() <= max_bytes


def test_the_service_answers_a_repeat_from_the_cache_without_synthesis(make_service) -> None:
    service = make_service(timeout=1.0)
    first = service.speak("残疾人基本康复服务覆盖率不低于85%。")
    os.kill(service.worker_pid, signal.SIGSTOP)  # any synthesis now would time out
    again = service.speak("残疾人基本康复服务覆盖率不低于百分之八十五。")  # same speech text
    assert again == first
    os.kill(service.worker_pid, signal.SIGCONT)


def test_the_service_makes_new_audio_for_another_rate(make_service) -> None:
    service = make_service()
    normal = service.speak("依据朔州市规划第三部分第二项。", speed=Speed.NORMAL)
    fast = service.speak("依据朔州市规划第三部分第二项。", speed=Speed.FAST)
    assert fast.ogg != normal.ogg
    assert fast.duration < normal.duration
