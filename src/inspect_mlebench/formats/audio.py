"""16-bit PCM audio: WAV (through the stdlib `wave` module) and AIFF (hand-written).

The audio competitions ship WAV (mlsp-2013-birds) and AIFF (the ICML 2013 whale challenge). AIFF is written and read
here by hand: the stdlib `aifc` module is deprecated and gone from Python 3.13, and AIFF is three small chunks.
Samples are numpy arrays of shape (frames,) for mono or (frames, channels), converted to 16-bit integers.
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np


def _frames(samples: np.ndarray) -> tuple[int, int]:
    """(frames, channels) of a mono or multi-channel sample array."""
    if samples.ndim == 1:
        return len(samples), 1
    if samples.ndim == 2:
        return samples.shape[0], samples.shape[1]
    raise ValueError(f"audio samples must be (frames,) or (frames, channels), not {samples.shape}")


def _shaped(flat: np.ndarray, channels: int) -> np.ndarray:
    return flat if channels == 1 else flat.reshape(-1, channels)


# --- WAV ----------------------------------------------------------------------------------------------------------


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """A 16-bit PCM WAV file of `samples` at `rate` Hz."""
    _, channels = _frames(samples)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buffer.getvalue()


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    path.write_bytes(wav_bytes(samples, rate))


def read_wav(source: Path | bytes) -> tuple[np.ndarray, int]:
    """(int16 samples, rate) of a 16-bit PCM WAV file or its bytes."""
    with wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"only 16-bit WAV is supported, not {8 * wav.getsampwidth()}-bit")
        flat = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)
        return _shaped(flat, wav.getnchannels()), wav.getframerate()


# --- AIFF ---------------------------------------------------------------------------------------------------------


def _extended(value: int) -> bytes:
    """A positive integer as the 80-bit IEEE 754 extended float that AIFF uses for the sample rate."""
    exponent = value.bit_length() - 1
    return struct.pack(">HQ", 16383 + exponent, value << (63 - exponent))


def _from_extended(data: bytes) -> float:
    sign_exponent, mantissa = struct.unpack(">HQ", data)
    if not mantissa:
        return 0.0
    value: float = mantissa * 2.0 ** ((sign_exponent & 0x7FFF) - 16383 - 63)
    return -value if sign_exponent & 0x8000 else value


def aiff_bytes(samples: np.ndarray, rate: int) -> bytes:
    """A 16-bit AIFF file (FORM/AIFF with COMM and SSND chunks) of `samples` at `rate` Hz."""
    frames, channels = _frames(samples)
    data = np.asarray(samples).astype(">i2").tobytes()
    comm = struct.pack(">hLh", channels, frames, 16) + _extended(rate)
    chunks = b"COMM" + struct.pack(">L", len(comm)) + comm
    chunks += b"SSND" + struct.pack(">LLL", len(data) + 8, 0, 0) + data
    return b"FORM" + struct.pack(">L", len(chunks) + 4) + b"AIFF" + chunks


def write_aiff(path: Path, samples: np.ndarray, rate: int) -> None:
    path.write_bytes(aiff_bytes(samples, rate))


def read_aiff(source: Path | bytes) -> tuple[np.ndarray, int]:
    """(int16 samples, rate) of an uncompressed 16-bit AIFF file or its bytes."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    if data[:4] != b"FORM" or data[8:12] != b"AIFF":
        raise ValueError("not an AIFF file (FORM/AIFF header missing)")
    pos, comm, sound = 12, None, None
    while pos + 8 <= len(data):
        kind, (size,) = data[pos : pos + 4], struct.unpack(">L", data[pos + 4 : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        if kind == b"COMM":
            comm = body
        elif kind == b"SSND":
            (offset,) = struct.unpack(">L", body[:4])
            sound = body[8 + offset :]
        pos += 8 + size + size % 2  # chunks are padded to even length
    if comm is None or sound is None:
        raise ValueError("AIFF file lacks a COMM or SSND chunk")
    channels, frames, bits = struct.unpack(">hLh", comm[:8])
    if bits != 16:
        raise ValueError(f"only 16-bit AIFF is supported, not {bits}-bit")
    flat = np.frombuffer(sound[: 2 * frames * channels], dtype=">i2").astype(np.int16)
    return _shaped(flat, channels), round(_from_extended(comm[8:18]))
