"""MP4 video through PyAV (FFmpeg's libraries): NFL's game-play clips and the gesture challenge's samples.

Frames are numpy arrays of shape (frames, height, width, 3), uint8 RGB. Encoding runs on one thread with fixed
options so that the same frames give the same bytes, which keeps synthetic data reproducible.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def write_mp4(path: Path, frames: np.ndarray, fps: int = 30, codec: str = "libx264") -> None:
    """Encode `frames` (frames, height, width, 3) uint8 RGB into an MP4 file; height and width must be even."""
    import av

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[3] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"video frames must be uint8 (frames, height, width, 3), not {frames.dtype} {frames.shape}")
    if frames.shape[1] % 2 or frames.shape[2] % 2:
        raise ValueError(f"video height and width must be even for yuv420p, not {frames.shape[1:3]}")
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream(codec, rate=Fraction(fps))
        if not isinstance(stream, av.VideoStream):
            raise ValueError(f"{codec!r} is not a video codec")
        stream.width = frames.shape[2]
        stream.height = frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.thread_count = 1
        stream.thread_type = "NONE"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "threads": "1", "bframes": "0"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def read_mp4(path: Path) -> tuple[np.ndarray, float]:
    """(frames as (frames, height, width, 3) uint8 RGB, frames per second) of a video file."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate) if stream.average_rate else 0.0
        images = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    if not images:
        raise ValueError(f"{path} holds no video frames")
    return np.stack(images), rate
