"""The ``incidentstats`` command: ``clean`` input files, make a ``report``, ``explore``.

User errors print one line on stderr and exit non-zero; tracebacks are for bugs.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from pathlib import Path

import click

from ._version import __version__
from .errors import IncidentstatsError, InputError, ParameterError

EXIT_OK, EXIT_FAILED_RUNS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _params_from(pairs, params_file) -> dict:
    params = {}
    if params_file:
        import yaml

        from .limits import read_config_text, shown_path, yaml_load

        # Regular files only, size, aliases and nesting bounded: a FIFO or an alias bomb
        # is a one-line error, not a hang.
        try:
            text = read_config_text(params_file, what="parameters file")
            loaded = yaml_load(text, label=shown_path(params_file)) or {}
        except InputError as exc:
            raise ParameterError("--params", str(exc)) from None
        except yaml.YAMLError as exc:
            raise ParameterError(
                "--params",
                f"{shown_path(params_file)}: not a readable YAML file ({exc.__class__.__name__})",
            ) from None
        if not isinstance(loaded, dict):
            raise ParameterError("--params", f"{params_file}: expected a mapping of name: value")
        params.update({str(k): v for k, v in loaded.items()})
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParameterError("-p", f"expected name=value, got {pair!r}")
        params[name.strip()] = value
    return params


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="incidentstats")
def cli():
    """Statistics, charts and reports on health-sector cyber incidents."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", default="auto", show_default=True, help="auto, hhs, veris, prc or csv")
@click.option(
    "--mapping", type=click.Path(path_type=Path), help="Mapping file (YAML/TOML) for --source csv"
)
@click.option("--as-of", "as_of", help="Data as-of date (ISO); default: latest date in the data")
@click.option(
    "-o", "--output", "outdir", required=True, type=click.Path(path_type=Path), help="Output folder"
)
def clean(inputs, source, mapping, as_of, outdir):
    """Read INPUT files into the canonical incident table and write it with its provenance.

    Writes OUTPUT/incidents.parquet, incidents.csv, quarantine.csv, duplicates.csv (rows
    removed as copies and distinct incidents sharing a key, for review) and provenance.json.
    Warnings about the data (e.g. an under-investigation list alone is not a census) are
    printed on standard error, one line each, and kept in provenance.json.
    """
    import warnings

    from .errors import DataWarning
    from .ingest import ingest
    from .report import check_output_dir

    check_output_dir(outdir)
    _refuse_raw_output(outdir, inputs)
    options = {"mapping": str(mapping)} if mapping else {}
    if mapping and source not in ("csv", "auto"):
        raise ParameterError("--mapping", "only used with --source csv")
    if mapping and source == "auto":
        source = "csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # printed below, one line each
        result = ingest(source, list(inputs), as_of=as_of, **options)
    try:
        result.write(outdir)
    except OSError as exc:  # read-only folder, full disk: the user's to fix, not a bug
        reason = exc.strerror or exc.__class__.__name__
        raise ParameterError("--output", f"cannot write to {outdir}: {reason}") from None
    for message in result.provenance.get("warnings", []):  # after the files: a failed
        click.echo(f"incidentstats: warning: {message}", err=True)  # write stays one line
    p = result.provenance
    click.echo(
        f"{p['rows_in']} rows in: {p['rows_clean']} incidents, {p['rows_quarantined']} quarantined, "
        f"{p['duplicates_removed']} duplicates removed, {p.get('possible_duplicates', 0)} "
        f"flagged as possible duplicates; as of {p['as_of']} -> {outdir}"
    )


