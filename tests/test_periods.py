"""The period model: one reading of time bounds, and analysis windows that travel honestly.

Reproductions 1 to 5 of issue 10 run on the real 2024-07 HHS pair (archive plus
under-investigation list); the hand-made frames check the rules where the answer must be
checkable by hand.
"""

from __future__ import annotations

import datetime as dt
import doctest
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentstats as ist
from incidentstats import periods
from incidentstats.errors import ParameterError
from incidentstats.report import check_parameters, parse_bound

PAIR = (
    ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv"),
    ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv"),
)


@pytest.fixture(scope="module")
def pair(hhs_2024_pair):
    """The 2024-07 archive and under-investigation exports loaded together."""
    return hhs_2024_pair


_FIT = ["model", "rate_ratio", "lower", "upper", "p_value", "selected", "periods_used"]


def _fit(table: pd.DataFrame) -> pd.DataFrame:
    """The fitted numbers of a trend table, without its provenance."""
    return pd.DataFrame(table)[_FIT].reset_index(drop=True)


def _assert_same_fit(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(_fit(a), _fit(b), check_exact=False, rtol=1e-9)


def test_doctests():
    result = doctest.testmod(periods)
    assert result.attempted >= 4 and result.failed == 0


# --- one parser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        (2015, "2015-01-01", "2015-12-31"),
        (np.int64(2015), "2015-01-01", "2015-12-31"),
        ("2015", "2015-01-01", "2015-12-31"),
        (" 2015 ", "2015-01-01", "2015-12-31"),
        ("2014-06", "2014-06-01", "2014-06-30"),
        ("2016-02", "2016-02-01", "2016-02-29"),
        ("2014Q2", "2014-04-01", "2014-06-30"),
        ("2014-Q4", "2014-10-01", "2014-12-31"),
        ("2014-06-17", "2014-06-17", "2014-06-17"),
        (dt.date(2014, 6, 17), "2014-06-17", "2014-06-17"),
        (dt.datetime(2014, 6, 17, 15, 30), "2014-06-17", "2014-06-17"),
        (pd.Timestamp("2014-06-17 08:00"), "2014-06-17", "2014-06-17"),
        (pd.Period("2014-06", freq="M"), "2014-06-01", "2014-06-30"),
    ],
)
def test_parse_period_reads_every_documented_form(value, first, last):
    lo, hi = periods.parse_period(value, "start")
    assert (str(lo.date()), str(hi.date())) == (first, last)
    assert periods.parse_bound(value, "start") == lo
    assert periods.parse_bound(value, "end") == hi


@pytest.mark.parametrize(
    "value",
    ["June 2014", "2014-13", "2014-02-30", "14", "2014/06", True, 20.5, 99, [2014], "2014Q5"],
)
def test_parse_period_refuses_anything_else_naming_the_parameter(value):
    with pytest.raises(ParameterError, match="parameter 'end'"):
        periods.parse_bound(value, "end", "end")


def test_empty_bounds_mean_no_bound_and_order_is_checked():
    assert periods.parse_window(None, "") == (None, None)
    with pytest.raises(ParameterError, match="parameter 'end'.*before start"):
        periods.parse_window("2015", "2014-06")


def test_reproduction_5_end_2014_06_means_30_june_everywhere(tiny):
    """filters, stats and the report parameters read "2014-06" as an end the same way."""
    assert parse_bound("end", "2014-06") == (dt.date(2014, 6, 1), dt.date(2014, 6, 30))
    df = tiny.copy()
    df["reported_date"] = pd.to_datetime(
        ["2014-05-31", "2014-06-01", "2014-06-15", "2014-06-30", "2014-07-01"]
    )
    selected = ist.filter_incidents(df, end="2014-06")
    # Today's main reads the end as 1 June in filter_incidents: 2 incidents, not 4.
    assert len(selected) == 4
    assert selected.attrs["provenance"]["filters"]["end"] == "2014-06-30"
    counted = ist.counts_by_period(df, "M", end="2014-06")
    assert counted.attrs["provenance"]["coverage_end"] == "2014-06-30"
    assert counted["count"].sum() == 4
    assert check_parameters(
        {"start": "2014", "end": "2014-06"},
        {"start": {"type": "str", "default": '""'}, "end": {"type": "str", "default": '""'}},
        notebook="trends",
    ) == {"start": "2014", "end": "2014-06"}
    with pytest.raises(ParameterError, match="parameter 'end'"):
        check_parameters(
            {"start": "2014-07", "end": "2014-06"},
            {"start": {"type": "str", "default": '""'}, "end": {"type": "str", "default": '""'}},
            notebook="trends",
        )


