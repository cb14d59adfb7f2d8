"""Tests for the france package: the analyses and report text built on the French observatory's figures."""

from __future__ import annotations

import pandas as pd
import pytest

import incidentstats as ist
from incidentstats import france
from incidentstats.errors import ParameterError
from incidentstats.readers.france import read_figures


@pytest.fixture(scope="module")
def figures():
    return read_figures()


def fact(figures, fact_id):
    rows = figures[figures["fact_id"] == fact_id]
    assert len(rows) == 1, fact_id
    return rows.iloc[0]


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


def test_doctests():
    import doctest

    result = doctest.testmod(france.figures, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
