"""Charts of shares with their intervals: one set of categories, or by group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import (
    fmt_number,
    fmt_percent,
    t,
)
from ._common import (
    _add_caption,
    _auto_decimals,
    _cap,
    _caption_text,
    _colours,
    _guess_what,
    _interval_words,
    _lab,
    _new_axes,
    _percent_formatter,
    _prov,
    _require,
    _set_title,
    _span_from_prov,
    _style,
    _title_text,
    _what,
    _wrap,
)
from .theme import (
    _DARK,
    SMALL,
    _themed,
)

# --- shares ----------------------------------------------------------------------------


@_themed
def plot_shares(
    table: pd.DataFrame,
    *,
    ax=None,
    lang: str = "en",
    title: str | None = None,
    caption=None,
    palette: dict | None = None,
    decimals: int | None = None,
):
    """Horizontal bars of shares with their confidence intervals, largest first.

    Parameters
    ----------
    table : DataFrame
        From ``stats.shares``: ``value, x, n, share, lower, upper`` (``n_unknown``,
        ``method`` used when present). A ``group`` column hands over to
        :func:`plot_shares_by_group`.
    ax : Axes, optional
        Where to draw; by default a new figure 7 in wide.
    lang : {"en", "fr"}
    title : str, optional
        Replaces the automatic title ("Share of incidents by category, 2009–2015").
    caption : str or False, optional
        Replaces the automatic caption (n, interval method, source, as-of date); False: none.
    palette : dict, optional
        Value -> colour; by default categories and origins keep their fixed colours.
    decimals : int, optional
        Decimals of the percent labels; by default 1 when a share is below 10%.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"value": ["theft", "loss"], "x": [150, 40], "n": 319,
    ...     "share": [150 / 319, 40 / 319], "lower": [0.416, 0.094], "upper": [0.525, 0.166]})
    >>> ax = plot_shares(table, lang="fr")
    >>> [b.get_width() for b in ax.patches] == list(table["share"])
    True
    >>> plt.close(ax.figure)
    """
    if "group" in getattr(table, "columns", ()):
        return plot_shares_by_group(
            table,
            ax=ax,
            lang=lang,
            title=title,
            caption=caption,
            palette=palette,
            decimals=decimals,
        )
    _require(table, ["value", "n", "share", "lower", "upper"])
    prov = _prov(table)
    data = table.sort_values(["share", "value"], ascending=[False, True], kind="stable")
    k = len(data)
    ax = _new_axes(ax, height=1.9 + 0.36 * k)
    _style(ax, grid="x")
    values = data["value"].astype(str).tolist()
    kind = prov.get("by") or _guess_what(values)
    colours = _colours(values, kind, palette)
    share = data["share"].to_numpy(dtype=float)
    lower = data["lower"].to_numpy(dtype=float)
    upper = data["upper"].to_numpy(dtype=float)
    pos = np.arange(k)
    ax.barh(
        pos,
        share,
        height=0.7,
        color=[colours[v] for v in values],
        xerr=np.vstack([share - lower, upper - share]),
        error_kw={"ecolor": "#333333", "elinewidth": 1.0, "capsize": 2.5, "capthick": 1.0},
        label="_shares",
        gid="shares",
    )
    decimals = _auto_decimals(share) if decimals is None else decimals
    for y, s, hi in zip(pos, share, upper, strict=True):
        ax.annotate(
            fmt_percent(s, lang, decimals=decimals),
            xy=(hi if np.isfinite(hi) else s, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=SMALL,
            color=_DARK,
            gid="bar_label",
        )
    ax.set_yticks(pos, [_wrap(_lab(v, lang), 30) for v in values])
    ax.set_ylim(k - 0.4, -0.6)  # largest share on top
    ax.tick_params(axis="y", length=0)
    top = np.nanmax(np.concatenate([upper, share]))
    ax.set_xlim(0, min(1.0, top) * 1.2 if top > 0 else 1)
    ax.xaxis.set_major_formatter(_percent_formatter(lang))
    ax.set_xlabel(t("share_of_incidents", lang))

    base = t("title_shares", lang, what=_what(kind, lang))
    _set_title(ax, title or _title_text(base, _span_from_prov(prov), lang))
    n = int(data["n"].iloc[0])
    first = t("n_incidents", lang, count=n, n=fmt_number(n, lang))
    n_unknown = int(data["n_unknown"].iloc[0]) if "n_unknown" in data else 0
    if n_unknown:
        first += (
            f" ({t('n_unknown_excluded', lang, count=n_unknown, k=fmt_number(n_unknown, lang))})"
        )
    if "method" in data:
        first += " · " + t("error_bars", lang, method=_interval_words(prov, data, lang))
    notes = [first]
    if np.nansum(share) > 1 + 1e-9:
        notes.append(t("multi_valued_note", lang))
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax


@_themed
def plot_shares_by_group(
    table: pd.DataFrame,
    *,
    ax=None,
    lang: str = "en",
    title: str | None = None,
    caption=None,
    palette: dict | None = None,
    decimals: int | None = None,
):
    """Grouped horizontal bars: the share of each value within each group, with intervals.

    Parameters
    ----------
    table : DataFrame
        From ``stats.shares(..., within=...)``: ``group, value, n, share, lower, upper``.
        ``n`` is the group's number of incidents, shown in the legend.
    ax, lang, title, caption, palette, decimals
        As in :func:`plot_shares`; ``palette`` maps groups to colours.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"group": ["provider", "health_plan"], "value": "theft",
    ...     "n": [10, 5], "share": [0.5, 0.4], "lower": [0.2, 0.1], "upper": [0.8, 0.8]})
    >>> ax = plot_shares(table)
    >>> [x.get_text() for x in ax.get_legend().get_texts()]
    ['Healthcare provider (n = 10)', 'Health plan (n = 5)']
    >>> plt.close(ax.figure)
    """
    _require(table, ["group", "value", "n", "share", "lower", "upper"])
    prov = _prov(table)
    n_group = table.groupby(table["group"].astype(str), sort=False)["n"].first()
    groups = n_group.sort_values(ascending=False, kind="stable").index.tolist()
    by_value = table.assign(_v=table["value"].astype(str)).groupby("_v", sort=False)
    if "x" in table.columns:  # overall share of each value across the groups
        overall = by_value["x"].sum() / by_value["n"].sum()
    else:
        overall = by_value["share"].mean()
    order = overall.sort_values(ascending=False, kind="stable")
    values = order.index.tolist()
    k, g = len(values), len(groups)
    ax = _new_axes(ax, height=1.9 + k * (0.1 + 0.2 * g))
    _style(ax, grid="x")
    colours = _colours(groups, _guess_what(groups), palette)
    height = 0.8 / g
    decimals = _auto_decimals(table["share"]) if decimals is None else decimals
    tops = []
    for j, grp in enumerate(groups):
        rows = table[table["group"].astype(str) == grp].copy()
        rows["_v"] = rows["value"].astype(str)
        rows = rows.set_index("_v").reindex([v for v in values if v in set(rows["_v"])])
        pos = np.array([values.index(v) for v in rows.index]) + (j - (g - 1) / 2) * height
        share = rows["share"].to_numpy(dtype=float)
        lower, upper = rows["lower"].to_numpy(dtype=float), rows["upper"].to_numpy(dtype=float)
        n = int(rows["n"].iloc[0])
        ax.barh(
            pos,
            share,
            height=height * 0.92,
            color=colours[grp],
            xerr=np.vstack([share - lower, upper - share]),
            error_kw={"ecolor": "#333333", "elinewidth": 0.9, "capsize": 1.8},
            label=f"{_wrap(_lab(grp, lang), 28)} ({t('n', lang, n=fmt_number(n, lang))})",
            gid=f"shares:{grp}",
        )
        for y, s, hi in zip(pos, share, upper, strict=True):
            ax.annotate(
                fmt_percent(s, lang, decimals=decimals),
                xy=(hi if np.isfinite(hi) else s, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=SMALL,
                color=_DARK,
                gid="bar_label",
            )
        tops.append(np.nanmax(np.concatenate([upper, share])))
    ax.set_yticks(range(k), [_wrap(_lab(v, lang), 30) for v in values])
    ax.set_ylim(k - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    top = max(tops) if tops else 1
    ax.set_xlim(0, min(1.0, top) * 1.25 if top > 0 else 1)
    ax.xaxis.set_major_formatter(_percent_formatter(lang))
    ax.set_xlabel(t("share_of_incidents", lang))
    ax.legend(loc="lower right", handlelength=1.2, borderaxespad=0.2)

    what = prov.get("by") or _guess_what(values)
    within = prov.get("within") or _guess_what(groups)
    base = t("title_shares_by_group", lang, what=_what(what, lang), within=_what(within, lang))
    _set_title(ax, title or _title_text(base, _span_from_prov(prov), lang))
    notes = []
    if "method" in table:
        notes.append(_cap(t("error_bars", lang, method=_interval_words(prov, table, lang))))
    sums = table.groupby(table["group"].astype(str))["share"].sum()
    if (sums > 1 + 1e-9).any():
        notes.append(t("multi_valued_note", lang))
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax
