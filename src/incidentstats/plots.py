"""Charts of statistics tables, in one theme, with fixed category colours, in English or French.

Each ``plot_*`` function takes a table from :mod:`incidentstats.stats`, draws on ``ax`` (or
on a new A4-width figure) and returns the Axes; saving is the report runner's job.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.colors import to_rgb
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter
from matplotlib.transforms import Bbox, IdentityTransform

from . import taxonomy
from .errors import ParameterError
from .i18n import (
    MODEL_NAMES,
    NNBSP,
    STRINGS,
    check_lang,
    fmt_date,
    fmt_method,
    fmt_number,
    fmt_percent,
    fmt_period,
    fmt_span,
    month_name,
    source_name,
    t,
)
from .stats.tables import Interval

#: Hatches that tell stacked categories apart when the chart is printed in greyscale
#: (white lines on the category colour; the first category stays plain).
_GREY_HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo", "---", "+++")

__all__ = [
    "CATEGORY_COLOURS",
    "FIGURE_WIDTH",
    "GROUP_COLOURS",
    "ORIGIN_COLOURS",
    "THEME",
    "caption_of",
    "plot_counts",
    "plot_crosstab",
    "plot_heatmap",
    "plot_mix",
    "plot_ratio",
    "plot_records",
    "plot_shares",
    "plot_shares_by_group",
    "theme",
]

#: Figure width in inches: printed at A4 text width with little or no scaling.
FIGURE_WIDTH = 7.0
#: Smallest font size used (points), so that text stays >= 8 pt when printed on A4.
SMALL = 8.5

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
_OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: One colour per category code, the same in every chart. The categories of the HHS
#: portal (and ransomware) get the Okabe–Ito hues; rarer ones get Paul Tol's "muted"
#: hues; "other" and "unknown" are greys so that they never look like a finding.
CATEGORY_COLOURS: dict[str, str] = {
    "ransomware": _OKABE_ITO["vermillion"],
    "malware": "#882255",  # Tol wine
    "hacking": _OKABE_ITO["orange"],
    "phishing": _OKABE_ITO["yellow"],
    "theft": _OKABE_ITO["blue"],
    "misuse": "#332288",  # Tol indigo
    "unauthorized_access": _OKABE_ITO["sky_blue"],
    "improper_disposal": _OKABE_ITO["bluish_green"],
    "loss": _OKABE_ITO["reddish_purple"],
    "error": "#44AA99",  # Tol teal
    "technical_failure": "#999933",  # Tol olive
    "environmental": "#DDCC77",  # Tol sand
    "other": "#8C8C8C",
    "unknown": "#C8C8C8",
}

#: One colour per origin (malicious / accidental / unknown).
ORIGIN_COLOURS: dict[str, str] = {
    "malicious": _OKABE_ITO["vermillion"],
    "accidental": _OKABE_ITO["blue"],
    "unknown": "#C8C8C8",
}

#: Colours for groups that have no fixed palette (organisation types, years, ...), in order.
GROUP_COLOURS: tuple[str, ...] = (
    _OKABE_ITO["blue"],
    _OKABE_ITO["orange"],
    _OKABE_ITO["bluish_green"],
    _OKABE_ITO["reddish_purple"],
    _OKABE_ITO["sky_blue"],
    _OKABE_ITO["vermillion"],
    _OKABE_ITO["yellow"],
    "#555555",
)

_NEUTRAL = "#4F6D8A"  # bars whose values have no fixed colour
_COUNT = "#7FA7CF"  # incident count bars
_DARK = "#1F1F1F"
_GREY_TEXT = "#4D4D4D"
_TREND = _OKABE_ITO["vermillion"]
_HEATMAP_CMAP = "Blues"

#: rcParams of the house theme (applied through :func:`theme`, never globally).
THEME: dict = {
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 9.0,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 8.0,
    "axes.labelsize": 9.0,
    "axes.labelcolor": "#262626",
    "axes.edgecolor": "#595959",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=list(GROUP_COLOURS)),
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "xtick.color": "#404040",
    "ytick.color": "#404040",
    "legend.fontsize": SMALL,
    "legend.title_fontsize": SMALL,
    "legend.frameon": False,
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.7,
    "hatch.linewidth": 0.8,
    "text.color": "#262626",
    "figure.figsize": (FIGURE_WIDTH, 4.0),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.dpi": 200,
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    # Chart text comes from the data (organisations, states, file names): "$\\FOO$" or
    # "a_b^c" must show as typed, never as mathtext.
    "text.parse_math": False,
    "text.usetex": False,
}


@contextmanager
def theme() -> Iterator[None]:
    """Context in which matplotlib uses the house theme; the global rcParams are restored after.

    Examples
    --------
    >>> with theme():
    ...     mpl.rcParams["font.size"]
    9.0
    """
    with mpl.rc_context(THEME):
        yield


def _themed(func):
    """Run a plot function inside :func:`theme` after checking ``lang``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        check_lang(kwargs.get("lang", "en"))
        with theme():
            return func(*args, **kwargs)

    return wrapper