# --- reproductions 1 to 4 on the 2024-07 pair --------------------------------------------


def test_reproduction_1_integer_years(pair):
    table = ist.counts_by_period(pair, start=2015, end=2023)
    # Today's main gives one row, "1970".
    assert table["period"].astype(str).tolist() == [str(y) for y in range(2015, 2024)]
    assert table["complete"].all()
    years = pd.to_datetime(pair["reported_date"]).dt.year
    assert table["count"].tolist() == [int((years == y).sum()) for y in range(2015, 2024)]
    _assert_same_fit(ist.trend(pair, start=2015), ist.trend(pair, start="2015"))
    assert ist.trend(pair, start=2015)["periods_used"].iloc[0] == "2015–2023"
    for func, kwargs in (
        (ist.rates, {"freq": "Y"}),
        (ist.rate_per, {"unit": "month"}),
        (ist.shares_over_time, {"by": "category"}),
    ):
        as_int = func(pair, start=2015, end=2023, **kwargs)
        as_text = func(pair, start="2015", end="2023", **kwargs)
        pd.testing.assert_frame_equal(pd.DataFrame(as_int), pd.DataFrame(as_text))
        assert as_int.attrs["provenance"]["coverage_start"] == "2015-01-01"
        assert as_int.attrs["provenance"]["coverage_end"] == "2023-12-31"


def test_reproduction_2_a_pandas_slice_does_not_inherit_the_parent_window(pair):
    sub = pair[pair["reported_date"].dt.year.between(2010, 2017)]
    with pytest.warns(ist.DataWarning, match="rows themselves"):
        counted = ist.counts_by_period(sub)
    # Today's main fills 2018 to 2024 with zeros up to the parent's as-of date.
    assert counted["period"].astype(str).tolist() == [str(y) for y in range(2010, 2018)]
    assert counted["count"].min() > 0 and counted["complete"].all()
    assert any("rows themselves" in w for w in counted.attrs["provenance"]["warnings"])
    explicit = ist.counts_by_period(pair, start="2010", end="2017")
    pd.testing.assert_frame_equal(
        pd.DataFrame(counted)[["period", "count", "complete"]],
        pd.DataFrame(explicit)[["period", "count", "complete"]],
    )
    with pytest.warns(ist.DataWarning) as caught:
        sliced = ist.trend(sub)
    assert caught[0].filename == __file__  # the warning points at the user's call
    window = ist.trend(pair, start="2010", end="2017")
    _assert_same_fit(sliced, window)
    # The published figure: +9% a year over 2010-2017 (today's main: a steep fall).
    poisson = window.set_index("model").loc["poisson"]
    assert poisson["rate_ratio"] == pytest.approx(1.09, abs=0.005)


def test_a_slice_cut_inside_a_year_keeps_that_year_partial(pair):
    d = pair["reported_date"]
    sub = pair[(d >= "2012-03-15") & (d <= "2019-08-20")]
    with pytest.warns(ist.DataWarning):
        counted = ist.counts_by_period(sub)
    assert counted["complete"].tolist() == [False] + [True] * 6 + [False]
    explicit = ist.counts_by_period(pair, start="2012-03-15", end="2019-08-20")
    assert counted["complete"].tolist() == explicit["complete"].tolist()
    assert counted["count"].tolist() == explicit["count"].tolist()


def test_filter_incidents_records_the_window_so_no_warning_is_needed(pair):
    selected = ist.filter_incidents(pair, start="2010", end="2017", categories=["theft"])
    assert selected.attrs["provenance"]["coverage"] == {"start": "2010-01-01", "end": "2017-12-31"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ist.DataWarning)
        counted = ist.counts_by_period(selected)
    assert counted["period"].astype(str).tolist() == [str(y) for y in range(2010, 2018)]
    assert counted["complete"].all()
    # Whole years without a theft would be real zeros here: the window says so.
    assert counted["count"].sum() == len(selected)


