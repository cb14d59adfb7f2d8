"""The report runner: PDF rendering, French runs, hostile data, parameter checks before any
kernel starts, interrupted runs, and the helpers behind them.

The default report on the embedded HHS list, run once and read by many checks, is in
``test_report_default.py``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from incidentstats import report as rep
from incidentstats.errors import ParameterError

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def cli(*args, cwd=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "incidentstats.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=timeout, env=ENV,
    )  # fmt: skip


def pdf_text(path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(path)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def fake_stale_part(
    outdir: Path, name: str, *, pid: int | None = None, age_hours: float = 0, marked: bool = True
) -> Path:
    """A ``.part`` folder as a killed run leaves it; ``marked=False``: a user's own folder."""
    part = outdir / f".{name}.part"
    (part / "notebooks").mkdir(parents=True)
    (part / "notebooks" / "half.ipynb").write_text("{", encoding="utf-8")
    if marked:
        import socket

        owner = {"tool": "incidentstats", "host": socket.gethostname(), "started": time.time()}
        if pid is not None:
            owner["pid"] = pid
        (part / ".owner.json").write_text(json.dumps(owner), encoding="utf-8")
    if age_hours:
        old = time.time() - age_hours * 3600
        for p in [part, *part.rglob("*")]:
            os.utime(p, (old, old))
    return part


