"""Benchmark the explorer: how long a filter change takes to re-render.

Two tables: the full HHS list of July 2024 (the archive and the under-investigation list,
about 6,300 incidents) and a 1,000,000-row export built from that archive as
``bench_hhs.py`` builds it (written to a temporary directory and removed afterwards).

A filter change is timed (wall and CPU time) as the explorer does it (``Explorer.set_filters``): select the
incidents, compute every table and the sentence (``explore_state``), draw the visible
chart (incidents over time, PNG) and its table; the category mix and the records summary
are computed when their tab is shown, timed separately with the mix on show. The explorer's caches of recent states
and charts are emptied before each change, so nothing is reused from a previous change
but what does not depend on the filters (built once, timed as "set-up"). The same ten
filter states are cycled ``--rounds`` times. Targets: under 0.3 s on the HHS list, under
2 s on the million rows. The table goes to ``benchmarks/results/explore.md``; timings
are recorded here, never asserted in tests.

Usage::

    python benchmarks/bench_explore.py [--rows 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_hhs import ARCHIVE, build_export  # noqa: E402

UNDER_INVESTIGATION = ARCHIVE.with_name("hhs_ocr_under_investigation_2024-07_soudunno.csv")
RESULTS = HERE / "results" / "explore.md"
TARGETS = {"hhs": 0.3, "big": 2.0}
#: The filter states cycled; each is set as a whole (the others back to "all").
STATES = [
    {"start": "2015"},
    {"start": "2015", "regions": ("CA",)},
    {"start": "2015", "regions": ("CA", "TX"), "categories": ("hacking",)},
    {"origins": ("malicious",)},
    {"business_associate": True},
    {"min_records": 10_000},
    {"start": "2018", "freq": "Q"},
    {"end": "2016", "categories": ("theft", "loss")},
    {"organisation_types": ("health_plan",)},
    {},
]
_ALL = {"start": None, "end": None, "freq": "Y", "organisation_types": (), "regions": (),
        "categories": (), "origins": (), "business_associate": None, "min_records": None,
        "max_records": None}  # fmt: skip


def measure(df, rounds: int) -> dict:
    """Set-up time, then one wall time per filter change (and per explore_state alone)."""
    from incidentstats.explorer import ExplorerFilters, explore_state
    from incidentstats.explorer_ui import Explorer

    t0 = time.perf_counter()
    explorer = Explorer(df)
    setup = time.perf_counter() - t0
    changes, cpu, states = [], [], []
    for _ in range(rounds):
        for state in STATES:
            explorer._states.clear()
            explorer._charts.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            explorer.set_filters(**{**_ALL, **state})
            changes.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert explorer.w_error.value == "", explorer.w_error.value
            f = ExplorerFilters(**{k: v for k, v in {**_ALL, **state}.items() if v is not None})
            t0 = time.perf_counter()
            explore_state(df, f, prepared=explorer.prepared)
            states.append(time.perf_counter() - t0)
    # the same changes with the category mix on show: its table is computed only then
    explorer.w_tabs.selected_index = 2
    mix = []
    for state in STATES:
        explorer._states.clear()
        explorer._charts.clear()
        t0 = time.perf_counter()
        explorer.set_filters(**{**_ALL, **state})
        mix.append(time.perf_counter() - t0)
    return {
        "setup": setup, "changes": changes, "cpu": cpu, "states": states, "mix": mix,
        "fast": explorer.prepared.fast,
    }  # fmt: skip


def _row(label: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=10) if len(values) > 1 else values * 9
    return (
        f"| {label} | {len(values)} | {min(values):.3f} | {statistics.median(values):.3f} | "
        f"{q[8]:.3f} | {max(values):.3f} |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    import incidentstats as ist

    load_start = os.getloadavg()
    results = {}
    t0 = time.perf_counter()
    hhs = ist.load("hhs", [ARCHIVE, UNDER_INVESTIGATION])
    hhs_load = time.perf_counter() - t0
    results["hhs"] = measure(hhs, args.rounds)
    n_hhs = len(hhs)
    del hhs
    with tempfile.TemporaryDirectory(prefix="bench-explore-") as tmp:
        path = Path(tmp) / "breach_report_1m.csv"
        info = build_export(ARCHIVE, path, args.rows)
        t0 = time.perf_counter()
        big = ist.load("hhs", path)
        big_load = time.perf_counter() - t0
    results["big"] = measure(big, args.rounds)
    n_big = len(big)
    load_end = os.getloadavg()

    lines = [
        "# Explorer: re-rendering after a filter change",
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, `python benchmarks/bench_explore.py --rows "
        f"{args.rows} --rounds {args.rounds}`; Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; load average "
        f"{load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end (the machine is "
        "shared: other jobs ran meanwhile, so the slow tail is partly theirs).",
        "",
        f"- HHS list of July 2024: {n_hhs:,} incidents (loaded in {hhs_load:.1f} s); "
        f"explorer set-up {results['hhs']['setup']:.2f} s.",
        f"- Export of {info['rows']:,} rows ({info['bytes'] / 1e6:.0f} MB CSV): {n_big:,} "
        f"incidents after the reader's dedupe (loaded in {big_load:.1f} s); explorer set-up "
        f"{results['big']['setup']:.2f} s (narrow copy, category matrix: "
        f"{'used' if results['big']['fast'] else 'not used'}).",
        "",
        "Seconds per filter change, caches of recent states and charts emptied before each:",
        "",
        "| measurement | runs | best | median | 90th percentile | worst |",
        "|---|---:|---:|---:|---:|---:|",
        _row("HHS list: filter change, redrawn (target < 0.3 s)", results["hhs"]["changes"]),
        _row("HHS list: filter change, CPU time of this process", results["hhs"]["cpu"]),
        _row("HHS list: `explore_state` alone", results["hhs"]["states"]),
        _row("HHS list: filter change, category mix tab on show", results["hhs"]["mix"]),
        _row("1M rows: filter change, redrawn (target < 2 s)", results["big"]["changes"]),
        _row("1M rows: filter change, CPU time of this process", results["big"]["cpu"]),
        _row("1M rows: `explore_state` alone", results["big"]["states"]),
        _row("1M rows: filter change, category mix tab on show", results["big"]["mix"]),
        "",
    ]
    for key, name in (("hhs", "HHS list"), ("big", "1M rows")):
        med = statistics.median(results[key]["changes"])
        cpu = statistics.median(results[key]["cpu"])
        verdict = "met" if med < TARGETS[key] else "not met"
        lines.append(
            f"- {name}: median wall time {med:.3f} s against {TARGETS[key]} s: **{verdict}** "
            f"(median CPU time {cpu:.3f} s: what an idle machine would take, about)."
        )
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
