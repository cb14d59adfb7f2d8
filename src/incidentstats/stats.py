"""Statistics on the canonical incident table: counts, shares with intervals, rates, trends.

Pure functions: DataFrame in, tidy DataFrame out, provenance in ``attrs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from .errors import ParameterError
from .schema import LIST_COLUMNS

__all__ = ["counts_by_period", "proportion_ci", "shares"]

_CI_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys"}
_FREQS = {"Y": "Y", "A": "Y", "year": "Y", "Q": "Q", "quarter": "Q", "M": "M", "month": "M"}
_UNKNOWN = {"unknown"}


def _provenance(df: pd.DataFrame, **extra) -> dict:
    prov = dict(df.attrs.get("provenance", {}))
    base = {
        "source": prov.get("source"),
        "dataset": prov.get("dataset"),
        "as_of": prov.get("as_of"),
        "filters": prov.get("filters", {}),
    }
    base.update(extra)
    return base


def proportion_ci(x, n, method: str = "wilson", level: float = 0.95):
    """Confidence interval for a proportion ``x / n`` (vectorised over arrays).

    Parameters
    ----------
    x, n : int or array-like
        Successes and trials (incidents with the property, and incidents).
    method : {"wilson", "clopper-pearson", "jeffreys"}
    level : float
        Confidence level, e.g. 0.95.

    Returns
    -------
    (lower, upper) : tuple of float or ndarray

    Examples
    --------
    >>> lo, hi = proportion_ci(150, 319)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.416, 0.525)
    """
    if method not in _CI_METHODS:
        raise ParameterError("ci", f"expected one of {', '.join(_CI_METHODS)}, got {method!r}")
    if not 0 < level < 1:
        raise ParameterError("level", f"expected a number between 0 and 1, got {level!r}")
    x_arr, n_arr = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    if np.any(n_arr < 0) or np.any(x_arr < 0) or np.any(x_arr > n_arr):
        raise ParameterError("x", "expected 0 <= x <= n")
    with np.errstate(invalid="ignore", divide="ignore"):
        safe_n = np.where(n_arr > 0, n_arr, 1)
        lo, hi = proportion_confint(x_arr, safe_n, alpha=1 - level, method=_CI_METHODS[method])
    lo = np.where(n_arr > 0, np.clip(lo, 0, 1), np.nan)
    hi = np.where(n_arr > 0, np.clip(hi, 0, 1), np.nan)
    # Exact ends: statsmodels' floating point can leave 1e-17 instead of 0 at x = 0.
    lo = np.where(x_arr == 0, 0.0, lo)
    hi = np.where((x_arr == n_arr) & (n_arr > 0), 1.0, hi)
    if np.ndim(lo) == 0:
        return float(lo), float(hi)
    return lo, hi


def _values_per_incident(df: pd.DataFrame, by: str) -> pd.Series:
    """One list of distinct values per incident (missing -> ['unknown'])."""
    if by not in df.columns:
        raise ParameterError("by", f"no column {by!r} in the incident table")
    col = df[by]
    if by in LIST_COLUMNS or col.map(lambda v: isinstance(v, list | tuple)).any():
        return col.map(lambda v: sorted(set(v)) if len(v) else ["unknown"])
    return col.astype("string").fillna("unknown").map(lambda v: [v])


def shares(
    df: pd.DataFrame,
    by: str = "categories",
    *,
    ci: str = "wilson",
    level: float = 0.95,
    unknown: str = "exclude",
) -> pd.DataFrame:
    """Share of incidents in each value of ``by``, with a confidence interval.

    The denominator is incidents, never category mentions: an incident in two
    categories counts once in each, so shares of a multi-valued column can sum above 1.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    by : str
        Column, single- or multi-valued (e.g. ``"categories"``, ``"origin"``).
    ci : {"wilson", "clopper-pearson", "jeffreys"}
    level : float
    unknown : {"exclude", "include"}
        ``"exclude"`` leaves incidents whose only value is unknown out of the denominator
        (and reports them in ``n_unknown``); ``"include"`` keeps them and shows an
        ``unknown`` row.

    Returns
    -------
    DataFrame
        One row per value: ``value, x, n, n_unknown, n_total, share, lower, upper, method``,
        sorted by ``x`` descending.

    Examples
    --------
    >>> df = pd.DataFrame({"categories": [["theft"], ["theft", "loss"], ["unknown"]]})
    >>> shares(df)[["value", "x", "n", "n_unknown"]].to_dict("records")
    [{'value': 'theft', 'x': 2, 'n': 2, 'n_unknown': 1}, {'value': 'loss', 'x': 1, 'n': 2, 'n_unknown': 1}]
    """
    if unknown not in ("exclude", "include"):
        raise ParameterError("unknown", f"expected 'exclude' or 'include', got {unknown!r}")
    values = _values_per_incident(df, by)
    n_total = len(values)
    only_unknown = values.map(lambda v: set(v) <= _UNKNOWN)
    n_unknown = int(only_unknown.sum())
    if unknown == "exclude":
        values = values[~only_unknown]
    n = len(values)
    exploded = values.explode()
    if unknown == "exclude":
        exploded = exploded[~exploded.isin(_UNKNOWN)]
    counts = exploded.value_counts()
    table = pd.DataFrame({"value": counts.index.astype(str), "x": counts.to_numpy().astype(int)})
    table = table.sort_values(["x", "value"], ascending=[False, True], kind="stable").reset_index(drop=True)
    table["n"] = n
    table["n_unknown"] = n_unknown
    table["n_total"] = n_total
    table["share"] = table["x"] / n if n else np.nan
    lower, upper = proportion_ci(table["x"].to_numpy(), table["n"].to_numpy(), method=ci, level=level)
    table["lower"], table["upper"] = lower, upper
    table["method"] = f"{ci} {level:.0%}"
    table.attrs["provenance"] = _provenance(df, by=by, n=n, unknown=unknown, level=level, ci=ci)
    return table


def counts_by_period(df: pd.DataFrame, freq: str = "Y", *, date: str = "reported_date") -> pd.DataFrame:
    """Number of incidents per year, quarter or month, including empty periods.

    Returns columns ``period`` (pandas Period), ``start``, ``count``, ``complete`` (False
    for a first or last period only partly covered by the data).
    """
    if freq not in _FREQS:
        raise ParameterError("freq", f"expected Y, Q or M, got {freq!r}")
    if date not in df.columns:
        raise ParameterError("date", f"no column {date!r}")
    f = _FREQS[freq]
    dates = pd.to_datetime(df[date]).dropna()
    if dates.empty:
        out = pd.DataFrame({"period": pd.PeriodIndex([], freq=f), "start": [], "count": [], "complete": []})
        out.attrs["provenance"] = _provenance(df, freq=f, date=date, n=0)
        return out
    periods = dates.dt.to_period(f)
    counts = periods.value_counts()
    full = pd.period_range(periods.min(), periods.max(), freq=f)
    counts = counts.reindex(full, fill_value=0)
    prov = df.attrs.get("provenance", {})
    first_data, last_data = dates.min(), dates.max()
    coverage_end = pd.Timestamp(prov["as_of"]) if prov.get("as_of") else last_data
    # A period is complete when the data cover it from its first to its last day; the
    # first period starts with the first incident seen, so it is partial unless that
    # incident falls on the period's first day.
    complete = [p.start_time >= first_data.normalize() and p.end_time.normalize() <= coverage_end for p in full]
    out = pd.DataFrame(
        {
            "period": full,
            "start": full.start_time,
            "count": counts.to_numpy().astype(int),
            "complete": complete,
        }
    )
    out.attrs["provenance"] = _provenance(df, freq=f, date=date, n=int(len(dates)))
    return out
