"""Statistics on the canonical incident table: counts, shares, rates, trends, comparisons.

Pure functions: DataFrame in, tidy DataFrame out, every estimate with its interval and
its provenance (source, as-of date, n, filters) in ``attrs["provenance"]``.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections import deque

import numpy as np
import pandas as pd

from . import i18n
from .errors import ParameterError, data_warning
from .periods import _day, parse_bound, parse_window
from .periods import data_coverage as _data_coverage
from .periods import rows_described as _rows_described
from .schema import LIST_COLUMNS
from .taxonomy import DETECTED_FROM, label
from .values import check_values, is_unknown, vocabulary


class _Lazy:
    """A module imported on first use: statsmodels and scipy.stats take about a second to
    import, which every command-line call (``incidentstats clean``) would otherwise pay."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        module = importlib.import_module(self._name)
        return getattr(module, attr)


sm = _Lazy("statsmodels.api")
sps = _Lazy("scipy.stats")
sm_rates = _Lazy("statsmodels.stats.rates")


def proportion_confint(*args, **kwargs):
    from statsmodels.stats.proportion import proportion_confint as confint

    return confint(*args, **kwargs)


def NegativeBinomial(*args, **kwargs):  # noqa: N802 — stands in for the statsmodels class
    from statsmodels.discrete.discrete_model import NegativeBinomial as model

    return model(*args, **kwargs)


def Table(*args, **kwargs):  # noqa: N802 — stands in for the statsmodels class
    from statsmodels.stats.contingency_tables import Table as table

    return table(*args, **kwargs)

__all__ = [
    "StatsTable",
    "category_mix_test",
    "compare_periods",
    "counts_by",
    "counts_by_period",
    "crosstab",
    "describe_rate",
    "describe_share",
    "describe_trend",
    "fitted_counts",
    "format_table",
    "proportion_ci",
    "proportion_table",
    "rate_ci",
    "rate_per",
    "rate_table",
    "rates",
    "ratio",
    "ratio_over_time",
    "records_summary",
    "reporting_delay",
    "share_trend",
    "shares",
    "shares_over_time",
    "suppress",
    "trend",
]

_CI_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys"}
_FREQS = {"Y": "Y", "A": "Y", "year": "Y", "Q": "Q", "quarter": "Q", "M": "M", "month": "M"}
_PER_YEAR = {"Y": 1, "Q": 4, "M": 12}
_UNIT_WORDS = {
    "en": {"Y": ("year", "years"), "Q": ("quarter", "quarters"), "M": ("month", "months")},
    "fr": {"Y": ("an", "ans"), "Q": ("trimestre", "trimestres"), "M": ("mois", "mois")},
}
#: Suppression rules: (threshold, mask zero counts too). France's statistical secrecy
#: masks counts under 11; the US CMS cell-size policy masks 1 to 10 and shows zeros.
_SUPPRESSION_RULES = {"fr": (11, True), "us-cms": (11, False)}
#: Columns derived from a count: masking the count must mask them too, or x = share * n.
_DERIVED = (
    "share",
    "lower",
    "upper",
    "share_of_row",
    "rate",
    "fitted",
    "pct_change",
    "pct_lower",
    "pct_upper",
)


# --- display ------------------------------------------------------------------------


class StatsTable(pd.DataFrame):
    """A DataFrame that shows itself formatted in JupyterLab (see ``format_table``).

    Every statistics function returns one. It is an ordinary DataFrame in every other
    respect: indexing, ``merge``, ``pipe``, plotting and writing behave as usual, and
    ``pd.DataFrame(table)`` gives the plain frame back.
    """

    @property
    def _constructor(self):
        return StatsTable

    def _repr_html_(self):  # pragma: no cover - exercised by JupyterLab
        try:
            if 0 < len(self) <= (pd.get_option("display.max_rows") or 60):
                return format_table(self).to_html()
        except Exception:  # a display must never fail: fall back to pandas' own
            pass
        return super()._repr_html_()


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | pd.Period):
        return str(value)
    return value


def _provenance(df: pd.DataFrame | None, **extra) -> dict:
    prov = dict(df.attrs.get("provenance", {}) or {}) if df is not None else {}
    base = {
        "source": prov.get("source"),
        "dataset": prov.get("dataset"),
        "as_of": prov.get("as_of"),
        "filters": prov.get("filters", {}),
    }
    if prov.get("period"):
        # The span the data cover, so charts of any table can say "2009–2015".
        base["period"] = prov["period"]
    warned = [*(prov.get("warnings") or []), *extra.pop("warnings", [])]
    if warned:
        base["warnings"] = list(dict.fromkeys(warned))
    base.update(extra)
    return _json_safe(base)


def _finish(table: pd.DataFrame, df: pd.DataFrame | None, **extra) -> StatsTable:
    out = StatsTable(table)
    out.attrs = {"provenance": _provenance(df, **extra)}
    return out


# --- checks -------------------------------------------------------------------------


def _check_level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ParameterError(
            "level", f"expected a number between 0 and 1, e.g. 0.95, got {level!r}"
        )
    return float(level)


def _check_ci(ci) -> str:
    if ci not in _CI_METHODS:
        raise ParameterError("ci", f"expected one of {', '.join(_CI_METHODS)}, got {ci!r}")
    return ci


def _check_unknown(unknown) -> str:
    if unknown not in ("exclude", "include"):
        raise ParameterError("unknown", f"expected 'exclude' or 'include', got {unknown!r}")
    return unknown


def _check_freq(freq, name: str = "freq") -> str:
    if freq not in _FREQS:
        raise ParameterError(name, f"expected Y, Q or M (or year, quarter, month), got {freq!r}")
    return _FREQS[freq]


def _check_column(df: pd.DataFrame, col, name: str) -> str:
    try:
        present = col in df.columns
    except TypeError:  # unhashable
        present = False
    if not present:
        raise ParameterError(name, f"no column {col!r} in the table")
    return col


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
    return f"{ci} {level:.0%}"


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


def _mask_unmeasurable(table: pd.DataFrame, label_of) -> list[dict]:
    """Blank share/lower/upper where ``coverage`` < MIN_COVERAGE; return the warnings."""
    low = table["coverage"].lt(MIN_COVERAGE).fillna(False).to_numpy(dtype=bool)
    table.loc[low, ["share", "lower", "upper"]] = np.nan
    found = []
    if not low.any():
        return found
    from .vintage import warning_text

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
            shown = (
                f"{own_lo.date()} to {own_hi.date()}" if own_lo is not None else "no dated rows"
            )
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
            raise ParameterError(
                "start", f"start {start} is after the data end ({d_hi.date()})"
            )
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


# --- trends in counts ---------------------------------------------------------------


