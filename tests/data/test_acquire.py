"""`prepare` from zips on disk, safe extraction, checksums, killed and concurrent prepares, doctor (no network)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_mlebench import get_competition
from inspect_mlebench.cli import cli
from inspect_mlebench.data.acquire import PrepareOptions, is_ready, prepare_competitions
from inspect_mlebench.data.archive import ArchiveError, extract
from inspect_mlebench.data.checksums import prepared_mismatches
from inspect_mlebench.data.prepare import synthesize

CID = "spaceship-titanic"
OFFLINE_ENV = {
    # no upstream host is reachable: fetches fail at once instead of waiting for a timeout
    "INSPECT_MLEBENCH_UPSTREAM_MEDIA_URL": "http://127.0.0.1:9",
    "INSPECT_MLEBENCH_UPSTREAM_RAW_URL": "http://127.0.0.1:9",
}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in OFFLINE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _zip_dir(src: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(src).as_posix())
    return target


@pytest.fixture(scope="module")
def kaggle_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic download zipped as Kaggle ships it (files at the top level of the zip)."""
    base = tmp_path_factory.mktemp("zip")
    raw = synthesize(CID, base / "raw", seed=5, size=400)
    return _zip_dir(raw, base / f"{CID}.zip")


def _digests(prepared: Path) -> dict[str, str]:
    return {
        p.relative_to(prepared).as_posix(): hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()
        for p in sorted(prepared.rglob("*"))
        if p.is_file()
    }


def test_from_zip_with_skip_verification_is_ready(kaggle_zip: Path, tmp_path: Path) -> None:
    opts = PrepareOptions(data_dir=tmp_path, from_zip=kaggle_zip, skip_verification=True)
    [outcome] = prepare_competitions([CID], opts)
    # the data is ready; offline, the leaderboard cannot be fetched, which is reported, not hidden
    assert outcome.status == "incomplete", outcome
    assert "leaderboard" in outcome.detail
    comp = get_competition(CID)
    assert is_ready(comp, tmp_path, verify=False)
    assert (tmp_path / CID / "prepared" / "public" / "description.md").is_file()
    assert not (tmp_path / CID / "raw").exists(), "raw is removed unless --keep-raw"
    again = prepare_competitions([CID], opts)
    assert again[0].status == "skipped"


def test_keep_raw(kaggle_zip: Path, tmp_path: Path) -> None:
    opts = PrepareOptions(data_dir=tmp_path, from_zip=kaggle_zip, skip_verification=True, keep_raw=True)
    prepare_competitions([CID], opts)
    assert (tmp_path / CID / "raw" / "train.csv").is_file()


def test_zip_md5_mismatch_is_a_clear_failure(kaggle_zip: Path, tmp_path: Path) -> None:
    [outcome] = prepare_competitions([CID], PrepareOptions(data_dir=tmp_path, from_zip=kaggle_zip))
    assert outcome.status == "failed"
    assert f"{CID}.zip" in outcome.detail
    expected_md5 = get_competition(CID).checksums.zip
    assert expected_md5 is not None
    assert expected_md5 in outcome.detail
    assert "--skip-verification" in outcome.detail
    assert not (tmp_path / CID / "prepared").exists()


def test_prepared_checksums_name_each_file(kaggle_zip: Path, tmp_path: Path) -> None:
    prepare_competitions([CID], PrepareOptions(data_dir=tmp_path, from_zip=kaggle_zip, skip_verification=True))
    comp = get_competition(CID)
    mismatches = prepared_mismatches(comp, tmp_path / CID)  # synthetic data never matches upstream's md5s
    assert {m.path for m in mismatches} == {f"prepared/public/{n}" for n in comp.checksums.public} | {
        f"prepared/private/{n}" for n in comp.checksums.private
    }


