"""Hostile files, paths, parameters and signals: one clear line, nothing lost or mixed.

The second robustness round. Each case runs the real command with a time limit and an
address-space limit, so a case that hangs or allocates without bound fails instead of
taking the machine with it: in a subprocess, or, for most one-line refusals, in a fork of a
process that imported the command once (``tests/clirun.py``: no interpreter start-up each). Limits are made small through the environment so
small files can go over them. The static files are in ``tests/data/bad/`` (see its
README); everything else is made here at test time.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import clirun
import pytest
from conftest import process_alive
from hhs_portal import HEADER_LINE as HHS_HEADER

from incidentstats import _files, report
from incidentstats.cli import spread_multi_paths
from incidentstats.errors import ParameterError

BAD = Path(__file__).parent / "data" / "bad"
MEMORY = 3 << 30  # address space per case


def hhs_row(name="Mercy Clinic", state="TX", count="1200", date="03/15/2021", desc="") -> str:
    return f'"{name}","{state}","Healthcare Provider","{count}","{date}","Theft","Laptop","No","{desc}"\n'


def write_hhs(path: Path, rows: int = 3, **kw) -> Path:
    body = "".join(hhs_row(name=f"Clinic {i}", **kw) for i in range(rows))
    path.write_text(HHS_HEADER + body, encoding="utf-8")
    return path


def _limits(fsize: int | None):
    def apply():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return apply


def run(*args, env=None, timeout=120, cwd=None, fsize=None) -> subprocess.CompletedProcess:
    """The real command, with a time limit, a memory limit and optionally a file-size limit."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "incidentstats.cli", *(a if isinstance(a, bytes) else str(a) for a in args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        preexec_fn=_limits(fsize),
    )  # fmt: skip


