"""What every chart shares: table checks, captions and titles, axes, formatters, time axes."""

from __future__ import annotations

import math
import numbers
import re
import weakref

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox, IdentityTransform

from .. import i18n, taxonomy
from ..errors import ParameterError
from ..i18n import (
    STRINGS,
    fmt_date,
    fmt_number,
    fmt_percent,
    fmt_period,
    fmt_span,
    month_name,
    source_name,
    t,
)
from .theme import (
    _DARK,
    _GREY_TEXT,
    CATEGORY_COLOURS,
    FIGURE_WIDTH,
    GROUP_COLOURS,
    ORIGIN_COLOURS,
    SMALL,
    THEME,
)

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
                           periods=v["periods"], field=i18n.field_name(v["field"], lang)))  # fmt: skip
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


#: Text widths a renderer has measured, by font and text: one draw re-wraps each caption
#: several times (layout, tight bounding box, drawing), asking the same widths again.
_WIDTHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: The same for the renderers whose widths depend only on their dpi and the font settings
#: below, shared between their instances: each save of a chart (PNG, SVG) draws it with
#: new renderers, and the charts of a notebook share most of their caption.
_SHARED_WIDTHS: dict = {}
_SHARED_WIDTHS_MAX = 50_000
_FONT_SETTINGS = ("text.hinting", "text.hinting_factor", "text.kerning_factor")


def _measured_widths(renderer) -> dict:
    """The widths ``renderer`` has measured (or an equivalent renderer has), to add to."""
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.backends.backend_svg import RendererSVG

    if type(renderer) in (RendererAgg, RendererSVG):
        settings = tuple(rcParams[k] for k in _FONT_SETTINGS)
        dpi = getattr(renderer, "dpi", None)  # SVG text is measured in points, at any dpi
        widths = _SHARED_WIDTHS.setdefault((type(renderer), dpi, settings), {})
        if len(widths) > _SHARED_WIDTHS_MAX:  # a long interactive session
            widths.clear()
        return widths
    try:
        return _WIDTHS.setdefault(renderer, {})
    except TypeError:  # a renderer that cannot be weakly referenced: measure every time
        return {}


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
        widths = _measured_widths(renderer)

        def width(text: str) -> float:
            plain = text.replace("\x00", " ")
            key = (hash(prop), plain)
            if key not in widths:
                widths[key] = renderer.get_text_width_height_descent(plain, prop, ismath=False)[0]
            return widths[key]

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


def _interval_words(prov: dict, table: pd.DataFrame, lang: str) -> str:
    """The intervals' method in words, from the typed fields of the table's provenance;
    the ``method`` column only for a table read back from a file without them."""
    from ..i18n import fmt_method
    from ..stats.tables import Interval

    return fmt_method(Interval.of(prov) or table["method"].iloc[0], lang)
