"""Benchmark the VERIS JSON reader against verispy 0.1.13 on a corpus of 3,100 incident files.

Times, side by side on the same files, (a) ``incidentstats.load("veris", dir)`` followed by
``incidentstats.shares(df, by="source_categories")`` and (b) verispy's
``VERIS(json_dir=dir).json_to_df(schema_path=...)`` followed by ``enum_summary(df, "action")``,
and checks that both give the same x and n for every VERIS action.

Usage::

    python benchmarks/bench_veris.py [--copies 100] [--repeat 5] [--repeat-verispy 3] [--verispy-python PATH]

The corpus is the 31 real VCDB files of ``../shared/datasets/vcdb/json`` replicated
``--copies`` times under fresh, deterministic incident ids (uuid5 of the original id and the
copy number), written to a temporary directory as ``<id>.json`` and removed afterwards.
verispy only globs ``*.json``, so every file gets a lower-case extension.

verispy runs with the Python given by ``--verispy-python``, else this Python when it can
import verispy (``pip install -e '.[bench]'``), else ``$VERISPY_PYTHON``, else
``/tmp/benchvenv/bin/python`` (``python -m venv /tmp/benchvenv &&
/tmp/benchvenv/bin/pip install verispy==0.1.13``). Each measurement runs in a fresh process
and times only the calls above (imports and interpreter start excluded). verispy is given
the local schema, so nothing is downloaded. The table goes to ``benchmarks/results/veris.md``.
Timings are recorded here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VCDB = REPO.parent / "shared" / "datasets" / "vcdb"
JSON_DIR = VCDB / "json"
SCHEMA = VCDB / "verisc-merged.json"
RESULTS = HERE / "results" / "veris.md"
TARGET_RATIO = 30.0
FALLBACK_VENV_PYTHON = Path("/tmp/benchvenv/bin/python")
_NAMESPACE = uuid.UUID("6f1c1f4e-9d1b-4a53-9c0e-2d9b6a0f7e11")

# Run in the verispy interpreter: it needs neither incidentstats nor this file.
VERISPY_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
json_dir, schema = sys.argv[1], sys.argv[2]
from verispy import VERIS
import pandas as pd
start, cpu = time.perf_counter(), time.process_time()
v = VERIS(json_dir=json_dir, verbose=False)
df = v.json_to_df(schema_path=schema)
summary = v.enum_summary(df, "action")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
rows = {str(r["enum"]): [int(r["x"]), None if r["n"] != r["n"] else int(r["n"])] for r in summary.to_dict("records")}
import verispy
print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": len(df), "columns": df.shape[1], "summary": rows,
                  "version": getattr(verispy, "__version__", "?"), "pandas": pd.__version__,
                  "python": sys.version.split()[0]}))
"""


