"""Helpers the report notebooks call: load with filters, show tables, save tables/figures.

A notebook does ``rep = nb.start(output_dir=output_dir, lang=lang, name="overview")``.
"""

from __future__ import annotations

import functools
import html
import io
import re
import warnings
from pathlib import Path

import pandas as pd

from . import i18n
from ._files import write_bytes, write_csv, write_json
from .errors import DataWarning, ParameterError
from .filters import filter_incidents
from .ingest import ingest

_STRINGS = i18n.named("notebook.")
_PERCENT_COLS = ("share", "lower", "upper", "pct", "share_of_row")


def _fmt_number(x, lang: str, decimals: int = 0) -> str:
    # i18n holds the number formats; report tables keep an em dash for missing values
    # and a plain hyphen-minus (copied figures then paste as numbers).
    if x is None or (isinstance(x, float) and x != x) or x is pd.NA:
        return "—"
    return i18n.fmt_number(x, lang, decimals=decimals).replace("\u2212", "-")


def _fmt_pct(p, lang: str, decimals: int = 1) -> str:
    if p is None or p is pd.NA or (isinstance(p, float) and p != p):
        return "—"
    return i18n.fmt_percent(float(p), lang, decimals=decimals).replace("\u2212", "-")


class Report:
    """What one executing notebook needs: its language and where to save tables and figures."""

    def __init__(
        self, *, output_dir=None, lang: str = "en", name: str = "notebook", suppression: str = ""
    ):
        i18n.check_lang(lang)
        if suppression not in ("", None, "fr", "us-cms"):
            raise ParameterError(
                "suppression", f"expected '', 'fr' or 'us-cms', got {suppression!r}"
            )
        self.lang = lang
        self.name = name
        self.output_dir = Path(output_dir) if output_dir not in (None, "") else None
        self.suppression = suppression or None
        self.provenance: dict = {}
        # No output folder: a researcher's interactive run, not a report (which styles its HTML).
        self.interactive = self.output_dir is None
        if not self.interactive:
            # A report shows the data's warnings in its own blocks and captions, in its
            # language; Python's English warning text (with a kernel file path) is not for it.
            warnings.filterwarnings("ignore", category=DataWarning)

    def _block(self, markup: str) -> HTMLBlock:
        return HTMLBlock(markup, styled=self.interactive)

    # data ------------------------------------------------------------------------
    def load(self, source="hhs", input_paths=None, *, start=None, end=None, organisation_types=None,
             regions=None, categories=None, **options) -> pd.DataFrame:  # fmt: skip
        """Load incidents, apply the notebook's filters, and record provenance for the report."""
        paths = [p for p in (input_paths or []) if p]
        # Notebook parameters default to "" for options a reader does not take (e.g. mapping).
        options = {k: v for k, v in options.items() if v not in ("", None)}
        with warnings.catch_warnings():
            # Shown by ``data_warnings`` near the top, in the notebook's language.
            warnings.simplefilter("ignore", DataWarning)
            result = ingest(source, paths or None, **options)
        df = filter_incidents(
            result.incidents,
            start=start,
            end=end,
            organisation_types=organisation_types,
            regions=regions,
            categories=categories,
        )
        self.provenance = df.attrs["provenance"]
        if self.output_dir is not None:
            write_json(self.output_dir / "provenance.json", self.provenance)
        return df

    def set_provenance(self, provenance: dict) -> None:
        """Record the data's provenance for the title page (for notebooks not using ``load``)."""
        self.provenance = dict(provenance)
        if self.output_dir is not None:
            write_json(self.output_dir / "provenance.json", self.provenance)

    # tables ----------------------------------------------------------------------
    def data_note(self, df: pd.DataFrame) -> HTMLBlock:
        """One line saying which data, as of when, which period and how many incidents."""
        p = df.attrs.get("provenance", {})
        period = p.get("period") or {}
        lang = self.lang
        text = i18n.t(
            "data_note",
            lang,
            dataset=i18n.dataset_text(p, lang),
            period=i18n.fmt_date_range(period.get("start"), period.get("end"), lang),
            n=_fmt_number(len(df), lang),
        )
        filters = p.get("filters") or {}
        if filters:
            shown = "; ".join(f"{k} = {v}" for k, v in sorted(filters.items()))
            text += i18n.typography(" ; ", lang) + i18n.t("data_note_filters", lang, filters=shown)
        if p.get("rows_quarantined") or p.get("duplicates_removed"):
            q, d = p.get("rows_quarantined", 0), p.get("duplicates_removed", 0)
            text += " " + i18n.t(
                "data_note_cleaning", lang, q=_fmt_number(q, lang), d=_fmt_number(d, lang)
            )
        if p.get("possible_duplicates"):  # distinct incidents that share a key, kept
            text += i18n.typography(" ; ", lang) + i18n.t(
                "data_note_possible_duplicates", lang, n=_fmt_number(p["possible_duplicates"], lang)
            )
        return self._block(f'<p class="provenance">{html.escape(text)}.</p>')

    def data_warnings(self, df: pd.DataFrame) -> HTMLBlock:
        """The data's warnings (``attrs["provenance"]["warnings"]``) as a visible block.

        Each warning is shown in the notebook's language; a block saying there are none is
        shown otherwise, so a reader can tell "no warning" from "not checked".
        """
        from .vintage import warnings_in

        found = warnings_in(df.attrs.get("provenance", {}) or {}, self.lang)
        title = f"<strong>{html.escape(i18n.t('data_warnings', self.lang))}</strong>"
        if not found:
            body = f"<p>{html.escape(i18n.t('no_data_warnings', self.lang))}</p>"
            return self._block(f'<div class="data-warnings none">{title}{body}</div>')
        items = "".join(f"<li>{html.escape(w)}</li>" for w in found)
        return self._block(f'<div class="data-warnings">{title}<ul>{items}</ul></div>')

    def counts(self, df: pd.DataFrame, freq: str = "Y") -> pd.DataFrame:
        """Counts per period with the fitted trend, or without it when too few periods exist."""
        from .stats import counts_by_period, fitted_counts

        try:
            return fitted_counts(df, freq=freq)
        except ParameterError:
            # e.g. a register covering 18 months has no 3 complete years to fit a trend on
            return counts_by_period(df, freq=freq)

    def trend(self, df: pd.DataFrame, freq: str = "Y") -> pd.DataFrame:
        """The trend models' table; empty (with the reason in attrs) when none can be fitted."""
        from .stats import trend

        try:
            return trend(df, freq=freq)
        except ParameterError as exc:
            empty = pd.DataFrame()
            empty.attrs = {"reason": exc.problem}
            return empty

    def trend_sentence(self, trend_table: pd.DataFrame) -> HTMLBlock:
        """The fitted trend in words, in the notebook's language."""
        from .stats import describe_trend

        if trend_table.empty:
            reason = str(trend_table.attrs.get("reason", ""))
            if self.lang != "en" and "at least 3" in reason:
                reason = i18n.t("no_trend_reason_periods", self.lang)
            text = i18n.t("no_trend", self.lang, reason=reason)
        else:
            text = describe_trend(trend_table, lang=self.lang)
        return self._block(f"<p>{html.escape(text)}</p>")

    def table(self, table: pd.DataFrame, name: str, *, caption: str | None = None, columns=None, labels=None,
              private: bool = False, suppress: bool = True):  # fmt: skip
        """Save ``table`` as CSV (when an output folder is set) and return it formatted for display.

        With a suppression rule set, count cells under the threshold are masked first
        (``private=True`` marks a table of individual incidents, which is never suppressed
        but only shown when the user opted in; ``suppress=False`` marks a table with no
        counts of incidents to protect, such as a list of published figures).
        """
        if table.empty:  # nothing to show or save (e.g. no trend could be fitted)
            return self._block('<p class="caption">—</p>')
        if self.suppression and suppress and not private:
            from .stats import suppress

            table = suppress(table, rule=self.suppression)
        if self.output_dir is not None:
            write_csv(self.output_dir / "tables" / f"{self.name}-{name}.csv", table)
        shown = table if columns is None else table[[c for c in columns if c in table.columns]]
        markup = html_table(shown, lang=self.lang, caption=caption, labels=labels)
        from .vintage import warnings_in

        # Warnings the statistic itself raised (e.g. a share not measurable in some periods).
        prov = table.attrs.get("provenance") or {}
        own = warnings_in(
            {k: prov[k] for k in ("warnings", "warning_details") if k in prov}, self.lang
        )
        data = set(warnings_in(self.provenance, self.lang))
        notes = "".join(f"<li>{html.escape(w)}</li>" for w in own if w not in data)
        if notes:
            markup += f'<div class="data-warnings"><ul>{notes}</ul></div>'
        return self._block(markup)

    def figure(self, ax, name: str):
        """Save the figure holding ``ax`` as PNG (200 dpi) and SVG; the notebook shows it inline.

        With an output folder, each format is drawn once: the notebook shows the SVG just
        saved (and the PNG beside it when the SVG would misprint, see ``SVG_UNPRINTABLE``)
        and the inline backend does not draw the figure again. Without one (interactive
        use), the inline backend shows the figure as usual.
        """
        fig = ax.figure if hasattr(ax, "figure") else ax
        if self.output_dir is None:
            return  # the inline backend shows the figure once
        images = {}
        for ext, kw in (("png", {"dpi": 200}), ("svg", {})):
            buffer = io.BytesIO()
            fig.savefig(
                buffer, format=ext, bbox_inches="tight", metadata=_figure_metadata(ext), **kw
            )
            images[ext] = buffer.getvalue()
            write_bytes(self.output_dir / "figures" / f"{self.name}-{name}.{ext}", images[ext])
        _show_saved_figure(fig, images)
        # Return nothing: the figure is shown once, above.

    def headline(self, items) -> HTMLBlock:
        """Headline figures as cards: items are dicts with value, label and optional ci."""
        cards = []
        typeset = lambda text: html.escape(i18n.typography(str(text), self.lang))  # noqa: E731
        for item in items:
            ci = f'<div class="ci">{typeset(item["ci"])}</div>' if item.get("ci") else ""
            cards.append(
                f'<div class="figure"><div class="value">{html.escape(str(item["value"]))}</div>'
                f'<div class="label">{typeset(item["label"])}</div>{ci}</div>'
            )
        return self._block(f'<div class="headline">{"".join(cards)}</div>')

    def t(self, key: str) -> str:
        """A notebook title or label in the notebook's language."""
        try:
            return _STRINGS[key][self.lang]
        except KeyError:
            raise ParameterError(
                "key", f"no text {key!r}; known: {', '.join(sorted(_STRINGS))}"
            ) from None

    def text(self, template: str, **values) -> HTMLBlock:
        """A paragraph built from a template and values; values are escaped (they may hold data)."""
        safe = {k: html.escape(i18n.typography(str(v), self.lang)) for k, v in values.items()}
        return self._block(f"<p>{i18n.typography(template, self.lang).format(**safe)}</p>")