def _refuse_raw_output(outdir: Path, inputs) -> None:
    from .limits import real_path

    out = real_path(outdir)
    for parent in [out, *out.parents]:
        if parent.name == "raw" and parent.parent.name == "data":
            raise ParameterError(
                "--output", f"{outdir} is inside data/raw/, which is never written to"
            )
    for item in inputs:
        # Also by the name given: OUTPUT/incidents.csv is a link into OUTPUT/.sets/.
        if out in (real_path(item).parent, real_path(Path(item).absolute().parent)):
            raise ParameterError(
                "--output", f"{outdir} holds the input {item}; write outputs elsewhere"
            )


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@cli.command()
@click.option(
    "--source", default="hhs", show_default=True, help="hhs, veris, prc, csv, auto or france"
)
@click.option(
    "-i",
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Input file(s): several after one flag (a shell glob) or the flag repeated",
)
@click.option(
    "--notebooks", help="Comma-separated notebooks (default: all that apply to the source)"
)
@click.option(
    "-p", "--param", "pairs", multiple=True, help="Notebook parameter name=value (repeatable)"
)
@click.option(
    "--params", "params_file", type=click.Path(path_type=Path), help="YAML file of parameters"
)
@click.option("--lang", default="en", show_default=True, help="en or fr")
@click.option(
    "--format", "formats", default="pdf,html", show_default=True, help="pdf, html or both"
)
@click.option(
    "-o",
    "--output",
    "outdir",
    default="reports",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Output folder: one sub-folder per run, and `latest`",
)
@click.option("--run-id", help="Name of the run folder (default: UTC time, source and language)")
@click.option(
    "--jobs", type=int, default=None,
    help="Processes at a time: notebooks of one report, or reports of a --matrix  [default: CPUs]",
)  # fmt: skip
@click.option(
    "--matrix",
    "matrix_file",
    type=click.Path(path_type=Path),
    help="YAML: parameter lists to cross",
)
@click.option(
    "--scheduler", help="dask.distributed scheduler address for --matrix (tcp://host:8786)"
)
@click.option(
    "--timeout", default=900, show_default=True, type=int, help="Seconds a notebook cell may run"
)
def report(source, inputs, notebooks, pairs, params_file, lang, formats, outdir, run_id, jobs, matrix_file, scheduler,
           timeout):  # fmt: skip
    """Run the report notebooks with papermill and write HTML and PDF reports.

    \b
    Writes OUTPUT/<run-id>/ (OUTPUT/latest points at the newest successful run).
    Exit status: 0 every report written; 1 a notebook or run failed;
    2 bad input or parameter (nothing written); 130 interrupted (nothing half-written).
    """
    from . import report as rep

    if scheduler:
        from .batch import check_scheduler_address

        check_scheduler_address(scheduler)
    params = _params_from(pairs, params_file)
    nb_list = [n.strip() for n in notebooks.split(",") if n.strip()] if notebooks else None
    fmt = tuple(f.strip() for f in formats.split(",") if f.strip())
    if jobs is not None and jobs < 1:
        raise ParameterError("--jobs", f"expected a positive integer, got {jobs}")
    jobs = jobs or _default_jobs()
    if matrix_file:
        from . import batch

        if run_id:
            raise ParameterError(
                "--run-id", "cannot be used with --matrix (each run gets its own id)"
            )
        summary = batch.run_matrix(
            matrix_file, source=source, inputs=inputs, notebooks=nb_list, params=params, lang=lang,
            formats=fmt, outdir=outdir, jobs=jobs, scheduler=scheduler, timeout=timeout,
        )  # fmt: skip
        sys.exit(EXIT_OK if summary.ok else EXIT_FAILED_RUNS)
    if scheduler:
        raise ParameterError(
            "--scheduler", "is used with --matrix (one report runs on this machine)"
        )
    plan = rep.prepare_run(
        source=source, inputs=inputs, notebooks=nb_list, params=params, lang=lang,
        formats=fmt, outdir=outdir, run_id=run_id, timeout=timeout,
    )  # fmt: skip
    result = rep.execute_run(plan, jobs=jobs)
    for r in result.notebooks:
        line = f"  {r.name}: {r.status} ({r.seconds:.1f} s)"
        click.echo(line + (f" — {r.error}" if r.error else ""), err=r.status != "ok")
    if not result.ok:
        click.echo(
            f"incidentstats: error: report failed; see {result.run_dir}/manifest.json", err=True
        )
        sys.exit(EXIT_FAILED_RUNS)
    click.echo(f"report written to {result.run_dir}")


@cli.command()
@click.option("--source", default="hhs", show_default=True, help="hhs, veris, prc, csv or auto")
@click.option(
    "-i", "--input", "inputs", multiple=True, type=click.Path(path_type=Path),
    help="Input file (repeatable); none: the embedded HHS list",
)  # fmt: skip
@click.option(
    "--mapping", type=click.Path(path_type=Path), help="Mapping file (YAML/TOML) for --source csv"
)
@click.option("--lang", default="en", show_default=True, help="en or fr")
@click.option("--port", type=int, default=None, help="Port to listen on  [default: a free one]")
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help="Address to listen on; anything but loopback shows the data to your network",
)  # fmt: skip
def explore(source, inputs, mapping, lang, port, host):
    """Serve the interactive explorer as a local web app (Voilà) and print its URL.

    \b
    The inputs are read when a page opens; no other file is read. Ctrl-C stops the
    server and its kernels and removes what they wrote.
    """
    from .explorer_app import serve

    if port is not None and not 0 < port < 65536:
        raise ParameterError("--port", f"expected 1 to 65535, got {port}")
    serve(
        source=source, inputs=inputs, mapping=str(mapping or ""), lang=lang, host=host,
        port=port, echo=lambda line: click.echo(line),
    )  # fmt: skip


