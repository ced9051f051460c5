"""espeak-ng's PCM → an Ogg Opus voice note (mono, 48 kHz), the format Telegram shows as a voice note.

Encoding is the slow step: libsndfile (soundfile's writer) runs libopus at its highest complexity and
offers no way to lower it, which costs about 20 ms per second of speech. Calling the system libopus
directly at complexity 5 is several times faster with no audible loss for espeak's synthetic voice,
so that is used when libopus.so is installed (it comes with espeak-ng on Debian); soundfile is the
fallback. Both produce standard Ogg Opus (RFC 7845).

espeak-ng speaks at 22,050 Hz and Opus takes 48 kHz. soxr (libsoxr's resampler) converts with a
proper anti-aliasing filter in C and loads in milliseconds; scipy.signal, used before, cost 1.3 s of
import for this one call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import soxr

from voice.ogg import FRAME, OPUS_RATE, ogg_opus

BITRATE = 32_000
COMPLEXITY = 5
#: espeak-ng's loudest syllables reach full scale; notes are scaled down to this peak (−3 dBFS) so that
#: after Opus, whose decoded peaks overshoot the input's by up to about 1 dB, they stay below −1 dBFS
PEAK = 10 ** (-3 / 20)

_OPUS_APPLICATION_AUDIO = 2049
_OPUS_SET_BITRATE = 4002
_OPUS_SET_COMPLEXITY = 4010
_OPUS_GET_LOOKAHEAD = 4027
_MAX_PACKET = 4000

Backend = Literal["auto", "libopus", "soundfile"]


@dataclass(frozen=True)
class Encoded:
    ogg: bytes
    duration: float  # seconds of speech


def resample_to_48k(samples: bytes | np.ndarray, sample_rate: int) -> np.ndarray:
    """16-bit PCM at any rate → float32 at 48 kHz, the only rate Opus encodes."""
    pcm = np.frombuffer(samples, dtype="<i2") if isinstance(samples, bytes | bytearray) else samples
    audio = pcm.astype(np.float32) / 32768.0
    if sample_rate != OPUS_RATE:
        audio = soxr.resample(audio, sample_rate, OPUS_RATE, quality="HQ").astype(np.float32, copy=False)
    return np.clip(audio, -1.0, 1.0)


def encode_voice_note(samples: bytes | np.ndarray, sample_rate: int, *, backend: Backend = "auto") -> Encoded:
    """Mono 16-bit PCM → Ogg Opus bytes at 48 kHz (peaks limited to −3 dBFS) and its duration."""
    audio = limit_peak(resample_to_48k(samples, sample_rate))
    if audio.size == 0:
        raise ValueError("no audio to encode")
    if backend == "libopus" or (backend == "auto" and _libopus() is not None):
        ogg = _encode_libopus(audio)
    else:
        import soundfile as sf  # the fallback only: libsndfile costs 0.1 s to load

        buffer = io.BytesIO()
        sf.write(buffer, audio, OPUS_RATE, format="OGG", subtype="OPUS")
        ogg = buffer.getvalue()
    return Encoded(ogg=ogg, duration=audio.size / OPUS_RATE)


def limit_peak(audio: np.ndarray, peak: float = PEAK) -> np.ndarray:
    """`audio` scaled down so that its loudest sample is `peak` (never scaled up)."""
    loudest = float(np.max(np.abs(audio))) if audio.size else 0.0
    return audio * np.float32(peak / loudest) if loudest > peak else audio


@cache
def _libopus() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("opus")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_encoder_create.argtypes = [
        ctypes.c_int32,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    lib.opus_encode_float.restype = ctypes.c_int32
    lib.opus_encode_float.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_float),
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int32,
    ]
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_encoder_destroy.restype = None
    lib.opus_strerror.restype = ctypes.c_char_p
    return lib


def _encode_libopus(audio: np.ndarray) -> bytes:
    lib = _libopus()
    if lib is None:
        raise RuntimeError("libopus is not installed (Debian package libopus0)")
    error = ctypes.c_int()
    encoder = lib.opus_encoder_create(OPUS_RATE, 1, _OPUS_APPLICATION_AUDIO, ctypes.byref(error))
    if error.value != 0 or not encoder:
        raise RuntimeError(f"opus_encoder_create: {lib.opus_strerror(error.value).decode()}")
    try:
        lib.opus_encoder_ctl(ctypes.c_void_p(encoder), _OPUS_SET_BITRATE, ctypes.c_int32(BITRATE))
        lib.opus_encoder_ctl(ctypes.c_void_p(encoder), _OPUS_SET_COMPLEXITY, ctypes.c_int32(COMPLEXITY))
        lookahead = ctypes.c_int32()
        lib.opus_encoder_ctl(ctypes.c_void_p(encoder), _OPUS_GET_LOOKAHEAD, ctypes.byref(lookahead))
        pre_skip = lookahead.value
        # Feed pre_skip extra samples so the encoder's delay does not cut off the last syllable.
        total = audio.size + pre_skip
        padded = np.zeros(-(-total // FRAME) * FRAME, dtype=np.float32)
        padded[: audio.size] = audio
        out = ctypes.create_string_buffer(_MAX_PACKET)
        packets = []
        for start in range(0, padded.size, FRAME):
            frame = padded[start : start + FRAME]
            size = lib.opus_encode_float(
                encoder, frame.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), FRAME, out, _MAX_PACKET
            )
            if size < 0:
                raise RuntimeError(f"opus_encode_float: {lib.opus_strerror(size).decode()}")
            packets.append(out.raw[:size])
    finally:
        lib.opus_encoder_destroy(encoder)
    return ogg_opus(packets, pre_skip=pre_skip, samples=audio.size)