@pytest.mark.slow
def test_pdf_rendering_fetches_only_data_urls(tmp_path):
    """WeasyPrint may read data: URLs only: a link to a listening local server is never fetched."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    port = server.getsockname()[1]
    svg = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIxMCIgaGVpZ2h0PSIxMCIvPg=="
    doc = rep.document_html(
        f'<p>x</p><img src="http://127.0.0.1:{port}/evil.png"><link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
        f'<style>@import url("http://127.0.0.1:{port}/i.css");</style><img src="file:///etc/hostname">'
        f'<img src="data:image/svg+xml;base64,{svg}">',
        title="t", lang="en",
    )  # fmt: skip
    rep.html_to_pdf(doc, tmp_path / "t.pdf")
    assert (tmp_path / "t.pdf").read_bytes().startswith(b"%PDF-")
    with pytest.raises(BlockingIOError):
        server.accept()
    server.close()


# --- French ---------------------------------------------------------------------------


@pytest.mark.slow
def test_french_run_is_french_throughout(tmp_path):
    proc = cli("report", "--lang", "fr", "--notebooks", "overview", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    run = (tmp_path / "latest").resolve()
    assert run.name.endswith("-hhs-fr")
    pages = pdf_text(run / "report.pdf")
    title = flat(pages[0])
    assert title.startswith("Incidents de cybersécurité dans la santé")
    for label in ("Données au 26 février 2015", "Période couverte", "Fichiers d’entrée", "Paramètres",
                  "Produit le", "Sommaire", "données intégrées par défaut"):  # fmt: skip
        assert label in title, label
    body = flat(" ".join(pages[1:]))
    for heading in ("Vue d’ensemble : incidents de cybersécurité dans la santé", "Chiffres clés",
                    "Incidents par catégorie", "Incidents par année", "Incidents les plus importants"):  # fmt: skip
        assert heading in body, heading
    for english in (
        "Headline figures",
        "Incidents by category",
        "Largest incidents",
        "Data as of",
        "Contents",
    ):
        assert english not in body, english
    # table headers and numbers in French typography; the footer too
    assert "sur n" in body and "IC à 95 %" in body
    assert "1 151" in body or "1\u202f151" in body
    assert re.search(r"Données au 26 février 2015 · 2\s*/\s*\d+", flat(pages[1]))
    html_text = re.sub(
        r"<style>.*?</style>", "", (run / "overview.html").read_text(encoding="utf-8"), flags=re.S
    )
    assert '<html lang="fr">' in html_text and "Chiffres clés" in html_text
    assert "Headline figures" not in html_text


# --- hostile strings in the data -----------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script> Clinic",
    '<img src=x onerror="alert(2)"> Hospital',
    "**bold** Health [link](http://evil.example/x)",
    "$\\input{/etc/passwd}$ Medical",
    '=HYPERLINK("http://x.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3+cmd|' /C calc'!A0",
]


def hostile_csv(path: Path) -> Path:
    """An HHS-format export: 40 breaches over 2015-2021, hostile names holding the largest."""
    header = ["Name of Covered Entity", "State", "Covered Entity Type", "Individuals Affected",
              "Breach Submission Date", "Type of Breach", "Location of Breached Information",
              "Business Associate Present", "Web Description"]  # fmt: skip
    rows = []
    for i in range(40):
        year = 2015 + i % 7
        hostile = i < len(HOSTILE)
        rows.append([
            HOSTILE[i] if hostile else f"Ordinary Clinic {i}",
            ["CA", "TX", "NY"][i % 3],
            "Healthcare Provider",
            str(1_000_000 - i if hostile else 600 + i),
            f"{1 + i % 12:02d}/{10 + i % 15:02d}/{year}",
            ["Hacking/IT Incident", "Theft", "Loss"][i % 3],
            "Network Server",
            "No",
            HOSTILE[(i + 3) % len(HOSTILE)] if hostile else "A laptop was stolen.",
        ])  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.slow
def test_hostile_strings_stay_inert_in_html_pdf_and_csv(tmp_path):
    src = hostile_csv(tmp_path / "breach_report.csv")
    out = tmp_path / "reports"
    # a relative --input and -o, as a user in that folder would type them
    proc = cli(
        "report", "--input", src.name, "--notebooks", "overview", "-p", "list_incidents=True",
        "-o", "reports", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    run = (out / "latest").resolve()
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["inputs"][0]["path"] == str(src)
    assert manifest["inputs"][0]["sha256"] == rep.sha256_file(src)
    assert manifest["parameters"] == {"list_incidents": True}
    text = (run / "overview.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Clinic" in text
    # (quotes in text need no escaping: only < and & could start markup there)
    assert re.search(r"&lt;img src=x onerror=(&quot;|\")alert\(2\)(&quot;|\")&gt; Hospital", text)
    assert not re.search(r"<img\b(?![^>]*src=\"data:image/(svg\+xml|png);base64,)", text), (
        "an <img> that is not a chart"
    )
    assert not re.search(r"<[a-z][^>]*\bonerror\s*=", text, re.I)
    # Markdown and LaTeX in data are shown as typed, not interpreted
    assert "**bold** Health [link](http://evil.example/x)" in text
    assert "<strong>bold</strong>" not in text and 'href="http://evil' not in text
    assert "$\\input{/etc/passwd}$ Medical" in text
    assert "root:x:0:0" not in text
    # the PDF shows the names as text
    pdf = "".join(" ".join(pdf_text(run / "report.pdf")).split())
    assert "<script>alert(1)</script>Clinic" in pdf
    # the tables' CSV neutralise spreadsheet formulas with a leading quote
    largest = pd.read_csv(run / "tables" / "overview-largest.csv", dtype=str, keep_default_na=False)
    names = set(largest["organisation"])
    assert '\'=HYPERLINK("http://x.example","click")' in names
    assert "'+cmd|' /C calc'!A0" in names
    assert "'@SUM(1)" in names
    assert "'-2+3+cmd|' /C calc'!A0" in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)


@pytest.mark.slow
def test_own_register_with_relative_input_and_mapping(tmp_path):
    """--source csv with a mapping file, both given relative to where the command runs."""
    import shutil

    from conftest import REPO

    for suffix in (".csv", ".yaml"):
        shutil.copy(REPO / "data" / "raw" / "examples" / f"register_fr_example{suffix}", tmp_path)
    proc = cli(
        "report", "--source", "csv", "--input", "register_fr_example.csv", "-p", "mapping=register_fr_example.yaml",
        "--notebooks", "overview", "--format", "html", "--lang", "fr", "-o", "reports", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "reports" / "latest" / "manifest.json").read_text())
    assert manifest["parameters"] == {"mapping": str(tmp_path / "register_fr_example.yaml")}
    assert manifest["inputs"][0]["path"] == str(tmp_path / "register_fr_example.csv")
    prov = manifest["data_provenance"]
    assert prov["inputs"][0]["format"] == "csv" and prov["rows_clean"] > 0
    assert (
        prov["rows_in"]
        == prov["rows_clean"] + prov["rows_quarantined"] + prov["duplicates_removed"]
    )
    assert "Chiffres clés" in (tmp_path / "reports" / "latest" / "overview.html").read_text(
        encoding="utf-8"
    )


# --- parameters are checked before any kernel starts ----------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        (["-p", "bogus=1"], "parameter 'bogus': not a parameter of notebook(s) overview"),
        (["-p", "top_n=ten"], "parameter 'top_n': expected int, got 'ten'"),
        (["-p", "list_incidents=perhaps"], "parameter 'list_incidents': expected bool"),
        (
            ["-p", "start=2014", "-p", "end=2013-06"],
            "parameter 'end': end 2013-06 is before start 2014",
        ),
        (["-p", "start=last year"], "parameter 'start': expected an ISO date"),
        (["--lang", "de"], "parameter 'lang': expected one of en, fr, got 'de'"),
        (["-p", "lang=es"], "parameter 'lang': expected one of en, fr, got 'es'"),
        (
            ["-p", "suppression=none"],
            "parameter 'suppression': expected one of '', fr, us-cms, got 'none'",
        ),
        (["--run-id", "../escape"], "parameter 'run_id': '../escape' must be"),
        (["--run-id", "a/b"], "parameter 'run_id': 'a/b' must be"),
        (["--run-id", ".."], "parameter 'run_id': '..' must be"),
        (["-p", "output_dir=/tmp"], "parameter 'output_dir': is set by the report runner (use -o)"),
        (["--input", "no/such.csv"], "no/such.csv: file not found"),
        (["-p", "mapping=nope.yaml"], "nope.yaml: file not found (parameter 'mapping')"),
        (["--source", "nosuch"], "parameter 'source': unknown source 'nosuch'"),
        (["--scheduler", "tcp://127.0.0.1:9"], "parameter '--scheduler': is used with --matrix"),
        (["--jobs", "0"], "parameter '--jobs': expected a positive integer, got 0"),
    ],
)
def test_bad_parameters_are_one_line_exit_2_and_write_nothing(
    tmp_path, monkeypatch, capsys, args, expected
):
    out = tmp_path / "reports"
    argv = ["report", "--notebooks", "overview", *args, "-o", str(out)]
    if args in SUBPROCESS_CASES:  # a few through a real process and its exit status
        proc = cli(*argv, cwd=tmp_path, timeout=120)
        status, stderr = proc.returncode, proc.stderr
    else:  # the rest through the same entry point in this process (faster)
        from incidentstats.cli import main

        monkeypatch.chdir(tmp_path)
        status = main(argv)
        stderr = capsys.readouterr().err
    assert status == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("incidentstats: error: ") and expected in lines[0], lines[0]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


SUBPROCESS_CASES = [
    ["-p", "bogus=1"],
    ["-p", "top_n=ten"],
    ["--lang", "de"],
    ["--run-id", "../escape"],
]


def test_bad_matrix_combination_is_refused_before_any_run(tmp_path):
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text("regions: [CA, TX]\ntop_n: [5, many]\n", encoding="utf-8")
    out = tmp_path / "reports"
    proc = cli("report", "--notebooks", "overview", "--matrix", matrix, "-o", out, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "incidentstats: error: parameter '--matrix': run 2 (regions=CA, top_n=many): "
        "parameter 'top_n': expected int, got 'many'"
    ]
    assert not out.exists()


def test_params_file_values_are_typed_and_checked(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("start: 2012\nregions: [CA, TX]\nlang: fr\ntop_n: 5\n", encoding="utf-8")
    from incidentstats.cli import _params_from

    plan = rep.prepare_run(
        notebooks=["overview"], params=_params_from(("end=2014",), params), outdir=tmp_path / "r"
    )
    assert plan.lang == "fr" and plan.run_id.endswith("-hhs-fr")
    assert plan.params == {"start": "2012", "regions": ["CA", "TX"], "top_n": 5, "end": "2014"}
    ((_, _, nb_params),) = plan.notebooks
    assert (
        nb_params["lang"] == "fr"
        and nb_params["source"] == "hhs"
        and nb_params["output_dir"] == "."
    )
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "start, end, ok",
    [("2012", "2012", True), ("2012-06", "2012", True), ("2012-06-30", "2012-06", True),
     ("2012-07", "2012-06-30", False), ("2013", "2012-12-31", False), ("2012-02-30", "", False)],
)  # fmt: skip
def test_start_and_end_compare_whole_periods(start, end, ok):
    declared = rep.declared_parameters(rep.available_notebooks()["overview"])
    call = lambda: rep.check_parameters({"start": start, "end": end}, declared, notebook="overview")  # noqa: E731
    if ok:
        assert call() == {"start": start, "end": end}
    else:
        with pytest.raises(ParameterError):
            call()


# --- interrupted runs leave nothing half-written ---------------------------------------


def _processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is inside ``folder`` (the kernels of a run)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder)):
            found.append(int(entry.name))
    return found


def _ctrl_c_as_in_a_terminal() -> None:
    """preexec_fn: SIGINT acts as Ctrl-C, even when the tests run as a background job (which
    starts with SIGINT ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_and_wait_for_kernels(out: Path, *args) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "incidentstats.cli", "report", "-o", str(out), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parts = list(out.glob(".*.part"))
        # mid-run: the kernel is executing the notebook (its first tables are being written)
        if parts and (_processes_in(parts[0]) or list(parts[0].glob("tables/*.csv"))):
            time.sleep(1.0)
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"the run did not start: {proc.communicate()[1]}")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
@pytest.mark.parametrize(
    "sig, jobs",
    [(signal.SIGINT, "1"), (signal.SIGTERM, "1"), (signal.SIGTERM, "2")],
    ids=["INT", "TERM", "TERM-jobs2"],
)
def test_interrupted_run_leaves_nothing(tmp_path, sig, jobs):
    out = tmp_path / "reports"
    proc = _start_and_wait_for_kernels(out, "--notebooks", "overview,categories", "--jobs", jobs)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "incidentstats: interrupted"
    assert "Traceback" not in stderr
    assert sorted(p.name for p in out.iterdir()) == []  # no run folder, no .part, no latest
    deadline = time.monotonic() + 5
    while _processes_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_in(tmp_path) == [], "a kernel outlived the interrupted run"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_killed_run_leaves_a_part_folder_that_the_next_run_removes(tmp_path):
    out = tmp_path / "reports"
    proc = _start_and_wait_for_kernels(out, "--notebooks", "overview", "--jobs", "1")
    proc.kill()
    proc.communicate(timeout=30)
    (part,) = out.glob(".*.part")
    # the orphaned kernel notices its parent is gone and exits
    deadline = time.monotonic() + 10
    while _processes_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(p.name.endswith(("-en", "-failed")) for p in out.iterdir())
    assert rep.clean_stale_parts(out) == [part]
    assert sorted(p.name for p in out.iterdir()) == []


