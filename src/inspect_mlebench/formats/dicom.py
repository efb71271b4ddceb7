"""DICOM: a minimal Part 10 writer for synthetic images, and pydicom-based readers for real ones.

The writer is hand-written so that the same pixels and UIDs always give the same bytes (synthetic raw data is
fingerprinted) and so that writing needs no third-party library. It emits explicit VR little endian, uncompressed,
with the tags the competitions' preparers and agents look at (patient, study, series and instance UIDs, modality,
image geometry). Reading goes through pydicom, the well-kept library, because real Kaggle DICOMs use every transfer
syntax and VR there is.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pydicom.dataset import FileDataset

Tag = tuple[int, int]
Element = tuple[str, bytes | str | int]
"""(VR, value): strings are encoded as ASCII, ints packed by VR (US, UL, SS, SL), bytes written as they are."""

VL_PHOTOGRAPHIC = "1.2.840.10008.5.1.4.1.1.77.1.4"
"""SOP class of VL Photographic Image Storage (dermoscopy, fundus photos)."""
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
"""SOP class of CT Image Storage."""
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
"""SOP class of Secondary Capture Image Storage (e.g. digitised X-rays)."""
EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLEMENTATION_UID = "2.25.302125127375271036745925916733563312981"

_LONG_VRS = {"OB", "OW", "OF", "SQ", "UT", "UN"}
_INT_FORMATS = {"US": "<H", "UL": "<I", "SS": "<h", "SL": "<i"}


def _element(tag: Tag, vr: str, value: bytes | str | int) -> bytes:
    if isinstance(value, int):
        data = struct.pack(_INT_FORMATS[vr], value)
    else:
        data = value.encode("ascii") if isinstance(value, str) else value
    if len(data) % 2:
        data += b"\0" if vr in ("UI", "OB") else b" "
    if vr in _LONG_VRS:
        return struct.pack("<HH2sHI", *tag, vr.encode(), 0, len(data)) + data
    return struct.pack("<HH2sH", *tag, vr.encode(), len(data)) + data


def _pixel_elements(pixels: np.ndarray) -> dict[Tag, Element]:
    """Image-pixel module tags for a (rows, cols) grayscale or (rows, cols, 3) RGB array of uint8, uint16 or int16."""
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        samples, photometric = 3, "RGB"
    elif pixels.ndim == 2:
        samples, photometric = 1, "MONOCHROME2"
    else:
        raise ValueError(f"DICOM pixels must be (rows, cols) or (rows, cols, 3), not {pixels.shape}")
    if pixels.dtype not in (np.uint8, np.uint16, np.int16):
        raise ValueError(f"DICOM pixels must be uint8, uint16 or int16, not {pixels.dtype}")
    bits = pixels.dtype.itemsize * 8
    elements: dict[Tag, Element] = {
        (0x0028, 0x0002): ("US", samples),
        (0x0028, 0x0004): ("CS", photometric),
        (0x0028, 0x0010): ("US", pixels.shape[0]),
        (0x0028, 0x0011): ("US", pixels.shape[1]),
        (0x0028, 0x0100): ("US", bits),
        (0x0028, 0x0101): ("US", bits),
        (0x0028, 0x0102): ("US", bits - 1),
        (0x0028, 0x0103): ("US", 1 if pixels.dtype == np.int16 else 0),
        (0x7FE0, 0x0010): ("OB" if bits == 8 else "OW", pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()),
    }
    if samples == 3:
        elements[(0x0028, 0x0006)] = ("US", 0)  # planar configuration: RGBRGB...
    return elements


def dicom_bytes(
    pixels: np.ndarray,
    *,
    sop_instance_uid: str,
    patient_id: str = "",
    patient_sex: str = "",
    patient_age: str = "",
    modality: str = "XC",
    sop_class_uid: str = VL_PHOTOGRAPHIC,
    study_instance_uid: str | None = None,
    series_instance_uid: str | None = None,
    extra: Mapping[Tag, Element] | None = None,
) -> bytes:
    """A DICOM Part 10 file of `pixels`. Study and series UIDs default to the instance UID with `.1` / `.2`
    appended (one image per study); `extra` adds or overrides tags, e.g. `{(0x0020, 0x0013): ("IS", "7")}`."""
    meta = b"".join(
        [
            _element((0x0002, 0x0001), "OB", b"\x00\x01"),
            _element((0x0002, 0x0002), "UI", sop_class_uid),
            _element((0x0002, 0x0003), "UI", sop_instance_uid),
            _element((0x0002, 0x0010), "UI", EXPLICIT_LE),
            _element((0x0002, 0x0012), "UI", IMPLEMENTATION_UID),
        ]
    )
    elements: dict[Tag, Element] = {
        (0x0008, 0x0016): ("UI", sop_class_uid),
        (0x0008, 0x0018): ("UI", sop_instance_uid),
        (0x0008, 0x0060): ("CS", modality),
        (0x0010, 0x0010): ("PN", ""),
        (0x0010, 0x0020): ("LO", patient_id),
        (0x0010, 0x0040): ("CS", patient_sex),
        (0x0010, 0x1010): ("AS", patient_age),
        (0x0020, 0x000D): ("UI", study_instance_uid or sop_instance_uid + ".1"),
        (0x0020, 0x000E): ("UI", series_instance_uid or sop_instance_uid + ".2"),
        **_pixel_elements(pixels),
        **(extra or {}),
    }
    dataset = b"".join(_element(tag, *elements[tag]) for tag in sorted(elements))
    group_length = _element((0x0002, 0x0000), "UL", len(meta))
    return b"\0" * 128 + b"DICM" + group_length + meta + dataset


def write_dicom(path: Path, pixels: np.ndarray, **tags: Any) -> None:
    """`dicom_bytes(pixels, **tags)` written to `path`."""
    path.write_bytes(dicom_bytes(pixels, **tags))


def read_dicom(path: Path, *, pixels: bool = True) -> FileDataset:
    """The dataset of a DICOM file (any transfer syntax pydicom reads); `pixels=False` stops before the pixel data,
    which is much faster when only tags are needed."""
    import pydicom

    return pydicom.dcmread(path, stop_before_pixels=not pixels)


def dicom_pixels(path: Path) -> np.ndarray:
    """The pixel array of a DICOM file, as stored (no rescale or windowing)."""
    return np.asarray(read_dicom(path).pixel_array)
