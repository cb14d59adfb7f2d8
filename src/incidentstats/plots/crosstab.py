"""Charts of a cross-tabulation of categories, partial periods marked."""

from __future__ import annotations

import pandas as pd

from ..i18n import (
    fmt_number,
    fmt_percent,
    t,
)
from ._common import (
    _add_caption,
    _caption_text,
    _guess_what,
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
from .mix import (
    _heatmap_cells,
)
from .theme import (
    _HEATMAP_CMAP,
    SMALL,
    _themed,
)


@_themed
def plot_crosstab(
    table: pd.DataFrame,
    *,
    ax=None,
    lang: str = "en",
    title: str | None = None,
    caption=None,
    cmap: str = _HEATMAP_CMAP,
    decimals: int = 0,
    colorbar: bool = True,
):
    """Share of each column value (e.g. category) within each row (e.g. organisation type).

    Parameters
    ----------
    table : DataFrame
        From ``stats.crosstab``: long table ``row, col, x, n_row, share_of_row``.
    ax : Axes, optional
    lang : {"en", "fr"}
    title, caption
        As in :func:`plot_shares`.
    cmap : str
    decimals : int
        Decimals of the percent in each cell.
    colorbar : bool

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"row": ["provider", "provider"], "col": ["theft", "loss"],
    ...     "x": [3, 1], "n_row": 4, "share_of_row": [0.75, 0.25]})
    >>> ax = plot_crosstab(table, lang="fr")
    >>> [x.get_text() for x in ax.texts if x.get_gid() == "cell_label"] == ["75\u202f%", "25\u202f%"]
    True
    >>> plt.close(ax.figure)
    """
    _require(table, ["row", "col", "n_row", "share_of_row"])
    prov = _prov(table)
    data = table.assign(_row=table["row"].astype(str), _col=table["col"].astype(str))
    n_row = data.groupby("_row")["n_row"].first()
    rows = sorted(n_row.index, key=lambda r: (-n_row[r], r))
    weight = data["x"] if "x" in data.columns else data["share_of_row"]
    col_total = weight.groupby(data["_col"]).sum()
    cols = sorted(col_total.index, key=lambda c: (c in ("other", "unknown"), -col_total[c], c))
    grid = data.pivot_table(index="_row", columns="_col", values="share_of_row", aggfunc="sum")
    grid = grid.reindex(index=rows, columns=cols)
    matrix = grid.fillna(0).to_numpy(dtype=float)
    nrows, ncols = matrix.shape
    ax = _new_axes(ax, height=min(9.0, 2.6 + 0.42 * nrows))
    _style(ax)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    image = ax.imshow(matrix, aspect="auto", cmap=cmap, vmin=0, vmax=max(matrix.max(), 1e-9))
    image.set_gid("heatmap")
    _heatmap_cells(ax, matrix, image, lambda v: fmt_percent(v, lang, decimals=decimals))
    ax.set_yticks(
        range(nrows),
        [f"{_lab(r, lang)} ({t('n', lang, n=fmt_number(n_row[r], lang))})" for r in rows],
    )
    ax.xaxis.tick_top()
    # Upright column labels, wrapped: slanted ones reach past the last column, and the
    # layout then squeezes the cells to make room for them (French labels run long).
    ax.set_xticks(range(ncols), [_wrap(_lab(c, lang), 16) for c in cols])
    ax.tick_params(length=0)
    ax.tick_params(axis="x", labelrotation=90)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("center")
        tick.set_verticalalignment("bottom")
    if colorbar:
        # A caption running to the figure's edge would sit under the colour bar, and the
        # layout would shrink the cells at every redraw: keep it within the axes.
        ax._ist_own_figure = False
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02, aspect=20)
        bar.set_label(t("share_of_row", lang), fontsize=SMALL)
        bar.ax.tick_params(labelsize=SMALL)
        bar.outline.set_visible(False)
        bar.ax.yaxis.set_major_formatter(_percent_formatter(lang))
    rows_what = prov.get("rows") or _guess_what(rows) or "row"
    cols_what = prov.get("cols") or _guess_what(cols) or "col"
    base = t("title_crosstab", lang, rows=_what(rows_what, lang), cols=_what(cols_what, lang))
    _set_title(ax, title or _title_text(base, _span_from_prov(prov), lang))
    notes = [t("crosstab_note", lang)]
    if (data.groupby("_row")["share_of_row"].sum() > 1 + 1e-9).any():
        notes.append(t("multi_valued_note", lang))
    _add_caption(ax, _caption_text(notes, prov, lang, caption))
    return ax
