"""The explorer's logic (explore_state) against the API called directly, and its widgets."""

from __future__ import annotations

import io
import shlex

import pandas as pd
import pandas.testing as pdt
import pytest

import incidentstats as ist
from incidentstats.explorer import ExplorerFilters, explore_state, filter_choices, report_command
from incidentstats.filters import filter_incidents

ARCHIVE = ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv")
UNDER_INVESTIGATION = ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")


@pytest.fixture(scope="module")
def hhs2024(hhs_2024_pair):
    """The full HHS list of July 2024 (archive + under investigation), loaded once."""
    from conftest import shared_path

    paths = [shared_path(*ARCHIVE), shared_path(*UNDER_INVESTIGATION)]
    return hhs_2024_pair, paths


def _same(a, b):
    pdt.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))


# --- explore_state against the API ------------------------------------------------------


def test_state_equals_the_api_on_the_full_hhs_list(hhs2024):
    df, paths = hhs2024
    f = ExplorerFilters(
        start="2015", end="2020-06", regions=("CA", "TX"), categories=("hacking", "theft")
    )
    r = explore_state(df, f, "en", inputs=paths)
    sub = filter_incidents(df, start="2015", end="2020-06", regions=["CA", "TX"],
                               categories=["hacking", "theft"])  # fmt: skip
    assert len(r.incidents) == len(sub) > 100
    assert r.incidents["incident_id"].tolist() == sub["incident_id"].tolist()
    _same(r.counts, ist.fitted_counts(sub, "Y", start="2015", end="2020-06"))
    _same(r.trend, ist.trend(sub, "Y", start="2015", end="2020-06"))
    _same(r.shares, ist.shares(sub, by="categories"))
    _same(r.mix, ist.shares_over_time(sub, by="category", freq="Y", start="2015", end="2020-06"))
    _same(r.records, ist.records_summary(sub))
    # the window's last, half-covered year is partial in the counts
    assert r.counts["period"].astype(str).tolist()[-1] == "2020"
    assert not r.counts["complete"].iloc[-1]
    top = r.largest["records_affected"].tolist()
    assert top == sorted(sub["records_affected"].dropna().tolist(), reverse=True)[: len(top)]


def test_sentence_carries_denominator_interval_as_of_and_trend(hhs2024):
    df, _ = hhs2024
    f = ExplorerFilters(start="2015", end="2020", regions=("CA",))
    r = explore_state(df, f, "en")
    sub = filter_incidents(df, start="2015", end="2020", regions=["CA"])
    sh = ist.shares(sub, by="categories")
    top = sh[sh["value"] != "unknown"].iloc[[0]]
    assert f"{len(sub):,} incidents reported from" in r.sentence
    assert ist.describe_share(top) in r.sentence
    assert ist.describe_trend(ist.trend(sub, start="2015", end="2020")) in r.sentence
    assert "data as of 28 June 2024" in r.sentence
    fr = explore_state(df, f, "fr")
    assert ist.describe_share(top, lang="fr") in fr.sentence
    assert "données arrêtées au 28 juin 2024" in fr.sentence
    assert ist.describe_trend(ist.trend(sub, start="2015", end="2020"), "fr") in fr.sentence


def test_origin_business_associate_and_size_filters_by_hand(tiny):
    # a: 500 no BA, b: 1200 BA, c: 10000 no BA, d: unknown size BA, e: 501 unknown BA
    def ids(**kw):
        return explore_state(tiny, ExplorerFilters(**kw)).incidents["incident_id"].tolist()

    assert ids(origins=("malicious",)) == ["a", "b", "c"]
    assert ids(business_associate=True) == ["b", "d"]
    assert ids(business_associate=False) == ["a", "c"]
    assert ids(min_records=1000) == ["b", "c"]
    assert ids(max_records=501) == ["a", "e"]
    assert ids(min_records=501, max_records=1200) == ["b", "e"]
    assert ids(origins="malicious,accidental", start="2021") == ["c", "d"]
    r = explore_state(tiny, ExplorerFilters(origins=("malicious",), min_records=1000))
    assert r.incidents.attrs["provenance"]["filters"] == {
        "origins": ["malicious"],
        "min_records": 1000,
    }