def test_cli_prepare_from_zip_and_md5_failure_exit(kaggle_zip: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["prepare", "-c", CID, "--from-zip", str(kaggle_zip), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "--skip-verification" in result.output


def _prepare_process(kaggle_zip: Path, data_dir: Path) -> subprocess.Popen[bytes]:
    code = (
        "import sys; from pathlib import Path; "
        "from inspect_mlebench.data.acquire import PrepareOptions, prepare_competitions; "
        f"o = prepare_competitions(['{CID}'], PrepareOptions(data_dir=Path(sys.argv[2]), from_zip=Path(sys.argv[1]), "
        "skip_verification=True)); print(o[0].status)"
    )
    env = {**os.environ, **OFFLINE_ENV}
    return subprocess.Popen([sys.executable, "-c", code, str(kaggle_zip), str(data_dir)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Large enough that a prepare takes a second or two, so a kill lands mid-way."""
    base = tmp_path_factory.mktemp("bigzip")
    raw = synthesize(CID, base / "raw", seed=9, size=150_000)
    return _zip_dir(raw, base / f"{CID}.zip")


@pytest.fixture(scope="module")
def reference(big_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("reference")
    proc = _prepare_process(big_zip, data_dir)
    proc.communicate(timeout=300)
    return _digests(data_dir / CID / "prepared")


@pytest.mark.parametrize("kill_after", [0.3, 0.9, 1.6])
def test_prepare_killed_midway_then_rerun_is_complete(
    big_zip: Path, reference: dict[str, str], tmp_path: Path, kill_after: float
) -> None:
    proc = _prepare_process(big_zip, tmp_path)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    comp = get_competition(CID)
    prepared = tmp_path / CID / "prepared"
    if prepared.exists():  # the rename happened before the kill: it must then be complete
        assert _digests(prepared) == reference
    rerun = _prepare_process(big_zip, tmp_path)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()[-2000:]
    assert is_ready(comp, tmp_path, verify=False)
    assert _digests(prepared) == reference
    assert not list((tmp_path / CID).glob(".prepared-*")), "stale staging dirs are cleaned up"
    assert not list((tmp_path / CID).glob(".raw-*"))


def test_concurrent_prepares_of_one_competition(big_zip: Path, reference: dict[str, str], tmp_path: Path) -> None:
    procs = [_prepare_process(big_zip, tmp_path) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e.decode()[-1000:] for _, e in results]
    statuses = sorted(out.decode().split()[-1] for out, _ in results)
    assert statuses in (["incomplete", "skipped"], ["incomplete", "incomplete"])
    assert _digests(tmp_path / CID / "prepared") == reference


def test_archive_with_parent_entries_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("train.csv", "a,b\n1,2\n")
        zf.writestr("../escaped.txt", "gotcha")
    with pytest.raises(ArchiveError, match=r"'\.\./escaped\.txt' would be written outside"):
        extract(evil, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "out").exists(), "nothing is extracted when any entry is unsafe"


def test_absolute_and_link_entries_are_refused(tmp_path: Path) -> None:
    absolute = tmp_path / "abs.zip"
    with zipfile.ZipFile(absolute, "w") as zf:
        zf.writestr("/etc/passwd-copy", "x")
    with pytest.raises(ArchiveError, match="outside the target"):
        extract(absolute, tmp_path / "out")
    linked = tmp_path / "link.tar"
    with tarfile.open(linked, "w") as tf:
        info = tarfile.TarInfo("innocent")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    with pytest.raises(ArchiveError, match="is a link"):
        extract(linked, tmp_path / "out")


def test_free_disk_is_checked_before_extracting(
    kaggle_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from inspect_mlebench.data import archive

    monkeypatch.setattr(archive.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10, 10, 1024))  # type: ignore[attr-defined]
    with pytest.raises(ArchiveError, match="GiB free; free space or choose another --data-dir"):
        extract(kaggle_zip, tmp_path / "out")


def test_doctor_reports_state(kaggle_zip: Path, tmp_path: Path) -> None:
    prepare_competitions([CID], PrepareOptions(data_dir=tmp_path, from_zip=kaggle_zip, skip_verification=True))
    (tmp_path / "random-acts-of-pizza").mkdir()  # a folder with nothing prepared in it
    result = CliRunner().invoke(cli, ["doctor", "--data-dir", str(tmp_path), "--json"])
    assert result.exit_code == 1, result.output  # competitions missing or broken: scripts see it
    rows = {r["competition_id"]: r for r in json.loads(result.stdout)}
    assert rows[CID]["status"] == "checksum mismatch"  # synthetic files are not upstream's
    assert rows[CID]["leaderboard"] == "missing"
    assert rows["random-acts-of-pizza"]["status"] == "missing"
    fast = CliRunner().invoke(cli, ["doctor", "--data-dir", str(tmp_path), "--no-verify", "--json"])
    assert {r["competition_id"]: r["status"] for r in json.loads(fast.stdout)}[CID] == "leaderboard missing"
    table = CliRunner().invoke(cli, ["doctor", "--data-dir", str(tmp_path)])
    assert CID in table.output
    assert table.exit_code == 1
    assert "2 of 2 competition(s) not ready: random-acts-of-pizza, spaceship-titanic" in table.output
    empty = CliRunner().invoke(cli, ["doctor", "--data-dir", str(tmp_path / "nothing")])
    assert empty.exit_code == 1
    assert "no competitions found" in empty.output


def test_zip_bomb_is_refused_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Zeros compress about a thousand-fold; the expansion guard refuses before a byte is written."""
    import inspect_mlebench.data.archive as archive

    monkeypatch.setattr(archive, "BOMB_MIN_BYTES", 1 << 20)  # the guard's floor, scaled down for a small test
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.csv", b"0" * (8 << 20))
    with pytest.raises(ArchiveError, match=r"would expand \d+-fold .* INSPECT_MLEBENCH_MAX_EXPANSION"):
        extract(bomb, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("INSPECT_MLEBENCH_MAX_EXPANSION", "100000")
    assert (extract(bomb, tmp_path / "out") / "zeros.csv").stat().st_size == 8 << 20


def test_prepare_help_lists_every_option() -> None:
    result = CliRunner().invoke(cli, ["prepare", "--help"])
    for option in ("--competition", "--split", "--data-dir", "--from-zip", "--raw-dir", "--keep-raw",
                   "--skip-verification", "--jobs", "--synthetic", "--leaderboard-dir"):  # fmt: skip
        assert option in result.output


def test_without_kaggle_credentials_prepare_fails_fast(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE")}
    env.update(HOME=str(tmp_path), KAGGLE_CONFIG_DIR=str(tmp_path / "kaggle"), **OFFLINE_ENV)
    proc = subprocess.run(
        [sys.executable, "-m", "inspect_mlebench.cli", "prepare", "-c", CID, "--data-dir", str(tmp_path / "d")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "kaggle.json" in lines[0]
    assert "KAGGLE_API_TOKEN" in lines[0]


def test_many_competitions_in_parallel_and_id_forms(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["prepare", "-c", "spaceship-titanic", "random-acts-of-pizza", "--synthetic", "--jobs", "2",
              "--size", "60", "--data-dir", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for cid in ("spaceship-titanic", "random-acts-of-pizza"):
        assert is_ready(get_competition(cid), tmp_path, verify=False)
    again = CliRunner().invoke(cli, ["prepare", "-c", "spaceship-titanic,random-acts-of-pizza", "--synthetic",
                                     "--data-dir", str(tmp_path)])  # fmt: skip
    assert again.output.count("skipped") == 2


def test_upstream_made_data_dir_works_unchanged(tmp_path: Path) -> None:
    """A data dir as upstream's `mlebench prepare` leaves it: prepared/{public,private} + description, nothing of
    ours (no .verified.json, no .cache, no leaderboard)."""
    import shutil

    from inspect_mlebench.data.prepare import prepare_synthetic
    from inspect_mlebench.grading import grade

    ours = tmp_path / "ours"
    prepare_synthetic(CID, ours, size=80)
    upstream = tmp_path / "upstream"
    shutil.copytree(ours / CID / "prepared", upstream / CID / "prepared")
    gold = upstream / CID / "prepared" / "private" / "gold_submission.csv"
    assert grade(CID, gold, upstream).score == 1.0
    result = CliRunner().invoke(cli, ["doctor", "--data-dir", str(upstream), "--no-verify", "--json"])
    [row] = json.loads(result.output)
    assert row["prepared"] is True
    assert row["status"] == "leaderboard missing"


def test_a_new_zip_never_meets_an_old_ones_raw_files(tmp_path: Path) -> None:
    """Raw data is tied to the archive it came from: a second zip (even at the same path) is extracted afresh."""
    base = tmp_path / "zips"
    first = _zip_dir(synthesize(CID, base / "raw1", seed=1, size=120), base / "one.zip")
    second = _zip_dir(synthesize(CID, base / "raw2", seed=2, size=120), base / "two.zip")
    data = tmp_path / "data"
    answers = data / CID / "prepared" / "private" / "test.csv"
    prepare_competitions([CID], PrepareOptions(data_dir=data, from_zip=first, skip_verification=True, keep_raw=True))
    seed1 = answers.read_bytes()
    opts = PrepareOptions(data_dir=data, from_zip=second, skip_verification=True, keep_raw=True, overwrite=True)
    prepare_competitions([CID], opts)
    assert answers.read_bytes() != seed1
    first.write_bytes(second.read_bytes())  # same path as before, new content
    prepare_competitions([CID], dataclasses.replace(opts, from_zip=first))
    assert (data / CID / "raw" / ".extracted").read_text().startswith(str(first.resolve()))


def test_a_bad_zip_leaves_nothing_that_breaks_the_next_good_one(kaggle_zip: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("unrelated.txt", "not the competition's files")
    (tmp_path / CID).mkdir()
    (tmp_path / CID / ".raw-killed").mkdir()  # what a killed extraction leaves behind
    [failed] = prepare_competitions([CID], PrepareOptions(data_dir=tmp_path, from_zip=bad, skip_verification=True))
    assert failed.status == "failed"
    assert not (tmp_path / CID / "raw").exists()
    assert not list((tmp_path / CID).glob(".raw-*"))
    [ok] = prepare_competitions([CID], PrepareOptions(data_dir=tmp_path, from_zip=kaggle_zip, skip_verification=True))
    assert ok.status == "incomplete", ok  # prepared; only the leaderboard is missing offline


def test_data_that_fails_verification_is_never_put_in_place(kaggle_zip: Path, tmp_path: Path) -> None:
    """`--raw-dir` data whose prepared files differ from upstream's md5s: the run fails and nothing is replaced."""
    raw = tmp_path / "raw"
    with zipfile.ZipFile(kaggle_zip) as zf:
        zf.extractall(raw)
    [outcome] = prepare_competitions([CID], PrepareOptions(data_dir=tmp_path / "d", raw_dir=raw))
    assert outcome.status == "failed"
    assert "differ from upstream's checksums" in outcome.detail
    assert not (tmp_path / "d" / CID / "prepared").exists()
    accepted = PrepareOptions(data_dir=tmp_path / "d", raw_dir=raw, skip_verification=True)
    prepare_competitions([CID], accepted)
    before = _digests(tmp_path / "d" / CID / "prepared")
    [again] = prepare_competitions([CID], PrepareOptions(data_dir=tmp_path / "d", raw_dir=raw, overwrite=True))
    assert again.status == "failed"
    assert _digests(tmp_path / "d" / CID / "prepared") == before  # the accepted data is left as it was
