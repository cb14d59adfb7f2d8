"""Trends: counts per period fitted by a count model, trends in shares, and the
sentences that describe them.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .. import i18n
from ..errors import ParameterError
from ..values import check_values
from .display import _check_lang, _fmt_num, _fmt_pct, _level_of
from .proportions import MIN_COVERAGE, _check_present, _spec_text, ratio_over_time
from .rates import _coverage_prov, _exposure, _period_frame, _unit_name
from .tables import (
    _FREQS,
    _PER_YEAR,
    NegativeBinomial,
    StatsTable,
    Table,
    _check_column,
    _check_freq,
    _check_level,
    _finish,
    sm,
    sps,
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


def _nb_row(fits: dict, level: float, n_periods: int, text: str, template: dict) -> dict:
    """The negative binomial row of ``trend``; empty (with the reason) when none fits."""
    nb = fits["nb"]
    if nb is None:
        empty = dict.fromkeys(template, np.nan)
        empty.update(
            model="negative binomial", n_periods=n_periods, periods_used=text, selected=False
        )
        empty.update(level=level, note=fits["nb_note"])
        return empty
    nb_disp = float(np.sum(np.asarray(nb.resid_pearson) ** 2) / nb.df_resid)
    no_overdispersion = (
        "" if fits["overdispersed"] else "no overdispersion: the Poisson fit suffices"
    )
    return _model_row(
        "negative binomial",
        nb,
        level,
        nb_disp,
        n_periods,
        text,
        fits["selected"] == "negative binomial",
        "; ".join(n for n in (fits["nb_note"], no_overdispersion) if n),
        alpha=float(np.asarray(nb.params)[-1]),
    )


def _mann_kendall_row(used: pd.DataFrame, level: float, n_periods: int, text: str, template: dict):
    """The non-parametric row of ``trend``: Kendall's tau and Sen's slope of the rates."""
    y_rate = (used["count"] / used["cover"]).to_numpy(dtype=float)
    t = used["t"].to_numpy(dtype=float)
    tau = sps.kendalltau(t, y_rate)
    sen = sps.theilslopes(y_rate, t, alpha=level)
    mk = dict.fromkeys(template, np.nan)
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
    return mk


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
    rows.append(_nb_row(fits, level, n_periods, text, rows[0]))
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
    rows.append(_mann_kendall_row(used, level, n_periods, text, rows[0]))
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
    >>> from incidentstats.stats import proportion_table
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
    level = (table.attrs.get("provenance") or {}).get("level")
    if isinstance(level, int | float) and not isinstance(level, bool):
        return float(level)
    # A table read back from a file has no provenance: its method column says the level.
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
    >>> from incidentstats.stats import rate_table
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


def _cochran_armitage(x, n, scores):
    """Cochran-Armitage trend test in its linear-by-linear form (statsmodels)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    tab = np.column_stack([x, n - x])
    res = Table(tab, shift_zeros=False).test_ordinal_association(
        row_scores=np.asarray(scores, dtype=float), col_scores=np.array([1.0, 0.0])
    )
    return float(res.zscore), float(res.pvalue)


def _share_trend_periods(over: pd.DataFrame, numerator, include_incomplete: bool) -> pd.DataFrame:
    """The periods ``share_trend`` fits: complete (unless asked), with incidents, and
    where the value could be seen."""
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
    return used


def _fit_shares(x: np.ndarray, n: np.ndarray, t: np.ndarray, level: float):
    """Logistic regression of the shares on time; quasi-binomial when overdispersed.

    Returns the fit, the interval of the slope, the dispersion, the fitted shares (of the
    binomial fit), a note and the model's name.
    """
    X = sm.add_constant(t - t.mean(), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(np.column_stack([x, n - x]), X, family=sm.families.Binomial()).fit()
    ci = np.asarray(res.conf_int(alpha=1 - level))[1]
    dispersion = float(res.pearson_chi2 / res.df_resid) if res.df_resid > 0 else np.nan
    p_over = float(sps.chi2.sf(res.pearson_chi2, res.df_resid)) if res.df_resid > 0 else np.nan
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
    return res, ci, dispersion, fitted, note, model


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
    used = _share_trend_periods(over, numerator, include_incomplete)
    x = used["x"].to_numpy(dtype=float)
    n = used["n"].to_numpy(dtype=float)
    if x.sum() == 0 or x.sum() == n.sum():
        raise ParameterError(
            "value", "the share is 0 or 1 in every period; no trend can be estimated"
        )
    ordinals = np.array([p.ordinal for p in used["period"]], dtype=float)
    t = (ordinals - ordinals[0]) / _PER_YEAR[f]
    res, ci, dispersion, fitted, note, model = _fit_shares(x, n, t, level)
    ca_z, ca_p = _cochran_armitage(x, n, t)
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