def test_reproduction_3_a_start_on_1_january_is_complete(pair):
    table = ist.counts_by_period(pair, start="2015")
    assert bool(table["complete"].iloc[0]) and str(table["period"].iloc[0]) == "2015"
    # The data begin on 2009-10-21: 2009 stays partial whatever start says.
    early = ist.counts_by_period(pair, start="2009")
    assert not bool(early["complete"].iloc[0])
    assert early.attrs["provenance"]["coverage_start"] == "2009-10-21"


def test_reproduction_3_the_notebook_path_fits_the_same_years_as_the_api(pair):
    """``rep.load(start=...)`` then ``rep.trend``: what the trends and overview notebooks do."""
    from incidentstats import notebook as nb

    rep = nb.start(name="trends")
    for start, first in (("2012", "2012"), ("2015", "2015")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ist.DataWarning)
            df = rep.load("hhs", [str(shared_path(*p)) for p in PAIR], start=start)
        fitted = rep.trend(df)
        # Today's main: "No trend fitted" for 2012, and 2016-2023 for 2015.
        assert not fitted.empty
        assert fitted["periods_used"].iloc[0] == f"{first}–2023"
        _assert_same_fit(fitted, ist.trend(pair, start=start))


def test_reproduction_3_docs_report_example_start_2012_on_the_embedded_list():
    """docs/reports.md: ``incidentstats report --notebooks overview,trends -p start=2012``."""
    from incidentstats import notebook as nb

    rep = nb.start(name="trends")
    df = rep.load("hhs", None, start="2012")
    fitted = rep.trend(df)
    # Today's main: "No trend fitted: a trend needs at least 3 complete periods, got 2".
    assert not fitted.empty
    assert fitted["periods_used"].iloc[0] == "2012–2014"
    _assert_same_fit(fitted, ist.trend(ist.load("hhs"), start=2012, end=2014))


def test_reproduction_4_an_end_past_the_data_leaves_the_last_year_partial(pair):
    table = ist.counts_by_period(pair, start="2015", end="2024")
    last = table.iloc[-1]
    assert str(last["period"]) == "2024" and not bool(last["complete"])
    assert table.attrs["provenance"]["coverage_end"] == pair.attrs["provenance"]["as_of"]
    fitted = ist.trend(pair, start="2015", end="2024")
    assert fitted["periods_used"].iloc[0] == "2015–2023"
    _assert_same_fit(fitted, ist.trend(pair, start="2015", end="2023"))
    rate = ist.rate_per(pair, "month", start="2024", end="2024")
    # January to 28 June 2024: under six months of exposure, not twelve.
    assert rate["exposure"].item() == pytest.approx(5 + 28 / 30)
    with pytest.raises(ParameterError, match="parameter 'start'"):
        ist.counts_by_period(pair, start="2025")


# --- partial spans and hand-made windows -----------------------------------------------


def _frame(days, **prov):
    df = pd.DataFrame({"reported_date": pd.to_datetime(days)})
    df.attrs = {"provenance": {"rows_clean": len(df), **prov}}
    return df


def test_periods_overlapping_a_partial_span_are_incomplete():
    days = [f"{y}-{m:02d}-15" for y in range(2018, 2023) for m in range(1, 13)]
    df = _frame(
        days,
        as_of="2022-12-31",
        period={"start": "2018-01-01", "end": "2022-12-31"},
        partial_spans=[{"start": "2018-01-01", "end": "2020-06-30", "reason": "open cases only"}],
    )
    table = ist.counts_by_period(df)
    assert table["complete"].tolist() == [False, False, False, True, True]
    quarters = ist.counts_by_period(df, "Q")
    assert quarters["complete"].tolist() == [False] * 10 + [True] * 10
    with pytest.raises(ParameterError, match="3 complete periods"):
        ist.trend(df)


def test_without_provenance_the_requested_bounds_are_trusted(tiny):
    table = ist.counts_by_period(tiny, "Y", start=2020, end=2022)
    assert table["complete"].tolist() == [True, True, True]
    assert ist.counts_by_period(tiny)["complete"].tolist() == [False, True, True]


def test_a_subset_with_an_explicit_window_needs_no_warning():
    days = pd.date_range("2015-01-01", "2020-12-31", freq="D")
    df = _frame(days, as_of="2020-12-31", period={"start": "2015-01-01", "end": "2020-12-31"})
    rare = df.iloc[::97]  # a sparse subset: its first and last rows fall inside the years
    with warnings.catch_warnings():
        warnings.simplefilter("error", ist.DataWarning)
        table = ist.counts_by_period(rare, start="2015", end="2020")
    assert table["complete"].all() and table["count"].sum() == len(rare)


