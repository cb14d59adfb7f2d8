"""Counts per period and rates per unit of time, with exact Poisson intervals.

Also the period frame and the coverage of the data that counts and trends share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError, data_warning
from ..periods import _day, parse_bound, parse_window
from ..periods import data_coverage as _data_coverage
from ..periods import rows_described as _rows_described
from .tables import (
    _FREQS,
    _UNIT_WORDS,
    StatsTable,
    _check_column,
    _check_freq,
    _check_level,
    _finish,
    sm_rates,
)

# --- periods and coverage -----------------------------------------------------------


def _bound(value, side: str, name: str) -> pd.Timestamp:
    """A window bound: the first or last day of the period ``value`` names (see periods)."""
    ts = parse_bound(value, side, name)
    if ts is None:
        raise ParameterError(name, f"expected a date or a period, got {value!r}")
    return ts


def _dates(df: pd.DataFrame, date: str, name: str = "date") -> pd.Series:
    _check_column(df, date, name)
    if (
        date == "reported_date"
        and len(df)
        and df[date].isna().all()
        and "occurred_date" in df.columns
        and df["occurred_date"].notna().any()
    ):
        # Sources without a report date (VERIS) are counted by when incidents happened.
        date = "occurred_date"
    return pd.to_datetime(df[date], errors="coerce").dt.normalize()


class _Window(tuple):
    """``(first day, last day)`` of an analysis window, with the notes made choosing it."""

    notes: tuple = ()
    partial_spans: tuple = ()


def _round_out(valid: pd.Series, freq: str | None):
    """The rows' own span, stretched to whole periods where the empty edge is ordinary.

    An edge stretch without incidents (e.g. 1 to 4 January before the first incident of
    a year) is taken as covered when it is no longer than the longest gap between the
    rows' own consecutive incident days; a longer one means the rows were cut there.
    """
    lo, hi = valid.min(), valid.max()
    if freq is None:
        return lo, hi
    days = np.unique(valid.to_numpy(dtype="datetime64[D]"))
    longest = int(np.diff(days).astype(int).max()) if len(days) > 1 else 0
    p_lo, p_hi = lo.to_period(freq).start_time, hi.to_period(freq).end_time.normalize()
    if (lo - p_lo).days <= longest:
        lo = p_lo
    if (p_hi - hi).days <= longest:
        hi = p_hi
    return lo, hi


def _partial_spans(df: pd.DataFrame) -> tuple:
    """Spans the provenance marks as only partly covered (e.g. an open-cases list's past)."""
    prov = df.attrs.get("provenance", {}) or {}
    spans = []
    for span in prov.get("partial_spans") or []:
        lo, hi = _day(span.get("start")), _day(span.get("end"))
        if lo is not None and hi is not None:
            spans.append((lo, hi, str(span.get("reason", ""))))
    return tuple(spans)


def _coverage(df: pd.DataFrame, dates: pd.Series, start, end, freq: str | None = None):
    """The analysis window: ``[start, end]`` clipped to what the data cover.

    What the data cover comes from the provenance when it describes these rows (the
    loaded span up to the as-of date); for a frame whose rows differ from those the
    provenance describes (a pandas slice), from the rows' own span (see ``_round_out``),
    with a DataWarning. Without provenance, the requested bounds are trusted and the
    missing ones are the first and last incident.
    """
    valid = dates.dropna()
    req_lo, req_hi = parse_window(start, end)
    d_lo, d_hi = _data_coverage(df)
    described = _rows_described(df)
    notes = []
    if described is not None and described != len(df) and (d_lo is not None or d_hi is not None):
        # A subset (or any reshaping) of the loaded rows: the parent's span says nothing
        # about which stretch these rows stand for; the rows do.
        if len(valid):
            # Stretched no further than the loaded coverage, but never cutting off a row
            # (rows appended to a loaded table count too).
            r_lo, r_hi = _round_out(valid, freq)
            own_lo = min(max(r_lo, d_lo), valid.min()) if d_lo is not None else r_lo
            own_hi = max(min(r_hi, d_hi), valid.max()) if d_hi is not None else r_hi
        else:
            own_lo = own_hi = None
        if req_lo is None or req_hi is None:
            shown = f"{own_lo.date()} to {own_hi.date()}" if own_lo is not None else "no dated rows"
            notes.append(
                f"the table has {len(df)} rows where its provenance describes {described}: "
                f"its coverage is taken from the rows themselves ({shown}); "
                "pass start and end, or use filter_incidents, to set it"
            )
        # An explicit bound stands; the loaded coverage still limits it.
        d_lo = own_lo if req_lo is None else d_lo
        d_hi = own_hi if req_hi is None else d_hi
    elif len(valid):
        # The rows are the ones described: none of them lies outside what they cover.
        d_lo = None if d_lo is None else min(d_lo, valid.min())
        d_hi = None if d_hi is None else max(d_hi, valid.max())
    if d_lo is None and req_lo is None and len(valid):
        d_lo = valid.min()
    if d_hi is None and req_hi is None and len(valid):
        d_hi = valid.max()
    cov_start = req_lo if d_lo is None else (d_lo if req_lo is None else max(req_lo, d_lo))
    cov_end = req_hi if d_hi is None else (d_hi if req_hi is None else min(req_hi, d_hi))
    if cov_start is not None and cov_end is not None and cov_start > cov_end:
        if req_lo is not None and d_hi is not None and req_lo > d_hi:
            raise ParameterError("start", f"start {start} is after the data end ({d_hi.date()})")
        if req_hi is not None and d_lo is not None and req_hi < d_lo:
            raise ParameterError("end", f"end {end} is before the data begin ({d_lo.date()})")
        raise ParameterError("start", f"start {cov_start.date()} is after end {cov_end.date()}")
    if cov_start is None or cov_end is None:
        cov_start = cov_end = None
    out = _Window((cov_start, cov_end))
    out.notes = tuple(notes)
    out.partial_spans = _partial_spans(df)
    for note in notes:
        data_warning(note, stacklevel=_caller_level())
    return out


def _caller_level() -> int:
    """``stacklevel`` for data_warning() called here that points at the user's code."""
    import os
    import sys

    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1  # the caller of this function, inside the package
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level + 1  # one more for data_warning's own frame


def _in_coverage(dates: pd.Series, cov_start, cov_end) -> pd.Series:
    if cov_start is None:
        return pd.Series(False, index=dates.index)
    return dates.notna() & (dates >= cov_start) & (dates <= cov_end)


def _exposure(start: pd.Timestamp, end: pd.Timestamp, unit: str) -> float:
    """Length of [start, end] (inclusive days) in units: whole units plus day fractions."""
    p0, p1 = start.to_period(unit), end.to_period(unit)
    whole = p1.ordinal - p0.ordinal + 1

    def days(p):
        return (p.end_time.normalize() - p.start_time).days + 1

    missing_start = (start - p0.start_time).days / days(p0)
    missing_end = (p1.end_time.normalize() - end).days / days(p1)
    return float(whole - missing_start - missing_end)


def _period_frame(df, freq, date, start=None, end=None):
    """Periods covering the data: count, complete, covered span; plus per-row periods."""
    f = _check_freq(freq)
    dates = _dates(df, date)
    cov = _coverage(df, dates, start, end, f)
    cov_start, cov_end = cov
    used = _in_coverage(dates, cov_start, cov_end)
    row_period = pd.Series(pd.NaT, index=df.index, dtype=f"period[{_period_code(f)}]")
    if cov_start is None:
        empty = pd.DataFrame(
            {
                "period": pd.PeriodIndex([], freq=f),
                "start": pd.DatetimeIndex([]),
                "count": pd.Series([], dtype=int),
                "complete": pd.Series([], dtype=bool),
            }
        )
        empty["span_start"] = pd.DatetimeIndex([])
        empty["span_end"] = pd.DatetimeIndex([])
        return empty, row_period, cov, int(used.sum())
    row_period[used] = dates[used].dt.to_period(f)
    full = pd.period_range(cov_start.to_period(f), cov_end.to_period(f), freq=f)
    counts = row_period[used].value_counts().reindex(full, fill_value=0)
    starts = full.start_time
    ends = full.end_time.normalize()
    # A period is complete when the window holds it from its first to its last day and
    # no part of it is marked partial in the provenance (e.g. an open-cases list's past).
    complete = np.asarray((starts >= cov_start) & (ends <= cov_end), dtype=bool)
    for lo, hi, _ in cov.partial_spans:
        complete &= ~np.asarray((starts <= hi) & (ends >= lo), dtype=bool)
    out = pd.DataFrame(
        {
            "period": full,
            "start": starts,
            "count": counts.to_numpy().astype(int),
            "complete": np.asarray(complete, dtype=bool),
            "span_start": np.maximum(starts, cov_start),
            "span_end": np.minimum(ends, cov_end),
        }
    )
    return out, row_period, cov, int(used.sum())


def _period_code(f: str) -> str:
    return pd.Period("2000-01-01", freq=f).freqstr


def _coverage_prov(cov) -> dict:
    start, end = cov
    out = {
        "coverage_start": None if start is None else start.strftime("%Y-%m-%d"),
        "coverage_end": None if end is None else end.strftime("%Y-%m-%d"),
    }
    if getattr(cov, "notes", ()):
        out["warnings"] = list(cov.notes)
    return out


def counts_by_period(
    df: pd.DataFrame,
    freq: str = "Y",
    *,
    date: str = "reported_date",
    start=None,
    end=None,
) -> StatsTable:
    """Number of incidents per year, quarter or month, including empty periods.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    freq : {"Y", "Q", "M"}
    date : str
        Date column to count by.
    start, end : str or date, optional
        The span the data cover (``"2017-10"`` starts on its first day, ``"2018-09"``
        ends on its last). By default the first incident's date and the later of the
        last incident's date and the as-of date in ``attrs["provenance"]``.

    Returns
    -------
    StatsTable
        ``period`` (pandas Period), ``start``, ``count``, ``complete`` (False for a first
        or last period only partly covered by the data).

    Examples
    --------
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime(["2020-03-01", "2021-01-01", "2022-05-05"])})
    >>> counts_by_period(df)[["count", "complete"]].to_dict("list")
    {'count': [1, 1, 1], 'complete': [False, True, False]}
    """
    table, _, cov, n = _period_frame(df, freq, date, start, end)
    out = table[["period", "start", "count", "complete"]].reset_index(drop=True)
    return _finish(
        out,
        df,
        statistic="counts_by_period",
        freq=_FREQS[freq],
        date=date,
        n=n,
        **_coverage_prov(cov),
    )


# --- rates --------------------------------------------------------------------------


def rate_ci(count, exposure=1.0, *, level: float = 0.95):
    """Exact (Garwood) Poisson interval for a rate ``count / exposure`` (vectorised).

    Parameters
    ----------
    count : int or array-like
        Number of incidents.
    exposure : float or array-like
        Length of observation in the unit of the rate (e.g. 12 months).
    level : float

    Returns
    -------
    (lower, upper) : tuple of float or ndarray
        Rate bounds; the lower bound is exactly 0 when ``count = 0``.

    Examples
    --------
    >>> lo, hi = rate_ci(319, 12)
    >>> round(float(lo), 1), round(float(hi), 1)
    (23.7, 29.7)
    >>> rate_ci(0, 1)[0]
    0.0
    """
    level = _check_level(level)
    c, e = np.asarray(count, dtype=float), np.asarray(exposure, dtype=float)
    if np.any(np.isnan(c)) or np.any(c < 0):
        raise ParameterError("count", "expected counts >= 0")
    if np.any(np.isnan(e)) or np.any(e <= 0):
        raise ParameterError("exposure", "expected an exposure > 0")
    lo, hi = sm_rates.confint_poisson(c, e, method="exact-c", alpha=1 - level)
    lo = np.where(c == 0, 0.0, lo)
    if np.ndim(lo) == 0:
        return float(lo), float(hi)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def _unit_name(f: str) -> str:
    return _UNIT_WORDS["en"][f][0]


def _rate_method(level: float) -> str:
    return f"exact Poisson {level:.0%}"


def rate_table(
    count,
    exposure,
    *,
    unit: str = "month",
    level: float = 0.95,
    labels=None,
    source: str | None = None,
    as_of: str | None = None,
) -> StatsTable:
    """Rates with exact Poisson intervals from counts already aggregated.

    Parameters
    ----------
    count : int or array-like
    exposure : float or array-like
        Observation time in ``unit``s (e.g. 12 for a year of months).
    unit : {"month", "quarter", "year"}
    level : float
    labels : str or list of str, optional
    source, as_of : str, optional
        Recorded in ``attrs["provenance"]``.

    Returns
    -------
    StatsTable
        ``value, count, exposure, unit, rate, lower, upper, method``.

    Examples
    --------
    >>> t = rate_table(319, 12, unit="month")
    >>> t[["count", "rate", "lower", "upper"]].round(1).to_dict("records")
    [{'count': 319, 'rate': 26.6, 'lower': 23.7, 'upper': 29.7}]
    """
    f = _check_freq(unit, "unit")
    c = np.atleast_1d(np.asarray(count))
    e = np.broadcast_to(np.atleast_1d(np.asarray(exposure, dtype=float)), c.shape)
    lower, upper = rate_ci(c, e, level=level)
    if labels is None:
        labels = [pd.NA] * len(c)
    elif isinstance(labels, str):
        labels = [labels]
    if len(labels) != len(c):
        raise ParameterError("labels", f"expected {len(c)} labels, got {len(labels)}")
    table = pd.DataFrame(
        {
            "value": pd.array(list(labels), dtype="string"),
            "count": c.astype(int),
            "exposure": e,
            "unit": _unit_name(f),
            "rate": c / e,
            "lower": lower,
            "upper": upper,
            "method": _rate_method(level),
        }
    )
    return _finish(
        table,
        None,
        statistic="rate_table",
        source=source,
        as_of=as_of,
        n=int(c.sum()),
        unit=_unit_name(f),
        level=level,
    )


def rates(
    df: pd.DataFrame,
    freq: str = "M",
    *,
    date: str = "reported_date",
    level: float = 0.95,
    unit: str | None = None,
    start=None,
    end=None,
) -> StatsTable:
    """Incidents per period with an exact Poisson interval, partial periods flagged.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    freq : {"Y", "Q", "M"}
        Period of each row.
    date : str
    level : float
    unit : {"month", "quarter", "year"}, optional
        Unit of the rate (default: the period itself), e.g. ``freq="Y", unit="month"``
        gives incidents per month within each year.
    start, end : optional
        Span the data cover (see ``counts_by_period``).

    Returns
    -------
    StatsTable
        ``period, start, count, exposure, rate, lower, upper, complete, unit, method``.
        ``exposure`` is the covered length of the period in ``unit``s: 1 for a complete
        month at ``freq="M"``, less for a partly covered first or last period.

    Examples
    --------
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime(["2020-01-05", "2020-01-20", "2020-02-03"])})
    >>> rates(df, "M", start="2020-01", end="2020-02")[["count", "exposure", "rate"]].to_dict("list")
    {'count': [2, 1], 'exposure': [1.0, 1.0], 'rate': [2.0, 1.0]}
    """
    f = _check_freq(freq)
    u = _check_freq(unit, "unit") if unit is not None else f
    level = _check_level(level)
    table, _, cov, n = _period_frame(df, freq, date, start, end)
    exposure = np.array(
        [_exposure(s, e, u) for s, e in zip(table["span_start"], table["span_end"], strict=True)]
    )
    out = table[["period", "start", "count"]].copy()
    out["exposure"] = exposure
    if len(out):
        out["rate"] = out["count"] / out["exposure"]
        out["lower"], out["upper"] = rate_ci(out["count"].to_numpy(), exposure, level=level)
    else:
        out["rate"] = out["lower"] = out["upper"] = pd.Series([], dtype=float)
    out["complete"] = table["complete"].to_numpy()
    out["unit"] = _unit_name(u)
    out["method"] = _rate_method(level)
    return _finish(
        out.reset_index(drop=True),
        df,
        statistic="rates",
        freq=f,
        unit=_unit_name(u),
        date=date,
        n=n,
        level=level,
        **_coverage_prov(cov),
    )


def rate_per(
    df: pd.DataFrame,
    unit: str = "month",
    *,
    date: str = "reported_date",
    start=None,
    end=None,
    level: float = 0.95,
) -> StatsTable:
    """One headline rate: incidents per month (quarter, year) over the whole span.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    unit : {"month", "quarter", "year"}
    date : str
    start, end : optional
        The span observed. Give them when known (e.g. the launch of a reporting
        scheme): by default the span runs from the first incident, which slightly
        overstates the rate.
    level : float

    Returns
    -------
    StatsTable
        One row: ``start, end, count, exposure, unit, rate, lower, upper, method``.

    Examples
    --------
    >>> days = pd.date_range("2017-10-01", "2018-09-30", periods=319)
    >>> t = rate_per(pd.DataFrame({"reported_date": days}), "month", start="2017-10", end="2018-09")
    >>> t[["count", "exposure", "rate"]].round(2).to_dict("records")
    [{'count': 319, 'exposure': 12.0, 'rate': 26.58}]
    """
    u = _check_freq(unit, "unit")
    level = _check_level(level)
    dates = _dates(df, date)
    cov = _coverage(df, dates, start, end, u)
    cov_start, cov_end = cov
    if cov_start is None:
        raise ParameterError("df", f"no incident has a {date}; cannot compute a rate")
    count = int(_in_coverage(dates, cov_start, cov_end).sum())
    exposure = _exposure(cov_start, cov_end, u)
    lower, upper = rate_ci(count, exposure, level=level)
    out = pd.DataFrame(
        {
            "start": [cov_start],
            "end": [cov_end],
            "count": [count],
            "exposure": [exposure],
            "unit": [_unit_name(u)],
            "rate": [count / exposure],
            "lower": [lower],
            "upper": [upper],
            "method": [_rate_method(level)],
        }
    )
    return _finish(
        out,
        df,
        statistic="rate_per",
        unit=_unit_name(u),
        date=date,
        n=count,
        level=level,
        **_coverage_prov(cov),
    )
