"""Voice: pronunciation, speed and level on real audio, and how fast a note is ready.

`python -m bench.voice_bench` prints a JSON object (`make bench` writes it to bench/results/voice.json,
and the pronunciation details to bench/results/pronunciation.json). Parts:

- pronunciation: bench.pronunciation_bench (syllables read differently from hand-checked pinyin);
- speeds: characters per second of real synthesised plan sentences at each speed, the duration
  model's error, and the loudest decoded sample of every note (dBFS);
- in_process: a warm VoiceService (worker running, modules loaded, as in the bot) making notes of
  100 and 300 characters that are not in the cache, and answering from the cache;
- whole_process: `planbot say` of 100 characters as a command, each run a fresh process timed from
  outside: a cache miss (a new text every run) and a cache hit; beside it the same two through the
  voice package alone (`python -c` calling voice.say) and `python -c "import planbot.cli"` (both leaving
  with os._exit, as `planbot say` does), which show
  how much of the command's time is the CLI module's own imports.
"""

from __future__ import annotations

import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from bench import pronunciation_bench
from voice.script import render
from voice.service import VoiceService
from voice.speeds import PACES, Speed, estimate_seconds

PLANS = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "plans"
PLANBOT = Path(sys.executable).with_name("planbot")
HAN = re.compile(r"[\u4e00-\u9fff〇]")
COLD_RUNS, HIT_RUNS, IN_PROCESS_RUNS = 7, 10, 10
SECRET = b"voice benchmark secret, 32 bytes"
TARGETS = {
    "pronunciation_error": 0.005,
    "say_cold_s": 1.0,
    "say_hit_s": 0.3,
    "note_100_in_process_s": 0.5,
    "peak_dbfs": -1.0,
}
#: the voice package's part of `planbot say`, leaving as the command does (os._exit: no interpreter teardown)
VOICE_ONLY = (
    "import os, sys; from pathlib import Path; from voice.say import say; d = Path(sys.argv[1]); "
    "say(sys.argv[2], data_dir=d, cache_dir=d / 'voice-cache', max_cache_bytes=10**8); os._exit(0)"
)


