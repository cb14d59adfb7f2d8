"""Proportions: shares of incidents with their intervals, and ratios of subsets.

Every share comes with its interval (Wilson by default) and the provenance of its data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError, data_warning
from ..schema import LIST_COLUMNS
from ..taxonomy import DETECTED_FROM
from ..values import check_values, is_unknown, vocabulary
from .rates import _coverage_prov, _period_frame
from .tables import (
    _CI_METHODS,
    _FREQS,
    Interval,
    StatsTable,
    _check_ci,
    _check_column,
    _check_level,
    _check_unknown,
    _finish,
    proportion_confint,
)

# --- proportions --------------------------------------------------------------------


def proportion_ci(x, n, method: str = "wilson", level: float = 0.95):
    """Confidence interval for a proportion ``x / n`` (vectorised over arrays).

    Works on counts already aggregated, e.g. a published "47% of 319" (x = 150).

    Parameters
    ----------
    x, n : int or array-like
        Successes and trials (incidents with the property, and incidents).
    method : {"wilson", "clopper-pearson", "jeffreys"}
        Wilson (score) is the default: good coverage and never outside [0, 1].
        Clopper-Pearson is exact and conservative; Jeffreys is the Bayesian interval
        with a Beta(1/2, 1/2) prior, close to nominal coverage.
    level : float
        Confidence level, e.g. 0.95.

    Returns
    -------
    (lower, upper) : tuple of float or ndarray
        Exactly 0 as the lower bound when ``x = 0`` and exactly 1 as the upper bound
        when ``x = n``; NaN when ``n = 0``.

    Examples
    --------
    >>> lo, hi = proportion_ci(150, 319)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.416, 0.525)
    >>> proportion_ci(0, 10)[0], proportion_ci(10, 10)[1]
    (0.0, 1.0)
    """
    _check_ci(method)
    _check_level(level)
    x_arr, n_arr = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    if np.any(np.isnan(x_arr)) or np.any(np.isnan(n_arr)):
        raise ParameterError("x", "expected counts, got a missing value")
    if np.any(n_arr < 0) or np.any(x_arr < 0) or np.any(x_arr > n_arr):
        raise ParameterError("x", "expected 0 <= x <= n")
    with np.errstate(invalid="ignore", divide="ignore"):
        safe_n = np.where(n_arr > 0, n_arr, 1)
        lo, hi = proportion_confint(x_arr, safe_n, alpha=1 - level, method=_CI_METHODS[method])
    lo = np.where(n_arr > 0, np.clip(lo, 0, 1), np.nan)
    hi = np.where(n_arr > 0, np.clip(hi, 0, 1), np.nan)
    # Exact ends: statsmodels' floating point can leave 1e-17 instead of 0 at x = 0.
    lo = np.where((x_arr == 0) & (n_arr > 0), 0.0, lo)
    hi = np.where((x_arr == n_arr) & (n_arr > 0), 1.0, hi)
    if np.ndim(lo) == 0:
        return float(lo), float(hi)
    return lo, hi


def _method_text(ci: str, level: float) -> str:
    return Interval(ci, level).text


def proportion_table(
    x,
    n,
    *,
    ci: str = "wilson",
    level: float = 0.95,
    labels=None,
    source: str | None = None,
    as_of: str | None = None,
) -> StatsTable:
    """Shares with intervals from counts already aggregated (published figures).

    Parameters
    ----------
    x, n : int or array-like
        Incidents with the property, and incidents.
    ci : {"wilson", "clopper-pearson", "jeffreys"}
    level : float
    labels : str or list of str, optional
        A ``value`` column naming each row.
    source, as_of : str, optional
        Where the figures come from, recorded in ``attrs["provenance"]``.

    Returns
    -------
    StatsTable
        ``value, x, n, share, lower, upper, method``.

    Examples
    --------
    >>> t = proportion_table(150, 319, labels="malicious", source="ASIP Santé 2017-18")
    >>> t[["x", "n", "share", "lower", "upper"]].round(3).to_dict("records")
    [{'x': 150, 'n': 319, 'share': 0.47, 'lower': 0.416, 'upper': 0.525}]
    """
    x_arr = np.atleast_1d(np.asarray(x))
    n_arr = np.broadcast_to(np.atleast_1d(np.asarray(n)), x_arr.shape)
    lower, upper = proportion_ci(x_arr, n_arr, method=ci, level=level)
    if labels is None:
        labels = [pd.NA] * len(x_arr)
    elif isinstance(labels, str):
        labels = [labels]
    if len(labels) != len(x_arr):
        raise ParameterError("labels", f"expected {len(x_arr)} labels, got {len(labels)}")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_arr > 0, x_arr / np.where(n_arr > 0, n_arr, 1), np.nan)
    table = pd.DataFrame(
        {
            "value": pd.array(list(labels), dtype="string"),
            "x": x_arr.astype(int),
            "n": n_arr.astype(int),
            "share": share,
            "lower": lower,
            "upper": upper,
            "method": _method_text(ci, level),
        }
    )
    return _finish(
        table,
        None,
        statistic="proportion_table",
        source=source,
        as_of=as_of,
        n=int(n_arr.max()) if len(n_arr) else 0,
        ci=ci,
        level=level,
    )


def _is_list(value) -> bool:
    return isinstance(value, list | tuple | set | np.ndarray)


def _is_list_column(df: pd.DataFrame, col: str) -> bool:
    if col in LIST_COLUMNS:
        return True
    if df[col].dtype != object:
        return False
    return any(_is_list(v) for v in df[col])


def _values_per_incident(df: pd.DataFrame, by: str, name: str = "by") -> pd.Series:
    """One list of distinct values per incident (missing -> ['unknown'])."""
    _check_column(df, by, name)
    col = df[by]
    if _is_list_column(df, by):
        return col.map(
            lambda v: sorted({str(i) for i in v}) if _is_list(v) and len(v) else ["unknown"]
        )
    return col.astype("string").fillna("unknown").map(lambda v: [v])


def _known_values(df: pd.DataFrame, col: str) -> set[str]:
    """Values that occur in a column, plus its canonical vocabulary."""
    if _is_list_column(df, col):
        present = {str(i) for v in df[col] if _is_list(v) for i in v}
    else:
        present = set(df[col].dropna().astype(str).unique())
        if pd.api.types.is_bool_dtype(df[col].dtype):
            present |= {"True", "False"}  # a flag unset throughout is still a flag
    return present | set(vocabulary(col))


def _check_present(df: pd.DataFrame, col: str, wanted, name: str) -> list[str]:
    """Refuse a value that occurs nowhere in ``col`` (a misspelling would count 0)."""
    return check_values(
        [w for w in wanted if w is not None and not pd.isna(w)], _known_values(df, col), name
    )


def _only_unknown(values: pd.Series) -> pd.Series:
    return values.map(lambda v: all(is_unknown(i) for i in v)).astype(bool)


def _group_labels(df: pd.DataFrame, within: str, name: str = "within") -> pd.Series:
    _check_column(df, within, name)
    if _is_list_column(df, within):
        raise ParameterError(
            name, f"column {within!r} holds lists; expected a single-valued column"
        )
    return df[within].astype("string").fillna("unknown")


def _share_counts(values: pd.Series, groups: pd.Series, unknown: str, keep_zero: bool):
    """Counts per (group, value) with per-group n, n_unknown, n_total."""
    only_unknown = _only_unknown(values)
    frame = pd.DataFrame(
        {"group": groups.to_numpy(), "v": values.to_numpy(), "u": only_unknown.to_numpy()}
    )
    totals = frame.groupby("group", sort=True).agg(n_total=("u", "size"), n_unknown=("u", "sum"))
    totals["n_unknown"] = totals["n_unknown"].astype(int)
    totals["n"] = totals["n_total"] - (totals["n_unknown"] if unknown == "exclude" else 0)
    kept = frame[~frame["u"]] if unknown == "exclude" else frame
    exploded = kept.explode("v")
    if unknown == "exclude":
        exploded = exploded[~exploded["v"].map(is_unknown).astype(bool)]
    counts = exploded.groupby(["group", "v"], sort=False).size().rename("x").reset_index()
    counts = counts.rename(columns={"v": "value"})
    if keep_zero and len(counts):
        grid = pd.MultiIndex.from_product(
            [totals.index, counts["value"].unique()], names=["group", "value"]
        ).to_frame(index=False)
        counts = grid.merge(counts, on=["group", "value"], how="left")
        counts["x"] = counts["x"].fillna(0)
    counts["x"] = counts["x"].astype(int)
    counts["value"] = counts["value"].astype(str)
    counts = counts.merge(totals.reset_index(), on="group", how="left")
    return counts, totals


def _add_ci(table: pd.DataFrame, ci: str, level: float, x="x", n="n") -> pd.DataFrame:
    xs, ns = table[x].to_numpy(dtype=float), table[n].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = np.where(ns > 0, xs / np.where(ns > 0, ns, 1), np.nan)
    lower, upper = proportion_ci(xs, ns, method=ci, level=level)
    table["lower"], table["upper"] = lower, upper
    table["method"] = _method_text(ci, level)
    return table


#: Below this share of incidents having the field a value is detected from, its share
#: is not measurable (NaN), not 0%.
MIN_COVERAGE = 0.5


def _measurable(df: pd.DataFrame, value: str) -> pd.Series | None:
    """Rows on which ``value`` could be detected at all; None when it is on every row."""
    fields = DETECTED_FROM.get(str(value))
    if not fields or "source" not in df.columns:
        return None
    out = pd.Series(True, index=df.index)
    for source, col in fields.items():
        rows = df["source"].astype("string").eq(source).fillna(False).astype(bool)
        if rows.any():
            has = df[col].notna().astype(bool) if col in df.columns else False
            out &= ~rows | has
    return out


def _spec_values(spec) -> list[str]:
    """The category values a dict subset names (others cannot be checked for coverage)."""
    if not isinstance(spec, dict):
        return []
    found = []
    for col, val in spec.items():
        if col in ("categories", "category"):
            found += [str(v) for v in (val if _is_list(val) else [val])]
    return found


def _detected_value(spec) -> str:
    """What a subset's coverage depends on: its one field-detected value, else its text."""
    found = [v for v in _spec_values(spec) if v in DETECTED_FROM]
    return found[0] if len(found) == 1 else _spec_text(spec)


