"""How fast a reply becomes a voice note: `python -m bench.voice_bench` prints a JSON object."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from voice.service import NORMAL, VoiceService
from voice.speech import to_speech

# 150 characters of a real answer: the 朔州 plan's own wording with its numbers and a citation.
REPLY = (
    "答：“十三五”时期，全市3601户、5676名建档立卡贫困残疾人全部如期脱贫，城乡新增1630名残疾人就业，"
    "1.9万名困难残疾人纳入最低生活保障，17万人次残疾人得到困难残疾人生活补贴和重度残疾人护理补贴。"
    "残疾人基本康复服务覆盖率和基本辅助器具适配率均超过80%。\n"
    "依据：朔州市规划 › 一、发展现状"
)


def run(rounds: int = 3) -> dict:
    """Cold (uncached) reply → voice note time, real-time factor, and cache-hit time; best of `rounds`."""
    with tempfile.TemporaryDirectory(prefix="planbot-voice-bench-") as tmp:
        started = time.perf_counter()
        service = VoiceService(Path(tmp))
        try:
            service.speak("你好。", rate=NORMAL)  # start-up of the worker process, reported apart
            warmup = time.perf_counter() - started
            cold, hit = [], []
            note = None
            for round_ in range(rounds):
                text = f"{REPLY}\n第{round_ + 1}次测量。"  # a new text each round, so never cached
                started = time.perf_counter()
                note = service.speak(text, rate=NORMAL)
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                service.speak(text, rate=NORMAL)
                hit.append(time.perf_counter() - started)
        finally:
            service.close()
    assert note is not None
    best = min(cold)
    return {
        "reply_chars": len(REPLY),
        "speech_chars": len(to_speech(REPLY)),
        "worker_start_s": round(warmup, 3),
        "cold_reply_to_voice_note_s": round(best, 3),
        "cold_reply_to_voice_note_all_s": [round(t, 3) for t in cold],
        "audio_s": round(note.duration, 2),
        "real_time_factor": round(note.duration / best, 1),
        "cache_hit_s": round(min(hit), 4),
        "ogg_bytes": len(note.ogg),
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
