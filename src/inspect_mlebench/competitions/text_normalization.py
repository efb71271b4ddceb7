# The Russian synthetic text is Cyrillic on purpose: letters that look Latin are not a mistake here.
# ruff: noqa: RUF001
"""text-normalization-challenge-english-language and -russian-language: spell out each token as it is read aloud
(exact-match accuracy).

Both competitions are prepared and graded the same way; the config passes `lang` ("en" or "ru"), the prefix of
Kaggle's file names, and only the synthetic text differs per language. Upstream keeps its sample submission in
private/; the same file is also written to public/ (besides the zipped `<lang>_sample_submission_2.csv.zip`
upstream publishes) because the agent's sample always comes from public data.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.raw import read_zipped_csv
from inspect_mlebench.kit.synth import rng

ID = "id"
TARGET = "after"
SENTENCE = "sentence_id"
TOKEN = "token_id"
TRAIN_COLUMNS = [SENTENCE, TOKEN, "class", "before", TARGET]
# Share of tokens that may have an empty prediction where the answer is not empty before strict mode refuses
# the file (see `grade`; upstream scores any number of them).
MAX_BLANK_SHARE = 0.01

# (class, before, after) for one token
Token = tuple[str, str, str]
TokenMaker = Callable[[np.random.Generator], list[Token]]


def _write_quoted(frame: pd.DataFrame, path: Path | io.TextIOWrapper) -> None:
    """Kaggle's layout for these files: strings quoted, numbers bare."""
    frame.to_csv(path, index=False, quotechar='"', quoting=csv.QUOTE_NONNUMERIC)


def _write_zipped(frame: pd.DataFrame, folder: Path, name: str, compression: int = zipfile.ZIP_STORED) -> None:
    """`<name>.csv.zip` holding only `<name>.csv`, streamed (the English train is ~9M rows).

    Upstream stores its zips uncompressed; the entry's timestamp is fixed so equal content gives equal bytes.
    """
    entry = zipfile.ZipInfo(f"{name}.csv", date_time=(2017, 9, 1, 0, 0, 0))
    entry.compress_type = compression
    with (
        zipfile.ZipFile(folder / f"{name}.csv.zip", "w") as zf,
        zf.open(entry, "w") as member,
        io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
    ):
        _write_quoted(frame, text)


def _submission_ids(frame: pd.DataFrame) -> pd.Series:
    return frame[SENTENCE].astype(str) + "_" + frame[TOKEN].astype(str)


def prepare(raw: Path, public: Path, private: Path, *, lang: str) -> None:
    """Upstream's split: 10% of the train's sentence ids (random_state=0) become the test; stage-2 files unused."""
    original = read_zipped_csv(raw / f"{lang}_train.csv.zip", f"{lang}_train.csv")
    train_sentences, test_sentences = train_test_split(original[SENTENCE].unique(), test_size=0.1, random_state=0)
    train = original[original[SENTENCE].isin(train_sentences)].copy()
    held_out = original[original[SENTENCE].isin(test_sentences)].copy()
    assert len(train) + len(held_out) == len(original), "sentence split lost tokens"
    # Both parts are renumbered 0, 1, ... in order of first appearance.
    train[SENTENCE] = pd.factorize(train[SENTENCE])[0]
    held_out[SENTENCE] = pd.factorize(held_out[SENTENCE])[0]

    test = held_out.drop(columns=[TARGET, "class"])
    ids = _submission_ids(held_out)
    answers = pd.DataFrame({ID: ids, TARGET: held_out[TARGET]})
    sample = pd.DataFrame({ID: ids, TARGET: held_out["before"]})

    _write_quoted(answers, private / "answers.csv")
    _write_quoted(sample, private / "sample_submission.csv")
    _write_quoted(sample, public / "sample_submission.csv")
    _write_zipped(train, public, f"{lang}_train")
    _write_zipped(test, public, f"{lang}_test_2")
    _write_zipped(sample, public, f"{lang}_sample_submission_2")