# --- helpers: tables, provenance, words ------------------------------------------------


def _require(table, columns, name: str = "table") -> None:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(name, f"expected a statistics DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ParameterError(
            name, f"expected columns {', '.join(columns)}; missing {', '.join(missing)}"
        )
    if table.empty:
        raise ParameterError(name, "the table has no rows: nothing to plot")


def _prov(obj) -> dict:
    prov = getattr(obj, "attrs", {}).get("provenance", {})
    return prov if isinstance(prov, dict) else {}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _lab(code, lang: str) -> str:
    return taxonomy.label(code, lang)


def _wrap(text: str, width: int) -> str:
    """Wrap a label at spaces and after slashes, never inside a word."""
    text = str(text)
    if not width or len(text) <= width:
        return text
    pieces = re.findall(r"[^ /]+/?|/", text.replace("/ ", "/"))
    lines, line = [], ""
    for piece in pieces:
        glue = "" if line.endswith("/") or not line else " "
        if line and len(line) + len(glue) + len(piece) > width:
            lines.append(line)
            line = piece
        else:
            line += glue + piece
    lines.append(line)
    return "\n".join(lines)


def _guess_what(values) -> str | None:
    """Name of the column a set of codes most likely comes from."""
    codes = {str(v) for v in values} - {"other", "unknown"}
    if not codes:
        return None
    if codes <= set(taxonomy.CATEGORIES):
        return "categories"
    if codes <= set(taxonomy.ORIGINS):
        return "origin"
    if codes <= set(taxonomy.ORGANISATION_TYPES):
        return "organisation_type"
    if codes <= set(taxonomy.LOCATIONS):
        return "locations"
    if codes <= set(taxonomy.IMPACTS):
        return "impacts"
    return None


def _what(column, lang: str) -> str:
    key = f"what_{column}"
    if column and key in STRINGS:
        return t(key, lang)
    return t("what_value", lang) if not column else str(column).replace("_", " ")


