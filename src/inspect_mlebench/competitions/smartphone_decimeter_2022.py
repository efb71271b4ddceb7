"""smartphone-decimeter-2022: a phone's position (latitude, longitude) at each epoch of a drive, from its raw GNSS
and IMU logs; scored per trip by the mean of the 50th and 95th percentiles of the haversine errors in metres, then
averaged over trips.

Kaggle ships one folder per drive (`train/<YYYY-MM-DD-US-...>/<phone>/`) with the logs and, for training drives,
`ground_truth.csv`. Upstream holds out 10% of the drive dates (`train_test_split` over the sorted distinct dates,
random_state 0): those drives' folders go to `public/test/` without their ground truth, which becomes the answers
(tripId `<drive>-<phone>`, UnixTimeMillis, LatitudeDegrees, LongitudeDegrees). Its grader checks the four columns
and the row count per trip, then pairs each trip's rows by position: UnixTimeMillis is never compared, so a file
whose rows are out of time order is scored as it stands (reported here with a warning; invalid in strict mode).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

TRIP = "tripId"
TIME = "UnixTimeMillis"
LAT, LON = "LatitudeDegrees", "LongitudeDegrees"
COLUMNS = [TRIP, TIME, LAT, LON]
GROUND_TRUTH = "ground_truth.csv"
# upstream's sample submission: every row at this one point
SAMPLE_POINT = (37.904611315634504, -86.48107806249548)


def _date(drive: str) -> str:
    """A drive's date, YYYY-MM-DD, from its folder name `YYYY-MM-DD-...` (month and day zero-padded)."""
    parts = drive.split("-")
    if len(parts) < 3 or not all(p.isdigit() for p in parts[:3]):
        raise ValueError(f"drive folder '{drive}' does not start with a date YYYY-MM-DD")
    return f"{parts[0]}-{parts[1].zfill(2)}-{parts[2].zfill(2)}"


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link a file of the (large) download where the filesystem allows it, else copy it."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    drives = sorted(p.name for p in (raw / "train").glob("*") if p.is_dir())
    dates = sorted({_date(d) for d in drives})
    _, test_dates = train_test_split(dates, test_size=0.1, random_state=0)
    test_drives = {d for d in drives if _date(d) in set(test_dates)}
    for drive in drives:
        side = "test" if drive in test_drives else "train"
        # the test drives' ground truth stays out of the public folders (upstream copies, then deletes it)
        ignore = shutil.ignore_patterns(GROUND_TRUTH) if side == "test" else None
        shutil.copytree(raw / "train" / drive, public / side / drive, copy_function=_link_or_copy, ignore=ignore)
    parts = []
    # the answers: each test trip's ground truth, trips in sorted path order
    for path in sorted((raw / "train").glob(f"*/*/{GROUND_TRUTH}")):
        drive, phone = path.parent.parent.name, path.parent.name
        if drive in test_drives:
            truth = read_csv(path)
            parts.append(truth.assign(**{TRIP: f"{drive}-{phone}"})[COLUMNS])
    answers = pd.concat(parts, ignore_index=True)
    answers.to_csv(private / "test.csv", index=False)
    answers.assign(**{LAT: SAMPLE_POINT[0], LON: SAMPLE_POINT[1]}).to_csv(public / "sample_submission.csv", index=False)
    shutil.copytree(raw / "metadata", public / "metadata", copy_function=_link_or_copy)


