"""Charts of records affected per incident, on a log scale."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter

from ..errors import ParameterError
from ..i18n import (
    NNBSP,
    fmt_number,
    fmt_span,
    t,
)
from ._common import (
    _add_caption,
    _caption_text,
    _new_axes,
    _number_formatter,
    _percent_formatter,
    _prov,
    _set_title,
    _span_from_prov,
    _style,
    _title_text,
    _wrap,
)
from .theme import (
    _NEUTRAL,
    _TREND,
    SMALL,
    _themed,
)

# --- records affected ------------------------------------------------------------------


@_themed
def plot_records(
    data,
    *,
    ax=None,
    lang: str = "en",
    kind: str = "hist",
    bins_per_decade: int = 4,
    title: str | None = None,
    caption=None,
    colour: str = _NEUTRAL,
):
    """Distribution of records affected per incident on a log scale, with the median marked.

    Parameters
    ----------
    data : DataFrame or Series
        The canonical incident table (column ``records_affected``) or a Series of counts.
        Missing values are left out and counted in the caption; zeros cannot be shown on
        a log scale and are counted too.
    ax : Axes, optional
    lang : {"en", "fr"}
    kind : {"hist", "ecdf"}
        Histogram with logarithmic bins, or empirical cumulative distribution.
    bins_per_decade : int
        Histogram bins per power of ten.
    title, caption
        As in :func:`plot_shares`.
    colour : str

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_records(pd.Series([600, 2_000, 45_000]))
    >>> [x.get_text() for x in ax.texts if x.get_gid() == "median_label"]
    ['Median: 2,000']
    >>> plt.close(ax.figure)
    """
    if kind not in ("hist", "ecdf"):
        raise ParameterError("kind", f"expected 'hist' or 'ecdf', got {kind!r}")
    if bins_per_decade < 1:
        raise ParameterError(
            "bins_per_decade", f"expected a whole number >= 1, got {bins_per_decade!r}"
        )
    prov = _prov(data)
    if isinstance(data, pd.DataFrame):
        if "records_affected" not in data.columns:
            raise ParameterError("data", "expected a column 'records_affected'")
        series = data["records_affected"]
    elif isinstance(data, pd.Series):
        series = data
    else:
        raise ParameterError("data", f"expected a DataFrame or Series, got {type(data).__name__}")
    values = pd.to_numeric(series, errors="coerce").astype("Float64").astype(float)
    n_missing = int(values.isna().sum())
    n_zero = int((values <= 0).sum())
    shown = values[values > 0].to_numpy()
    if shown.size == 0:
        raise ParameterError("data", "no positive numbers of records to plot")
    median = float(np.median(shown))
    # seaborn imports scipy.stats (about a second): only when this chart is drawn
    import seaborn as sns

    ax = _new_axes(ax, height=3.8)
    _style(ax, grid="y")
    if kind == "hist":
        # Bin edges on a fixed grid of 10**(k / bins_per_decade), so that charts compare.
        lo = math.floor(math.log10(shown.min()) * bins_per_decade)
        hi = math.floor(math.log10(shown.max()) * bins_per_decade) + 1
        edges = 10.0 ** (np.arange(lo, hi + 1) / bins_per_decade)
        # seaborn's distribution functions, on the fixed log grid of bin edges.
        before = len(ax.patches)
        sns.histplot(
            x=shown, bins=edges, color=colour, edgecolor="white", linewidth=0.6, alpha=1.0,
            ax=ax, legend=False,
        )  # fmt: skip
        bars = ax.patches[before:]
        for bar in bars:
            bar.set_gid("hist")
        heights = np.array([bar.get_height() for bar in bars])
        ax.set_ylim(0, heights.max() * 1.12)
        ax.set_ylabel(t("records_hist_y", lang))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(_number_formatter(lang))
        ax.set_xlim(edges[0], edges[-1])
    else:
        sns.ecdfplot(x=shown, color=colour, linewidth=1.8, ax=ax, legend=False)
        ax.lines[-1].set_gid("ecdf")
        ax.axhline(0.5, color="#9A9A9A", linewidth=0.8, linestyle=":")
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(_percent_formatter(lang))
        ax.set_ylabel(_wrap(t("records_ecdf_y", lang), 36))
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10))
    ax.xaxis.set_major_formatter(_number_formatter(lang))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.axvline(median, color=_TREND, linewidth=1.4, linestyle="--", gid="median")
    ax.annotate(
        t("median", lang, value=fmt_number(median, lang)),
        xy=(median, 1),
        xycoords=("data", "axes fraction"),
        xytext=(4, -2),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=SMALL,
        color=_TREND,
        gid="median_label",
    )
    ax.set_xlabel(t("records_axis", lang))
    span = _span_from_prov(prov)
    if not span and isinstance(data, pd.DataFrame) and "reported_date" in data.columns:
        dates = pd.to_datetime(data["reported_date"]).dropna()
        span = fmt_span(dates.min(), dates.max()) if len(dates) else ""
    _set_title(ax, title or _title_text(t("title_records", lang), span, lang))
    first = t("records_n", lang, count=shown.size, n=fmt_number(shown.size, lang))
    extra = []
    if n_missing:
        extra.append(t("records_missing", lang, count=n_missing, k=fmt_number(n_missing, lang)))
    if n_zero:
        extra.append(t("records_nonpositive", lang, count=n_zero, k=fmt_number(n_zero, lang)))
    if extra:
        sep = f"{NNBSP}; " if lang == "fr" else "; "  # French: thin space before ';'
        first += f" ({sep.join(extra)})"
    notes = [first]
    if isinstance(data, pd.DataFrame) and "records_placeholder" in data.columns:
        k = int(data["records_placeholder"].astype("boolean").fillna(False).sum())
        if k:
            notes.append(t("placeholder_note", lang, count=k, k=fmt_number(k, lang)))
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax
