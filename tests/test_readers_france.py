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


def test_doctests():
    import doctest

    result = doctest.testmod(france, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