def _colours(values, kind: str | None, palette: dict | None = None) -> dict:
    """Colour of each value: the fixed category/origin colours, else group colours in order."""
    values = list(dict.fromkeys(str(v) for v in values))
    if palette:
        base = dict(palette)
    elif kind in ("categories", "category"):
        base = CATEGORY_COLOURS
    elif kind == "origin":
        base = ORIGIN_COLOURS
    else:
        base = {}
    out, free = {}, iter(GROUP_COLOURS * (1 + len(values) // len(GROUP_COLOURS)))
    for v in values:
        if v in base:
            out[v] = base[v]
        elif v in ("other", "unknown") and not palette:
            out[v] = CATEGORY_COLOURS[v]
        else:
            out[v] = next(free)
    return out


def _source_line(prov: dict, lang: str) -> str:
    source = source_name(prov.get("source"), prov.get("dataset"), lang)
    as_of = prov.get("as_of")
    if source and as_of:
        return t("source_caption", lang, source=source, date=fmt_date(as_of, lang))
    if source:
        return t("source", lang, source=source)
    if as_of:
        return _cap(t("as_of", lang, date=fmt_date(as_of, lang)))
    return ""


def _caption_text(notes, prov: dict, lang: str, caption) -> str:
    if caption is False:
        return ""
    if caption is not None:
        return str(caption)
    lines = [n for n in notes if n]
    # Shares left empty because the field they are read from is mostly missing.
    for warning in prov.get("warning_details") or []:
        if warning.get("code") == "not_measurable":
            v = warning["values"]
            lines.append(t("not_measurable_note", lang, value=taxonomy.label(v["value"], lang),
                           periods=v["periods"], field=v["field"]))  # fmt: skip
    source = _source_line(prov, lang)
    if source:
        lines.append(source)
    return "\n".join(lines)


def _span_of_periods(periods) -> str:
    if not periods:
        return ""
    return fmt_span(periods[0].start_time, periods[-1].start_time)


def _coverage(prov: dict) -> tuple:
    """First and last day the data cover, from provenance (either may be None)."""
    period = prov.get("period") if isinstance(prov.get("period"), dict) else {}
    start = prov.get("coverage_start") or period.get("start")
    end = prov.get("coverage_end") or period.get("end")
    return start, end


def _span_from_prov(prov: dict) -> str:
    start, end = _coverage(prov)
    return fmt_span(start, end) if start and end else ""


def _spec_label(spec, lang: str) -> str | None:
    """Reader-facing label of a ``stats`` selection such as ``"categories=hacking"``."""
    if not isinstance(spec, str) or not spec:
        return None
    if re.fullmatch(r"[a-z_]+", spec):
        return _lab(spec, lang)
    match = re.fullmatch(r"\w+=([\w-]+)", spec)
    if match:
        return _lab(match.group(1), lang)
    match = re.fullmatch(r"\w+ in \[(.*)\]", spec)
    if match:
        codes = re.findall(r"'([^']*)'", match.group(1))
        return " / ".join(_lab(c, lang) for c in codes) if codes else None
    return None


def _interval_words(prov: dict, table: pd.DataFrame, lang: str) -> str:
    """The intervals' method in words, from the typed fields of the table's provenance;
    the ``method`` column only for a table read back from a file without them."""
    return fmt_method(Interval.of(prov) or table["method"].iloc[0], lang)


def _title_text(base: str, span: str, lang: str) -> str:
    return t("title_span", lang, title=base, span=span) if span else base


# --- helpers: drawing ------------------------------------------------------------------


def _new_axes(ax, height: float):
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=(FIGURE_WIDTH, height), layout="constrained")
    ax._ist_own_figure = True  # the caption may use the figure's whole width
    return ax


def _style(ax, grid: str | None = None) -> None:
    """House look on an Axes that may have been made outside :func:`theme`."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(THEME["axes.edgecolor"])
        ax.spines[side].set_linewidth(THEME["axes.linewidth"])
    ax.tick_params(labelsize=SMALL, colors="#404040", length=3, width=0.8)
    ax.set_axisbelow(True)
    ax.grid(False)
    if grid:
        ax.grid(True, axis=grid, color=THEME["grid.color"], linewidth=THEME["grid.linewidth"])


def _width_inches(ax) -> float:
    """Width of the axes in inches (before layout: a slight overestimate)."""
    return ax.get_position().width * ax.figure.get_figwidth()


def _own_figure(ax) -> bool:
    return getattr(ax, "_ist_own_figure", False)


def _set_title(ax, text: str) -> None:
    ax.set_title("")
    if not _own_figure(ax):  # side by side with other charts: stay within the axes
        text = "\n".join(
            _wrap(line, max(12, int(_width_inches(ax) * 72 / (11 * 0.62))))
            for line in text.split("\n")
        )
    title = ax.set_title(text, loc="left", fontsize=11, fontweight="bold", pad=8)
    title.set_wrap(_own_figure(ax))


def _below_axes(ax):
    """Callable coordinates: the box from the axes' left to right edge, down to its x labels."""

    def bbox(renderer):
        frame = ax.get_window_extent(renderer)
        boxes = [frame]
        xaxis = ax.xaxis.get_tightbbox(renderer)
        if xaxis is not None and xaxis.height > 0:
            boxes.append(xaxis)
        union = Bbox.union(boxes)
        return Bbox.from_extents(frame.x0, union.y0, frame.x1, union.y1)

    return bbox


class _Caption(Annotation):
    """Caption under an Axes, re-wrapped at draw time to the width it has.

    The width runs from the axes' left edge to the figure's right edge when the
    figure was made for this chart, else to the axes' right edge (charts side by side).
    """

    def __init__(self, ax, text: str, **kwargs):
        super().__init__(
            text,
            xy=(0, 0),
            xycoords=_below_axes(ax),
            xytext=(0, -8),
            textcoords="offset points",
            annotation_clip=False,
            **kwargs,
        )
        self.raw_text = text
        self._host = ax

    def _rewrap(self, renderer) -> None:
        frame = self._host.get_window_extent(renderer)
        right = (
            self._host.figure.bbox.x1 if getattr(self._host, "_ist_own_figure", False) else frame.x1
        )
        room = right - frame.x0 - renderer.points_to_pixels(6)
        prop = self.get_fontproperties()

        def width(text: str) -> float:
            plain = text.replace("\x00", " ")
            return renderer.get_text_width_height_descent(plain, prop, ismath=False)[0]

        # Keep dates ("26 février 2015") and periods ("T1 2010") on one line.
        glued = re.sub(
            r"\b(\d{1,2}(?:er)?|[QT]\d) (?=\w+\.? \d{4}\b|\d{4}\b)", "\\1\x00", self.raw_text
        )
        glued = re.sub(r"(\x00\w+\.?) (\d{4})\b", "\\1\x00\\2", glued)
        lines = []
        for paragraph in glued.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if line and width(candidate) > room:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        wrapped = "\n".join(lines).replace("\x00", " ")
        if wrapped != self.get_text():
            self.set_text(wrapped)

    def get_window_extent(self, renderer=None):
        if renderer is not None:
            self._rewrap(renderer)
        return super().get_window_extent(renderer)

    def draw(self, renderer):
        self._rewrap(renderer)
        super().draw(renderer)


def _add_caption(ax, text: str) -> None:
    if not text:
        return
    note = _Caption(
        ax,
        text,
        ha="left",
        va="top",
        fontsize=SMALL,
        color=_GREY_TEXT,
        linespacing=1.35,
        clip_on=False,
    )
    note.set_transform(IdentityTransform())
    note.set_gid("caption")
    ax.add_artist(note)


def caption_of(ax) -> str:
    """Text of the caption (notes, source and as-of date) a ``plot_*`` function put on ``ax``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> caption_of(ax)
    ''
    >>> plt.close(fig)
    """
    return "\n".join(
        getattr(x, "raw_text", x.get_text()) for x in ax.texts if x.get_gid() == "caption"
    )


def _percent_formatter(lang: str, decimals: int = 0) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: fmt_percent(v, lang, decimals=decimals))


