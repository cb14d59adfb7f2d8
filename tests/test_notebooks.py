"""Every report notebook runs top to bottom through papermill, on each source it applies to.

Each notebook x input runs once (about 5 s each); the test then reads the executed notebook
and the tables it wrote, and checks them against statistics computed here independently.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import REPO, built_once, shared_path

import incidentstats as ist
from incidentstats import france
from incidentstats.i18n import fmt_number
from incidentstats.paths import notebook_sources
from incidentstats.report import declared_parameters, notebook_meta

NOTEBOOKS = notebook_sources()  # the bilingual sources the report runs
REGISTER = REPO / "data" / "raw" / "examples" / "register_fr_example.csv"
MAPPING = REPO / "data" / "raw" / "examples" / "register_fr_example.yaml"

#: Inputs per source: (case id, source, path parts under ../shared/datasets or a Path, options).
INPUTS = {
    "hhs": [("hhs", "hhs", None, {})],
    "veris": [
        ("veris-json", "veris", ("vcdb", "json"), {}),
        ("veris-csv", "veris", ("vcdb", "vcdb_2019-03_healthcare_flat_shared.csv"), {}),
    ],
    "prc": [("prc", "prc", ("prc", "prc_chronology_export_2017-01_amlin.csv"), {})],
    "csv": [("csv", "csv", REGISTER, {"mapping": str(MAPPING)})],
    "france": [("france", "france", None, {})],
}
#: Incident-table notebooks alternate languages so each runs in English and in French;
#: the embedded HHS list is the run on the notebook's defaults.
FRENCH = {
    ("overview", "veris-json"), ("overview", "prc"), ("overview", "csv"),
    ("categories", "veris-csv"), ("categories", "csv"),
    ("trends", "veris-json"), ("trends", "prc"),
    ("ratios", "veris-csv"), ("ratios", "csv"),
}  # fmt: skip


def _cases():
    cases = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        name = path.stem
        if notebook_meta(path).get("explorer"):  # interactive: tests/test_explore*.py
            continue
        if name == "teaching":
            cases += [("teaching", "defaults", "en"), ("teaching", "answers", "fr")]
            continue
        for source in notebook_meta(path).get("sources", []):
            for case_id, *_ in INPUTS[source]:
                if name == "france":
                    cases += [("france", "defaults", "en"), ("france", "fr-2023", "fr")]
                    continue
                lang = "fr" if (name, case_id) in FRENCH else "en"
                cases.append((name, case_id, lang))
    return cases


CASES = _cases()


def _input(case_id):
    for entries in INPUTS.values():
        for entry in entries:
            if entry[0] == case_id:
                return entry
    raise KeyError(case_id)


def _paths(parts):
    if parts is None:
        return []
    if isinstance(parts, Path):
        return [str(parts)]
    return [str(shared_path(*parts))]


@functools.cache
def _expected_incidents(case_id) -> pd.DataFrame:
    _, source, parts, options = _input(case_id)
    return ist.load(source, _paths(parts) or None, **options)


def _run(tmp_path, name, params):
    import papermill

    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters={**params, "output_dir": "out"},
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
        log_output=False,
    )
    return nbformat.read(str(out), as_version=4), tmp_path / "out"


def _run_shared(tmp_path_factory, name, params):
    """``_run`` once per test session: the run on a notebook's defaults is read by two tests."""
    key = "-".join([name, *(f"{k}={v}" for k, v in sorted(params.items()))])
    folder = built_once(tmp_path_factory, f"notebook-{key}", lambda path: _run(path, name, params))
    return nbformat.read(str(folder / f"{name}.ipynb"), as_version=4), folder / "out"


