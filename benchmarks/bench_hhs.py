"""Benchmark the HHS reader on a 1,000,000-row export built from the real July 2024 archive.

Compares a bare ``pandas.read_csv`` of the file with the HHS reader alone and with
``incidentstats.ingest("hhs", path)`` (read, clean, dedupe, sort, provenance with sha256).

Usage::

    python benchmarks/bench_hhs.py [--rows 1000000] [--repeat 5] [--profile]

The big file is written to a temporary directory and removed afterwards. Copy 0 is the
archive as it is; copy k >= 1 has `` [copy k]`` appended to every entity name, so copies do
not collapse into one another but each keeps the archive's own same-key rows (per copy,
three copies removed and one pair of distinct breaches flagged),
and the dedupe does real work. Each measurement runs in a fresh process, which reports its
wall time, CPU time (user and system, all threads: the reader and ingest use helper
threads, so their wall time can be below their CPU time) and peak RSS. Runs of the three
kinds are interleaved, and the table gives medians and the best run, because other work on
the machine slows some runs. The results table goes to ``benchmarks/results/hhs.md``.
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
TARGET_RATIO = 2.0
TARGET_MEMORY = 1.5
KINDS = {
    "read_csv": "`pandas.read_csv(path)` (bare)",
    "reader": '`readers.read("hhs", path)` (reader only)',
    "ingest": '`incidentstats.ingest("hhs", path)`',
}
BASELINE = "ingest_baseline"


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


def _usage() -> tuple[float, float, float]:
    """(user s, system s, peak RSS MiB) so far (Linux: ru_maxrss in KiB).

    CPU time includes the child processes that have ended (the ingest hashes a large
    input in one), so that no work is left out of the CPU figures.
    """
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + kids.ru_utime, own.ru_stime + kids.ru_stime, own.ru_maxrss / 1024


def child_hash_peak(path: Path) -> float | None:
    """Peak RSS (MiB) of the child process that ``BackgroundHash`` starts for ``path``.

    Its own ``ru_maxrss`` would count its parent's pages from before it started the
    interpreter, so it reports the high-water mark of its own memory (Linux: VmHWM).
    """
    from incidentstats._files import _CHILD_HASH

    report = (
        "\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _CHILD_HASH + report, str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        return int(out[-1]) / 1024
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        return None


def measure(kind: str, path: str) -> dict:
    """Run one measurement in this process and return its figures (child side)."""
    import time

    import pandas as pd

    import incidentstats
    from incidentstats import readers

    user0, sys0, base = _usage()
    start = time.perf_counter()
    extra: dict = {}
    if kind == "read_csv":
        extra["rows_out"] = len(pd.read_csv(path))
    elif kind == "reader":
        extra["rows_out"] = len(readers.read("hhs", path).incidents)
    elif kind == "ingest":
        res = incidentstats.ingest("hhs", path)
        keys = ("rows_in", "rows_clean", "rows_quarantined", "duplicates_removed")
        extra = {"rows_out": len(res.incidents), "accounting": {k: res.provenance[k] for k in keys}}
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    seconds = time.perf_counter() - start
    user1, sys1, peak = _usage()
    return {
        "kind": kind,
        "seconds": seconds,
        "user": user1 - user0,
        "sys": sys1 - sys0,
        "peak_rss_mib": peak,
        "base_rss_mib": base,
        **extra,
    }


def run_child(kind: str, path: Path, baseline_src: Path | None = None) -> dict:
    """One measurement in a fresh process; ``ingest_baseline`` imports ``baseline_src``."""
    env = dict(os.environ)
    # The export is bigger than the default input limit: raise it for the measured run.
    env["INCIDENTSTATS_MAX_INPUT_BYTES"] = str(2 * path.stat().st_size)
    if kind == BASELINE:
        env["PYTHONPATH"] = str(baseline_src)
        kind = "ingest"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", kind, str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"measurement {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile(path: Path, top: int = 30) -> str:
    """cProfile of one ingest (in this process), sorted by cumulative time."""
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


def _env_note() -> str:
    """Allocator settings that change the figures, if set (see the note in the report)."""
    keys = ("ARROW_DEFAULT_MEMORY_POOL", "MIMALLOC_ALLOW_THP")
    set_ = [f"{k}={os.environ[k]}" for k in keys if k in os.environ]
    return f" with {', '.join(set_)}" if set_ else ""


def versions() -> str:
    import pandas as pd
    import pyarrow

    import incidentstats

    return (
        f"Python {platform.python_version()}, pandas {pd.__version__}, pyarrow {pyarrow.__version__} "
        f"(memory pool {pyarrow.default_memory_pool().backend_name}), incidentstats "
        f"{incidentstats.__version__}; {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )


def table(
    info: dict,
    runs: dict[str, list[dict]],
    repeat: int,
    load: tuple,
    baseline_src=None,
    child: float | None = None,
) -> str:
    from incidentstats._files import PROCESS_HASH_BYTES

    def med(kind, key):
        return statistics.median(r[key] for r in runs[kind])

    def cpu(r):
        return r["user"] + r["sys"]

    for rs in runs.values():
        for r in rs:
            r["cpu"] = cpu(r)
    base_wall, base_cpu, base_user = (
        med("read_csv", "seconds"),
        med("read_csv", "cpu"),
        med("read_csv", "user"),
    )
    ratio = med("ingest", "seconds") / base_wall
    best = min(r["seconds"] for r in runs["ingest"]) / min(r["seconds"] for r in runs["read_csv"])
    best_cpu = min(r["cpu"] for r in runs["ingest"]) / min(r["cpu"] for r in runs["read_csv"])
    acc = runs["ingest"][-1]["accounting"]
    lines = [
        "# HHS reader benchmark",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `python benchmarks/bench_hhs.py"
        f" --rows {info['rows']} --repeat {repeat}"
        f"{' --baseline-src ' + str(baseline_src) if baseline_src else ''}`{_env_note()}; {versions()}; load average "
        f"{load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (wall time above CPU time "
        "means the process waited for a CPU).",
        "",
        f"Input: {info['rows']:,} data rows, {info['bytes'] / 2**20:,.0f} MiB, built from "
        f"`{ARCHIVE.name}` ({info['copies']} copies; copy k >= 1 has ` [copy k]` appended to the "
        "entity name, so each copy keeps the archive's 4 same-key rows). Each measurement runs "
        f"in a fresh process; figures are medians of {repeat} runs (wall: min-max in brackets). "
        "CPU = user + system time of the process (all threads) and of its child processes "
        f"(the ingest hashes an input of {PROCESS_HASH_BYTES / 2**20:g} MiB or more in one, "
        "at the lowest priority); "
        "system time is mostly the kernel handing out fresh memory. Peak RSS is the "
        "process's `ru_maxrss` (imports included); the hashing child's own peak is given "
        "under the table.",
        "",
        "| measurement | wall (s) | CPU (s) | user (s) | system (s) | wall / read_csv | user / read_csv | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = dict(KINDS)
    if BASELINE in runs:
        labels[BASELINE] = f"the same ingest, baseline source `{baseline_src}`"
    for kind, label in labels.items():
        walls = [r["seconds"] for r in runs[kind]]
        lines.append(
            f"| {label} | {med(kind, 'seconds'):.2f} ({min(walls):.2f}-{max(walls):.2f}) "
            f"| {med(kind, 'cpu'):.2f} | {med(kind, 'user'):.2f} | {med(kind, 'sys'):.2f} "
            f"| {med(kind, 'seconds') / base_wall:.2f}x | {med(kind, 'user') / base_user:.2f}x "
            f"| {max(r['peak_rss_mib'] for r in runs[kind]):,.0f} |"
        )
    memory = max(r["peak_rss_mib"] for r in runs["ingest"]) / max(
        r["peak_rss_mib"] for r in runs["read_csv"]
    )
    verdict = "meet" if ratio <= TARGET_RATIO else "miss"
    best_verdict = "meet" if best <= TARGET_RATIO else "miss"
    lines += [
        "",
        f"Target: load + clean within {TARGET_RATIO:g}x the bare read_csv wall time. The medians "
        f"of this run {verdict} it: {ratio:.2f}x wall, {med('ingest', 'cpu') / base_cpu:.2f}x "
        f"CPU, {med('ingest', 'user') / base_user:.2f}x user time. The best runs (fastest "
        f"ingest over fastest read_csv) {best_verdict} it: {best:.2f}x wall, {best_cpu:.2f}x CPU.",
        "",
        f"Target: peak memory within {TARGET_MEMORY:g}x read_csv's: {memory:.2f}x "
        f"({'met' if memory <= TARGET_MEMORY else 'missed'}; highest peak RSS of each kind). "
        + (
            f"The ingest's hashing child, a process of its own, peaks at {child:,.0f} MiB."
            if child is not None
            else ""
        ),
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
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--source", type=Path, default=ARCHIVE, help="the HHS archive CSV to replicate")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of one ingest")
    ap.add_argument("--no-write", action="store_true", help="print the table without writing it")
    ap.add_argument("--append", action="store_true", help="add the table to the results file")
    ap.add_argument(
        "--baseline-src",
        type=Path,
        help="a src/ folder of an earlier version: its ingest is run interleaved with this one",
    )
    ap.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    if not args.source.exists():
        print(
            f"{args.source}: not found (the real datasets live in ../shared/datasets)",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="bench_hhs_") as tmp:
        path = Path(tmp) / "hhs_export_big.csv"
        info = build_export(args.source, path, args.rows)
        print(
            f"built {path.name}: {info['rows']:,} rows, {info['bytes'] / 2**20:,.0f} MiB",
            file=sys.stderr,
        )
        load = os.getloadavg()
        kinds = [*KINDS, BASELINE] if args.baseline_src else list(KINDS)
        runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
        for i in range(args.repeat):
            for kind in kinds:  # interleaved, so that a slow spell hits every kind alike
                r = run_child(kind, path, args.baseline_src)
                runs[kind].append(r)
                print(
                    f"  run {i + 1} {kind}: {r['seconds']:.2f} s wall, {r['user']:.2f} s user, "
                    f"{r['sys']:.2f} s system, peak {r['peak_rss_mib']:,.0f} MiB",
                    file=sys.stderr,
                )
        if args.profile:
            print(profile(path), file=sys.stderr)
        child = child_hash_peak(path)
    text = table(info, runs, args.repeat, load, args.baseline_src, child)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        if args.append and RESULTS.exists():
            text = RESULTS.read_text(encoding="utf-8") + "\n" + text.replace("# HHS", "## HHS", 1)
        RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