def _trend_inputs(df, freq, date, start, end, include_incomplete):
    f = _check_freq(freq)
    table, _, cov, n = _period_frame(df, freq, date, start, end)
    if len(table):
        ordinals = np.array([p.ordinal for p in table["period"]], dtype=float)
        table["t"] = (ordinals - ordinals[0]) / _PER_YEAR[f]
        table["cover"] = [
            _exposure(s, e, f) for s, e in zip(table["span_start"], table["span_end"], strict=True)
        ]
    else:
        table["t"] = table["cover"] = pd.Series([], dtype=float)
    used = table if include_incomplete else table[table["complete"]]
    used = used[used["cover"] > 0]
    if len(used) < 3:
        raise ParameterError(
            "freq",
            f"a trend needs at least 3 {'' if include_incomplete else 'complete '}periods, got {len(used)}; "
            "use a finer freq, a longer span or include_incomplete=True",
        )
    if used["count"].sum() == 0:
        raise ParameterError("df", "no incidents in the periods used for the trend")
    return f, table, used, cov, n


def _periods_text(used: pd.DataFrame) -> str:
    first, last = used["period"].iloc[0], used["period"].iloc[-1]
    return f"{first}–{last}"


def _fit_nb(y, X, offset, start_params):
    """Negative binomial (NB2, ML) fit, trying statsmodels' optimisers in turn.

    Newton from the Poisson estimates first; when it fails to converge (flat likelihood
    in alpha, common with few periods), L-BFGS, BFGS and Nelder-Mead. A fit counts only
    when its optimiser converged and its standard errors are finite.
    """
    notes = []
    for method in ("newton", "lbfgs", "bfgs", "nm"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
                    start_params=start_params, method=method, disp=0, maxiter=5000
                )
            except Exception as exc:  # statsmodels raises several types on degenerate data
                notes.append(f"{method}: {type(exc).__name__}")
                continue
        params, bse = np.asarray(res.params), np.asarray(res.bse)
        ok = res.mle_retvals.get("converged", False)
        if ok and np.all(np.isfinite(params)) and np.all(np.isfinite(bse)) and params[-1] > 0:
            return res, method, notes
        notes.append(f"{method}: did not converge")
    return None, None, notes


def _fit_counts(used: pd.DataFrame, level: float, overdispersion_alpha: float = 0.05):
    """Poisson GLM; negative binomial (or quasi-Poisson) when the counts are overdispersed.

    When the Pearson test shows overdispersion and no optimiser fits the negative
    binomial, the Pearson-scaled (quasi-Poisson) interval is selected: never the plain
    Poisson one, which would be too narrow.
    """
    y = used["count"].to_numpy(dtype=float)
    t = used["t"].to_numpy(dtype=float)
    t_mean = float(t.mean())
    X = sm.add_constant(t - t_mean, has_constant="add")
    offset = np.log(used["cover"].to_numpy(dtype=float))
    fits = {"t_mean": t_mean}
    pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
    dispersion = float(pois.pearson_chi2 / pois.df_resid)
    p_over = float(sps.chi2.sf(pois.pearson_chi2, pois.df_resid))
    fits["poisson"] = pois
    # The Pearson scale given as a number: statsmodels' scale="X2" re-enters IRLS and fails
    # ("deviance returned a nan") on counts the Poisson model fits exactly (scale 0).
    scale = dispersion if np.isfinite(dispersion) and dispersion > 0 else 1.0
    fits["quasi"] = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale=scale)
    fits["poisson_dispersion"] = dispersion
    fits["overdispersion_p"] = p_over
    fits["overdispersed"] = dispersion > 1 and p_over < overdispersion_alpha
    start = np.append(np.asarray(pois.params), max(dispersion - 1, 0.01) / max(y.mean(), 1))
    nb, method, tried = _fit_nb(y, X, offset, start)
    note = ""
    if nb is None:
        note = "negative binomial fit did not converge (" + "; ".join(tried) + ")"
    elif method != "newton":
        note = f"negative binomial fitted with {method} (newton did not converge)"
    fits["nb"] = nb
    fits["nb_method"] = method
    fits["nb_note"] = note
    if not fits["overdispersed"]:
        fits["selected"] = "poisson"
    else:
        fits["selected"] = "negative binomial" if nb is not None else "quasi-poisson"
    return fits


def _model_row(
    model, res, level, dispersion, n_periods, periods_used, selected, note, alpha=np.nan
):
    z_ci = np.asarray(res.conf_int(alpha=1 - level))[1]
    b = float(np.asarray(res.params)[1])
    rr, lo, hi = math.exp(b), math.exp(z_ci[0]), math.exp(z_ci[1])
    return {
        "model": model,
        "rate_ratio": rr,
        "lower": lo,
        "upper": hi,
        "pct_change": 100 * (rr - 1),
        "pct_lower": 100 * (lo - 1),
        "pct_upper": 100 * (hi - 1),
        "p_value": float(np.asarray(res.pvalues)[1]),
        "dispersion": dispersion,
        "alpha": alpha,
        "sen_slope": np.nan,
        "sen_lower": np.nan,
        "sen_upper": np.nan,
        "tau": np.nan,
        "n_periods": n_periods,
        "periods_used": periods_used,
        "selected": selected,
        "level": level,
        "note": note,
    }


