"""The speech synthesis worker: a process of its own around pyttsx3 and espeak-ng.

Run as a script (`python voice/espeak_worker.py VOICE`) by voice.synth, never imported by the bot:
pyttsx3 is not thread-safe, espeak-ng keeps global state, and a hung synthesis can only be stopped by
killing the process that runs it. It imports nothing from planbot, so it starts in a fraction of a second.

Protocol, on stdin/stdout: the worker first writes a JSON line {"ready": true} (or {"ready": false,
"error": …}). Each request is a JSON line {"text", "rate", "settle"}; each answer is a JSON line
{"ok": true, "sample_rate", "bytes"} followed by that many bytes of 16-bit little-endian mono PCM,
or {"ok": false, "error"}.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
import time
from pathlib import Path

POLL_SECONDS = 0.005
WAV_HEADER_BYTES = 44


def _complete_wav(path: Path) -> bytes | None:
    """The file's bytes once the WAV is whole, else None.

    pyttsx3 2.99's runAndWait can return before its espeak driver has written the file (pyttsx3
    issue #219); Python's wave module writes a canonical 44-byte header and patches the data length
    after the samples, so a whole file is one whose data length matches its size.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) <= WAV_HEADER_BYTES or data[:4] != b"RIFF" or data[36:40] != b"data":
        return None
    data_length = int.from_bytes(data[40:44], "little")
    if data_length == 0 or len(data) != WAV_HEADER_BYTES + data_length:
        return None
    return data


def _set_rate(rate: int, settle: float) -> None:
    """Set espeak-ng's speed and wait until it has taken effect.

    espeak-ng applies parameters through its asynchronous command queue, and pyttsx3's runAndWait
    calls espeak_Cancel whenever that queue is not empty, which silently drops a rate change still
    waiting in it (so engine.setProperty("rate") is lost now and then). Setting the parameter
    directly and waiting for the queue to drain, then reading it back, makes the change stick.
    """
    from pyttsx3.drivers import _espeak

    current = _espeak.dll.espeak_GetParameter
    current.argtypes, current.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    deadline = time.monotonic() + settle
    while True:
        _espeak.SetParameter(_espeak.RATE, rate, 0)
        while _espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        if current(_espeak.RATE, 1) == rate:
            return
        if time.monotonic() >= deadline:
            raise RuntimeError(f"espeak-ng did not accept rate {rate}")


def _synthesize(engine, text: str, rate: int, settle: float, workdir: Path, serial: int) -> tuple[int, bytes]:
    _set_rate(rate, settle)
    for attempt in range(2):
        path = workdir / f"{serial}-{attempt}.wav"
        engine.save_to_file(text, str(path))
        engine.runAndWait()
        deadline = time.monotonic() + settle
        while (wav := _complete_wav(path)) is None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        if wav is not None:
            path.unlink()
            sample_rate = int.from_bytes(wav[24:28], "little")
            return sample_rate, wav[WAV_HEADER_BYTES:]
    raise RuntimeError(f"espeak-ng wrote no complete WAV within {settle:.1f}s, twice")


def _send(out, header: dict, payload: bytes = b"") -> None:
    out.write(json.dumps(header).encode("utf-8") + b"\n" + payload)
    out.flush()


def main(voice: str) -> None:
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # pyttsx3 prints "Audio saved to …" for every file; keep the protocol clean
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        import pyttsx3

        engine = pyttsx3.init("espeak")
        known = {v.id for v in engine.getProperty("voices")}
        if not any(v == voice.lower() or v.endswith("/" + voice.lower()) for v in known):
            # checked first: pyttsx3 hangs in runAndWait after setting a voice espeak-ng lacks
            raise ValueError(f"espeak-ng has no voice {voice!r}")
        engine.setProperty("voice", voice)
        engine.runAndWait()
    except Exception as exc:  # report any start-up failure to the parent, then stop
        _send(out, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    _send(out, {"ready": True, "pid": os.getpid()})
    with tempfile.TemporaryDirectory(prefix="planbot-espeak-") as tmp:
        for serial, line in enumerate(sys.stdin.buffer):
            request = json.loads(line)
            try:
                sample_rate, pcm = _synthesize(
                    engine, request["text"], int(request["rate"]), float(request["settle"]), Path(tmp), serial
                )
            except Exception as exc:  # one bad request must not end the worker
                _send(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
            else:
                _send(out, {"ok": True, "sample_rate": sample_rate, "bytes": len(pcm)}, pcm)


if __name__ == "__main__":
    main(sys.argv[1])