def test_shares_in_the_state_use_incidents_as_denominator(tiny):
    r = explore_state(tiny, ExplorerFilters())
    theft = r.shares.set_index("value").loc["theft"]
    assert (theft["x"], theft["n"], theft["n_unknown"]) == (2, 4, 1)
    assert "4 incidents of unknown category" not in r.sentence
    assert "1 incident of unknown category is left out" in r.sentence


def test_empty_selection_says_so(tiny):
    r = explore_state(tiny, ExplorerFilters(start="2030"))
    assert r.facts["n"] == 0 and r.counts is None and r.mix is None
    assert r.sentence == "No incident matches these filters."
    assert explore_state(tiny, ExplorerFilters(start="2030"), "fr").sentence.startswith(
        "Aucun incident"
    )


def test_vintage_warnings_reach_the_sentence(tiny):
    df = tiny.copy()
    df.attrs = {"provenance": {"source": "hhs", "as_of": "2022-12-31",
                               "warnings": ["the 2022 figures are still being revised"]}}  # fmt: skip
    r = explore_state(df, ExplorerFilters())
    assert r.warnings == ["the 2022 figures are still being revised"]
    assert r.sentence.endswith("Data vintage: the 2022 figures are still being revised")


def test_bad_filters_are_parameter_errors(tiny):
    with pytest.raises(ist.ParameterError, match="max_records"):
        ExplorerFilters(min_records=100, max_records=10)
    with pytest.raises(ist.ParameterError, match="freq"):
        ExplorerFilters(freq="W")
    with pytest.raises(ist.ParameterError, match="end"):
        explore_state(tiny, ExplorerFilters(start="2022", end="2021"))


def test_filter_choices_most_frequent_first(tiny):
    choices = filter_choices(tiny)
    assert choices["categories"] == ["hacking", "theft", "loss", "unknown"]
    assert choices["regions"] == ["CA", "NY", "TX"]
    assert choices["origins"] == ["malicious", "accidental", "unknown"]


# --- the report command ------------------------------------------------------------------


def test_report_command_is_accepted_by_the_report_runner(hhs2024, tmp_path):
    from incidentstats.cli import cli
    from incidentstats.report import prepare_run

    df, paths = hhs2024
    f = ExplorerFilters(start="2015-03", end=2020, organisation_types=("provider",),
                        categories=("ransomware",), origins=("malicious",), freq="Q")  # fmt: skip
    r = explore_state(df, f, "fr", inputs=paths, report_dir=str(tmp_path))
    argv = shlex.split(r.command_text)
    assert argv[:2] == ["incidentstats", "report"]
    assert r.not_in_report == ["origins"]
    ctx = cli.make_context("incidentstats", argv[1:])
    sub = ctx.command.get_command(ctx, "report").make_context("report", argv[2:])
    p = sub.params
    assert p["source"] == "hhs" and [str(x) for x in p["inputs"]] == [str(x) for x in paths]
    assert p["lang"] == "fr" and str(p["outdir"]) == str(tmp_path)
    from incidentstats.cli import _params_from

    params = _params_from(p["pairs"], None)
    assert params == {"start": "2015-03", "end": "2020", "organisation_types": "provider",
                      "categories": "ransomware", "freq": "Q"}  # fmt: skip
    plan = prepare_run(source="hhs", inputs=paths, params=params, lang="fr", outdir=tmp_path)
    assert plan.params["organisation_types"] == ["provider"]
    assert list(tmp_path.iterdir()) == []  # checked, nothing written