def _outputs(nb) -> str:
    """All outputs of the executed notebook: HTML (else plain text) and printed text."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.append(data.get("text/html", data.get("text/plain", "")))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _table(out, name) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{name}.csv")


def _same_counts(saved: pd.DataFrame, expected: pd.DataFrame, keys, counts=("x", "n")) -> None:
    left = saved[list(keys) + list(counts)].astype(str).reset_index(drop=True)
    right = pd.DataFrame(expected)[list(keys) + list(counts)].astype(str).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def _check_language(text: str, lang: str, header=("of n", "sur n")) -> None:
    """The tables' headers are in ``lang`` only (``header`` is the (English, French) pair)."""
    ours, other = header[::-1] if lang == "fr" else header
    # a header cell, whatever print class the table builder gives it (text columns: "text")
    assert re.search(rf"<th(?: class=\"[^\"]*\")?>{re.escape(ours)}</th>", text)
    assert not re.search(rf"<th(?: class=\"[^\"]*\")?>{re.escape(other)}</th>", text)


# --- incident-table notebooks ---------------------------------------------------------------


def _check_overview(df, out, text, lang):
    n = fmt_number(len(df), lang, decimals=0)
    assert f'<div class="value">{n}</div>' in text  # the headline incident count
    shares = ist.shares(df, by="categories")
    _same_counts(_table(out, "overview-category-shares"), shares, ["value"])
    assert (out / "figures" / "overview-categories.png").is_file()


def _check_categories(df, out, text, lang):
    # The bars of the shares chart are this table.
    _same_counts(_table(out, "categories-shares"), ist.shares(df, by="categories"), ["value"])
    _same_counts(_table(out, "categories-origin"), ist.shares(df, by="origin"), ["value"])
    assert (out / "figures" / "categories-shares.png").is_file()


def _check_trends(df, out, text, lang):
    mix = ist.shares_over_time(df, by="category", freq="Y")
    saved = _table(out, "trends-category-mix")
    assert saved["period"].astype(str).tolist() == mix["period"].astype(str).tolist()
    _same_counts(saved, mix, ["value"])
    try:
        trend = ist.trend(df, freq="Y")
    except ist.ParameterError as exc:
        # too few complete years (the example register covers 18 months): the notebook
        # says so instead of failing, and writes no trend table
        assert not (out / "tables" / "trends-trend-models.csv").exists()
        assert exc.problem in text
    else:
        models = _table(out, "trends-trend-models")
        assert models["rate_ratio"].to_numpy() == pytest.approx(
            trend["rate_ratio"].to_numpy(), nan_ok=True
        )
        assert ist.describe_trend(trend, lang=lang).split(" (")[0] in text
    assert (out / "figures" / "trends-per-year.png").is_file()


def _check_ratios(df, out, text, lang):
    malicious = ist.ratio_over_time(
        df, {"origin": "malicious"}, {"origin": ["malicious", "accidental"]}, freq="Y"
    )
    saved = _table(out, "ratios-malicious-share")
    assert saved["period"].astype(str).tolist() == malicious["period"].astype(str).tolist()
    _same_counts(saved, malicious, [])
    assert saved["lower"].to_numpy() == pytest.approx(malicious["lower"].to_numpy(), nan_ok=True)
    assert (out / "figures" / "ratios-malicious-share.png").is_file()


CHECKS = {
    "overview": _check_overview,
    "categories": _check_categories,
    "trends": _check_trends,
    "ratios": _check_ratios,
}


def test_every_notebook_is_covered():
    names = {path.stem for path in NOTEBOOKS.glob("*.ipynb")} - {"explore"}
    assert names == {case[0] for case in CASES}
    assert names - {"france", "teaching"} <= set(CHECKS)
    assert notebook_meta(NOTEBOOKS / "france.ipynb") == {
        "sources": ["france"],
        "order": 5,
        "default": True,
    }
    assert notebook_meta(NOTEBOOKS / "teaching.ipynb")["default"] is False