def context_boxes(
    figures: pd.DataFrame | None = None,
    *,
    lang: str = "en",
    scope: bool = True,
    styled: bool = False,
) -> HTMLBlock:
    """Two boxes for beside the headline figures: what France and the US count, and misreadings.

    The misreadings quote the French figures (organisations reporting, who reports, incidents
    cascading from providers), looked up by ``fact_id`` in ``figures`` (``ist.load("france")``).
    """
    from .readers import france

    figures = france.read_figures() if figures is None else figures

    def value(fact):
        return float(figures.loc[figures["fact_id"].eq(fact), "value_num"].iloc[0])

    def pct(fact):
        return i18n.fmt_percent(value(fact) / 100, lang)

    def box(kind, items):
        lis = "".join(f"<li>{html.escape(i)}</li>" for i in items)
        title = html.escape(i18n.t(f"box.{kind}.title", lang))
        return f'<div class="box box-{kind}"><p class="box-title">{title}</p><ul>{lis}</ul></div>'

    myths = [
        i18n.t("box.myths.reports", lang, s18=_fmt_number(value("FR021"), lang), s24=_fmt_number(value("FR073"), lang)),
        i18n.t("box.myths.who", lang, es_2019=pct("FR011"), ms_2021=pct("FR048")),
        i18n.t("box.myths.cascade", lang, cascade=pct("FR042")),
    ]  # fmt: skip
    parts = [box("myths", myths)]
    if scope:
        parts.insert(0, box("scope", [i18n.t(f"box.scope.{k}", lang) for k in ("fr", "us", "so")]))
    return HTMLBlock(f'<div class="context-boxes">{"".join(parts)}</div>', styled=styled)


