"""Cross tabulations and comparisons: counts by category, crosstabs, two periods
compared, and the test of a change in category mix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..values import is_unknown
from .proportions import (
    _add_ci,
    _group_labels,
    _is_list,
    _is_list_column,
    _only_unknown,
    _values_per_incident,
    proportion_ci,
)
from .rates import _bound, _coverage, _coverage_prov, _dates, _exposure, _period_frame, _unit_name
from .tables import (
    _FREQS,
    StatsTable,
    _check_ci,
    _check_column,
    _check_freq,
    _check_level,
    _check_unknown,
    _finish,
    sm_rates,
    sps,
)

# --- cross tabulations --------------------------------------------------------------


def counts_by(
    df: pd.DataFrame,
    rows: str = "region",
    freq: str = "Y",
    *,
    date: str = "reported_date",
    start=None,
    end=None,
) -> StatsTable:
    """Incidents per value of ``rows`` and period, every combination present (for heatmaps).

    A multi-valued ``rows`` column counts an incident once in each of its values;
    missing values count as ``"unknown"``.

    Returns
    -------
    StatsTable
        ``row_value, period, start, count, complete``.

    Examples
    --------
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2021-02-01"]),
    ...                    "region": ["TX", "CA", "CA"]})
    >>> counts_by(df)[["row_value", "count"]].to_dict("list")
    {'row_value': ['CA', 'CA', 'TX', 'TX'], 'count': [0, 2, 1, 0]}
    """
    table, row_period, cov, n = _period_frame(df, freq, date, start, end)
    values = _values_per_incident(df, rows, "rows")
    keep = row_period.notna()
    frame = pd.DataFrame({"row_value": values[keep], "period": row_period[keep]}).explode(
        "row_value"
    )
    counts = frame.groupby(["row_value", "period"]).size()
    labels = sorted(frame["row_value"].astype(str).unique())
    grid = pd.MultiIndex.from_product(
        [labels, pd.PeriodIndex(table["period"])], names=["row_value", "period"]
    )
    counts = counts.reindex(grid, fill_value=0)
    out = counts.rename("count").reset_index()
    lookup = table.set_index("period")
    out["start"] = lookup.loc[out["period"], "start"].to_numpy()
    out["complete"] = lookup.loc[out["period"], "complete"].to_numpy().astype(bool)
    out["count"] = out["count"].astype(int)
    out = out[["row_value", "period", "start", "count", "complete"]]
    return _finish(
        out,
        df,
        statistic="counts_by",
        rows=rows,
        freq=_FREQS[freq],
        date=date,
        n=n,
        **_coverage_prov(cov),
    )


def crosstab(
    df: pd.DataFrame,
    rows: str = "organisation_type",
    cols: str = "categories",
    *,
    unknown: str = "include",
    ci: str = "wilson",
    level: float = 0.95,
) -> StatsTable:
    """Incidents per combination of two columns, long format, with row shares.

    Each incident counts once per (row value, column value) pair it has: list
    columns are exploded per incident, never double counted within one.

    Parameters
    ----------
    rows, cols : str
    unknown : {"include", "exclude"}
        ``"exclude"`` drops incidents whose row or column value is only unknown.
    ci, level :
        Interval of ``share_of_row``.

    Returns
    -------
    StatsTable
        ``row, col, x, n_row, share_of_row, lower, upper, method``; every combination
        appears, with ``x = 0`` where no incident has it.

    Examples
    --------
    >>> df = pd.DataFrame({"organisation_type": ["provider", "provider", "health_plan"],
    ...                    "categories": [["theft"], ["theft", "hacking"], ["loss"]]})
    >>> t = crosstab(df)
    >>> t[t.row == "provider"][["col", "x", "n_row"]].to_dict("records")
    [{'col': 'hacking', 'x': 1, 'n_row': 2}, {'col': 'loss', 'x': 0, 'n_row': 2}, {'col': 'theft', 'x': 2, 'n_row': 2}]
    """
    _check_unknown(unknown)
    _check_ci(ci)
    level = _check_level(level)
    rv = _values_per_incident(df, rows, "rows")
    cv = _values_per_incident(df, cols, "cols")
    keep = pd.Series(True, index=df.index)
    if unknown == "exclude":
        keep = ~_only_unknown(rv) & ~_only_unknown(cv)
        rv = rv[keep].map(lambda v: [i for i in v if not is_unknown(i)])
        cv = cv[keep].map(lambda v: [i for i in v if not is_unknown(i)])
    frame = pd.DataFrame({"row": rv, "col": cv}).explode("row").explode("col")
    x = frame.groupby(["row", "col"]).size()
    n_row = pd.DataFrame({"row": rv}).explode("row").groupby("row").size()
    row_labels = sorted(n_row.index.astype(str))
    col_labels = sorted(frame["col"].astype(str).unique())
    grid = pd.MultiIndex.from_product([row_labels, col_labels], names=["row", "col"])
    out = x.reindex(grid, fill_value=0).rename("x").reset_index()
    out["x"] = out["x"].astype(int)
    out["n_row"] = n_row.reindex(out["row"]).to_numpy().astype(int)
    out = _add_ci(out, ci, level, n="n_row")
    out = out.rename(columns={"share": "share_of_row"})
    out = out[["row", "col", "x", "n_row", "share_of_row", "lower", "upper", "method"]]
    return _finish(
        out,
        df,
        statistic="crosstab",
        rows=rows,
        cols=cols,
        n=int(keep.sum()),
        unknown=unknown,
        ci=ci,
        level=level,
    )


# --- comparisons --------------------------------------------------------------------


def _period_span(spec, name: str):
    """(start, end) days of a period (anything ``periods.parse_period`` reads) or a pair."""
    if isinstance(spec, tuple | list):
        if len(spec) != 2:
            raise ParameterError(name, f"expected (start, end), got {spec!r}")
        lo, hi = _bound(spec[0], "start", name), _bound(spec[1], "end", name)
    elif spec is None or isinstance(spec, dict | set):
        raise ParameterError(
            name, f"expected a period like '2014' or a (start, end) pair, got {spec!r}"
        )
    else:
        lo, hi = _bound(spec, "start", name), _bound(spec, "end", name)
    if lo > hi:
        raise ParameterError(name, f"starts {lo.date()} after it ends {hi.date()}")
    return lo, hi


def _span_text(span) -> str:
    return f"{span[0].date()} to {span[1].date()}"


_RATIO_COLUMNS = ("rate_a", "rate_b", "rate_ratio", "lower", "upper", "pct_change", "p_value")


def rate_ratio_exact(count_a, exposure_a, count_b, exposure_b, *, level: float = 0.95) -> dict:
    """The rate ratio b/a of two Poisson counts, with its exact conditional interval and test.

    Given the total, ``count_b`` is binomial; its Clopper-Pearson interval is turned into a
    rate ratio, and the p-value is statsmodels' ``test_poisson_2indep`` (``exact-cond``).
    Shared by ``compare_periods`` and the France report's comparison with the first year.

    Returns
    -------
    dict
        ``rate_a, rate_b, rate_ratio, lower, upper, pct_change, p_value, method``.

    Examples
    --------
    >>> r = rate_ratio_exact(319, 12, 749, 12)
    >>> round(r["rate_ratio"], 2), round(r["lower"], 2), round(r["upper"], 2)
    (2.35, 2.06, 2.69)
    """
    ca, ea, cb, eb = int(count_a), float(exposure_a), int(count_b), float(exposure_b)
    test = sm_rates.test_poisson_2indep(cb, eb, ca, ea, method="exact-cond")
    pi_lo, pi_hi = proportion_ci(cb, ca + cb, method="clopper-pearson", level=level)
    with np.errstate(divide="ignore"):
        lower = pi_lo / (1 - pi_lo) * ea / eb if pi_lo < 1 else np.inf
        upper = pi_hi / (1 - pi_hi) * ea / eb if pi_hi < 1 else np.inf
    rate_a, rate_b = ca / ea, cb / eb
    rr = rate_b / rate_a if ca > 0 else np.inf
    return {
        "rate_a": rate_a,
        "rate_b": rate_b,
        "rate_ratio": rr,
        "lower": float(lower),
        "upper": float(upper),
        "pct_change": 100 * (rr - 1),
        "p_value": float(test.pvalue),
        "method": "exact conditional (binomial) test and Clopper-Pearson "
        f"{level:.0%} CI of the rate ratio b/a",
    }


def compare_periods(
    df: pd.DataFrame,
    period_a,
    period_b,
    *,
    date: str = "reported_date",
    unit: str = "month",
    level: float = 0.95,
    start=None,
    end=None,
) -> StatsTable:
    """Rate ratio of period b over period a, exact conditional interval and test.

    Conditional on the total count, the count in b is binomial; its Clopper-Pearson
    interval, turned into a rate ratio, gives an exact interval, and the exact
    conditional test (statsmodels' ``test_poisson_2indep``) the p-value. Each period
    is cut to the span the data cover, and its exposure is the covered length.

    Parameters
    ----------
    df : DataFrame
    period_a, period_b : str, Period or (start, end)
        ``"2013"``, ``"2014Q2"``, ``("2017-10", "2018-09")``.
    date : str
    unit : {"month", "quarter", "year"}
        Unit of the rates shown (the ratio does not depend on it).
    level : float
    start, end : optional
        Span the data cover (see ``counts_by_period``); a period reaching outside it
        is cut to it, and a note says so.

    Returns
    -------
    StatsTable
        One row: ``period_a, period_b, count_a, count_b, exposure_a, exposure_b, unit,
        rate_a, rate_b, rate_ratio, lower, upper, pct_change, p_value, note, method``.

    Examples
    --------
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime(["2020-03-01"] * 10 + ["2021-03-01"] * 20)})
    >>> t = compare_periods(df, "2020", "2021", start="2020", end="2021")
    >>> float(t["rate_ratio"].item()), round(float(t["p_value"].item()), 3)
    (2.0, 0.099)
    """
    u = _check_freq(unit, "unit")
    level = _check_level(level)
    dates = _dates(df, date)
    cov = _coverage(df, dates, start, end, "M")
    if cov[0] is None:
        raise ParameterError("df", f"no incident has a {date}")
    spans, counts, expos, notes = [], [], [], []
    for name, spec in (("period_a", period_a), ("period_b", period_b)):
        lo, hi = _period_span(spec, name)
        clo, chi = max(lo, cov[0]), min(hi, cov[1])
        if clo > chi:
            raise ParameterError(
                name, f"{_span_text((lo, hi))} lies outside the data ({_span_text(cov)})"
            )
        if (clo, chi) != (lo, hi):
            notes.append(f"{name} cut to the data's span {_span_text((clo, chi))}")
        spans.append((clo, chi))
        counts.append(int(((dates >= clo) & (dates <= chi)).sum()))
        expos.append(_exposure(clo, chi, u))
    (ca, cb), (ea, eb) = counts, expos
    total = ca + cb
    if total == 0:
        raise ParameterError("df", "no incidents in either period")
    ratio = rate_ratio_exact(ca, ea, cb, eb, level=level)
    out = pd.DataFrame(
        {
            "period_a": [_span_text(spans[0])],
            "period_b": [_span_text(spans[1])],
            "count_a": [ca],
            "count_b": [cb],
            "exposure_a": [ea],
            "exposure_b": [eb],
            "unit": [_unit_name(u)],
            **{k: [ratio[k]] for k in _RATIO_COLUMNS},
            "note": ["; ".join(notes)],
            "method": [ratio["method"]],
        }
    )
    return _finish(
        out, df, statistic="compare_periods", date=date, unit=_unit_name(u), n=total, level=level
    )


def _group_series(df: pd.DataFrame, groups, date: str) -> pd.Series:
    """A group label per incident from a column name or a set of periods."""
    if isinstance(groups, str):
        return _group_labels(df, groups, "groups").rename(None)
    if isinstance(groups, dict):
        items = list(groups.items())
    elif isinstance(groups, list | tuple):
        items = [
            (str(g) if not isinstance(g, tuple | list) else f"{g[0]}–{g[1]}", g) for g in groups
        ]
    else:
        raise ParameterError(
            "groups", "expected a column name, a list of periods or a dict label: period"
        )
    if len(items) < 2:
        raise ParameterError("groups", "expected at least two groups")
    dates = _dates(df, date)
    out = pd.Series(pd.NA, index=df.index, dtype="string")
    for lab, spec in items:
        lo, hi = _period_span(spec, "groups")
        hit = (dates >= lo) & (dates <= hi)
        if (hit & out.notna()).any():
            raise ParameterError("groups", f"period {lab!r} overlaps another")
        out[hit.fillna(False)] = str(lab)
    return out


def category_mix_test(
    df: pd.DataFrame,
    by: str = "categories",
    groups="organisation_type",
    *,
    date: str = "reported_date",
    unknown: str = "exclude",
) -> StatsTable:
    """Chi-square test that the mix of ``by`` values is the same across groups.

    Parameters
    ----------
    df : DataFrame
    by : str
        A single-valued column. ``"categories"`` uses each incident's primary
        ``category`` so that each incident falls in one cell, as the test assumes.
    groups : str, list or dict
        A column (``"organisation_type"``) or periods: ``["2012", "2013"]`` or
        ``{"before": ("2010", "2012"), "after": ("2013", "2014")}``.
    date : str
        Date column used with period groups.
    unknown : {"exclude", "include"}
        Leave incidents with an unknown ``by`` value out (default) or keep them as a
        category.

    Returns
    -------
    StatsTable
        One row: ``statistic, dof, p_value, n, n_groups, n_values, cramers_v,
        min_expected, n_small_expected, share_small_expected, small_expected,
        fisher_p, warning, method``. ``small_expected`` is True when an expected count
        is under 5; ``fisher_p`` is the exact test's p-value for a 2x2 table.

    Examples
    --------
    >>> df = pd.DataFrame({"origin": ["malicious"] * 30 + ["accidental"] * 10 + ["malicious"] * 15 + ["accidental"] * 25,
    ...                    "organisation_type": ["provider"] * 40 + ["health_plan"] * 40})
    >>> t = category_mix_test(df, "origin")
    >>> round(float(t["statistic"].item()), 2), int(t["dof"].item()), bool(t["small_expected"].item())
    (11.43, 1, False)
    """
    _check_unknown(unknown)
    _check_column(df, by, "by")
    column, method_note = by, ""
    if _is_list_column(df, by):
        if by == "categories" and "category" in df.columns:
            column, method_note = "category", " (primary category per incident)"
        elif df[by].map(lambda v: _is_list(v) and len(set(v)) > 1).any():
            raise ParameterError(
                "by",
                f"column {by!r} gives some incidents several values; a chi-square needs one per incident",
            )
    values = _values_per_incident(df, column).map(lambda v: v[0])
    grp = _group_series(df, groups, date)
    frame = pd.DataFrame({"g": grp, "v": values}).dropna()
    if unknown == "exclude":
        frame = frame[~frame["v"].map(is_unknown).astype(bool)]
    table = pd.crosstab(frame["g"], frame["v"])
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise ParameterError(
            "groups",
            f"need at least 2 groups and 2 values with incidents, got a {table.shape} table",
        )
    res = sps.chi2_contingency(table.to_numpy(), correction=False)
    expected = res.expected_freq
    small = int((expected < 5).sum())
    share_small = small / expected.size
    warning = ""
    if (expected < 1).any() or share_small > 0.2:
        warning = (
            f"{small} of {expected.size} expected counts under 5 (min {expected.min():.2f}): "
            "the chi-square approximation is unreliable; merge rare categories or use an exact test"
        )
    elif small:
        warning = f"{small} of {expected.size} expected counts under 5 (min {expected.min():.2f})"
    fisher_p = np.nan
    if table.shape == (2, 2):
        fisher_p = float(sps.fisher_exact(table.to_numpy()).pvalue)
    v = float(sps.contingency.association(table.to_numpy(), method="cramer"))
    out = pd.DataFrame(
        {
            "statistic": [float(res.statistic)],
            "dof": [int(res.dof)],
            "p_value": [float(res.pvalue)],
            "n": [int(table.to_numpy().sum())],
            "n_groups": [table.shape[0]],
            "n_values": [table.shape[1]],
            "cramers_v": [v],
            "min_expected": [float(expected.min())],
            "n_small_expected": [small],
            "share_small_expected": [share_small],
            "small_expected": [small > 0],
            "fisher_p": [fisher_p],
            "warning": [warning],
            "method": [
                f"Pearson chi-square test of independence, no continuity correction{method_note}"
            ],
        }
    )
    group_text = groups if isinstance(groups, str) else str(groups)
    return _finish(
        out,
        df,
        statistic="category_mix_test",
        by=column,
        groups=group_text,
        n=int(table.to_numpy().sum()),
        unknown=unknown,
        observed={str(g): {str(k): int(c) for k, c in row.items()} for g, row in table.iterrows()},
    )
