"""The synthesis worker: many callers at once, a hung or dead worker, a missing espeak-ng."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from pathlib import Path

import pytest
import soundfile as sf

from voice.errors import EspeakMissing, VoiceUnavailable
from voice.service import VoiceService
from voice.synth import require_espeak_ng


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_twenty_concurrent_requests_all_complete(shared_service: VoiceService) -> None:
    replies = [f"{i}. 残疾人基本康复服务覆盖率不低于{60 + i}%。" for i in range(20)]
    notes = await asyncio.gather(*(shared_service.aspeak(reply) for reply in replies))
    assert len(notes) == 20
    assert len({note.ogg for note in notes}) == 20
    for note in notes:
        assert sf.info(io.BytesIO(note.ogg)).samplerate == 48_000
        assert note.duration > 1


async def test_aspeak_leaves_the_event_loop_free(shared_service: VoiceService) -> None:
    task = asyncio.create_task(shared_service.aspeak("残疾儿童少年义务教育入学率不低于97%，这句话没有缓存。"))
    await asyncio.sleep(0)  # had aspeak run on the loop, it would have finished inside this yield
    assert not task.done()
    assert (await task).duration > 1


def test_a_hung_worker_is_killed_restarted_and_the_next_request_works(make_service) -> None:
    service = make_service(timeout=1.5)
    assert service.speak("第一句话。").duration > 0
    hung = service.worker_pid
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)  # the worker stops answering, as a hung pyttsx3 would
    with pytest.raises(VoiceUnavailable, match="longer than"):
        service.speak("第二句话。")
    assert not process_exists(hung)
    assert service.worker_pid not in (None, hung)
    assert service.speak("第三句话。").duration > 0


def test_a_worker_killed_between_requests_is_replaced_without_failing_the_request(make_service) -> None:
    service = make_service()
    service.speak("第一句话。")
    dead = service.worker_pid
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    assert service.speak("第二句话。").duration > 0
    assert service.worker_pid != dead


def test_an_unknown_voice_fails_clearly_and_keeps_failing_clearly(make_service) -> None:
    service = make_service(voice="no-such-voice")
    for _ in range(2):
        with pytest.raises(VoiceUnavailable, match="no-such-voice"):
            service.speak("你好。")


def test_a_reply_with_nothing_to_say_is_refused(shared_service: VoiceService) -> None:
    with pytest.raises(VoiceUnavailable, match="nothing to say"):
        shared_service.speak("https://example.org/ 👍")


def test_a_rate_outside_espeaks_range_is_refused(shared_service: VoiceService) -> None:
    with pytest.raises(ValueError, match="rate"):
        shared_service.speak("你好。", rate=1000)


def test_closing_the_service_ends_its_worker(make_service) -> None:
    service = make_service()
    service.speak("你好。")
    pid = service.worker_pid
    service.close()
    assert pid is not None and not process_exists(pid)
    with pytest.raises(VoiceUnavailable):
        service.speak("再见，这句话不在缓存里。")


def test_missing_espeak_ng_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(EspeakMissing, match=r"apt-get install espeak-ng"):
        require_espeak_ng(search_path=str(tmp_path))


def test_installed_espeak_ng_is_found() -> None:
    if not os.path.exists("/usr/bin/espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    assert require_espeak_ng().endswith("espeak-ng")


def _worker_pids() -> set[int]:
    import psutil

    return {
        child.pid
        for child in psutil.Process().children(recursive=True)
        if child.status() != psutil.STATUS_ZOMBIE and any("espeak_worker.py" in a for a in child.cmdline())
    }


async def test_concurrent_first_requests_start_one_worker(make_service) -> None:
    service = make_service()
    before = _worker_pids()
    assert service.worker_pid is None  # nothing started before the first synthesis
    await asyncio.gather(*(service.aspeak(f"第{i}句话，还没有缓存。", private=True) for i in range(6)))
    assert _worker_pids() - before == {service.worker_pid}
