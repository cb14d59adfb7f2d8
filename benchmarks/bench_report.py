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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "report.md"
TARGET_WARM_RATIO = 2.0  # the default report against the warm floor: at most this
TARGET_COLD_RATIO = 1.5  # and against the cold floor: stays at most this
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


CPU: dict[str, list[float]] = {}  # measurement -> CPU seconds of its whole process tree


def run(cmd, *, label: str) -> float:
    """Run a command; return its wall time and record its CPU time (it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(
            f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr[-2000:]}"
        )
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU.setdefault(label, []).append(cpu)
    return seconds


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_speedup() -> float:
    out = subprocess.run(
        [sys.executable, "-c", BURN_CHILD], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def default_notebooks() -> list[str]:
    from incidentstats.report import default_notebooks as names

    return names("hhs")


def measure_floor_cold(tmp: Path, n: int) -> float:
    """n fresh processes, one empty notebook each; total wall (and CPU) time."""
    total, cpu = 0.0, 0.0
    for i in range(n):
        work = Path(tempfile.mkdtemp(prefix=f"cold{i}-", dir=tmp))
        total += run([sys.executable, "-c", FLOOR_CHILD, str(work), "1"], label="_cold")
        cpu += CPU.pop("_cold")[-1]
    CPU.setdefault("cold", []).append(cpu)
    return total


def measure_floor_warm(tmp: Path, n: int) -> float:
    work = Path(tempfile.mkdtemp(prefix="warm-", dir=tmp))
    return run([sys.executable, "-c", FLOOR_CHILD, str(work), str(n)], label="warm")


def measure_report(tmp: Path, *extra, label: str) -> tuple[float, dict]:
    out = Path(tempfile.mkdtemp(prefix="report-", dir=tmp))
    cmd = [sys.executable, "-m", "incidentstats.cli", "report", "-o", str(out), *extra]
    seconds = run(cmd, label=label)
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
    seconds = run([*cmd, "-o", str(out / "reports")], label=f"batch{jobs}")
    summary = json.loads(next((out / "reports").glob("batch-*.json")).read_text(encoding="utf-8"))
    if not summary["ok"]:
        reasons = "; ".join(
            f"{r['run_id']}: {r['reason']}" for r in summary["runs"] if r["status"] != "ok"
        )
        raise SystemExit(f"batch with --jobs {jobs} had failures: {reasons}")
    return seconds


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
    probes = [machine_speedup()]
    cold, warm, report, report1, manifests = [], [], [], [], []
    batch1, batch2, batch_errors = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmpdir:
        tmp = Path(tmpdir)
        # one warm-up of everything (kernel specs, font caches, pyc files)
        measure_floor_warm(tmp, 1)
        measure_report(tmp, "--notebooks", names[0], label="warm-up")
        for i in range(args.repeat):
            print(
                f"round {i + 1}/{args.repeat}: floor (cold, warm), report (default, --jobs 1)",
                flush=True,
            )
            cold.append(measure_floor_cold(tmp, n))
            warm.append(measure_floor_warm(tmp, n))
            seconds, manifest = measure_report(tmp, label="report")
            report.append(seconds)
            manifests.append(manifest)
            report1.append(measure_report(tmp, "--jobs", "1", label="report1")[0])
        if not args.no_batch:
            for i in range(args.batch_repeat):
                for jobs in (1, 2) if i % 2 == 0 else (2, 1):
                    print(f"batch of 8 reports with --jobs {jobs} ...", flush=True)
                    probes.append(machine_speedup())
                    try:
                        (batch1 if jobs == 1 else batch2).append(measure_batch(tmp, jobs))
                    except SystemExit as exc:  # keep the other figures
                        batch_errors.append(f"--jobs {jobs}: {str(exc)[:300]}")
                        print(exc, file=sys.stderr)
    probes.append(machine_speedup())
    load_after = loadavg()

    med = statistics.median

    def fmt(values) -> str:
        return f"{min(values):.1f} | {med(values):.1f} | {max(values):.1f}"

    def cpu(label) -> str:
        return f"{med(CPU[label]):.1f}" if CPU.get(label) else "n/a"

    ratio_cold, ratio_warm = med(report) / med(cold), med(report) / med(warm)
    cpu_cold, cpu_warm = (
        med(CPU["report"]) / med(CPU["cold"]),
        med(CPU["report"]) / med(CPU["warm"]),
    )
    nb_seconds = {}
    for manifest in manifests:
        for nb in manifest["notebooks"]:
            nb_seconds.setdefault(nb["name"], []).append(nb["seconds"])
    lines = [
        "# Report runner benchmark",
        "",
        f"Run {started} with `python benchmarks/bench_report.py --repeat {args.repeat}"
        + (" --no-batch`." if args.no_batch else f" --batch-repeat {args.batch_repeat}`."),
        f"Python {platform.python_version()}, incidentstats {incidentstats.__version__}; "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; load average before "
        f"{load_before}, after {load_after}.",
        f"The machine's parallel speed-up (a pure-Python loop in 2 processes against 1), probed "
        f"{len(probes)} times during the run: median **{med(probes):.2f}x** "
        f"({', '.join(f'{p:.2f}' for p in probes)}).",
        "",
        f"Default notebooks ({n}): {', '.join(names)}. Wall time from process start to exit, and CPU "
        "time (user + system) of every process of the measurement, kernels included; seconds.",
        "",
        "| measurement | runs | wall best | wall median | wall worst | CPU median |",
        "|---|---:|---:|---:|---:|---:|",
        f"| floor, cold: {n} x (a fresh process: papermill runs an empty notebook, nbconvert HTML, "
        f"WeasyPrint PDF) | {len(cold)} | {fmt(cold)} | {cpu('cold')} |",
        f"| floor, warm: one process, {n} empty notebooks to HTML + PDF | {len(warm)} | {fmt(warm)} | {cpu('warm')} |",
        f"| `incidentstats report` (default: --jobs = CPUs) | {len(report)} | {fmt(report)} | {cpu('report')} |",
        f"| `incidentstats report --jobs 1` | {len(report1)} | {fmt(report1)} | {cpu('report1')} |",
    ]
    if batch1 and batch2:
        lines += [
            f"| batch of 8 reports, `--matrix` `--jobs 1` | {len(batch1)} | {fmt(batch1)} | {cpu('batch1')} |",
            f"| batch of 8 reports, `--matrix` `--jobs 2` | {len(batch2)} | {fmt(batch2)} | {cpu('batch2')} |",
        ]
    lines += [
        "",
        f"Default report / warm floor: **{ratio_warm:.2f}x** wall, {cpu_warm:.2f}x CPU (target at most "
        f"{TARGET_WARM_RATIO:.0f}x: {'met' if ratio_warm <= TARGET_WARM_RATIO else 'not met'}).",
        f"Default report / cold floor: **{ratio_cold:.2f}x** wall, {cpu_cold:.2f}x CPU (target: stays at "
        f"most {TARGET_COLD_RATIO}x: {'met' if ratio_cold <= TARGET_COLD_RATIO else 'not met'}).",
    ]
    if batch_errors:
        lines.append(f"Batch measurement failed: {'; '.join(batch_errors)}.")
    if batch1 and batch2:
        speedup = med(batch1) / med(batch2)
        lines.append(
            f"Batch speed-up, --jobs 2 over --jobs 1: **{speedup:.2f}x** (target at least "
            f"{TARGET_BATCH_SPEEDUP}x: {'met' if speedup >= TARGET_BATCH_SPEEDUP else 'not met'}); "
            f"the machine gave {med(probes):.2f}x meanwhile."
        )
    lines += [
        "",
        "Seconds per notebook in the default report (median over its runs; execution and its own "
        "HTML + PDF): " + ", ".join(f"{k} {med(v):.1f}" for k, v in nb_seconds.items())
        + f"; whole run as the manifest times it: {med([m['duration_seconds'] for m in manifests]):.1f}.",
        "",
    ]  # fmt: skip
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
