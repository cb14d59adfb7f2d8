"""Charts over time: incidents per period with the fitted trend, and a ratio over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.ticker import MaxNLocator

from ..i18n import (
    MODEL_NAMES,
    fmt_number,
    fmt_percent,
    fmt_period,
    t,
)
from ._common import (
    _add_caption,
    _cap,
    _caption_text,
    _complete,
    _freq_of,
    _interval_words,
    _lab,
    _legend_top,
    _new_axes,
    _number_formatter,
    _own_figure,
    _percent_formatter,
    _period_column,
    _prov,
    _require,
    _set_title,
    _span_of_periods,
    _spec_label,
    _style,
    _time_axis,
    _title_text,
    _width_inches,
)
from .theme import (
    _COUNT,
    _DARK,
    _OKABE_ITO,
    _TREND,
    _themed,
)

# --- counts over time ------------------------------------------------------------------


@_themed
def plot_counts(
    table: pd.DataFrame,
    *,
    ax=None,
    lang: str = "en",
    freq: str | None = None,
    rolling: int | None = 3,
    title: str | None = None,
    caption=None,
    colour: str = _COUNT,
):
    """Incidents per period as bars, incomplete periods hatched, with a moving average.

    Parameters
    ----------
    table : DataFrame
        From ``stats.counts_by_period``: ``period`` (or ``start``), ``count``, ``complete``.
        With ``fitted, lower, upper`` (``stats.fitted_counts``) the trend and its band
        are drawn too.
    ax : Axes, optional
    lang : {"en", "fr"}
    freq : {"Y", "Q", "M"}, optional
        Only needed when the table has no ``period`` column of pandas Periods.
    rolling : int or None
        Window of the centred moving average, in periods, over complete periods only;
        None or 0: no moving average.
    title, caption
        As in :func:`plot_shares`.
    colour : str
        Colour of the bars.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"period": pd.period_range("2014", periods=3, freq="Y"),
    ...     "count": [10, 12, 3], "complete": [True, True, False]})
    >>> ax = plot_counts(table, rolling=None)
    >>> [float(p.get_height()) for p in ax.patches]
    [10.0, 12.0, 3.0]
    >>> plt.close(ax.figure)
    """
    _require(table, ["count"])
    prov = _prov(table)
    periods_col = _period_column(table, freq or prov.get("freq"))
    order = np.argsort([p.ordinal for p in periods_col], kind="stable")
    data = table.iloc[order]
    periods = [periods_col.iloc[i] for i in order]
    f = _freq_of(periods, freq)
    counts = data["count"].to_numpy(dtype=float)
    complete = _complete(data)
    pos = np.arange(len(data))
    ax = _new_axes(ax, height=3.9)
    _style(ax, grid="y")

    if complete.any():
        ax.bar(
            pos[complete],
            counts[complete],
            width=0.8,
            color=colour,
            label=t("incidents_reported", lang),
            gid="counts",
        )
    if (~complete).any():
        ax.bar(
            pos[~complete],
            counts[~complete],
            width=0.8,
            facecolor=(*to_rgb(colour), 0.25),
            edgecolor=colour,
            hatch="////",
            linewidth=0.8,
            label=t("incomplete_period", lang),
            gid="incomplete",
        )
    fkey = f if f in ("Y", "Q", "M") else "M"
    level = prov.get("level") if isinstance(prov.get("level"), float | int) else 0.95
    band_label = t("trend_band", lang, level=fmt_percent(level, lang))
    has_trend = {"fitted", "lower", "upper"} <= set(data.columns)
    if has_trend:
        # The model is fitted on complete periods; its values for partial periods are
        # expected counts for a part of a period and would read as a drop, so hide them.
        shown = np.asarray(complete, dtype=bool)
        ax.fill_between(
            pos,
            np.where(shown, data["lower"].to_numpy(dtype=float), np.nan),
            np.where(shown, data["upper"].to_numpy(dtype=float), np.nan),
            color=_TREND,
            alpha=0.18,
            linewidth=0,
            label=band_label,
            gid="trend_band",
        )
        ax.plot(
            pos,
            np.where(shown, data["fitted"].to_numpy(dtype=float), np.nan),
            color=_TREND,
            linewidth=1.8,
            label=t("trend", lang),
            gid="trend",
        )
    if rolling and rolling > 1:
        series = pd.Series(np.where(complete, counts, np.nan))
        mean = series.rolling(rolling, center=True, min_periods=rolling).mean()
        ax.plot(
            pos,
            mean.to_numpy(),
            color=_DARK,
            linewidth=1.6,
            label=t(f"rolling_{fkey}", lang, k=rolling),
            gid="rolling",
        )
    _time_axis(ax, periods, lang)
    top = np.nanmax(counts) if len(counts) else 1
    if has_trend:
        top = max(top, np.nanmax(data["upper"].to_numpy(dtype=float)))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(_number_formatter(lang))
    ax.set_ylabel(_cap(t(f"incidents_per_{fkey}", lang)))
    handles, labels = ax.get_legend_handles_labels()
    rank = {
        t("incidents_reported", lang): 0,
        t("incomplete_period", lang): 1,
        t(f"rolling_{fkey}", lang, k=rolling): 2,
        t("trend", lang): 3,
        band_label: 4,
    }
    order = sorted(range(len(handles)), key=lambda i: rank.get(labels[i], 9))
    ncol = 2 if len(handles) > 2 else len(handles)
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper left",
        ncol=ncol,
        handlelength=1.6,
        borderaxespad=0.2,
        columnspacing=1.2,
    )
    _legend_top(ax, max(top, 1), len(handles), ncol)

    base = t("title_counts", lang, freq=t(f"freq_{fkey}", lang))
    _set_title(ax, title or _title_text(base, _span_of_periods(periods), lang))
    notes = []
    if (~complete).any():
        notes.append(t("incomplete_note", lang))
        if rolling and rolling > 1:
            notes[-1] += " " + t("rolling_note", lang)
    if has_trend:
        notes.append(_trend_note(data, prov, lang))
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax


def _trend_note(data: pd.DataFrame, prov: dict, lang: str) -> str | None:
    model = prov.get("model") or (data["model"].iloc[0] if "model" in data.columns else None)
    if not model:
        return None
    model = MODEL_NAMES.get(str(model).lower(), {}).get(lang, str(model))
    used = prov.get("periods_used")
    if isinstance(used, str) and "–" in used:
        try:
            first, last = (pd.Period(p.strip()) for p in used.split("–"))
            used = f"{fmt_period(first, lang)}–{fmt_period(last, lang)}"
        except ValueError:
            pass
    if used:
        return t("trend_note_periods", lang, model=model, periods=used)
    return t("trend_note", lang, model=model)


# --- ratio over time -------------------------------------------------------------------


@_themed
def plot_ratio(
    table: pd.DataFrame,
    *,
    ax=None,
    lang: str = "en",
    freq: str | None = None,
    what: str | None = None,
    title: str | None = None,
    caption=None,
    colour: str = _OKABE_ITO["blue"],
):
    """A share over time (line and points) with its confidence band.

    Parameters
    ----------
    table : DataFrame
        From ``stats.ratio_over_time``: ``period`` (or ``start``), ``share``, ``lower``,
        ``upper`` (``n``, ``complete``, ``method`` used when present).
    ax : Axes, optional
    lang : {"en", "fr"}
    freq : {"Y", "Q", "M"}, optional
    what : str, optional
        Taxonomy code (or text) of what the share counts, for the title; by default
        ``provenance["numerator"]`` when it is a string.
    title, caption
        As in :func:`plot_shares`.
    colour : str

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"period": pd.period_range("2014", periods=2, freq="Y"),
    ...     "share": [0.1, 0.2], "lower": [0.05, 0.12], "upper": [0.18, 0.3], "n": [80, 90]})
    >>> ax = plot_ratio(table, what="hacking")
    >>> ax.get_title(loc="left")
    'Share of incidents: Hacking/IT incident, 2014–2015'
    >>> plt.close(ax.figure)
    """
    _require(table, ["share", "lower", "upper"])
    prov = _prov(table)
    periods_col = _period_column(table, freq or prov.get("freq"))
    order = np.argsort([p.ordinal for p in periods_col], kind="stable")
    data = table.iloc[order]
    periods = [periods_col.iloc[i] for i in order]
    share = data["share"].to_numpy(dtype=float)
    lower, upper = data["lower"].to_numpy(dtype=float), data["upper"].to_numpy(dtype=float)
    complete = _complete(data)
    pos = np.arange(len(data))
    ax = _new_axes(ax, height=3.7)
    _style(ax, grid="y")
    if "method" in data.columns:
        band = _cap(_interval_words(prov, data, lang)).replace("intervals", "interval")
        band = band.replace("intervalles", "intervalle")
    else:
        band = _cap(t("interval_band", lang, level=fmt_percent(0.95, lang)))
    ax.fill_between(pos, lower, upper, color=colour, alpha=0.2, linewidth=0, label=band, gid="band")
    # A band needs two neighbouring points: a point whose neighbours are missing keeps its
    # interval as an error bar, so no interval silently disappears.
    known = ~np.isnan(share)
    prev_known = np.r_[False, known[:-1]]
    next_known = np.r_[known[1:], False]
    isolated = known & ~prev_known & ~next_known
    if isolated.any():
        ax.errorbar(
            pos[isolated],
            share[isolated],
            yerr=[share[isolated] - lower[isolated], upper[isolated] - share[isolated]],
            fmt="none",
            ecolor=colour,
            alpha=0.6,
            elinewidth=6,
            capsize=0,
            gid="isolated_interval",
        )
    ax.plot(
        pos,
        share,
        color=colour,
        linewidth=1.8,
        marker="o",
        markersize=4.5,
        label=t("share_of_incidents", lang),
        gid="ratio",
    )
    if (~complete).any():
        ax.plot(
            pos[~complete],
            share[~complete],
            linestyle="none",
            marker="o",
            markersize=6,
            markerfacecolor="white",
            markeredgecolor=colour,
            markeredgewidth=1.4,
            label=t("incomplete_period", lang),
            gid="incomplete",
        )
    _time_axis(ax, periods, lang)
    top = np.nanmax(np.concatenate([upper, share]))
    ax.yaxis.set_major_formatter(_percent_formatter(lang))
    ax.set_ylabel(t("share_of_incidents", lang))
    labels = ax.get_legend_handles_labels()[1]
    # About 0.075 in per character at 8.5 pt, plus the handle.
    fits = sum(len(x) * 0.075 + 0.6 for x in labels) <= _width_inches(ax)
    ncol = len(labels) if fits else 2 if _own_figure(ax) else 1
    ax.legend(loc="upper left", ncol=ncol, handlelength=1.6, borderaxespad=0.2)
    _legend_top(ax, top if top > 0 else 1.0, len(labels), ncol, cap=1.0)

    what = _lab(what, lang) if what else _spec_label(prov.get("numerator"), lang)
    base = t("title_ratio_of", lang, what=what) if what else t("title_ratio", lang)
    _set_title(ax, title or _title_text(base, _span_of_periods(periods), lang))
    notes = []
    if "n" in data.columns:
        n = data["n"].to_numpy(dtype=float)
        lo, hi = fmt_number(np.nanmin(n), lang), fmt_number(np.nanmax(n), lang)
        notes.append(
            t("denominator", lang, lo=lo, hi=hi) if lo != hi else t("denominator_one", lang, n=lo)
        )
    if (~complete).any():
        notes.append(t("open_markers_incomplete", lang))
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax
