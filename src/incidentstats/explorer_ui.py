"""The explorer's widgets (ipywidgets): filters, linked charts and tables, export, report.

Everything shown comes from ``explorer.explore_state``; this module only lays it out.
"""

from __future__ import annotations

import base64
import html
import io
import subprocess
import sys
import threading
from collections import OrderedDict

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from . import i18n, plots
from ._files import dump_csv
from .errors import IncidentstatsError
from .explorer import ExplorerFilters, Prepared, explore_state
from .i18n import check_lang, fmt_number, fmt_percent
from .notebook import html_table
from .taxonomy import label

__all__ = ["Explorer", "explore"]

#: The widgets' words, ``UI[key][lang]``, from the catalogues (keys ``explorer_ui.*``).
UI: dict[str, dict[str, str]] = i18n.named("explorer_ui.")
_COLUMNS = i18n.named("explorer_ui.column.")
_BA_VALUE = {None: "all", True: "yes", False: "no"}
_TABS = ("counts", "shares", "mix", "largest", "records")
_CSS = """
<style>
.ist-explorer { font-size: 14px; }
.ist-explorer h2 { margin: 0 0 4px 0; font-size: 20px; }
.ist-sentence { font-size: 15px; line-height: 1.45; background: #f4f7fb; border-left: 4px solid #4F6D8A;
  padding: 8px 12px; margin: 0; }
.ist-command { font-family: monospace; font-size: 12.5px; background: #f6f6f6; padding: 6px 8px;
  white-space: pre-wrap; word-break: break-all; border: 1px solid #ddd; }
.ist-table table { border-collapse: collapse; font-size: 13px; }
.ist-table th, .ist-table td { padding: 3px 8px; border-bottom: 1px solid #e3e3e3; text-align: right; }
.ist-table th { background: #f4f4f4; }
.ist-note { color: #555; font-size: 12.5px; line-height: 1.35; display: block; margin: 4px 0; }
.ist-explorer .widget-html-content { line-height: 1.4; }
.ist-warn { color: #8a4b00; }
.ist-chart img { max-width: 100%; height: auto; }
</style>
"""


def _t(key: str, lang: str, **fields) -> str:
    text = UI[key][lang]
    return text.format(**fields) if fields else text


