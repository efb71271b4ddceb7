"""NIfTI-1 volumes through nibabel: RSNA cervical-spine's segmentation masks (`segmentations/<uid>.nii`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_nifti(path: Path, volume: np.ndarray, spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> None:
    """Write a 3-D array as an uncompressed `.nii` (or gzipped `.nii.gz`, by suffix) with the voxel spacing."""
    import nibabel as nib

    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError(f"a NIfTI volume here is 3-D, not {volume.shape}")
    image = nib.Nifti1Image(volume, affine=np.diag([*spacing, 1.0]))  # type: ignore[no-untyped-call]
    image.header.set_xyzt_units("mm")  # type: ignore[no-untyped-call]
    nib.save(image, str(path))


def read_nifti(path: Path) -> np.ndarray:
    """The voxel array of a NIfTI file, in its stored dtype."""
    import nibabel as nib

    return np.asarray(nib.load(str(path)).dataobj)  # type: ignore[attr-defined]
