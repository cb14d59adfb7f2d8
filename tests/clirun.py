"""Run the ``incidentstats`` command many times without paying Python's start-up each time.

A fresh interpreter spends about half a second importing pandas, pyarrow and the readers
before ``incidentstats clean`` reads a byte. Here one server process (multiprocessing's
"forkserver", started once per test process) imports them once; each run is a fork of
that server, not of the test process, so it starts single-threaded and clean. The child
points its file descriptors 1 and 2 at files, executes the installed console script (the
same code as the ``incidentstats`` command), handles its exit and its uncaught exceptions
as the interpreter does, and always ends with ``os._exit``.

``console_script()`` gives the installed command, for the runs that must go through a true
process start-up.
"""

from __future__ import annotations

import locale
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

#: Imported once in the server, before any fork: the command and what its commands import.
PRELOAD = [
    "incidentstats.cli",
    "incidentstats.ingest",
    "incidentstats.report",
    "incidentstats.readers",
    "incidentstats.paths",  # what ``report`` imports before it checks its parameters
    "incidentstats.batch",
    "papermill",
    "pandas",
    "pyarrow.parquet",
    "openpyxl",
    "yaml",
]

_context = None


def console_script() -> Path:
    """The ``incidentstats`` script that ``pip install`` wrote beside this interpreter."""
    path = Path(sys.executable).with_name("incidentstats")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: install the package (pip install -e .) to test it")
    return path


def _forkserver():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def stop_server() -> None:
    """Stop this process's fork server, if it was started, and wait for it to exit.

    Its CPU time, and its children's, then counts in this process's (as a subprocess's
    does): ``time`` and ``getrusage`` see every run. Uses multiprocessing's own stop.
    """
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if _context is not None and stop is not None:
        stop()


@dataclass
class Run:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would give."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


@dataclass
class _Job:
    args: list[str | bytes]
    folder: Path
    cwd: str
    env: dict
    memory: int | None

    @property
    def streams(self) -> tuple[Path, Path]:
        return self.folder / "stdout", self.folder / "stderr"


def _child(script: str, job: _Job) -> None:
    """In the forked child: run the console script as the interpreter would, then exit."""
    code = 1
    try:
        stdout, stderr = job.streams
        for fd, path in ((1, stdout), (2, stderr)):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        os.chdir(job.cwd)
        os.environ.clear()
        os.environ.update(job.env)
        if job.memory:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (job.memory, job.memory))
        sys.argv = [script, *map(os.fsdecode, job.args)]  # as the interpreter decodes argv
        try:
            import runpy

            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as exc:  # the interpreter's handling of sys.exit(main())
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            sys.excepthook(*sys.exc_info())  # the traceback an uncaught exception prints
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                code = 120  # what the interpreter returns when its final flush fails
    finally:
        os._exit(code & 0xFF)


def run_many(
    runs,
    folder: Path | None = None,
    *,
    jobs: int = 2,
    memory: int | None = None,
    env: dict | None = None,
    cwd=None,
    timeout=300,
) -> dict:
    """Run each ``(key, args)`` of ``runs``, ``jobs`` at a time: {key: Run}.

    The children see this process's current folder and environment (``cwd`` and the
    variables of ``env`` replace them), as a subprocess started now would; ``memory`` caps
    their address space. ``folder`` keeps each run's captured output (default: a temporary
    folder, removed after).
    """
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="incidentstats-cli-") as scratch:
            return run_many(runs, Path(scratch), jobs=jobs, memory=memory, env=env, cwd=cwd,
                            timeout=timeout)  # fmt: skip
    context = _forkserver()
    script = str(console_script())
    environment = {**os.environ, **(env or {})}
    where = str(cwd or os.getcwd())
    todo = [(key, _Job([a if isinstance(a, bytes) else str(a) for a in args], folder / f"run{i}",
                       where, environment, memory)) for i, (key, args) in enumerate(runs)]  # fmt: skip
    encoding = locale.getpreferredencoding(False)
    running, done = {}, {}
    while todo or running:
        while todo and len(running) < jobs:
            key, job = todo.pop(0)
            job.folder.mkdir(parents=True)
            process = context.Process(target=_child, args=(script, job), daemon=True)
            process.start()
            running[process.sentinel] = (key, job, process, time.monotonic())
        for sentinel in wait(list(running), timeout=1):
            key, job, process, _ = running.pop(sentinel)
            process.join()
            out, err = (p.read_text(encoding=encoding) for p in job.streams)
            done[key] = Run(job.args, process.exitcode, out, err)
        for _key, job, process, started in list(running.values()):
            if time.monotonic() - started > timeout:
                process.kill()
                process.join()
                raise subprocess.TimeoutExpired(["incidentstats", *job.args], timeout)
    return done


def run(*args, memory: int | None = None, env: dict | None = None, cwd=None, timeout=300) -> Run:
    """One run of ``incidentstats ARGS`` in a fork of the server (see ``run_many``)."""
    return run_many([(0, args)], jobs=1, memory=memory, env=env, cwd=cwd, timeout=timeout)[0]
