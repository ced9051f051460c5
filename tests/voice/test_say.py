"""`planbot say`: --show, a note written, a cache hit answered without the speech engine; long texts."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voice.ogg import ogg_opus_duration
from voice.pinyin import to_espeak
from voice.service import VoiceService
from voice.speeds import PACES, Speed

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
PLANBOT = Path(sys.executable).with_name("planbot")
PLANS_DIR = Path(__file__).parents[2] / "knowledge" / "data" / "plans"
TEXT = "发送 /screen 可以做个简单自测。张掖市户籍所在地的乡镇（街道）可以申请，覆盖率（%）>95。"


def planbot(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")}
    env["PLANBOT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(PLANBOT), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_show_prints_the_speech_text_and_the_exact_espeak_input(tmp_path: Path) -> None:
    done = planbot(tmp_path, "say", TEXT, "--show")
    assert done.returncode == 0, done.stderr
    speech, espeak_input = done.stdout.splitlines()
    assert (
        speech
        == "发送，自测命令，可以做个简单自测。张掖市户籍所在地的乡镇或街道可以申请，覆盖率高于百分之九十五。"
    )
    assert espeak_input == to_espeak(speech)
    assert espeak_input.startswith("fa1 song4, zi4 ce4 ming4 ling4,")
    assert "zhang1 ye4 shi4 hu4 ji2 suo3 zai4 di4" in espeak_input
    assert not (tmp_path / "voice-cache").exists()  # showing makes no audio


def test_say_writes_a_voice_note_and_reuses_it(tmp_path: Path) -> None:
    out = tmp_path / "reply.ogg"
    first = planbot(tmp_path, "say", TEXT, "-o", str(out))
    assert first.returncode == 0, first.stderr
    note = out.read_bytes()
    assert note[:4] == b"OggS" and ogg_opus_duration(note) > 5
    [cached] = (tmp_path / "voice-cache").glob("*.ogg")
    out.unlink()
    again = planbot(tmp_path, "say", TEXT, "-o", str(out), "--speed", "normal")
    assert again.returncode == 0 and out.read_bytes() == note
    slow = planbot(tmp_path, "say", TEXT, "-o", str(out), "--speed", "slow")
    assert slow.returncode == 0 and ogg_opus_duration(out.read_bytes()) > ogg_opus_duration(note)
    assert cached.exists() and len(list((tmp_path / "voice-cache").glob("*.ogg"))) == 2


PROBE = """
import json, sys
from pathlib import Path
from voice.say import say
data = Path(sys.argv[1])
note = say(sys.argv[2], data_dir=data, cache_dir=data / "voice-cache", max_cache_bytes=10**8)
heavy = ["pypinyin", "numpy", "soxr", "soundfile", "pyttsx3", "voice.encode", "voice.pinyin", "cn2an"]
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules], "seconds": note.duration}))
"""


def test_a_cache_hit_loads_no_speech_engine(tmp_path: Path) -> None:
    def probe() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(tmp_path), TEXT], capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout)

    cold = probe()
    assert {"pypinyin", "numpy", "voice.encode"} <= set(cold["loaded"])  # the check can fail
    hit = probe()
    assert hit["loaded"] == [] and hit["seconds"] == cold["seconds"]


def test_a_two_thousand_character_text_is_spoken_without_a_timeout(make_service) -> None:
    """Each chunk must finish inside the timeout; the whole text takes longer than it and still works."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(PLANS_DIR.glob("*.txt")))
    chunk = re.sub(r"\s+", "", text)[5000:7000]
    assert len(chunk) == 2000
    service: VoiceService = make_service(timeout=3.0)
    note = service.speak(chunk, private=True)
    assert note.duration > 300  # minutes of speech, well past any single 3-second request


def test_normal_speed_is_about_four_and_a_half_characters_a_second(shared_service: VoiceService) -> None:
    text = (
        "残疾人基本康复服务覆盖率和基本辅助器具适配率均超过百分之八十，城乡新增残疾人就业一千六百三十名。" * 3
    )
    characters = len(re.findall(r"[\u4e00-\u9fff〇]", text))
    rates = {speed: characters / shared_service.speak(text, speed=speed).duration for speed in Speed}
    assert rates[Speed.NORMAL] == pytest.approx(PACES[Speed.NORMAL].chars_per_second, rel=0.12)
    assert rates[Speed.SLOW] < rates[Speed.NORMAL] < rates[Speed.FAST]


def test_peaks_stay_at_or_below_minus_one_dbfs(shared_service: VoiceService) -> None:
    texts = [p.read_text(encoding="utf-8")[2000:2600] for p in sorted(PLANS_DIR.glob("*.txt"))]
    for text in texts:
        samples, _ = sf.read(io.BytesIO(shared_service.speak(text, private=True).ogg), dtype="float32")
        peak_dbfs = 20 * np.log10(np.max(np.abs(samples)))
        assert -6 < peak_dbfs <= -1.0
