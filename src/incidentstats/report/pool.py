"""The one worker pool: report lanes and batch runs each go to a child process.

Children die with their parent (and kill their kernels); a child that dies is a ``WorkerDied``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import signal
import sys
import threading
import time

from .kernels import kill_kernels_everywhere


def one_line_error(exc) -> str:
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        text = f"{ename}: {evalue}"
    else:
        text = f"{exc.__class__.__name__}: {exc}"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return " ".join(text.split())[:500]


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
        kill_kernels_everywhere()
        os._exit(137)

    threading.Thread(target=watch, name="incidentstats-parent-watch", daemon=True).start()


def _child_main(fn, item, conn, parent_pid=None) -> None:
    # What the child inherited (the modules the parent imported: nbconvert, WeasyPrint,
    # pandas...) is frozen, so that the child's garbage collections do not go through it
    # again (nor copy its memory pages by touching it): about 10% less CPU for a PDF.
    gc.freeze()
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
        conn.send((False, one_line_error(exc)))
        conn.close()
        return
    conn.send((True, result))
    conn.close()


def _add_items(items: list, results: list, queue: list, added) -> None:
    """Append ``added`` to ``items`` and put them at the head of the waiting ``queue``."""
    added = list(added or ())
    queue[:0] = range(len(items), len(items) + len(added))
    items.extend(added)
    results.extend([None] * len(added))


def run_in_processes(
    fn, items, *, jobs: int = 1, on_result=None, more=None, grace: float = 30.0
) -> list:
    """Call ``fn(item)`` for every item, ``jobs`` at a time, each in a child process.

    Returns the results in the order of ``items``. An exception in a child becomes its
    one-line message (a ``str``); a child that dies without a result (killed, out of
    memory) becomes a ``WorkerDied``. ``on_result(index, result)`` is called as each
    finishes. ``more(index, result)``, if given, is called next and may return further
    items, which run before those still waiting; their results follow in the order
    they were added. With ``jobs=1`` (or one item and no ``more``) everything runs in
    this process.

    If this process is interrupted (KeyboardInterrupt, or SIGTERM turned into one), the
    running children get SIGTERM, are given ``grace`` seconds to clean up, then are killed;
    the interrupt is re-raised.
    """
    import multiprocessing

    items = list(items)
    if multiprocessing.current_process().daemon:  # e.g. a Dask worker: no child processes
        jobs = 1
    if jobs <= 1 or (len(items) <= 1 and more is None):
        results = [None] * len(items)
        queue = list(range(len(items)))
        while queue:
            i = queue.pop(0)
            results[i] = fn(items[i])
            if on_result:
                on_result(i, results[i])
            if more:
                _add_items(items, results, queue, more(i, results[i]))
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
                if more:
                    _add_items(items, results, queue, more(i, results[i]))
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