def _mask_unmeasurable(table: pd.DataFrame, label_of) -> list[dict]:
    """Blank share/lower/upper where ``coverage`` < MIN_COVERAGE; return the warnings."""
    low = table["coverage"].lt(MIN_COVERAGE).fillna(False).to_numpy(dtype=bool)
    table.loc[low, ["share", "lower", "upper"]] = np.nan
    found = []
    if not low.any():
        return found
    from ..vintage import warning_text

    for value, part in table[low].groupby(label_of(table[low]), sort=False):
        field = next(iter(DETECTED_FROM.get(str(value), {"": "field"}).values()))
        periods = ", ".join(str(p) for p in part["period"]) if "period" in part else "the data"
        values = {
            "value": str(value),
            "periods": periods,
            "field": field,
            "low": float(part["coverage"].min()),
            "high": float(part["coverage"].max()),
        }
        found.append(
            {
                "code": "not_measurable",
                "values": values,
                "message": warning_text("not_measurable", values),
            }
        )
    return found


def _measurable_spec(df: pd.DataFrame, spec) -> pd.Series | None:
    """Rows on which every field-detected value a subset names could be seen (None: all)."""
    seen = None
    for value in _spec_values(spec):
        m = _measurable(df, value)
        if m is not None:
            seen = m if seen is None else seen & m
    return seen


