"""French reports read as French (no English label, no ISO date in prose) and print as drawn.

Renders the French default, france and teaching reports once (HTML only) and reads their
visible text, the way a reader of the PDF would.
"""

from __future__ import annotations

import html
import re

import pytest

from incidentstats import i18n
from incidentstats import report as rep

# Dates as a machine writes them: 2015-02-26, 2018-10 (years alone are fine in prose).
ISO_DATE = re.compile(
    r"(?<![\w/.-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?(?![\w-])"
)
# Column names of statistics tables, as code spells them: never a header in a report.
RAW_NAMES = re.compile(r"\b[a-z]+_[a-z_]+\b")
# English words that have no place in a French table or sentence.
ENGLISH = ("complete", "unknown", "negative binomial", "mann-kendall", "breach", "month",
           "as of", "list as of", "embedded", "exposure", "selected")  # fmt: skip


def visible_lines(document: str) -> list[str]:
    """Text a reader sees, one line per element; URLs, code and run ids left out."""
    body = re.sub(r"<(style|script|code|pre)\b[^>]*>.*?</\1>", " ", document, flags=re.S)
    body = re.sub(r"<img\b[^>]*>", " ", body)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", body))
    lines = []
    for line in text.split("\n"):
        line = re.sub(r"https?://\S+", " ", line).strip()
        if line:
            lines.append(line)
    return lines


def english_labels() -> list[str]:
    """English catalogue texts of two words or more that differ from their French text."""
    fields = re.compile(r"\{\w*\}")
    out = set()
    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    for key, text in en.items():
        if text == fr[key]:
            continue
        for part in fields.split(text):
            part = part.strip(" .,:;()·–-")
            if len(part.split()) >= 2 and not re.search(r"\d", part):
                out.add(part)
    return sorted(out, key=len, reverse=True)


def problems(document: str, *, run_id: str) -> list[str]:
    labels = english_labels()
    found = []
    for line in visible_lines(document):
        if run_id in line:
            continue
        for m in ISO_DATE.finditer(line):
            found.append(f"ISO date {m.group(0)!r} in {line[:90]!r}")
        for m in RAW_NAMES.finditer(line):
            found.append(f"raw name {m.group(0)!r} in {line[:90]!r}")
        low = line.lower()
        for word in ENGLISH:
            if re.search(rf"\b{re.escape(word)}\b", low):
                found.append(f"English {word!r} in {line[:90]!r}")
        for label in labels:
            if re.search(rf"\b{re.escape(label)}\b", line):
                found.append(f"English label {label!r} in {line[:90]!r}")
    return found


def test_scanner_catches_what_it_is_for():
    sample = (
        "<p>Données au 2015-02-26</p><table><tr><th>rate_ratio</th><th>complete</th></tr></table>"
        "<p>Share of incidents</p><p>Voir https://ex.fr/2019-10-01/page</p><p>Données au 26 février 2015</p>"
    )
    found = problems(sample, run_id="fr-x")
    assert len(found) == 4, found
    assert problems("<p>du 1er octobre 2017 au 31 décembre 2024</p>", run_id="x") == []


@pytest.fixture(scope="module")
def french_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("fr-reports")
    runs = {
        "fr-default": {"source": "hhs", "notebooks": None},
        "fr-france": {"source": "france", "notebooks": None},
        "fr-teaching": {"source": "hhs", "notebooks": ["teaching"]},
    }
    for run_id, opts in runs.items():
        result = rep.run_report(**opts, inputs=[], params={}, lang="fr", formats=("html",),
                                outdir=out, run_id=run_id, jobs=1)  # fmt: skip
        assert result.ok, run_id
    return out


@pytest.mark.slow
@pytest.mark.parametrize("run_id", ["fr-default", "fr-france", "fr-teaching"])
def test_french_reports_hold_no_english_label_and_no_iso_date(french_runs, run_id):
    document = (french_runs / run_id / "report.html").read_text(encoding="utf-8")
    found = problems(document, run_id=run_id)
    assert found == [], "\n".join(found[:40])


@pytest.mark.slow
@pytest.mark.parametrize("run_id", ["fr-default", "fr-teaching"])
def test_printed_charts_keep_hatches_and_heatmap_cells(french_runs, run_id):
    # WeasyPrint drops the lines of SVG hatch patterns and stretches rasters embedded in
    # an SVG; such charts must reach the document as PNG, the others stay SVG.
    import base64

    document = (french_runs / run_id / "report.html").read_text(encoding="utf-8")
    svgs = [base64.b64decode(b).decode("utf-8") for b in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", document)]  # fmt: skip
    pngs = re.findall(r"data:image/png;base64,", document)
    assert pngs, "the hatched incidents-per-year chart should print from its PNG"
    assert not [s for s in svgs if "<pattern" in s or "<image" in s]
    if run_id == "fr-default":
        assert svgs  # charts without hatches keep their searchable vector text