@pytest.mark.slow
@pytest.mark.parametrize(("name", "case_id", "lang"), [c for c in CASES if c[0] in CHECKS])
def test_incident_notebook_runs(tmp_path, tmp_path_factory, name, case_id, lang):
    _, source, parts, options = _input(case_id)
    params = {}
    if case_id != "hhs":  # the embedded HHS list is the notebook's default
        params = {"source": source, "input_paths": _paths(parts), "lang": lang}
    if options.get("mapping"):
        if "mapping" not in declared_parameters(NOTEBOOKS / f"{name}.ipynb"):
            pytest.skip(
                f"{name}.ipynb has no 'mapping' parameter: a register cannot be read without one"
            )
        params["mapping"] = options["mapping"]
    if name == "overview" and case_id != "hhs":
        params["top_n"] = 3
    if params:
        nb, out = _run(tmp_path, name, params)
    else:  # the notebook's defaults: run once (the data-warning test below reads overview)
        nb, out = _run_shared(tmp_path_factory, name, params)
    df = _expected_incidents(case_id)
    text = _outputs(nb)
    _check_language(text, lang)
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["as_of"] == df.attrs["provenance"]["as_of"]
    assert prov["rows_clean"] == len(df)
    CHECKS[name](df, out, text, lang)


# --- the French observatory's figures --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("case_id", "lang"), [(c[1], c[2]) for c in CASES if c[0] == "france"])
def test_france_notebook_runs(tmp_path, case_id, lang):
    year = 2024 if case_id == "defaults" else 2023
    params = (
        {} if case_id == "defaults" else {"lang": "fr", "compare_year": 2023, "suppression": "fr"}
    )
    nb, out = _run(tmp_path, "france", params)
    text = _outputs(nb)
    figures = ist.load("france")
    _check_language(text, lang)
    # Headline cards: the first year and the compared year, each as published.
    assert '<div class="value">319</div>' in text
    assert f'<div class="value">{749 if year == 2024 else 581}</div>' in text
    sentence = france.describe_comparison(france.compare_with_first_year(figures, year), lang=lang)
    assert html.escape(sentence) in text
    # The chart's data: calendar years only, 2022 empty, the first year apart.
    per_year = _table(out, "france-per-year")
    assert per_year["period"].astype(str).tolist() == [str(y) for y in range(2018, 2025)]
    expected = france.yearly_counts(figures)["count"]
    assert per_year["count"].to_numpy() == pytest.approx(expected.to_numpy(), nan_ok=True)
    compared = _table(out, "france-compared-with-first-year")
    ref = france.compare_with_first_year(figures)
    assert compared["period_b"].astype(str).tolist() == ref["period_b"].tolist()
    assert compared["rate_ratio"].to_numpy() == pytest.approx(ref["rate_ratio"].to_numpy())
    assert compared["lower"].to_numpy() == pytest.approx(ref["lower"].to_numpy())
    malicious, ref = _table(out, "france-malicious-share"), france.malicious_shares(figures)
    assert malicious["period"].tolist() == ref["period"].tolist()
    for col in ("x", "n", "lower", "upper"):  # missing where no incident count was published
        got, want = malicious[col].to_numpy(float), ref[col].to_numpy(float, na_value=float("nan"))
        assert got == pytest.approx(want, nan_ok=True), col
    sources = _table(out, "france-sources")
    assert sources["url"].str.startswith("https://").all() and len(sources) >= 8
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["as_of"] == "2025" and prov["period"]["start"] == "2017-10-01"
    assert prov["dataset"].startswith("Observatoire" if lang == "fr" else "French")
    if lang == "fr":
        assert "incidents la première année" in text
    assert (out / "figures" / "france-per-year.png").is_file()


def test_france_is_the_default_report_of_its_source():
    from incidentstats.report import default_notebooks

    assert default_notebooks("france") == ["france"]
    assert "france" not in default_notebooks("hhs") and "teaching" not in default_notebooks("hhs")