def build_corpus(source: Path, dest: Path, copies: int) -> dict:
    """Write ``copies`` x the incidents of ``source`` to ``dest`` under fresh incident ids."""
    incidents = []
    for path in sorted(source.iterdir()):
        if path.suffix.lower() == ".json":
            incidents.append(json.loads(path.read_bytes()))
    written = 0
    for k in range(copies):
        for inc in incidents:
            new_id = str(uuid.uuid5(_NAMESPACE, f"{inc['incident_id']}/{k}"))
            # VCDB mixes upper-case GUIDs and lower-case UUIDs in ids and file names.
            new_id = new_id.upper() if written % 2 == 0 else new_id
            doc = dict(inc, incident_id=new_id)
            (dest / f"{new_id}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
            written += 1
    size = sum(p.stat().st_size for p in dest.iterdir())
    return {"files": written, "originals": len(incidents), "copies": copies, "bytes": size}


def measure_incidentstats(json_dir: str) -> dict:
    """Child side of measurement (a)."""
    import time

    import incidentstats
    import incidentstats.readers.veris  # noqa: F401

    # Imports are paid before the clock starts, as verispy's are: incidentstats imports its
    # modules, and a statistic its libraries, on first use; one statistic on the embedded
    # data pays them.
    incidentstats.shares(incidentstats.load("hhs"), by="source_categories")
    start, cpu = time.perf_counter(), time.process_time()
    df = incidentstats.load("veris", json_dir)
    table = incidentstats.shares(df, by="source_categories")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    summary = {str(r["value"]): [int(r["x"]), int(r["n"])] for r in table.to_dict("records")}
    return {"seconds": seconds, "cpu": cpu, "rows": len(df), "summary": summary}


def run(cmd: list[str]) -> dict:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement failed: {' '.join(cmd[:3])} ...\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def find_verispy_python(given: str | None) -> str | None:
    if given:
        return given
    if importlib.util.find_spec("verispy") is not None:
        return sys.executable
    env = os.environ.get("VERISPY_PYTHON")
    if env:
        return env
    if FALLBACK_VENV_PYTHON.exists():
        return str(FALLBACK_VENV_PYTHON)
    return None


def compare(ours: dict, theirs: dict) -> list[tuple[str, int, int | None, int, int | None, bool]]:
    """Rows (action, x ours, n ours, x verispy, n verispy, agree) for every action either reports."""
    rows = []
    for action in sorted(
        set(ours) | set(theirs), key=lambda a: (-(theirs.get(a, ours.get(a))[0]), a)
    ):
        xo, no = ours.get(action, [0, None])
        xt, nt = theirs.get(action, [0, None])
        if xo == 0 and xt == 0:
            continue  # verispy lists every action, present or not
        agree = xo == xt and (nt is None or no == nt)
        rows.append((action, xo, no, xt, nt, agree))
    return rows


def versions() -> str:
    import pandas as pd

    import incidentstats

    return (
        f"Python {platform.python_version()}, pandas {pd.__version__}, incidentstats "
        f"{incidentstats.__version__}; {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )


def _times(runs: list[dict]) -> tuple[float, float, float]:
    seconds = [r["seconds"] for r in runs]
    return min(seconds), statistics.median(seconds), max(seconds)


def table(info: dict, ours: list[dict], theirs: list[dict], args) -> str:
    a_min, a_med, a_max = _times(ours)
    a_cpu = min(r["cpu"] for r in ours)
    lines = [
        "# VERIS reader benchmark",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} with `python benchmarks/bench_veris.py"
        f" --copies {args.copies} --repeat {args.repeat} --repeat-verispy {args.repeat_verispy}`.",
        f"{versions()}.",
        "",
        f"Input: {info['files']:,} VERIS incident files ({info['bytes'] / 2**20:.1f} MiB), the "
        f"{info['originals']} real VCDB files of `shared/datasets/vcdb/json` copied {info['copies']} "
        "times under fresh incident ids. Each measurement runs in a fresh process, the two kinds "
        "interleaved, and times only the calls listed (imports excluded). The ratio is taken on "
        "the best run of each (timeit's convention: the minimum is the run least disturbed by "
        "other load); the ratio of medians is shown too.",
        "",
        "| measurement | runs | best (s) | median (s) | worst (s) | best CPU (s) | rows |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f'| (a) `incidentstats.load("veris", dir)` + `shares(df, by="source_categories")` | '
        f"{len(ours)} | {a_min:.3f} | {a_med:.3f} | {a_max:.3f} | {a_cpu:.3f} | {ours[-1]['rows']:,} |",
    ]
    if not theirs:
        lines += [
            "",
            "(b) verispy was not run: no Python with verispy found (see the module docstring).",
            "",
        ]
        return "\n".join(lines)
    b_min, b_med, b_max = _times(theirs)
    b_cpu = min(r["cpu"] for r in theirs)
    ratio, ratio_med = b_min / a_min, b_med / a_med
    env = theirs[-1]
    lines.append(
        f"| (b) verispy `VERIS(json_dir=dir).json_to_df(schema_path=...)` + "
        f'`enum_summary(df, "action")` | {len(theirs)} | {b_min:.2f} | {b_med:.2f} | {b_max:.2f} | '
        f"{b_cpu:.2f} | "
        f"{env['rows']:,} ({env['columns']:,} columns) |"
    )
    rows = compare(ours[-1]["summary"], env["summary"])
    agree_all = all(r[5] for r in rows)
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    lines += [
        "",
        f"verispy {env['version']} ran under Python {env['python']}, pandas {env['pandas']}.",
        f"Ratio (b)/(a): **{ratio:.1f}x** on best runs ({ratio_med:.1f}x on medians, "
        f"{b_cpu / a_cpu:.1f}x on CPU time); target at least {TARGET_RATIO:g}x: this run "
        f"{verdict} it.",
        "",
        "| VERIS action | x (a) | n (a) | x (b) | n (b) | same |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for action, xo, no, xt, nt, agree in rows:
        lines.append(
            f"| {action} | {xo:,} | {'' if no is None else f'{no:,}'} | {xt:,} | "
            f"{'' if nt is None else f'{nt:,}'} | {'yes' if agree else '**no**'} |"
        )
    lines += [
        "",
        f"x and n agree for every action: {'yes' if agree_all else '**no**'}. (verispy gives no n "
        "for its Unknown action; incidentstats, like verispy, leaves incidents whose only action "
        "is Unknown out of n and shows no Unknown row.)",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--copies", type=int, default=100, help="copies of the 31 files (100 -> 3,100 files)"
    )
    ap.add_argument(
        "--repeat", type=int, default=5, help="runs of (a); (b) runs --repeat-verispy times"
    )
    ap.add_argument("--repeat-verispy", type=int, default=3)
    ap.add_argument("--verispy-python", help="a Python interpreter that can import verispy")
    ap.add_argument("--no-write", action="store_true", help="print the table without writing it")
    ap.add_argument("--measure", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure:
        print(json.dumps(measure_incidentstats(args.measure)))
        return 0
    for needed in (JSON_DIR, SCHEMA):
        if not needed.exists():
            print(
                f"{needed}: not found (the real datasets live in ../shared/datasets)",
                file=sys.stderr,
            )
            return 2
    vpy = find_verispy_python(args.verispy_python)
    with tempfile.TemporaryDirectory(prefix="bench_veris_") as tmp:
        corpus = Path(tmp) / "json"
        corpus.mkdir()
        info = build_corpus(JSON_DIR, corpus, args.copies)
        print(f"built {info['files']:,} files, {info['bytes'] / 2**20:.1f} MiB", file=sys.stderr)
        ours, theirs = [], []
        if vpy is None:
            print("verispy: no interpreter found; (b) skipped", file=sys.stderr)
        # Interleave the two so that both meet the same background load.
        for i in range(max(args.repeat, args.repeat_verispy if vpy else 0)):
            if i < args.repeat:
                r = run([sys.executable, str(Path(__file__).resolve()), "--measure", str(corpus)])
                ours.append(r)
                print(f"  run {i + 1} incidentstats: {r['seconds']:.3f} s", file=sys.stderr)
            if vpy is not None and i < args.repeat_verispy:
                r = run([vpy, "-c", VERISPY_CHILD, str(corpus), str(SCHEMA)])
                theirs.append(r)
                print(f"  run {i + 1} verispy: {r['seconds']:.2f} s", file=sys.stderr)
    text = table(info, ours, theirs, args)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
