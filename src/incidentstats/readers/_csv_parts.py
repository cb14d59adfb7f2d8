"""Parse a large CSV file in two parts on two threads, with the result of one parse.

pandas' C parser tokenises without holding the GIL, so two parsers, each reading its own
byte range of the file, run side by side. The file is cut after a line feed preceded by
an even number of double quotes: in RFC 4180 CSV that line feed ends a record (an odd
count means it lies inside a quoted field). A file that is not RFC 4180 (a quote inside
an unquoted field) could fool the count, so the cut is trusted only if the first part
parses without error: the parser then ended that part outside any quoted field, in the
state a parse of the whole file is in at that byte, so the second part starts a record.
Anything unusual (an error in either part, an inferred index, a different number of
columns) falls back to one parse of the whole file, which then gives its own result or
error.
"""

from __future__ import annotations

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

#: Files smaller than this are parsed in one piece (a thread costs more than it saves).
SPLIT_MIN_BYTES = 32 << 20
# A record boundary is looked for up to 16 MiB past the place aimed at, 1 MiB at a time;
# the quotes before that place are counted 8 MiB at a time.
_WINDOW = 1 << 20
_MAX_SEARCH = 16 << 20
_BLOCK = 8 << 20
_QUOTE, _LF = ord('"'), ord("\n")


class _ByteRange(io.RawIOBase):
    """Bytes ``start`` to ``stop`` (None: the end) of a file, as a readable binary stream.

    With ``cut`` (a ``_Cut``), the end is only known later: the bytes before ``near`` are
    read meanwhile, and a read at ``near`` waits until the cut is set.
    """

    def __init__(self, path, start: int, stop: int | None = None, *, near=None, cut=None):
        super().__init__()
        self._fh = open(path, "rb", buffering=0)
        self._fh.seek(start)
        self._pos, self._stop, self._near, self._cut = start, stop, near, cut

    def readable(self) -> bool:
        return True

    def _end(self) -> int | None:
        if self._cut is None:
            return self._stop
        if self._pos < self._near and not self._cut.known.is_set():
            return self._near
        self._cut.known.wait()
        return self._cut.at

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        end = self._end()
        if end is not None:
            view = view[: max(end - self._pos, 0)]
        if not len(view):
            return 0
        got = self._fh.readinto(view)
        self._pos += got
        return got

    def close(self) -> None:
        self._fh.close()
        super().close()


class _Cut:
    """Where the first part ends, set once by the thread that looks for it."""

    def __init__(self):
        self.known = threading.Event()
        self.at: int | None = None

    def set(self, at: int) -> None:
        self.at = at
        self.known.set()


def record_boundary(path, near: int) -> int | None:
    """The offset just after the first line feed at or after ``near`` that ends a record.

    That is the first line feed with an even number of ``"`` before it. Returns None if
    none lies within 16 MiB after ``near`` (or before the end of the file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes(b'a,b\\n"x\\ny",1\\n"z",2\\n')
    >>> [record_boundary(p, near) for near in (1, 5, 13, 18)]  # 6 is inside quotes
    [4, 12, 18, None]
    """
    quotes = 0
    block = bytearray(_BLOCK)
    values = np.frombuffer(block, dtype=np.uint8)
    with open(path, "rb", buffering=0) as fh:
        done = 0
        while done < near:
            got = fh.readinto(memoryview(block)[: min(_BLOCK, near - done)])
            if not got:
                return None
            quotes += int(np.count_nonzero(values[:got] == _QUOTE))
            done += got
        searched = 0
        while searched < _MAX_SEARCH:
            window = np.frombuffer(fh.read(_WINDOW), dtype=np.uint8)
            if not len(window):
                return None
            parity = (np.cumsum(window == _QUOTE) + quotes) % 2
            ends = np.flatnonzero((window == _LF) & (parity == 0))
            if len(ends):
                return near + searched + int(ends[0]) + 1
            quotes += int(np.count_nonzero(window == _QUOTE))
            searched += len(window)
    return None


def read_csv_parts(path, *, at: int | None = None, **options) -> pd.DataFrame:
    """``pd.read_csv(path, **options)``, parsed in two parts on two threads when worth it.

    ``options`` must leave the header to pandas (the default ``header="infer"`` with no
    ``names``) and must not skip rows or footers. The file is cut at the first record
    boundary after 55% of its bytes (see ``_parse_parts``), or after byte ``at`` if
    given (for tests); only a file of at least ``SPLIT_MIN_BYTES`` (any size with
    ``at``) on a machine with two CPUs or more. The result holds the values, column
    names, dtypes and RangeIndex of one parse; Arrow columns keep the parts' chunks,
    without copying them.
    """
    size = os.path.getsize(path)
    if at is None and (size < SPLIT_MIN_BYTES or (os.cpu_count() or 1) < 2):
        return pd.read_csv(path, **options)
    # The first part starts while the cut is looked for, so it is the larger one: the quote
    # count up to the cut runs about five times as fast as the parse of those bytes.
    parts = _parse_parts(path, size * 11 // 20 if at is None else at, size, options)
    return pd.read_csv(path, **options) if parts is None else parts


def _parse_parts(path, near: int, size: int, options: dict) -> pd.DataFrame | None:
    """The two parts joined, or None when they cannot stand for one parse.

    The first part is parsed on a helper thread from the start, while this thread looks
    for the cut (the first part's parser waits for it only if it reaches ``near``
    first), then parses the second part.
    """

    def parse(header, *where, **later) -> pd.DataFrame:
        with _ByteRange(path, *where, **later) as stream:
            return pd.read_csv(stream, header=header, **options)

    cut = _Cut()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-part") as pool:
        first = pool.submit(parse, "infer", 0, near=near, cut=cut)
        boundary = None
        try:
            boundary = record_boundary(path, near)
            if boundary is not None and boundary >= size:
                boundary = None
        except Exception:  # the parse of the whole file will say what is wrong
            boundary = None
        finally:
            # No cut (or an error): the first part ends at ``near``, and is not used.
            cut.set(near if boundary is None else boundary)
        rest = None
        if boundary is not None:
            try:
                rest = parse(None, boundary)
            except Exception:
                rest = None
        try:
            head = first.result()
        except Exception:
            head = None
    if head is None or rest is None:
        return None
    if (
        not isinstance(head.index, pd.RangeIndex)
        or not isinstance(rest.index, pd.RangeIndex)
        or len(rest.columns) != len(head.columns)
        or head.empty  # the header record reached past the cut
    ):
        return None
    rest.columns = head.columns
    if not all(a == b for a, b in zip(head.dtypes, rest.dtypes, strict=True)):
        return None
    return pd.concat([head, rest], ignore_index=True)
