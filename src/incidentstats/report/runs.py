"""Run folders: run ids, the ``.part`` folder a run is built in, ``latest``, stale clean-up.

A run is reserved atomically, marked with its owner, and renamed into place when done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import threading
import time
from pathlib import Path

from .._files import pid_alive, sha256_file, write_text
from ..errors import ParameterError, ReportError
from ..limits import shown_path

#: Names a run folder may not take, compared case-insensitively: ``latest`` is the link
#: to the newest run and ``LATEST`` its plain-text twin.
RESERVED_RUN_IDS = ("latest",)
#: A ``.part`` folder whose owner is gone, or older than this, is removed by the next run.
STALE_PART_HOURS = 12
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
OWNER_FILE = ".owner.json"


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


def safe_child(root: Path, name: str, what: str) -> Path:
    if not isinstance(name, str) or not RUN_ID.match(name) or ".." in name:
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
        why = "read-only file system" if read_only_fs(probe) else "permission denied"
        raise ParameterError("--output", f"cannot write to {shown}: {why}")
    return outdir


def read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def reserve(outdir: Path, plan) -> tuple[str, Path]:
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
        (work / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
        return run_id, work
    raise ReportError(f"no free run id for {plan.run_id!r} in {outdir}")


def publish_run(work: Path, outdir: Path, run_id: str, *, ok: bool) -> Path:
    """Rename a finished ``.part`` folder to ``<run_id>`` (``<run_id>-failed`` if not ``ok``).

    A successful run becomes ``latest``. Signals wait until the rename is done.
    """
    target = outdir / (run_id if ok else f"{run_id}-failed")
    with signals_deferred():
        (work / OWNER_FILE).unlink(missing_ok=True)
        if target.exists():  # only a previous -failed attempt of an explicitly named run
            shutil.rmtree(target)
        os.replace(work, target)
        if ok:
            point_latest(outdir, target.name)
    return target


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
        if not (part / OWNER_FILE).is_file() or part.is_symlink():
            continue
        owner = read_json(part / OWNER_FILE)
        if owner.get("tool") != "incidentstats":
            continue
        try:
            age_hours = (now - part.stat().st_mtime) / 3600
        except OSError:
            continue
        gone = (
            owner.get("host") == host
            and isinstance(owner.get("pid"), int)
            and not pid_alive(owner["pid"])
        )
        if gone or age_hours > max_age_hours:
            shutil.rmtree(part, ignore_errors=True)
            removed.append(part)
    return removed


@contextlib.contextmanager
def signals_deferred():
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


def describe_input(p: str) -> dict:
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


def data_meta(provenance: dict) -> dict:
    return {
        "data_source": provenance.get("source"),
        "input_paths": [
            i.get("path") for i in provenance.get("inputs") or [] if isinstance(i, dict)
        ],
        "dataset": provenance.get("dataset"),
        "as_of": provenance.get("as_of"),
        "period": provenance.get("period"),
        "warnings": provenance.get("warnings") or [],
        "warning_details": provenance.get("warning_details") or [],
    }


def read_json(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def point_latest(outdir: Path, name: str) -> None:
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
