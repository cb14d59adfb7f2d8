"""Value names: misspellings fail loudly, unknown labels are matched without regard to case.

Reproductions 10 and 11 of issue 10, on the real HHS 2024-07 pair and the VCDB flat table.
"""

from __future__ import annotations

import doctest
import warnings

import pandas as pd
import pytest
from conftest import shared_path

import incidentstats as ist
from incidentstats import values
from incidentstats.errors import ParameterError

PAIR = (
    ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv"),
    ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv"),
)
FLAT = ("vcdb", "vcdb_2019-03_healthcare_flat_shared.csv")
ACTIONS = ("Malware", "Hacking", "Social", "Physical", "Misuse", "Error", "Environmental")


@pytest.fixture(scope="module")
def pair(hhs_2024_pair):
    return hhs_2024_pair


def test_doctests():
    result = doctest.testmod(values)
    assert result.attempted >= 3 and result.failed == 0


def test_is_unknown_ignores_case_and_spaces():
    assert [
        values.is_unknown(v) for v in ("unknown", "Unknown", " UNKNOWN ", "Unknowns", None)
    ] == [
        True,
        True,
        True,
        False,
        False,
    ]


# --- reproduction 10: misspelled values ---------------------------------------------------


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda df: ist.shares_over_time(df, values=["Hacking"]), "values"),
        (lambda df: ist.shares_over_time(df, "category", values="hacking_it"), "values"),
        (lambda df: ist.ratio(df, {"category": "Hacking"}), "numerator"),
        (lambda df: ist.ratio(df, {"origin": "malicious"}, {"category": "Theft"}), "denominator"),
        (lambda df: ist.ratio_over_time(df, {"categories": ["hacking", "Hacking"]}), "numerator"),
        (lambda df: ist.share_trend(df, "Hacking"), "value"),
        (lambda df: ist.filter_incidents(df, categories=["Hacking"]), "categories"),
        (lambda df: ist.filter_incidents(df, organisation_types="providers"), "organisation_types"),
        (lambda df: ist.filter_incidents(df, regions=["Texas"]), "regions"),
    ],
)
def test_reproduction_10_a_value_that_never_occurs_is_an_error(pair, call, parameter):
    # Today's main returns x = 0 for every period, intervals included.
    with pytest.raises(ParameterError, match=f"parameter '{parameter}'") as err:
        call(pair)
    assert "does not occur" in str(err.value)


def test_the_error_names_the_closest_values(pair):
    with pytest.raises(ParameterError, match="'Hacking'.*closest: 'hacking'"):
        ist.shares_over_time(pair, values=["Hacking"])
    with pytest.raises(ParameterError, match="closest: 'provider'"):
        ist.filter_incidents(pair, organisation_types=["providers"])


def test_a_canonical_value_absent_from_a_selection_is_a_true_zero(pair):
    """A category of the taxonomy that a selection lacks is counted as 0, not refused."""
    theft_2010 = ist.filter_incidents(pair, start="2010", end="2010", categories=["theft"])
    table = ist.shares_over_time(theft_2010, "category", values=["ransomware"])
    assert table["x"].tolist() == [0] and table["n"].tolist() == [len(theft_2010)]


# --- reproduction 11: unknown labels ------------------------------------------------------


def test_reproduction_11_hhs_unknown_type_leaves_the_denominator(pair):
    table = ist.shares(pair, by="source_categories")
    # Today's main keeps an "Unknown" row and those incidents in n (6,274).
    assert "Unknown" not in set(table["value"])
    labels = pair["source_categories"]
    only_unknown = labels.map(lambda v: len(v) == 0 or all(str(i) == "Unknown" for i in v))
    assert int(labels.map(lambda v: "Unknown" in list(v)).sum()) == 16
    # 6,276 incidents once distinct same-key breaches are kept (West Sound), 11 only Unknown.
    assert table["n"].iloc[0] == len(pair) - int(only_unknown.sum()) == 6265
    assert table["n_unknown"].iloc[0] == int(only_unknown.sum())


def test_reproduction_11_vcdb_actions_equal_verispy_enum_summary():
    """x and n as verispy's ``enum_summary(df, "action")`` computes them (use_unk=False):
    x counts each action, n the incidents with any action other than Unknown."""
    flat = shared_path(*FLAT)
    raw = pd.read_csv(flat, dtype=str, keep_default_na=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        df = ist.load("veris", flat)
    table = ist.shares(df, by="source_categories").set_index("value")
    known = raw[[f"action.{a}" for a in ACTIONS]].eq("1")
    n = int(known.any(axis=1).sum())
    assert n == 1466  # 1,503 incidents, 37 with no action but Unknown
    for action in ACTIONS:
        x = int(known[f"action.{action}"].sum())
        if x:
            assert (table.loc[action, "x"], table.loc[action, "n"]) == (x, n)
    assert "Unknown" not in table.index


def test_unknown_include_keeps_the_label(pair):
    table = ist.shares(pair, by="source_categories", unknown="include")
    assert table["n"].iloc[0] == len(pair)
    assert table.set_index("value").loc["Unknown", "x"] == 16


def test_prc_unkn_code_is_unknown():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        df = ist.load("prc", shared_path("prc", "prc_chronology_export_2017-01_amlin.csv"))
    table = ist.shares(df, by="source_categories")
    only_unkn = df["source_categories"].map(lambda v: len(v) == 0 or list(v) == ["UNKN"])
    assert "UNKN" not in set(table["value"])
    assert table["n"].iloc[0] == len(df) - int(only_unkn.sum())
    assert table["n_unknown"].iloc[0] == int(only_unkn.sum()) >= 34


def test_describe_share_names_the_closest_value(pair):
    table = ist.shares(pair, by="category")
    with pytest.raises(ParameterError, match="parameter 'value'.*closest: 'hacking'"):
        ist.describe_share(table, "Hacking")
    assert ist.describe_share(table, "hacking").endswith(f"of {table['n'].iloc[0]:,})")


def test_a_flag_column_accepts_true_and_false_even_when_unset(tiny):
    df = tiny.assign(business_associate=pd.array([None] * 5, dtype="boolean"))
    table = ist.ratio(df, {"business_associate": True}, {"business_associate": [True, False]})
    assert (table["x"].item(), table["n"].item()) == (0, 0)
    with pytest.raises(ParameterError, match="parameter 'numerator'"):
        ist.ratio(df, {"business_associate": "yes"})