@functools.cache
def _notebook_css() -> str:
    from .paths import package_path

    return package_path("templates", "notebook.css").read_text(encoding="utf-8")


#: SVG features WeasyPrint does not print faithfully: hatch patterns lose their lines and
#: embedded rasters (heatmaps, colour bars) are stretched. Such charts print as PNG.
SVG_UNPRINTABLE = ("<pattern", "<image")


def _show_saved_figure(fig, images: dict) -> None:
    """Show a saved chart inline in place of the inline backend's two drawings (SVG, 2x PNG).

    The SVG shown is the one saved. The PNG saved (200 dpi, as the backend's 2x PNG of a
    100-dpi chart) is added only when the SVG would misprint, shown as the backend shows
    its 2x PNG: at half its pixel size. Outside a kernel with the inline backend nothing
    is shown and the figure stays open, as before.
    """
    import matplotlib

    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None or "inline" not in matplotlib.get_backend():
        return
    import base64
    import struct

    import matplotlib.pyplot as plt
    from IPython.display import display

    svg = images["svg"].decode("utf-8")
    data = {"text/plain": repr(fig), "image/svg+xml": svg}
    metadata = {}
    if any(tag in svg for tag in SVG_UNPRINTABLE):
        png = images["png"]
        data["image/png"] = base64.b64encode(png).decode("ascii")
        width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
        metadata["image/png"] = {"width": width // 2, "height": height // 2}
    display(data, raw=True, metadata=metadata)
    plt.close(fig)  # else the inline backend draws it again at the end of the cell


def _figure_metadata(ext):
    # Fixed metadata keep repeated runs byte-identical.
    if ext == "png":
        return {"Software": None}
    return {"Date": None, "Creator": None}


class HTMLBlock:
    """HTML shown in JupyterLab and kept in the executed notebook (and so in the report).

    With ``styled``, the block carries the report's look for cards, warnings and tables
    (``templates/notebook.css``), so a notebook run interactively shows them as the report
    does; report runs leave it off, the report's own stylesheet applies.

    Examples
    --------
    >>> HTMLBlock("<p>1</p>")._repr_html_()
    '<p>1</p>'
    >>> HTMLBlock("<p>1</p>", styled=True)._repr_html_().startswith('<div class="incidentstats"><style>')
    True
    """

    def __init__(self, markup: str, *, styled: bool = False):
        self.markup = markup
        self.styled = styled

    def _repr_html_(self):
        if not self.styled:
            return self.markup
        return f'<div class="incidentstats"><style>{_notebook_css()}</style>{self.markup}</div>'

    def __repr__(self):
        return self.markup


_COLUMNS = ("value", "x", "n", "n_unknown", "n_total", "share", "count", "period", "reported_date",
            "records_affected", "category", "organisation_type", "region", "organisation", "rate",
            "group", "statistic", "categories", "incidents")  # fmt: skip


def _headers(lang: str) -> dict[str, str]:
    level = i18n.fmt_percent(0.95, lang)
    generic = {
        k[len("header.") :]: v for k, v in i18n.catalogue(lang).items() if k.startswith("header.")
    }
    return {**generic, **{c: i18n.t(f"column.{c}", lang) for c in _COLUMNS},
            "ci": i18n.t("ci_label", lang, level=level)}  # fmt: skip


_CODE_COLS = ("value", "category", "origin", "organisation_type", "group", "row", "col")


def _is_missing(val) -> bool:
    return val is None or val is pd.NA or val is pd.NaT or (isinstance(val, float) and val != val)


def _cell_text(col, val, lang) -> str:
    from .taxonomy import label as tax_label

    if _is_missing(val):
        return "—"
    if (
        col in _PERCENT_COLS
        and col not in ("lower", "upper")
        and isinstance(val, int | float)
        and not isinstance(val, bool)
    ):
        return _fmt_pct(val, lang)
    if ("p_value" in str(col) or col == "fisher_p") and isinstance(val, int | float):
        return i18n.fmt_pvalue(val, lang)
    if isinstance(val, bool):
        return i18n.t("bool.true" if val else "bool.false", lang)
    if isinstance(val, pd.Timestamp):
        return i18n.fmt_date(val, lang)
    if isinstance(val, int) or (
        isinstance(val, float) and float(val).is_integer() and col != "p_value"
    ):
        return _fmt_number(val, lang)
    if isinstance(val, float):
        return _fmt_number(val, lang, 3 if abs(val) < 1 else 2)
    if isinstance(val, list | tuple):
        return ", ".join(tax_label(v, lang) for v in val)
    if col in _CODE_COLS and isinstance(val, str):
        return tax_label(val, lang)
    if isinstance(val, str) and f"value.{val}" in i18n.STRINGS:
        return i18n.t(f"value.{val}", lang)
    return str(val)


#: Numbers, percentages, intervals, dates and dashes, in English or French typography.
_NUMERIC = re.compile(r"^[\s\d.,:/%+\-\u2212\u2013\u2014\u202f\u00a0…*<>=]*$")
#: A table of at most this many rows is kept on one page in print (``class="short"``)...
SHORT_TABLE_ROWS = 12
#: ...unless it holds more text than this: kept whole, it would leave its heading at the
#: foot of a page and half a page blank.
SHORT_TABLE_CHARS = 900


def html_table(
    table: pd.DataFrame, *, lang: str = "en", caption=None, labels=None, max_rows: int = 60
) -> str:
    """An escaped HTML table: shares as percentages, the interval in one column, codes translated.

    Every cell is HTML-escaped, so names or descriptions holding markup stay inert. A column
    is text when one of its cells holds something other than a number, percentage, interval,
    date or dash: its cells get ``class="text"`` (left-aligned, may wrap), as does a long
    string anywhere, while number columns stay right-aligned. A table of at most
    ``SHORT_TABLE_ROWS`` rows and ``SHORT_TABLE_CHARS`` characters gets ``class="short"``
    (print CSS does not split it across pages).

    Examples
    --------
    >>> frame = pd.DataFrame({"value": ["theft"], "x": [1151]})
    >>> html_table(frame, labels={"value": "Category", "x": "Incidents"})
    '<table class="short dataframe"><thead><tr><th class="text">Category</th><th>Incidents</th></tr></thead><tbody><tr><td class="text">Theft</td><td>1,151</td></tr></tbody></table>'
    """
    if (table.attrs.get("provenance", {}) or {}).get("statistic") == "records_summary":
        from .stats.display import _records_display

        table = _records_display(table, lang, 1)
    headers = {**_headers(lang), **(labels or {})}
    cols = list(table.columns)
    merge_ci = "lower" in cols and "upper" in cols
    # lower/upper are percentages only beside a share; beside a rate ratio they are numbers
    ci_is_pct = "share" in cols or "share_of_row" in cols
    shown = [c for c in cols if not (merge_ci and c == "upper")]
    head = [str(headers.get("ci" if merge_ci and c == "lower" else c, c)) for c in shown]
    body = []  # per row, per column: (text, a long string)
    for _, row in table.head(max_rows).iterrows():
        cells = []
        for col in shown:
            if merge_ci and col == "lower":  # the interval, in one column
                lo, hi = row["lower"], row["upper"]
                if _is_missing(lo):
                    text = "—"
                elif ci_is_pct:
                    text = f"{_fmt_pct(lo, lang)}–{_fmt_pct(hi, lang)}"
                else:
                    text = f"{_fmt_number(lo, lang, 2)}–{_fmt_number(hi, lang, 2)}"
            else:
                text = _cell_text(col, row[col], lang)
            cells.append((text, isinstance(row[col], str) and len(str(row[col])) > 30))
        body.append(cells)
    text_cols = {
        j
        for cells in body
        for j, (text, _) in enumerate(cells)
        if text.strip() and not _NUMERIC.match(text.strip())
    }

    def klass(is_text: bool) -> str:
        return ' class="text"' if is_text else ""

    chars = len(caption or "") + sum(map(len, head))
    chars += sum(len(text) for cells in body for text, _ in cells)
    short = len(body) <= SHORT_TABLE_ROWS and chars <= SHORT_TABLE_CHARS
    ths = "".join(f"<th{klass(j in text_cols)}>{html.escape(h)}</th>" for j, h in enumerate(head))
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{klass(long or j in text_cols)}>{html.escape(text)}</td>"
            for j, (text, long) in enumerate(cells)
        )
        + "</tr>"
        for cells in body
    )
    more = ""
    if len(table) > max_rows:
        extra = len(table) - max_rows
        more = f'<p class="caption">{html.escape(i18n.t("more_rows", lang, k=_fmt_number(extra, lang)))}</p>'
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    table_class = "short dataframe" if short else "dataframe"
    return f'<table class="{table_class}">{cap}<thead><tr>{ths}</tr></thead><tbody>{rows}</tbody></table>{more}'


