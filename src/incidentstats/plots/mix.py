"""Charts of the category mix over time and of heatmaps of a two-way table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..errors import ParameterError
from ..i18n import (
    fmt_number,
    fmt_period,
    t,
)
from ._common import (
    _add_caption,
    _caption_text,
    _colours,
    _freq_of,
    _guess_what,
    _lab,
    _new_axes,
    _number_formatter,
    _partial_periods,
    _percent_formatter,
    _period_column,
    _prov,
    _require,
    _set_title,
    _span_of_periods,
    _style,
    _text_colour,
    _time_axis,
    _title_text,
    _what,
    _wrap,
)
from .theme import (
    _GREY_HATCHES,
    _GREY_TEXT,
    _HEATMAP_CMAP,
    SMALL,
    _themed,
)

# --- mix over time ---------------------------------------------------------------------


@_themed
def plot_mix(
    table: pd.DataFrame,
    *,
    ax=None,
    lang: str = "en",
    kind: str = "bar",
    freq: str | None = None,
    title: str | None = None,
    caption=None,
    palette: dict | None = None,
):
    """Category mix over time: 100% stacked bars (or areas) of each value's share per period.

    Parameters
    ----------
    table : DataFrame
        From ``stats.shares_over_time``: ``period`` (or ``start``), ``value`` and ``share``
        or ``x`` (``n`` and ``complete`` used when present). When an incident can hold
        several values, shares of incidents add up to more than 100%: the chart then
        stacks shares of mentions (``x`` over the period's total) and says so.
    ax : Axes, optional
    lang : {"en", "fr"}
    kind : {"bar", "area"}
    freq : {"Y", "Q", "M"}, optional
    title, caption, palette
        As in :func:`plot_shares`.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"period": [pd.Period("2014"), pd.Period("2014"), pd.Period("2015")],
    ...     "value": ["theft", "loss", "theft"], "x": [3, 1, 2], "n": [4, 4, 2]})
    >>> ax = plot_mix(table, lang="fr")
    >>> sorted(float(b.get_height()) for b in ax.patches)
    [0.25, 0.75, 1.0]
    >>> plt.close(ax.figure)
    """
    if kind not in ("bar", "area"):
        raise ParameterError("kind", f"expected 'bar' or 'area', got {kind!r}")
    _require(table, ["value"])
    if "share" not in table.columns and "x" not in table.columns:
        raise ParameterError("table", "expected a column 'share' or 'x'")
    prov = _prov(table)
    data = table.copy()
    data["_period"] = _period_column(table, freq or prov.get("freq")).to_numpy()
    data["_value"] = data["value"].astype(str)
    periods = sorted(set(data["_period"]), key=lambda p: p.ordinal)
    index = {p: i for i, p in enumerate(periods)}
    data["_pos"] = data["_period"].map(index)
    # What is stacked: shares that add up to one per period.
    mentions = False
    if "x" in data.columns:
        totals = data.groupby("_pos")["x"].transform("sum")
        if "n" in data.columns and (totals > data["n"] + 1e-9).any():
            mentions = True
            data["_h"] = data["x"] / totals
        elif "share" in data.columns:
            data["_h"] = data["share"].astype(float)
        else:
            data["_h"] = data["x"] / (data["n"] if "n" in data.columns else totals)
    else:
        totals = data.groupby("_pos")["share"].transform("sum")
        if (totals > 1 + 1e-9).any():
            mentions = True
            data["_h"] = data["share"] / totals
        else:
            data["_h"] = data["share"].astype(float)
    weight = data["x"] if "x" in data.columns else data["_h"]
    ordered = weight.groupby(data["_value"]).sum().sort_values(ascending=False, kind="stable")
    tail = [v for v in ("other", "unknown") if v in ordered.index]
    values = [v for v in ordered.index if v not in tail] + tail
    what = prov.get("by") or _guess_what(values)
    colours = _colours(values, what, palette)
    complete_by_pos = np.ones(len(periods), dtype=bool)
    if "complete" in data.columns:
        comp = data.groupby("_pos")["complete"].agg(
            lambda s: bool(s.astype("boolean").fillna(True).all())
        )
        complete_by_pos[comp.index.to_numpy(dtype=int)] = comp.to_numpy(dtype=bool)

    ax = _new_axes(ax, height=4.2)
    _style(ax, grid="y")
    bottom = np.zeros(len(periods))
    if kind == "bar":
        for v in values:
            rows = data[data["_value"] == v]
            pos = rows["_pos"].to_numpy(dtype=int)
            heights = rows["_h"].to_numpy(dtype=float)
            bars = ax.bar(
                pos,
                heights,
                bottom=bottom[pos],
                width=0.8,
                color=colours[v],
                edgecolor="white",
                linewidth=0.4,
                label=_wrap(_lab(v, lang), 24),
                gid=f"mix:{v}",
            )
            for bar, p in zip(bars, pos, strict=True):
                bar.set_hatch(_GREY_HATCHES[values.index(v) % len(_GREY_HATCHES)])
                if not complete_by_pos[p]:  # pale: the hatch already names the category
                    bar.set_alpha(0.4)
            bottom[pos] += np.nan_to_num(heights)
    else:
        grid = np.zeros((len(values), len(periods)))
        for i, v in enumerate(values):
            rows = data[data["_value"] == v]
            grid[i, rows["_pos"].to_numpy(dtype=int)] = rows["_h"].to_numpy(dtype=float)
        grid = np.nan_to_num(grid)
        layers = ax.stackplot(
            np.arange(len(periods)),
            grid,
            colors=[colours[v] for v in values],
            labels=[_wrap(_lab(v, lang), 24) for v in values],
            edgecolor="white",
            linewidth=0.4,
        )
        for i, layer in enumerate(layers):  # readable in greyscale too
            layer.set_hatch(_GREY_HATCHES[i % len(_GREY_HATCHES)])
        bottom = grid.sum(axis=0)
        if (~complete_by_pos).any():
            for p in np.flatnonzero(~complete_by_pos):
                ax.axvspan(
                    p - 0.5,
                    p + 0.5,
                    facecolor="none",
                    edgecolor="white",
                    hatch="////",
                    linewidth=0,
                    zorder=3,
                    gid="incomplete",
                )
    _time_axis(ax, periods, lang)
    if kind == "area":
        ax.set_xlim(0, max(len(periods) - 1, 1))
    show_n = "n" in data.columns and len(periods) <= 16 and kind == "bar"
    if show_n:
        n_by_pos = data.groupby("_pos")["n"].first()
        for p, n in n_by_pos.items():
            ax.annotate(
                fmt_number(n, lang),
                xy=(p, bottom[p]),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=SMALL,
                color=_GREY_TEXT,
                gid="n_label",
            )
    ax.set_ylim(
        0, max(1.0, float(np.nanmax(bottom)) if len(bottom) else 1.0) * (1.07 if show_n else 1.0)
    )
    ax.yaxis.set_major_formatter(_percent_formatter(lang))
    ax.set_ylabel(t("share_of_mentions" if mentions else "share_of_incidents", lang))
    handles = [Patch(facecolor=colours[v], edgecolor="white", linewidth=0.4) for v in values]
    labels = [_wrap(_lab(v, lang), 24) for v in values]
    ax.legend(
        handles[::-1],
        labels[::-1],
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        handlelength=1.2,
        borderaxespad=0.2,
    )
    fkey = _freq_of(periods, freq)
    fkey = fkey if fkey in ("Y", "Q", "M") else "M"
    base = t("title_mix", lang, what=_what(what, lang), freq=t(f"freq_{fkey}", lang))
    _set_title(ax, title or _title_text(base, _span_of_periods(periods), lang))
    notes = [
        t("mentions_note", lang) if mentions else None,
        t("n_on_top", lang) if show_n else None,
        t("pale_bars_incomplete" if kind == "bar" else "hatched_band_incomplete", lang)
        if (~complete_by_pos).any()
        else None,
    ]
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax


# --- heatmaps --------------------------------------------------------------------------


def _heatmap_cells(ax, matrix: np.ndarray, image, fmt) -> None:
    cmap, norm = image.get_cmap(), image.norm
    for (i, j), value in np.ndenumerate(matrix):
        if not np.isfinite(value):
            continue
        ax.text(
            j,
            i,
            fmt(value),
            ha="center",
            va="center",
            fontsize=SMALL,
            color=_text_colour(cmap(norm(value))),
            gid="cell_label",
        )


@_themed
def plot_heatmap(
    table: pd.DataFrame,
    *,
    ax=None,
    lang: str = "en",
    top: int | None = 20,
    annot: bool | None = None,
    title: str | None = None,
    caption=None,
    cmap: str = _HEATMAP_CMAP,
    colorbar: bool = True,
):
    """Counts of incidents by row (e.g. region) and period as a heatmap.

    Parameters
    ----------
    table : DataFrame
        From ``stats.counts_by``: long table ``row_value, period, count``.
    ax : Axes, optional
    lang : {"en", "fr"}
    top : int or None
        Show the ``top`` rows with the most incidents and add the others up in one last
        row ("All other (k)"); None: every row.
    annot : bool, optional
        Write the count in each cell; by default when the cells are large enough.
    title, caption
        As in :func:`plot_shares`.
    cmap : str
        Sequential colour map.
    colorbar : bool

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"row_value": ["CA", "CA", "TX"], "count": [5, 7, 2],
    ...     "period": [pd.Period("2014"), pd.Period("2015"), pd.Period("2014")]})
    >>> ax = plot_heatmap(table)
    >>> ax.images[0].get_array().tolist()
    [[5.0, 7.0], [2.0, 0.0]]
    >>> plt.close(ax.figure)
    """
    _require(table, ["row_value", "period", "count"])
    prov = _prov(table)
    data = table.copy()
    data["_period"] = _period_column(table, prov.get("freq")).to_numpy()
    data["_row"] = data["row_value"].astype("string").fillna("unknown").astype(str)
    periods = sorted(set(data["_period"]), key=lambda p: p.ordinal)
    grid = data.pivot_table(
        index="_row", columns="_period", values="count", aggfunc="sum", fill_value=0
    )
    grid = grid.reindex(columns=periods, fill_value=0)
    totals = grid.sum(axis=1)
    grid = grid.loc[sorted(grid.index, key=lambda r: (-totals[r], r))]
    labels = [_lab(r, lang) for r in grid.index]
    n_other = 0
    if top and len(grid) > top:
        kept, rest = grid.iloc[: top - 1], grid.iloc[top - 1 :]
        n_other = len(rest)
        grid = pd.concat([kept, rest.sum().to_frame(t("other_rows", lang, k=n_other)).T])
        labels = labels[: top - 1] + [t("other_rows", lang, k=fmt_number(n_other, lang))]
    matrix = grid.to_numpy(dtype=float)
    nrows, ncols = matrix.shape
    ax = _new_axes(ax, height=min(10.0, 1.9 + 0.27 * nrows))
    _style(ax)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    colour_rows = matrix[:-1] if n_other else matrix
    vmax = float(colour_rows.max()) if colour_rows.size and colour_rows.max() > 0 else 1.0
    image = ax.imshow(matrix, aspect="auto", cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
    image.set_gid("heatmap")
    if annot is None:
        annot = ncols <= 20 and nrows <= 40
    if annot:
        _heatmap_cells(ax, matrix, image, lambda v: fmt_number(v, lang))
    if n_other:  # the added-up row is not one of the others: set it apart
        ax.axhline(nrows - 1.5, color="white", linewidth=4)
    partial = _partial_periods(periods, data, prov)
    ax.set_xticks(
        range(ncols), [fmt_period(p, lang) + ("*" if p in partial else "") for p in periods]
    )
    ax.set_yticks(range(nrows), labels)
    ax.tick_params(length=0)
    if ncols > 12:
        ax.tick_params(axis="x", labelrotation=90)
    if colorbar:
        # A caption running to the figure's edge would sit under the colour bar, and the
        # layout would shrink the cells at every redraw: keep it within the axes.
        ax._ist_own_figure = False
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02, aspect=30)
        bar.set_label(t("heatmap_counts", lang), fontsize=SMALL)
        bar.ax.tick_params(labelsize=SMALL)
        bar.outline.set_visible(False)
        bar.ax.yaxis.set_major_formatter(_number_formatter(lang))
    fkey = _freq_of(periods)
    fkey = fkey if fkey in ("Y", "Q", "M") else "Y"
    what = prov.get("rows") or _guess_what(grid.index) or "region"
    base = t("title_heatmap", lang, what=_what(what, lang), freq=t(f"freq_{fkey}", lang))
    _set_title(ax, title or _title_text(base, _span_of_periods(periods), lang))
    notes = [t("partial_mark", lang) if partial else None]
    if n_other:
        notes.append(t("other_rows_note", lang, k=fmt_number(n_other, lang)))
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax
