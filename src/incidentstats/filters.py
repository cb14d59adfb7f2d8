"""Selecting incidents by period, organisation type, region and category.

Every filter applied is recorded in ``attrs["provenance"]["filters"]``.
"""

from __future__ import annotations

import pandas as pd

from .errors import ParameterError


def _as_list(value, name) -> list[str] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    raise ParameterError(name, f"expected a list of strings, got {value!r}")


def _as_date(value, name, *, end=False):
    if value in (None, ""):
        return None
    text = str(value)
    try:
        if len(text) == 4 and text.isdigit():
            year = int(text)
            return pd.Timestamp(year=year, month=12, day=31) if end else pd.Timestamp(year=year, month=1, day=1)
        return pd.Timestamp(text)
    except (ValueError, TypeError):
        raise ParameterError(name, f"expected an ISO date (YYYY-MM-DD) or a year, got {value!r}") from None


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
    start, end : str or date, optional
        Inclusive bounds on ``date`` (a year such as ``"2012"`` means its whole year).
    organisation_types, regions, categories : list of str or comma-separated str, optional
        Keep incidents whose organisation type / region is listed, or that have at
        least one of the listed categories.
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
    lo, hi = _as_date(start, "start"), _as_date(end, "end", end=True)
    if lo is not None and hi is not None and hi < lo:
        raise ParameterError("end", f"end {end} is before start {start}")
    mask = pd.Series(True, index=df.index)
    if lo is not None:
        mask &= df[date].ge(lo).fillna(False)
    if hi is not None:
        mask &= df[date].le(hi).fillna(False)
    filters = {}
    for name, col in (("organisation_types", "organisation_type"), ("regions", "region")):
        wanted = _as_list(locals()[name], name)
        if wanted:
            mask &= df[col].isin(wanted).fillna(False)
            filters[name] = wanted
    cats = _as_list(categories, "categories")
    if cats:
        wanted = set(cats)
        mask &= df["categories"].map(lambda c: bool(wanted & set(c)))
        filters["categories"] = cats
    if lo is not None:
        filters["start"] = lo.strftime("%Y-%m-%d")
    if hi is not None:
        filters["end"] = hi.strftime("%Y-%m-%d")
    out = df.loc[mask].copy()
    prov = dict(df.attrs.get("provenance", {}))
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
