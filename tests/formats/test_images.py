from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inspect_mlebench.formats.images import (
    bmp_bytes,
    image_bytes,
    jpeg_bytes,
    png_bytes,
    read_image,
    tiff_bytes,
    write_image,
)

RGB = np.random.default_rng(0).integers(0, 256, (6, 5, 3)).astype(np.uint8)
GRAY = RGB[..., 0]


@pytest.mark.parametrize("encode", [png_bytes, tiff_bytes, bmp_bytes])
def test_lossless_round_trips(encode: Callable[[np.ndarray], bytes]) -> None:
    for pixels in (RGB, GRAY):
        np.testing.assert_array_equal(read_image(encode(pixels)), pixels)


def test_sixteen_bit_grayscale_round_trips() -> None:
    pixels = np.array([[0, 1000], [40000, 65535]], dtype=np.uint16)
    for data in (png_bytes(pixels, bits=16), tiff_bytes(pixels, bits=16)):
        np.testing.assert_array_equal(read_image(data).astype(np.uint16), pixels)
    with pytest.raises(ValueError, match="grayscale"):
        png_bytes(RGB.astype(np.uint16), bits=16)


def test_jpeg_clips_and_keeps_mode() -> None:
    data = jpeg_bytes(np.full((8, 8, 3), 300.0))
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (8, 8))
    assert np.abs(read_image(data).astype(int) - 255).max() <= 1
    assert read_image(jpeg_bytes(GRAY)).ndim == 2


def test_encoding_is_deterministic() -> None:
    assert jpeg_bytes(RGB) == jpeg_bytes(RGB) == image_bytes(RGB, "JPEG", quality=90)
    assert jpeg_bytes(RGB, quality=50) != jpeg_bytes(RGB)


def test_write_image_picks_format_from_suffix(tmp_path: Path) -> None:
    for suffix, fmt in [(".jpg", "JPEG"), (".png", "PNG"), (".tif", "TIFF"), (".bmp", "BMP")]:
        path = tmp_path / f"x{suffix}"
        write_image(path, RGB)
        with Image.open(path) as image:
            assert image.format == fmt
    assert (tmp_path / "x.jpg").read_bytes() == jpeg_bytes(RGB)
    np.testing.assert_array_equal(
        read_image(tmp_path / "x.png", mode="L"), np.asarray(Image.fromarray(RGB).convert("L"))
    )
    with pytest.raises(ValueError, match="no image format"):
        write_image(tmp_path / "x.gif2", RGB)