def _coordinates(submission: pd.DataFrame) -> np.ndarray:
    """Latitude and longitude as upstream's numpy conversion takes them: numbers or booleans; text is refused."""
    out = np.empty((len(submission), 2))
    for j, column in enumerate((LAT, LON)):
        values = submission[column]
        if not isinstance(values.dtype, np.dtype) or values.dtype.kind not in "biuf":
            bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()].unique()
            raise InvalidSubmissionError(f"column '{column}' must be numeric; values such as {checks.examples(bad)}")
        array = values.to_numpy()
        if array.dtype == bool:
            # upstream's np.deg2rad of booleans computes in float16: the same angle, given back in degrees
            array = np.rad2deg(np.deg2rad(array).astype(float))
        out[:, j] = array
    return out


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Mean over trips of (P50 + P95) / 2 of the haversine errors in metres, each trip's rows paired by position."""
    checks.require_columns(submission, COLUMNS)
    checks.require_row_count(submission, answers)
    trips = answers[TRIP].to_numpy()
    # each answer trip's submission rows, in file order (upstream's `submission[submission.tripId == trip]`)
    sub_codes = pd.Index(pd.unique(trips)).get_indexer(submission[TRIP])
    ans_codes = pd.Index(pd.unique(trips)).get_indexer(answers[TRIP])
    wrong = np.flatnonzero(np.bincount(sub_codes[sub_codes >= 0], minlength=ans_codes.max(initial=-1) + 1)
                           != np.bincount(ans_codes, minlength=ans_codes.max(initial=-1) + 1))  # fmt: skip
    if len(wrong):
        names = pd.unique(trips)[wrong]
        raise InvalidSubmissionError(
            f"column '{TRIP}': {len(wrong)} trip(s) have a different number of rows than the test set, e.g. "
            f"{checks.examples(names)}"
        )
    # submission rows regrouped trip by trip (stable: file order within a trip), as the answers are laid out
    order = np.argsort(sub_codes, kind="stable")
    ans_order = np.argsort(ans_codes, kind="stable")
    sub = submission.iloc[order].reset_index(drop=True)
    ans = answers.iloc[ans_order].reset_index(drop=True)
    y_pred = _coordinates(sub)
    times = pd.to_numeric(sub[TIME], errors="coerce").to_numpy(dtype=float)
    if not np.array_equal(times, ans[TIME].to_numpy(dtype=float)):
        lenient(
            f"column '{TIME}' does not match the test set's times row by row; rows are scored by position within "
            "each trip, as upstream does"
        )
    if not np.isfinite(y_pred).all():
        lenient("missing or infinite coordinates make the score NaN, as upstream scores them")
    y_true = ans[[LAT, LON]].to_numpy(dtype=float)
    return metrics.haversine_p50_p95_by_trip(y_true, y_pred, groups=ans[TRIP].to_numpy())


# --- synthetic data ---

PHONES = ["GooglePixel4", "GooglePixel4XL", "SamsungGalaxyS20Ultra", "XiaomiMi8"]
EARTH_RADIUS = 6_371_000.0


