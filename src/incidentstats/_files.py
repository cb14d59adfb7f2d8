"""Atomic output writing and CSV formula neutralisation.

Every file the project writes goes through here, so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pandas as pd

# OWASP "CSV Injection": cells starting with these characters are run as formulas by
# spreadsheet programs. Tab and carriage return are included as OWASP recommends.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_path(path, *, mode: int = 0o644):
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    The temporary file is removed if the block raises, so readers of ``path`` see either
    the old complete file or the new complete file, never a partial one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


def json_text(obj) -> str:
    """``obj`` as sorted, indented JSON text ending in a newline (stable from run to run)."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n"


def write_json(path, obj) -> Path:
    """Write ``obj`` as sorted, indented JSON atomically."""
    return write_text(path, json_text(obj))


def neutralise_formula(value):
    """Return ``value`` made inert for spreadsheets (OWASP CSV injection guidance).

    Strings starting with ``= + - @`` or a tab/CR get a leading single quote; numbers
    are left alone, and so is text that is only a number (``-12``, ``+3.5``,
    ``-1,234``): a negative number is not a formula.

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("-12"), neutralise_formula(-12), neutralise_formula("-2+3+cmd|' /C calc'!A0")
    ('-12', -12, "'-2+3+cmd|' /C calc'!A0")
    >>> neutralise_formula("Mercy Hospital")
    'Mercy Hospital'
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_PREFIXES):
        return value
    if value[0] in "+-" and _SIGNED_NUMBER.fullmatch(value):
        return value
    return "'" + value


# A signed decimal number, with optional thousands commas and exponent: nothing else
# (not "-inf", "-1+2", "-0x1F") is let through unquoted.
_SIGNED_NUMBER = re.compile(r"[+-](?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")


def _cell_to_text(value):
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_labels(level) for level in index.levels])
    if index.dtype == object or pd.api.types.is_string_dtype(index):
        return index.map(lambda v: neutralise_formula(v) if isinstance(v, str) else v)
    return index


def safe_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells and labels are formula-neutralised, lists joined.

    Column names and index labels can come from the data too (a crosstab's columns are
    regions or categories), so they are neutralised like cells.
    """
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.map(
                lambda v: neutralise_formula(_cell_to_text(v)), na_action="ignore"
            )
    out.columns = _safe_labels(out.columns)
    out.index = _safe_labels(out.index)
    return out


def dump_csv(df: pd.DataFrame, path, *, index: bool = False) -> None:
    """Write ``df`` as UTF-8 CSV to ``path`` (callers make it atomic).

    Text cells are neutralised and always quoted, numbers never (OWASP: wrap text in
    double quotes). Quoting every text cell also keeps a lone carriage return inside a
    cell inside its cell: minimal quoting leaves it bare, and spreadsheets start a new
    row there, where the rest of the cell would be read as a formula.
    """
    safe_csv_frame(df).to_csv(
        path, index=index, lineterminator="\n", encoding="utf-8", quoting=csv.QUOTE_NONNUMERIC
    )


def write_csv(path, df: pd.DataFrame, *, index: bool = False) -> Path:
    """Write ``df`` as UTF-8 CSV atomically, neutralising spreadsheet formulas."""
    with atomic_path(path) as tmp:
        dump_csv(df, tmp, index=index)
    return Path(path)


_HASH_BLOCK = 1 << 20


def _hash_from(digest, path, start: int = 0):
    """``digest`` updated with the bytes of ``path`` from byte ``start`` on, read in blocks."""
    with open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        for block in iter(lambda: fh.read(_HASH_BLOCK), b""):
            digest.update(block)
    return digest