@cli.command()
@click.option("--lang", default="en", show_default=True, help="en or fr")
@click.option(
    "-o", "--output", "outdir", required=True, type=click.Path(path_type=Path), help="Output folder"
)
def teaching(lang, outdir):
    """Write the teaching kit: student handout (PDF), teacher's guide (PDF), student notebook.

    \b
    OUTPUT/student-handout-LANG.pdf   exercises, paper path, space to write, glossary (no answers)
    OUTPUT/teacher-guide-LANG.pdf     session plan, answers with working, misconceptions
    OUTPUT/student-notebook-LANG.ipynb  the exercises in Python; answers shown with show_answers
    """
    from . import kit
    from .i18n import check_lang

    check_lang(lang)
    if outdir.exists() and not outdir.is_dir():
        raise ParameterError("--output", f"{outdir} is a file; expected a folder")
    try:
        paths = kit.write_kit(outdir, lang=lang)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ParameterError("--output", f"cannot write to {outdir}: {reason}") from None
    for path in paths.values():
        click.echo(str(path))


@cli.group()
def notebooks():
    """The report notebooks shipped with the package."""


@notebooks.command("copy")
@click.argument("dest", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--lang", default="en", show_default=True, help="en or fr: the notebooks' language")
@click.option(
    "--sources", is_flag=True,
    help="Copy the bilingual sources with their paired .py scripts instead",
)  # fmt: skip
@click.option("--overwrite", is_flag=True, help="Replace notebooks already in DIR")
def copy_notebooks(dest, lang, sources, overwrite):
    """Copy the report notebooks, in one language, into DIR to read and edit them.

    Open them in JupyterLab; run a report from the edited copies with
    INCIDENTSTATS_NOTEBOOKS=DIR incidentstats report --lang LANG.
    """
    from .paths import copy_notebooks as copy

    try:
        paths = copy(dest, lang=lang, sources=sources, overwrite=overwrite)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ParameterError("DIR", f"cannot write to {dest}: {reason}") from None
    for path in paths:
        click.echo(str(path))


_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EPERM,
    errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP, errno.ENAMETOOLONG, errno.EIO,
}  # fmt: skip


def _interrupt(signum, frame):
    # SIGTERM (systemd stop, kill, a cron timeout) unwinds exactly like Ctrl-C, so an
    # interrupted run removes what it was writing.
    raise KeyboardInterrupt


#: Options of ``report`` that take several paths after one flag, as ``clean`` does.
_MULTI_PATH_OPTIONS = ("-i", "--input")


def spread_multi_paths(argv: list[str]) -> list[str]:
    """Rewrite ``report --input a b c`` (what a shell glob gives) as ``--input a --input b ...``.

    Every argument after ``-i``/``--input`` that does not start with ``-`` is one more
    input; ``report`` has no positional arguments, so nothing else is taken.

    Examples
    --------
    >>> spread_multi_paths(["report", "--input", "a.csv", "b.csv", "-p", "x=1"])
    ['report', '--input', 'a.csv', '--input', 'b.csv', '-p', 'x=1']
    >>> spread_multi_paths(["clean", "a.csv", "b.csv", "-o", "out"])
    ['clean', 'a.csv', 'b.csv', '-o', 'out']
    """
    if "report" not in argv:
        return list(argv)
    start = argv.index("report") + 1
    out, taking = list(argv[:start]), None
    for arg in argv[start:]:
        if arg == "--":
            taking = None
            out.append(arg)
        elif taking and not arg.startswith("-"):
            out += [taking, arg]
        elif arg in _MULTI_PATH_OPTIONS:
            taking = arg
            out.append(arg)
        elif arg.startswith("--input="):
            taking = "--input"
            out.append(arg)
        else:
            taking = None
            out.append(arg)
    # The flag itself appears once per value: drop the bare flag followed by a repeat.
    fixed = []
    for i, arg in enumerate(out):
        if arg in _MULTI_PATH_OPTIONS and i + 1 < len(out) and out[i + 1] in _MULTI_PATH_OPTIONS:
            continue
        fixed.append(arg)
    return fixed


def main(argv=None) -> int:
    """Console entry point: one-line errors, meaningful exit codes."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
        if hasattr(signal, "SIGXFSZ"):
            # Over a file-size limit (ulimit -f), writes fail with EFBIG and the run
            # ends with one line, instead of the process dying on the signal.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    argv = spread_multi_paths(sys.argv[1:] if argv is None else list(argv))
    try:
        cli.main(args=argv, prog_name="incidentstats", standalone_mode=False)
    except IncidentstatsError as exc:
        click.echo(f"incidentstats: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"incidentstats: error: {' '.join(exc.format_message().split())}", err=True)
        return EXIT_USAGE
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("incidentstats: interrupted", err=True)
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except OSError as exc:
        # Full disk, read-only file system, a file over the size limit, a folder that
        # vanished: the machine's state, not a bug in the code. One line, exit status 2.
        if exc.errno not in _ENVIRONMENT_ERRNOS:
            raise
        from .limits import shown_path

        where = f"{shown_path(exc.filename)}: " if exc.filename else ""
        click.echo(f"incidentstats: error: {where}{exc.strerror or exc}", err=True)
        return EXIT_USAGE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
