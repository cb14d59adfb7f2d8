"""Report parameters: checked and coerced before any kernel starts.

``prepare_run`` turns the user's options into a ``RunPlan`` or a one-line ParameterError.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParameterError
from ..i18n import LANGS
from ..limits import shown_path
from .notebooks import (
    available_notebooks,
    declared_parameters,
    default_notebooks,
    literal,
    notebook_meta,
)
from .runs import check_output_dir, make_run_id, safe_child

FORMATS = ("pdf", "html")
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
#: Parameters the runner sets itself, and the option that sets each.
ROUTED = {"source": "--source", "input_paths": "--input", "output_dir": "-o"}


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

    from ..errors import InputError
    from ..limits import check_document, yaml_load

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
    effective = {n: literal(d["default"]) for n, d in declared.items()}
    effective.update(out)
    bounds = {}
    for key in ("start", "end"):
        val = effective.get(key)
        if val in (None, ""):
            continue
        bounds[key] = parse_bound(key, val)
    if len(bounds) == 2 and bounds["end"][1] < bounds["start"][0]:
        raise ParameterError("end", f"end {effective['end']} is before start {effective['start']}")
    return out


def parse_bound(key, value) -> tuple[dt.date, dt.date]:
    """First and last day of the period a bound names (the package's one reading)."""
    from ..periods import parse_period

    if isinstance(value, str) and value.strip().isdigit():
        value = value.strip()  # "2015" and 2015 are the same year
    span = parse_period(value, key)
    if span is None:
        raise ParameterError(key, f"expected a year, a month or a date, got {value!r}")
    return span[0].date(), span[1].date()


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
    params = dict(params or {})
    if "lang" in params:  # -p lang=fr, or lang in a --params file, means --lang fr
        lang = params.pop("lang")
    for key, option in ROUTED.items():
        if key in params:
            raise ParameterError(key, f"is set by the report runner (use {option})")
    formats = _check_options(source=source, lang=lang, formats=formats, timeout=timeout)
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
    check_inputs(source, inputs)
    # absolute: the kernels run in the run folder, and batch workers elsewhere
    inputs = [os.path.abspath(p) for p in inputs]

    params, nb_plans, coerced = _plan_notebooks(
        names, all_nbs, params, source=source, inputs=inputs, lang=lang
    )

    outdir = check_output_dir(outdir)
    auto_id = run_id is None
    run_id = run_id if run_id is not None else make_run_id(source, label=label or lang)
    final_dir = safe_child(outdir, run_id, "run_id")
    for taken in (final_dir, final_dir.with_name(final_dir.name + "-failed")):
        if taken.exists() and not auto_id:
            raise ParameterError("run_id", f"{run_id!r} already exists in {outdir}")
    return RunPlan(
        run_id=run_id, outdir=str(outdir), source=source, inputs=inputs, lang=lang, formats=formats,
        params={k: coerced.get(k, v) for k, v in params.items()}, notebooks=nb_plans, timeout=timeout,
        auto_id=auto_id,
    )  # fmt: skip


def _check_options(*, source: str, lang: str, formats, timeout) -> tuple:
    """Check the run-wide options; return the formats as a tuple."""
    from ..readers import SOURCE_NAMES

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
    return formats


def _plan_notebooks(names, all_nbs, params, *, source, inputs, lang) -> tuple[dict, list, dict]:
    """Check the parameters against every notebook of the run.

    Returns the parameters (file paths made absolute), one ``(name, path, parameters)``
    per notebook, and the user's parameters coerced to their declared types.
    """
    declared_by = {name: declared_parameters(all_nbs[name]) for name in names}
    known = set().union(*(set(d) for d in declared_by.values()))
    for key in params:
        if key not in known:
            raise ParameterError(
                key,
                f"not a parameter of notebook(s) {', '.join(names)} (known: {', '.join(sorted(known - set(ROUTED)))})",
            )
    params = absolute_paths(params)
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

    return params, nb_plans, coerced


PATH_PARAM = re.compile(r"^(mapping|.*_(path|paths|file|files))$")


def absolute_paths(params: dict) -> dict:
    """Make file parameters (``mapping``, ``*_path(s)``, ``*_file(s)``) absolute; they must exist.

    The kernels run in the run folder, so a path relative to where the command was typed
    would not be found there.
    """
    from ..errors import InputError

    out = dict(params)
    for name, value in params.items():
        if not PATH_PARAM.match(name) or name in ROUTED:
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


def check_inputs(source: str, inputs: list[str]) -> None:
    """Refuse missing, empty or unreadable inputs, and unrecognised ones with ``auto``."""
    from ..errors import InputError

    if not inputs and source not in ("hhs", "auto", "france"):
        raise ParameterError("input", f"source {source!r} needs at least one --input file")
    from ..limits import check_name, check_regular_file, path_problem

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
            from ..readers import detect_source

            detect_source(path)
