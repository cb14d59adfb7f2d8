"""Seconds per test file in a pytest run, from its JUnit XML report (``--junitxml``).

Test durations summed per file (setup, call and teardown, module fixtures included), the
slowest first; with two reports, side by side. Used for ``results/tests.md``.

Usage::

    pytest -n auto --dist loadgroup --no-loadscope-reorder --junitxml=after.xml
    python benchmarks/suite_times.py after.xml [before.xml] [--top 10]
"""

from __future__ import annotations

import argparse
import collections
import xml.etree.ElementTree as ET


def file_seconds(path) -> tuple[dict[str, float], dict[str, int]]:
    """``({file: seconds}, {file: tests})`` of one JUnit XML report."""
    seconds: dict[str, float] = collections.Counter()
    tests: dict[str, int] = collections.Counter()
    for case in ET.parse(path).iter("testcase"):
        # classname: tests.test_report (tests) or incidentstats.periods (doctests)
        module = case.get("classname", "").split(".")
        name = module[1] if module[0] == "tests" and len(module) > 1 else "doctests (src)"
        seconds[name] += float(case.get("time") or 0)
        tests[name] += 1
    return seconds, tests


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="one or two JUnit XML files (new first)")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)
    runs = [file_seconds(path) for path in args.reports[:2]]
    seconds, tests = runs[0]
    other = runs[1][0] if len(runs) > 1 else {}
    head = "| file | tests | seconds |" + (" before |" if other else "")
    print(head)
    print("|---|---:|---:|" + ("---:|" if other else ""))
    for name, s in sorted(seconds.items(), key=lambda kv: -kv[1])[: args.top]:
        row = f"| {name} | {tests[name]} | {s:.1f} |"
        print(row + (f" {other.get(name, 0):.1f} |" if other else ""))
    total = f"| all | {sum(tests.values())} | {sum(seconds.values()):.1f} |"
    print(total + (f" {sum(other.values()):.1f} |" if other else ""))


if __name__ == "__main__":
    main()