def trend(
    df: pd.DataFrame,
    freq: str = "Y",
    *,
    date: str = "reported_date",
    start=None,
    end=None,
    include_incomplete: bool = False,
    level: float = 0.95,
) -> StatsTable:
    """Trend in incident counts: the annual rate ratio, with a non-parametric check.

    A Poisson regression of the count per period on time (in years) gives the rate
    ratio per year; when the Pearson dispersion test rejects Poisson variance
    (p < 0.05) the negative binomial fit is the one to quote (``selected``). The
    Mann-Kendall test with Sen's slope checks the direction without assuming a model.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    freq : {"Y", "Q", "M"}
        Period counted. The rate ratio is per year whatever ``freq``.
    date : str
    start, end : optional
        Span the data cover (see ``counts_by_period``).
    include_incomplete : bool
        Fit partial first and last periods too, with their covered length as exposure.
        Off by default: a partial year's low count would bend the trend.
    level : float

    Returns
    -------
    StatsTable
        One row per model (``"poisson"``, ``"negative binomial"``, ``"mann-kendall"``):
        ``model, rate_ratio, lower, upper, pct_change, pct_lower, pct_upper, p_value,
        dispersion, alpha, sen_slope, sen_lower, sen_upper, tau, n_periods, periods_used,
        selected, level, note, method``. ``pct_change`` is in percent per year;
        ``sen_slope`` is the change in the count per period, per year.

    Examples
    --------
    >>> days = [f"{y}-06-01" for y, k in zip(range(2010, 2016), [10, 12, 15, 17, 20, 24]) for _ in range(k)]
    >>> t = trend(pd.DataFrame({"reported_date": pd.to_datetime(days)}), start="2010", end="2015")
    >>> t.loc[t.model == "poisson", "pct_change"].round(1).item()
    18.6
    """
    level = _check_level(level)
    f, table, used, cov, n = _trend_inputs(df, freq, date, start, end, include_incomplete)
    fits = _fit_counts(used, level)
    n_periods, text = len(used), _periods_text(used)
    rows = [
        _model_row(
            "poisson",
            fits["poisson"],
            level,
            fits["poisson_dispersion"],
            n_periods,
            text,
            fits["selected"] == "poisson",
            "overdispersed: the Poisson interval is too narrow" if fits["overdispersed"] else "",
        )
    ]
    nb = fits["nb"]
    if nb is not None:
        nb_disp = float(np.sum(np.asarray(nb.resid_pearson) ** 2) / nb.df_resid)
        rows.append(
            _model_row(
                "negative binomial",
                nb,
                level,
                nb_disp,
                n_periods,
                text,
                fits["selected"] == "negative binomial",
                "; ".join(
                    n
                    for n in (
                        fits["nb_note"],
                        "" if fits["overdispersed"] else "no overdispersion: the Poisson fit suffices",
                    )
                    if n
                ),
                alpha=float(np.asarray(nb.params)[-1]),
            )
        )
    else:
        empty = dict.fromkeys(rows[0], np.nan)
        empty.update(
            model="negative binomial", n_periods=n_periods, periods_used=text, selected=False
        )
        empty.update(level=level, note=fits["nb_note"])
        rows.append(empty)
    rows.append(
        _model_row(
            "quasi-poisson",
            fits["quasi"],
            level,
            fits["poisson_dispersion"],
            n_periods,
            text,
            fits["selected"] == "quasi-poisson",
            "overdispersed and no negative binomial fit: Pearson-scaled Poisson interval"
            if fits["selected"] == "quasi-poisson"
            else "",
        )
    )
    y_rate = (used["count"] / used["cover"]).to_numpy(dtype=float)
    t = used["t"].to_numpy(dtype=float)
    tau = sps.kendalltau(t, y_rate)
    sen = sps.theilslopes(y_rate, t, alpha=level)
    mk = dict.fromkeys(rows[0], np.nan)
    mk.update(
        model="mann-kendall",
        p_value=float(tau.pvalue),
        tau=float(tau.statistic),
        sen_slope=float(sen.slope),
        sen_lower=float(sen.low_slope),
        sen_upper=float(sen.high_slope),
        n_periods=n_periods,
        periods_used=text,
        selected=False,
        level=level,
        note="non-parametric check of direction; assumes no autocorrelation or seasonality",
    )
    rows.append(mk)
    out = pd.DataFrame(rows)
    unit = _unit_name(f)
    out["method"] = [
        f"Poisson GLM on counts per {unit}, log link, Wald {level:.0%} CI, per year",
        f"negative binomial (NB2, ML) on counts per {unit}, Wald {level:.0%} CI, per year",
        f"quasi-Poisson GLM (Pearson-scaled) on counts per {unit}, Wald {level:.0%} CI, per year",
        f"Mann-Kendall test (Kendall's tau); Sen's slope: change per year in incidents per {unit}, {level:.0%} CI",
    ]
    out["selected"] = out["selected"].astype(bool)
    out["n_periods"] = out["n_periods"].astype(int)
    return _finish(
        out,
        df,
        statistic="trend",
        freq=f,
        date=date,
        n=int(used["count"].sum()),
        level=level,
        include_incomplete=include_incomplete,
        periods_used=text,
        overdispersion_p=fits["overdispersion_p"],
        **_coverage_prov(cov),
    )


def fitted_counts(
    df: pd.DataFrame,
    freq: str = "Y",
    *,
    date: str = "reported_date",
    start=None,
    end=None,
    include_incomplete: bool = False,
    level: float = 0.95,
) -> StatsTable:
    """Observed counts beside the trend model's expected counts, for a chart.

    The model is the one ``trend`` selects (Poisson, or negative binomial when the
    counts are overdispersed), fitted on complete periods; the expected count is shown
    for every period, a partial period's scaled by its covered length.

    Returns
    -------
    StatsTable
        ``period, start, count, complete, fitted, lower, upper, model`` where
        ``lower``/``upper`` bound the expected count (not a prediction interval).

    Examples
    --------
    >>> days = [f"{y}-06-01" for y, k in zip(range(2010, 2016), [10, 12, 15, 17, 20, 24]) for _ in range(k)]
    >>> t = fitted_counts(pd.DataFrame({"reported_date": pd.to_datetime(days)}), start="2010", end="2015")
    >>> bool(t["fitted"].sum().round() == t["count"].sum())
    True
    """
    level = _check_level(level)
    f, table, used, cov, n = _trend_inputs(df, freq, date, start, end, include_incomplete)
    fits = _fit_counts(used, level)
    X = sm.add_constant(table["t"].to_numpy(dtype=float) - fits["t_mean"], has_constant="add")
    offset = np.log(table["cover"].to_numpy(dtype=float))
    alpha = 1 - level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fits["selected"] in ("poisson", "quasi-poisson"):
            glm = fits["poisson" if fits["selected"] == "poisson" else "quasi"]
            frame = glm.get_prediction(exog=X, offset=offset).summary_frame(alpha=alpha)
            fitted, lo, hi = frame["mean"], frame["mean_ci_lower"], frame["mean_ci_upper"]
        else:
            frame = (
                fits["nb"].get_prediction(X, offset=offset, which="mean").summary_frame(alpha=alpha)
            )
            fitted, lo, hi = frame["predicted"], frame["ci_lower"], frame["ci_upper"]
    out = table[["period", "start", "count", "complete"]].copy()
    out["fitted"] = np.asarray(fitted, dtype=float)
    out["lower"] = np.asarray(lo, dtype=float)
    out["upper"] = np.asarray(hi, dtype=float)
    out["model"] = fits["selected"]
    return _finish(
        out.reset_index(drop=True),
        df,
        statistic="fitted_counts",
        freq=f,
        date=date,
        n=n,
        level=level,
        model=fits["selected"],
        periods_used=_periods_text(used),
        **_coverage_prov(cov),
    )


def _fmt_num(value: float, digits: int, lang: str) -> str:
    return i18n.fmt_number(value, lang, decimals=digits)


def _fmt_pct(value: float, digits: int, lang: str, sign: bool = False) -> str:
    # ``value`` is already in percent (9.2 for +9.2%)
    if pd.isna(value):
        return "–"
    return i18n.fmt_percent(float(value) / 100, lang, decimals=digits, sign=sign)


_check_lang = i18n.check_lang


def _level_of(table: pd.DataFrame) -> float:
    if "level" in table.columns and len(table) and pd.notna(table["level"].iloc[0]):
        return float(table["level"].iloc[0])
    return float((table.attrs.get("provenance", {}) or {}).get("level") or 0.95)


def describe_trend(table: pd.DataFrame, lang: str = "en", *, digits: int = 0) -> str:
    """The trend as one sentence, naming the model: "+9% a year (95% CI 6% to 12%, Poisson model)".

    Parameters
    ----------
    table : DataFrame
        The result of ``trend`` (the ``selected`` model's row is described) or of
        ``share_trend`` (the change in the odds of the share, per year).
    lang : {"en", "fr"}
    digits : int

    Examples
    --------
    >>> t = pd.DataFrame({"model": ["poisson"], "pct_change": [9.2], "pct_lower": [6.1],
    ...                   "pct_upper": [12.4], "selected": [True], "level": [0.95]})
    >>> describe_trend(t)
    '+9% a year (95% CI 6% to 12%, Poisson model)'
    >>> describe_trend(t, "fr")
    '+9\\u202f% par an (IC à 95\\u202f%\\u202f: 6\\u202f% à 12\\u202f%, modèle de Poisson)'
    """
    _check_lang(lang)
    if {"odds_ratio", "lower", "upper"} <= set(table.columns) and "rate_ratio" not in table:
        return _describe_share_trend(table, lang, digits)
    need = {"model", "pct_change", "pct_lower", "pct_upper"}
    if not need <= set(table.columns):
        raise ParameterError("table", "expected the result of trend() or share_trend()")
    rows = table[table["selected"].astype(bool)] if "selected" in table.columns else table.iloc[0:0]
    if rows.empty:
        rows = table[table["model"] != "mann-kendall"].dropna(subset=["pct_change"])
    if rows.empty:
        raise ParameterError("table", "no fitted model row to describe")
    row = rows.iloc[0]
    level = _level_of(table)
    est = _fmt_pct(row["pct_change"], digits, lang, sign=True)
    lo, hi = _fmt_pct(row["pct_lower"], digits, lang), _fmt_pct(row["pct_upper"], digits, lang)
    ci = i18n.t("ci_label", lang, level=_fmt_pct(level * 100, 0, lang))
    model = _model_words(row["model"], lang)
    return i18n.t("describe_trend", lang, est=est, ci=ci, lo=lo, hi=hi, model=model)


