# The synthetic text is Cyrillic on purpose: letters that look Latin are not a mistake here.
# ruff: noqa: RUF001
"""text-normalization-challenge-russian-language: spell out each Russian token as read aloud (exact-match accuracy).

Split, files and grading are the English competition's, with the `ru_` file prefix; only the synthetic text differs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.competitions.text_normalization_challenge_english_language import (
    Token,
    prepare_language,
    synthesize_language,
)
from inspect_mlebench.competitions.text_normalization_challenge_english_language import grade as _grade
from inspect_mlebench.kit.synth import rng


def prepare(raw: Path, public: Path, private: Path) -> None:
    prepare_language(raw, public, private, "ru")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Exact-match accuracy of `after`, as in the English competition."""
    return _grade(submission, answers)


_ONES = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_ONES += ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать"]
_ONES += ["пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"]
_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]


def _russian_number(value: int) -> str:
    """Words for 0..99 in the nominative case."""
    if value < 20:
        return _ONES[value]
    tens, ones = divmod(value, 10)
    return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")


_WORDS = ["в", "на", "и", "был", "город", "году", "реки", "берегу"]
_WORDS += ["школа", "население", "составляет", "его", "новый", "первый", "район", "улица"]
_ACRONYMS = {"СССР": "с с с р", "РФ": "р ф", "США": "с ш а", "МГУ": "м г у", "ВВС": "в в с"}
# Latin names are transliterated letter by letter, each marked `_trans` (as Kaggle's data does).
_TRANSLIT = {"London": "лондон", "Paris": "парис", "Google": "гугл", "Julius": "джулиус", "Berlin": "берлин"}
_YEARS = {
    "1990 года": "тысяча девятьсот девяностого года",
    "1995 года": "тысяча девятьсот девяносто пятого года",
    "2000 года": "двухтысячного года",
    "2005 года": "две тысячи пятого года",
    "2010 года": "две тысячи десятого года",
}


def _russian_token(gen: np.random.Generator) -> list[Token]:
    kind = gen.choice(["PLAIN", "PLAIN", "PLAIN", "PLAIN", "PUNCT", "CARDINAL", "DATE", "LETTERS", "TRANS"])
    if kind == "PUNCT":
        return [("PUNCT", ",", ",")]
    if kind == "CARDINAL":
        value = int(gen.integers(0, 100))
        return [("CARDINAL", str(value), _russian_number(value))]
    if kind == "DATE":
        before = str(gen.choice(list(_YEARS)))
        return [("PLAIN", "в", "в"), ("DATE", before, _YEARS[before])]
    if kind == "LETTERS":
        acronym = str(gen.choice(list(_ACRONYMS)))
        return [("LETTERS", acronym, _ACRONYMS[acronym])]
    if kind == "TRANS":
        name = str(gen.choice(list(_TRANSLIT)))
        return [("PLAIN", name, " ".join(f"{letter}_trans" for letter in _TRANSLIT[name]))]
    word = str(gen.choice(_WORDS))
    return [("PLAIN", word, word)]


def synthesize(out: Path, seed: int, size: int) -> None:
    synthesize_language(out, rng(seed, "text-normalization-challenge-russian-language"), size, "ru", _russian_token)
