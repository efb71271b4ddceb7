"""Images as numpy arrays <-> JPEG/PNG/TIFF/BMP bytes and files, through Pillow.

Synthetic competition data draws images as float or integer arrays; these helpers clip them to the pixel range and
encode them the same way everywhere, so the same seed gives byte-identical files. Arrays are (rows, cols) for
grayscale and (rows, cols, 3) for RGB; `bits=16` keeps 16-bit grayscale (PNG and TIFF), as medical images need.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL import Image


def to_pil(pixels: np.ndarray, bits: int = 8) -> Image.Image:
    """A Pillow image of `pixels` clipped to the range of `bits` (8, or 16 for grayscale only)."""
    from PIL import Image

    if bits == 8:
        return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if bits == 16:
        if pixels.ndim != 2:
            raise ValueError("16-bit images must be grayscale (rows, cols); Pillow has no 16-bit RGB")
        return Image.fromarray(np.clip(pixels, 0, 65535).astype(np.uint16))
    raise ValueError(f"bits must be 8 or 16, not {bits}")


def image_bytes(pixels: np.ndarray, format: str, *, bits: int = 8, **params: Any) -> bytes:
    """`pixels` encoded as `format` ("JPEG", "PNG", "TIFF", "BMP", ...); `params` go to Pillow's `save`."""
    buffer = io.BytesIO()
    to_pil(pixels, bits).save(buffer, format=format, **params)
    return buffer.getvalue()


def jpeg_bytes(pixels: np.ndarray, quality: int = 90) -> bytes:
    """An 8-bit JPEG of `pixels` (quality 90 unless given), clipped to [0, 255]."""
    return image_bytes(pixels, "JPEG", quality=quality)


def png_bytes(pixels: np.ndarray, bits: int = 8) -> bytes:
    """A lossless PNG of `pixels`, 8-bit or (grayscale) 16-bit."""
    return image_bytes(pixels, "PNG", bits=bits)


def tiff_bytes(pixels: np.ndarray, bits: int = 8) -> bytes:
    """An uncompressed TIFF of `pixels`, 8-bit or (grayscale) 16-bit."""
    return image_bytes(pixels, "TIFF", bits=bits)


def bmp_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit BMP of `pixels`."""
    return image_bytes(pixels, "BMP")


_SUFFIX_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}


def write_image(path: Path, pixels: np.ndarray, *, bits: int = 8, **params: Any) -> None:
    """`pixels` written to `path` in the format its suffix names (JPEG at quality 90 unless `quality` is given)."""
    format = _SUFFIX_FORMATS.get(path.suffix.lower())
    if format is None:
        raise ValueError(f"no image format known for '{path.suffix}'")
    if format == "JPEG":
        params.setdefault("quality", 90)
    path.write_bytes(image_bytes(pixels, format, bits=bits, **params))


def read_image(source: Path | bytes, mode: str | None = None) -> np.ndarray:
    """The pixels of an image file or its bytes, optionally converted to a Pillow `mode` first ("L", "RGB")."""
    from PIL import Image

    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
        return np.asarray(image.convert(mode) if mode else image)