def _model_words(model, lang: str) -> str:
    """A model's name as a sentence says it ("Poisson model"); unknown names as they are."""
    key = f"model_in_sentence.{model}"
    return i18n.t(key, lang) if key in i18n.STRINGS else str(model)


def _describe_share_trend(table: pd.DataFrame, lang: str, digits: int) -> str:
    """``share_trend``'s odds ratio per year in words."""
    if table.empty:
        raise ParameterError("table", "no fitted model row to describe")
    row = table.iloc[0]
    level = _level_of(table)
    pct = [100 * (float(row[c]) - 1) for c in ("odds_ratio", "lower", "upper")]
    est = _fmt_pct(pct[0], digits, lang, sign=True)
    lo, hi = _fmt_pct(pct[1], digits, lang), _fmt_pct(pct[2], digits, lang)
    ci = i18n.t("ci_label", lang, level=_fmt_pct(level * 100, 0, lang))
    model = _model_words(row.get("model", "logistic"), lang)
    value = str(row.get("value", ""))
    return i18n.t(
        "describe_share_trend", lang, est=est, ci=ci, lo=lo, hi=hi, model=model, value=value
    )


def describe_share(table: pd.DataFrame, value=None, *, lang: str = "en", digits: int = 1) -> str:
    """A share as one quotable phrase with its interval and denominator.

    Parameters
    ----------
    table : DataFrame
        A table with ``x, n, share, lower, upper`` (``shares``, ``ratio``, ...).
    value : str, optional
        Which row (matched on the ``value`` column); required if several rows.
    lang : {"en", "fr"}
    digits : int

    Examples
    --------
    >>> describe_share(proportion_table(150, 319))
    '47.0% (95% CI 41.6% to 52.5%; 150 of 319)'
    """
    _check_lang(lang)
    if not {"x", "n", "share", "lower", "upper"} <= set(table.columns):
        raise ParameterError("table", "expected columns x, n, share, lower, upper")
    rows = table
    if value is not None:
        if "value" not in table.columns:
            raise ParameterError("value", "the table has no value column")
        check_values([value], table["value"].dropna().astype(str).unique(), "value")
        rows = table[table["value"].astype("string") == str(value)]
    if len(rows) != 1:
        raise ParameterError("value", f"expected one matching row, got {len(rows)}; name a value")
    row = rows.iloc[0]
    level = _level_of(table) if "level" in table.columns else _level_from_method(row, table)
    share, lo, hi = (_fmt_pct(100 * row[c], digits, lang) for c in ("share", "lower", "upper"))
    ci = i18n.t("ci_label", lang, level=_fmt_pct(level * 100, 0, lang))
    x, n = _fmt_num(row["x"], 0, lang), _fmt_num(row["n"], 0, lang)
    return i18n.t("describe_share", lang, share=share, ci=ci, lo=lo, hi=hi, x=x, n=n)


def _level_from_method(row, table) -> float:
    method = str(row.get("method", ""))
    if method.endswith("%"):
        try:
            return float(method.split()[-1].rstrip("%")) / 100
        except ValueError:
            pass
    return _level_of(table)


def describe_rate(table: pd.DataFrame, *, lang: str = "en", digits: int = 1) -> str:
    """A rate as one quotable phrase: "26.6 a month (95% CI 23.7 to 29.7; 319 in 12 months)".

    Parameters
    ----------
    table : DataFrame
        One row with ``count, exposure, unit, rate, lower, upper`` (``rate_per``,
        ``rate_table``).
    lang : {"en", "fr"}
    digits : int

    Examples
    --------
    >>> describe_rate(rate_table(319, 12))
    '26.6 a month (95% CI 23.7 to 29.7; 319 in 12 months)'
    """
    _check_lang(lang)
    if (
        not {"count", "exposure", "unit", "rate", "lower", "upper"} <= set(table.columns)
        or len(table) != 1
    ):
        raise ParameterError(
            "table", "expected one row with count, exposure, unit, rate, lower, upper"
        )
    row = table.iloc[0]
    f = _check_freq(row["unit"], "unit")
    level = _level_from_method(row, table)
    one, many = i18n.t(f"unit.{f}", lang), i18n.t(f"unit.{f}_many", lang)
    r, lo, hi = (_fmt_num(row[c], digits, lang) for c in ("rate", "lower", "upper"))
    expo = row["exposure"]
    expo_text = _fmt_num(expo, 0 if float(expo).is_integer() else 1, lang)
    unit_text = one if expo == 1 else many
    ci = i18n.t("ci_label", lang, level=_fmt_pct(level * 100, 0, lang))
    count = _fmt_num(row["count"], 0, lang)
    return i18n.t("describe_rate", lang, rate=r, one=one, ci=ci, lo=lo, hi=hi, total=count,
                  exposure=expo_text, units=unit_text)  # fmt: skip


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
                df[col].map(lambda v: not _is_list(v) or all(is_unknown(str(i)) for i in v))
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
    messages = _mask_unmeasurable(table, lambda t: t["numerator"])
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
    messages = _mask_unmeasurable(out, lambda t: pd.Series(_spec_text(numerator), index=t.index))
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


