"""Batch reports: a matrix of parameters, run in parallel processes or on a Dask cluster;
one failing run never stops the others and its reason is reported in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from incidentstats import batch
from incidentstats.errors import ParameterError

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}

# CA exists in the embedded list; ZZ is no US state, so the filter leaves no incident and
# the overview notebook raises while it computes the monthly rate.
MATRIX = "regions: [CA, ZZ]\nstart: [2010, 2011]\n"
COMBOS = [
    {"regions": "CA", "start": 2010}, {"regions": "CA", "start": 2011},
    {"regions": "ZZ", "start": 2010}, {"regions": "ZZ", "start": 2011},
]  # fmt: skip
SMALL_MATRIX = "regions: [CA, ZZ]\n"  # for the cluster: one report written, one failing


def cli(*args, cwd=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "incidentstats.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=timeout, env=ENV,
    )  # fmt: skip


def check_batch(proc, out, *, jobs, combos=COMBOS):
    """The CA runs written, the ZZ runs failed with a one-line reason; exit status 1; summary."""
    n, n_ok = len(combos), sum(c["regions"] == "CA" for c in combos)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith(f"{n_ok} of {n} reports written in ")
    failed_lines = [line for line in proc.stderr.splitlines() if line.startswith("FAILED ")]
    assert len(failed_lines) == n - n_ok, proc.stderr
    for line in failed_lines:
        assert "regions-ZZ" in line and "overview: ParameterError:" in line, line
    (summary_file,) = out.glob("batch-*.json")
    summary = json.loads(summary_file.read_text())
    assert summary["ok"] is False and summary["failed"] == n - n_ok and summary["jobs"] == jobs
    runs = summary["runs"]
    assert [r["parameters"] for r in runs] == combos
    assert [r["status"] for r in runs] == ["ok"] * n_ok + ["failed"] * (n - n_ok)
    for run in runs[:n_ok]:
        assert run["reason"] is None
        manifest = json.loads((out / run["run_id"] / "manifest.json").read_text())
        assert manifest["status"] == "ok"
        expected = {k: [v] if k == "regions" else str(v) for k, v in run["parameters"].items()}
        assert manifest["parameters"] == expected
        assert manifest["data_provenance"]["filters"]["regions"] == ["CA"]
        assert (out / run["run_id"] / "overview.html").is_file()
    for run in runs[n_ok:]:
        reason = run["reason"]
        assert "\n" not in reason and reason.startswith("overview: ParameterError: ")
        assert f"FAILED {run['run_id']}: {reason}" in failed_lines
        failed_dir = out / f"{run['run_id']}-failed"
        manifest = json.loads((failed_dir / "manifest.json").read_text())
        assert manifest["status"] == "failed" and manifest["notebooks"][0]["error"] in reason
        assert (failed_dir / "notebooks" / "overview.ipynb").is_file()  # to see where it failed
    # run ids sort in matrix order and by time
    assert sorted(r["run_id"] for r in runs) == [r["run_id"] for r in runs]
    assert not list(out.glob(".*.part"))


@pytest.mark.slow
def test_matrix_runs_in_parallel_and_reports_each_failure(tmp_path):
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text(MATRIX, encoding="utf-8")
    out = tmp_path / "reports"
    proc = cli(
        "report", "--notebooks", "overview", "--format", "html", "--matrix", matrix, "--jobs", "2", "-o", out
    )  # fmt: skip
    check_batch(proc, out, jobs=2)
    ok_runs = [
        r["run_id"] for r in json.loads(next(out.glob("batch-*.json")).read_text())["runs"][:2]
    ]
    assert (out / "latest").resolve().name in ok_runs


@pytest.mark.slow
def test_matrix_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text(SMALL_MATRIX, encoding="utf-8")
    out = tmp_path / "reports"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:  # fmt: skip
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        proc = cli(
            "report", "--notebooks", "overview", "--format", "html", "--matrix", matrix,
            "--scheduler", cluster.scheduler_address, "-o", out, cwd=tmp_path,
        )  # fmt: skip
        with distributed.Client(cluster) as client:
            workers = client.run(os.getpid)
    check_batch(proc, out, jobs=None, combos=[{"regions": "CA"}, {"regions": "ZZ"}])
    summary = json.loads(next(out.glob("batch-*.json")).read_text())
    assert summary["scheduler"].startswith("tcp://127.0.0.1:")
    assert len(workers) == 2


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    import socket

    with socket.socket() as s:  # a free loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text("regions: [CA]\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=rf"cannot reach scheduler tcp://127.0.0.1:{port}"):
        batch.run_matrix(
            matrix, notebooks=["overview"], outdir=tmp_path / "reports", scheduler=f"tcp://127.0.0.1:{port}",
            progress=False,
        )  # fmt: skip
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("regions: []\n", "'regions' must be a non-empty list"),
        ("- CA\n- TX\n", "expected a mapping of parameter name to a list of values"),
        ("regions: [CA\n", "not a readable YAML file"),
        ("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nc: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n",
         "1100 runs, more than the limit of 1000"),
    ],
)  # fmt: skip
def test_bad_matrix_files(tmp_path, text, message):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        batch.read_matrix(path)
    with pytest.raises(ParameterError, match="file not found"):
        batch.read_matrix(tmp_path / "missing.yaml")


def test_matrix_plans_are_checked_and_named_before_anything_runs(tmp_path):
    combos = batch.read_matrix(
        _write(tmp_path / "m.yaml", "regions: [CA, [TX, NY]]\nlang: [en, fr]\n")
    )
    plans = batch.plan_matrix(
        combos, source="hhs", inputs=[], notebooks=["overview"], params={"top_n": "5"}, lang="en",
        formats=("html",), outdir=tmp_path / "reports",
    )  # fmt: skip
    assert [p.lang for p in plans] == ["en", "fr", "en", "fr"]
    assert [p.params for p in plans] == [
        {"top_n": 5, "regions": ["CA"]}, {"top_n": 5, "regions": ["CA"]},
        {"top_n": 5, "regions": ["TX", "NY"]}, {"top_n": 5, "regions": ["TX", "NY"]},
    ]  # fmt: skip
    assert plans[2].run_id.endswith("-003-regions-TX.NY_lang-en")
    assert len({p.run_id for p in plans}) == 4 and all(p.auto_id for p in plans)
    assert not (tmp_path / "reports").exists()


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path