def _data_link(data: bytes, filename: str, mime: str, lang: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    name = html.escape(filename)
    return (
        f'<a class="ist-download" download="{name}" href="data:{mime};base64,{b64}">'
        f"{html.escape(_t('download', lang, name=filename))}</a>"
    )


def export_table(df: pd.DataFrame, fmt: str) -> bytes:
    """The selected incidents as CSV (formulas neutralised) or Parquet bytes."""
    table = df.reset_index(drop=True)
    table.attrs = {}
    buf = io.BytesIO()
    if fmt == "parquet":
        table.to_parquet(buf, index=False)
        return buf.getvalue()
    text = io.StringIO()
    dump_csv(table, text)
    return text.getvalue().encode("utf-8")


class Explorer:
    """The explorer's widget tree; ``Explorer(df).widget`` is what is displayed.

    Parameters are those of :func:`explore`.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        lang: str = "en",
        source: str | None = None,
        inputs=(),
        report_dir: str | None = None,
        report_cwd: str | None = None,
        filters: ExplorerFilters | None = None,
        names: bool = True,
    ):
        self.df = df
        self.lang = check_lang(lang)
        self.source, self.inputs = source, list(inputs)
        self.report_dir, self.report_cwd = report_dir, report_cwd
        self.names = names
        self.prepared = Prepared(df)  # what does not depend on the filters, computed once
        self.choices = self.prepared.choices
        self._states: OrderedDict = OrderedDict()
        self._charts: OrderedDict = OrderedDict()
        self._quiet = False
        self.result = None
        self.figure = None  # the chart on the visible tab, for export
        self._build(filters or ExplorerFilters())
        self.refresh()

    # --- layout ---------------------------------------------------------------

    def _build(self, f: ExplorerFilters) -> None:
        lay = w.Layout
        self.w_lang = w.ToggleButtons(options=[("English", "en"), ("Français", "fr")],
                                      value=self.lang, style={"button_width": "80px"})  # fmt: skip
        self.w_title = w.HTML()
        self.w_start = w.Text(
            value=str(f.start or ""), continuous_update=False, layout=lay(width="120px")
        )
        self.w_end = w.Text(
            value=str(f.end or ""), continuous_update=False, layout=lay(width="120px")
        )
        self.w_freq = w.Dropdown(options=["Y", "Q", "M"], value=f.freq, layout=lay(width="120px"))
        self.w_lists = {}
        for name, rows in (
            ("organisation_types", 4),
            ("regions", 6),
            ("categories", 6),
            ("origins", 3),
        ):
            options = [(label(v, self.lang), v) for v in self.choices[name]]
            self.w_lists[name] = w.SelectMultiple(
                options=options, value=tuple(v for v in getattr(f, name) if v in self.choices[name]),
                rows=rows, layout=lay(width="250px"),
            )  # fmt: skip
        # string values: a None value leaves the drop-down blank in the browser
        self.w_ba = w.Dropdown(options=[("all", "all"), ("yes", "yes"), ("no", "no")],
                               value=_BA_VALUE[f.business_associate], layout=lay(width="120px"))  # fmt: skip
        self.w_min = w.Text(value="" if f.min_records is None else str(f.min_records),
                            continuous_update=False, layout=lay(width="120px"))  # fmt: skip
        self.w_max = w.Text(value="" if f.max_records is None else str(f.max_records),
                            continuous_update=False, layout=lay(width="120px"))  # fmt: skip
        self.w_reset = w.Button(layout=lay(width="250px"))
        self.w_labels = {k: w.HTML() for k in (
            "filters", "start", "end", "freq", "organisation_types", "regions", "categories",
            "origins", "business_associate", "records", "min", "max", "multi_hint")}  # fmt: skip

        def row(key, widget):
            return w.HBox([self.w_labels[key], widget], layout=lay(align_items="center"))

        for key in ("start", "end", "freq", "min", "max", "business_associate"):
            self.w_labels[key].layout = lay(width="125px")
        filters = w.VBox(
            [
                self.w_labels["filters"],
                row("start", self.w_start),
                row("end", self.w_end),
                row("freq", self.w_freq),
                self.w_labels["multi_hint"],
                self.w_labels["organisation_types"], self.w_lists["organisation_types"],
                self.w_labels["regions"], self.w_lists["regions"],
                self.w_labels["categories"], self.w_lists["categories"],
                self.w_labels["origins"], self.w_lists["origins"],
                row("business_associate", self.w_ba),
                self.w_labels["records"],
                row("min", self.w_min),
                row("max", self.w_max),
                self.w_reset,
            ],
            layout=lay(width="270px", min_width="270px", padding="0 12px 0 0"),
        )  # fmt: skip
        self.w_sentence = w.HTML(layout=lay(width="100%"))
        self.w_error = w.HTML()
        self.w_chart = {k: w.HTML(layout=lay(width="100%", max_width="760px"))
                        for k in ("counts", "shares", "mix", "records")}  # fmt: skip
        self.w_table = {k: w.HTML() for k in ("counts", "shares", "mix", "records", "largest")}
        self.w_sort = w.Dropdown(layout=lay(width="220px"))
        self.w_desc = w.Checkbox(value=True, indent=False, layout=lay(width="130px"))
        pages = []
        for key in _TABS:
            items = [self.w_table[key]]
            if key == "largest":
                items = [w.HBox([self.w_sort, self.w_desc]), self.w_table[key]]
            else:
                items = [self.w_chart[key], self.w_table[key]]
            pages.append(w.VBox(items))
        self.w_tabs = w.Tab(children=pages)
        self.w_export_label = w.HTML()
        self.w_export = {k: w.Button(layout=lay(width="auto")) for k in
                         ("table_csv", "table_parquet", "chart_png", "chart_svg")}  # fmt: skip
        self.w_link = w.HTML()
        self.w_report_label = w.HTML()
        self.w_command = w.HTML()
        self.w_run = w.Button(button_style="primary", layout=lay(width="auto"))
        self.w_run_status = w.HTML()
        main = w.VBox(
            [
                self.w_sentence,
                self.w_error,
                self.w_tabs,
                self.w_export_label,
                w.HBox([*self.w_export.values()]),
                self.w_link,
                self.w_report_label,
                self.w_command,
                w.HBox([self.w_run, self.w_run_status]),
            ],
            layout=lay(flex="1 1 auto", min_width="0", overflow="hidden"),
        )
        header = w.HBox([self.w_title, self.w_lang],
                        layout=lay(justify_content="space-between", align_items="center"))  # fmt: skip
        self.widget = w.VBox([w.HTML(_CSS), header, w.HBox([filters, main])])
        self.widget.add_class("ist-explorer")

        for widget in (self.w_start, self.w_end, self.w_freq, self.w_ba, self.w_min, self.w_max,
                       *self.w_lists.values()):  # fmt: skip
            widget.observe(self._on_filter, names="value")
        self.w_lang.observe(self._on_lang, names="value")
        self.w_tabs.observe(lambda change: self._show_tab(), names="selected_index")
        self.w_sort.observe(lambda change: self._show_largest(), names="value")
        self.w_desc.observe(lambda change: self._show_largest(), names="value")
        self.w_reset.on_click(lambda b: self.reset())
        # class names the page can be read and driven by (the browser tests use them)
        for name, widget in (("start", self.w_start), ("end", self.w_end), ("freq", self.w_freq),
                             ("lang", self.w_lang), ("ba", self.w_ba), ("min", self.w_min),
                             ("max", self.w_max), ("tabs", self.w_tabs), ("run", self.w_run),
                             ("command", self.w_command), ("link", self.w_link)):  # fmt: skip
            widget.add_class(f"ist-{name}")
        for name, widget in self.w_lists.items():
            widget.add_class(f"ist-{name}")
        for name, widget in self.w_export.items():
            widget.add_class(f"ist-{name}")
        for key, button in self.w_export.items():
            button.on_click(lambda b, key=key: self.export(key))
        self.w_run.on_click(lambda b: self.run_report())
        self._label_widgets()

    def _label_widgets(self) -> None:
        lang = self.lang
        for key, widget in self.w_labels.items():
            text = html.escape(_t(key, lang))
            widget.value = (f"<b>{text}</b>" if key in ("filters",) else
                            f'<span class="ist-note">{text}</span>' if key == "multi_hint" else text)  # fmt: skip
        for widget in (self.w_start, self.w_end):
            widget.placeholder = _t("period_hint", lang)
        self._quiet = True
        try:
            self.w_freq.options = [(_t(k, lang), k) for k in ("Y", "Q", "M")]
            value = self.w_ba.value
            self.w_ba.options = [(_t(k, lang), k) for k in ("all", "yes", "no")]
            self.w_ba.value = value
            for name, widget in self.w_lists.items():
                value = widget.value
                widget.options = [(label(v, lang), v) for v in self.choices[name]]
                widget.value = value
        finally:
            self._quiet = False
        self.w_reset.description = _t("reset", lang)
        for i, key in enumerate(_TABS):
            self.w_tabs.set_title(i, _t(f"tab_{key}", lang))
        self.w_desc.description = _t("descending", lang)
        self.w_export_label.value = f"<b>{html.escape(_t('export', lang))}</b>"
        for key, button in self.w_export.items():
            button.description = _t(key, lang)
        self.w_report_label.value = f"<b>{html.escape(_t('report', lang))}</b>"
        self.w_run.description = _t("run_report", lang)

    def _ipython_display_(self):  # a cell's last value, or display(explorer)
        from IPython.display import display

        display(self.widget)

    # --- state ----------------------------------------------------------------

    def filters(self) -> ExplorerFilters:
        """The filter state the widgets show (raises ParameterError for a bad value)."""

        def number(text):
            text = text.strip().replace(",", "").replace("\u202f", "").replace(" ", "")
            return int(text) if text.isdigit() else (None if not text else text)

        return ExplorerFilters(
            start=self.w_start.value.strip() or None,
            end=self.w_end.value.strip() or None,
            freq=self.w_freq.value,
            business_associate={v: k for k, v in _BA_VALUE.items()}[self.w_ba.value],
            min_records=number(self.w_min.value),
            max_records=number(self.w_max.value),
            **{name: tuple(widget.value) for name, widget in self.w_lists.items()},
        )

    def set_filters(self, **changes) -> None:
        """Change filters as a user would (``start="2015"``, ``regions=("CA",)``...)."""
        self._quiet = True
        try:
            for name, value in changes.items():
                if name in self.w_lists:
                    self.w_lists[name].value = tuple(value)
                elif name in ("min_records", "max_records"):
                    (self.w_min if name == "min_records" else self.w_max).value = (
                        "" if value is None else str(value)
                    )
                else:
                    {"start": self.w_start, "end": self.w_end, "freq": self.w_freq,
                     "business_associate": self.w_ba}[name].value = (
                        "" if value is None and name in ("start", "end") else
                        str(value) if name in ("start", "end") else
                        _BA_VALUE[value] if name == "business_associate" else value)  # fmt: skip
        finally:
            self._quiet = False
        self.refresh()

    def reset(self) -> None:
        """Back to all incidents."""
        self.set_filters(start=None, end=None, business_associate=None, min_records=None,
                         max_records=None, **{name: () for name in self.w_lists})  # fmt: skip

    def state(self, filters: ExplorerFilters, lang: str):
        """``explore_state`` for these filters, from a small cache of recent states."""
        key = (filters, lang)
        if key in self._states:
            self._states.move_to_end(key)
            return self._states[key]
        result = explore_state(
            self.df, filters, lang, source=self.source, inputs=self.inputs,
            report_dir=self.report_dir, names=self.names, prepared=self.prepared,
        )  # fmt: skip
        self._states[key] = result
        while len(self._states) > 8:
            self._states.popitem(last=False)
        return result

    def _on_filter(self, change) -> None:
        if not self._quiet:
            self.refresh()

    def _on_lang(self, change) -> None:
        self.lang = change["new"]
        self._label_widgets()
        self.refresh()

    def refresh(self) -> None:
        """Recompute for the current filters and redraw the sentence and the visible tab."""
        try:
            filters = self.filters()
            result = self.state(filters, self.lang)
        except IncidentstatsError as exc:
            self.w_error.value = f'<p class="ist-warn">{html.escape(_t("bad_filter", self.lang, error=str(exc)))}</p>'
            return
        self.w_error.value = ""
        self.result = result
        self.w_link.value = ""
        n = result.facts.get("n", 0)
        self.w_sentence.value = (
            f'<p class="ist-sentence" data-n="{n}">{html.escape(result.sentence)}</p>'
        )
        note = ""
        if result.not_in_report:
            from .explorer import _FILTER_NAMES, text

            names = ", ".join(_FILTER_NAMES[k][self.lang] for k in result.not_in_report)
            note = f'<p class="ist-note">{html.escape(text("not_in_report", self.lang, names=names))}</p>'
        self.w_command.value = (
            f'<div class="ist-command">{html.escape(result.command_text)}</div>{note}'
        )
        self._sort_options()
        self._show_tab()

    # --- views ----------------------------------------------------------------

    @property
    def tab(self) -> str:
        return _TABS[self.w_tabs.selected_index or 0]

    def _show_tab(self) -> None:
        key = self.tab
        r = self.result
        if r is None:
            return
        if key == "largest":
            self.figure = None
            self._show_largest()
            return
        img, table_html = self._chart(key, r)
        self.w_chart[key].value = f'<div class="ist-chart">{img}</div>' if img else ""
        self.w_table[key].value = table_html

    def _chart(self, key: str, r):
        cache_key = (key, r.filters, r.lang)
        if cache_key in self._charts:
            self._charts.move_to_end(cache_key)
            img, table_html, fig = self._charts[cache_key]
            self.figure = fig
            return img, table_html
        fig, table_html = self._draw(key, r)
        img = ""
        if fig is not None:
            # PNG: matplotlib's SVG paints a hatch in the bar's own colour, and the hatched
            # (partial) periods would look plain
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=96)
            b64 = base64.b64encode(buf.getvalue()).decode("ascii")
            img = f'<img alt="" src="data:image/png;base64,{b64}">'
        self.figure = fig
        self._charts[cache_key] = (img, table_html, fig)
        while len(self._charts) > 12:
            _, (_, _, old) = self._charts.popitem(last=False)
            if old is not None:
                plt.close(old)
        return img, table_html

    def _draw(self, key: str, r):
        lang = r.lang
        if r.facts.get("n", 0) == 0:
            return None, f"<p>{html.escape(_t('no_data', lang))}</p>"
        with plots.theme():
            if key == "counts":
                ax = plots.plot_counts(r.counts, lang=lang)
                cols = [c for c in ("period", "count", "complete", "fitted", "lower", "upper")
                        if c in r.counts.columns]  # fmt: skip
                table = html_table(r.counts[cols], lang=lang, max_rows=40)
            elif key == "shares":
                ax = plots.plot_shares(r.shares, lang=lang)
                table = html_table(
                    r.shares[["value", "x", "n", "share", "lower", "upper"]], lang=lang
                )
            elif key == "mix":
                ax = plots.plot_mix(r.mix, lang=lang)
                table = ""
            else:
                ax = plots.plot_records(r.selection, lang=lang)
                s = r.records.set_index("statistic")["value"]
                table = "<p>" + html.escape(_t(
                    "median", lang, median=fmt_number(s["median"], lang, 0),
                    lo=fmt_number(s["median_lower"], lang, 0), hi=fmt_number(s["median_upper"], lang, 0),
                    k=fmt_number(s["n_missing"], lang),
                )) + " " + html.escape(_t("top_k", lang, share=fmt_percent(s["top_k_share"], lang, 1))) + "</p>"  # fmt: skip
        fig = ax.figure
        plt.close(fig)  # kept for export, but never shown by the inline backend
        return fig, f'<div class="ist-table">{table}</div>'

    def _sort_options(self) -> None:
        r = self.result
        cols = list(r.largest.columns)
        names = _COLUMNS
        current = self.w_sort.value or "records_affected"
        self._quiet = True
        try:
            self.w_sort.options = [(f"{_t('sort_by', self.lang)}: {names.get(c, {}).get(self.lang, c)}", c)
                                   for c in cols]  # fmt: skip
            self.w_sort.value = current if current in cols else "records_affected"
        finally:
            self._quiet = False

    def _show_largest(self) -> None:
        r = self.result
        if r is None or self._quiet:
            return
        table = r.largest
        if self.w_sort.value in table.columns:
            table = table.sort_values(self.w_sort.value, ascending=not self.w_desc.value,
                                      kind="stable", na_position="last")  # fmt: skip
        shown = table.assign(reported_date=table["reported_date"].dt.strftime("%Y-%m-%d"))
        self.w_table[
            "largest"
        ].value = (
            f'<div class="ist-table">{html_table(shown, lang=r.lang, max_rows=len(shown))}</div>'
        )

    # --- export and report ----------------------------------------------------

    def export(self, what: str) -> bytes | None:
        """Offer the filtered table or the visible chart as a download link; return its bytes."""
        lang = self.lang
        if what.startswith("table"):
            fmt = what.split("_")[1]
            data = export_table(self.result.incidents, fmt)
            mime = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
            self.w_link.value = _data_link(data, f"incidents.{fmt}", mime, lang)
            return data
        fmt = what.split("_")[1]
        if self.figure is None:
            self.w_link.value = f"<p>{html.escape(_t('no_chart', lang))}</p>"
            return None
        buf = io.BytesIO()
        self.figure.savefig(buf, format=fmt, dpi=200 if fmt == "png" else None)
        data = buf.getvalue()
        mime = "image/png" if fmt == "png" else "image/svg+xml"
        self.w_link.value = _data_link(data, f"{self.tab}.{fmt}", mime, lang)
        return data

    def run_report(self, *, wait: bool = False) -> threading.Thread:
        """Run the shown report command in the background; its last line appears beside it."""
        cmd = [sys.executable, "-m", "incidentstats.cli", *self.result.command[1:]]
        lang = self.lang
        self.w_run.disabled = True
        self.w_run_status.value = html.escape(_t("running", lang))

        def work():
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.report_cwd,
                                      timeout=3600, check=False)  # fmt: skip
                lines = [ln for ln in (done.stdout + done.stderr).splitlines() if ln.strip()]
                last = lines[-1] if lines else str(done.returncode)
                key = "report_done" if done.returncode == 0 else "report_failed"
                self.w_run_status.value = html.escape(_t(key, lang, line=last))
            except (OSError, subprocess.TimeoutExpired) as exc:
                self.w_run_status.value = html.escape(_t("report_failed", lang, line=str(exc)))
            finally:
                self.w_run.disabled = False

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread


def explore(
    df: pd.DataFrame | None = None,
    *,
    lang: str = "en",
    source: str | None = None,
    inputs=(),
    report_dir: str | None = None,
    names: bool = True,
    filters: ExplorerFilters | None = None,
):
    """Explore incidents interactively in JupyterLab: filters, linked charts, export, report.

    Parameters
    ----------
    df : DataFrame, optional
        Canonical incident table; by default ``ist.load(source or "hhs", inputs)``.
    lang : {"en", "fr"}
        Starting language (a switch in the explorer changes it).
    source, inputs :
        What the data were loaded from; the "Make this a report" command repeats them.
    report_dir : str, optional
        Output folder of that command (``-o``); by default the report's own default.
    names : bool
        Show organisation names in the largest-incidents table.
    filters : ExplorerFilters, optional
        Starting filters.

    Returns
    -------
    Explorer
        ``.widget`` is displayed; ``.result`` is the current ``ExplorerResult``.
    """
    if df is None:
        from .ingest import load

        df = load(source or "hhs", list(inputs) or None)
    explorer = Explorer(
        df, lang=lang, source=source, inputs=inputs, report_dir=report_dir, names=names,
        filters=filters,
    )  # fmt: skip
    return explorer
