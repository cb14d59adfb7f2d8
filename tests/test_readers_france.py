"""Tests for readers/france.py: the French observatory's published figures."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pandas as pd
import pytest

import incidentstats as ist
from incidentstats.errors import InputError, ParameterError
from incidentstats.readers import france

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "raw" / "fr_observatoire.csv"
#: Facts the project file adds: FR077b is the second count of health establishments
#: that the shared file only mentions in the notes of FR077.
ADDED = {"FR077b", "FR079", "FR080"}  # FR080: 2022 derived from FR063 and FR079


def committed() -> pd.DataFrame:
    return pd.read_csv(COMMITTED, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def figures():
    return france.read_figures()


def fact(figures, fact_id):
    rows = figures[figures["fact_id"] == fact_id]
    assert len(rows) == 1, fact_id
    return rows.iloc[0]


# --- the committed file -------------------------------------------------------------------


def test_committed_figures_equal_the_shared_file(shared):
    ours = committed().set_index("fact_id")
    theirs = pd.read_csv(
        shared("france", "fr_observatoire_facts.csv"), dtype=str, keep_default_na=False
    )
    theirs = theirs.set_index("fact_id")
    assert set(theirs.index) <= set(ours.index)
    assert set(ours.index) - set(theirs.index) == ADDED
    cols = [
        "value",
        "metric",
        "period",
        "period_start",
        "period_end",
        "unit",
        "source_url",
        "source_publisher",
    ]
    pd.testing.assert_frame_equal(ours.loc[theirs.index, cols], theirs[cols])


def test_committed_file_has_numbers_and_citations_only(shared):
    df = committed()
    assert tuple(df.columns) == france.FILE_COLUMNS
    assert "quote" not in df.columns and "notes" not in df.columns
    assert (df["scope"] != "same").all()
    assert df["source_url"].str.startswith("https://").all()
    # No sentence quoted from the pages reaches the project file (a quote that is
    # the page's own title is a citation, and titles are kept).
    text = COMMITTED.read_text(encoding="utf-8")
    titles = set(df["source_title"].str.replace(" [title from URL slug]", "", regex=False))
    quotes = pd.read_csv(
        shared("france", "fr_observatoire_facts.csv"), dtype=str, keep_default_na=False
    )["quote"]
    leaked = [q for q in quotes if len(q) > 40 and q in text and q not in titles]
    assert leaked == []
    assert not df["source_date"].str.contains('"|inferred:', regex=True).any()


def test_headline_figures_present():
    df = committed().set_index("fact_id")
    assert df.loc["FR001", ["period", "metric", "value"]].tolist() == [
        "2017-10/2018-09",
        "incidents_reported",
        "319",
    ]
    assert df.loc["FR002", ["metric", "value", "unit"]].tolist() == [
        "incidents_per_month",
        "27",
        "count/month",
    ]
    assert df.loc["FR003", ["metric", "value", "unit"]].tolist() == [
        "share_malicious",
        "47",
        "percent",
    ]
    assert df.loc["FR020", ["period", "value"]].tolist() == ["2018", "327"]


def test_both_establishment_counts_are_kept(figures):
    counts = figures[figures["metric"] == "health_establishments_count"]
    assert sorted(counts["count"].tolist()) == [3036, 3306]
    assert fact(figures, "FR077b")["source_date"] == "2022-08-25"
    assert fact(figures, "FR077")["source_publisher"] == "Next INpact"


def test_package_ships_the_committed_file():
    resource = importlib.resources.files("incidentstats").joinpath("data", france.DATA_FILE)
    assert resource.read_bytes() == COMMITTED.read_bytes()
    label, data = france.figures_file()
    assert data == COMMITTED.read_bytes()
    assert label.endswith(france.DATA_FILE)


# --- the tidy table -----------------------------------------------------------------------


def test_table_shape_and_provenance(figures):
    assert tuple(figures.columns) == france.COLUMNS
    assert len(figures) == len(committed()) == 81
    prov = figures.attrs["provenance"]
    assert prov["source"] == "france"
    assert prov["rows"] == 81
    assert prov["as_of"] == "2025"  # What's up Doc, 2025 (inferred)
    assert len(prov["sha256"]) == 64
    assert "quote" not in figures.columns


def test_shares_and_denominators(figures):
    first_year = fact(figures, "FR003")
    assert first_year["share"] == pytest.approx(0.47)
    assert first_year["denominator"] == 319
    assert first_year["share_of"] == "incidents"
    # Calendar 2018 (327 incidents) is not the first reporting year (319).
    cal_2018 = fact(figures, "FR022")
    assert cal_2018["share"] == pytest.approx(0.41) and cal_2018["denominator"] == 327
    assert fact(figures, "FR016")["denominator"] == 693  # cumulative Oct 2017-2019
    assert fact(figures, "FR065")["denominator"] == 581
    assert fact(figures, "FR047")["denominator"] == 733
    # No incident count for the period, or not a share of incidents: no denominator.
    assert pd.isna(fact(figures, "FR009")["denominator"])  # period 2017-10/2018
    assert pd.isna(fact(figures, "FR053")["denominator"])  # 2022: total not published
    assert pd.isna(fact(figures, "FR011")["denominator"])  # "près de 500" is not a number
    assert pd.isna(fact(figures, "FR007")["denominator"])  # estimate of declared share
    assert fact(figures, "FR055")["share_of"] == "structures"
    assert pd.isna(fact(figures, "FR055")["denominator"])
    assert fact(figures, "FR008")["share_of"] == "incidents"


def test_counts_changes_and_text_values(figures):
    assert fact(figures, "FR001")["count"] == 319
    assert pd.isna(fact(figures, "FR002")["count"])  # 27 per month is a rate, not a count
    assert fact(figures, "FR002")["value_num"] == 27
    assert pd.isna(fact(figures, "FR003")["count"])
    change = fact(figures, "FR074")
    assert change["change"] == pytest.approx(0.29) and pd.isna(change["share"])
    for fact_id, text in [
        ("FR010", "près de 500"),
        ("FR027", "just over 32"),
        ("FR032", "un quart"),
        ("FR070", "plus de 250"),
    ]:
        row = fact(figures, fact_id)
        assert row["value_text"] == text
        assert pd.isna(row["value_num"]) and pd.isna(row["count"]) and pd.isna(row["share"])


def test_structure_type_groups(figures):
    rows = figures[figures["metric"] == "share_declarations_by_structure_type"]
    got = dict(zip(rows["fact_id"], rows["group"], strict=True))
    assert got == {
        "FR011": "hospital",
        "FR012": "nursing_home",
        "FR013": "laboratory",
        "FR014": "radiotherapy",
        "FR017": "hospital",
        "FR047": "hospital",
        "FR048": "medico_social",
    }
    may_2019 = rows[rows["period"] == "2017-10/2019-05"]
    assert may_2019["share"].sum() == pytest.approx(1.0)  # 88 + 6 + 4 + 2 %


def test_load_france_is_read_figures(figures):
    pd.testing.assert_frame_equal(ist.load("france"), figures)
    with pytest.raises(ParameterError, match="not an option of the 'france' reader"):
        ist.load("france", mapping="x.yaml")


# --- confidence intervals -----------------------------------------------------------------


def test_figures_with_ci_worked_example(figures):
    table = france.figures_with_ci(figures)
    row = fact(table, "FR003")  # 47 % of 319
    assert row["x"] == 150 and row["n"] == 319
    assert row["lower"] == pytest.approx(0.4161, abs=5e-4)
    assert row["upper"] == pytest.approx(0.5250, abs=5e-4)
    assert row["method"] == "wilson"
    assert fact(table, "FR064")["x"] == 291  # 50 % of 581 = 290.5, rounded half up
    no_n = fact(table, "FR053")
    assert pd.isna(no_n["x"]) and pd.isna(no_n["lower"]) and pd.isna(no_n["method"])
    assert table["x"].notna().sum() == figures["denominator"].notna().sum() == 15
    assert "x" not in figures.columns  # input not mutated
    assert table.attrs["provenance"]["ci"]["level"] == 0.95


def test_figures_with_ci_level_and_errors(figures):
    narrow = fact(france.figures_with_ci(figures, level=0.90), "FR003")
    wide = fact(france.figures_with_ci(figures), "FR003")
    assert wide["lower"] < narrow["lower"] < 0.47 < narrow["upper"] < wide["upper"]
    with pytest.raises(ParameterError, match="level"):
        france.figures_with_ci(figures, level=95)
    with pytest.raises(ParameterError, match="figures"):
        france.figures_with_ci(pd.DataFrame({"share": [0.5]}))


# --- other files --------------------------------------------------------------------------


def test_read_figures_from_a_path_ignores_quotes(tmp_path):
    df = committed().head(3).copy()
    df["quote"] = "a sentence"
    path = tmp_path / "figures.csv"
    df.to_csv(path, index=False)
    table = france.read_figures(path)
    assert len(table) == 3 and "quote" not in table.columns
    assert table.attrs["provenance"]["path"] == str(path)
    assert france.detect(path) is True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="unit"), "missing column(s) unit"),
        (
            lambda d: d.assign(period_start=["2017-13-01", *d["period_start"][1:]]),
            "row 1 (fact_id FR001): period_start",
        ),
        (
            lambda d: d.assign(fact_id=["FR001", "FR001", "FR003"]),
            "fact_id 'FR001' appears more than once",
        ),
        (lambda d: d.assign(value=["", *d["value"][1:]]), "row 1 (fact_id FR001): empty value"),
    ],
)
def test_bad_figures_file_is_an_input_error(tmp_path, change, message):
    path = tmp_path / "figures.csv"
    change(committed().head(3)).to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        france.read_figures(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_detect_rejects_other_files(tmp_path):
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert france.detect(other) is False
    assert france.detect(tmp_path) is False


# --- aggregates for the France report -----------------------------------------------------


def test_yearly_counts_keeps_calendar_years_and_gaps(figures):
    table = france.yearly_counts(figures)
    assert [str(p) for p in table["period"]] == [str(y) for y in range(2018, 2025)]
    counts = dict(zip(table["period"].astype(str), table["count"], strict=True))
    assert counts["2018"] == 327 and counts["2021"] == 733 and counts["2024"] == 749
    # No source gives 2022's total: a gap, not a zero.
    assert pd.isna(counts["2022"]) and not table.loc[4, "published"]
    # The first reporting year (319) is not calendar 2018 (327) and is not a row.
    assert 319 not in table["count"].tolist()
    assert table["complete"].all()
    assert table.loc[0, "source"] == "Next INpact, 2022 (inferred)"
    assert (
        france.yearly_counts(figures, lang="fr").loc[0, "source"] == "Next INpact, 2022 (déduite)"
    )
    notes = table.attrs["notes"]
    assert notes["en"][0].startswith("2022: no total published; about 593 incidents derived")
    assert "581 ÷ (1 − 2%) = 593" in notes["en"][0] and "between 590 and 595" in notes["en"][0]
    assert "319" in notes["en"][1] and "319" in notes["fr"][1]
    assert table.attrs["provenance"]["as_of"] == "2025"


def test_yearly_counts_draw_as_bars_with_the_gap(figures):
    import matplotlib.pyplot as plt

    from incidentstats import plots

    table = france.yearly_counts(figures)
    ax = plots.plot_counts(table, rolling=None, caption=france.chart_caption(table, lang="fr"))
    heights = [b.get_height() for b in ax.patches]
    assert heights[:4] == [327, 392, 369, 733] and heights[5:] == [581, 749]
    assert heights[4] != heights[4]  # NaN: nothing drawn for 2022
    assert "aucun total publié" in plots.caption_of(ax)
    plt.close(ax.figure)


def test_malicious_shares_keep_periods_apart(figures):
    table = france.malicious_shares(figures)
    assert table["period"].tolist() == [
        "2017-10/2018-09",  # 2017-10/2018 is the same 47%, counted once
        "2017-10/2019",
        "2018",
        "2019",
        "2020",
        "2022",
        "2023",
    ]
    first = table.iloc[0]
    assert (first["x"], first["n"]) == (150, 319)
    assert first["lower"] == pytest.approx(0.4161, abs=5e-4)
    assert first["upper"] == pytest.approx(0.5250, abs=5e-4)
    assert first["method"] == "wilson 95%"
    assert first["period_label"] == "Oct 2017 – Sep 2018"
    cumulative = table.iloc[1]
    assert cumulative["period_label"] == "Oct 2017 – 2019 (end not stated)"
    assert (cumulative["x"], cumulative["n"]) == (298, 693)  # 43% of 693 = 297.99
    no_count = table[table["period"] == "2022"].iloc[0]
    assert pd.isna(no_count["n"]) and pd.isna(no_count["lower"]) and pd.isna(no_count["method"])
    fr = france.malicious_shares(figures, lang="fr")
    assert fr.loc[0, "period_label"] == "oct. 2017 – sept. 2018"


def test_patient_endangerment_figures(figures):
    table = france.patient_endangerment(figures)
    by_fact = table.set_index("fact_id")
    assert by_fact.loc["FR005", "number"] == 3  # actual endangerments, first year
    assert by_fact.loc["FR033", "number"] == 34
    share = by_fact.loc["FR034"]  # 9% of 369 incidents in 2020
    assert (share["x"], share["n"]) == (33, 369)
    assert share["lower"] < 0.09 < share["upper"]
    assert by_fact.loc["FR065", "n"] == 581
    assert pd.isna(by_fact.loc["FR060", "n"])  # 2022: no published total
    assert set(table["fact_id"]) == {
        "FR004", "FR005", "FR033", "FR034", "FR035", "FR044", "FR059", "FR060", "FR061", "FR065",
    }  # fmt: skip
    fr = france.patient_endangerment(figures, lang="fr").set_index("fact_id")
    assert fr.loc["FR005", "measure"] == "mises en danger avérées de patients"


def test_compare_with_first_year_equals_compare_periods(figures):
    table = france.compare_with_first_year(figures)
    assert table["period_b"].tolist() == ["2019", "2020", "2021", "2023", "2024"]
    row = table[table["period_b"] == "2024"].iloc[0]
    # The same comparison from incident-level data with the statistics module.
    dates = ["2018-03-01"] * 319 + ["2024-03-01"] * 749
    df = pd.DataFrame({"reported_date": pd.to_datetime(dates)})
    ref = ist.compare_periods(
        df, ("2017-10", "2018-09"), "2024", start="2017-10-01", end="2024-12-31"
    )
    ref = ref.iloc[0]
    for col in ("count_a", "count_b", "exposure_a", "exposure_b", "rate_a", "rate_b"):
        assert row[col] == pytest.approx(ref[col]), col
    assert row["rate_ratio"] == pytest.approx(749 / 319)
    assert row["lower"] == pytest.approx(ref["lower"]) and row["upper"] == pytest.approx(
        ref["upper"]
    )
    assert row["lower"] == pytest.approx(2.057, abs=1e-3) and row["upper"] == pytest.approx(
        2.685, abs=1e-3
    )
    assert 0 < row["p_value"] < 1e-30
    # 2020 (369 against 319) is not a clear change: the interval includes 1.
    y2020 = table[table["period_b"] == "2020"].iloc[0]
    assert y2020["lower"] < 1 < y2020["upper"] and y2020["p_value"] > 0.05
    per_year = france.compare_with_first_year(figures, 2024, unit="year").iloc[0]
    assert per_year["rate_a"] == 319 and per_year["rate_ratio"] == pytest.approx(row["rate_ratio"])


@pytest.mark.parametrize(
    ("years", "message"),
    [(2018, "overlaps the first reporting year"), (2022, "no incident count published for 2022")],
)
def test_compare_with_first_year_refuses(figures, years, message):
    with pytest.raises(ParameterError, match=message):
        france.compare_with_first_year(figures, years)


def test_describe_comparison_in_both_languages(figures):
    table = france.compare_with_first_year(figures, 2024)
    en = france.describe_comparison(table)
    assert en.startswith("2024: 749 incidents, 62.4 a month, against 319 (26.6 a month)")
    assert "2.35 times the rate (95% CI 2.06 to 2.69; exact test p < 0.001)" in en
    fr = france.describe_comparison(table, lang="fr")
    assert "62,4 par mois" in fr and "2,35 fois" in fr and "2,06 à 2,69" in fr
    with pytest.raises(ParameterError, match="name a year"):
        france.describe_comparison(france.compare_with_first_year(figures))


def test_headline_figures_cite_their_sources(figures):
    cards = france.headline_figures(figures, year=2023, lang="fr")
    assert [c["value"] for c in cards] == ["319", "581", "×1,82", "47\u202f%"]
    assert cards[0]["ci"] == "ZATAZ, octobre 2018 (déduite)"
    assert "ANS / CERT Santé" in cards[1]["ci"]


def test_published_figures_and_cited_sources(figures):
    shown = france.published_figures(figures, fact_ids=["FR002", "FR003", "FR010"], lang="fr")
    assert shown["published"].tolist() == ["27 par mois", "47\u202f%", "près de 500"]
    assert shown["source"].iloc[0] == "ZATAZ, octobre 2018 (déduite)"
    mal = france.published_figures(figures, metrics="share_malicious")
    assert len(mal) == 8
    cited = france.cited_sources(figures, france.yearly_counts(figures), mal)
    assert cited["url"].str.startswith("https://").all()
    assert cited["url"].is_unique
    facts = ", ".join(cited["facts"]).split(", ")
    assert sorted(facts) == sorted(
        set(france.yearly_counts(figures)["fact_id"].dropna()) | set(mal["fact_id"])
    )
    assert "[title from URL slug]" not in " ".join(cited["title"])


def test_period_labels():
    assert france.period_label("2017-10/2019-05") == "Oct 2017 – May 2019"
    assert france.period_label("2017-10/2018", "fr") == "oct. 2017 – 2018 (fin non précisée)"
    assert france.period_label("undated") == "undated"


def test_record_provenance_writes_what_the_title_page_reads(figures, tmp_path):
    import json

    from incidentstats import notebook as nb

    rep = nb.Report(output_dir=tmp_path, lang="fr", name="france")
    france.record_provenance(rep, figures)
    written = json.loads((tmp_path / "provenance.json").read_text(encoding="utf-8"))
    assert written["as_of"] == "2025"
    assert written["period"] == {"start": "2017-10-01", "end": "2024-12-31"}
    assert written["dataset"].startswith("Observatoire des incidents de sécurité")
    assert rep.provenance == written
    assert france.report_provenance(figures)["dataset"] == france.DATASET
    with pytest.raises(ParameterError, match="missing 'as_of'"):
        france.record_provenance(rep, {"dataset": "x", "period": {}})
