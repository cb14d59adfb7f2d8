"""The one reading of time bounds used by every function, filter, notebook and CLI option.

A bound names a period: ``start`` is its first day and ``end`` its last ("2014-06" as an
end is 30 June 2014).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .errors import ParameterError

__all__ = ["data_coverage", "parse_bound", "parse_period", "parse_window", "rows_described"]

# Year, month, day, or quarter ("2014Q2", "2014-Q2"); nothing else is a bound.
_TEXT = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-?[Qq]([1-4]))?$")
_EXPECTED = "an ISO date (2014-06-30), a month (2014-06), a quarter (2014Q2) or a year (2014)"


def parse_period(value, name: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of the period a bound names; None when no bound is given.

    Parameters
    ----------
    value : int, str, datetime.date, Timestamp, Period or None
        ``2014`` or ``"2014"`` (a year), ``"2014-06"`` (a month), ``"2014Q2"`` (a
        quarter), ``"2014-06-30"`` or a date (a day), a pandas Period (its span).
        ``None`` and ``""`` mean no bound.
    name : str
        The parameter's name, used in the error message.

    Returns
    -------
    (first, last) : tuple of Timestamp (midnight), or None

    Raises
    ------
    ParameterError
        For anything else, naming the parameter.

    Examples
    --------
    >>> [str(d.date()) for d in parse_period("2014-06", "end")]
    ['2014-06-01', '2014-06-30']
    >>> [str(d.date()) for d in parse_period(2015, "start")]
    ['2015-01-01', '2015-12-31']
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    bad = ParameterError(name, f"expected {_EXPECTED}, got {value!r}")
    if isinstance(value, bool | np.bool_):
        raise bad
    if isinstance(value, int | np.integer):
        if not 1000 <= int(value) <= 9999:
            raise bad
        p = pd.Period(year=int(value), freq="Y")
        return p.start_time.normalize(), p.end_time.normalize()
    if isinstance(value, pd.Period):
        return value.start_time.normalize(), value.end_time.normalize()
    if isinstance(value, str):
        m = _TEXT.match(value.strip())
        if not m:
            raise bad
        year, month, day, quarter = m.groups()
        try:
            if quarter:
                p = pd.Period(year=int(year), quarter=int(quarter), freq="Q")
            elif day:
                p = pd.Period(dt.date(int(year), int(month), int(day)), freq="D")
            elif month:
                p = pd.Period(dt.date(int(year), int(month), 1), freq="M")
            else:
                p = pd.Period(year=int(year), freq="Y")
        except ValueError:  # month 13, 31 February
            raise bad from None
        return p.start_time.normalize(), p.end_time.normalize()
    if isinstance(value, dt.date | np.datetime64):  # Timestamp and datetime are dates too
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            raise bad
        return ts.normalize(), ts.normalize()
    raise bad


def parse_bound(value, side: str, name: str | None = None) -> pd.Timestamp | None:
    """The first (``side="start"``) or last (``side="end"``) day of a bound's period.

    Examples
    --------
    >>> str(parse_bound("2014-06", "end").date())
    '2014-06-30'
    >>> str(parse_bound(2015, "start").date())
    '2015-01-01'
    """
    if side not in ("start", "end"):
        raise ValueError(f"side must be 'start' or 'end', not {side!r}")
    span = parse_period(value, name or side)
    if span is None:
        return None
    return span[0] if side == "start" else span[1]


def parse_window(start=None, end=None, *, start_name: str = "start", end_name: str = "end"):
    """``(first day, last day)`` of a window; either may be None; checks the order.

    Examples
    --------
    >>> [str(d.date()) for d in parse_window("2014", "2014-06")]
    ['2014-01-01', '2014-06-30']
    """
    lo = parse_bound(start, "start", start_name)
    hi = parse_bound(end, "end", end_name)
    if lo is not None and hi is not None and hi < lo:
        raise ParameterError(end_name, f"end {end} is before start {start}")
    return lo, hi


# --- what a table's provenance says it covers -----------------------------------------


def _day(value):
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(ts) else ts.normalize()


def rows_described(df: pd.DataFrame) -> int | None:
    """How many rows the provenance describes (None when it does not say)."""
    prov = df.attrs.get("provenance", {}) or {}
    for key in ("n_rows", "n_selected", "rows_clean"):
        if isinstance(prov.get(key), int | np.integer):
            return int(prov[key])
    return None


def data_coverage(df: pd.DataFrame):
    """First and last day the loaded data cover, from the provenance (None when unknown).

    ``coverage`` (written by ``filter_incidents``) wins; otherwise the loaded span starts
    with the first incident and runs to the later of the last incident and the as-of date.
    """
    prov = df.attrs.get("provenance", {}) or {}
    cov = prov.get("coverage") or {}
    period = prov.get("period") or {}
    lo = _day(cov.get("start")) or _day(period.get("start"))
    hi = _day(cov.get("end")) or _day(period.get("end"))
    as_of = _day(prov.get("as_of"))
    if as_of is not None and not cov.get("end"):
        hi = as_of if hi is None else max(hi, as_of)
    return lo, hi
