"""Selecting incidents by period, organisation type, region and category.

Every filter applied is recorded in ``attrs["provenance"]["filters"]``.
"""

from __future__ import annotations

import pandas as pd

from .errors import ParameterError
from .periods import data_coverage, parse_window, rows_described
from .values import check_values, vocabulary


def _as_list(value, name) -> list[str] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    raise ParameterError(name, f"expected a list of strings, got {value!r}")


def filter_incidents(
    df: pd.DataFrame,
    *,
    start=None,
    end=None,
    organisation_types=None,
    regions=None,
    categories=None,
    date: str | None = None,
) -> pd.DataFrame:
    """Return the incidents within a period and matching the given values.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    start, end : int, str, date or Period, optional
        Inclusive bounds on ``date``: ``start`` from the first day of its period, ``end``
        to the last (``2012`` or ``"2012"`` is the whole year, ``"2014-06"`` as an end
        is 30 June). The window is recorded as the table's ``coverage``, so statistics on
        the result count exactly this span.
    organisation_types, regions, categories : list of str or comma-separated str, optional
        Keep incidents whose organisation type / region is listed, or that have at
        least one of the listed categories. A value that occurs nowhere in the column
        raises a ParameterError naming it and the closest values that do occur.
    date : str, optional
        Date column; ``reported_date`` unless it is empty, then ``occurred_date``.

    Examples
    --------
    >>> import incidentstats as ist
    >>> df = ist.load("hhs")
    >>> len(filter_incidents(df, start="2014", end="2014"))
    278
    """
    if date is None:
        date = "reported_date" if df["reported_date"].notna().any() else "occurred_date"
    if date not in df.columns:
        raise ParameterError("date", f"no column {date!r}")
    lo, hi = parse_window(start, end)
    mask = pd.Series(True, index=df.index)
    if lo is not None:
        mask &= df[date].ge(lo).fillna(False)
    if hi is not None:
        mask &= df[date].le(hi).fillna(False)
    filters = {}
    for name, col in (("organisation_types", "organisation_type"), ("regions", "region")):
        wanted = _as_list(locals()[name], name)
        if wanted:
            check_values(wanted, {*df[col].dropna().astype(str), *vocabulary(col)}, name)
            mask &= df[col].isin(wanted).fillna(False)
            filters[name] = wanted
    cats = _as_list(categories, "categories")
    if cats:
        present = {str(c) for cs in df["categories"] for c in cs}
        check_values(cats, present | set(vocabulary("categories")), "categories")
        wanted = set(cats)
        mask &= df["categories"].map(lambda c: bool(wanted & set(c)))
        filters["categories"] = cats
    if lo is not None:
        filters["start"] = lo.strftime("%Y-%m-%d")
    if hi is not None:
        filters["end"] = hi.strftime("%Y-%m-%d")
    out = df.loc[mask].copy()
    prov = dict(df.attrs.get("provenance", {}))
    # What the selection stands for: the parent's coverage (its rows' own span when the
    # parent is itself a pandas slice), cut to the requested window.
    if rows_described(df) in (None, len(df)):
        c_lo, c_hi = data_coverage(df)
    else:
        c_lo = c_hi = None
    dates_all = pd.to_datetime(df[date], errors="coerce").dropna()
    if c_lo is None and len(dates_all):
        c_lo = dates_all.min().normalize()
    if c_hi is None and len(dates_all):
        c_hi = dates_all.max().normalize()
    if lo is not None:
        c_lo = lo if c_lo is None else max(lo, c_lo)
    if hi is not None:
        c_hi = hi if c_hi is None else min(hi, c_hi)
    if c_lo is not None and c_hi is not None and c_lo <= c_hi:
        prov["coverage"] = {"start": c_lo.strftime("%Y-%m-%d"), "end": c_hi.strftime("%Y-%m-%d")}
    prov["n_rows"] = len(out)
    prov["filters"] = {**prov.get("filters", {}), **filters}
    prov["n_selected"] = int(mask.sum())
    if filters:
        dates = out[date].dropna()
        prov["period"] = (
            {"start": dates.min().strftime("%Y-%m-%d"), "end": dates.max().strftime("%Y-%m-%d")}
            if len(dates)
            else {"start": None, "end": None}
        )
    out.attrs = {"provenance": prov}
    return out
