"""statoil-iceberg-classifier-challenge: two 75x75 radar bands per record in 7z-packed JSON, binary `is_iceberg`
(log loss, graded declaratively).

Kaggle ships `train.json.7z` and `test.json.7z` (each holding `data/processed/<name>.json`: a list of records with
`id`, `band_1`, `band_2`, `inc_angle` and, in train, `is_iceberg`) and `sample_submission.csv.7z`. Upstream holds
out 20% of the train records (random_state=0) and repacks them as `train.json` / `test.json` at the root of new 7z
archives; its sample submission exists only as `sample_submission.csv.7z` in public (the plain CSV sits in private),
so this preparer also writes the same CSV uncompressed to public for the agent (see the config's known issue).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import extract
from inspect_mlebench.kit.media import ensure_free_space
from inspect_mlebench.kit.synth import hex_ids, rng

ID = "id"
TARGET = "is_iceberg"
TEST_SIZE = 0.2
SIDE = 75
# What 7-Zip extracts inside each Kaggle archive.
MEMBER = "data/processed/{name}.json"


def _write_7z(files: list[tuple[Path, str]], archive: Path) -> None:
    """A 7z archive of `(file, name in the archive)` pairs, stored uncompressed: LZMA on hundreds of MB of JSON
    text costs minutes, and any 7z reader extracts the same files (only the archive's bytes differ from upstream's,
    which carry its preparation time anyway)."""
    import py7zr  # only preparation needs it

    with py7zr.SevenZipFile(archive, "w", filters=[{"id": py7zr.FILTER_COPY}]) as out:
        for file, arcname in files:
            out.write(file, arcname=arcname)


def _first_record_keys(path: Path) -> list[str]:
    """The field names of the first record of a JSON list, read without loading the whole list (Kaggle's test.json
    is about 1.5 GB)."""
    decoder = json.JSONDecoder()
    text = ""
    with path.open(encoding="utf-8") as handle:
        while True:
            chunk = handle.read(1 << 20)
            text += chunk
            start = text.index("[") + 1 if "[" in text else -1
            if start > 0:
                body = text[start:].lstrip()
                try:
                    first, _ = decoder.raw_decode(body)
                    return list(first)
                except json.JSONDecodeError:
                    if not chunk:
                        raise
            if not chunk:
                raise ValueError(f"{path} holds no JSON list of records")


def prepare(raw: Path, public: Path, private: Path) -> None:
    for name in ("train", "test"):
        archive = raw / f"{name}.json.7z"
        ensure_free_space(private, archive.stat().st_size * 12, f"extracting {archive.name}")
    with tempfile.TemporaryDirectory(dir=private) as tmp_name:
        tmp = Path(tmp_name)
        extract(raw / "train.json.7z", tmp / "train")
        extract(raw / "test.json.7z", tmp / "test")
        records: list[dict[str, Any]] = json.loads((tmp / "train" / MEMBER.format(name="train")).read_text())
        fields = set(records[0])
        assert all(set(r) == fields for r in records), "train records have different fields"
        test_path = tmp / "test" / MEMBER.format(name="test")
        # Kaggle's test records give the public test file's fields and their order.
        test_fields = _first_record_keys(test_path)
        test_path.unlink()

        # Upstream splits the list of records itself; splitting positions picks the same records in the same order.
        train_pos, test_pos = train_test_split(np.arange(len(records)), test_size=TEST_SIZE, random_state=0)
        train = [records[i] for i in train_pos]
        test = [records[i] for i in test_pos]
        assert {r[ID] for r in train}.isdisjoint(r[ID] for r in test), "train and test ids overlap"

        for name, rows in (("train", train), ("test", [{k: r[k] for k in test_fields} for r in test])):
            plain = tmp / f"{name}.json"
            with plain.open("w") as handle:
                json.dump(rows, handle)
            _write_7z([(plain, f"{name}.json")], public / f"{name}.json.7z")
            plain.unlink()

    answers = pd.DataFrame({ID: [r[ID] for r in test], TARGET: [int(r[TARGET]) for r in test]})
    answers.to_csv(private / "test.csv", index=False)
    sample = answers.assign(**{TARGET: 0.5})
    sample.to_csv(private / "sample_submission.csv", index=False)
    _write_7z([(private / "sample_submission.csv", "sample_submission.csv")], public / "sample_submission.csv.7z")
    # Upstream's public data has the sample only compressed; the agent gets the same CSV unpacked as well.
    sample.to_csv(public / "sample_submission.csv", index=False)


# --- synthetic data ------------------------------------------------------------------------------------------------


def _bands(gen: np.random.Generator, iceberg: int) -> tuple[list[float], list[float]]:
    """Sea clutter in dB with one bright target; an iceberg is a compact round blob, a ship a long narrow one that is
    brighter in the cross-polarised band."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    cy, cx = gen.normal(SIDE / 2, 4, 2)
    if iceberg:
        blob = np.exp(-(((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 4.0**2)))
        lift_1, lift_2 = 12.0, 6.0
    else:
        blob = np.exp(-(((yy - cy) ** 2) / (2 * 1.5**2) + ((xx - cx) ** 2) / (2 * 9.0**2)))
        lift_1, lift_2 = 14.0, 13.0
    band_1 = -24.0 + lift_1 * blob + gen.normal(0, 1.8, (SIDE, SIDE))
    band_2 = -30.0 + lift_2 * blob + gen.normal(0, 1.8, (SIDE, SIDE))
    return [round(float(v), 2) for v in band_1.ravel()], [round(float(v), 2) for v in band_2.ravel()]


def _record(gen: np.random.Generator, record_id: str, iceberg: int, *, labelled: bool) -> dict[str, Any]:
    band_1, band_2 = _bands(gen, iceberg)
    # Kaggle's train leaves the angle out ("na") for some records.
    angle: float | str = "na" if labelled and gen.random() < 0.08 else round(float(gen.uniform(30, 46)), 4)
    record: dict[str, Any] = {ID: record_id, "band_1": band_1, "band_2": band_2, "inc_angle": angle}
    if labelled:
        record[TARGET] = iceberg
    return record


def _write_download(out: Path, name: str, records: list[dict[str, Any]]) -> None:
    """`<name>.json.7z` holding `data/processed/<name>.json`, with pinned times so the bytes are reproducible."""
    with tempfile.TemporaryDirectory(dir=out) as tmp_name:
        member = Path(tmp_name) / f"{name}.json"
        member.write_text(json.dumps(records))
        os.utime(member, (0, 0))
        _write_7z([(member, MEMBER.format(name=name))], out / f"{name}.json.7z")


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "statoil-iceberg-classifier-challenge")
    n_train, n_test = max(size, 10), max(4, size // 4)
    ids = hex_ids(gen, n_train + n_test, 4)
    labels = (gen.random(n_train) < 0.47).astype(int)
    # log loss needs both classes among the records upstream's split holds out
    held_out = train_test_split(np.arange(n_train), test_size=TEST_SIZE, random_state=0)[1]
    labels[held_out[:2]] = [0, 1]
    train = [_record(gen, i, int(y), labelled=True) for i, y in zip(ids[:n_train], labels, strict=True)]
    test = [_record(gen, i, int(gen.random() < 0.47), labelled=False) for i in ids[n_train:]]
    _write_download(out, "train", train)
    _write_download(out, "test", test)
    sample = out / "sample_submission.csv"
    pd.DataFrame({ID: ids[n_train:], TARGET: 0.5}).to_csv(sample, index=False)
    os.utime(sample, (0, 0))
    _write_7z([(sample, "sample_submission.csv")], out / "sample_submission.csv.7z")
    sample.unlink()
