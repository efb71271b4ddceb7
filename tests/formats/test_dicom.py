from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inspect_mlebench.formats.dicom import CT_IMAGE, dicom_bytes, dicom_pixels, read_dicom, write_dicom

pydicom = pytest.importorskip("pydicom")


def test_rgb_file_reads_back_with_pydicom(tmp_path: Path) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    path = tmp_path / "ISIC_0000001.dcm"
    write_dicom(path, pixels, sop_instance_uid="2.25.123", patient_id="IP_0000001", patient_sex="F", patient_age="045Y")
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert ds.SOPInstanceUID == "2.25.123"
    assert ds.StudyInstanceUID == "2.25.123.1"
    assert ds.SeriesInstanceUID == "2.25.123.2"
    assert (ds.PatientID, ds.PatientSex, ds.PatientAge, ds.Modality) == ("IP_0000001", "F", "045Y", "XC")
    assert ds.PhotometricInterpretation == "RGB"
    np.testing.assert_array_equal(ds.pixel_array, pixels)
    np.testing.assert_array_equal(dicom_pixels(path), pixels)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
def test_grayscale_depths_read_back(tmp_path: Path, dtype: type[np.integer]) -> None:
    info = np.iinfo(dtype)
    pixels = np.array([[info.min, 0, info.max], [1, 2, 3]], dtype=dtype)
    path = tmp_path / "ct.dcm"
    path.write_bytes(
        dicom_bytes(
            pixels,
            sop_instance_uid="1.2.3.4",
            modality="CT",
            sop_class_uid=CT_IMAGE,
            study_instance_uid="1.2.3",
            series_instance_uid="1.2.3.9",
            extra={(0x0020, 0x0013): ("IS", "7"), (0x0018, 0x0050): ("DS", "2.5")},
        )
    )
    ds = read_dicom(path)
    assert ds.PhotometricInterpretation == "MONOCHROME2"
    assert ds.BitsAllocated == 8 * np.dtype(dtype).itemsize
    assert (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.InstanceNumber, ds.SliceThickness) == (
        "1.2.3",
        "1.2.3.9",
        7,
        2.5,
    )
    np.testing.assert_array_equal(ds.pixel_array, pixels)
    assert "PixelData" not in read_dicom(path, pixels=False)


def test_same_input_same_bytes() -> None:
    pixels = np.zeros((2, 2, 3), dtype=np.uint8)
    assert dicom_bytes(pixels, sop_instance_uid="2.25.1") == dicom_bytes(pixels, sop_instance_uid="2.25.1")
    assert dicom_bytes(pixels, sop_instance_uid="2.25.1") != dicom_bytes(pixels, sop_instance_uid="2.25.2")


def test_unsupported_pixels_are_rejected() -> None:
    with pytest.raises(ValueError, match="uint8, uint16 or int16"):
        dicom_bytes(np.zeros((2, 2), dtype=np.float32), sop_instance_uid="1.2")
    with pytest.raises(ValueError, match="rows, cols"):
        dicom_bytes(np.zeros((2, 2, 4), dtype=np.uint8), sop_instance_uid="1.2")