def start(
    *, output_dir=None, lang: str = "en", name: str = "notebook", suppression: str = ""
) -> Report:
    """Start a notebook session: checks ``lang``, sets SVG inline charts, returns a Report.

    Each chart is kept as SVG and as a PNG: the report prints the SVG, unless it holds
    hatch patterns or embedded rasters, which the PDF renderer drops or distorts. In a
    report (``output_dir`` set) ``Report.figure`` shows the files it saves, the PNG only
    for such charts; interactively, the inline backend shows the SVG and a 2x PNG.
    """
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg", "retina")
    except Exception:  # not in a kernel (e.g. doctest) — nothing to configure
        pass
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "incidentstats"  # stable SVG ids across runs
    return Report(output_dir=output_dir, lang=lang, name=name, suppression=suppression)


def overview_figures(df: pd.DataFrame, *, lang: str = "en") -> list[dict]:
    """Headline figures a press summary would quote, each with its interval and denominator."""
    from . import stats
    from .taxonomy import label

    def t(key, **fields):
        return i18n.t(f"headline.{key}", lang, **fields)

    def ci(lo, hi):
        return i18n.t("ci_label", lang, level=i18n.fmt_percent(0.95, lang)) + f" {lo}–{hi}"

    prov = df.attrs.get("provenance", {})
    n = len(df)
    items = [{"value": _fmt_number(n, lang), "label": t("incidents"),
              "ci": t("as_of", date=i18n.fmt_when(prov.get("as_of"), lang))}]  # fmt: skip
    rate = stats.rate_per(df, unit="month")
    if len(rate) and rate["rate"].notna().all():
        r = rate.iloc[0]
        months = _fmt_number(r["exposure"], lang, 1)
        items.append(
            {
                "value": _fmt_number(r["rate"], lang, 1),
                "label": t("per_month"),
                "ci": ci(_fmt_number(r["lower"], lang, 1), _fmt_number(r["upper"], lang, 1))
                + t("over_months", months=months),
            }
        )
    origin = stats.shares(df, by="origin", unknown="exclude")
    mal = origin[origin["value"].eq("malicious")]
    if len(mal):
        m = mal.iloc[0]
        items.append(
            {
                "value": _fmt_pct(m["share"], lang, 0),
                "label": t("malicious", x=_fmt_number(m["x"], lang), n=_fmt_number(m["n"], lang)),
                "ci": ci(_fmt_pct(m["lower"], lang), _fmt_pct(m["upper"], lang)),
            }
        )
    if df["patient_impact"].notna().any():
        pi = stats.shares(df, by="patient_impact", unknown="exclude")
        yes = pi[pi["value"].str.lower().eq("true")]
        if len(yes):
            y = yes.iloc[0]
            items.append(
                {
                    "value": _fmt_pct(y["share"], lang, 0),
                    "label": t("patient_impact"),
                    "ci": ci(_fmt_pct(y["lower"], lang), _fmt_pct(y["upper"], lang)),
                }
            )
    top = stats.shares(df, by="categories")
    if len(top):
        first = top.iloc[0]
        items.append(
            {
                "value": _fmt_pct(first["share"], lang, 0),
                "label": t("top_category", category=label(first["value"], lang)),
                "ci": ci(_fmt_pct(first["lower"], lang), _fmt_pct(first["upper"], lang)),
            }
        )
    summary = stats.records_summary(df).set_index("statistic")["value"]
    if summary.get("n_known", 0) > 0:
        known = _fmt_number(summary["n_known"], lang)
        items.append(
            {
                "value": _fmt_number(summary["median"], lang),
                "label": t("median_people"),
                "ci": ci(
                    _fmt_number(summary["median_lower"], lang),
                    _fmt_number(summary["median_upper"], lang),
                )
                + t("n_known", n=known),
            }
        )
    return items


