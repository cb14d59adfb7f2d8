"""Benchmark the HHS reader on a 1,000,000-row export built from the real July 2024 archive.

Compares a bare ``pandas.read_csv`` of the file with ``incidentstats.ingest("hhs", path)``
(read, clean, dedupe, provenance with sha256); each measurement runs in its own process.

Usage::

    python benchmarks/bench_hhs.py [--rows 1000000] [--repeat 3] [--profile]

The big file is written to a temporary directory and removed afterwards. Copy 0 is the
archive as it is; copy k >= 1 has `` [copy k]`` appended to every entity name, so copies do
not collapse into one another but each keeps the archive's own duplicates (four per copy),
and the dedupe does real work. The results table goes to ``benchmarks/results/hhs.md``.
Timings are recorded here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ARCHIVE = REPO.parent / "shared" / "datasets" / "hhs_ocr" / "hhs_ocr_archive_2024-07_soudunno.csv"
RESULTS = HERE / "results" / "hhs.md"
TARGET_RATIO = 3.0


def build_export(source: Path, dest: Path, rows: int) -> dict:
    """Write ``rows`` data rows to ``dest`` by replicating ``source`` (see module docstring)."""
    with open(source, encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    header, body = records[0], records[1:]
    # Serialise everything after the name once; only the name changes between copies.
    tails = []
    for rec in body:
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(rec[1:])
        tails.append(buf.getvalue())
    names = [rec[0].replace('"', '""') for rec in body]
    written = 0
    copy = 0
    with open(dest, "w", encoding="utf-8", newline="") as out:
        csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(header)
        while written < rows:
            suffix = "" if copy == 0 else f" [copy {copy}]"
            take = min(len(body), rows - written)
            out.writelines(f'"{names[i]}{suffix}",{tails[i]}' for i in range(take))
            written += take
            copy += 1
    return {"rows": written, "copies": copy, "bytes": dest.stat().st_size}


def _maxrss_mib() -> float:
    import resource

    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, path: str) -> dict:
    """Run one measurement in this process and return its figures (child side)."""
    import time

    import pandas as pd

    import incidentstats

    base = _maxrss_mib()
    start = time.perf_counter()
    if kind == "read_csv":
        df = pd.read_csv(path)
        extra = {"rows_out": len(df)}
    elif kind == "ingest":
        res = incidentstats.ingest("hhs", path)
        p = res.provenance
        extra = {
            "rows_out": len(res.incidents),
            "accounting": {k: p[k] for k in ("rows_in", "rows_clean", "rows_quarantined", "duplicates_removed")},
        }
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    seconds = time.perf_counter() - start
    return {"kind": kind, "seconds": seconds, "peak_rss_mib": _maxrss_mib(), "base_rss_mib": base, **extra}


def run_child(kind: str, path: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", kind, str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile(path: Path, top: int = 35) -> str:
    import cProfile
    import pstats

    import incidentstats

    prof = cProfile.Profile()
    prof.enable()
    incidentstats.ingest("hhs", path)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def versions() -> str:
    import pandas as pd
    import pyarrow

    import incidentstats

    return (
        f"Python {platform.python_version()}, pandas {pd.__version__}, pyarrow {pyarrow.__version__}, "
        f"incidentstats {incidentstats.__version__}; {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )


def table(info: dict, runs: dict[str, list[dict]], repeat: int) -> str:
    rc = runs["read_csv"]
    ing = runs["ingest"]
    t_rc = statistics.median(r["seconds"] for r in rc)
    t_in = statistics.median(r["seconds"] for r in ing)
    ratio = t_in / t_rc
    acc = ing[-1]["accounting"]
    lines = [
        "# HHS reader benchmark",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `python benchmarks/bench_hhs.py"
        f" --rows {info['rows']} --repeat {repeat}`.",
        f"{versions()}.",
        "",
        f"Input: {info['rows']:,} data rows, {info['bytes'] / 2**20:,.0f} MiB, built from "
        f"`{ARCHIVE.name}` ({info['copies']} copies; copy k >= 1 has ` [copy k]` appended to the "
        "entity name). Each measurement runs in a fresh process; time is the median of "
        f"{repeat} runs (min-max in brackets), peak RSS is `ru_maxrss` of that process "
        "(imports included; the figure after imports is given as the baseline).",
        "",
        "| measurement | time (s) | vs read_csv | peak RSS (MiB) | RSS after imports (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, rs, t in (
        ("`pandas.read_csv(path)`", rc, t_rc),
        ('`incidentstats.ingest("hhs", path)`', ing, t_in),
    ):
        lo, hi = min(r["seconds"] for r in rs), max(r["seconds"] for r in rs)
        peak = max(r["peak_rss_mib"] for r in rs)
        base = min(r["base_rss_mib"] for r in rs)
        lines.append(f"| {label} | {t:.2f} ({lo:.2f}-{hi:.2f}) | {t / t_rc:.2f}x | {peak:,.0f} | {base:,.0f} |")
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    lines += [
        "",
        f"Target: load + clean within {TARGET_RATIO:g}x the bare read_csv time; this run "
        f"{verdict} it ({ratio:.2f}x).",
        "",
        f"Accounting of the ingest run: rows_in {acc['rows_in']:,} = rows_clean "
        f"{acc['rows_clean']:,} + rows_quarantined {acc['rows_quarantined']:,} + "
        f"duplicates_removed {acc['duplicates_removed']:,}.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--source", type=Path, default=ARCHIVE, help="the HHS archive CSV to replicate")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of one ingest")
    ap.add_argument("--no-write", action="store_true", help="print the table without writing it")
    ap.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    if not args.source.exists():
        print(f"{args.source}: not found (the real datasets live in ../shared/datasets)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench_hhs_") as tmp:
        path = Path(tmp) / "hhs_export_big.csv"
        info = build_export(args.source, path, args.rows)
        print(f"built {path.name}: {info['rows']:,} rows, {info['bytes'] / 2**20:,.0f} MiB", file=sys.stderr)
        runs: dict[str, list[dict]] = {"read_csv": [], "ingest": []}
        for i in range(args.repeat):
            for kind in runs:
                r = run_child(kind, path)
                runs[kind].append(r)
                print(f"  run {i + 1} {kind}: {r['seconds']:.2f} s, peak {r['peak_rss_mib']:,.0f} MiB", file=sys.stderr)
        if args.profile:
            print(profile(path), file=sys.stderr)
    text = table(info, runs, args.repeat)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
