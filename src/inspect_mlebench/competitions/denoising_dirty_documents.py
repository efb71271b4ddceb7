"""denoising-dirty-documents: clean scanned text images; scored by per-pixel RMSE over `image_row_col` ids."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import png_bytes, read_image
from inspect_mlebench.kit.synth import rng, write_csv

# Kaggle's two page heights (540 wide); the synthetic pages keep the two-heights idea at a tiny scale.
SYNTH_WIDTH = 24
SYNTH_HEIGHTS = (12, 18)


def _pixel_rows(image_path: Path) -> pd.DataFrame:
    """One row per pixel, ids 1-based `stem_row_col` in row-major order, values scaled to [0, 1]."""
    pixels = read_image(image_path, "L") / 255.0
    rows, cols = pixels.shape
    r, c = np.meshgrid(np.arange(1, rows + 1), np.arange(1, cols + 1), indexing="ij")
    ids = [f"{image_path.stem}_{i}_{j}" for i, j in zip(r.ravel(), c.ravel(), strict=True)]
    return pd.DataFrame({"id": ids, "value": pixels.ravel()})


def _extract(archive: Path, dst: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dst)


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 20% of the (name-sorted) noisy training pages become the test set, random_state=0; their cleaned
    # counterparts become the pixel-level answers and are not published.
    _extract(raw / "train.zip", public)
    pages = sorted((public / "train").glob("*.png"))
    _, test_pages = train_test_split(pages, test_size=0.2, random_state=0)
    test_names = {p.name for p in test_pages}

    (public / "test").mkdir(parents=True, exist_ok=True)
    for page in pages:
        if page.name in test_names:
            shutil.move(page, public / "test" / page.name)

    _extract(raw / "train_cleaned.zip", public)
    held_out = private / "train_cleaned"
    held_out.mkdir(parents=True, exist_ok=True)
    for page in (public / "train_cleaned").glob("*.png"):
        if page.name in test_names:
            shutil.move(page, held_out / page.name)

    answers = pd.concat([_pixel_rows(p) for p in sorted(held_out.glob("*.png"))], ignore_index=True)
    shutil.rmtree(held_out)
    answers.to_csv(private / "answers.csv", index=False)
    answers.assign(value=1).to_csv(public / "sampleSubmission.csv", index=False)

    assert len(list((public / "test").glob("*.png"))) == len(test_pages)
    assert len(list((public / "train").glob("*.png"))) == len(pages) - len(test_pages)
    assert answers["id"].is_unique


def _page(gen: np.random.Generator, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A clean page (white with dark text strokes) and its dirty scan (stain gradient, speckle, faded ink)."""
    clean = np.full((height, SYNTH_WIDTH), 255.0)
    for top in range(2, height - 3, 5):
        strokes = gen.random(SYNTH_WIDTH - 4) < 0.55
        clean[top : top + 2, 2:-2][:, strokes] = gen.uniform(0, 60)
    stain = gen.uniform(0, 70) * np.linspace(0, 1, SYNTH_WIDTH)[None, :] * gen.random((height, 1))
    dirty = clean * gen.uniform(0.75, 0.95) + gen.uniform(0, 30) - stain + gen.normal(0, 8, clean.shape)
    return clean.astype(np.uint8), np.clip(dirty, 0, 255).astype(np.uint8)


def _zip(path: Path, folder: str, images: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, array in images.items():
            zf.writestr(f"{folder}/{name}.png", png_bytes(array))


def synthesize(out: Path, seed: int, size: int) -> None:
    # Kaggle numbers the pages 1..216 with every third one (1, 4, 7, ...) in the test set; keep that pattern.
    gen = rng(seed, "denoising-dirty-documents")
    n_train = max(size, 10)
    n_test = max(3, n_train // 2)
    numbers = np.arange(1, 3 * (n_train + n_test))
    train_ids = [int(i) for i in numbers if i % 3 != 1][:n_train]
    test_ids = [int(i) for i in numbers if i % 3 == 1][:n_test]

    dirty: dict[str, np.ndarray] = {}
    cleaned: dict[str, np.ndarray] = {}
    for page_id in train_ids:
        cleaned[str(page_id)], dirty[str(page_id)] = _page(gen, int(gen.choice(SYNTH_HEIGHTS)))
    test_pages = {str(i): _page(gen, int(gen.choice(SYNTH_HEIGHTS)))[1] for i in test_ids}

    out.mkdir(parents=True, exist_ok=True)
    _zip(out / "train.zip", "train", dirty)
    _zip(out / "train_cleaned.zip", "train_cleaned", cleaned)
    _zip(out / "test.zip", "test", test_pages)
    sample = [f"{name}_{r + 1}_{c + 1}" for name, page in test_pages.items() for r, c in np.ndindex(page.shape)]
    write_csv(pd.DataFrame({"id": sample, "value": 1}), out / "sampleSubmission.csv")
