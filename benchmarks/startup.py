"""Start-up cost of the plugin: what `inspect` pays at every start, and what `inspect-mlebench list` pays.

Inspect imports `inspect_mlebench._registry` for every eval, so its own import cost must stay small. Reports the
cumulative self time (from `python -X importtime`) of modules our import brings in beyond what `inspect_ai`
already loads, plus the wall time of loading and validating all 82 configs.

Run: python benchmarks/startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time


def import_self_time_us(statement: str, baseline: str) -> tuple[int, int]:
    """Microseconds of import self time for modules `statement` loads beyond `baseline`, and their count."""

    def times(stmt: str) -> dict[str, int]:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", stmt], capture_output=True, text=True, check=True
        )
        found = {}
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
            if m:
                found[m.group(2)] = int(m.group(1))
        return found

    base = times(baseline)
    ours = times(f"{baseline}; {statement}")
    extra = {mod: us for mod, us in ours.items() if mod not in base}
    return sum(extra.values()), len(extra)


def registry_load_ms() -> float:
    code = (
        "import time; from inspect_mlebench.config import competitions; t=time.perf_counter(); competitions(); "
        "print((time.perf_counter()-t)*1000)"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    samples = [
        import_self_time_us("import inspect_mlebench._registry", "import inspect_ai") for _ in range(args.repeat)
    ]
    us = statistics.median(s[0] for s in samples)
    print(
        f"import inspect_mlebench._registry after inspect_ai: {us / 1000:.1f} ms self time, "
        f"{samples[0][1]} extra modules (median of {args.repeat})"
    )
    cold = [import_self_time_us("import inspect_mlebench", "pass") for _ in range(args.repeat)]
    print(
        f"import inspect_mlebench from a bare interpreter: {statistics.median(c[0] for c in cold) / 1000:.1f} ms "
        f"self time, {cold[0][1]} modules (pydantic and yaml included)"
    )
    loads = [registry_load_ms() for _ in range(args.repeat)]
    print(
        f"load + validate 82 competition configs (after import): {statistics.median(loads):.0f} ms "
        f"(median of {args.repeat})"
    )
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "inspect_mlebench.cli", "list", "--json"], capture_output=True, check=True)
    print(f"`inspect-mlebench list --json` wall time: {(time.perf_counter() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
