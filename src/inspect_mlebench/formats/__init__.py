"""Media and file formats that competition data ships in, as small codecs with no project imports.

This is the lowest layer of the package: competition preparers and synthetic-data writers import from here, and
nothing here imports from the rest of `inspect_mlebench`. Heavy or optional libraries (pydicom, pymongo's `bson`,
py7zr, pyarrow, PyAV, nibabel) are imported inside the functions that need them, so importing a module here stays cheap.

- `tfrecord`: TFRecord framing (length + masked CRC32C) and `tf.train.Example` messages, without TensorFlow.
- `dicom`: a minimal DICOM Part 10 writer and pydicom-based readers.
- `audio`: 16-bit PCM WAV and AIFF writers and readers.
- `images`: JPEG/PNG/TIFF/BMP encoding of numpy arrays with Pillow, and decoding back to arrays.
- `archives`: deterministic zip writing, CSV-in-zip as Kaggle ships it, 7z writing and extraction.
- `bson`: streams of BSON documents (cdiscount's `train.bson`).
- `parquet`: parquet tables through pandas + pyarrow.
- `video`: MP4 encoding and decoding through PyAV.
- `nifti`: NIfTI-1 volumes through nibabel.
"""