def one_line(proc, *needles, status=2) -> str:
    """The single stderr line of a refused command, checked for each needle."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("incidentstats: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# --- cases: (arguments, environment, expected parts of the one line) -----------------------


def _fifo(tmp: Path, name: str) -> Path:
    path = tmp / name
    os.mkfifo(path)
    return path


def _loop(tmp: Path, name: str = "loop") -> Path:
    a, b = tmp / name, tmp / f"{name}-b"
    os.symlink(b, a)
    os.symlink(a, b)
    return a


def _long_field(tmp: Path, *, commas: bool) -> Path:
    text = ("word, " * 400) if commas else ("x" * 3000)
    return write_hhs(tmp / "long_field.csv", rows=2, desc=text)


def _workbook(tmp: Path, cell: str) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([h.strip('"') for h in HHS_HEADER.strip().split('","')])
    ws.append(
        [
            "Mercy Clinic",
            "TX",
            "Healthcare Provider",
            "1200",
            "03/15/2021",
            "Theft",
            "Laptop",
            "No",
            cell,
        ]
    )
    path = tmp / "big_cell.xlsx"
    wb.save(path)
    return path


def _inline_bomb() -> str:
    """An alias bomb written as one flow-style YAML value (fits on a command line)."""
    text = "[&a [x, x, x, x, x, x, x, x, x]"
    for level, name in enumerate("bcdefgh"):
        prev = "a" if level == 0 else "bcdefgh"[level - 1]
        text += f", &{name} [" + ", ".join([f"*{prev}"] * 9) + "]"
    return text + "]"


def _veris_dir_with_fifo(tmp: Path) -> Path:
    folder = tmp / "v"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"incident_id": "a", "action": {}, "timeline": {}}))
    _fifo(folder, "x.json")
    return folder


SMALL_FIELD = {"INCIDENTSTATS_MAX_FIELD_BYTES": "1000"}
SMALL_INPUT = {"INCIDENTSTATS_MAX_INPUT_BYTES": "2000"}


def case_builders():
    """Name -> builder(tmp) giving (args, env, needles)."""
    return {
        # special files: refused before opening, never block
        "fifo-input-auto": lambda t: (["clean", _fifo(t, "in.csv"), "-o", t / "out"], {}, ["is a named pipe (FIFO)"]),
        "fifo-input-hhs": lambda t: (["clean", _fifo(t, "in.csv"), "--source", "hhs", "-o", t / "out"], {}, ["named pipe"]),
        "fifo-input-prc": lambda t: (["clean", _fifo(t, "in.csv"), "--source", "prc", "-o", t / "out"], {}, ["named pipe"]),
        "fifo-input-veris": lambda t: (["clean", _fifo(t, "in.json"), "--source", "veris", "-o", t / "out"], {}, ["named pipe"]),
        "fifo-mapping": lambda t: (["clean", BAD / "register.csv", "--source", "csv", "--mapping", _fifo(t, "m.yaml"), "-o", t / "out"], {}, ["m.yaml: is a named pipe"]),
        "fifo-params": lambda t: (["report", "--params", _fifo(t, "p.yaml"), "-o", t / "out"], {}, ["'--params'", "named pipe"]),
        "fifo-matrix": lambda t: (["report", "--matrix", _fifo(t, "m.yaml"), "-o", t / "out"], {}, ["'--matrix'", "named pipe"]),
        "fifo-report-input": lambda t: (["report", "--input", _fifo(t, "in.csv"), "--source", "hhs", "-o", t / "out"], {}, ["in.csv: is a named pipe (FIFO)"]),
        "char-device-report-input": lambda t: (["report", "--input", "/dev/null", "-o", t / "out"], {}, ["/dev/null: is a character device"]),
        "symlink-loop-report-input": lambda t: (["report", "--input", _loop(t), "--source", "hhs", "-o", t / "out"], {}, ["is a symbolic link loop"]),
        "char-device-input": lambda t: (["clean", "/dev/zero", "--source", "hhs", "-o", t / "out"], {}, ["/dev/zero: is a character device"]),
        "fifo-in-veris-dir": lambda t: (["clean", _veris_dir_with_fifo(t), "--source", "veris", "-o", t / "out"], {}, ["x.json: is not a regular file"]),
        # odd paths
        "symlink-loop-input": lambda t: (["clean", _loop(t), "-o", t / "out"], {}, ["is a symbolic link loop"]),
        "symlink-loop-input-hhs": lambda t: (["clean", _loop(t), "--source", "hhs", "-o", t / "out"], {}, ["is a symbolic link loop"]),
        "symlink-loop-clean-output": lambda t: (["clean", BAD / "hhs_bad_counts.csv", "-o", _loop(t, "o")], {}, ["'--output'", "symbolic link loop"]),
        "symlink-loop-report-output": lambda t: (["report", "--notebooks", "overview", "-o", _loop(t, "o")], {}, ["'--output'", "symbolic link loop"]),
        "non-utf8-input-name": lambda t: (["clean", os.fsencode(t) + b"/x\xff.csv", "-o", t / "out"], {}, ["x\\xff.csv: file name is not valid UTF-8"]),
        "non-utf8-output-name": lambda t: (["clean", BAD / "hhs_bad_counts.csv", "-o", os.fsencode(t) + b"/o\xfe"], {}, ["'--output'", "not valid UTF-8"]),
        "report-output-is-a-file": lambda t: ((t / "f").write_text("keep\n"), (["report", "--notebooks", "overview", "-o", t / "f"], {}, ["'--output'", "is a file; expected a folder"]))[1],
        # sizes over limits set small through the environment
        "input-over-limit-hhs": lambda t: (["clean", write_hhs(t / "big.csv", rows=40), "-o", t / "out"], SMALL_INPUT, ["over the limit of 2,000 bytes", "INCIDENTSTATS_MAX_INPUT_BYTES"]),
        "input-over-limit-veris": lambda t: ((t / "v.json").write_text(json.dumps([{"incident_id": str(i), "action": {}, "timeline": {}} for i in range(100)])), (["clean", t / "v.json", "-o", t / "out"], SMALL_INPUT, ["over the limit of 2,000 bytes"]))[1],
        "field-over-limit": lambda t: (["clean", _long_field(t, commas=False), "-o", t / "out"], SMALL_FIELD, ["a field is over the limit of 1,000 bytes", "INCIDENTSTATS_MAX_FIELD_BYTES"]),
        "field-over-limit-with-commas": lambda t: (["clean", _long_field(t, commas=True), "-o", t / "out"], SMALL_FIELD, ["data row 1: a field is over the limit"]),
        "field-over-limit-prc": lambda t: ((t / "p.csv").write_text('"Date Made Public","Company","Location","Type of breach","Type of organization","Records Breached"\n"October 15, 2009","' + "n" * 3000 + '","Austin, Texas","PORT","MED","10"\n'), (["clean", t / "p.csv", "--source", "prc", "-o", t / "out"], SMALL_FIELD, ["a field is over the limit"]))[1],
        "field-over-limit-json": lambda t: ((t / "v.json").write_text(json.dumps({"incident_id": "a", "action": {}, "timeline": {}, "summary": "s" * 3000})), (["clean", t / "v.json", "-o", t / "out"], SMALL_FIELD, ["a field is over the limit"]))[1],
        "xlsx-unpacked-over-limit": lambda t: (["clean", _workbook(t, "x" * 20_000), "-o", t / "out"], {"INCIDENTSTATS_MAX_INPUT_BYTES": "12000"}, ["unpacked workbook is over the limit"]),
        "xlsx-cell-over-field-limit": lambda t: (["clean", _workbook(t, "x" * 5000), "-o", t / "out"], SMALL_FIELD, ["a field is over the limit"]),
        "mapping-over-limit": lambda t: (["clean", BAD / "register.csv", "--source", "csv", "--mapping", BAD / "register_mapping.yaml", "-o", t / "out"], {"INCIDENTSTATS_MAX_CONFIG_BYTES": "100"}, ["over the limit of 100 bytes"]),
        "params-alias-bomb": lambda t: (["report", "--params", BAD / "params_alias_bomb.yaml", "-o", t / "out"], {}, ["'--params'", "holds too many values"]),
        "params-too-many-aliases": lambda t: ((t / "p.yaml").write_text("a: &x 1\nb: [" + ", ".join(["*x"] * 150) + "]\n"), (["report", "--params", t / "p.yaml", "-o", t / "out"], {}, ["too many YAML aliases: over the limit of 100"]))[1],
        "params-10mb-list": lambda t: ((t / "p.yaml").write_text("regions: [" + ", ".join(["TX"] * 600_000) + "]\n"), (["report", "--params", t / "p.yaml", "-o", t / "out"], {}, ["over the limit of 1 MiB"]))[1],
        "param-value-alias-bomb": lambda t: (["report", "--notebooks", "overview", "-p", "regions=" + _inline_bomb(), "-o", t / "out"], {}, ["'regions'", "holds too many values"]),
        "matrix-alias-bomb": lambda t: (["report", "--matrix", BAD / "params_alias_bomb.yaml", "-o", t / "out"], {}, ["'--matrix'", "holds too many values"]),
        "bad-limit-setting": lambda t: (["clean", BAD / "hhs_bad_counts.csv", "-o", t / "out"], {"INCIDENTSTATS_MAX_INPUT_BYTES": "lots"}, ["INCIDENTSTATS_MAX_INPUT_BYTES", "expected a positive whole number"]),
        # parameters
        "top-n-negative": lambda t: (["report", "--notebooks", "overview", "-p", "top_n=-5", "-o", t / "out"], {}, ["'top_n': expected a number from 1 to 1000, got -5"]),
        "top-n-zero": lambda t: (["report", "--notebooks", "overview", "-p", "top_n=0", "-o", t / "out"], {}, ["'top_n': expected a number from 1 to 1000"]),
        "top-n-huge": lambda t: (["report", "--notebooks", "overview", "-p", "top_n=100000", "-o", t / "out"], {}, ["'top_n': expected a number from 1 to 1000"]),
        "top-n-overflow": lambda t: (["report", "--notebooks", "overview", "-p", "top_n=1e400", "-o", t / "out"], {}, ["'top_n': expected int"]),
        "compare-year-1800": lambda t: (["report", "--source", "france", "-p", "compare_year=1800", "-o", t / "out"], {}, ["'compare_year': expected a number from 2019 to 2100"]),
        "timeout-huge": lambda t: (["report", "--notebooks", "overview", "--timeout", str(10**15), "-o", t / "out"], {}, ["'timeout': expected 1 to 604,800 seconds"]),
        "timeout-zero": lambda t: (["report", "--notebooks", "overview", "--timeout", "0", "-o", t / "out"], {}, ["'timeout': expected 1 to 604,800 seconds"]),
        "glob-inputs-then-bad-parameter": lambda t: (["report", "--input", write_hhs(t / "a.csv"), write_hhs(t / "b.csv"), "-p", "top_n=-5", "-o", t / "out"], {}, ["'top_n'"]),
        # run ids
        "run-id-LATEST": lambda t: (["report", "--notebooks", "overview", "--run-id", "LATEST", "-o", t / "out"], {}, ["'run_id': 'LATEST' is reserved"]),
        "run-id-latest": lambda t: (["report", "--notebooks", "overview", "--run-id", "latest", "-o", t / "out"], {}, ["'run_id': 'latest' is reserved"]),
        "run-id-Latest-failed": lambda t: (["report", "--notebooks", "overview", "--run-id", "Latest-failed", "-o", t / "out"], {}, ["is reserved"]),
        # scheduler addresses
        "scheduler-port-99999": lambda t: (["report", "--matrix", BAD / "params_alias_bomb.yaml", "--scheduler", "tcp://localhost:99999", "-o", t / "out"], {}, ["'--scheduler': port 99999 out of range"]),
        "scheduler-broken-ipv6": lambda t: (["report", "--matrix", BAD / "params_alias_bomb.yaml", "--scheduler", "tcp://[::1", "-o", t / "out"], {}, ["'--scheduler'", "Invalid IPv6 URL"]),
        "scheduler-http": lambda t: (["report", "--matrix", BAD / "params_alias_bomb.yaml", "--scheduler", "http://host:8786", "-o", t / "out"], {}, ["unsupported protocol 'http'"]),
        "scheduler-no-port": lambda t: (["report", "--matrix", BAD / "params_alias_bomb.yaml", "--scheduler", "tcp://host", "-o", t / "out"], {}, ["expected tcp://host:port"]),
    }  # fmt: skip


CASES = case_builders()


#: Cases run in a subprocess, start-up included (file names that are not UTF-8 reach the
#: command through the interpreter's decoding of argv); the others in a fork (see above).
SUBPROCESS_CASES = {
    "non-utf8-input-name",
    "non-utf8-output-name",
    "fifo-input-auto",
    "input-over-limit-hhs",
    "top-n-negative",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_case_is_one_line_exit_2_and_writes_nothing(name, tmp_path):
    args, env, needles = CASES[name](tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    if name in SUBPROCESS_CASES:
        proc = run(*args, env=env, timeout=120)
    else:
        proc = clirun.run(*args, env=env, timeout=120, memory=MEMORY)
    one_line(proc, *needles)
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written beside


def test_the_new_corpus_has_at_least_forty_cases():
    import test_bad_inputs

    round_two = test_bad_inputs.CASES[test_bad_inputs.CASES.index(
        test_bad_inputs.case_of("hhs_year_9999.csv")):]  # fmt: skip
    assert len(CASES) + len(round_two) >= 40


# --- several inputs after one flag ---------------------------------------------------------


def test_report_input_takes_a_glob_and_the_repeated_flag(tmp_path):
    a, b = write_hhs(tmp_path / "a.csv"), write_hhs(tmp_path / "b.csv")
    glob_form = spread_multi_paths(["report", "--input", str(a), str(b), "-p", "top_n=3"])
    repeated = ["report", "--input", str(a), "--input", str(b), "-p", "top_n=3"]
    assert glob_form == repeated
    assert spread_multi_paths(["report", "-i", str(a), str(b)]) == [
        "report",
        "-i",
        str(a),
        "-i",
        str(b),
    ]
    plan = report.prepare_run(inputs=[a, b], notebooks=["overview"], outdir=tmp_path / "r")
    assert plan.inputs == [str(a), str(b)]


# --- run folders -----------------------------------------------------------------------------


@pytest.mark.parametrize("run_id", ["latest", "LATEST", "Latest", "lAtEsT-failed", "x.part"])
def test_run_ids_clashing_with_latest_are_refused(tmp_path, run_id):
    with pytest.raises(ParameterError, match="is reserved"):
        report.prepare_run(notebooks=["overview"], outdir=tmp_path / "r", run_id=run_id)
    assert not (tmp_path / "r").exists()


def test_stale_cleanup_removes_only_folders_the_tool_marked(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    ours = tmp_path / ".20260101T000000Z-hhs-en.part"
    ours.mkdir()
    (ours / ".owner.json").write_text(
        json.dumps({"tool": "incidentstats", "host": os.uname().nodename, "pid": dead_pid})
    )
    users = tmp_path / ".my-notes.part"  # a user's own folder, named like ours, no marker
    users.mkdir()
    (users / "notes.txt").write_text("keep me")
    foreign = tmp_path / ".other.part"  # a marker file that is not ours
    foreign.mkdir()
    (foreign / ".owner.json").write_text(json.dumps({"pid": dead_pid}))
    old = time.time() - 100 * 3600
    for folder in (users, foreign):
        os.utime(folder, (old, old))  # even very old
    removed = report.clean_stale_parts(tmp_path, max_age_hours=1)
    assert removed == [ours]
    assert (users / "notes.txt").read_text() == "keep me"
    assert foreign.exists()  # fmt: skip


# --- crash consistency of clean -----------------------------------------------------------

KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from incidentstats import _files
    from incidentstats.ingest import ingest

    ingest_module = sys.modules["incidentstats.ingest"]  # the package's `ingest` is the function

    point, out, src = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    result = ingest("auto", [src])
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    calls = {"dump": 0}
    real_dump, real_rename, real_link = _files.dump_csv, os.rename, _files._replace_link
    real_remove = _files._remove_old_sets

    def dump(df, path, **kw):
        calls["dump"] += 1
        real_dump(df, path, **kw)
        if point == "after-first-csv" and calls["dump"] == 1:
            die()

    def rename(a, b):
        if point == "before-set-rename":
            die()
        real_rename(a, b)
        if point == "after-set-rename":
            die()

    def link(path, target):
        if point == "before-switch" and path.name == ".current":
            die()
        real_link(path, target)
        if point == "after-switch" and path.name == ".current":
            die()

    def remove(sets, keep):
        if point == "before-cleanup":
            die()
        real_remove(sets, keep=keep)

    ingest_module.dump_csv = dump
    _files.os.rename = rename
    _files._replace_link = link
    _files._remove_old_sets = remove
    result.write(out)
    """
)
POINTS = ["after-first-csv", "before-set-rename", "after-set-rename", "before-switch", "after-switch", "before-cleanup"]  # fmt: skip