def _cochran_armitage(x, n, scores):
    """Cochran-Armitage trend test in its linear-by-linear form (statsmodels)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    tab = np.column_stack([x, n - x])
    res = Table(tab, shift_zeros=False).test_ordinal_association(
        row_scores=np.asarray(scores, dtype=float), col_scores=np.array([1.0, 0.0])
    )
    return float(res.zscore), float(res.pvalue)


def share_trend(
    df: pd.DataFrame,
    value,
    *,
    by: str = "categories",
    denominator=None,
    freq: str = "Y",
    date: str = "reported_date",
    unknown: str = "exclude",
    include_incomplete: bool = False,
    start=None,
    end=None,
    level: float = 0.95,
) -> StatsTable:
    """Trend in a share over time: logistic regression, with the Cochran-Armitage test.

    Parameters
    ----------
    df : DataFrame
    value : str or subset
        The value of ``by`` whose share is followed (e.g. ``"hacking"``), or any
        ``ratio`` numerator (dict, query, mask, callable).
    by : str
    denominator : optional
        As in ``ratio``; all incidents (with a known ``by``) by default.
    freq : {"Y", "Q", "M"}
        Grouping of incidents; the odds ratio is per year whatever ``freq``.
    date, unknown, include_incomplete, start, end, level :
        As in ``trend`` and ``ratio``.

    Returns
    -------
    StatsTable
        One row: ``value, odds_ratio, lower, upper, p_value, ca_z, ca_p_value,
        dispersion, share_first, share_last, x, n, n_periods, periods_used, level,
        note, method``. ``share_first``/``share_last`` are the model's fitted shares in
        the first and last periods used.

    Examples
    --------
    >>> rows = [("2010", "theft")] * 8 + [("2010", "hacking")] * 2 + [("2011", "theft")] * 6 \\
    ...     + [("2011", "hacking")] * 4 + [("2012", "theft")] * 4 + [("2012", "hacking")] * 6
    >>> df = pd.DataFrame({"reported_date": pd.to_datetime([f"{y}-06-01" for y, _ in rows]),
    ...                    "categories": [[c] for _, c in rows]})
    >>> t = share_trend(df, "hacking", start="2010", end="2012")
    >>> round(t["odds_ratio"].item(), 2), int(t["x"].item()), int(t["n"].item())
    (2.43, 12, 30)
    """
    level = _check_level(level)
    numerator = (
        value
        if isinstance(value, dict | pd.Series | np.ndarray) or callable(value)
        else {by: value}
    )
    if isinstance(numerator, dict) and len(numerator) == 1 and by in numerator:
        _check_column(df, by, "by")
        _check_present(df, by, [value], "value")
    over = ratio_over_time(
        df,
        numerator,
        denominator,
        freq,
        date=date,
        unknown=unknown,
        level=level,
        start=start,
        end=end,
    )
    f = _FREQS[freq]
    used = over if include_incomplete else over[over["complete"]]
    used = used[used["n"] > 0]
    # Periods where the value could not be seen (coverage below one half) are not fitted.
    seen = ~used["coverage"].lt(MIN_COVERAGE)
    if len(used) >= 3 and seen.sum() < 3:
        raise ParameterError(
            "value",
            f"{_spec_text(numerator)} is not measurable: it is detected from a field fewer "
            f"than half of the incidents have in {int((~seen).sum())} of {len(used)} periods",
        )
    used = used[seen]
    if len(used) < 3:
        raise ParameterError(
            "freq", f"a share trend needs at least 3 periods with incidents, got {len(used)}"
        )
    x = used["x"].to_numpy(dtype=float)
    n = used["n"].to_numpy(dtype=float)
    if x.sum() == 0 or x.sum() == n.sum():
        raise ParameterError(
            "value", "the share is 0 or 1 in every period; no trend can be estimated"
        )
    ordinals = np.array([p.ordinal for p in used["period"]], dtype=float)
    t = (ordinals - ordinals[0]) / _PER_YEAR[f]
    X = sm.add_constant(t - t.mean(), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(np.column_stack([x, n - x]), X, family=sm.families.Binomial()).fit()
    ci = np.asarray(res.conf_int(alpha=1 - level))[1]
    dispersion = float(res.pearson_chi2 / res.df_resid) if res.df_resid > 0 else np.nan
    p_over = float(sps.chi2.sf(res.pearson_chi2, res.df_resid)) if res.df_resid > 0 else np.nan
    ca_z, ca_p = _cochran_armitage(x, n, t)
    fitted = np.asarray(res.fittedvalues)
    note, model = "", "logistic"
    if dispersion > 1 and p_over < 0.05:
        # Year-to-year variation beyond binomial: the Pearson-scaled interval, not the
        # binomial one, which would be too narrow. Shares with weights, because
        # statsmodels' scale="X2" is wrong with a (successes, failures) endog.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(x / n, X, family=sm.families.Binomial(), var_weights=n).fit(scale="X2")
        ci = np.asarray(res.conf_int(alpha=1 - level))[1]
        note = "overdispersed: Pearson-scaled (quasi-binomial) interval"
        model = "quasi-binomial"
    text = _periods_text(used)
    out = pd.DataFrame(
        {
            "value": [
                _spec_text(numerator)
                if not isinstance(numerator, dict) or by not in numerator
                else str(value)
            ],
            "model": [model],
            "odds_ratio": [math.exp(float(np.asarray(res.params)[1]))],
            "lower": [math.exp(ci[0])],
            "upper": [math.exp(ci[1])],
            "p_value": [float(np.asarray(res.pvalues)[1])],
            "ca_z": [ca_z],
            "ca_p_value": [ca_p],
            "dispersion": [dispersion],
            "share_first": [float(fitted[0])],
            "share_last": [float(fitted[-1])],
            "x": [int(x.sum())],
            "n": [int(n.sum())],
            "n_periods": [len(used)],
            "periods_used": [text],
            "level": [level],
            "note": [note],
            "method": [
                f"{'quasi-binomial (Pearson-scaled)' if model == 'quasi-binomial' else 'binomial'} GLM "
                f"(logistic) on shares per {_unit_name(f)}, odds ratio per year, Wald {level:.0%} CI; "
                "Cochran-Armitage (linear-by-linear) test"
            ],
        }
    )
    return _finish(
        out,
        df,
        statistic="share_trend",
        numerator=_spec_text(numerator),
        denominator=_spec_text(denominator),
        by=by,
        freq=f,
        date=date,
        n=int(n.sum()),
        unknown=unknown,
        level=level,
        periods_used=text,
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
    test = sm_rates.test_poisson_2indep(cb, eb, ca, ea, method="exact-cond")
    pi_lo, pi_hi = proportion_ci(cb, total, method="clopper-pearson", level=level)
    with np.errstate(divide="ignore"):
        lower = pi_lo / (1 - pi_lo) * ea / eb if pi_lo < 1 else np.inf
        upper = pi_hi / (1 - pi_hi) * ea / eb if pi_hi < 1 else np.inf
    rate_a, rate_b = ca / ea, cb / eb
    rr = rate_b / rate_a if ca > 0 else np.inf
    out = pd.DataFrame(
        {
            "period_a": [_span_text(spans[0])],
            "period_b": [_span_text(spans[1])],
            "count_a": [ca],
            "count_b": [cb],
            "exposure_a": [ea],
            "exposure_b": [eb],
            "unit": [_unit_name(u)],
            "rate_a": [rate_a],
            "rate_b": [rate_b],
            "rate_ratio": [rr],
            "lower": [float(lower)],
            "upper": [float(upper)],
            "pct_change": [100 * (rr - 1)],
            "p_value": [float(test.pvalue)],
            "note": ["; ".join(notes)],
            "method": [
                f"exact conditional (binomial) test and Clopper-Pearson {level:.0%} CI of the rate ratio b/a"
            ],
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
        rows, n = _records_rows(df[labels.eq(group).fillna(False).to_numpy()], level=level, **options)
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


# --- small-cell suppression ---------------------------------------------------------


def _bridges(adj: dict) -> set:
    """Edge ids that are bridges of the multigraph (Tarjan, iterative)."""
    disc, low, found, clock = {}, {}, set(), 0
    for root in adj:
        if root in disc:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack = [(root, None, iter(adj[root]))]
        while stack:
            node, parent_edge, it = stack[-1]
            advanced = False
            for nb, eid in it:
                if eid == parent_edge:
                    continue
                if nb in disc:
                    low[node] = min(low[node], disc[nb])
                else:
                    disc[nb] = low[nb] = clock
                    clock += 1
                    stack.append((nb, eid, iter(adj[nb])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        found.add(parent_edge)
    return found


def _component(adj: dict, start, skip_edge) -> set:
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        for nb, eid in adj.get(node, ()):
            if eid != skip_edge and nb not in seen:
                seen.add(nb)
                queue.append(nb)
    return seen


def _protect(cells: list[dict]) -> list[str]:
    """Add secondary suppressions until no suppressed cell is a bridge.

    Each cell is an edge between its two lines (a row and a column whose totals are
    known); a suppressed cell can be solved for from the totals exactly when it is a
    bridge of the graph of suppressed cells, i.e. lies on no cycle of them.
    """
    problems: list[str] = []
    hopeless: set[int] = set()
    while True:
        adj: dict = {}
        for i, c in enumerate(cells):
            if c["status"]:
                adj.setdefault(c["a"], []).append((c["b"], i))
                adj.setdefault(c["b"], []).append((c["a"], i))
        bridges = sorted(_bridges(adj) - hopeless, key=lambda i: (cells[i]["value"], i))
        if not bridges:
            return problems
        i = bridges[0]
        a, b = cells[i]["a"], cells[i]["b"]
        side_a, side_b = _component(adj, a, i), _component(adj, b, i)
        candidates = [
            j
            for j, c in enumerate(cells)
            if not c["status"]
            and c["available"]
            and ((c["a"] in side_a and c["b"] in side_b) or (c["a"] in side_b and c["b"] in side_a))
        ]
        if candidates:
            # Smallest positive count first: it hides the least; zeros are weak complements.
            j = min(candidates, key=lambda j: (cells[j]["value"] == 0, cells[j]["value"], j))
            cells[j]["status"] = "secondary"
            continue
        # No single cell closes a cycle: widen a line that holds only this masked cell,
        # preferring a cell whose other line already holds masked cells.
        lines = [end for end in (a, b) if len(adj[end]) == 1] or [a, b]
        candidates = [
            j
            for j, c in enumerate(cells)
            if not c["status"] and c["available"] and (c["a"] in lines or c["b"] in lines)
        ]
        if not candidates:
            hopeless.add(i)
            problems.append(cells[i]["label"])
            continue

        def order(j, lines=lines, adj=adj):
            c = cells[j]
            other = c["b"] if c["a"] in lines else c["a"]
            return (other not in adj, c["value"] == 0, c["value"], j)

        j = min(candidates, key=order)
        cells[j]["status"] = "secondary"


def _infer_keys(table: pd.DataFrame) -> list[str]:
    for pair in (("row", "col"), ("row_value", "period"), ("group", "value"), ("period", "value")):
        if all(k in table.columns for k in pair):
            return list(pair)
    for single in ("group", "period", "row_value", "row"):
        if single in table.columns and table[single].duplicated().any():
            return [single]
    return []


def suppress(
    table: pd.DataFrame,
    *,
    rule: str | None = "fr",
    min_count: int | None = None,
    mask_zero: bool | None = None,
    count_cols=None,
    keys=None,
) -> StatsTable:
    """Mask small counts, and enough others that no masked count can be recovered.

    Primary suppression masks every count under the threshold; secondary suppression
    then masks further cells (smallest first) until no masked cell can be worked out
    from row and column totals, which are assumed published. Totals that themselves
    fall under the threshold are masked too (listed in ``attrs["suppression"]``).

    Parameters
    ----------
    table : DataFrame
        Either wide (one row per row label, several count columns, e.g.
        ``pd.crosstab`` output without margins) or long (one count column, e.g.
        ``crosstab``, ``counts_by``, ``shares``, ``shares_over_time`` output).
    rule : {"fr", "us-cms"} or None
        ``"fr"``: counts under 11, zeros included (French statistical secrecy);
        ``"us-cms"``: counts from 1 to 10 (CMS cell-size policy), zeros shown.
    min_count : int, optional
        Threshold of a custom rule: counts under ``min_count`` are masked (overrides
        the rule's threshold).
    mask_zero : bool, optional
        Mask zero counts too (default: the rule's choice; False for a custom rule).
    count_cols : str or list of str, optional
        Count columns. Default: ``x`` or ``count`` if present, else every integer column.
    keys : list of str, optional
        For a long table, the one or two columns indexing its cells (default inferred:
        ``row``/``col``, ``row_value``/``period``, ``group``/``value``,
        ``period``/``value``); totals over each are assumed published. No key: the
        whole column sums to one published total.

    Returns
    -------
    StatsTable
        The same table, counts as nullable integers with masked cells missing. In a
        long table, columns derived from the count (share, lower, upper, ...) are
        masked too, and a ``suppression`` column says ``"primary"``/``"secondary"``.
        ``attrs["suppression"]`` gives the rule, the threshold, counts of masked cells,
        the masked cells of a wide table, totals not to publish and any cell that could
        not be protected.

    Examples
    --------
    >>> wide = pd.DataFrame({"a": [3, 20, 30], "b": [40, 25, 35], "c": [50, 45, 60]}, index=["x", "y", "z"])
    >>> out = suppress(wide, rule="us-cms")
    >>> out.isna().sum().to_dict()
    {'a': 2, 'b': 2, 'c': 0}
    """
    threshold, zero = _suppression_rule(rule, min_count, mask_zero)
    if not isinstance(table, pd.DataFrame):
        raise ParameterError("table", "expected a DataFrame")
    if count_cols is None:
        if "x" in table.columns:
            count_cols = ["x"]
        elif "count" in table.columns:
            count_cols = ["count"]
        else:
            count_cols = [c for c in table.columns if pd.api.types.is_integer_dtype(table[c].dtype)]
    elif isinstance(count_cols, str):
        count_cols = [count_cols]
    for c in count_cols:
        _check_column(table, c, "count_cols")
        if not pd.api.types.is_numeric_dtype(table[c].dtype) or pd.api.types.is_bool_dtype(
            table[c].dtype
        ):
            raise ParameterError("count_cols", f"column {c!r} does not hold counts")
    if not count_cols:
        raise ParameterError("count_cols", "no integer count column found; name the count columns")

    def sensitive(v) -> bool:
        return pd.notna(v) and v < threshold and (v > 0 or (zero and v == 0))

    cells: list[dict] = []
    wide = len(count_cols) > 1
    if wide:
        values = table[count_cols].astype("Float64")
        for i, idx in enumerate(table.index):
            for col in count_cols:
                v = values.iloc[i][col]
                cells.append(
                    {
                        "a": ("r", i),
                        "b": ("c", col),
                        "value": v,
                        "pos": (i, col),
                        "label": f"{idx}/{col}",
                    }
                )
        row_lines = [("r", i) for i in range(len(table))]
        col_lines = [("c", c) for c in count_cols]
        margins = True
    else:
        count = count_cols[0]
        if keys is None:
            keys = _infer_keys(table)
        keys = [keys] if isinstance(keys, str) else list(keys)
        if len(keys) > 2:
            raise ParameterError("keys", "expected at most two key columns")
        for k in keys:
            _check_column(table, k, "keys")
        if len(keys) == 2 and table.duplicated(subset=keys).any():
            raise ParameterError("keys", f"keys {keys} do not identify the rows uniquely")
        values = table[count].astype("Float64")
        for i in range(len(table)):
            key_a = ("r", str(table[keys[0]].iloc[i])) if keys else ("r", "all")
            key_b = ("c", str(table[keys[1]].iloc[i])) if len(keys) == 2 else ("c", "free")
            label = "/".join(str(table[k].iloc[i]) for k in keys) or str(table.index[i])
            cells.append(
                {"a": key_a, "b": key_b, "value": values.iloc[i], "pos": (i, count), "label": label}
            )
        row_lines = sorted({c["a"] for c in cells})
        col_lines = sorted({c["b"] for c in cells})
        margins = len(keys) == 2
    for c in cells:
        c["available"] = pd.notna(c["value"])
        c["status"] = "primary" if sensitive(c["value"]) else ""
    if margins:
        # Totals are cells of the table extended with a total row and column: its every
        # line then sums to zero, so totals are protected like any other cell.
        row_tot, col_tot = ("r", "TOTAL"), ("c", "TOTAL")
        sums_r = {line: 0.0 for line in row_lines}
        sums_c = {line: 0.0 for line in col_lines}
        for c in cells:
            if c["available"]:
                sums_r[c["a"]] += float(c["value"])
                sums_c[c["b"]] += float(c["value"])
        for line, v in sums_r.items():
            cells.append(
                {
                    "a": line,
                    "b": col_tot,
                    "value": v,
                    "pos": None,
                    "label": f"total of row {line[1]}",
                    "row": line[1],
                }
            )
        for line, v in sums_c.items():
            cells.append(
                {
                    "a": row_tot,
                    "b": line,
                    "value": v,
                    "pos": None,
                    "label": f"total of column {line[1]}",
                }
            )
        grand = sum(sums_r.values())
        cells.append(
            {"a": row_tot, "b": col_tot, "value": grand, "pos": None, "label": "grand total"}
        )
        for c in cells[-(len(sums_r) + len(sums_c) + 1) :]:
            c["available"] = True
            c["status"] = "primary" if sensitive(c["value"]) else ""
    problems = _protect(cells)

    out = table.copy()
    masked = [c for c in cells if c["status"] and c["pos"] is not None]
    for col in count_cols:
        out[col] = out[col].astype("Int64") if _integral(out[col]) else out[col].astype("Float64")
    for c in masked:
        i, col = c["pos"]
        out.iloc[i, out.columns.get_loc(col)] = pd.NA
    if not wide:
        status = pd.Series(pd.NA, index=out.index, dtype="string")
        for c in masked:
            status.iloc[c["pos"][0]] = c["status"]
        derived = [d for d in _DERIVED if d in out.columns]
        hit = status.notna().to_numpy()
        for d in derived:
            out[d] = (
                out[d].astype("Float64") if pd.api.types.is_numeric_dtype(out[d].dtype) else out[d]
            )
            out.loc[hit, d] = pd.NA
        # A published margin column (n_row, n per group) holding a masked total is masked too.
        margin_cols = (
            [c for c in _MARGIN_COLUMNS.get(keys[0], ()) if c in out.columns]
            if len(keys) == 2
            else []
        )
        masked_rows = {c["row"] for c in cells if c["status"] and c.get("row") is not None}
        if margin_cols and masked_rows:
            hit_rows = table[keys[0]].astype(str).isin(masked_rows).to_numpy()
            for m in margin_cols:
                out[m] = out[m].astype("Int64") if _integral(out[m]) else out[m].astype("Float64")
                out.loc[hit_rows, m] = pd.NA
        out["suppression"] = status
        # Denominators are counts too: an n or n_unknown under the threshold is masked,
        # with the total it could be recovered from (n_total = n + n_unknown).
        denominators = [c for c in ("n", "n_unknown", "n_total", "n_row") if c in out.columns and c != count]
        for c in denominators:
            small = out[c].map(sensitive).astype(bool)
            if small.any():
                out[c] = out[c].astype("Int64") if _integral(out[c]) else out[c].astype("Float64")
                out.loc[small, c] = pd.NA
                if c in ("n", "n_unknown") and "n_total" in out.columns:
                    out["n_total"] = out["n_total"].astype("Int64") if _integral(out["n_total"].dropna()) else out["n_total"]
                    out.loc[small, "n_total"] = pd.NA
    info = {
        "rule": rule,
        "threshold": threshold,
        "mask_zero": zero,
        "primary": sum(c["status"] == "primary" for c in masked),
        "secondary": sum(c["status"] == "secondary" for c in masked),
        "totals_masked": [c["label"] for c in cells if c["status"] and c["pos"] is None],
        "unprotected": problems,
    }
    if wide:
        info["cells"] = [
            {"row": str(table.index[c["pos"][0]]), "column": str(c["pos"][1]), "kind": c["status"]}
            for c in masked
        ]
    result = StatsTable(out)
    result.attrs = {
        "provenance": {**(table.attrs.get("provenance", {}) or {}), "suppressed": True},
        "suppression": _json_safe(info),
    }
    return result


def _integral(col: pd.Series) -> bool:
    values = pd.to_numeric(col, errors="coerce").dropna()
    return bool((values == np.floor(values)).all())


def _suppression_rule(rule, min_count, mask_zero):
    if rule is not None and rule not in _SUPPRESSION_RULES:
        raise ParameterError("rule", f"expected 'fr', 'us-cms' or None, got {rule!r}")
    if rule is None and min_count is None:
        raise ParameterError("min_count", "give a rule ('fr', 'us-cms') or a min_count")
    threshold, zero = _SUPPRESSION_RULES.get(rule, (None, False))
    if min_count is not None:
        if (
            isinstance(min_count, bool)
            or not isinstance(min_count, int | np.integer)
            or min_count < 1
        ):
            raise ParameterError("min_count", f"expected a positive integer, got {min_count!r}")
        threshold = int(min_count)
    if mask_zero is not None:
        zero = bool(mask_zero)
    return threshold, zero


# --- display ------------------------------------------------------------------------

_MARGIN_COLUMNS = {
    "row": ("n_row",),
    "group": ("n", "n_total", "n_unknown"),
    "period": ("n", "n_total", "n_unknown"),
}
_LABEL_COLUMNS = ("value", "group", "row", "col", "row_value")
_ESTIMATES = ("share", "share_of_row", "rate", "rate_ratio", "odds_ratio", "fitted")


def _fmt_p(p: float, lang: str) -> str:
    return i18n.fmt_pvalue(p, lang)


def _fmt_cell(v, lang: str, digits: int) -> str:
    if v is None or (not isinstance(v, str | list) and pd.isna(v)):
        return "–"
    if isinstance(v, bool | np.bool_):
        return i18n.t("bool.true" if v else "bool.false", lang)
    if isinstance(v, int | np.integer):
        return _fmt_num(float(v), 0, lang)
    if isinstance(v, float | np.floating):
        v = float(v)
        if 0 < abs(v) < 1:  # small values keep three significant digits
            text = f"{v:.3g}"
            return text.replace(".", ",") if lang == "fr" else text
        return _fmt_num(v, 0 if v.is_integer() else digits, lang)
    if isinstance(v, pd.Timestamp | pd.Period):
        return i18n.fmt_period(v, lang) if isinstance(v, pd.Period) else i18n.fmt_date(v, lang)
    if isinstance(v, str) and f"value.{v}" in i18n.STRINGS:
        return i18n.t(f"value.{v}", lang)
    return str(v)


def _header(col, lang: str) -> str:
    key = f"header.{col}"
    return i18n.t(key, lang) if lang != "en" and key in i18n.STRINGS else col


def _records_display(table: pd.DataFrame, lang: str, digits: int) -> pd.DataFrame:
    """The record-size table in words: statistic names, notes and values in ``lang``."""
    prov = table.attrs.get("provenance", {}) or {}
    k = _fmt_num(float(prov.get("top_k") or 10), 0, lang)
    level = _fmt_pct(100 * float(prov.get("level") or 0.95), 0, lang)
    names, notes, values = [], [], []
    for stat, value in zip(table["statistic"], table["value"], strict=True):
        stat = str(stat)
        if stat.startswith("p") and stat[1:].isdigit():
            q = _fmt_pct(float(stat[1:]), 0, lang)
            names.append(i18n.t("records.quantile", lang, q=stat[1:]))
            notes.append(i18n.t("records.quantile_note", lang, q=q))
        elif f"records.{stat}" in i18n.STRINGS:
            names.append(i18n.t(f"records.{stat}", lang))
            note_key = {"median_lower": "median_ci", "median_upper": "median_ci",
                        "median": "quantile"}.get(stat, stat)  # fmt: skip
            if note_key == "quantile":
                notes.append(i18n.t("records.quantile_note", lang, q=_fmt_pct(50, 0, lang)))
            else:
                notes.append(i18n.t(f"records.{note_key}_note", lang, k=k, level=level))
        else:
            names.append(stat)
            notes.append("")
        if stat == "top_k_share":
            values.append(_fmt_pct(100 * value, digits, lang))
        else:
            values.append(_fmt_cell(value, lang, 0))
    return pd.DataFrame({"statistic": names, "value": values, "note": notes}, index=table.index)


def format_table(table: pd.DataFrame, lang: str = "en", *, digits: int = 1):
    """A statistics table formatted for reading: percentages, intervals, n, provenance.

    Shares become percentages with their interval in one column ("41.6–52.5%"),
    rates and ratios get their interval the same way, p-values read "<0.001",
    taxonomy codes become labels, and the caption gives source, as-of date and n.

    Parameters
    ----------
    table : DataFrame
        Any table from this module (others are formatted generically).
    lang : {"en", "fr"}
    digits : int

    Returns
    -------
    pandas.io.formats.style.Styler
        Call ``.to_html()`` for HTML; JupyterLab shows it directly.

    Examples
    --------
    >>> styler = format_table(proportion_table(150, 319, labels="malicious"))
    >>> styler.data[["value", "share", "95% CI"]].to_dict("records")
    [{'value': 'Malicious', 'share': '47.0%', '95% CI': '41.6–52.5%'}]
    """
    _check_lang(lang)
    level = _level_of(table)
    ci_name = i18n.t("ci_label", lang, level=_fmt_pct(level * 100, 0, lang))
    prov = table.attrs.get("provenance", {}) or {}
    if prov.get("statistic") == "records_summary" and {"statistic", "value"} <= set(table.columns):
        disp = _records_display(table, lang, digits)
        return _styled(disp, prov, lang)
    disp = pd.DataFrame(index=table.index)
    estimate = next((e for e in _ESTIMATES if e in table.columns), None)
    has_ci = estimate is not None and {"lower", "upper"} <= set(table.columns)
    for col in table.columns:
        series = table[col]
        if col in ("lower", "upper", "pct_lower", "pct_upper") and (
            has_ci or col.startswith("pct")
        ):
            continue
        if col in ("share", "share_of_row", "share_first", "share_last"):
            disp[col] = [_fmt_pct(100 * v, digits, lang) for v in series]
            if col == estimate and has_ci:
                disp[ci_name] = [
                    "–"
                    if pd.isna(lo)
                    else f"{_fmt_num(100 * lo, digits, lang)}–{_fmt_pct(100 * hi, digits, lang)}"
                    for lo, hi in zip(table["lower"], table["upper"], strict=True)
                ]
        elif col == estimate and has_ci:
            d = 2 if col in ("rate_ratio", "odds_ratio") else digits
            disp[col] = [_fmt_cell(float(v), lang, d) if pd.notna(v) else "–" for v in series]
            disp[ci_name] = [
                "–" if pd.isna(lo) else f"{_fmt_num(lo, d, lang)}–{_fmt_num(hi, d, lang)}"
                for lo, hi in zip(table["lower"], table["upper"], strict=True)
            ]
        elif col == "pct_change":
            disp[col] = [_fmt_pct(v, 0, lang, sign=True) for v in series]
            if {"pct_lower", "pct_upper"} <= set(table.columns):
                word = "à" if lang == "fr" else "to"
                disp[col] = [
                    est
                    if pd.isna(lo)
                    else f"{est} ({_fmt_pct(lo, 0, lang, True)} {word} {_fmt_pct(hi, 0, lang, True)})"
                    for est, lo, hi in zip(
                        disp[col], table["pct_lower"], table["pct_upper"], strict=True
                    )
                ]
        elif col == "level":
            disp[col] = [_fmt_pct(100 * v, 0, lang) for v in series]
        elif "p_value" in col or col == "fisher_p":
            disp[col] = [_fmt_p(v, lang) for v in series]
        elif col in _LABEL_COLUMNS:
            disp[col] = [
                label(v, lang) if isinstance(v, str) else _fmt_cell(v, lang, digits) for v in series
            ]
        else:
            disp[col] = [_fmt_cell(v, lang, digits) for v in series]
    return _styled(disp, prov, lang)


def _styled(disp: pd.DataFrame, prov: dict, lang: str):
    """The display table with headers in ``lang`` and a caption: source, as-of date, n."""
    disp = disp.rename(columns={c: _header(c, lang) for c in disp.columns})
    parts = []
    if prov.get("source") or prov.get("dataset"):
        src = i18n.source_name(prov.get("source"), prov.get("dataset"), lang)
        parts.append(i18n.t("caption_source", lang, source=src))
    if prov.get("as_of"):
        as_of = prov["as_of"]
        try:
            as_of = i18n.fmt_date(as_of, lang)
        except ParameterError:
            as_of = str(as_of)
        parts.append(i18n.t("caption_as_of", lang, date=as_of))
    if prov.get("n") is not None:
        parts.append(f"n = {_fmt_num(float(prov['n']), 0, lang)}")
    if prov.get("filters"):
        parts.append(i18n.t("caption_filters", lang, filters=str(prov["filters"])))
    styler = disp.style.hide(axis="index").format(escape="html")
    if parts:
        styler = styler.set_caption(" · ".join(parts))
    return styler