def test_stale_part_rules(tmp_path):
    live = fake_stale_part(tmp_path, "live", pid=os.getpid())
    fake_stale_part(tmp_path, "dead", pid=dead_pid())
    fake_stale_part(tmp_path, "old", age_hours=rep.STALE_PART_HOURS + 1)
    recent_unknown = fake_stale_part(tmp_path, "recent")
    # A user's own folder named like a run being written: no marker, never touched.
    users = fake_stale_part(tmp_path, "mine", age_hours=rep.STALE_PART_HOURS + 100, marked=False)
    other_host = fake_stale_part(tmp_path, "elsewhere", pid=dead_pid())
    owner = json.loads((other_host / ".owner.json").read_text())
    (other_host / ".owner.json").write_text(json.dumps({**owner, "host": "another-machine"}))
    (tmp_path / "20260101T000000Z-hhs-en").mkdir()  # a finished run is never touched
    removed = rep.clean_stale_parts(tmp_path)
    assert sorted(p.name for p in removed) == [".dead.part", ".old.part"]
    assert live.exists() and recent_unknown.exists() and other_host.exists() and users.exists()
    assert (tmp_path / "20260101T000000Z-hhs-en").exists()


# --- helpers --------------------------------------------------------------------------


def test_automatic_run_ids_never_collide(tmp_path):
    plan = rep.prepare_run(notebooks=["overview"], outdir=tmp_path)
    (tmp_path / plan.run_id).mkdir()  # finished in the same second
    (tmp_path / f".{plan.run_id}-2.part").mkdir()  # being written by another process
    run_id, work = rep.reserve(tmp_path, plan)
    assert run_id == f"{plan.run_id}-3" and work == tmp_path / f".{run_id}.part"
    assert json.loads((work / ".owner.json").read_text())["pid"] == os.getpid()
    named = rep.prepare_run(notebooks=["overview"], outdir=tmp_path, run_id="monthly")
    (tmp_path / ".monthly.part").mkdir()
    with pytest.raises(ParameterError, match="being written by another run"):
        rep.reserve(tmp_path, named)
    (tmp_path / "monthly").mkdir()
    with pytest.raises(ParameterError, match="already exists"):
        rep.prepare_run(notebooks=["overview"], outdir=tmp_path, run_id="monthly")


