"""Ogg Opus as a container (RFC 7845): mux 20 ms Opus packets into pages, and read a stream's length.

No numpy and no codec here: `planbot say` answers from the cache with this module alone.
"""

from __future__ import annotations

import struct
import zlib

OPUS_RATE = 48_000
FRAME = 960  # 20 ms at 48 kHz
VENDOR = b"planbot voice"
PACKETS_PER_PAGE = 50  # one second of audio per Ogg page


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