def _as_text(values: pd.Series) -> np.ndarray:
    """Each cell as upstream compares it: `astype(str)` under pandas 2, where a missing cell becomes the text 'nan'.
    (Under pandas 3 the same call keeps missing cells missing and upstream's accuracy then raises; pandas 2 is the
    behaviour its grader was written and published with, so that is what is reproduced, whatever pandas runs here.)"""
    return values.astype(object).where(values.notna(), "nan").astype(str).to_numpy(dtype=object)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Share of tokens whose `after` equals the answer exactly (no stripping, no case folding). Valid exactly where
    upstream's grader is: the `id` and `after` columns, as many rows as the answers and the same ids (upstream sorts
    both files by id and compares them row by row; pairing rows by id gives the same pairs and the same score)."""
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.align_by_id(submission, answers, ID)
    # pandas reads '', 'NA', 'None', 'null', ... as missing, in the answers and in every submission alike, and
    # upstream compares such cells as the text 'nan': a blank prediction is scored, as wrong unless the answer is
    # read as missing too. Copying `before` (as the sample submission does) leaves a few such blanks legitimately,
    # e.g. where 'NA' normalises to 'n a'; many blanks where an answer exists mean rows were not predicted at all,
    # which upstream scores as wrong and strict mode refuses.
    blank = sub[TARGET].isna().to_numpy() & ans[TARGET].notna().to_numpy()
    if blank.sum() > MAX_BLANK_SHARE * len(sub):
        lenient(
            f"column '{TARGET}' is empty (or a text pandas reads as missing, such as 'NA' or 'null') for "
            f"{int(blank.sum())} of {len(sub)} tokens (more than {MAX_BLANK_SHARE:.0%}), e.g. ids "
            f"{checks.examples(sub[ID][blank])}; upstream scores them as the text 'nan', i.e. as wrong"
        )
    if isinstance(ans[TARGET].dtype, pd.StringDtype) and isinstance(sub[TARGET].dtype, pd.StringDtype):
        return _text_accuracy(ans[TARGET], sub[TARGET])
    return metrics.accuracy(_as_text(ans[TARGET]), _as_text(sub[TARGET]))


def _text_accuracy(truth: pd.Series, predicted: pd.Series) -> float:
    """`accuracy` of `_as_text` of two text columns, compared in Arrow (a million tokens never become Python
    objects): a missing cell is the text 'nan', and the share is the count of equal rows over the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    equal = pc.equal(pc.fill_null(pa.array(truth), "nan"), pc.fill_null(pa.array(predicted), "nan"))
    return float(np.int64(pc.sum(equal).as_py() or 0) / len(truth))


def _sentences(gen: np.random.Generator, count: int, make_token: TokenMaker, lengths: tuple[int, int]) -> pd.DataFrame:
    rows: list[tuple[int, int, str, str, str]] = []
    for sentence in range(count):
        tokens: list[Token] = []
        length = int(gen.integers(*lengths))
        while len(tokens) < length:
            tokens.extend(make_token(gen))
        tokens.append(("PUNCT", ".", "."))
        rows.extend((sentence, position, *token) for position, token in enumerate(tokens))
    return pd.DataFrame(rows, columns=TRAIN_COLUMNS)


