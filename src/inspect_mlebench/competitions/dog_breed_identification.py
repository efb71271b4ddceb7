"""dog-breed-identification: dog photos (JPEG) in 120 breeds, scored by multiclass log loss over all breeds."""

from __future__ import annotations

import colorsys
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import write_image
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
BREED = "breed"
TEST_SIZE = 0.1
# The 120 class columns of the submission, in Kaggle's (alphabetical) order.
_BREED_NAMES = """
affenpinscher afghan_hound african_hunting_dog airedale american_staffordshire_terrier appenzeller
australian_terrier basenji basset beagle bedlington_terrier bernese_mountain_dog black-and-tan_coonhound
blenheim_spaniel bloodhound bluetick border_collie border_terrier borzoi boston_bull bouvier_des_flandres boxer
brabancon_griffon briard brittany_spaniel bull_mastiff cairn cardigan chesapeake_bay_retriever chihuahua chow
clumber cocker_spaniel collie curly-coated_retriever dandie_dinmont dhole dingo doberman english_foxhound
english_setter english_springer entlebucher eskimo_dog flat-coated_retriever french_bulldog german_shepherd
german_short-haired_pointer giant_schnauzer golden_retriever gordon_setter great_dane great_pyrenees
greater_swiss_mountain_dog groenendael ibizan_hound irish_setter irish_terrier irish_water_spaniel
irish_wolfhound italian_greyhound japanese_spaniel keeshond kelpie kerry_blue_terrier komondor kuvasz
labrador_retriever lakeland_terrier leonberg lhasa malamute malinois maltese_dog mexican_hairless
miniature_pinscher miniature_poodle miniature_schnauzer newfoundland norfolk_terrier norwegian_elkhound
norwich_terrier old_english_sheepdog otterhound papillon pekinese pembroke pomeranian pug redbone
rhodesian_ridgeback rottweiler saint_bernard saluki samoyed schipperke scotch_terrier scottish_deerhound
sealyham_terrier shetland_sheepdog shih-tzu siberian_husky silky_terrier soft-coated_wheaten_terrier
staffordshire_bullterrier standard_poodle standard_schnauzer sussex_spaniel tibetan_mastiff tibetan_terrier
toy_poodle toy_terrier vizsla walker_hound weimaraner welsh_springer_spaniel west_highland_white_terrier whippet
wire-haired_fox_terrier yorkshire_terrier
"""
BREEDS: tuple[str, ...] = tuple(_BREED_NAMES.split())
SIDE = 32


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 10% of Kaggle's labels.csv becomes the test set, random_state=0, no stratification.
    original = read_csv(raw / "labels.csv")
    train, test = train_test_split(original, test_size=TEST_SIZE, random_state=0)
    assert set(train[ID]).isdisjoint(test[ID]), "train and test ids overlap"
    answers = _one_hot(test)

    train.to_csv(public / "labels.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)
    _copy_images(raw / "train", train[ID], public / "train")
    _copy_images(raw / "train", test[ID], public / "test")
    _uniform(answers[ID]).to_csv(public / "sample_submission.csv", index=False)


def _uniform(ids: pd.Series) -> pd.DataFrame:
    """The sample submission: every breed equally likely."""
    probs = pd.DataFrame(1 / len(BREEDS), index=ids.index, columns=list(BREEDS))
    return pd.concat([ids.to_frame(ID), probs], axis=1)


def _one_hot(frame: pd.DataFrame) -> pd.DataFrame:
    """The answers as one 0/1 column per breed, so they line up with a submission's probability columns."""
    unknown = sorted(set(frame[BREED]) - set(BREEDS))
    assert not unknown, f"breeds outside the 120 classes: {unknown[:3]}"
    hot = pd.get_dummies(pd.Categorical(frame[BREED], categories=list(BREEDS)), dtype=int)
    hot.index = frame.index
    return pd.concat([frame[[ID]], hot], axis=1)


def _copy_images(source: Path, ids: Iterable[str], dest: Path) -> None:
    dest.mkdir(exist_ok=True)
    for image_id in ids:
        shutil.copyfile(source / f"{image_id}.jpg", dest / f"{image_id}.jpg")


def _palette(n: int) -> list[np.ndarray]:
    """One distinct coat colour per synthetic breed (evenly spaced hues)."""
    return [np.array(colorsys.hsv_to_rgb(i / n, 0.7, 0.85)) * 255 for i in range(n)]


def _photo(gen: np.random.Generator, coat: np.ndarray) -> np.ndarray:
    """A coat-coloured ellipse (the dog) on a noisy grey background."""
    yy, xx = np.mgrid[:SIDE, :SIDE]
    cy, cx = gen.uniform(SIDE * 0.35, SIDE * 0.65, size=2)
    body = ((yy - cy) / (SIDE * 0.3)) ** 2 + ((xx - cx) / (SIDE * 0.4)) ** 2 < 1
    background = gen.uniform(90, 160) + gen.normal(0, 12, (SIDE, SIDE, 3))
    pixels = np.where(body[..., None], coat + gen.normal(0, 12, (SIDE, SIDE, 3)), background)
    return pixels


def _write_photos(folder: Path, ids: list[str], coats: Iterable[np.ndarray], gen: np.random.Generator) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for image_id, coat in zip(ids, coats, strict=True):
        write_image(folder / f"{image_id}.jpg", _photo(gen, coat), quality=90)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "dog-breed-identification")
    # A handful of breeds, so a tiny training set still has several photos of each.
    breeds = sorted(gen.choice(BREEDS, size=min(10, max(2, size // 12)), replace=False).tolist())
    palette = _palette(len(breeds))
    n_test = max(4, size // 4)
    ids = hex_ids(gen, size + n_test, 16)
    train_ids, test_ids = ids[:size], ids[size:]
    codes = gen.integers(0, len(breeds), size=size)

    write_csv(pd.DataFrame({ID: train_ids, BREED: [breeds[c] for c in codes]}), out / "labels.csv")
    write_csv(_uniform(pd.Series(test_ids)), out / "sample_submission.csv")
    _write_photos(out / "train", train_ids, [palette[c] for c in codes], gen)
    _write_photos(out / "test", test_ids, [palette[c] for c in gen.integers(0, len(breeds), size=n_test)], gen)