def largest_incidents(
    df: pd.DataFrame, *, n: int = 10, lang: str = "en", names: bool = False
) -> pd.DataFrame:
    """The ``n`` incidents affecting the most records; organisation names only if ``names``.

    Listing individual incidents is opt-in (``names=True``): by default the table shows
    size, date, category and organisation type, not who was breached.
    """
    cols = ["reported_date", "records_affected", "category", "organisation_type", "region"]
    if names:
        cols.insert(1, "organisation")
    top = df.dropna(subset=["records_affected"]).nlargest(n, "records_affected", keep="first")
    out = top[cols].copy()
    out.attrs = {"provenance": df.attrs.get("provenance", {})}
    return out.reset_index(drop=True)


def categories_per_incident(df: pd.DataFrame) -> pd.DataFrame:
    """How many incidents carry one, two, or three or more categories (unknown excluded)."""
    known = df["categories"].map(lambda c: len([x for x in c if x != "unknown"]))
    bins = known.clip(upper=3).map({0: "0 (unknown)", 1: "1", 2: "2", 3: "3+"})
    counts = bins.value_counts().reindex(["1", "2", "3+", "0 (unknown)"], fill_value=0)
    out = pd.DataFrame({"categories": counts.index, "incidents": counts.to_numpy().astype(int)})
    out["share"] = out["incidents"] / max(len(df), 1)
    out.attrs = {"provenance": df.attrs.get("provenance", {})}
    return out