def _snapshot(out: Path) -> dict:
    return {name: (out / name).read_bytes() for name in ("incidents.csv", "incidents.parquet", "quarantine.csv", "provenance.json")}  # fmt: skip


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_while_clean_publishes_leaves_old_or_new_never_a_mix(tmp_path, point):
    out = tmp_path / "out"
    old_src, new_src = BAD / "hhs_bad_counts.csv", BAD / "prc_bad_rows.csv"
    # the runs around the killed one: in forks of the command's import (tests/clirun.py)
    assert clirun.run("clean", old_src, "-o", out, memory=MEMORY).returncode == 0
    old = _snapshot(out)
    assert clirun.run("clean", new_src, "-o", tmp_path / "reference", memory=MEMORY).returncode == 0
    new = _snapshot(tmp_path / "reference")
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, point, str(out), str(new_src)],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limits(None))  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    now = _snapshot(out)
    expected = new if point in ("after-switch", "before-cleanup") else old
    assert now == expected  # every name shows the same, complete set
    # The next run cleans up what the killed one left and publishes normally.
    assert clirun.run("clean", new_src, "-o", out, memory=MEMORY).returncode == 0
    assert _snapshot(out) == new
    assert [p.name.endswith(".part") for p in (out / ".sets").iterdir()] == [False]


