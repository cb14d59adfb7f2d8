"""The kernels this process started, so an interrupted run (or an orphaned worker) kills them.

Every kernel is started through ``kernel_manager_class()``, which records it here.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading

# Kernels started by this process, by thread, so an interrupted run can kill its own.
_KERNELS: dict[int, list] = {}
_KERNELS_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class ReportKernelManager(AsyncKernelManager):
        """A kernel manager that remembers its kernel so it can be killed on interrupt."""

        async def start_kernel(self, **kw):
            await super().start_kernel(**kw)
            with _KERNELS_LOCK:
                _KERNELS.setdefault(threading.get_ident(), []).append(self)

    return ReportKernelManager


def kill_kernels() -> None:
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


def kill_kernels_everywhere() -> None:
    """Kill every kernel this process started, whichever thread started it."""
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