def _coverage_by_group(df, keep, groups, group_of, value_of) -> np.ndarray:
    """Per row of a result table: the share of its group's incidents where its value is measurable."""
    group_of = pd.Series(group_of, index=value_of.index) if np.isscalar(group_of) else group_of
    out = np.ones(len(value_of), dtype=float)
    for value in pd.unique(value_of):
        seen = _measurable(df, value)
        if seen is None:
            continue
        by_group = seen[keep].groupby(pd.Series(groups, index=seen[keep].index)).mean()
        rows = (value_of == value).to_numpy(dtype=bool)
        out[rows] = by_group.reindex(group_of[rows].to_numpy()).to_numpy(dtype=float)
    return out


def _warn_all(table: StatsTable, found: list[dict]) -> StatsTable:
    prov = table.attrs["provenance"]
    for warning in found:
        data_warning(warning["message"], prov, stacklevel=4)
        prov.setdefault("warning_details", []).append(warning)
    return table


def shares(
    df: pd.DataFrame,
    by: str = "categories",
    *,
    ci: str = "wilson",
    level: float = 0.95,
    unknown: str = "exclude",
    within: str | None = None,
) -> StatsTable:
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
    within : str, optional
        A single-valued column (e.g. ``"organisation_type"``): shares are computed
        inside each of its groups, shown in a first column ``group``; every value
        appears in every group, with ``x = 0`` where absent.

    Returns
    -------
    StatsTable
        One row per value: ``value, x, n, n_unknown, n_total, share, lower, upper,
        coverage, method``, sorted by ``x`` descending (by ``group`` first with
        ``within``). ``coverage`` is as in ``shares_over_time``.

    Examples
    --------
    >>> df = pd.DataFrame({"categories": [["theft"], ["theft", "loss"], ["unknown"]]})
    >>> shares(df)[["value", "x", "n", "n_unknown"]].to_dict("records")
    [{'value': 'theft', 'x': 2, 'n': 2, 'n_unknown': 1}, {'value': 'loss', 'x': 1, 'n': 2, 'n_unknown': 1}]
    """
    _check_unknown(unknown)
    _check_ci(ci)
    _check_level(level)
    values = _values_per_incident(df, by)
    groups = _group_labels(df, within) if within is not None else pd.Series("", index=df.index)
    counts, totals = _share_counts(values, groups, unknown, keep_zero=within is not None)
    cols = ["value", "x", "n", "n_unknown", "n_total"]
    if within is None:
        table = counts[cols].sort_values(["x", "value"], ascending=[False, True], kind="stable")
    else:
        table = counts.sort_values(
            ["group", "x", "value"], ascending=[True, False, True], kind="stable"
        )
        table = table[["group", *cols]]
    table = _add_ci(table.reset_index(drop=True), ci, level)
    every = pd.Series(True, index=df.index)
    table.insert(
        len(table.columns) - 1,
        "coverage",
        _coverage_by_group(
            df, every, groups, table["group"] if within is not None else "", table["value"]
        ),
    )
    messages = _mask_unmeasurable(table, lambda t: t["value"])
    n = int(totals["n"].sum())
    prov = {"by": by, "n": n, "unknown": unknown, "level": level, "ci": ci}
    if within is not None:
        prov["within"] = within
    return _warn_all(_finish(table, df, statistic="shares", **prov), messages)


# --- subsets and ratios -------------------------------------------------------------


def _spec_text(spec) -> str:
    if spec is None:
        return "all incidents"
    if isinstance(spec, dict):
        parts = []
        for col, val in spec.items():
            vals = val if _is_list(val) else [val]
            parts.append(f"{col} in {list(vals)}" if len(vals) > 1 else f"{col}={vals[0]}")
        return " & ".join(parts)
    if isinstance(spec, str):
        return spec
    if callable(spec):
        return getattr(spec, "__name__", "callable")
    name = getattr(spec, "name", None)
    return str(name) if name is not None else "mask"


def _as_mask(df: pd.DataFrame, spec, name: str) -> pd.Series:
    """A boolean Series on df.index from a dict, query string, mask or callable."""
    if spec is None:
        return pd.Series(True, index=df.index)
    if isinstance(spec, dict):
        if not spec:
            raise ParameterError(name, "expected at least one column: value pair")
        mask = pd.Series(True, index=df.index)
        for col, val in spec.items():
            _check_column(df, col, name)
            vals = list(val) if _is_list(val) else [val]
            _check_present(df, col, vals, name)
            if _is_list_column(df, col):
                wanted = {str(v) for v in vals}
                hit = df[col].map(lambda v, w=wanted: _is_list(v) and bool(w & {str(i) for i in v}))
            else:
                hit = df[col].isin(vals)
            mask &= hit.fillna(False).astype(bool)
        return mask
    if isinstance(spec, str):
        try:
            index = df.query(spec).index
        except Exception as exc:
            raise ParameterError(name, f"query {spec!r} failed: {exc}") from None
        return pd.Series(df.index.isin(index), index=df.index)
    if callable(spec) and not isinstance(spec, pd.Series | np.ndarray):
        try:
            result = spec(df)
        except Exception as exc:
            raise ParameterError(
                name, f"the callable failed: {type(exc).__name__}: {exc}"
            ) from None
        return _as_mask(df, result, name)
    if isinstance(spec, pd.Series):
        if not spec.index.equals(df.index):
            if not spec.index.isin(df.index).all() or not df.index.isin(spec.index).all():
                raise ParameterError(name, "the boolean Series' index does not match the table's")
            spec = spec.reindex(df.index)
        values = spec
    else:
        values = (
            pd.Series(np.asarray(spec), index=df.index)
            if len(np.asarray(spec)) == len(df)
            else None
        )
        if values is None:
            raise ParameterError(name, f"expected a mask of length {len(df)}")
    if not (pd.api.types.is_bool_dtype(values.dtype) or values.dropna().isin([True, False]).all()):
        raise ParameterError(name, "expected a boolean mask, a dict, a query string or a callable")
    return values.fillna(False).astype(bool)


def _unknown_mask(df: pd.DataFrame, spec) -> pd.Series:
    """Rows whose value is unknown for any column a dict spec names."""
    unknown = pd.Series(False, index=df.index)
    if not isinstance(spec, dict):
        return unknown
    for col, val in spec.items():
        vals = list(val) if _is_list(val) else [val]
        if any(v is None or is_unknown(str(v)) for v in vals):
            continue  # asking for the unknowns themselves: they stay in the denominator
        if _is_list_column(df, col):
            unknown |= (
                df[col]
                .map(lambda v: not _is_list(v) or all(is_unknown(str(i)) for i in v))
                .astype(bool)
            )
        else:
            col_values = df[col]
            missing = col_values.isna()
            if pd.api.types.is_string_dtype(col_values.dtype) or col_values.dtype == object:
                missing |= col_values.astype("string").str.strip().str.casefold().eq("unknown")
                missing = missing.fillna(False)
            unknown |= missing.astype(bool)
    return unknown


def _ratio_masks(df, numerator, denominator, unknown):
    _check_unknown(unknown)
    num = _as_mask(df, numerator, "numerator")
    den = _as_mask(df, denominator, "denominator")
    unk = (
        _unknown_mask(df, numerator) & den
        if unknown == "exclude"
        else pd.Series(False, index=df.index)
    )
    base = den & ~unk
    return num & base, base, unk, den


def ratio(
    df: pd.DataFrame,
    numerator,
    denominator=None,
    *,
    ci: str = "wilson",
    level: float = 0.95,
    unknown: str = "exclude",
) -> StatsTable:
    """Share of one subset of incidents within another, with its interval.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    numerator, denominator :
        A subset, given as a dict ``{"origin": "malicious"}`` (several keys: all must
        hold; a list value: any of them; on a list column such as ``categories``:
        membership), a query string (``"records_affected >= 1000"``), a boolean
        Series or array, or a callable ``df -> mask``. ``denominator=None`` means all
        incidents. ``x`` counts incidents in both; ``n`` those in the denominator.
    ci : {"wilson", "clopper-pearson", "jeffreys"}
    level : float
    unknown : {"exclude", "include"}
        With a dict numerator, ``"exclude"`` leaves out of the denominator incidents
        whose value in the numerator's columns is unknown (missing, ``"unknown"``),
        as ``shares`` does; they are counted in ``n_unknown``.

    Returns
    -------
    StatsTable
        One row: ``numerator, denominator, x, n, n_unknown, n_total, share, lower,
        upper, coverage, method`` (``coverage`` as in ``shares_over_time``).

    Examples
    --------
    >>> df = pd.DataFrame({"origin": ["malicious", "malicious", "accidental", "unknown"]})
    >>> ratio(df, {"origin": "malicious"})[["x", "n", "n_unknown", "n_total"]].to_dict("records")
    [{'x': 2, 'n': 3, 'n_unknown': 1, 'n_total': 4}]
    """
    _check_ci(ci)
    level = _check_level(level)
    num, base, unk, den = _ratio_masks(df, numerator, denominator, unknown)
    table = pd.DataFrame(
        {
            "numerator": [_spec_text(numerator)],
            "denominator": [_spec_text(denominator)],
            "x": [int(num.sum())],
            "n": [int(base.sum())],
            "n_unknown": [int(unk.sum())],
            "n_total": [int(den.sum())],
        }
    )
    table = _add_ci(table, ci, level)
    seen = _measurable_spec(df, numerator)
    table.insert(
        len(table.columns) - 1, "coverage", 1.0 if seen is None else float(seen[den].mean())
    )
    messages = _mask_unmeasurable(
        table, lambda t: pd.Series(_detected_value(numerator), index=t.index)
    )
    return _warn_all(
        _finish(
            table,
            df,
            statistic="ratio",
            numerator=_spec_text(numerator),
            denominator=_spec_text(denominator),
            n=int(base.sum()),
            unknown=unknown,
            ci=ci,
            level=level,
        ),
        messages,
    )


def ratio_over_time(
    df: pd.DataFrame,
    numerator,
    denominator=None,
    freq: str = "Y",
    *,
    date: str = "reported_date",
    ci: str = "wilson",
    level: float = 0.95,
    unknown: str = "exclude",
    start=None,
    end=None,
) -> StatsTable:
    """``ratio`` per year, quarter or month.

    Returns
    -------
    StatsTable
        ``period, start, x, n, n_unknown, share, lower, upper, coverage, complete,
        method``; periods without any incident in the denominator have NaN shares.
        ``coverage`` is as in ``shares_over_time``, for a dict numerator naming a
        category detected from a field (e.g. ``{"categories": "ransomware"}``).

    Examples
    --------
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01"]),
    ...                    "origin": ["malicious", "accidental", "malicious"]})
    >>> ratio_over_time(df, {"origin": "malicious"})[["x", "n"]].to_dict("list")
    {'x': [1, 1], 'n': [2, 1]}
    """
    _check_ci(ci)
    level = _check_level(level)
    table, row_period, cov, _ = _period_frame(df, freq, date, start, end)
    num, base, unk, _ = _ratio_masks(df, numerator, denominator, unknown)
    frame = pd.DataFrame({"period": row_period, "num": num, "base": base, "unk": unk})
    frame = frame[frame["period"].notna()]
    agg = frame.groupby("period", sort=True).agg(
        x=("num", "sum"), n=("base", "sum"), n_unknown=("unk", "sum")
    )
    agg = agg.reindex(pd.PeriodIndex(table["period"]), fill_value=0)
    out = table[["period", "start"]].copy().reset_index(drop=True)
    for col in ("x", "n", "n_unknown"):
        out[col] = agg[col].to_numpy().astype(int)
    out = _add_ci(out, ci, level)
    out["complete"] = table["complete"].to_numpy()
    seen = _measurable_spec(df, numerator)
    if seen is None:
        out["coverage"] = 1.0
    else:
        among = frame[frame["base"]]  # the denominator's incidents
        cov_by = seen[among.index].groupby(among["period"]).mean()
        out["coverage"] = cov_by.reindex(pd.PeriodIndex(table["period"])).to_numpy(dtype=float)
    messages = _mask_unmeasurable(
        out, lambda t: pd.Series(_detected_value(numerator), index=t.index)
    )
    out = out[
        [
            "period",
            "start",
            "x",
            "n",
            "n_unknown",
            "share",
            "lower",
            "upper",
            "coverage",
            "complete",
            "method",
        ]
    ]
    return _warn_all(
        _finish(
            out,
            df,
            statistic="ratio_over_time",
            numerator=_spec_text(numerator),
            denominator=_spec_text(denominator),
            freq=_FREQS[freq],
            date=date,
            n=int(out["n"].sum()),
            unknown=unknown,
            ci=ci,
            level=level,
            **_coverage_prov(cov),
        ),
        messages,
    )


def shares_over_time(
    df: pd.DataFrame,
    by: str = "categories",
    freq: str = "Y",
    *,
    values=None,
    date: str = "reported_date",
    ci: str = "wilson",
    level: float = 0.95,
    unknown: str = "exclude",
    start=None,
    end=None,
) -> StatsTable:
    """Share of incidents in each value of ``by``, per year, quarter or month.

    Parameters
    ----------
    df : DataFrame
    by : str
    freq : {"Y", "Q", "M"}
    values : str or list of str, optional
        Only these values (all by default); every value appears in every period.
    date, ci, level, unknown, start, end :
        As in ``shares`` and ``counts_by_period``.

    Returns
    -------
    StatsTable
        ``period, start, value, x, n, n_unknown, share, lower, upper, coverage, complete,
        method``. ``coverage`` is the share of the period's incidents on which the value
        could be seen at all (1 unless it is detected from a field some incidents lack,
        as ransomware from HHS descriptions); below one half, ``share``, ``lower`` and
        ``upper`` are NaN (not measurable) and a ``DataWarning`` says so.

    Examples
    --------
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01"]),
    ...                    "origin": ["malicious", "accidental", "malicious"]})
    >>> t = shares_over_time(df, "origin", values="malicious")
    >>> t[["value", "x", "n", "share"]].to_dict("list")
    {'value': ['malicious', 'malicious'], 'x': [1, 1], 'n': [2, 1], 'share': [0.5, 1.0]}
    """
    _check_ci(ci)
    _check_unknown(unknown)
    level = _check_level(level)
    table, row_period, cov, _ = _period_frame(df, freq, date, start, end)
    per_incident = _values_per_incident(df, by)
    keep = row_period.notna()
    groups = row_period[keep].astype(str)
    counts, _ = _share_counts(per_incident[keep], groups, unknown, keep_zero=True)
    labels = table["period"].astype(str).to_numpy()
    all_values = (
        list(counts.groupby("value")["x"].sum().sort_values(ascending=False, kind="stable").index)
        if len(counts)
        else []
    )
    if values is not None:
        wanted = [values] if isinstance(values, str) else list(values)
        all_values = _check_present(df, by, wanted, "values")
    grid = pd.MultiIndex.from_product([labels, all_values], names=["group", "value"]).to_frame(
        index=False
    )
    per_period = (
        pd.DataFrame(
            {"group": groups.to_numpy(), "u": _only_unknown(per_incident[keep]).to_numpy()}
        )
        .groupby("group")
        .agg(n_total=("u", "size"), n_unknown=("u", "sum"))
    )
    out = grid.merge(counts[["group", "value", "x"]], on=["group", "value"], how="left")
    out["x"] = out["x"].fillna(0).astype(int)
    out = out.merge(per_period.reset_index(), on="group", how="left")
    out[["n_total", "n_unknown"]] = out[["n_total", "n_unknown"]].fillna(0).astype(int)
    out["n"] = out["n_total"] - (out["n_unknown"] if unknown == "exclude" else 0)
    lookup = table.assign(group=labels).set_index("group")
    out["period"] = pd.PeriodIndex(lookup.loc[out["group"], "period"].to_numpy())
    out["start"] = lookup.loc[out["group"], "start"].to_numpy()
    out["complete"] = lookup.loc[out["group"], "complete"].to_numpy().astype(bool)
    out = _add_ci(out, ci, level)
    out["coverage"] = _coverage_by_group(df, keep, groups, out["group"], out["value"])
    messages = _mask_unmeasurable(out, lambda t: t["value"])
    out = out[
        [
            "period",
            "start",
            "value",
            "x",
            "n",
            "n_unknown",
            "share",
            "lower",
            "upper",
            "coverage",
            "complete",
            "method",
        ]
    ]
    return _warn_all(
        _finish(
            out.reset_index(drop=True),
            df,
            statistic="shares_over_time",
            by=by,
            freq=_FREQS[freq],
            date=date,
            n=int(
                per_period["n_total"].sum()
                - (per_period["n_unknown"].sum() if unknown == "exclude" else 0)
            ),
            unknown=unknown,
            ci=ci,
            level=level,
            **_coverage_prov(cov),
        ),
        messages,
    )
