"""Vectorised Arrow helpers of the HHS reader: text columns, descriptions and incident ids.

Used by :mod:`incidentstats.readers.hhs`; nothing here knows the HHS columns.
"""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import (
    MEMORY_POOL,  # for large Arrow buffers: see there why not the default
    take_rows,
)

_NULL_DESCRIPTIONS = ("", "\\N", "NULL", "null")
_NULL_SET = pa.array(_NULL_DESCRIPTIONS, type=pa.string())
# The ASCII bytes that Arrow's utf8_trim_whitespace strips (all that Python's isspace says).
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[:128] = (
    pc.binary_length(
        pc.utf8_trim_whitespace(pa.array([chr(b) + "." for b in range(128)]))
    ).to_numpy()
    == 1
)
try:  # string views (pyarrow >= 16) let the descriptions be copied once
    pc.cast(pa.array(["x"], pa.string_view()), pa.large_string())
    _STRING_VIEWS = True
except (AttributeError, pa.ArrowNotImplementedError):
    _STRING_VIEWS = False
# The characters for which Python's str.isspace() is true, spelled for RE2 (whose \s is
# ASCII-only), so that the vectorised name cleaning folds exactly what " ".join(s.split())
# would fold.
_RE2_SPACE = r"[\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}\p{Z}]"


# --- vectorised helpers ------------------------------------------------------------------