def sha256_file(path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    return _hash_from(hashlib.sha256(), path).hexdigest()


#: Files at least this large are hashed by a child process (see ``BackgroundHash``).
PROCESS_HASH_BYTES = 64 * 2**20

# The child: the lowest priority, then the file's SHA-256 (hashlib reads and hashes it in
# C, without a Python loop) printed in hex.
_CHILD_HASH = (
    "import hashlib, os, sys\n"
    "if hasattr(os, 'nice'):\n"
    "    os.nice(19)\n"
    "with open(sys.argv[1], 'rb', buffering=0) as fh:\n"
    "    print(hashlib.file_digest(fh, 'sha256').hexdigest())\n"
)
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class BackgroundHash:
    """The SHA-256 of a file, hashed in the background at the lowest priority, finished on demand.

    A file of ``PROCESS_HASH_BYTES`` or more is hashed by a child Python process (nice
    19 where there is one). A thread of this process would need the GIL for each block,
    and the caller's Python work (the dedupe, the sort) holds it most of the time: the
    thread then hashed a block every few milliseconds, and a large file's hash was left
    for the end. ``result()`` never waits for the child: it hashes the file itself,
    looking after each block whether the child has finished, and takes whichever digest
    comes first; a child that cannot start or fails leaves it all to ``result()``.

    A smaller file is hashed on a thread that lowers its own scheduling priority (nice
    19, on Linux) and waits for one of ``SLOTS``. ``result()`` takes the last state the
    thread published (at most one block behind) and hashes the rest itself, at the
    caller's priority, so a busy machine cannot starve the hash either.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> BackgroundHash(p).result()[:16]
    'ba7816bf8f01cfea'
    """

    BLOCK = _HASH_BLOCK
    #: At most this many threads hash at a time (an ingest of many files starts one each).
    SLOTS = threading.BoundedSemaphore(2)

    def __init__(self, path, *, start: bool = True):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._state = (hashlib.sha256(), 0)  # (digest so far, bytes hashed)
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._child: subprocess.Popen | None = None
        if not start:
            return
        with contextlib.suppress(OSError):
            if self.path.stat().st_size >= PROCESS_HASH_BYTES:
                self._child = _start_child_hash(self.path)
        if self._child is None:
            self._thread.start()

    def _run(self) -> None:
        if sys.platform.startswith("linux"):  # elsewhere the id below is not a thread's
            with contextlib.suppress(AttributeError, OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        digest, done = hashlib.sha256(), 0
        with self.SLOTS, contextlib.suppress(OSError), open(self.path, "rb", buffering=0) as fh:
            while not self._stopped:
                block = fh.read(self.BLOCK)
                if not block:
                    return
                digest.update(block)
                done += len(block)
                with self._lock:
                    if self._stopped:
                        return
                    self._state = (digest.copy(), done)

    def result(self) -> str:
        """The hex digest: the background's work, and the rest hashed here."""
        if self._child is not None:
            return self._race_child()
        with self._lock:
            self._stopped = True
            digest, done = self._state
        return _hash_from(digest.copy(), self.path, done).hexdigest()

    def _race_child(self) -> str:
        """Hash the file here, block by block, until done or the child has its digest."""
        child, self._child = self._child, None
        digest = hashlib.sha256()
        try:
            with open(self.path, "rb", buffering=0) as fh:
                while True:
                    if child is not None and child.poll() is not None:
                        finished, child = child, None
                        out = finished.communicate()[0].decode("ascii", "replace").strip()
                        if finished.returncode == 0 and _HEX_DIGEST.fullmatch(out):
                            return out
                        # It failed: the hash here goes on alone.
                    block = fh.read(self.BLOCK)
                    if not block:
                        return digest.hexdigest()
                    digest.update(block)
        finally:
            if child is not None:
                _stop_child(child)

    def cancel(self) -> None:
        """Stop the background hash (the result is not needed)."""
        with self._lock:
            self._stopped = True
        child, self._child = self._child, None
        if child is not None:
            _stop_child(child)


def _start_child_hash(path: Path) -> subprocess.Popen | None:
    """A child Python process printing the SHA-256 of ``path``, or None if none can start."""
    if not sys.executable:
        return None
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _CHILD_HASH, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        return None


def _stop_child(child: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        child.kill()
    child.communicate()


# --- sets of files published as one unit ---------------------------------------------------

#: Inside an output folder: the complete sets (``.sets/<id>/``) and the link to the one in
#: force (``.current``). Each published name is a link through ``.current``.
SETS_DIR, CURRENT_LINK = ".sets", ".current"


def publish_set(outdir, writers: dict) -> dict[str, Path]:
    """Write a set of files and publish them together: readers see the old set or the new.

    ``writers`` maps each file name to a function that writes that file at the path it
    is given. Every file is written into a new folder ``outdir/.sets/<id>.part``; once all
    are complete (and flushed to disk) the folder loses its ``.part`` suffix and one
    atomic ``rename`` of the ``outdir/.current`` link switches from the old set to the
    new. ``outdir/<name>`` are links through ``.current``, so a crash or SIGKILL at any
    point leaves every name showing the old set or every name showing the new set,
    never a mix. Old sets are removed afterwards; a set left by a killed process is
    removed by the next call.

    Where the file system has no symbolic links, each file is renamed into place in
    turn (no mix of half files, but no set guarantee).

    Returns
    -------
    dict
        Name -> ``outdir/<name>``.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    sets = out / SETS_DIR
    created_sets = not sets.exists()
    sets.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", suffix=".part", dir=sets))
    try:
        os.chmod(work, 0o755)  # mkdtemp makes it private; the outputs are as readable as before
        for name, write in writers.items():
            write(work / name)
            _fsync(work / name)
        final = work.with_name(work.name.removesuffix(".part"))
        os.rename(work, final)
        work = final
        _fsync(sets)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        if created_sets:
            with contextlib.suppress(OSError):
                sets.rmdir()
        raise
    try:
        _replace_link(out / CURRENT_LINK, f"{SETS_DIR}/{work.name}")
    except OSError:
        if hasattr(os, "symlink") and os.name != "nt":
            shutil.rmtree(work, ignore_errors=True)
            raise
        return _publish_without_links(out, work, writers)
    for name in writers:
        link = out / name
        target = f"{CURRENT_LINK}/{name}"
        if not (link.is_symlink() and os.readlink(link) == target):
            _replace_link(link, target)
    _fsync(out)
    _remove_old_sets(sets, keep=work.name)
    return {name: out / name for name in writers}


def _replace_link(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _publish_without_links(out: Path, work: Path, writers: dict) -> dict[str, Path]:
    for name in writers:
        os.replace(work / name, out / name)
    shutil.rmtree(work, ignore_errors=True)
    return {name: out / name for name in writers}


def _remove_old_sets(sets: Path, *, keep: str) -> None:
    """Remove every set but ``keep``, and ``.part`` sets whose writing process is gone."""
    for entry in sets.iterdir():
        if entry.name == keep or not entry.is_dir() or entry.is_symlink():
            continue
        if entry.name.endswith(".part"):
            pid = entry.name.split("-", 1)[0]
            # our own leftovers (an earlier, failed call) go; another live process's stay
            if pid.isdigit() and int(pid) != os.getpid() and pid_alive(int(pid)):
                continue  # another process is writing this set right now
        shutil.rmtree(entry, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """True if a process with this id runs on this machine (also when it is not ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    """Flush a file or a folder's entries to disk (best effort: not every system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
