"""espeak-ng's PCM → an Ogg Opus voice note (mono, 48 kHz), the format Telegram shows as a voice note.

Encoding is the slow step: libsndfile (soundfile's writer) runs libopus at its highest complexity and
offers no way to lower it, which costs about 20 ms per second of speech. Calling the system libopus
directly at complexity 5 is several times faster with no audible loss for espeak's synthetic voice,
so that is used when libopus.so is installed (it comes with espeak-ng on Debian); soundfile is the
fallback. Both produce standard Ogg Opus (RFC 7845).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

OPUS_RATE = 48_000
FRAME = 960  # 20 ms at 48 kHz
BITRATE = 32_000
COMPLEXITY = 5
VENDOR = b"planbot voice"
PACKETS_PER_PAGE = 50  # one second of audio per Ogg page

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
        gcd = np.gcd(OPUS_RATE, sample_rate)
        audio = resample_poly(audio, OPUS_RATE // gcd, sample_rate // gcd).astype(np.float32)
    return np.clip(audio, -1.0, 1.0)


def encode_voice_note(samples: bytes | np.ndarray, sample_rate: int, *, backend: Backend = "auto") -> Encoded:
    """Mono 16-bit PCM → Ogg Opus bytes at 48 kHz and the speech's duration."""
    audio = resample_to_48k(samples, sample_rate)
    if audio.size == 0:
        raise ValueError("no audio to encode")
    if backend == "libopus" or (backend == "auto" and _libopus() is not None):
        ogg = _encode_libopus(audio)
    else:
        buffer = io.BytesIO()
        sf.write(buffer, audio, OPUS_RATE, format="OGG", subtype="OPUS")
        ogg = buffer.getvalue()
    return Encoded(ogg=ogg, duration=audio.size / OPUS_RATE)


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


def ogg_opus(packets: list[bytes], *, pre_skip: int, samples: int, serial: int = 0x706C616E) -> bytes:
    """Mux 20 ms Opus packets into an Ogg Opus stream (RFC 7845); `samples` is the length before padding."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, OPUS_RATE, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", len(VENDOR)) + VENDOR + struct.pack("<I", 0)
    pages = [_page(0x02, 0, serial, 0, [head]), _page(0x00, 0, serial, 1, [tags])]
    for sequence, first in enumerate(range(0, len(packets), PACKETS_PER_PAGE), start=2):
        chunk = packets[first : first + PACKETS_PER_PAGE]
        last = first + len(chunk) == len(packets)
        granule = pre_skip + samples if last else (first + len(chunk)) * FRAME
        pages.append(_page(0x04 if last else 0x00, granule, serial, sequence, chunk))
    return b"".join(pages)


def _page(flags: int, granule: int, serial: int, sequence: int, packets: list[bytes]) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    if len(lacing) > 255:
        raise ValueError("too many segments for one Ogg page")
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing))
    page = bytearray(header + lacing + b"".join(packets))
    page[22:26] = struct.pack("<I", ogg_crc(bytes(page)))
    return bytes(page)


_REVERSED_BITS = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


def ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, initial value 0), computed by zlib in C.

    zlib's CRC-32 is the bit-reflected form of the same polynomial: fed bit-reversed bytes, started
    from 0 instead of 0xFFFFFFFF and not inverted at the end, its result is Ogg's CRC bit-reversed.
    """
    reflected = zlib.crc32(data.translate(_REVERSED_BITS), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


def ogg_opus_duration(ogg: bytes) -> float:
    """Seconds of audio in an Ogg Opus stream: the last page's granule position minus the pre-skip."""
    if ogg[:4] != b"OggS":
        raise ValueError("not an Ogg stream")
    head = ogg.find(b"OpusHead")
    if head < 0:
        raise ValueError("not an Ogg Opus stream")
    pre_skip = struct.unpack_from("<H", ogg, head + 10)[0]
    offset, granule = 0, 0
    while offset + 27 <= len(ogg):
        if ogg[offset : offset + 4] != b"OggS":
            raise ValueError(f"broken Ogg page at byte {offset}")
        page_granule = struct.unpack_from("<q", ogg, offset + 6)[0]
        segments = ogg[offset + 26]
        body = sum(ogg[offset + 27 : offset + 27 + segments])
        if page_granule >= 0:
            granule = page_granule
        offset += 27 + segments + body
    return max(granule - pre_skip, 0) / OPUS_RATE
