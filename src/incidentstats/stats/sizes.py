"""Sizes and delays: records affected per incident and the delay before reporting.

Medians and quantiles with their intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .proportions import _group_labels
from .rates import _dates
from .tables import StatsTable, _check_column, _check_level, _finish, sps

# --- size and delay -----------------------------------------------------------------


def _quantile_name(q: float) -> str:
    pct = q * 100
    return f"p{pct:g}"


def _check_quantiles(quantiles) -> list[float]:
    qs = [quantiles] if isinstance(quantiles, int | float) else list(quantiles)
    if not qs or any(not isinstance(q, int | float) or not 0 <= q <= 1 for q in qs):
        raise ParameterError("quantiles", f"expected numbers between 0 and 1, got {quantiles!r}")
    return sorted(float(q) for q in qs)


def _median_ci(values: np.ndarray, level: float):
    """Distribution-free interval of the median from order statistics (scipy)."""
    if len(values) == 0:
        return np.nan, np.nan
    ci = sps.quantile_test(values, q=float(np.median(values)), p=0.5).confidence_interval(level)
    return float(ci.low), float(ci.high)


def records_summary(
    df: pd.DataFrame,
    *,
    by: str | None = None,
    date: str = "reported_date",
    top_k: int = 10,
    column: str = "records_affected",
    quantiles=(0.1, 0.25, 0.5, 0.75, 0.9),
    placeholders: str = "include",
    level: float = 0.95,
) -> StatsTable:
    """Size of incidents in records: median, IQR, geometric mean, concentration.

    Record counts are heavily skewed (a few incidents hold most records), so the mean
    is not reported: the median and the geometric mean describe a typical incident,
    the total and the top-k share describe the mass.

    Parameters
    ----------
    df : DataFrame
    by : str, optional
        ``"year"`` (``"quarter"``, ``"month"``: periods of ``date``) or a single-valued
        column (e.g. ``"organisation_type"``): one block of statistics per group, with
        the group in a first column ``group``.
    date : str
        Date column used by ``by="year"``.
    top_k : int
        Size of the "largest incidents" group whose share of all records is given.
    column : str
    quantiles : sequence of float
    placeholders : {"include", "exclude"}
        HHS uses 500 or 501 when the number is unknown but over the reporting
        threshold; ``"exclude"`` leaves those out of every statistic but the counts.
    level : float
        Level of the median's distribution-free interval.

    Returns
    -------
    StatsTable
        ``statistic, value, note`` rows: n_incidents, n_known, n_missing,
        n_placeholder, n_used, total_records, min, quantiles (p10, p25, median, ...),
        median_lower, median_upper, max, iqr, geometric_mean, top_k, top_k_records,
        top_k_share.

    Examples
    --------
    >>> df = pd.DataFrame({"records_affected": pd.array([500, 1000, 2000, 100000, None], dtype="Int64")})
    >>> t = records_summary(df, top_k=1).set_index("statistic")["value"]
    >>> float(t["median"]), float(t["n_missing"]), round(float(t["top_k_share"]), 3)
    (1500.0, 1.0, 0.966)
    >>> df["reported_date"] = pd.to_datetime(["2020-01-01", "2020-05-01", "2021-01-01", "2021-02-01", "2021-03-01"])
    >>> t = records_summary(df, by="year", top_k=1)
    >>> t[t["statistic"] == "median"][["group", "value"]].to_dict("list")
    {'group': ['2020', '2021'], 'value': [750.0, 51000.0]}
    """
    options = dict(top_k=top_k, column=column, quantiles=quantiles, placeholders=placeholders)
    if by is None:
        out, n = _records_rows(df, level=level, **options)
        return _finish(out, df, statistic="records_summary", column=column, n=n, top_k=int(top_k),
                       placeholders=placeholders)  # fmt: skip
    periods = {"year": "Y", "quarter": "Q", "month": "M"}
    if by in periods:
        labels = _dates(df, date).dt.to_period(periods[by]).astype("string")
    else:
        labels = _group_labels(df, by, "by")
    blocks, total = [], 0
    for group in sorted(labels.dropna().unique()):
        rows, n = _records_rows(
            df[labels.eq(group).fillna(False).to_numpy()], level=level, **options
        )
        rows.insert(0, "group", str(group))
        blocks.append(rows)
        total += n
    if not blocks:
        raise ParameterError("by", f"no incident has a value of {by!r}")
    out = pd.concat(blocks, ignore_index=True)
    return _finish(out, df, statistic="records_summary", by=by, column=column, n=total,
                   top_k=int(top_k), placeholders=placeholders)  # fmt: skip


def _records_rows(df, *, top_k, column, quantiles, placeholders, level):
    """The statistics of ``records_summary`` for one group of incidents."""
    _check_column(df, column, "column")
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 1:
        raise ParameterError("top_k", f"expected a positive integer, got {top_k!r}")
    if placeholders not in ("include", "exclude"):
        raise ParameterError(
            "placeholders", f"expected 'include' or 'exclude', got {placeholders!r}"
        )
    qs = _check_quantiles(quantiles)
    level = _check_level(level)
    records = pd.to_numeric(df[column], errors="coerce").astype("Float64")
    known = records.notna()
    # The reader's flag where it set one, else the 500/501 rule.
    placeholder = records.isin([500, 501]).fillna(False).astype(bool)
    if "records_placeholder" in df.columns and column == "records_affected":
        flag = df["records_placeholder"].astype("boolean")
        placeholder = flag.fillna(pd.Series(placeholder, index=df.index)).astype(bool)
    placeholder &= known
    used_mask = known & ~placeholder if placeholders == "exclude" else known
    values = np.sort(records[used_mask].to_numpy(dtype=float))
    rows = [
        ("n_incidents", len(df), "incidents in the table"),
        ("n_known", int(known.sum()), "incidents with a record count"),
        ("n_missing", int((~known).sum()), "incidents without a record count"),
        (
            "n_placeholder",
            int(placeholder.sum()),
            "counts of exactly 500 or 501 (HHS placeholder: unknown, 500+)",
        ),
        ("n_used", len(values), f"counts used below (placeholders {placeholders}d)"),
        (
            "total_records",
            float(values.sum()) if len(values) else np.nan,
            "sum of records over the counts used",
        ),
    ]
    if len(values):
        qv = np.quantile(values, qs)
        lo, hi = _median_ci(values, level)
        positive = values[values > 0]
        gmean = float(sps.gmean(positive)) if len(positive) else np.nan
        k = min(int(top_k), len(values))
        top = float(values[-k:].sum())
        rows.append(("min", float(values[0]), "smallest count"))
        for q, v in zip(qs, qv, strict=True):
            name = "median" if q == 0.5 else _quantile_name(q)
            rows.append((name, float(v), f"{q:.0%} of incidents have at most this many records"))
        rows += [
            ("median_lower", lo, f"{level:.0%} distribution-free interval of the median"),
            ("median_upper", hi, f"{level:.0%} distribution-free interval of the median"),
            ("max", float(values[-1]), "largest count"),
            (
                "iqr",
                float(np.quantile(values, 0.75) - np.quantile(values, 0.25)),
                "interquartile range (p75 - p25)",
            ),
            ("geometric_mean", gmean, "typical size on a log scale (counts > 0)"),
            ("top_k", float(k), "number of largest incidents in top_k_records"),
            ("top_k_records", top, f"records in the {k} largest incidents"),
            (
                "top_k_share",
                top / values.sum() if values.sum() > 0 else np.nan,
                f"share of all records in the {k} largest",
            ),
        ]
    out = pd.DataFrame(rows, columns=["statistic", "value", "note"])
    out["value"] = out["value"].astype(float)
    return out, len(values)


def reporting_delay(
    df: pd.DataFrame,
    *,
    reported: str = "reported_date",
    occurred: str = "occurred_date",
    by: str | None = None,
    quantiles=(0.1, 0.25, 0.5, 0.75, 0.9),
    level: float = 0.95,
) -> StatsTable:
    """Days from occurrence to report, where an incident has both dates.

    Negative delays (reported before it occurred) are data errors: they are counted
    in ``n_negative`` and left out of the statistics.

    Parameters
    ----------
    df : DataFrame
    reported, occurred : str
        Date columns.
    by : str, optional
        A single-valued column (e.g. ``"source"``): one row per group.
    quantiles : sequence of float
    level : float
        Level of the median's distribution-free interval.

    Returns
    -------
    StatsTable
        One row (per group): ``[group,] n, n_missing, n_negative, median, median_lower,
        median_upper, p25, p75, iqr, <quantiles>, min, max, unit``; ``n = 0`` and NaN
        statistics where no incident has both dates.

    Examples
    --------
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime(["2020-01-31", "2020-03-01", "2020-01-01"]),
    ...                    "occurred_date": pd.to_datetime(["2020-01-01", "2020-01-01", None])})
    >>> reporting_delay(df)[["n", "n_missing", "median"]].to_dict("records")
    [{'n': 2, 'n_missing': 1, 'median': 45.0}]
    """
    qs = _check_quantiles(quantiles)
    level = _check_level(level)
    rep, occ = _dates(df, reported, "reported"), _dates(df, occurred, "occurred")
    delay = (rep - occ).dt.days
    groups = _group_labels(df, by, "by") if by is not None else pd.Series("", index=df.index)
    rows = []
    for g in sorted(groups.unique()):
        d = delay[groups == g]
        missing = int(d.isna().sum())
        negative = int((d < 0).sum())
        values = np.sort(d[d >= 0].to_numpy(dtype=float))
        row = {"group": g, "n": len(values), "n_missing": missing, "n_negative": negative}
        if len(values):
            row["median"] = float(np.median(values))
            row["median_lower"], row["median_upper"] = _median_ci(values, level)
            row["p25"], row["p75"] = (float(v) for v in np.quantile(values, [0.25, 0.75]))
            row["iqr"] = row["p75"] - row["p25"]
            for q, v in zip(qs, np.quantile(values, qs), strict=True):
                if q != 0.5:
                    row[_quantile_name(q)] = float(v)
            row["min"], row["max"] = float(values[0]), float(values[-1])
        rows.append(row)
    stat_cols = ["median", "median_lower", "median_upper", "p25", "p75", "iqr"]
    stat_cols += [_quantile_name(q) for q in qs if q != 0.5 and _quantile_name(q) not in stat_cols]
    stat_cols += ["min", "max"]
    out = pd.DataFrame(rows).reindex(columns=["group", "n", "n_missing", "n_negative", *stat_cols])
    out[stat_cols] = out[stat_cols].astype(float)
    out["unit"] = "days"
    if by is None:
        out = out.drop(columns="group")
    return _finish(
        out.reset_index(drop=True),
        df,
        statistic="reporting_delay",
        reported=reported,
        occurred=occurred,
        by=by,
        n=int(out["n"].sum()),
        level=level,
    )