def test_report_command_without_filters():
    cmd, left = report_command(ExplorerFilters(), source="veris", inputs=["a b.json"], lang="en")
    assert shlex.join(cmd) == "incidentstats report --source veris --input 'a b.json' --lang en"
    assert left == []
    _, left = report_command(ExplorerFilters(business_associate=False, max_records=10))
    assert left == ["business_associate", "records"]


# --- the widgets ---------------------------------------------------------------------------


@pytest.fixture
def explorer(hhs2024):
    pytest.importorskip("ipywidgets")
    from incidentstats.explorer_ui import Explorer

    df, paths = hhs2024
    return Explorer(df, inputs=paths)


def test_widgets_show_the_state_of_their_filters(explorer, hhs2024):
    df, _ = hhs2024
    explorer.set_filters(start="2016", end="2019", regions=("NY",))
    expected = explore_state(df, ExplorerFilters(start="2016", end="2019", regions=("NY",)), "en")
    assert f'data-n="{expected.facts["n"]}"' in explorer.w_sentence.value
    assert expected.sentence.replace("'", "&#x27;") in explorer.w_sentence.value
    assert "-p start=2016 -p end=2019 -p regions=NY" in explorer.w_command.value
    assert '<div class="ist-chart"><img alt="" src="data:image/png;base64,' in (
        explorer.w_chart["counts"].value
    )
    # a list filter changed through its widget, as a click would
    explorer.w_lists["origins"].value = ("accidental",)
    assert explorer.result.filters.origins == ("accidental",)
    n = len(
        filter_incidents(df, start="2016", end="2019", regions=["NY"]).query(
            "origin == 'accidental'"
        )
    )
    assert f'data-n="{n}"' in explorer.w_sentence.value
    assert "origin" in explorer.w_command.value  # said not to be carried into the report


def test_language_switch(explorer):
    explorer.w_lang.value = "fr"
    assert "correspondent aux filtres" in explorer.w_sentence.value
    assert explorer.w_tabs.get_title(1) == "Parts par catégorie"
    assert "--lang fr" in explorer.w_command.value
    assert ("Piratage/incident informatique", "hacking") in explorer.w_lists["categories"].options
    explorer.w_lang.value = "en"
    assert "match the filters" in explorer.w_sentence.value


def test_bad_filter_is_reported_and_the_views_kept(explorer):
    before = explorer.w_sentence.value
    explorer.w_start.value = "2020"
    explorer.w_end.value = "2019"
    assert "Filter not applied" in explorer.w_error.value and "end" in explorer.w_error.value
    explorer.w_end.value = ""
    assert explorer.w_error.value == "" and explorer.w_sentence.value != before


