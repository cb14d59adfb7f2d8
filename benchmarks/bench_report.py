"""Benchmark the report runner against the floor of its own tools, and batch parallelism.

1. Floor: papermill executing an *empty* notebook, nbconvert turning it into HTML and
   WeasyPrint into a PDF — the least any notebook -> HTML + PDF report can cost. Measured
   two ways, each in fresh processes: *cold*, one process per notebook (start-up and
   imports paid every time; what a one-notebook tool costs), and *warm*, one process for
   all of them (imports paid once). The floor of a report is this times the number of
   notebooks.
2. The default report: ``incidentstats report`` on the embedded data, all default
   notebooks, default options, timed from process start to exit.
3. A batch of 8 reports (``--matrix`` with 4 regions x 2 languages) with ``--jobs 1``
   and with ``--jobs 2``.

Each measurement is repeated and interleaved with the others, so that a burst of load
from elsewhere on the machine spreads over all of them; the tables give best and
median, ratios use medians. The machine's own parallel speed-up (a pure-Python loop in
1 and 2 processes) and its load average are recorded beside, since a batch cannot gain
more than the machine gives. Results go to ``benchmarks/results/report.md``; the
figures are copied by hand into ``benchmarks/README.md``. Timings are recorded here,
never asserted in tests.

Usage::

    python benchmarks/bench_report.py [--repeat 3] [--batch-repeat 1] [--no-batch]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "report.md"
TARGET_FLOOR_RATIO = 2.0
TARGET_BATCH_SPEEDUP = 1.6
BATCH_MATRIX = "regions: [CA, TX, NY, FL]\nlang: [en, fr]\n"  # 8 reports

FLOOR_CHILD = r"""
import sys, time
t0 = time.perf_counter()
import logging
import nbformat, papermill
from nbconvert import HTMLExporter
from weasyprint import HTML
from weasyprint.urls import URLFetcher
logging.getLogger("papermill").setLevel(logging.ERROR)
work, n = sys.argv[1], int(sys.argv[2])
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_markdown_cell("# Empty")]
nbformat.write(nb, f"{work}/empty.ipynb")
for i in range(n):
    papermill.execute_notebook(f"{work}/empty.ipynb", f"{work}/out-{i}.ipynb", parameters={"x": 2},
                               kernel_name="python3", progress_bar=False)
    body, _ = HTMLExporter(template_name="basic", exclude_input=True).from_filename(f"{work}/out-{i}.ipynb")
    page = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    open(f"{work}/out-{i}.html", "w", encoding="utf-8").write(page)
    HTML(string=page, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf(f"{work}/out-{i}.pdf")
"""

BURN_CHILD = r"""
import sys, time
from multiprocessing import Pool
def burn(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
if __name__ == "__main__":
    n = 15_000_000
    t = time.perf_counter(); [burn(n) for _ in range(2)]; one = time.perf_counter() - t
    with Pool(2) as pool:
        t = time.perf_counter(); pool.map(burn, [n, n]); two = time.perf_counter() - t
    print(one / two)
"""


def wall(cmd, *, cwd=None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0,):
        raise SystemExit(
            f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr[-2000:]}"
        )
    return seconds


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def default_notebooks() -> list[str]:
    from incidentstats.report import default_notebooks as names

    return names("hhs")


def measure_floor_cold(tmp: Path, n: int) -> float:
    """n fresh processes, one empty notebook each; total wall time."""
    total = 0.0
    for i in range(n):
        work = Path(tempfile.mkdtemp(prefix=f"cold{i}-", dir=tmp))
        total += wall([sys.executable, "-c", FLOOR_CHILD, str(work), "1"])
    return total


def measure_floor_warm(tmp: Path, n: int) -> float:
    work = Path(tempfile.mkdtemp(prefix="warm-", dir=tmp))
    return wall([sys.executable, "-c", FLOOR_CHILD, str(work), str(n)])


def measure_report(tmp: Path, *extra) -> tuple[float, dict]:
    out = Path(tempfile.mkdtemp(prefix="report-", dir=tmp))
    seconds = wall([sys.executable, "-m", "incidentstats.cli", "report", "-o", str(out), *extra])
    manifest = json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))
    return seconds, manifest


def measure_batch(tmp: Path, jobs: int) -> float:
    out = Path(tempfile.mkdtemp(prefix=f"batch{jobs}-", dir=tmp))
    matrix = out / "matrix.yaml"
    matrix.write_text(BATCH_MATRIX, encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "incidentstats.cli",
        "report",
        "--matrix",
        str(matrix),
        "--jobs",
        str(jobs),
    ]
    seconds = wall([*cmd, "-o", str(out / "reports")])
    summary = json.loads(next((out / "reports").glob("batch-*.json")).read_text(encoding="utf-8"))
    if not summary["ok"]:
        raise SystemExit(f"batch with --jobs {jobs} had failures: {summary['runs']}")
    return seconds


def fmt(values) -> str:
    return f"{min(values):.1f} | {statistics.median(values):.1f} | {max(values):.1f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of floor and default report")
    ap.add_argument("--batch-repeat", type=int, default=1, help="repetitions of each batch")
    ap.add_argument("--no-batch", action="store_true", help="skip the batch measurement (minutes)")
    args = ap.parse_args(argv)

    import incidentstats

    names = default_notebooks()
    n = len(names)
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    load_before = loadavg()
    speedup_machine = float(subprocess.run([sys.executable, "-c", BURN_CHILD], capture_output=True,
                                           text=True, check=True).stdout)  # fmt: skip
    cold, warm, report, report1, manifests = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmpdir:
        tmp = Path(tmpdir)
        # one warm-up of everything (kernel specs, font caches, pyc files)
        measure_floor_warm(tmp, 1)
        measure_report(tmp, "--notebooks", names[0])
        for i in range(args.repeat):
            print(
                f"round {i + 1}/{args.repeat}: floor (cold, warm), report (default, --jobs 1)",
                flush=True,
            )
            cold.append(measure_floor_cold(tmp, n))
            warm.append(measure_floor_warm(tmp, n))
            seconds, manifest = measure_report(tmp)
            report.append(seconds)
            manifests.append(manifest)
            report1.append(measure_report(tmp, "--jobs", "1")[0])
        batch1, batch2, batch_errors = [], [], []
        if not args.no_batch:
            for i in range(args.batch_repeat):
                order = (1, 2) if i % 2 == 0 else (2, 1)
                for jobs in order:
                    print(f"batch of 8 reports with --jobs {jobs} ...", flush=True)
                    try:
                        (batch1 if jobs == 1 else batch2).append(measure_batch(tmp, jobs))
                    except SystemExit as exc:  # keep the other figures
                        batch_errors.append(f"--jobs {jobs}: {str(exc).splitlines()[0]}")
                        print(exc, file=sys.stderr)
            if not batch1 or not batch2:
                batch1, batch2 = [], []
    load_after = loadavg()

    med = statistics.median
    ratio_cold = med(report) / med(cold)
    ratio_warm = med(report) / med(warm)
    nb_seconds = {nb["name"]: med([m2["seconds"] for mm in manifests for m2 in mm["notebooks"] if m2["name"] == nb["name"]])
                  for nb in manifests[0]["notebooks"]}  # fmt: skip
    lines = [
        "# Report runner benchmark",
        "",
        f"Run {started} with `python benchmarks/bench_report.py --repeat {args.repeat}"
        f"{' --no-batch' if args.no_batch else f' --batch-repeat {args.batch_repeat}'}`.",
        f"Python {platform.python_version()}, incidentstats {incidentstats.__version__}; "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; load average before "
        f"{load_before}, after {load_after}.",
        f"Machine's parallel speed-up (a pure-Python loop, 2 processes vs 1): **{speedup_machine:.2f}x**.",
        "",
        f"Default notebooks ({n}): {', '.join(names)}. Wall time in seconds, from process start to exit.",
        "",
        "| measurement | runs | best | median | worst |",
        "|---|---:|---:|---:|---:|",
        f"| floor, cold: {n} x (fresh process: papermill runs an empty notebook, nbconvert HTML, WeasyPrint PDF) | {len(cold)} | {fmt(cold)} |",
        f"| floor, warm: one process, {n} empty notebooks to HTML + PDF | {len(warm)} | {fmt(warm)} |",
        f"| `incidentstats report` (default: --jobs = CPUs) | {len(report)} | {fmt(report)} |",
        f"| `incidentstats report --jobs 1` | {len(report1)} | {fmt(report1)} |",
    ]
    if batch1:
        lines += [
            f"| batch of 8 reports, `--matrix` `--jobs 1` | {len(batch1)} | {fmt(batch1)} |",
            f"| batch of 8 reports, `--matrix` `--jobs 2` | {len(batch2)} | {fmt(batch2)} |",
        ]
    lines += [
        "",
        f"Default report / cold floor: **{ratio_cold:.2f}x** (target at most {TARGET_FLOOR_RATIO:.0f}x: "
        f"{'met' if ratio_cold <= TARGET_FLOOR_RATIO else 'not met'}); "
        f"/ warm floor: {ratio_warm:.2f}x.",
    ]
    if batch_errors:
        lines.append(f"Batch measurement failed: {'; '.join(batch_errors)}.")
    if batch1:
        speedup = med(batch1) / med(batch2)
        lines.append(
            f"Batch speed-up, --jobs 2 over --jobs 1: **{speedup:.2f}x** (target at least "
            f"{TARGET_BATCH_SPEEDUP}x: {'met' if speedup >= TARGET_BATCH_SPEEDUP else 'not met'}; the machine "
            f"itself gives {speedup_machine:.2f}x)."
        )
    lines += [
        "",
        "Inside the default report (median of the manifests): notebook execution + its own "
        "HTML/PDF, in seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in nb_seconds.items())
        + f"; whole run {med([m['duration_seconds'] for m in manifests]):.1f} s.",
        "",
    ]  # fmt: skip
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