# --- the property: a window and its slice give the same answer -----------------------------


_years = st.integers(min_value=2010, max_value=2020)
_months = st.integers(min_value=1, max_value=12)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=_years, span=st.integers(min_value=3, max_value=10), ma=_months, mb=_months,
       whole=st.booleans(), freq=st.sampled_from(["Y", "Q"]))  # fmt: skip
def test_property_window_and_slice_agree(pair, a, span, ma, mb, whole, freq):
    b = min(a + span, 2023)
    start, end = (str(a), str(b)) if whole else (f"{a}-{ma:02d}", f"{b}-{mb:02d}")
    lo, hi = periods.parse_window(start, end)
    d = pair["reported_date"]
    sub = pair[(d >= lo) & (d <= hi)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        counted_slice = ist.counts_by_period(sub, freq)
        counted = ist.counts_by_period(pair, freq, start=start, end=end)
        cols = ["period", "count", "complete"]
        pd.testing.assert_frame_equal(
            pd.DataFrame(counted_slice)[cols], pd.DataFrame(counted)[cols]
        )
        try:
            window = ist.trend(pair, freq, start=start, end=end)
        except ParameterError:  # too few complete periods: the slice must say so too
            with pytest.raises(ParameterError):
                ist.trend(sub, freq)
            return
        sliced = ist.trend(sub, freq)
    _assert_same_fit(sliced, window)


def test_compare_periods_and_period_groups_read_integer_years(pair):
    as_int = ist.compare_periods(pair, 2013, 2014)
    as_text = ist.compare_periods(pair, "2013", "2014")
    pd.testing.assert_frame_equal(pd.DataFrame(as_int), pd.DataFrame(as_text))
    years = pair["reported_date"].dt.year
    assert (as_int["count_a"].item(), as_int["count_b"].item()) == (
        int((years == 2013).sum()),
        int((years == 2014).sum()),
    )
    mix = ist.category_mix_test(pair, groups=[2013, (2015, "2016-06")])
    assert mix["n"].item() > 0
    with pytest.raises(ParameterError, match="parameter 'period_b'"):
        ist.compare_periods(pair, 2013, "2014-13")


@pytest.mark.slow
@pytest.mark.parametrize(("start", "first"), [("2012", "2012"), ("2015", "2015")])
def test_reproduction_3_trends_notebook_fits_from_the_start_year(tmp_path, pair, start, first):
    """``incidentstats report --notebooks trends -p start=2012`` (docs/reports.md)."""
    import json

    import nbformat
    import papermill

    from incidentstats.paths import notebook_sources

    papermill.execute_notebook(
        str(notebook_sources() / "trends.ipynb"),
        str(tmp_path / "trends.ipynb"),
        parameters={
            "source": "hhs",
            "input_paths": [str(shared_path(*p)) for p in PAIR],
            "start": start,
            "output_dir": "out",
        },
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
        log_output=False,
    )
    models = pd.read_csv(tmp_path / "out" / "tables" / "trends-trend-models.csv")
    # Today's main: "No trend fitted" for 2012, 2016-2023 for 2015.
    assert set(models["periods_used"]) == {f"{first}–2023"}
    expected = ist.trend(pair, start=start)
    assert models["rate_ratio"].to_numpy() == pytest.approx(
        expected["rate_ratio"].to_numpy(), nan_ok=True
    )
    text = json.dumps(nbformat.read(str(tmp_path / "trends.ipynb"), as_version=4).cells)
    assert ist.describe_trend(expected).split(" (")[0] in text
    assert "No trend fitted" not in text


def test_rows_appended_to_a_loaded_table_are_never_cut_off():
    days = pd.date_range("2018-01-01", "2020-12-31", freq="7D")
    df = _frame(days, as_of="2020-12-31", period={"start": "2018-01-01", "end": "2020-12-31"})
    later = pd.concat([df, pd.DataFrame({"reported_date": pd.to_datetime(["2021-03-01"])})])
    later.attrs = df.attrs
    with pytest.warns(ist.DataWarning):
        table = ist.counts_by_period(later)
    assert table["count"].sum() == len(later)
    assert table["period"].astype(str).tolist() == ["2018", "2019", "2020", "2021"]
    assert table["complete"].tolist() == [True, True, True, False]