def test_export_table_and_chart(explorer):
    explorer.set_filters(regions=("VT",))
    n = explorer.result.facts["n"]
    csv = explorer.export("table_csv")
    assert len(pd.read_csv(io.BytesIO(csv))) == n
    assert 'download="incidents.csv"' in explorer.w_link.value
    back = pd.read_parquet(io.BytesIO(explorer.export("table_parquet")))
    assert back["incident_id"].tolist() == explorer.result.incidents["incident_id"].tolist()
    assert explorer.export("chart_png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in explorer.export("chart_svg")[:500]
    explorer.w_tabs.selected_index = 3  # the table: no chart to export
    assert explorer.export("chart_png") is None


def test_largest_incidents_sort(explorer):
    explorer.w_tabs.selected_index = 3
    explorer.w_sort.value = "reported_date"
    explorer.w_desc.value = False
    html = explorer.w_table["largest"].value
    dates = sorted(explorer.result.largest["reported_date"].dt.strftime("%Y-%m-%d"))
    assert html.index(dates[0]) < html.index(dates[-1])


# --- large tables: counted on the category matrix, the same tables -------------------------


@pytest.mark.parametrize(
    "f",
    [
        ExplorerFilters(),
        ExplorerFilters(start="2015", end="2020-06", regions=("CA", "TX"), freq="Q"),
        ExplorerFilters(categories=("theft", "loss"), origins=("accidental", "unknown")),
        ExplorerFilters(start="2010", end="2014", categories=("unknown", "other"), freq="M"),
    ],
)
def test_fast_path_equals_the_api(hhs2024, f):
    from incidentstats.explorer import Prepared

    df, _ = hhs2024
    fast = explore_state(df, f, prepared=Prepared(df, fast=True))
    plain = explore_state(df, f, prepared=Prepared(df, fast=False))
    assert fast.incidents["incident_id"].tolist() == plain.incidents["incident_id"].tolist()
    sub = plain.incidents
    window = {"start": f.start, "end": f.end}
    _same(fast.shares, ist.shares(sub, by="categories"))
    _same(fast.mix, ist.shares_over_time(sub, by="category", freq=f.freq, **window))
    _same(plain.mix, fast.mix)
    assert fast.sentence == plain.sentence
    assert (
        fast.incidents.attrs["provenance"]["filters"]
        == plain.incidents.attrs["provenance"]["filters"]
    )


# --- the notebook and the web app's launch settings -----------------------------------------


@pytest.mark.slow
def test_explore_notebook_runs_in_a_kernel(tmp_path):
    """notebooks/explore.ipynb, as JupyterLab runs it: the explorer's widget is its output."""
    pytest.importorskip("ipywidgets")
    import json

    import papermill

    from incidentstats.report import notebook_dir

    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(notebook_dir() / "explore.ipynb"), str(out), parameters={"lang": "fr"},
        kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
    )  # fmt: skip
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_launch_settings_come_from_the_command_line(monkeypatch):
    import json

    from incidentstats import explorer_app

    monkeypatch.delenv(explorer_app.ENV, raising=False)
    assert explorer_app.launch_settings(source="prc", input_paths=["a.csv"], lang="fr") == {
        "source": "prc", "inputs": ["a.csv"], "mapping": "", "lang": "fr",
        "report_dir": None, "cwd": None,
    }  # fmt: skip
    fixed = {"source": "hhs", "inputs": ["/data/x.csv"], "lang": "en"}
    monkeypatch.setenv(explorer_app.ENV, json.dumps(fixed))
    # the notebook's own parameters cannot widen what the app was launched with
    assert explorer_app.launch_settings(source="prc", input_paths=["other.csv"]) == fixed


def test_voila_command_listens_on_loopback_and_serves_no_file():
    from pathlib import Path

    from incidentstats.explorer_app import voila_command

    cmd = voila_command(Path("explore.ipynb"), host="127.0.0.1", port=8870)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8870" in cmd and "--no-browser" in cmd
    assert "--VoilaConfiguration.file_allowlist=^$" in cmd
    assert "--template=incidentstats" in cmd


def test_a_size_that_is_not_a_number_is_a_parameter_error(explorer):
    with pytest.raises(ist.ParameterError, match="min_records"):
        ExplorerFilters(min_records="a lot")
    explorer.w_min.value = "a lot"
    assert "min_records" in explorer.w_error.value


def test_run_report_runs_the_shown_command_where_the_app_started(explorer, monkeypatch, tmp_path):
    import sys
    from types import SimpleNamespace

    from incidentstats import explorer_ui

    seen = {}

    def fake_run(cmd, **kw):
        seen.update(cmd=cmd, cwd=kw.get("cwd"))
        return SimpleNamespace(returncode=0, stdout="report written to reports/x\n", stderr="")

    monkeypatch.setattr(explorer_ui.subprocess, "run", fake_run)
    explorer.report_cwd = str(tmp_path)
    explorer.set_filters(start="2018", regions=("WA",))
    explorer.run_report(wait=True)
    assert seen["cmd"][:3] == [sys.executable, "-m", "incidentstats.cli"]
    assert seen["cmd"][3:] == explorer.result.command[1:]
    assert seen["cwd"] == str(tmp_path)
    assert "Done: report written to reports/x" in explorer.w_run_status.value
    assert not explorer.w_run.disabled
