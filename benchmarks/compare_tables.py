"""Compare the report tables of this checkout with those of another commit, byte for byte.

Behaviour checks for restructurings: the same reports (a default run and a French run on a
shared HHS export, and the France report) are made with both source trees, and every CSV
under ``tables/`` must be identical.

Usage::

    git worktree add ../base <commit>
    python benchmarks/compare_tables.py --base ../base [--out DIR] [--jobs 1]

Exit status 0 when every table is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets" / "hhs_ocr"
EXPORT = (
    "hhs_ocr_archive_2024-07_soudunno.csv",
    "hhs_ocr_under_investigation_2024-07_soudunno.csv",
)
#: name -> options of ``incidentstats report`` (besides output and format).
RUNS = {
    "hhs-en": ["--source", "hhs", "--lang", "en", *[a for f in EXPORT for a in ("-i", str(SHARED / f))]],
    "hhs-fr": ["--source", "hhs", "--lang", "fr", *[a for f in EXPORT for a in ("-i", str(SHARED / f))]],
    "france-fr": ["--source", "france", "--lang", "fr"],
}  # fmt: skip


def run_report(root: Path, out: Path, options: list[str], jobs: int) -> Path:
    """Run ``incidentstats report`` from the source tree ``root``; return the run folder."""
    # the bilingual sources the report runs: notebooks/sources, or notebooks/ in older trees
    notebooks = root / "notebooks" / "sources"
    env = {
        **os.environ,
        "PYTHONPATH": str(root / "src"),
        "INCIDENTSTATS_NOTEBOOKS": str(notebooks if notebooks.is_dir() else root / "notebooks"),
    }
    cmd = [sys.executable, "-m", "incidentstats.cli", "report", *options, "--format", "html",
           "-o", str(out), "--run-id", "cmp", "--jobs", str(jobs)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{root}: report {' '.join(options)} failed:\n{proc.stderr[-2000:]}")
    return out / "cmp"


def compare(base: Path, new: Path) -> list[str]:
    """Differences between the ``tables/*.csv`` of two run folders (empty when identical)."""
    a = {p.name: p.read_bytes() for p in sorted((base / "tables").glob("*.csv"))}
    b = {p.name: p.read_bytes() for p in sorted((new / "tables").glob("*.csv"))}
    problems = [f"only in base: {n}" for n in sorted(set(a) - set(b))]
    problems += [f"only in new: {n}" for n in sorted(set(b) - set(a))]
    problems += [f"differs: {n}" for n in sorted(set(a) & set(b)) if a[n] != b[n]]
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="source tree of the other commit")
    ap.add_argument(
        "--out", type=Path, default=None, help="folder for the runs (default: temporary)"
    )
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="compare-tables-"))
    failed = False
    for name, options in RUNS.items():
        base = run_report(args.base.resolve(), out / "base" / name, options, args.jobs)
        new = run_report(REPO, out / "new" / name, options, args.jobs)
        tables = len(list((base / "tables").glob("*.csv")))
        problems = compare(base, new)
        failed |= bool(problems)
        status = "identical" if not problems else "DIFFERENT"
        print(f"{name}: {tables} tables, {status}")
        for line in problems:
            print(f"  {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