def _number_formatter(lang: str) -> FuncFormatter:
    return FuncFormatter(
        lambda v, _pos: fmt_number(v, lang, decimals=0 if float(v).is_integer() else 1)
    )


def _auto_decimals(values) -> int:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return 1 if values.size and values.min() < 0.1 else 0


def _legend_top(ax, top: float, entries: int, ncol: int, cap: float | None = None) -> None:
    """Set the y limit so that a legend of ``entries`` in ``ncol`` columns fits above the data."""
    rows = math.ceil(entries / max(ncol, 1))
    limit = max(top, 1e-9) / max(0.4, 1 - 0.07 * rows - 0.05)
    ax.set_ylim(0, limit)
    if cap is not None:  # keep ticks within meaningful values (e.g. 100%)
        ax.set_yticks([v for v in ax.get_yticks() if 0 <= v <= cap + 1e-9])
        ax.set_ylim(0, limit)


def _text_colour(rgba) -> str:
    r, g, b = to_rgb(rgba)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "white" if luminance < 0.5 else _DARK


# --- helpers: time axes ----------------------------------------------------------------


def _freq_key(period: pd.Period) -> str:
    freq = period.freqstr.upper()
    for key in ("Y", "Q", "M"):
        if freq.startswith(key):
            return key
    return "A" if freq.startswith("A") else "D"


def _as_period(value, freq: str | None) -> pd.Period:
    if isinstance(value, pd.Period):
        return value
    if isinstance(value, numbers.Integral):
        return pd.Period(year=int(value), freq="Y")
    return pd.Period(value, freq=freq) if freq else pd.Period(value)


def _period_column(table: pd.DataFrame, freq: str | None = None) -> pd.Series:
    """The table's periods as a Series of ``pd.Period`` (from ``period`` or from ``start``)."""
    freq = {"A": "Y", "year": "Y", "quarter": "Q", "month": "M"}.get(freq, freq)
    if "period" in table.columns:
        try:
            return table["period"].map(lambda v: _as_period(v, freq))
        except (TypeError, ValueError):
            if "start" not in table.columns:
                raise ParameterError("table", "column 'period' does not hold periods") from None
    if "start" not in table.columns:
        raise ParameterError("table", "expected a column 'period' or 'start'")
    starts = pd.to_datetime(table["start"])
    if freq is None:
        gaps = pd.Series(sorted(starts.unique())).diff().dt.days.dropna()
        step = gaps.median() if len(gaps) else 365
        freq = "Y" if step > 300 else "Q" if step > 80 else "M" if step > 25 else "D"
    return starts.dt.to_period(freq).astype(object)