def _square_or_fail(x):
    if x == 3:
        raise ValueError("three is not allowed")
    if x == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def test_run_in_processes_keeps_order_and_survives_failures():
    seen = []
    results = rep.run_in_processes(
        _square_or_fail, [1, 2, 3, 4, 5], jobs=2, on_result=lambda i, r: seen.append(i)
    )
    assert results[:3] == [1, 4, "ValueError: three is not allowed"]
    assert (
        isinstance(results[3], rep.WorkerDied)
        and str(results[3]) == "worker process died (killed by signal 9)"
    )
    assert results[4] == 25
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert rep.run_in_processes(_square_or_fail, [1, 2], jobs=1) == [1, 4]


@pytest.mark.parametrize("jobs", [1, 2])
def test_run_in_processes_runs_the_items_that_results_ask_for(jobs):
    """``more`` adds items as results come in: they run next, their results follow in order."""
    finished = []

    def more(i, result):
        finished.append(i)
        return [5, 6] if result == 4 else []  # 2 -> 4 asks for 5 and 6

    results = rep.run_in_processes(_square_or_fail, [2, 7], jobs=jobs, more=more)
    assert results == [4, 49, 25, 36]
    assert sorted(finished) == [0, 1, 2, 3]
    if jobs == 1:  # in one process the added items run before the one still waiting
        assert finished == [0, 2, 3, 1]