# --- the teaching session ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("case_id", "lang"), [(c[1], c[2]) for c in CASES if c[0] == "teaching"])
def test_teaching_notebook_runs(tmp_path, case_id, lang):
    show = case_id == "answers"
    params = {} if case_id == "defaults" else {"lang": lang, "show_answers": True}
    nb, out = _run(tmp_path, "teaching", params)
    text = _outputs(nb)
    _check_language(text, lang, ("used for", "utilisées pour"))
    from incidentstats import kit

    todo = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("answer_")]
    assert len(todo) == len(kit.EXERCISES) and all("= None" in c.source for c in todo)
    # The source solves nothing: no statistics call, and answers only through the package.
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "rate_table" not in source and "proportion_table" not in source
    rate = ist.describe_rate(ist.rate_table(319, 12, unit="month"), lang=lang)
    share = ist.describe_share(ist.proportion_table(150, 319), lang=lang)
    theft = kit.answer_values("shift", lang=lang)["theft_2010"]
    if show:
        assert text.count('class="answer"') == len(kit.EXERCISES)
        assert rate in text and share in text and theft in text
    else:
        assert 'class="answer"' not in text
        assert rate not in text and share not in text and theft not in text
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["as_of"] == "2015-02-26 · 2025 · 2026-07-01"
    data = _table(out, "teaching-data")
    dates = {"en": ["26 February 2015", "2025", "1 July 2026"],
             "fr": ["26 février 2015", "2025", "1er juillet 2026"]}[lang]  # fmt: skip
    assert data["as_of"].astype(str).tolist() == dates
    assert (out / "figures" / "teaching-types-by-year.png").is_file()


# --- data warnings ---------------------------------------------------------------------------


@pytest.mark.slow
def test_notebook_shows_the_data_warnings_in_its_language(tmp_path):
    """An under-investigation list alone: the trends notebook says, in French, it is no census."""
    path = shared_path("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")
    params = {"source": "hhs", "input_paths": [str(path)], "lang": "fr"}
    nb, out = _run(tmp_path, "trends", params)
    text = html.unescape(_outputs(nb))
    assert "Avertissements sur les données" in text
    assert "hhs_ocr_under_investigation_2024-07_soudunno.csv est une liste HHS" in text
    assert "du 2022-03-21 au 2024-06-28 est donc partielle" in text
    assert "Data warnings" not in text and "not a census" not in text
    # The block comes before the first chart.
    sources = [c.source for c in nb.cells]
    assert sources.index("rep.data_warnings(df)") < next(
        i for i, s in enumerate(sources) if "plot_counts" in s
    )
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["partial_spans"][0]["start"] == "2022-03-21" and len(prov["warnings"]) == 1


@pytest.mark.slow
def test_notebook_says_when_there_is_no_data_warning(tmp_path_factory):
    nb, _ = _run_shared(tmp_path_factory, "overview", {})  # the overview-hhs-en run above
    text = html.unescape(_outputs(nb))
    assert "Data warnings" in text and "None: the data raise no warning." in text


def test_every_incident_notebook_has_a_data_warnings_cell():
    for name in CHECKS:
        nb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
        sources = [c.source for c in nb.cells]
        assert "rep.data_warnings(df)" in sources, name
        load = next(i for i, s in enumerate(sources) if "rep.load(" in s)
        assert sources.index("rep.data_warnings(df)") == load + 1, name


# --- interactive runs ------------------------------------------------------------------------


@pytest.mark.slow
def test_interactive_run_shows_cards_warnings_and_tables_as_styled_html(tmp_path):
    """Run as a researcher would (no output folder): the blocks carry the report's look."""
    import papermill

    out = tmp_path / "overview.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "overview.ipynb"), str(out), kernel_name="python3", cwd=str(tmp_path),
        progress_bar=False, log_output=False,
    )  # fmt: skip
    nb = nbformat.read(str(out), as_version=4)
    shown = {
        cell.source: "".join(o.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if o.get("output_type") in {"execute_result", "display_data"}
    }
    styled = [s for s, h in shown.items() if h.startswith('<div class="incidentstats"><style>')]
    assert any("headline" in s for s in styled), "headline cards not styled"
    assert "rep.data_warnings(df)" in styled
    assert any("rep.table(" in s for s in styled)
    assert '<div class="headline"><div class="figure">' in "".join(shown.values())
    assert not (tmp_path / "out").exists()  # nothing saved without an output folder
