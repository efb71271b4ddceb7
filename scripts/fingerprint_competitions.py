"""Fingerprint what the implemented competitions produce, to show a refactor changed nothing observable.

For each implemented competition: synthetic raw data (seed 0, size 120) is generated (or reused from RAW_ROOT),
prepared, and recorded as md5s of every raw and prepared file (archives by their members' names and bytes, since
their own timestamps depend on when they were written), with the grades of the sample and gold submissions.

    python scripts/fingerprint_competitions.py RAW_ROOT OUT.json [--synthesize]

Run it on two commits with the same RAW_ROOT (`--synthesize` on the first) and compare the JSON files; run it with
`--synthesize` on both to compare the synthetic generators too.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path


def file_md5(path: Path) -> str:
    if path.suffix == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = sorted(archive.infolist(), key=lambda info: info.filename)
            content = repr([(info.filename, archive.read(info)) for info in members])
        return "zip:" + hashlib.md5(content.encode()).hexdigest()
    if path.suffix == ".7z":
        import py7zr

        with tempfile.TemporaryDirectory() as tmp, py7zr.SevenZipFile(path) as archive:
            archive.extractall(tmp)
            files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
            content = repr([(str(p.relative_to(tmp)), p.read_bytes()) for p in files])
        return "7z:" + hashlib.md5(content.encode()).hexdigest()
    return hashlib.md5(path.read_bytes()).hexdigest()


def tree_md5s(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): file_md5(p) for p in sorted(root.rglob("*")) if p.is_file()}


def fingerprint(raw_root: Path, synthesize: bool) -> dict[str, object]:
    from inspect_mlebench.config import competitions
    from inspect_mlebench.data import prepare as prep
    from inspect_mlebench.grading import grade

    result: dict[str, object] = {}
    for cid, comp in competitions().items():
        if not all(comp.status.model_dump().values()):  # (`status` also exists in versions before `implemented`)
            continue
        raw = raw_root / cid
        if synthesize:
            shutil.rmtree(raw, ignore_errors=True)
            prep.synthesize(cid, raw, seed=0, size=120)
        with tempfile.TemporaryDirectory() as tmp:
            work, data = Path(tmp) / "raw", Path(tmp) / "data"
            shutil.copytree(raw, work)  # preparers may extract into the raw dir; keep RAW_ROOT as generated
            prep.prepare(cid, work, data, overwrite=True, gold=True, description="x")
            prepared = data / cid / "prepared"
            grades = {}
            for name, path in (
                ("sample", data / cid / prep.public_sample_submission(comp)),
                ("gold", prepared / "private" / prep.GOLD_SUBMISSION),
            ):
                report = grade(cid, path, data)
                grades[name] = {"valid": report.valid_submission, "score": report.score}
            result[cid] = {"raw": tree_md5s(raw), "prepared": tree_md5s(prepared), "grades": grades}
        print(cid, flush=True)
    return result


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = fingerprint(Path(sys.argv[1]), "--synthesize" in sys.argv[3:])
    Path(sys.argv[2]).write_text(json.dumps(out, indent=1, sort_keys=True))
