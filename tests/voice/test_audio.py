"""Real audio: what the service returns is an Ogg Opus voice note Telegram can play, with speech in it."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile as sf

from voice.encode import _libopus, encode_voice_note, resample_to_48k
from voice.ogg import OPUS_RATE, ogg_crc, ogg_opus_duration
from voice.service import VoiceService
from voice.speeds import Speed

SHORT = "残疾人基本康复服务覆盖率不低于85%。"
LONG = (
    "“十三五”时期，全市3601户、5676名建档立卡贫困残疾人全部如期脱贫，城乡新增1630名残疾人就业，"
    "1.9万名困难残疾人纳入最低生活保障，17万人次残疾人得到困难残疾人生活补贴和重度残疾人护理补贴。"
)
RMS_FLOOR = 0.01  # espeak's speech measures about 0.1; digital silence is 0


def decode(ogg: bytes) -> tuple[np.ndarray, sf._SoundFileInfo]:
    info = sf.info(io.BytesIO(ogg))
    samples, _ = sf.read(io.BytesIO(ogg), dtype="float32")
    return samples, info


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples))))


def test_voice_note_is_ogg_opus_48k_mono_with_speech(shared_service: VoiceService) -> None:
    note = shared_service.speak(LONG)
    assert note.ogg[:4] == b"OggS"
    segments = note.ogg[26]
    first_page_body = note.ogg[27 + segments : 27 + segments + sum(note.ogg[27 : 27 + segments])]
    assert first_page_body[:8] == b"OpusHead"
    assert first_page_body[9] == 1  # channel count
    samples, info = decode(note.ogg)
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("OGG", "OPUS", 48_000, 1)
    assert samples.ndim == 1
    assert note.duration == pytest.approx(samples.size / OPUS_RATE, abs=0.02)
    assert rms(samples) > RMS_FLOOR


def test_longer_text_gives_longer_audio(shared_service: VoiceService) -> None:
    short, long = shared_service.speak(SHORT), shared_service.speak(LONG)
    assert long.duration > 3 * short.duration > 0
    assert decode(long.ogg)[0].size > decode(short.ogg)[0].size


def test_slow_rate_speaks_longer_than_fast(shared_service: VoiceService) -> None:
    slow = shared_service.speak(SHORT, speed=Speed.SLOW).duration
    assert (
        slow
        > shared_service.speak(SHORT, speed=Speed.NORMAL).duration
        > shared_service.speak(SHORT, speed="fast").duration
    )


@pytest.fixture(scope="module")
def speech_pcm(shared_service: VoiceService):
    shared_service.start_worker()
    return shared_service._worker.synthesize("yi1 ju4 shuo4 zhou1 shi4 gui1 hua4.", rate=216)


@pytest.mark.parametrize("backend", ["libopus", "soundfile"])
def test_both_encoders_make_decodable_notes_of_the_same_length(backend: str, speech_pcm) -> None:
    if backend == "libopus" and _libopus() is None:
        pytest.skip("libopus is not installed")
    encoded = encode_voice_note(speech_pcm.samples, speech_pcm.sample_rate, backend=backend)
    samples, info = decode(encoded.ogg)
    assert (info.samplerate, info.channels, info.subtype) == (48_000, 1, "OPUS")
    assert encoded.duration == pytest.approx(speech_pcm.duration, abs=0.001)
    assert ogg_opus_duration(encoded.ogg) == pytest.approx(samples.size / OPUS_RATE, abs=0.001)
    assert rms(samples) > RMS_FLOOR


def test_encoded_speech_keeps_its_shape(speech_pcm) -> None:
    """The decoded note follows the input's loudness envelope: not noise, not shifted by the codec delay."""
    original = resample_to_48k(speech_pcm.samples, speech_pcm.sample_rate)
    decoded, _ = decode(encode_voice_note(speech_pcm.samples, speech_pcm.sample_rate).ogg)
    window = OPUS_RATE // 50
    frames = min(original.size, decoded.size) // window
    envelope = [
        np.sqrt(np.mean(np.square(x[: frames * window].reshape(frames, window)), axis=1))
        for x in (original, decoded)
    ]
    assert np.corrcoef(*envelope)[0, 1] > 0.9


def test_silence_is_below_the_rms_floor() -> None:
    """The floor the tests above use does tell speech from silence."""
    encoded = encode_voice_note(np.zeros(22_050, dtype=np.int16), 22_050)
    samples, _ = decode(encoded.ogg)
    assert rms(samples) < RMS_FLOOR


def reference_ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


@pytest.mark.parametrize("data", [b"", b"OggS", bytes(range(256)), "残疾人".encode() * 50])
def test_ogg_crc_matches_the_bitwise_definition(data: bytes) -> None:
    assert ogg_crc(data) == reference_ogg_crc(data)


def test_a_damaged_page_is_rejected_by_the_decoder(speech_pcm) -> None:
    """libogg checks every page's CRC, so a decodable note proves the CRCs are right."""
    ogg = bytearray(encode_voice_note(speech_pcm.samples, speech_pcm.sample_rate, backend="auto").ogg)
    whole = decode(bytes(ogg))[0].size
    last_page = ogg.rfind(b"OggS")
    ogg[last_page + 60] ^= 0xFF
    try:
        damaged = decode(bytes(ogg))[0].size
    except sf.LibsndfileError:
        damaged = 0
    assert damaged < whole


def test_duration_comes_from_the_last_granule_minus_pre_skip(speech_pcm) -> None:
    ogg = encode_voice_note(speech_pcm.samples, speech_pcm.sample_rate).ogg
    head = ogg.find(b"OpusHead")
    pre_skip = struct.unpack_from("<H", ogg, head + 10)[0]
    last_granule = struct.unpack_from("<q", ogg, ogg.rfind(b"OggS") + 6)[0]
    assert ogg_opus_duration(ogg) == (last_granule - pre_skip) / OPUS_RATE
    with pytest.raises(ValueError):
        ogg_opus_duration(b"RIFF" + ogg[4:])