def test_tables_left_align_text_columns_and_keep_short_tables_whole():
    """The print layout's classes come from the table builder, not from rewriting its HTML."""
    from incidentstats.notebook import SHORT_TABLE_ROWS, html_table

    years = range(2000, 2014)
    frame = pd.DataFrame({"period": [str(y) for y in years], "value": ["theft"] * 14,
                          "x": [int(f"1{y}") for y in years], "n": [100] * 14,
                          "share": [0.015] * 14, "lower": [0.01] * 14, "upper": [0.02] * 14})  # fmt: skip
    out = html_table(frame, labels={"period": "period", "value": "value"})
    assert out.startswith('<table class="dataframe">')  # 14 rows: may break across pages
    assert '<th class="text">value</th>' in out and "<th>period</th>" in out
    assert out.count('<td class="text">Theft</td>') == 14 and "<td>12,000</td>" in out
    assert "<td>1.0%–2.0%</td>" in out  # an interval is a number column
    short = html_table(frame.head(SHORT_TABLE_ROWS))
    assert short.startswith('<table class="short dataframe">')
    long_text = frame.head(3).assign(value="x" * 400)  # few rows but a page of text
    assert html_table(long_text).startswith('<table class="dataframe">')
    assert "polish_tables" not in dir(rep)


# --- one warm kernel per lane: nothing leaks from one notebook to the next ------------