def plan_texts(length: int, count: int, *, offset: int = 0) -> list[str]:
    """`count` different pieces of real plan text, each `length` Chinese characters long (with its
    punctuation and numbers), cut at a character."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(PLANS.glob("*.txt")))
    text = re.sub(r"\s+", "", text)
    starts = [m.start() for m in HAN.finditer(text)]
    pieces, at = [], offset
    while len(pieces) < count:
        first = starts[at]
        last = starts[at + length - 1]
        pieces.append(text[first : last + 1])
        at += length + 37
    return pieces


def _median(values: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(values), 3),
        "min_s": round(min(values), 3),
        "max_s": round(max(values), 3),
        "runs": len(values),
    }


def _wall(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def whole_process() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="planbot-voice-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")}
        env |= {"PLANBOT_DATA_DIR": str(Path(tmp) / "data"), "PLANBOT_LOG_LEVEL": "WARNING"}
        out = str(Path(tmp) / "note.ogg")
        texts = plan_texts(100, COLD_RUNS * 2 + 2, offset=3000)
        say = [str(PLANBOT), "say", "-o", out]
        voice_only = [sys.executable, "-c", VOICE_ONLY, str(Path(tmp) / "voice-only")]
        _wall([*say, texts[-1]], env)  # first run: key file and cache directory made, pages warm
        _wall([*voice_only, texts[-2]], env)
        cold = [_wall([*say, text], env) for text in texts[:COLD_RUNS]]
        hit = [_wall([*say, texts[0]], env) for _ in range(HIT_RUNS)]
        voice_cold = [_wall([*voice_only, text], env) for text in texts[COLD_RUNS : 2 * COLD_RUNS]]
        voice_hit = [_wall([*voice_only, texts[COLD_RUNS]], env) for _ in range(HIT_RUNS)]
        cli_import = [
            _wall([sys.executable, "-c", "import os, planbot.cli; os._exit(0)"], env) for _ in range(HIT_RUNS)
        ]
        python = [_wall([sys.executable, "-c", "pass"], env) for _ in range(HIT_RUNS)]
    return {
        "text_chars": len(HAN.findall(texts[0])),
        "planbot_say_cold": _median(cold),
        "planbot_say_hit": _median(hit),
        "voice_say_only_cold": _median(voice_cold),
        "voice_say_only_hit": _median(voice_hit),
        "python_import_planbot_cli": _median(cli_import),
        "python_start": _median(python),
    }


def in_process() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="planbot-voice-bench-") as tmp:
        started = time.perf_counter()
        service = VoiceService(Path(tmp), cache_secret=SECRET)
        try:
            service.speak("你好。")  # imports, worker start: paid once when the bot first speaks
            first_note = time.perf_counter() - started
            timings: dict[str, list[float]] = {"100": [], "300": [], "hit": []}
            for size in ("100", "300"):
                for text in plan_texts(int(size), IN_PROCESS_RUNS, offset=9000 + int(size) * 20):
                    started = time.perf_counter()
                    note = service.speak(text)
                    timings[size].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    service.speak(text)
                    timings["hit"].append(time.perf_counter() - started)
        finally:
            service.close()
    return {
        "first_note_with_start_up_s": round(first_note, 3),
        "note_100_chars": _median(timings["100"]),
        "note_300_chars": _median(timings["300"]),
        "cache_hit": {
            **_median(timings["hit"]),
            "median_ms": round(statistics.median(timings["hit"]) * 1000, 2),
        },
        "audio_s_of_last_300_chars": round(note.duration, 1),
    }


def speeds() -> dict[str, object]:
    sentences = [s for s in re.findall(r"[^。]{20,80}。", "".join(plan_texts(3000, 1, offset=20000)))][:12]
    out: dict[str, object] = {}
    peaks = []
    with (
        tempfile.TemporaryDirectory(prefix="planbot-voice-bench-") as tmp,
        VoiceService(Path(tmp)) as service,
    ):
        for speed in Speed:
            characters = seconds = 0.0
            errors = []
            for sentence in sentences:
                note = service.speak(sentence, speed=speed)
                speech = render(sentence, speed).text
                characters += len(HAN.findall(speech))
                seconds += note.duration
                errors.append(estimate_seconds(speech, speed) / note.duration - 1)
                samples, _ = sf.read(io.BytesIO(note.ogg), dtype="float32")
                peaks.append(20 * float(np.log10(np.max(np.abs(samples)))))
            out[speed.value] = {
                "espeak_wpm": PACES[speed].wpm,
                "chars_per_second": round(characters / seconds, 2),
                "duration_model_error_mean": round(float(np.mean(errors)), 3),
                "duration_model_error_max_abs": round(float(np.max(np.abs(errors))), 3),
            }
    out["notes"] = len(peaks)
    out["peak_dbfs_max"] = round(max(peaks), 2)
    out["peak_dbfs_median"] = round(statistics.median(peaks), 2)
    return out


def run() -> dict[str, object]:
    pronunciation = pronunciation_bench.run()
    level = speeds()
    warm = in_process()
    processes = whole_process()
    measured = {
        "pronunciation_error": pronunciation["error"],
        "say_cold_s": processes["planbot_say_cold"]["median_s"],
        "say_hit_s": processes["planbot_say_hit"]["median_s"],
        "note_100_in_process_s": warm["note_100_chars"]["median_s"],
        "peak_dbfs": level["peak_dbfs_max"],
    }
    return {
        "targets": {
            name: {"target": TARGETS[name], "measured": value, "met": value <= TARGETS[name]}
            for name, value in measured.items()
        },
        "pronunciation": pronunciation,
        "speeds": level,
        "in_process": warm,
        "whole_process": processes,
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