def _arrow_text(series: pd.Series) -> pa.ChunkedArray:
    """Return a text column as an Arrow string array with '' for missing cells.

    A column the CSV parser already holds as Arrow text is used as it is, chunks and all:
    ``pa.array`` would concatenate its chunks into a copy.
    """
    arr = None
    values = series.array
    if isinstance(values, pd.arrays.ArrowExtensionArray):
        arr = values.__arrow_array__()
    else:
        try:
            arr = pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        values = series.to_numpy(dtype=object)
        arr = pa.array(
            ["" if v is None or v is pd.NA or v != v else str(v) for v in values], type=pa.string()
        )
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _strings(values: list, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """``values[codes]`` as an Arrow-backed string array (None -> missing), without Python objects per row."""
    uniques = pa.array(values, type=pa.large_string())
    return pd.arrays.ArrowStringArray(pc.take(uniques, pa.array(codes), memory_pool=MEMORY_POOL))


def _constant_strings(value: str, m: int) -> pd.arrays.ArrowStringArray:
    """``m`` copies of ``value`` as an Arrow-backed string array, built by numpy.

    A tenth of the time of ``_strings([value], zeros)``, which copies the value row by row.

    Examples
    --------
    >>> _constant_strings("US", 3).tolist(), len(_constant_strings("é", 0))
    (['US', 'US', 'US'], 0)
    """
    raw = value.encode("utf-8")
    offsets = np.arange(m + 1, dtype=np.int64) * len(raw)
    text = pa.Array.from_buffers(
        pa.large_string(), m, [None, pa.py_buffer(offsets), pa.py_buffer(raw * m)]
    )
    return pd.arrays.ArrowStringArray(text)


def _np_bool(arr) -> np.ndarray:
    """Arrow boolean array (nulls as False) -> numpy bool array."""
    if arr.null_count:
        arr = pc.fill_null(arr, False, memory_pool=MEMORY_POOL)
    if isinstance(arr, pa.ChunkedArray):
        chunks = [c.to_numpy(zero_copy_only=False) for c in arr.chunks]
        return np.concatenate(chunks).astype(bool, copy=False) if chunks else np.zeros(0, bool)
    return arr.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _factorize(arr: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct values (as Python str) of a text column without missing cells."""
    if not arr.num_chunks:
        return np.zeros(0, dtype=np.int32), []
    encoded = pc.dictionary_encode(arr, memory_pool=MEMORY_POOL).combine_chunks(MEMORY_POOL)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return codes, encoded.dictionary.to_pylist()


def _object_array(items: list) -> np.ndarray:
    """A 1-D object array holding ``items`` as they are (numpy would make equal-length lists 2-D)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _fold_spaces(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Fold whitespace runs to one space and trim, like ``" ".join(s.split())``.

    Only the values that may need it are changed, found from the bytes: those with a
    space at either end or two in a row only need their spaces folded; those with an ASCII
    control character or a non-ASCII one (Unicode spaces) go through a regex.
    """
    out = []
    for chunk in arr.chunks:
        if not len(chunk):
            out.append(chunk)
            continue
        starts, ends, text = _locate(chunk)
        if ends[-1] == starts[0]:  # only empty values
            out.append(chunk)
            continue
        body = text[starts[0] : ends[-1]]
        full = ends > starts
        spaces = np.zeros(len(chunk), dtype=bool)
        spaces[full] = (text[starts[full]] == 32) | (text[ends[full] - 1] == 32)
        # The value holding byte p is the first whose end lies beyond p.
        double = np.flatnonzero((body[:-1] == 32) & (body[1:] == 32)) + starts[0]
        spaces[np.searchsorted(ends, double, side="right")] = True
        other = np.zeros(len(chunk), dtype=bool)
        special = np.flatnonzero((body < 0x20) | (body >= 0x80)) + starts[0]
        other[np.searchsorted(ends, special, side="right")] = True
        needs = spaces | other
        rows = np.flatnonzero(needs)
        if not len(rows):
            out.append(chunk)
            continue
        fixed = pc.take(chunk, pa.array(rows), memory_pool=MEMORY_POOL)
        regex = other[rows]
        if regex.any():
            folded = pc.replace_substring_regex(
                pc.filter(fixed, pa.array(regex)), _RE2_SPACE + "+", " "
            )
            fixed = pc.replace_with_mask(fixed, pa.array(regex), folded)
        fixed = pc.utf8_trim(pc.replace_substring_regex(fixed, "  +", " "), " ")
        out.append(pc.replace_with_mask(chunk, pa.array(needs), fixed, memory_pool=MEMORY_POOL))
    return pa.chunked_array(out, type=arr.type)


def _casefold(arr) -> np.ndarray:
    """``str.casefold`` of every value, UTF-8 encoded, as a numpy object array of bytes.

    Arrow lowers the ASCII rows (``ascii_lower``: a tenth of the time of ``utf8_lower``);
    the rows with a byte above 127 are folded by Python. Bytes rather than str: pandas
    hashes bytes as they are, and would encode every str first.
    """
    lowered = pc.ascii_lower(arr, memory_pool=MEMORY_POOL).cast(pa.large_binary())
    lowered = lowered.to_numpy(zero_copy_only=False)
    other = _non_ascii_rows(arr)
    if len(other):
        original = _take_chunked(arr, other).to_pylist()
        lowered[other] = [s.casefold().encode("utf-8") for s in original]
    return lowered


def _non_ascii_rows(arr) -> np.ndarray:
    """The rows of a string array (or chunked array) with a byte above 127, in order.

    Found from the bytes (one comparison over the text) rather than by Arrow's
    ``string_is_ascii``, which looks at each value in turn.

    Examples
    --------
    >>> _non_ascii_rows(pa.chunked_array([["a", "é", None], ["", "b", "Zoë"]])).tolist()
    [1, 5]
    """
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    found, lo = [], 0
    for chunk in chunks:
        if len(chunk):
            starts, ends, text = _locate(chunk)
            high = np.flatnonzero(text[starts[0] : ends[-1]] >= 0x80) + starts[0]
            rows = np.searchsorted(ends, high, side="right")  # the value holding each byte
            found.append(np.unique(rows) + lo)
        lo += len(chunk)
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _mentions(arr: pa.ChunkedArray, rows: np.ndarray, word: str) -> np.ndarray:
    """Which values mention ``word`` (any case), looking only at the ``rows`` marked True.

    The search (a case-blind regex in Arrow) costs as much as the text it reads, so the
    rows that do not need it are left out, chunk by chunk, to keep the copy small.
    """
    found = np.zeros(len(rows), dtype=bool)
    lo = 0
    for chunk in arr.chunks:
        hi = lo + len(chunk)
        wanted = rows[lo:hi]
        if wanted.any():
            part = chunk if wanted.all() else pc.filter(chunk, pa.array(wanted))
            hits = pc.match_substring(part, word, ignore_case=True, memory_pool=MEMORY_POOL)
            found[lo:hi][wanted] = _np_bool(hits)
        lo = hi
    return found


def _prepare_descriptions(arr: pa.ChunkedArray) -> tuple:
    """What ``_gather_descriptions`` needs, whichever rows are kept.

    Descriptions are most of an export's bytes, so their text is copied once, by the
    gather, into the large_string array that pandas stores. Here every value becomes a
    string view (16 bytes: its length, then its text if that fits, else its first bytes
    and where it lies) into the parser's buffers, leaving out surrounding ASCII
    whitespace; the few values that then start or end with a non-ASCII byte are stripped
    by Arrow, apart.

    Returns
    -------
    tuple
        (one view per row as an (n, 16) uint8 array, the buffers the views point into,
        which rows are missing). Without string views in pyarrow: (the stripped text,
        None, which rows are missing).
    """
    sources = [c for c in arr.chunks if len(c)]
    located = [_locate(c) for c in sources]
    if not _STRING_VIEWS or any(len(text) >= 2**31 for _, _, text in located):
        stripped = pc.utf8_trim_whitespace(arr, memory_pool=MEMORY_POOL)
        return stripped, None, _np_bool(pc.is_in(stripped, value_set=_NULL_SET))
    starts = np.concatenate([s for s, _, _ in located] or [np.zeros(0, np.int64)])
    ends = np.concatenate([e for _, e, _ in located] or [np.zeros(0, np.int64)])
    bounds = np.cumsum([0] + [len(c) for c in sources])
    groups, unicode_rows = [], []  # the rows whose view points into each source
    for k, (_, _, text) in enumerate(located):
        lo, hi = bounds[k], bounds[k + 1]
        unicode_edge = _strip_ascii_space(text, starts[lo:hi], ends[lo:hi])
        groups.append(np.flatnonzero(~unicode_edge) + lo)
        unicode_rows.append(np.flatnonzero(unicode_edge) + lo)
    rows = np.concatenate(unicode_rows or [np.zeros(0, np.int64)])
    if len(rows):  # Unicode whitespace is Arrow's to strip, from the original text
        stripped = pc.utf8_trim_whitespace(_take_chunked(arr, rows), memory_pool=MEMORY_POOL)
        stripped = stripped.combine_chunks(memory_pool=MEMORY_POOL)
        sources.append(stripped)
        located.append(_locate(stripped))
        starts[rows], ends[rows] = located[-1][0], located[-1][1]
        groups.append(rows)
    views = _string_views(starts, ends, groups, [text for _, _, text in located])
    words = views.view(np.uint32)  # (n, 4): length, then the first 4 bytes of the text
    missing = words[:, 0] == 0
    for marker in _NULL_DESCRIPTIONS:
        if marker:
            head = np.frombuffer(marker.encode("ascii").ljust(4, b"\0"), dtype=np.uint32)[0]
            missing |= (words[:, 0] == len(marker)) & (words[:, 1] == head)
    buffers = [c.buffers()[2] or pa.py_buffer(b"") for c in sources]
    return views, buffers, missing


def _gather_descriptions(prepared, rows: np.ndarray | None) -> pa.Array:
    """The stripped descriptions of ``rows`` (all by default), '\\N', 'NULL' and '' missing.

    ``prepared`` is what ``_prepare_descriptions`` returned, or a Future of it.
    """
    if isinstance(prepared, Future):
        prepared = prepared.result()
    views, buffers, missing = prepared
    if rows is not None:
        missing = missing[rows]
    if buffers is None:  # no string views: ``views`` is the stripped text itself
        text = pc.if_else(pa.array(missing), None, views if rows is None else views.take(rows))
        return pc.cast(text.combine_chunks(), pa.large_string(), memory_pool=MEMORY_POOL)
    return _view_text(views if rows is None else take_rows(views, rows), missing, buffers)


def _view_text(views: np.ndarray, missing: np.ndarray, buffers: list) -> pa.Array:
    """A large_string array (in ``MEMORY_POOL``) of the values that ``views`` point to.

    ``views`` are Arrow string views (16 bytes a value) into ``buffers``; the values where
    ``missing`` is true are null. The text is copied: once this returns, nothing holds
    ``buffers`` but the caller.
    """
    valid = ~missing
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    gathered = pa.Array.from_buffers(
        pa.string_view(),
        len(views),
        [bitmap, pa.py_buffer(views), *buffers],
        null_count=int(missing.sum()),
    )
    return pc.cast(gathered, pa.large_string(), memory_pool=MEMORY_POOL)


def _locate(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end) of every value of a string array in its data buffer, and that buffer."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
    offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)
    data = chunk.buffers()[2]
    text = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return offsets[:-1], offsets[1:], text


def _strip_ascii_space(text: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Move ``starts`` and ``ends`` (in place) past the ASCII whitespace around each value.

    Returns which values are left starting or ending with a non-ASCII byte.
    """
    for pos, step in ((starts, 1), (ends, -1)):
        rows = np.flatnonzero(starts < ends)
        while len(rows):
            rows = rows[_ASCII_SPACE[text[pos[rows] - (step < 0)]]]
            pos[rows] += step
            rows = rows[starts[rows] < ends[rows]]
    rows = np.flatnonzero(starts < ends)
    edge = np.zeros(len(starts), dtype=bool)
    edge[rows] = (text[starts[rows]] >= 0x80) | (text[ends[rows] - 1] >= 0x80)
    return edge


def _string_views(starts, ends, groups, texts) -> np.ndarray:
    """Arrow string views (n rows of 16 bytes) of the values ``texts[k][starts:ends]``.

    ``groups[k]`` holds the rows whose value lies in ``texts[k]``. A value of up to 12
    bytes is held in its view; a longer one is referenced by buffer (``k``) and offset,
    after its first 4 bytes.
    """
    length = ends - starts
    views = np.zeros((len(starts), 16), dtype=np.uint8)
    words = views.view(np.int32)
    words[:, 0] = length
    for k, (rows, text) in enumerate(zip(groups, texts, strict=True)):
        inline = length[rows] <= 12
        part = rows[inline]
        at, size = starts[part], length[part]
        for j in range(12):
            has = size > j
            views[part[has], 4 + j] = text[at[has] + j]
        long = rows[~inline]
        if len(long):  # the first 4 bytes, read as one (unaligned) word from where each starts
            words[long, 1] = np.ndarray((len(text) - 3,), np.int32, text, strides=(1,))[
                starts[long]
            ]
        words[long, 2] = k
        words[long, 3] = starts[long]
    return views


def _take_chunked(arr: pa.ChunkedArray, rows: np.ndarray) -> pa.ChunkedArray:
    """``arr.take(rows)`` for sorted ``rows``, chunk by chunk (Arrow would first concatenate the chunks)."""
    bounds = np.cumsum([0] + [len(c) for c in arr.chunks])
    cuts = np.searchsorted(rows, bounds)
    parts = [
        pc.take(chunk, pa.array(rows[a:b] - lo), memory_pool=MEMORY_POOL)
        for chunk, lo, a, b in zip(arr.chunks, bounds, cuts[:-1], cuts[1:], strict=False)
        if b > a
    ]
    return pa.chunked_array(parts, type=arr.type)


# The two hex digits of every byte, as the uint16 whose memory holds them in order.
_HEX_PAIRS = np.frombuffer("".join(f"{b:02x}" for b in range(256)).encode("ascii"), dtype=np.uint16)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _name_hashes(folded) -> np.ndarray:
    """pandas' hash of the case-folded UTF-8 bytes of each name: the name's part of the key.

    ``folded`` holds the names with their spaces folded (``_fold_spaces``: a chunked
    array), or is a Future of them.
    """
    if isinstance(folded, Future):
        folded = folded.result()
    # Chunk by chunk: the bytes objects of a few thousand names at a time, not a million.
    parts = [
        pd.util.hash_array(_casefold(pa.chunked_array([chunk])), categorize=False)
        for chunk in folded.chunks
    ]
    return np.concatenate(parts) if parts else np.zeros(0, np.uint64)


def _identity_hashes(
    name_hash: np.ndarray, state_hash: np.ndarray, day: np.ndarray, records: np.ndarray
) -> np.ndarray:
    """The 64-bit hash of each row's dedupe key, which ``_id_text`` spells as its id.

    ``name_hash`` is ``_name_hashes`` of the rows' names.
    """
    h = name_hash
    for part in (state_hash, pd.util.hash_array(day), pd.util.hash_array(records)):
        with np.errstate(over="ignore"):
            h = (h ^ part) * _MIX + np.uint64(0x7F4A7C15)
    return h


def _id_text(h: np.ndarray) -> pa.Array:
    """Content ids ``hhs-<16 hex>`` of the key hashes ``h``; equal keys give equal ids in any file.

    The hex digits are the hash's bytes, most significant first, so ids sort as the
    hashes do (see ``_canonical_order``).
    """
    out = np.empty((len(h), 20), dtype=np.uint8)
    out[:, :4] = np.frombuffer(b"hhs-", dtype=np.uint8)
    digits = _HEX_PAIRS[h.astype(">u8").view(np.uint8).reshape(-1, 8)]
    out[:, 4:] = digits.view(np.uint8).reshape(-1, 16)
    offsets = np.arange(0, 20 * len(h) + 1, 20, dtype=np.int64)
    return pa.Array.from_buffers(
        pa.large_string(), len(h), [None, pa.py_buffer(offsets), pa.py_buffer(out)]
    )


_DAY_NS = 86_400 * 10**9
_DAY_BITS = 15  # days after 1990-01-01 (the earliest date kept) up to 2079
_EPOCH_1990 = np.datetime64("1990-01-01", "ns").astype(np.int64)


def _canonical_order(dates: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    """``schema.canonical_row_order`` of rows dated ``dates`` (datetime64[ns]) with ids ``_id_text(h)``.

    By date, then id, then position. An id spells its hash's bytes most significant
    first, so ids sort as the hashes do, and the three keys fit one 64-bit number but
    for the hash's lowest 15 bits: the date's day in the top 15 bits, the hash's top
    49 below. One unstable sort of those numbers (numpy's vectorised quicksort: about
    a tenth of the time of a stable sort of two keys) is exact except among rows whose
    numbers are equal; those few runs are sorted again by the whole hash, then position.
    None when a date is missing, not a whole day or outside 1990-2079 (the caller then
    sorts the usual way).
    """
    n = len(h)
    if n and np.isnat(dates).any():
        return None
    since = dates.view(np.int64) - _EPOCH_1990  # nanoseconds after 1990-01-01
    if n and (since.min() < 0 or since.max() >= _DAY_NS << _DAY_BITS or np.any(since % _DAY_NS)):
        return None
    key = ((since // _DAY_NS).astype(np.uint64) << np.uint64(64 - _DAY_BITS)) | (
        h >> np.uint64(_DAY_BITS)
    )
    order = np.argsort(key, kind="quicksort")
    ranked = key[order]
    tied = np.flatnonzero(ranked[1:] == ranked[:-1])
    if len(tied):  # runs of equal numbers: by the whole hash, then position
        member = np.zeros(n, dtype=bool)
        member[tied] = member[tied + 1] = True
        spots = np.flatnonzero(member)
        rows = order[spots]
        order[spots] = rows[np.lexsort((rows, h[rows], ranked[spots]))]
    return order


def _gather_direct(prepared, keep: np.ndarray, edges: np.ndarray, after=()) -> list[pa.Array]:
    """The descriptions of ``keep`` gathered band by band straight from the parser's buffers.

    Each buffer is dropped from ``prepared``'s list (freed if nothing else holds it) once
    the band that holds its last kept value is gathered. The text is copied once; the
    memory pays off when the result follows the file's order, forwards or backwards (see
    ``_direct_pays``). The futures in ``after`` (other readers of the buffers, which keep
    them alive) are waited for first. Returns one large_string array per band.
    """
    if isinstance(prepared, Future):
        prepared = prepared.result()
    for future in after:
        future.result()
    views, buffers, missing = prepared
    last = _last_uses(take_rows(views, keep).view(np.int32), len(buffers))
    empty = pa.py_buffer(b"")
    for k in np.flatnonzero(last < 0).tolist():
        buffers[k] = None
    out = []
    for band in range(len(edges) - 1):
        lo, hi = edges[band], edges[band + 1]
        rows = keep[lo:hi]
        out.append(_view_text(take_rows(views, rows), missing[rows], [b or empty for b in buffers]))
        for k in np.flatnonzero((last >= lo) & (last < hi)).tolist():
            buffers[k] = None
    return out


def _last_uses(words: np.ndarray, count: int) -> np.ndarray:
    """For each of ``count`` buffers, the last result row whose value lies in it (-1: none).

    ``words`` are the result rows' string views as (m, 4) int32: length, first bytes,
    buffer, offset.
    """
    rows = np.flatnonzero(words[:, 0] > 12)
    last = np.full(count, -1, dtype=np.int64)
    np.maximum.at(last, words[rows, 2], rows)
    return last


def _direct_pays(prepared, keep: np.ndarray, edges: np.ndarray) -> bool:
    """Whether ``_gather_direct`` at its peak holds at most a quarter of the result more
    than the parser's buffers alone.

    True when the result follows the file's order (the reader without ``canonical_order``,
    or an export sorted by date): each buffer is then freed soon after it is first used.
    Otherwise (rows from all over the file in every band) the scatter/gather is needed.
    """
    if len(keep) > 1000 and np.count_nonzero(np.diff(keep[:: len(keep) // 1000]) > 0) in range(
        50, 950
    ):
        return False  # a sample of the rows goes back and forth through the file
    if isinstance(prepared, Future):
        prepared = prepared.result()
    views, buffers, _ = prepared
    words = take_rows(views, keep).view(np.int32)
    last = _last_uses(words, len(buffers))
    sizes = np.array([b.size for b in buffers], dtype=np.int64)
    band_of_last = np.searchsorted(edges, last, side="right") - 1  # -1: never used
    freed_after = np.zeros(len(edges), dtype=np.int64)  # bytes freed once band b is done
    np.add.at(freed_after, band_of_last + 1, sizes)
    alive = sizes.sum() - np.cumsum(freed_after)[:-1]  # source bytes held during band b
    lengths = words[:, 0].astype(np.int64)
    done = np.concatenate([[0], np.cumsum(lengths)])[edges[1:]]  # result bytes after band b
    return bool(np.max(alive + done, initial=0) <= sizes.sum() + done[-1] // 4)


def _libc(name: str):
    """The C library's function ``name`` through ctypes, or None (not there, or no ctypes)."""
    try:
        import ctypes

        return getattr(ctypes.CDLL(None), name)
    except (ImportError, OSError, AttributeError, TypeError):  # TypeError: Windows' CDLL(None)
        return None


_MALLOC_TRIM = _libc("malloc_trim")  # glibc only


def _trim_heap() -> None:
    """Hand the pages of freed memory back to the system.

    pandas' parser and numpy allocate with malloc, much of it on worker threads, whose
    heaps glibc shrinks only from their ends: freed columns in the middle stay counted in
    the process's memory until a trim (glibc only). jemalloc (``MEMORY_POOL``) keeps freed
    pages for reuse a while: those it holds unused are handed back too. On a 1,000,000-row
    export each call takes a few milliseconds and returns about 200 MB.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
    MEMORY_POOL.release_unused()


def _scatter_descriptions(prepared, keep: np.ndarray, edges: np.ndarray, taken, after=()) -> dict:
    """Copy the kept values of some source buffers into pieces, one per band; free the buffers.

    The first step of the banded gather (``_gather_band`` is the second). ``prepared`` is
    what ``_prepare_descriptions`` returned (or a Future of it), ``keep`` the source rows
    of the result in its order, ``edges`` the first result row of each band and one past
    the last. ``taken`` is an ``itertools.count()`` shared by the calls running side by
    side: each call takes the next buffer number from it until they run out, so that a
    thread slowed down (waiting for the GIL) copies fewer buffers. For each buffer, the
    kept values longer than 12 bytes (shorter ones are held in their views) of each band
    are copied, in result order, into one piece in ``MEMORY_POOL``; the buffer is then
    dropped from ``prepared``'s list, which frees it if nothing else holds it. The
    futures in ``after`` (other readers of the buffers) are waited for first.

    Returns
    -------
    dict
        {source: {band: (result rows, the piece: a large_string array)}}; each band takes
        its pieces out once gathered (see ``_gather_band``).
    """
    if isinstance(prepared, Future):
        prepared = prepared.result()
    for future in after:
        future.result()
    views, buffers, _ = prepared
    if buffers is None:  # no string views: ``_gather_band`` takes the rows itself
        return {}
    kept = take_rows(views, keep).view(np.int32)  # (m, 4): length, first bytes, buffer, offset
    runs = {}
    for k in iter(taken.__next__, None):
        if k >= len(buffers):
            break
        rows = np.flatnonzero((kept[:, 2] == k) & (kept[:, 0] > 12))
        cuts = np.searchsorted(rows, edges)
        pieces = {}
        for band in np.flatnonzero(cuts[1:] > cuts[:-1]).tolist():
            share = rows[cuts[band] : cuts[band + 1]]
            local = take_rows(kept, share)
            local[:, 2] = 0
            pieces[band] = (
                share,
                pc.cast(
                    pa.Array.from_buffers(
                        pa.string_view(), len(share), [None, pa.py_buffer(local), buffers[k]]
                    ),
                    pa.large_string(),
                    memory_pool=MEMORY_POOL,
                ),
            )
        runs[k] = pieces
        buffers[k] = None
    return runs


#: Each band is gathered in this many arrays: about the size of the pieces it is read
#: from, so that jemalloc hands the pages of the pieces of the bands done to the arrays
#: of the bands to come, instead of asking the system for fresh pages.
_BAND_PARTS = 16
#: jemalloc's unused pages are handed back after every this many bands (see ``_gather_band``).
_RELEASE_EVERY = 2


def _gather_band(prepared, keep: np.ndarray, edges: np.ndarray, band: int, scattered) -> list:
    """Result rows ``edges[band]`` to ``edges[band + 1]``, from the scattered pieces.

    ``scattered`` holds the Futures of the ``_scatter_descriptions`` calls. The band is
    gathered in ``_BAND_PARTS`` large_string arrays, with '\\N', 'NULL' and '' missing
    as in ``_gather_descriptions``; its pieces are then freed. Their pages go back to
    jemalloc, which gives them to the arrays of later bands; every ``_RELEASE_EVERY``
    bands, those it still holds unused are handed back to the system, so that the
    gathered and the scattered text are not both whole in memory.
    """
    if isinstance(prepared, Future):
        prepared = prepared.result()
    views, buffers, missing = prepared
    lo, hi = int(edges[band]), int(edges[band + 1])
    if buffers is None:
        return [_gather_descriptions(prepared, keep[lo:hi])]
    local = take_rows(views, keep[lo:hi])
    words = local.view(np.int32)
    runs = {}
    for future in scattered:
        runs.update(future.result())
    data = []
    for pieces in runs.values():
        if band in pieces:
            share, piece = pieces[band]
            offsets = np.frombuffer(piece.buffers()[1], dtype=np.int64)[: len(share) + 1]
            part = share - lo
            words[part, 2] = len(data)
            words[part, 3] = offsets[:-1]
            data.append(piece.buffers()[2])
    gone = missing[keep[lo:hi]]
    cuts = np.linspace(0, hi - lo, _BAND_PARTS + 1).astype(np.int64)
    out = [
        _view_text(local[a:z], gone[a:z], data)
        for a, z in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)
        if z > a
    ]
    del data
    for pieces in runs.values():
        pieces.pop(band, None)
    if band % _RELEASE_EVERY == _RELEASE_EVERY - 1:
        MEMORY_POOL.release_unused()
    return out or [pa.array([], pa.large_string())]