def _tiny_notebook(path: Path, order: int, code: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["incidentstats"] = {"sources": ["hhs"], "order": order}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# Notebook {path.stem}"),
        nbformat.v4.new_code_cell('lang = "en"  # en or fr', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(code),
    ]
    nbformat.write(nb, str(path))


def _printed(run_dir: Path, name: str) -> str:
    import nbformat

    nb = nbformat.read(str(run_dir / "notebooks" / f"{name}.ipynb"), as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_notebooks_share_a_warm_kernel_but_nothing_else(tmp_path, monkeypatch):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    state = (
        "import os, matplotlib\n"
        "print('pid', os.getpid(), 'leak' in globals(), matplotlib.rcParams['lines.linewidth'], os.getcwd())\n"
    )
    _tiny_notebook(
        nbs / "a.ipynb", 1, state + "leak = 1\nmatplotlib.rcParams['lines.linewidth'] = 9.0\n"
    )
    _tiny_notebook(nbs / "b.ipynb", 2, state)
    _tiny_notebook(nbs / "c.ipynb", 3, state + "raise ValueError('c fails')\n")
    _tiny_notebook(nbs / "d.ipynb", 4, state)
    monkeypatch.setenv("INCIDENTSTATS_NOTEBOOKS", str(nbs))
    result = rep.run_report(
        notebooks=["a", "b", "c", "d"], outdir=tmp_path / "out", formats=("html",), jobs=1
    )
    assert [r.status for r in result.notebooks] == ["ok", "ok", "failed", "ok"]
    assert result.notebooks[2].error == "ValueError: c fails"
    seen = {name: _printed(result.run_dir, name).split() for name in "abcd"}
    pid = {name: words[1] for name, words in seen.items()}
    # b ran in a's kernel, without a's variables or settings, in the run folder
    assert pid["b"] == pid["a"] == pid["c"]
    assert seen["b"][2:4] == ["False", str(seen["a"][3])]
    assert seen["b"][4].endswith(".part")
    # after a failure the next notebook gets a fresh kernel
    assert pid["d"] != pid["c"]
    assert _processes_in(tmp_path) == []


def _flaky_kernels(monkeypatch, failures: int) -> list:
    """Make the first ``failures`` kernel starts fail as in the port race; return the starts."""
    import errno

    import zmq

    from incidentstats.report import execute

    real = execute.kernel_manager_class()
    starts = []

    class Flaky(real):
        async def start_kernel(self, **kw):
            starts.append(len(starts) + 1)
            if len(starts) <= failures:
                raise zmq.error.ZMQError(errno.EADDRINUSE)
            return await super().start_kernel(**kw)

    monkeypatch.setattr(execute, "kernel_manager_class", lambda: Flaky)
    return starts


@pytest.mark.slow
def test_a_kernel_that_fails_to_start_is_retried_once_and_recorded(tmp_path, monkeypatch):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _tiny_notebook(nbs / "a.ipynb", 1, "print('ran')\n")
    _tiny_notebook(nbs / "b.ipynb", 2, "raise ValueError('b fails')\n")
    monkeypatch.setenv("INCIDENTSTATS_NOTEBOOKS", str(nbs))
    starts = _flaky_kernels(monkeypatch, failures=1)
    result = rep.run_report(notebooks=["a", "b"], outdir=tmp_path / "out", formats=("html",))
    assert [r.status for r in result.notebooks] == ["ok", "failed"]
    entries = {e["name"]: e for e in result.manifest["notebooks"]}
    assert entries["a"]["kernel_start_retries"] == ["ZMQError: Address already in use"]
    # b failed while running, in a kernel that started: not retried
    assert entries["b"]["kernel_start_retries"] == []
    assert entries["b"]["error"] == "ValueError: b fails"
    assert len(starts) == 2  # a's failed start and its retry; b reused a's kernel
    assert json.loads((result.run_dir / "manifest.json").read_text())["notebooks"][0][
        "kernel_start_retries"
    ] == ["ZMQError: Address already in use"]


def test_a_kernel_that_fails_to_start_twice_fails_the_notebook(tmp_path, monkeypatch):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _tiny_notebook(nbs / "a.ipynb", 1, "print('ran')\n")
    monkeypatch.setenv("INCIDENTSTATS_NOTEBOOKS", str(nbs))
    starts = _flaky_kernels(monkeypatch, failures=5)
    result = rep.run_report(notebooks=["a"], outdir=tmp_path / "out", formats=("html",))
    (entry,) = result.manifest["notebooks"]
    assert entry["status"] == "failed" and len(starts) == 2
    assert entry["error_type"] == "KernelStartError"
    assert entry["error"] == "KernelStartError: ZMQError: Address already in use"
    assert entry["kernel_start_retries"] == ["ZMQError: Address already in use"]
    assert result.run_dir.name.endswith("-failed")


# --- data warnings on the title page -----------------------------------------------------


def _under_investigation_meta(shared_path_):
    import warnings

    import incidentstats as ist

    path = shared_path_("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        prov = ist.ingest("hhs", path).provenance
    return {**rep.data_meta(prov), "source": "hhs", "inputs": [], "generated": "now"}


@pytest.mark.parametrize(
    ("lang", "heading", "phrase"),
    [
        ("en", "Data warnings", "is an HHS under-investigation list (as of 2024-06-28)"),
        ("fr", "Avertissements sur les données", "est une liste HHS des dossiers en cours"),
    ],
)
def test_title_page_shows_the_data_warnings_in_the_report_language(shared, lang, heading, phrase):
    page = rep.title_page_html(_under_investigation_meta(shared), lang=lang, contents=[])
    assert heading in page and phrase in page
    other = "Avertissements sur les données" if lang == "en" else "Data warnings"
    assert other not in page


def test_title_page_has_no_warning_block_without_warnings():
    page = rep.title_page_html({"source": "hhs", "warnings": []}, lang="en", contents=[])
    assert "data-warnings" not in page


@pytest.mark.slow
def test_report_title_page_warns_about_an_under_investigation_list(tmp_path, shared):
    path = shared("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")
    proc = cli(
        "report", "--lang", "fr", "--notebooks", "trends", "--input", path, "-o", tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    run = (tmp_path / "latest").resolve()
    title = flat(pdf_text(run / "report.pdf")[0])
    assert "Avertissements sur les données" in title
    assert "pas toutes les violations" in title and "2022-03-21" in title
