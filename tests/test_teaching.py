"""Tests for teaching.py: the bundled HHS yearly-by-type file, exercise and answer boxes."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import pandas as pd
import pytest

import incidentstats as ist
from incidentstats import notebook as nb
from incidentstats import teaching
from incidentstats.errors import InputError, ParameterError

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "raw" / teaching.DATA_FILE
HHS_2024 = (
    "hhs_ocr_archive_2024-07_soudunno.csv",
    "hhs_ocr_under_investigation_2024-07_soudunno.csv",
)
HHS_2026_OPEN = "hhs_ocr_under_investigation_2026-07_lilkommu.csv"


@pytest.fixture(scope="module")
def by_type():
    return teaching.hhs_yearly_by_type()


# --- the committed aggregate -------------------------------------------------------------


def test_committed_file_recomputes_from_the_shared_exports(shared):
    paths = [shared("hhs_ocr", name) for name in HHS_2024]
    result = ist.ingest("hhs", paths)
    assert result.provenance["duplicates_removed"] == 3  # counted after dedupe
    open_cases = ist.load("hhs", [shared("hhs_ocr", HHS_2026_OPEN)])
    recomputed = pd.concat(
        [
            teaching.yearly_by_type(result.incidents, start=2010, end=2024),
            teaching.yearly_by_type(open_cases, start=2025, end=2025,
                                    source=teaching.OPEN_CASES_SOURCE, coverage="open_cases_only"),
        ],
        ignore_index=True,
    )  # fmt: skip
    committed = pd.read_csv(COMMITTED, dtype={"as_of": str})
    pd.testing.assert_frame_equal(committed, recomputed, check_dtype=False)
    # The same numbers whether or not the reader infers ransomware from descriptions.
    plain = ist.load("hhs", paths, ransomware_from_description=False)
    pd.testing.assert_frame_equal(
        teaching.yearly_by_type(plain, start=2010, end=2024),
        teaching.yearly_by_type(result.incidents, start=2010, end=2024),
    )


def test_committed_file_holds_numbers_and_their_source_only():
    df = pd.read_csv(COMMITTED, dtype=str, keep_default_na=False)
    assert tuple(df.columns) == teaching.FILE_COLUMNS
    assert set(df["source"]) == {teaching.FILE_SOURCE, teaching.OPEN_CASES_SOURCE}
    assert set(df["as_of"]) == {"2024-06-28", "2026-07-01"}
    assert len(df) == 16 * len(teaching.HHS_TYPES)  # every type in every year 2010-2025
    coverage = df.drop_duplicates("year").set_index("year")["coverage"]
    assert coverage["2023"] == "full_year" and coverage["2024"] == "to_as_of"
    assert coverage["2025"] == "open_cases_only"
    assert sorted(df["category"].unique()) == sorted(teaching.HHS_TYPES)


def test_package_ships_the_committed_file(by_type):
    resource = importlib.resources.files("incidentstats").joinpath("data", teaching.DATA_FILE)
    assert resource.read_bytes() == COMMITTED.read_bytes()
    assert by_type.attrs["provenance"]["path"].endswith(teaching.DATA_FILE)


def test_loader_values_and_provenance(by_type):
    prov = by_type.attrs["provenance"]
    assert prov["as_of"] == "2026-07-01"
    assert prov["period"] == {"start": "2010-01-01", "end": "2025-12-31"}
    assert len(prov["sha256"]) == 64
    years = by_type.drop_duplicates("year").set_index("year")["breaches_in_year"]
    # Per-year totals of the 2024 snapshot after removing duplicate rows (the dataset
    # notes give 2012: 218, 2017: 358, 2018: 369, 2019: 512 before removing them).
    assert years[2010] == 199 and years[2012] == 217 and years[2023] == 741
    assert years[2024] == 379 and years[2025] == 404  # January-June; open cases only
    theft = by_type[by_type["category"] == "theft"].set_index("year")["breaches_with_category"]
    hacking = by_type[by_type["category"] == "hacking"].set_index("year")["breaches_with_category"]
    assert theft[2010] == 135 and theft[2023] == 12
    assert hacking[2010] == 8 and hacking[2023] == 596
    # A multi-type breach counts in each of its types, so a year's types can sum above its total.
    sums = by_type.groupby("year")["breaches_with_category"].sum()
    assert (sums >= years).all() and (sums > years).any()


def test_loader_rejects_bad_files(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("year,category\n2010,theft\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        teaching.hhs_yearly_by_type(bad)
    worse = tmp_path / "y.csv"
    worse.write_text(
        "year,category,breaches_with_category,breaches_in_year,source,as_of,coverage\n"
        "2010,theft,5,3,s,2024,full_year\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="more breaches than its year"):
        teaching.hhs_yearly_by_type(worse)
    with pytest.raises(InputError, match="file not found"):
        teaching.hhs_yearly_by_type(tmp_path / "missing.csv")


def test_yearly_by_type_on_a_tiny_table(tiny):
    table = teaching.yearly_by_type(tiny, start=2020, end=2022)
    got = table.set_index(["year", "category"])["breaches_with_category"]
    assert got[(2020, "theft")] == 2 and got[(2020, "hacking")] == 1  # b is hacking and theft
    assert got[(2022, "unknown")] == 1
    assert table.set_index("year")["breaches_in_year"].groupby(level=0).first().tolist() == [
        2,
        2,
        1,
    ]
    with pytest.raises(ParameterError, match="end"):
        teaching.yearly_by_type(tiny, start=2022, end=2020)


def test_type_shares_by_year_and_pooled_shares(by_type):
    shares = teaching.type_shares_by_year(by_type, values=["theft", "hacking"])
    assert len(shares) == 32
    row = shares[(shares["period"] == pd.Period("2010")) & (shares["value"] == "theft")].iloc[0]
    lo, hi = ist.proportion_ci(135, 199)
    assert (row["x"], row["n"]) == (135, 199)
    assert row["share"] == pytest.approx(135 / 199)
    assert (row["lower"], row["upper"]) == pytest.approx((lo, hi))
    assert shares.attrs["provenance"]["by"] == "categories"
    pooled = teaching.pooled_shares(by_type, [(2010, 2014), (2019, 2023)])
    early = pooled[(pooled["period"] == "2010–2014") & (pooled["value"] == "theft")].iloc[0]
    assert (early["x"], early["n"]) == (652, 1207)
    late = pooled[(pooled["period"] == "2019–2023") & (pooled["value"] == "hacking")].iloc[0]
    assert (late["x"], late["n"]) == (2482, 3348)
    get = pooled.set_index(["period", "value"])
    # Theft's share fell and hacking's rose by far more than their intervals.
    assert get.loc[("2019–2023", "theft"), "upper"] < get.loc[("2010–2014", "theft"), "lower"]
    assert get.loc[("2019–2023", "hacking"), "lower"] > get.loc[("2010–2014", "hacking"), "upper"]
    assert teaching.breaches(by_type, 2010, "theft") == 135
    with pytest.raises(ParameterError, match="unknown type"):
        teaching.type_shares_by_year(by_type, values=["ransomware"])


# --- exercise and answer boxes --------------------------------------------------------------


def test_exercise_box_in_each_language():
    en = teaching.exercise("Is **27** ok?", "27 est-il\u00a0correct\u202f?", lang="en").markup
    assert (
        en
        == '<div class="exercise"><p><strong>Exercise.</strong> Is <strong>27</strong> ok?</p></div>'
    )
    fr = teaching.exercise("Is 27 ok?", "27 est-il\u00a0correct\u202f?", lang="fr").markup
    assert "Exercice." in fr and "\u00a0correct\u202f?" in fr  # no-break spaces kept
    with pytest.raises(ParameterError, match="lang"):
        teaching.exercise("a", "b", lang="de")


def test_answer_shown_or_hidden_and_escaped():
    assert teaching.answer("x {v}", "x {v}", show=False, v=1) is None
    shown = teaching.answer(
        "The share is {v}.\n\nSecond *point*.", "La part est {v}.", show=True, v="<b>47%</b>"
    ).markup
    assert shown.startswith('<div class="answer"><p><strong>Worked answer.</strong> The share')
    assert "&lt;b&gt;47%&lt;/b&gt;" in shown and "<b>" not in shown
    assert "<p>Second <em>point</em>.</p>" in shown
    with pytest.raises(ParameterError, match="show_answers"):
        teaching.answer("x", "x", show="yes")
    with pytest.raises(ParameterError, match=r"\{v\}"):
        teaching.answer("x {v}", "x", show=True)


def test_answer_with_a_table():
    table = ist.proportion_table(150, 319, labels="malicious")
    markup = teaching.answer("a", "a", lang="fr", show=True, table=table,
                             columns=["value", "x", "n", "share", "lower", "upper"]).markup  # fmt: skip
    assert "41,6\u202f%–52,5\u202f%" in markup and "Malveillant" in markup


def test_your_result_hint_then_value():
    hint = teaching.your_result(None, lang="fr").markup
    assert "remplacez None" in hint
    assert "Your result: 26.6" in teaching.your_result(26.6).markup
    table = teaching.your_result(ist.rate_table(319, 12)).markup
    assert "<table" in table and "319" in table


def test_record_provenance_names_all_three_datasets(by_type, tmp_path):
    df = ist.load("hhs")
    figures = ist.load("france")
    rep = nb.Report(output_dir=tmp_path, lang="en", name="teaching")
    teaching.record_provenance(rep, df, figures, by_type)
    written = json.loads((tmp_path / "provenance.json").read_text(encoding="utf-8"))
    assert written["as_of"] == "2015-02-26 · 2025 · 2026-07-01"
    assert written["period"] == {"start": "2009-10-21", "end": "2025-12-31"}
    assert set(written["parts"]) == {"hhs", "france", "hhs_yearly_by_type"}
    sources = teaching.data_sources(df, figures, by_type, lang="fr")
    assert sources["as_of"].tolist() == ["26 février 2015", "2025", "1er juillet 2026"]
