"""Report runner: papermill executes the notebooks, nbconvert and WeasyPrint make HTML/PDF.

It knows notebooks, parameters and files — nothing about statistics.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from ._files import sha256_file, write_bytes, write_json, write_text
from .errors import ParameterError, ReportError

PACKAGE_DIR = Path(__file__).resolve().parent
CSS_PATH = PACKAGE_DIR / "templates" / "report.css"
LANGS = ("en", "fr")
FORMATS = ("pdf", "html")
KEY_DEPENDENCIES = (
    "pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "scipy",
    "papermill", "nbconvert", "nbformat", "weasyprint", "ipykernel",
)  # fmt: skip
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_TEXT = {
    "en": {
        "report": "Health-sector cyber incidents",
        "source": "Data",
        "as_of": "Data as of",
        "period": "Period covered",
        "inputs": "Input files",
        "embedded": "embedded default (no input file)",
        "params": "Parameters",
        "generated": "Generated",
        "notebooks": "Contents",
        "note": "Made with incidentstats {version}. Every estimate is given with its "
        "denominator and a 95% interval; counts are incidents, not rows.",
    },
    "fr": {
        "report": "Incidents de cybersécurité dans la santé",
        "source": "Données",
        "as_of": "Données au",
        "period": "Période couverte",
        "inputs": "Fichiers d'entrée",
        "embedded": "données intégrées par défaut (aucun fichier)",
        "params": "Paramètres",
        "generated": "Produit le",
        "notebooks": "Sommaire",
        "note": "Produit avec incidentstats {version}. Chaque estimation est donnée avec "
        "son dénominateur et un intervalle à 95 % ; on compte des incidents, pas des lignes.",
    },
}


# --- notebooks and their declared parameters ----------------------------------------


def notebook_dir() -> Path:
    """The folder holding the report notebooks (the repository's ``notebooks/``)."""
    env = os.environ.get("INCIDENTSTATS_NOTEBOOKS")
    candidates = [Path(env)] if env else []
    candidates += [PACKAGE_DIR.parents[1] / "notebooks", PACKAGE_DIR / "notebooks"]
    for cand in candidates:
        if cand.is_dir() and any(cand.glob("*.ipynb")):
            return cand
    raise ReportError("notebooks folder not found (set INCIDENTSTATS_NOTEBOOKS)")


def available_notebooks() -> dict[str, Path]:
    """Name -> path of every report notebook, in the order of their ``order`` metadata."""
    found = {}
    for path in sorted(notebook_dir().glob("*.ipynb")):
        found[path.stem] = path
    return dict(sorted(found.items(), key=lambda kv: (notebook_meta(kv[1]).get("order", 99), kv[0])))


def notebook_meta(path) -> dict:
    """The ``incidentstats`` block of a notebook's metadata (sources, order, titles)."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    return nb.get("metadata", {}).get("incidentstats", {})


def declared_parameters(path) -> dict[str, dict]:
    """Parameters a notebook declares in its ``parameters`` cell: name -> {type, default}."""
    import logging

    import papermill

    # papermill logs each line it cannot parse; a declared parameter must parse, so we check below.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    params = papermill.inspect_notebook(str(path))
    declared = {}
    for name, info in params.items():
        kind = info.get("inferred_type_name") or "None"
        if kind == "None":
            # No annotation: the type of the default literal is the declared type.
            default = _literal(info.get("default"))
            kind = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}.get(
                type(default), "None"
            )
        declared[name] = {"type": kind, "default": info.get("default")}
    return declared


def default_notebooks(source: str) -> list[str]:
    """Notebooks that apply to ``source`` by default (their metadata lists it)."""
    names = [n for n, p in available_notebooks().items() if source in notebook_meta(p).get("sources", [])]
    return [n for n in names if notebook_meta(available_notebooks()[n]).get("default", True)]


def coerce_value(name: str, value, declared_type: str):
    """Turn a CLI string into the type the notebook declares (parameters are data, not code)."""
    import yaml

    if not isinstance(value, str):
        parsed = value
    else:
        try:
            parsed = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            parsed = value
    kind = declared_type.split("[")[0].strip().lower()
    if kind in ("str", "none", "") and parsed is not None and not isinstance(parsed, str):
        parsed = value if isinstance(value, str) else str(parsed)
    checks = {
        "str": lambda v: v is None or isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
        "dict": lambda v: isinstance(v, dict),
    }
    if kind == "list" and isinstance(parsed, str):
        parsed = [p.strip() for p in parsed.split(",") if p.strip()]
    if kind == "float" and isinstance(parsed, int):
        parsed = float(parsed)
    check = checks.get(kind)
    if check and not check(parsed):
        raise ParameterError(name, f"expected {kind}, got {value!r}")
    if isinstance(parsed, str) and len(parsed) > 10_000:
        raise ParameterError(name, "value longer than 10,000 characters")
    return parsed


def check_parameters(params: dict, declared: dict, *, notebook: str) -> dict:
    """Validate user parameters against a notebook's declared ones; return coerced values."""
    out = {}
    for name, value in params.items():
        if name not in declared:
            known = ", ".join(sorted(declared))
            raise ParameterError(name, f"not a parameter of notebook {notebook!r} (known: {known})")
        out[name] = coerce_value(name, value, declared[name]["type"])
    merged = {n: d["default"] for n, d in declared.items()}
    merged.update({k: repr(v) for k, v in out.items()})
    lang = out.get("lang", _literal(merged.get("lang")))
    if lang is not None and lang not in LANGS:
        raise ParameterError("lang", f"expected one of {', '.join(LANGS)}, got {lang!r}")
    start, end = out.get("start", _literal(merged.get("start"))), out.get("end", _literal(merged.get("end")))
    parsed = {}
    for key, val in (("start", start), ("end", end)):
        if val in (None, ""):
            continue
        try:
            parsed[key] = dt.date.fromisoformat(str(val)[:10]) if len(str(val)) >= 10 else dt.date(int(str(val)[:4]), 1, 1)
        except ValueError:
            raise ParameterError(key, f"expected an ISO date (YYYY-MM-DD) or a year, got {val!r}") from None
    if len(parsed) == 2 and parsed["end"] < parsed["start"]:
        raise ParameterError("end", f"end {end} is before start {start}")
    return out


def _literal(text):
    import ast

    if text is None:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


# --- one run ---------------------------------------------------------------------


@dataclass
class NotebookResult:
    name: str
    status: str = "pending"
    seconds: float = 0.0
    error: str | None = None
    outputs: dict = field(default_factory=dict)


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    status: str
    notebooks: list[NotebookResult]
    manifest: dict

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def make_run_id(source: str, *, now: dt.datetime | None = None, label: str | None = None) -> str:
    """A readable run id that sorts by time: ``20260128T0930Z-hhs`` (+ label)."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    tail = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{source}{'-' + label if label else ''}").strip("-.")
    return f"{stamp}-{tail}"[:100]


def _safe_child(root: Path, name: str, what: str) -> Path:
    if not _RUN_ID.match(name) or name in (".", ".."):
        raise ParameterError(what, f"{name!r} must be letters, digits, '.', '_' or '-' (max 100)")
    child = (root / name).resolve()
    if child.parent != root.resolve():
        raise ParameterError(what, f"{name!r} would escape the output directory {root}")
    return child


@dataclass
class RunPlan:
    """A checked run, ready to execute (picklable, so batches can ship it to workers)."""

    run_id: str
    outdir: str
    source: str
    inputs: list[str]
    lang: str
    formats: tuple
    params: dict
    notebooks: list[tuple[str, str, dict]]  # (name, path, parameters for papermill)
    timeout: int = 900


def prepare_run(
    *,
    source: str = "hhs",
    inputs=(),
    notebooks=None,
    params: dict | None = None,
    lang: str = "en",
    formats=("pdf", "html"),
    outdir="reports",
    run_id: str | None = None,
    label: str | None = None,
    timeout: int = 900,
) -> RunPlan:
    """Check everything about a run before any kernel starts; return its plan.

    Raises ParameterError for unknown notebooks or parameters, wrong types, end before
    start, an unknown language or format, a missing input, or a run id that would escape
    the output directory.
    """
    params = dict(params or {})
    if lang not in LANGS:
        raise ParameterError("lang", f"expected one of {', '.join(LANGS)}, got {lang!r}")
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ParameterError("format", f"expected pdf and/or html, got {','.join(formats) or 'nothing'!r}")
    all_nbs = available_notebooks()
    names = list(notebooks) if notebooks else default_notebooks(source)
    unknown = [n for n in names if n not in all_nbs]
    if unknown:
        raise ParameterError("notebooks", f"unknown notebook(s) {', '.join(unknown)}; available: {', '.join(all_nbs)}")
    if not names:
        raise ParameterError("notebooks", f"no notebook applies to source {source!r}")
    inputs = [str(Path(p)) for p in inputs]
    for p in inputs:
        if not Path(p).exists():
            raise ParameterError("input", f"{p}: file not found")
    for key in ("output_dir",):
        if key in params:
            raise ParameterError(key, "is set by the report runner (use -o DIR)")

    declared_by = {name: declared_parameters(all_nbs[name]) for name in names}
    known = set().union(*(set(d) for d in declared_by.values()))
    for key in params:
        if key not in known:
            raise ParameterError(key, f"not a parameter of notebook(s) {', '.join(names)} (known: {', '.join(sorted(known))})")
    nb_plans = []
    for name in names:
        declared = declared_by[name]
        given = {k: v for k, v in params.items() if k in declared}
        given.update({k: v for k, v in _routed(source, inputs, lang).items() if k in declared})
        if "output_dir" in declared:
            given["output_dir"] = "."
        nb_plans.append((name, str(all_nbs[name]), check_parameters(given, declared, notebook=name)))

    outdir = Path(outdir)
    run_id = run_id or make_run_id(source, label=label)
    final_dir = _safe_child(outdir, run_id, "run_id")
    if final_dir.exists():
        raise ParameterError("run_id", f"{run_id!r} already exists in {outdir}")
    return RunPlan(
        run_id=run_id, outdir=str(outdir), source=source, inputs=inputs, lang=lang, formats=formats,
        params=params, notebooks=nb_plans, timeout=timeout,
    )  # fmt: skip


def run_report(**options) -> RunResult:
    """Execute report notebooks and write one self-contained run folder.

    Takes the options of ``prepare_run``. The run is built in ``outdir/.<run_id>.part``
    and renamed to ``outdir/<run_id>`` when every notebook succeeded
    (``outdir/<run_id>-failed`` otherwise), so a reader never sees a half-written report.
    ``outdir/latest`` points at the newest successful run.

    Returns
    -------
    RunResult
    """
    return execute_run(prepare_run(**options))


def execute_run(plan: RunPlan) -> RunResult:
    """Execute a prepared run (see ``run_report``)."""
    started = dt.datetime.now(dt.UTC)
    outdir = Path(plan.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    final_dir = outdir / plan.run_id
    work = outdir / f".{plan.run_id}.part"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "notebooks").mkdir()
    try:
        results = [_execute(name, path, nb_params, work, timeout=plan.timeout) for name, path, nb_params in plan.notebooks]
        provenance = _read_json(work / "provenance.json")
        ok = all(r.status == "ok" for r in results)
        meta = {
            "run_id": plan.run_id,
            "source": plan.source,
            "lang": plan.lang,
            "dataset": provenance.get("dataset"),
            "as_of": provenance.get("as_of"),
            "period": provenance.get("period"),
            "inputs": [{"path": p, "sha256": sha256_file(p) if Path(p).is_file() else None} for p in plan.inputs],
            "parameters": dict(plan.params),
            "generated": started.strftime("%Y-%m-%d %H:%M UTC"),
        }
        if ok:
            try:
                _render(results, work, meta, formats=plan.formats, lang=plan.lang)
            except Exception as exc:  # a rendering failure fails the run, with its reason
                ok = False
                results.append(NotebookResult(name="render", status="failed", error=_one_line_error(exc)))
        finished = dt.datetime.now(dt.UTC)
        manifest = {
            **meta,
            "status": "ok" if ok else "failed",
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_seconds": round((finished - started).total_seconds(), 2),
            "formats": list(plan.formats),
            "notebooks": [
                {"name": r.name, "status": r.status, "seconds": round(r.seconds, 2), "error": r.error,
                 "outputs": r.outputs}  # fmt: skip
                for r in results
            ],
            "data_provenance": provenance,
            "versions": _versions(),
        }
        write_json(work / "manifest.json", manifest)
    except BaseException:
        # Interrupted (Ctrl-C, kill) or a bug: leave no half-written run behind.
        shutil.rmtree(work, ignore_errors=True)
        raise
    target = final_dir if ok else final_dir.with_name(final_dir.name + "-failed")
    if target.exists():
        shutil.rmtree(target)
    os.replace(work, target)
    if ok:
        _point_latest(outdir, target.name)
    return RunResult(run_id=plan.run_id, run_dir=target, status=manifest["status"], notebooks=results, manifest=manifest)


_ROUTED = ("source", "input_paths", "lang")


def _routed(source, inputs, lang) -> dict:
    return {"source": source, "input_paths": list(inputs), "lang": lang}


def _execute(name, path, params, work: Path, *, timeout) -> NotebookResult:
    import papermill

    result = NotebookResult(name=name)
    out = work / "notebooks" / f"{name}.ipynb"
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(path),
            str(out),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(work),
            execution_timeout=timeout,
        )
        result.status = "ok"
    except Exception as exc:  # papermill wraps kernel errors; report them, do not crash the batch
        result.status = "failed"
        result.error = _one_line_error(exc)
    result.seconds = time.perf_counter() - t0
    result.outputs["notebook"] = str(out.relative_to(work))
    return result


def _one_line_error(exc) -> str:
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        text = f"{ename}: {evalue}"
    else:
        text = f"{exc.__class__.__name__}: {exc}"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return " ".join(text.split())[:500]


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _versions() -> dict:
    versions = {"python": sys.version.split()[0], "incidentstats": __version__}
    for dist in KEY_DEPENDENCIES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def _point_latest(outdir: Path, name: str) -> None:
    link = outdir / "latest"
    tmp = outdir / f".latest.{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(name, tmp)
        os.replace(tmp, link)
    except OSError:
        write_text(outdir / "LATEST", name + "\n")


# --- HTML and PDF -------------------------------------------------------------------


def notebook_body_html(executed: Path, *, lang: str = "en") -> str:
    """The executed notebook as HTML body content: outputs and markdown, no code.

    Cells tagged ``remove``, papermill's injected parameters, and narrative cells tagged
    for the other language (``lang-en`` / ``lang-fr``) are left out.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    drop = {"remove", "injected-parameters", "parameters"} | {f"lang-{x}" for x in LANGS if x != lang}
    nb.cells = [c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))]
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