def _freq_of(periods, freq: str | None = None) -> str:
    if periods:
        key = _freq_key(periods[0])
        return "Y" if key == "A" else key
    return freq or "Y"


def _time_axis(ax, periods: list, lang: str) -> None:
    """Tick labels for bars at positions 0..n-1, one per period, in ``lang``."""
    n = len(periods)
    ax.set_xlim(-0.6, n - 0.4)
    if n == 0:
        return
    freq = _freq_of(periods)
    room = max(2, int(_width_inches(ax) / 0.5))  # labels that fit side by side
    if freq == "Y" or (freq == "D" and n <= 12):
        step = max(1, math.ceil(n / room))
        ax.set_xticks(range(0, n, step), [fmt_period(periods[i], lang) for i in range(0, n, step)])
        ax.tick_params(axis="x", which="major", length=3)
        return
    if (freq == "Q" and n <= 16) or (freq == "M" and n <= 36):
        step = max(1, math.ceil(n / room))
        labels, last_year = [], None
        for i in range(0, n, step):
            p = periods[i]
            head = (
                f"{t('quarter_label', lang, q=p.quarter, year='').strip()}" if freq == "Q" else None
            )
            head = head or month_name(p.month, lang, short=True)
            labels.append(head if p.year == last_year else f"{head}\n{p.year}")
            last_year = p.year
        ax.set_xticks(range(0, n, step), labels)
        return
    # Long series: years centred under their periods, ticks at the year boundaries.
    years = [p.year for p in periods]
    firsts = [i for i in range(n) if i == 0 or years[i] != years[i - 1]]
    bounds = [i - 0.5 for i in firsts[1:]]
    centres, labels = [], []
    step = max(1, math.ceil(len(firsts) / room))
    for k, i in enumerate(firsts):
        j = firsts[k + 1] if k + 1 < len(firsts) else n
        centres.append((i + j - 1) / 2)
        labels.append(str(years[i]) if k % step == 0 else "")
    ax.set_xticks(bounds, [""] * len(bounds))
    ax.set_xticks(centres, labels, minor=True)
    ax.tick_params(axis="x", which="major", length=5)
    ax.tick_params(axis="x", which="minor", length=0, labelsize=SMALL, pad=4)


def _complete(table: pd.DataFrame) -> np.ndarray:
    if "complete" not in table.columns:
        return np.ones(len(table), dtype=bool)
    return table["complete"].astype("boolean").fillna(True).to_numpy(dtype=bool)


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


def _partial_periods(periods, data: pd.DataFrame, prov: dict) -> set:
    """Periods only partly covered by the data (from ``complete`` or from provenance dates)."""
    if "complete" in data.columns:
        flags = data.groupby("_period")["complete"].agg(
            lambda s: s.astype("boolean").fillna(True).all()
        )
        return {p for p, ok in flags.items() if not ok}
    partial = set()
    start, end = _coverage(prov)
    end = end or prov.get("as_of")
    if periods and start and periods[0].start_time < pd.Timestamp(start).normalize():
        partial.add(periods[0])
    if periods and end and periods[-1].end_time.normalize() > pd.Timestamp(end):
        partial.add(periods[-1])
    return partial


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
    ax = _new_axes(ax, height=3.8)
    _style(ax, grid="y")
    if kind == "hist":
        # Bin edges on a fixed grid of 10**(k / bins_per_decade), so that charts compare.
        lo = math.floor(math.log10(shown.min()) * bins_per_decade)
        hi = math.floor(math.log10(shown.max()) * bins_per_decade) + 1
        edges = 10.0 ** (np.arange(lo, hi + 1) / bins_per_decade)
        heights, _, _ = ax.hist(
            shown, bins=edges, color=colour, edgecolor="white", linewidth=0.6, gid="hist"
        )
        ax.set_ylim(0, heights.max() * 1.12)
        ax.set_ylabel(t("records_hist_y", lang))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(_number_formatter(lang))
        ax.set_xlim(edges[0], edges[-1])
    else:
        ax.ecdf(shown, color=colour, linewidth=1.8, gid="ecdf")
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
