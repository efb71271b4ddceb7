"""MP4 writing is deterministic and round-trips flat colour frames; bad shapes get one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inspect_mlebench.formats.nifti import read_nifti, write_nifti
from inspect_mlebench.formats.video import read_mp4, write_mp4


def _frames() -> np.ndarray:
    frames = np.zeros((6, 32, 48, 3), np.uint8)
    frames[:, :16] = 200
    frames[3:, :, :24, 2] = 90
    return frames


def test_mp4_round_trip_and_same_bytes(tmp_path: Path) -> None:
    write_mp4(tmp_path / "a.mp4", _frames(), fps=30)
    write_mp4(tmp_path / "b.mp4", _frames(), fps=30)
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()
    frames, fps = read_mp4(tmp_path / "a.mp4")
    assert frames.shape == (6, 32, 48, 3)
    assert fps == 30.0
    assert np.abs(frames.astype(int) - _frames()).mean() < 3


@pytest.mark.parametrize(
    ("frames", "message"),
    [(np.zeros((2, 32, 48), np.uint8), "uint8"), (np.zeros((2, 31, 48, 3), np.uint8), "even")],
)
def test_mp4_rejects_bad_frames(tmp_path: Path, frames: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_mp4(tmp_path / "bad.mp4", frames)


def test_nifti_round_trip(tmp_path: Path) -> None:
    volume = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    write_nifti(tmp_path / "seg.nii", volume, spacing=(0.5, 0.5, 1.0))
    assert np.array_equal(read_nifti(tmp_path / "seg.nii"), volume)
    with pytest.raises(ValueError, match="3-D"):
        write_nifti(tmp_path / "flat.nii", volume[0])