def test_publish_set_failure_keeps_the_old_set(tmp_path):
    _files.publish_set(
        tmp_path,
        {"a.txt": lambda p: p.write_text("old a"), "b.txt": lambda p: p.write_text("old b")},
    )

    def fail(path):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        _files.publish_set(tmp_path, {"a.txt": lambda p: p.write_text("new a"), "b.txt": fail})
    assert (tmp_path / "a.txt").read_text() == "old a" and (
        tmp_path / "b.txt"
    ).read_text() == "old b"
    assert len(list((tmp_path / ".sets").iterdir())) == 1  # fmt: skip


# --- full disk and file-size limits --------------------------------------------------------


def test_clean_over_a_file_size_limit_is_one_line_and_keeps_the_old_set(tmp_path):
    out = tmp_path / "out"
    assert run("clean", BAD / "hhs_bad_counts.csv", "-o", out).returncode == 0
    old = _snapshot(out)
    big = write_hhs(tmp_path / "big.csv", rows=3000, desc="a fairly long description " * 3)
    proc = run("clean", big, "-o", out, fsize=200_000)
    one_line(proc, "File too large")
    assert _snapshot(out) == old


def test_report_on_a_full_disk_is_one_line(tmp_path, monkeypatch):
    from incidentstats import cli

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "reports" / "x"))

    monkeypatch.setattr(report, "execute_run", full)
    code = cli.main(["report", "--notebooks", "overview", "-o", str(tmp_path / "reports")])
    assert code == 2


