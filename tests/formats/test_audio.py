from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from inspect_mlebench.formats.audio import aiff_bytes, read_aiff, read_wav, wav_bytes, write_aiff, write_wav

SAMPLES = np.array([0, 1, -1, 32767, -32768, 1234], dtype=np.int16)


def test_wav_round_trip_and_header(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    write_wav(path, SAMPLES, 16_000)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()) == (1, 2, 16_000, 6)
    samples, rate = read_wav(path)
    np.testing.assert_array_equal(samples, SAMPLES)
    assert rate == 16_000


def test_stereo_wav_round_trip() -> None:
    stereo = np.stack([SAMPLES, SAMPLES[::-1]], axis=1)
    samples, rate = read_wav(wav_bytes(stereo, 8000))
    np.testing.assert_array_equal(samples, stereo)
    assert rate == 8000


@pytest.mark.parametrize("rate", [2000, 22_050, 44_100])
def test_aiff_round_trip(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "a.aif"
    write_aiff(path, SAMPLES, rate)
    data = path.read_bytes()
    assert data[:4] == b"FORM"
    assert data[8:12] == b"AIFF"
    assert int.from_bytes(data[4:8], "big") == len(data) - 8
    samples, read_rate = read_aiff(path)
    np.testing.assert_array_equal(samples, SAMPLES)
    assert read_rate == rate


def test_aiff_sample_rate_is_an_80_bit_extended_float() -> None:
    # 2000 Hz = 1.953125 * 2**10: exponent 16383 + 10, mantissa 0xFA00... (known encoding of this rate)
    comm = aiff_bytes(SAMPLES, 2000)[20:38]
    assert comm[8:] == bytes.fromhex("4009FA00000000000000")


def test_stereo_aiff_round_trip() -> None:
    stereo = np.stack([SAMPLES, SAMPLES[::-1]], axis=1)
    samples, _ = read_aiff(aiff_bytes(stereo, 2000))
    np.testing.assert_array_equal(samples, stereo)


def test_not_aiff_is_rejected() -> None:
    with pytest.raises(ValueError, match="not an AIFF"):
        read_aiff(wav_bytes(SAMPLES, 2000))