def title_page_html(meta: dict, *, lang: str, contents: list[str]) -> str:
    """The title page: title, data, as-of date, period, inputs, parameters, generation time."""
    t = _TEXT[lang]
    esc = html.escape
    period = meta.get("period") or {}
    rows = [
        (t["source"], meta.get("dataset") or meta.get("source")),
        (t["as_of"], meta.get("as_of") or "—"),
        (t["period"], f"{period.get('start') or '…'} – {period.get('end') or '…'}" if period else "—"),
        (t["inputs"], "; ".join(f"{Path(i['path']).name} (sha256 {str(i['sha256'])[:12]}…)" for i in meta["inputs"]) or t["embedded"]),
        (t["params"], ", ".join(f"{k} = {v}" for k, v in sorted(meta.get("parameters", {}).items())) or "—"),
        (t["generated"], meta.get("generated")),
        (t["notebooks"], " · ".join(contents)),
    ]
    cells = "\n".join(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
    return (
        '<section class="title-page">'
        f"<h1>{esc(t['report'])}</h1>"
        f'<div class="subtitle">{esc(str(meta.get("dataset") or meta.get("source")))}<br>'
        f'<span class="asof">{esc(t["as_of"])} {esc(str(meta.get("as_of") or "—"))}</span></div>'
        f'<table class="meta">{cells}</table>'
        f'<p class="note">{esc(t["note"].format(version=__version__))}</p>'
        "</section>"
    )


def document_html(body: str, *, title: str, lang: str) -> str:
    """Wrap body HTML into a standalone document with the package CSS (no external URL)."""
    css = CSS_PATH.read_text(encoding="utf-8")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>\n"
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


def _title_of(executed: Path, fallback: str, *, lang: str = "en") -> str:
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    other = {f"lang-{x}" for x in LANGS if x != lang}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not other & set(cell.get("metadata", {}).get("tags", [])):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _render(results: list[NotebookResult], work: Path, meta: dict, *, formats, lang) -> None:
    bodies, titles = [], []
    for r in results:
        executed = work / r.outputs["notebook"]
        body = f'<section class="notebook" id="{r.name}">{notebook_body_html(executed, lang=lang)}</section>'
        title = _title_of(executed, r.name, lang=lang)
        bodies.append(body)
        titles.append(title)
        page = document_html(title_page_html(meta, lang=lang, contents=[title]) + body, title=title, lang=lang)
        if "html" in formats:
            write_text(work / f"{r.name}.html", page)
            r.outputs["html"] = f"{r.name}.html"
        if "pdf" in formats:
            html_to_pdf(page, work / f"{r.name}.pdf")
            r.outputs["pdf"] = f"{r.name}.pdf"
    combined = document_html(
        title_page_html(meta, lang=lang, contents=titles) + "".join(bodies), title=_TEXT[lang]["report"], lang=lang
    )
    if "pdf" in formats:
        html_to_pdf(combined, work / "report.pdf")
    if "html" in formats:
        write_text(work / "report.html", combined)