def synthesize_language(out: Path, gen: np.random.Generator, size: int, lang: str, make_token: TokenMaker) -> None:
    """Kaggle's five zips: train, stage-1 and stage-2 test, and their sample submissions (`after` = `before`)."""
    n_sentences = max(20, size // 6)
    train = _sentences(gen, n_sentences, make_token, (4, 9))
    out.mkdir(parents=True, exist_ok=True)
    _write_zipped(train, out, f"{lang}_train", zipfile.ZIP_DEFLATED)
    for suffix in ("", "_2"):
        test = _sentences(gen, max(5, n_sentences // 4), make_token, (4, 9))
        _write_zipped(test[[SENTENCE, TOKEN, "before"]], out, f"{lang}_test{suffix}", zipfile.ZIP_DEFLATED)
        sample = pd.DataFrame({ID: _submission_ids(test), TARGET: test["before"]})
        _write_zipped(sample, out, f"{lang}_sample_submission{suffix}", zipfile.ZIP_DEFLATED)


_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_ONES += ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _english_number(value: int) -> str:
    """Words for 0..999 in the dataset's style (no 'and', no hyphens)."""
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(value, 100)
    return f"{_ONES[hundreds]} hundred" + (f" {_english_number(rest)}" if rest else "")


def _english_year(year: int) -> str:
    century, rest = divmod(year, 100)
    tail = "hundred" if rest == 0 else (f"o {_ONES[rest]}" if rest < 10 else _english_number(rest))
    return f"{_english_number(century)} {tail}"


_WORDS = ["the", "a", "of", "in", "was", "city", "river", "built", "first", "school", "team"]
_WORDS += ["season", "film", "song", "album", "by", "and", "is", "its", "new", "old", "north"]
_ACRONYMS = ["BBC", "USA", "NASA", "UK", "FBI", "EU", "CD", "TV"]
_UNITS = {"kg": "kilograms", "km": "kilometers", "cm": "centimeters", "mph": "miles per hour"}


def _english_token(gen: np.random.Generator) -> list[Token]:
    kind = gen.choice(["PLAIN", "PLAIN", "PLAIN", "PLAIN", "PUNCT", "CARDINAL", "DATE", "LETTERS", "MEASURE", "MONEY"])
    if kind == "PUNCT":
        return [("PUNCT", ",", ",")]
    if kind == "CARDINAL":
        value = int(gen.integers(0, 1000))
        return [("CARDINAL", str(value), _english_number(value))]
    if kind == "DATE":
        year = int(gen.integers(1800, 2000))
        return [("PLAIN", "in", "in"), ("DATE", str(year), _english_year(year))]
    if kind == "LETTERS":
        acronym = str(gen.choice(_ACRONYMS))
        return [("LETTERS", acronym, " ".join(acronym.lower()))]
    if kind == "MEASURE":
        value, unit = int(gen.integers(2, 100)), str(gen.choice(list(_UNITS)))
        return [("MEASURE", f"{value} {unit}", f"{_english_number(value)} {_UNITS[unit]}")]
    if kind == "MONEY":
        value = int(gen.integers(2, 1000))
        return [("MONEY", f"${value}", f"{_english_number(value)} dollars")]
    word = str(gen.choice(_WORDS))
    return [("PLAIN", word, word)]


_RU_ONES = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_RU_ONES += ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать"]
_RU_ONES += ["пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"]
_RU_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]


def _russian_number(value: int) -> str:
    """Words for 0..99 in the nominative case."""
    if value < 20:
        return _RU_ONES[value]
    tens, ones = divmod(value, 10)
    return _RU_TENS[tens] + (f" {_RU_ONES[ones]}" if ones else "")


_RU_WORDS = ["в", "на", "и", "был", "город", "году", "реки", "берегу"]
_RU_WORDS += ["школа", "население", "составляет", "его", "новый", "первый", "район", "улица"]
_RU_ACRONYMS = {"СССР": "с с с р", "РФ": "р ф", "США": "с ш а", "МГУ": "м г у", "ВВС": "в в с"}
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
        acronym = str(gen.choice(list(_RU_ACRONYMS)))
        return [("LETTERS", acronym, _RU_ACRONYMS[acronym])]
    if kind == "TRANS":
        name = str(gen.choice(list(_TRANSLIT)))
        return [("PLAIN", name, " ".join(f"{letter}_trans" for letter in _TRANSLIT[name]))]
    word = str(gen.choice(_RU_WORDS))
    return [("PLAIN", word, word)]


# per language: the competition id (the seed's salt, so each keeps its own synthetic data) and the token maker
_LANGUAGES: dict[str, tuple[str, TokenMaker]] = {
    "en": ("text-normalization-challenge-english-language", _english_token),
    "ru": ("text-normalization-challenge-russian-language", _russian_token),
}


def synthesize(out: Path, seed: int, size: int, *, lang: str) -> None:
    competition_id, make_token = _LANGUAGES[lang]
    synthesize_language(out, rng(seed, competition_id), size, lang, make_token)