def _ecef(lat: np.ndarray, lon: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 geodetic degrees and metres to earth-centred coordinates (metres)."""
    a, e2 = 6378137.0, 6.69437999013e-3
    phi, lam = np.deg2rad(lat), np.deg2rad(lon)
    n = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    return (
        (n + height) * np.cos(phi) * np.cos(lam),
        (n + height) * np.cos(phi) * np.sin(lam),
        (n * (1 - e2) + height) * np.sin(phi),
    )


def _nmea(lat: float, lon: float, millis: int) -> str:
    """One GGA sentence (the NovAtel SPAN log carries the ground-truth track; this is the leak upstream keeps)."""
    seconds = (millis // 1000) % 86400
    hhmmss = f"{seconds // 3600:02d}{seconds % 3600 // 60:02d}{seconds % 60:02d}.00"
    lat_txt = f"{int(abs(lat)):02d}{(abs(lat) % 1) * 60:011.8f},{'N' if lat >= 0 else 'S'}"
    lon_txt = f"{int(abs(lon)):03d}{(abs(lon) % 1) * 60:011.8f},{'E' if lon >= 0 else 'W'}"
    body = f"GPGGA,{hhmmss},{lat_txt},{lon_txt},4,20,0.7,10.000,M,-32.000,M,,"
    checksum = 0
    for char in body:
        checksum ^= ord(char)
    return f"${body}*{checksum:02X}"


def _trip(gen: np.random.Generator, folder: Path, start: int, epochs: int, *, labelled: bool) -> None:
    """One phone on one drive: a smooth track; WLS fixes in device_gnss.csv are the truth plus metres of noise."""
    folder.mkdir(parents=True, exist_ok=True)
    millis = start + 1000 * np.arange(epochs, dtype=np.int64)
    heading = gen.uniform(0, 2 * np.pi) + np.cumsum(gen.normal(0, 0.05, epochs))
    step = gen.uniform(5, 25)  # metres per second
    north = np.cumsum(step * np.cos(heading))
    east = np.cumsum(step * np.sin(heading))
    lat0, lon0 = 37.4 + gen.uniform(-0.1, 0.1), -122.1 + gen.uniform(-0.1, 0.1)
    lat = (lat0 + np.rad2deg(north / EARTH_RADIUS)).round(8)
    lon = (lon0 + np.rad2deg(east / (EARTH_RADIUS * np.cos(np.deg2rad(lat0))))).round(8)
    height = (gen.normal(10, 1, epochs)).round(3)
    if labelled:
        truth = pd.DataFrame(
            {
                "MessageType": "Fix",
                "Provider": "GT",
                LAT: lat,
                LON: lon,
                "AltitudeMeters": height,
                "SpeedMps": np.full(epochs, step).round(3),
                "AccuracyMeters": 0.1,
                "BearingDegrees": np.rad2deg(heading % (2 * np.pi)).round(2),
                TIME: millis,
            }
        )
        write_csv(truth, folder / GROUND_TRUTH)
    satellites = 4
    rows = np.repeat(np.arange(epochs), satellites)
    x, y, z = _ecef(lat, lon, height)
    noise = gen.normal(0, 4, (3, epochs))
    gnss = pd.DataFrame(
        {
            "MessageType": "Raw",
            "utcTimeMillis": millis[rows],
            "Svid": np.tile(gen.choice(np.arange(1, 33), satellites, replace=False), epochs),
            "ConstellationType": 1,
            "Cn0DbHz": gen.uniform(20, 45, len(rows)).round(2),
            "RawPseudorangeMeters": gen.uniform(2.0e7, 2.6e7, len(rows)).round(3),
            "WlsPositionXEcefMeters": (x + noise[0])[rows].round(3),
            "WlsPositionYEcefMeters": (y + noise[1])[rows].round(3),
            "WlsPositionZEcefMeters": (z + noise[2])[rows].round(3),
        }
    )
    write_csv(gnss, folder / "device_gnss.csv")
    imu = pd.DataFrame(
        {
            "MessageType": np.tile(["UncalAccel", "UncalGyro"], epochs),
            "utcTimeMillis": np.repeat(millis, 2),
            "MeasurementX": gen.normal(0, 0.1, 2 * epochs).round(5),
            "MeasurementY": gen.normal(0, 0.1, 2 * epochs).round(5),
            "MeasurementZ": gen.normal(9.8, 0.1, 2 * epochs).round(5),
            "BiasX": 0.0,
            "BiasY": 0.0,
            "BiasZ": 0.0,
        }
    )
    write_csv(imu, folder / "device_imu.csv")
    supplemental = folder / "supplemental"
    supplemental.mkdir(exist_ok=True)
    nmea = [_nmea(float(a), float(o), int(t)) for a, o, t in zip(lat, lon, millis, strict=True)]
    (supplemental / "span_log.nmea").write_text("\n".join(nmea) + "\n")
    (supplemental / "gnss_log.txt").write_text("# Version: v3.0.0.1 Platform: 11 Manufacturer: Google\n")


def synthesize(out: Path, seed: int, size: int) -> None:
    """Drives on 10 dates (the 10% split holds one date), one or two phones each, about `size` labelled epochs in
    all; plus Kaggle's own test drives (logs only) and its sample submission."""
    gen = rng(seed, "smartphone-decimeter-2022")
    metadata = out / "metadata"
    metadata.mkdir(parents=True, exist_ok=True)
    (metadata / "raw_state_bit_map.json").write_text('{"0": "CODE_LOCK", "1": "BIT_SYNC"}\n')
    write_csv(
        pd.DataFrame({"ConstellationType": [1, 3, 5, 6], "ConstellationName": ["GPS", "GLONASS", "BEIDOU", "GALILEO"]}),
        metadata / "constellation_type_mapping.csv",
    )
    n_drives = 12
    epochs = max(4, size // (n_drives * 2))
    days = sorted(gen.choice(np.arange(1, 28), 10, replace=False))
    for i in range(n_drives):
        day = int(days[i % len(days)])
        drive = f"2021-{(i % 6) + 3:02d}-{day:02d}-US-{['MTV', 'SJC', 'LAX'][i % 3]}-{i // 10 + 1}"
        start = 1_615_000_000_000 + int(gen.integers(0, 10**9))
        for phone in sorted(gen.choice(PHONES, int(gen.integers(1, 3)), replace=False)):
            _trip(gen, out / "train" / drive / str(phone), start, epochs, labelled=True)
    sample = []
    for drive in ("2022-01-04-US-MTV-1", "2022-02-08-US-SJC-1"):
        start = 1_641_000_000_000 + int(gen.integers(0, 10**9))
        _trip(gen, out / "test" / drive / "GooglePixel4", start, epochs, labelled=False)
        millis = start + 1000 * np.arange(epochs, dtype=np.int64)
        sample.append(
            pd.DataFrame({TRIP: f"{drive}-GooglePixel4", TIME: millis, LAT: SAMPLE_POINT[0], LON: SAMPLE_POINT[1]})
        )
    write_csv(pd.concat(sample, ignore_index=True), out / "sample_submission.csv")


def gold(public: Path, private: Path) -> pd.DataFrame:
    """The answers themselves are a perfect submission (rows already in the answers' order)."""
    return read_csv(private / "test.csv")
