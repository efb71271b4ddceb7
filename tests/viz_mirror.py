"""A local copy of the CDN modules inspect-viz's page loads, so a test browser can render the page offline.

inspect-viz's `mosaic.js` imports its dependencies (Mosaic, DuckDB-WASM, ...) as
`https://cdn.jsdelivr.net/npm/<package>@<version>/+esm`: jsDelivr's ES-module build of the npm package. The mirror
installs the same packages at the same versions from the npm registry and bundles one ES module per URL with
esbuild, code-split so modules shared between them (mosaic-core's coordinator, apache-arrow) exist once, as they
do on the CDN. DuckDB-WASM's worker and `.wasm` files are served from the installed package's `dist/`.

    python tests/viz_mirror.py [DIR]     # build it (needs node and npm); default DIR: see mirror_dir()
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

CDN_ORIGIN = "https://cdn.jsdelivr.net"
ESBUILD = "esbuild@0.25"  # the bundler; any recent version splits ES modules the same way
# an import of a CDN module: group 2 is the name a default import binds, 4 the package, 5 its version
_ESM_URL = re.compile(
    r"""(import\s+(?:(\w+)|\*\s+as\s+\w+|\{[^}]*\})\s+from\s+)?"""
    r"""["'](https://cdn\.jsdelivr\.net/npm/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/\+esm)["']"""
)
MANIFEST = "manifest.json"
# flechette 2.7.0 (Arrow for Mosaic) needs @uwdata/wk-geojson, which the npm registry answers with 404; the page
# draws no maps, and 2.6.0 is the release before, within mosaic-core's ^2.0.0
OVERRIDES = {"@uwdata/flechette": "2.6.0"}


def mosaic_js() -> Path:
    """inspect-viz's page script, whose imports name every CDN module the page needs."""
    import inspect_viz

    return Path(inspect_viz.__file__).parent / "_widgets" / "mosaic.js"


def cdn_modules(script: str) -> dict[str, dict[str, str | bool]]:
    """`package@version` -> its package, version and whether the page takes its default export."""
    modules: dict[str, dict[str, str | bool]] = {}
    for match in _ESM_URL.finditer(script):
        spec = f"{match[4]}@{match[5]}"
        entry = modules.setdefault(spec, {"package": match[4], "version": match[5], "default": False})
        entry["default"] = bool(entry["default"]) or match[2] is not None
    return modules


def mirror_dir() -> Path:
    """Where the mirror lives: $INSPECT_MLEBENCH_VIZ_MIRROR_DIR, else the user cache, one per inspect-viz version."""
    if os.environ.get("INSPECT_MLEBENCH_VIZ_MIRROR_DIR"):
        return Path(os.environ["INSPECT_MLEBENCH_VIZ_MIRROR_DIR"])
    from importlib.metadata import version

    from platformdirs import user_cache_dir

    return Path(user_cache_dir("inspect-mlebench")) / "viz-cdn-mirror" / version("inspect-viz")


def is_built(directory: Path) -> bool:
    """Whether `directory` holds a mirror for the installed inspect-viz's imports."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return False
    wanted = sorted(cdn_modules(mosaic_js().read_text()))
    return bool(sorted(json.loads(manifest.read_text())["modules"]) == wanted)


def _module_name(spec: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", spec).strip("_")


def build(directory: Path) -> Path:
    """Install the page's npm packages and bundle one ES module per CDN URL; written atomically into `directory`."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: install Node.js and npm (Debian: apt-get install nodejs npm)")
    modules = cdn_modules(mosaic_js().read_text())
    if not modules:
        raise RuntimeError(f"no jsDelivr imports found in {mosaic_js()}: inspect-viz changed how it loads its scripts")
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".viz-mirror-", dir=directory.parent))
    try:
        deps = {str(m["package"]): str(m["version"]) for m in modules.values()}
        package_json = {"private": True, "dependencies": deps, "overrides": OVERRIDES}
        (work / "package.json").write_text(json.dumps(package_json, indent=1))
        quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run([npm, "install", *quiet], cwd=work, check=True)
        subprocess.run([npm, "install", "--no-save", *quiet, ESBUILD], cwd=work, check=True)
        entries = work / "entries"
        entries.mkdir()
        names = {}
        for spec, module in modules.items():
            names[spec] = _module_name(spec)
            lines = [f"export * from {json.dumps(module['package'])};"]
            if module["default"]:
                lines.append(f"export {{ default }} from {json.dumps(module['package'])};")
            (entries / f"{names[spec]}.js").write_text("\n".join(lines) + "\n")
        esbuild = work / "node_modules" / ".bin" / "esbuild"
        subprocess.run(
            [str(esbuild), *sorted(str(p) for p in entries.iterdir()), "--bundle", "--format=esm", "--splitting",
             "--platform=browser", "--minify", f"--outdir={work / 'esm'}", "--log-level=warning"],
            cwd=work, check=True,
        )  # fmt: skip
        manifest = {"modules": {spec: f"esm/{name}.js" for spec, name in sorted(names.items())}}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        if directory.exists():
            shutil.rmtree(directory)
        work.rename(directory)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return directory


def local_file(directory: Path, url: str) -> Path | None:
    """The mirror's file for a CDN URL, or None when the mirror has no such file."""
    parts = urlparse(url)
    if f"{parts.scheme}://{parts.netloc}" != CDN_ORIGIN or not parts.path.startswith("/npm/"):
        return None
    modules: dict[str, str] = json.loads((directory / MANIFEST).read_text())["modules"]
    path = parts.path.removeprefix("/npm/")
    if path.endswith("/+esm"):
        file = modules.get(path.removesuffix("/+esm"))
        return directory / file if file and (directory / file).is_file() else None
    match = re.fullmatch(r"((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/(.+)", path)
    if match is None:
        return None
    package, version, rest = match.groups()
    if re.fullmatch(r"chunk-\w+\.js", rest):  # a chunk shared by the bundles, imported relative to a +esm URL
        candidate = directory / "esm" / rest
    else:  # a package file such as DuckDB-WASM's worker and .wasm
        installed = directory / "node_modules" / package
        if not (installed / "package.json").is_file():
            return None
        if json.loads((installed / "package.json").read_text()).get("version") != version:
            return None
        candidate = installed / rest
    resolved = candidate.resolve()
    if not resolved.is_file() or directory.resolve() not in resolved.parents:
        return None
    return resolved


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else mirror_dir()
    if is_built(target):
        print(f"viz mirror up to date: {target}")
    else:
        print(f"viz mirror built: {build(target)}")
