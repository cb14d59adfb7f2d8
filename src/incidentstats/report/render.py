"""Rendering: nbconvert turns an executed notebook into HTML, WeasyPrint into PDF.

Title page and document shell are Jinja2 templates in ``templates/``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .._files import write_bytes
from .._version import __version__
from ..i18n import LANGS


def templates_dir() -> Path:
    """The folder holding the report templates and CSS (the one place that knows where)."""
    return Path(__file__).resolve().parents[1] / "templates"


CSS_PATH = templates_dir() / "report.css"


def report_title(lang: str) -> str:
    from .. import i18n

    return i18n.t("title.report", lang)


def notebook_body_html(executed: Path, *, lang: str = "en") -> str:
    """The executed notebook as HTML body content: outputs and markdown, no code.

    Cells tagged ``remove``, papermill's injected parameters, and narrative cells tagged
    for the other language (``lang-en`` / ``lang-fr``) are left out. A markdown cell
    holding a heading is tagged ``keep-with-next`` so that print CSS keeps it on the
    page of the chart or table it introduces.
    """
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    drop = {"remove", "injected-parameters", "parameters"} | {
        f"lang-{x}" for x in LANGS if x != lang
    }
    cells = [c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))]
    from .. import i18n

    for cell in cells:  # one typographic rule set for the narrative too
        if cell.cell_type == "markdown":
            cell.source = i18n.typography(cell.source, lang)
        for output in cell.get("outputs", []):
            choose_chart_format(output)
    for i, cell in enumerate(cells):
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        if cell.cell_type == "markdown" and nxt is not None and _introduces(cell, nxt):
            tags = list(cell.get("metadata", {}).get("tags", []))
            cell.setdefault("metadata", {})["tags"] = [*tags, "keep-with-next"]
    nb.cells = cells
    exporter = html_exporter()
    body, _ = exporter.from_notebook_node(nb)
    return body


def choose_chart_format(output: dict) -> dict:
    """Keep one image format in a notebook output: SVG, or the PNG when the SVG would misprint.

    Examples
    --------
    >>> out = {"data": {"image/svg+xml": "<svg><pattern/></svg>", "image/png": "iVBOR"}, "metadata": {}}
    >>> sorted(choose_chart_format(out)["data"])
    ['image/png']
    >>> sorted(choose_chart_format({"data": {"image/svg+xml": "<svg/>", "image/png": "x"}})["data"])
    ['image/svg+xml']
    """
    from ..notebook import SVG_UNPRINTABLE  # hatch patterns, embedded rasters

    data = output.get("data") or {}
    if "image/svg+xml" in data and "image/png" in data:
        svg = data["image/svg+xml"]
        svg = svg if isinstance(svg, str) else "".join(svg)
        drop = "image/svg+xml" if any(tag in svg for tag in SVG_UNPRINTABLE) else "image/png"
        data.pop(drop)
        (output.get("metadata") or {}).pop(drop, None)
    return output


def _introduces(cell, nxt) -> bool:
    """A short markdown cell with a heading, or one right before a chart or table."""
    text = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    has_heading = any(line.startswith("#") for line in text.splitlines())
    return len(text) < 900 and (has_heading or nxt.cell_type == "code")


@functools.lru_cache(maxsize=1)
def html_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )


def _format_param(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "[]"
    if value == "":
        return "''"
    return str(value)


@functools.lru_cache(maxsize=1)
def jinja_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        keep_trailing_newline=True,
    )


def title_page_html(meta: dict, *, lang: str, contents: list) -> str:
    """The title page: title, data, as-of date, period, inputs, parameters, generation time,
    and the data's warnings (``meta["warnings"]``) in the report's language.

    ``contents`` lists ``(name, title)`` of the notebooks that follow; in the PDF each
    title gets the page it starts on. Every word comes from the catalogue of ``lang``
    and every date is written out (``templates/title_page.html.j2``).
    """
    from .. import i18n
    from ..vintage import warnings_in

    period = meta.get("period") or {}
    inputs = "; ".join(
        f"{Path(i['path']).name} (sha256 {str(i['sha256'])[:12]}…)"
        if i.get("sha256")
        else Path(i["path"]).name
        for i in meta.get("inputs", [])
    )
    params = meta.get("parameters") or {}
    template = jinja_env().get_template("title_page.html.j2")
    return template.render(
        t=lambda key, **fields: i18n.t(key, lang, **fields),
        # the data's own source (a notebook may combine several), not the run's --source
        dataset=i18n.dataset_text(
            {**meta, "source": meta.get("data_source") or meta.get("source")}, lang
        ),
        as_of=i18n.fmt_when(meta.get("as_of"), lang),
        as_of_phrase=i18n.fmt_as_of(meta.get("as_of"), lang),
        period=i18n.fmt_date_range(period.get("start"), period.get("end"), lang) if period else "—",
        inputs=inputs,
        params=", ".join(f"{k} = {_format_param(v)}" for k, v in sorted(params.items())),
        generated=i18n.fmt_when(meta.get("generated"), lang),
        run_id=str(meta.get("run_id") or "—"),
        contents=contents,
        warnings=warnings_in(meta, lang),
        version=__version__,
    )


def document_html(body: str, *, title: str, lang: str, meta: dict | None = None) -> str:
    """Wrap body HTML into a standalone document with the package CSS (no external URL).

    ``body`` is HTML already; the title, language and dataset are escaped
    (``templates/document.html.j2``).
    """
    dataset = (meta or {}).get("dataset")
    return (
        jinja_env()
        .get_template("document.html.j2")
        .render(
            body=body,
            title=title,
            lang=lang,
            dataset=str(dataset) if dataset else "",
            css=CSS_PATH.read_text(encoding="utf-8"),
            version=__version__,
        )
    )


def html_to_pdf(document: str, path) -> Path:
    """Render an HTML document to PDF with WeasyPrint; only ``data:`` URLs may be fetched."""
    import logging

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=document, url_fetcher=fetcher, base_url=None).write_pdf()
    return write_bytes(path, pdf)


def title_of(executed: Path, fallback: str, *, lang: str = "en") -> str:
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    other = {f"lang-{x}" for x in LANGS if x != lang}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not other & set(
            cell.get("metadata", {}).get("tags", [])
        ):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def combined_html(results: list, meta: dict, *, lang: str) -> str:
    """The whole report as one document: one title page with contents, then every notebook."""
    contents = [(r.name, r.title or r.name) for r in results]
    return document_html(
        title_page_html(meta, lang=lang, contents=contents) + "".join(r.body for r in results),
        title=report_title(lang),
        lang=lang,
        meta=meta,
    )
