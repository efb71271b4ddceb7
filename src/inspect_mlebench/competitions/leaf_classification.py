"""leaf-classification: 99 tree species from leaf silhouettes and 192 extracted features (multi-class log loss)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import write_zip, zip_csv
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.synth import rng
from inspect_mlebench.tables import read_csv

ID = "id"
TARGET = "species"
FEATURE_BLOCKS = ("margin", "shape", "texture")
# The 99 species, in the column order of the sample submission (upstream's classes.py).
CLASSES = [
    "Acer_Capillipes",
    "Acer_Circinatum",
    "Acer_Mono",
    "Acer_Opalus",
    "Acer_Palmatum",
    "Acer_Pictum",
    "Acer_Platanoids",
    "Acer_Rubrum",
    "Acer_Rufinerve",
    "Acer_Saccharinum",
    "Alnus_Cordata",
    "Alnus_Maximowiczii",
    "Alnus_Rubra",
    "Alnus_Sieboldiana",
    "Alnus_Viridis",
    "Arundinaria_Simonii",
    "Betula_Austrosinensis",
    "Betula_Pendula",
    "Callicarpa_Bodinieri",
    "Castanea_Sativa",
    "Celtis_Koraiensis",
    "Cercis_Siliquastrum",
    "Cornus_Chinensis",
    "Cornus_Controversa",
    "Cornus_Macrophylla",
    "Cotinus_Coggygria",
    "Crataegus_Monogyna",
    "Cytisus_Battandieri",
    "Eucalyptus_Glaucescens",
    "Eucalyptus_Neglecta",
    "Eucalyptus_Urnigera",
    "Fagus_Sylvatica",
    "Ginkgo_Biloba",
    "Ilex_Aquifolium",
    "Ilex_Cornuta",
    "Liquidambar_Styraciflua",
    "Liriodendron_Tulipifera",
    "Lithocarpus_Cleistocarpus",
    "Lithocarpus_Edulis",
    "Magnolia_Heptapeta",
    "Magnolia_Salicifolia",
    "Morus_Nigra",
    "Olea_Europaea",
    "Phildelphus",
    "Populus_Adenopoda",
    "Populus_Grandidentata",
    "Populus_Nigra",
    "Prunus_Avium",
    "Prunus_X_Shmittii",
    "Pterocarya_Stenoptera",
    "Quercus_Afares",
    "Quercus_Agrifolia",
    "Quercus_Alnifolia",
    "Quercus_Brantii",
    "Quercus_Canariensis",
    "Quercus_Castaneifolia",
    "Quercus_Cerris",
    "Quercus_Chrysolepis",
    "Quercus_Coccifera",
    "Quercus_Coccinea",
    "Quercus_Crassifolia",
    "Quercus_Crassipes",
    "Quercus_Dolicholepis",
    "Quercus_Ellipsoidalis",
    "Quercus_Greggii",
    "Quercus_Hartwissiana",
    "Quercus_Ilex",
    "Quercus_Imbricaria",
    "Quercus_Infectoria_sub",
    "Quercus_Kewensis",
    "Quercus_Nigra",
    "Quercus_Palustris",
    "Quercus_Phellos",
    "Quercus_Phillyraeoides",
    "Quercus_Pontica",
    "Quercus_Pubescens",
    "Quercus_Pyrenaica",
    "Quercus_Rhysophylla",
    "Quercus_Rubra",
    "Quercus_Semecarpifolia",
    "Quercus_Shumardii",
    "Quercus_Suber",
    "Quercus_Texana",
    "Quercus_Trojana",
    "Quercus_Variabilis",
    "Quercus_Vulcanica",
    "Quercus_x_Hispanica",
    "Quercus_x_Turneri",
    "Rhododendron_x_Russellianum",
    "Salix_Fragilis",
    "Salix_Intergra",
    "Sorbus_Aria",
    "Tilia_Oliveri",
    "Tilia_Platyphyllos",
    "Tilia_Tomentosa",
    "Ulmus_Bergmanniana",
    "Viburnum_Tinus",
    "Viburnum_x_Rhytidophylloides",
    "Zelkova_Serrata",
]


def _extract(archive: Path, dst: Path) -> None:
    with zipfile.ZipFile(archive) as z:
        z.extractall(dst)


def _one_hot(frame: pd.DataFrame) -> pd.DataFrame:
    """`id` plus one 0/1 column per species in CLASSES order, keeping the frame's row order."""
    encoded = pd.DataFrame(0, index=frame.index, columns=CLASSES)
    for row, species in zip(frame.index, frame[TARGET], strict=True):
        encoded.loc[row, species] = 1
    return pd.concat([frame[[ID]], encoded], axis=1)


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 10% of Kaggle's labelled train becomes the test set (random_state=0, no stratification); the answers
    # are one-hot over all 99 species; train and test images share one public images/ folder.
    _extract(raw / "train.csv.zip", raw)
    _extract(raw / "images.zip", raw)
    original = read_csv(raw / "train.csv")
    train, test = train_test_split(original, test_size=0.1, random_state=0)
    assert set(train[ID]).isdisjoint(test[ID])
    assert len(train) + len(test) == len(original)

    (public / "images").mkdir()
    (private / "images").mkdir()  # upstream creates it and leaves it empty
    for image_id in pd.concat([train[ID], test[ID]]):
        shutil.copyfile(raw / "images" / f"{image_id}.jpg", public / "images" / f"{image_id}.jpg")

    answers = _one_hot(test)
    sample = answers.copy()
    sample[CLASSES] = 1 / len(CLASSES)
    train.to_csv(public / "train.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)
    test.drop(columns=TARGET).to_csv(public / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)


def _silhouette(gen: np.random.Generator, lobes: int, aspect: float) -> bytes:
    """A 32x32 grayscale JPEG of a black leaf on white; lobe count and aspect ratio are the species' traits."""
    yy, xx = np.mgrid[:32, :32] - 15.5
    yy = yy / aspect
    angle = np.arctan2(yy, xx) + gen.uniform(0, 2 * np.pi / lobes)
    radius = 10 * (1 + 0.25 * np.cos(lobes * angle)) * gen.uniform(0.9, 1.1)
    leaf = np.hypot(yy, xx) <= radius
    return jpeg_bytes(np.where(leaf, 0, 255))


def _features(gen: np.random.Generator, centres: dict[str, np.ndarray], species: np.ndarray) -> pd.DataFrame:
    """Per block, 64 values around the species' centre; margin and texture are histograms (rows sum to ~1)."""
    columns: dict[str, np.ndarray] = {}
    for block in FEATURE_BLOCKS:
        values = centres[block][species] * gen.lognormal(0, 0.15, (len(species), 64))
        if block != "shape":
            values /= values.sum(axis=1, keepdims=True)
        for j in range(64):
            columns[f"{block}{j + 1}"] = np.round(values[:, j], 6)
    return pd.DataFrame(columns)


ZIP_TIME = (2016, 8, 30, 0, 0, 0)  # a fixed timestamp keeps the archives byte-identical for a seed


def _zip_csv(frame: pd.DataFrame, path: Path) -> None:
    """`path` is `<name>.csv.zip`, holding `<name>.csv` at its root as in the Kaggle download."""
    zip_csv(frame, path, compression=zipfile.ZIP_STORED, date_time=ZIP_TIME)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "leaf-classification")
    n = max(size, 20)
    n_test = max(4, n // 2)
    # About ten leaves per species, as in the real train set, so a model has something to learn from.
    kinds = min(len(CLASSES), max(2, n // 10))
    chosen = np.sort(gen.choice(len(CLASSES), kinds, replace=False))
    centres = {
        "margin": gen.dirichlet(np.ones(64), kinds),
        "shape": gen.uniform(2e-4, 1.2e-3, (kinds, 64)),
        "texture": gen.dirichlet(np.full(64, 0.5), kinds),
    }
    traits = [(int(gen.integers(2, 9)), float(gen.uniform(0.5, 1.0))) for _ in range(kinds)]

    ids = gen.permutation(np.arange(1, n + n_test + 1))
    order = np.argsort(ids[:n])  # both Kaggle CSVs list leaves by ascending id
    train_ids, train_kind = ids[:n][order], gen.integers(0, kinds, n)
    test_ids, test_kind = np.sort(ids[n:]), gen.integers(0, kinds, n_test)

    train = pd.DataFrame({ID: train_ids, TARGET: [CLASSES[k] for k in chosen[train_kind]]})
    train = pd.concat([train, _features(gen, centres, train_kind)], axis=1)
    test = pd.concat([pd.DataFrame({ID: test_ids}), _features(gen, centres, test_kind)], axis=1)
    sample = pd.DataFrame({ID: test_ids, **dict.fromkeys(CLASSES, 1 / len(CLASSES))})

    out.mkdir(parents=True, exist_ok=True)
    _zip_csv(train, out / "train.csv.zip")
    _zip_csv(test, out / "test.csv.zip")
    _zip_csv(sample, out / "sample_submission.csv.zip")
    images = zip([*train_ids, *test_ids], [*train_kind, *test_kind], strict=True)
    members = ((f"images/{image_id}.jpg", _silhouette(gen, *traits[k])) for image_id, k in images)
    write_zip(out / "images.zip", members, compression=zipfile.ZIP_STORED, date_time=ZIP_TIME)