@pytest.mark.slow
def test_report_over_a_file_size_limit_fails_cleanly_without_a_traceback(tmp_path):
    # Charts and notebooks are larger than 100 kB: writing them fails with EFBIG, as on a
    # full disk. The run is recorded as failed, with the reason, and nothing half-written.
    out = tmp_path / "reports"
    proc = run("report", "--notebooks", "overview", "--format", "html", "-o", out,
               fsize=100_000, timeout=600)  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "File too large" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("incidentstats: error: report failed; see ")
    (failed,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert failed.name.endswith("-failed")
    assert not (out / "latest").exists()
    assert not list(out.glob(".*.part"))


@contextlib.contextmanager
def tmpfs(mount: Path, options: str, what: str):
    """A tmpfs mounted at ``mount`` for the block (the test is skipped where mounting is not
    allowed), unmounted afterwards."""
    mount.mkdir()
    ok = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True
    )
    if ok.returncode != 0:
        pytest.skip(f"cannot mount {what} here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)  # fmt: skip


def test_report_output_on_a_read_only_file_system_is_one_line(tmp_path):
    with tmpfs(tmp_path / "ro", "ro,size=1m", "a read-only file system") as mount:
        proc = run("report", "--notebooks", "overview", "-o", mount / "reports")
        one_line(proc, "'--output'", "read-only file system")
        proc = run("clean", BAD / "hhs_bad_counts.csv", "-o", mount / "out")
        one_line(proc, "'--output'", "read-only file system")


def test_clean_on_a_full_file_system_is_one_line(tmp_path):
    with tmpfs(tmp_path / "small", "size=256k", "a small file system") as mount:
        big = write_hhs(tmp_path / "big.csv", rows=5000, desc="a fairly long description " * 3)
        proc = run("clean", big, "-o", mount / "out")
        one_line(proc, "No space left on device")
        assert not list(mount.rglob("*.part"))


# --- signals: workers die with their parent -------------------------------------------------


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_report_leaves_no_worker_or_kernel(tmp_path):
    src = write_hhs(tmp_path / "in.csv", rows=50)
    proc = subprocess.Popen(
        [sys.executable, "-m", "incidentstats.cli", "report", "--input", str(src), "--jobs", "2",
         "--notebooks", "overview,categories", "--format", "html", "-o", str(tmp_path / "reports")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_limits(None),
    )  # fmt: skip
    try:
        deadline, seen = time.monotonic() + 60, set[int]()
        while time.monotonic() < deadline and len(seen) < 4:  # two workers and their kernels
            seen |= _descendants(proc.pid)
            time.sleep(0.2)
        assert len(seen) >= 2, "the workers never started"
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and any(process_alive(p) for p in seen):
            time.sleep(0.5)
        assert [p for p in seen if process_alive(p)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in seen if "seen" in locals() else ():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# --- text reaching matplotlib is shown literally --------------------------------------------

HOSTILE_TEXT = ["$\\FOO$", "a_b^c", "back\\slash", "$x^2$ cost", "50$ and 20$"]


def test_chart_text_from_the_data_is_literal(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from incidentstats import plots

    with plots.theme():
        fig, ax = plt.subplots()
        ax.bar(HOSTILE_TEXT, range(1, len(HOSTILE_TEXT) + 1))
        ax.set_title(HOSTILE_TEXT[0])
        ax.set_xlabel(HOSTILE_TEXT[1])
        fig.text(0, 0, "Source: " + HOSTILE_TEXT[2])
        fig.savefig(tmp_path / "chart.svg")
        fig.savefig(tmp_path / "chart.png")
        plt.close(fig)
    svg = (tmp_path / "chart.svg").read_text(encoding="utf-8")
    for text in HOSTILE_TEXT:
        assert text.replace("&", "&amp;") in svg


def test_kernels_turn_mathtext_off_for_every_chart():
    assert any("'text.parse_math', False" in arg for arg in report._KERNEL_ARGS)
    assert 'rcParams["text.parse_math"] = False' in report._RESET_CODE


@pytest.mark.slow
def test_report_with_math_in_names_states_and_file_name_succeeds(tmp_path):
    src = tmp_path / "$\\FOO$_x^2.csv"
    rows = "".join(
        hhs_row(name=f"{HOSTILE_TEXT[i % 5]} clinic {i}", state=HOSTILE_TEXT[(i + 1) % 5],
                date=f"{1 + i % 12:02d}/15/{2012 + i % 8}", desc=HOSTILE_TEXT[i % 5])
        for i in range(40)
    )  # fmt: skip
    src.write_text(HHS_HEADER + rows, encoding="utf-8")
    proc = run("report", "--input", src, "--notebooks", "overview", "--format", "html",
               "-p", "list_incidents=True", "-o", tmp_path / "reports", timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "reports" / "latest" / "overview.html").read_text(encoding="utf-8")
    assert "$\\FOO$_x^2.csv" in html


# --- doctests of the functions this round added ----------------------------------------------


@pytest.mark.parametrize(
    "module", ["cli", "batch", "readers.base", "report.params", "report.runs", "report.render"]
)
def test_doctests(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"incidentstats.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
