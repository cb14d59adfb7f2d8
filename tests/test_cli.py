"""The command line: one-line errors, exit statuses, clean writes its five files."""

from __future__ import annotations

import json
import subprocess
import sys

import clirun
import pandas as pd
import pytest
from conftest import REPO


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "incidentstats.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args, expected",
    [
        (["clean", "no/such/file.csv", "-o", "OUT"], "no/such/file.csv: file not found"),
        (["report", "--lang", "de"], "parameter 'lang': expected one of en, fr, got 'de'"),
        (["report", "--notebooks", "nope"], "unknown notebook(s) nope"),
        (["report", "-p", "novalue"], "expected name=value"),
        (["report", "-p", "bogus=1"], "parameter 'bogus': not a parameter of notebook"),
        (["report", "-p", "start=2014", "-p", "end=2012"], "end 2012 is before start 2014"),
        (["report", "-p", "top_n=many"], "parameter 'top_n': expected int"),
        (["report", "--format", "docx"], "expected pdf and/or html"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_user_errors_are_one_line_with_exit_status_2(tmp_path, args, expected):
    args = [str(tmp_path / "OUT") if a == "OUT" else a for a in args]
    if args[0] == "report":
        args = [*args, "-o", str(tmp_path / "reports")]
    # a few in a subprocess; the rest in a fork of a process that imported the command once
    proc = run(*args) if args[:2] in SUBPROCESS_CASES else clirun.run(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("incidentstats: error:")
    assert expected in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


SUBPROCESS_CASES = [["clean", "no/such/file.csv"], ["report", "--lang"], ["frobnicate"]]


def test_clean_writes_five_files_with_balanced_accounting(tmp_path, shared):
    src = shared("hhs_ocr", "hhs_ocr_under_investigation_2026-07_lilkommu.csv")
    proc = run("clean", src, "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "duplicates.csv",
        "incidents.csv",
        "incidents.parquet",
        "provenance.json",
        "quarantine.csv",
    ]
    prov = json.loads((out / "provenance.json").read_text())
    # An under-investigation list alone is not a census: one warning line, kept in provenance.
    warned = [
        line for line in proc.stderr.splitlines() if line.startswith("incidentstats: warning:")
    ]
    assert len(warned) == 1 and "not every breach" in warned[0]
    assert prov["warnings"] == [warned[0].removeprefix("incidentstats: warning: ")]
    # McEwen & Associates (TX, 08/21/2025, 500) is listed three times: two copies removed.
    dups = pd.read_csv(out / "duplicates.csv")
    assert dups["action"].tolist() == ["removed", "removed"] and prov["duplicates_removed"] == 2
    assert set(dups["organisation"]) == {"McEwen & Associates"}
    raw_rows = len(pd.read_csv(src, dtype=str))
    assert prov["rows_in"] == raw_rows == 733
    assert (
        prov["rows_in"]
        == prov["rows_clean"] + prov["rows_quarantined"] + prov["duplicates_removed"]
    )
    assert len(pd.read_parquet(out / "incidents.parquet")) == prov["rows_clean"]
    assert prov["inputs"][0]["format"] == "hhs"
    # Hidden: only the published set and the link to it, no temporary files.
    assert sorted(p.name for p in out.glob(".*")) == [".current", ".sets"]
    assert not list(out.rglob("*.part"))


def test_clean_refuses_to_write_into_data_raw(tmp_path, shared):
    src = shared("hhs_ocr", "hhs_ocr_under_investigation_2026-07_lilkommu.csv")
    proc = run("clean", src, "-o", REPO / "data" / "raw" / "out")
    assert proc.returncode == 2
    assert "data/raw/, which is never written to" in proc.stderr
    assert not (REPO / "data" / "raw" / "out").exists()


def test_version_and_help():
    proc = run("--version")
    assert proc.returncode == 0 and "incidentstats" in proc.stdout
    proc = run("report", "--help")
    assert proc.returncode == 0 and "--matrix" in proc.stdout


def test_python_dash_m_runs_the_same_command(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "incidentstats", "report", "--help"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0 and "--matrix" in proc.stdout
    # its exit status is the command's: a bad parameter is 2 with one line
    proc = subprocess.run(
        [sys.executable, "-m", "incidentstats", "report", "--lang", "de", "-o", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "lang" in proc.stderr
