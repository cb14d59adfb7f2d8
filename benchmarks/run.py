"""Run every benchmark script in this folder (``bench_*.py``), one after the other.

Used by ``make bench``. Each script runs in its own process with this Python, prints its
figures and writes its results under ``benchmarks/results/``; a failing script is
reported and the others still run. Extra arguments are passed to every script.

Usage::

    python benchmarks/run.py [--only report,hhs] [script args...]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    only = None
    if argv[:1] == ["--only"] and len(argv) > 1:
        only = {name.strip() for name in argv[1].split(",")}
        argv = argv[2:]
    scripts = sorted(HERE.glob("bench_*.py"))
    if only is not None:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in only]
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *argv], cwd=HERE.parent)
        print(
            f"=== {script.name}: exit status {code}, {time.perf_counter() - t0:.0f} s ===",
            flush=True,
        )
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\n{len(scripts)} benchmark(s) done; results in {HERE / 'results'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
