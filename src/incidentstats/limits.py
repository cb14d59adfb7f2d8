"""Resource limits on what the project reads: sizes, YAML aliases, nesting depth.

One place declares every limit, its default and the environment variable that changes it.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError

MIB = 1 << 20


@dataclass(frozen=True)
class Limit:
    """One limit: its name, default value, environment variable and what it bounds."""

    name: str
    default: int
    env: str
    what: str

    def value(self) -> int:
        """The limit in force: the environment variable if set, else the default."""
        raw = os.environ.get(self.env)
        if raw is None or not raw.strip():
            return self.default
        try:
            value = int(raw.strip().replace("_", ""))
        except ValueError:
            value = -1
        if value < 1:
            raise ParameterError(self.env, f"expected a positive whole number, got {raw!r}")
        return value


MAX_INPUT_BYTES = Limit(
    "max_input_bytes", 512 * MIB, "INCIDENTSTATS_MAX_INPUT_BYTES",
    "size of one input file (an Excel workbook: its unpacked size)",
)  # fmt: skip
MAX_FIELD_BYTES = Limit(
    "max_field_bytes", 1 * MIB, "INCIDENTSTATS_MAX_FIELD_BYTES",
    "size of one field of a CSV or Excel input, or one string of a JSON input",
)  # fmt: skip
MAX_CONFIG_BYTES = Limit(
    "max_config_bytes", 1 * MIB, "INCIDENTSTATS_MAX_CONFIG_BYTES",
    "size of a --params, --matrix or mapping file",
)  # fmt: skip
MAX_YAML_ALIASES = Limit(
    "max_yaml_aliases", 100, "INCIDENTSTATS_MAX_YAML_ALIASES",
    "YAML aliases (*name) in one --params, --matrix or mapping file",
)  # fmt: skip
MAX_CONFIG_NODES = Limit(
    "max_config_nodes", 100_000, "INCIDENTSTATS_MAX_CONFIG_NODES",
    "values (scalars, lists and tables, aliases expanded) in one configuration file",
)  # fmt: skip
MAX_DEPTH = Limit(
    "max_depth", 64, "INCIDENTSTATS_MAX_DEPTH",
    "nesting depth of lists and tables in a configuration file (YAML or TOML)",
)  # fmt: skip

LIMITS = (
    MAX_INPUT_BYTES, MAX_FIELD_BYTES, MAX_CONFIG_BYTES, MAX_YAML_ALIASES, MAX_CONFIG_NODES,
    MAX_DEPTH,
)  # fmt: skip

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def describe_bytes(n: int) -> str:
    """``n`` bytes in words a reader can check.

    Examples
    --------
    >>> describe_bytes(512 * MIB), describe_bytes(1500), describe_bytes(3 * 1024)
    ('512 MiB', '1,500 bytes', '3 KiB')
    """
    for unit, size in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"


def over_limit(limit: Limit, actual: int | None = None) -> str:
    """The end of an error message for going over ``limit``."""
    value = limit.value()
    shown = f" ({describe_bytes(actual)})" if actual is not None and "bytes" in limit.name else ""
    bound = describe_bytes(value) if "bytes" in limit.name else f"{value:,}"
    return f"over the limit of {bound} on the {limit.what}{shown}; set {limit.env} to change it"


def path_problem(exc: OSError) -> str:
    """A short phrase for an OSError met while looking at a path."""
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if exc.errno == errno.ENAMETOOLONG:
        return "has a name too long for the file system"
    if exc.errno == errno.ENOENT:
        return "file not found"
    if exc.errno == errno.EACCES:
        return "cannot be read (permission denied)"
    return f"cannot be read ({exc.strerror or exc.__class__.__name__})"


def shown_path(path) -> str:
    """``path`` as text that can be printed: undecodable bytes in a name become escapes.

    Examples
    --------
    >>> shown_path(os.fsdecode(b"x\\xff.csv"))
    'x\\\\xff.csv'
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_name(path) -> None:
    """Refuse a path whose name holds bytes that are not UTF-8.

    Such a name cannot be written into the UTF-8 outputs (CSV, parquet, JSON) that
    record where each row came from; renaming the file is the honest fix.
    """
    shown = shown_path(path)
    if shown != os.fspath(path):
        raise InputError(shown, "file name is not valid UTF-8; rename the file")


def check_regular_file(
    path, *, limit: Limit = MAX_INPUT_BYTES, what: str = "file"
) -> os.stat_result:
    """Stat ``path`` (following links) and refuse anything but a regular file within ``limit``.

    Checked before the file is opened, so a FIFO or a device never blocks the reader.
    Raises InputError (one line, naming the file) for a missing file, a symlink loop, a
    special file, or a file over the limit.
    """
    check_name(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(shown_path(path), path_problem(exc)) from None
    except ValueError:  # embedded NUL byte in the name
        raise InputError(shown_path(path), "is not a valid file name") from None
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        raise InputError(shown_path(path), f"is {kind}; expected a regular {what}")
    if st.st_size > limit.value():
        raise InputError(shown_path(path), over_limit(limit, st.st_size))
    return st


def read_limited(path, *, limit: Limit = MAX_INPUT_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file, refusing special files and files over ``limit``.

    The file is opened without blocking and checked again once open, so a file swapped
    for a FIFO between the check and the open, or one that grows, is still refused.
    """
    check_regular_file(path, limit=limit, what=what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(shown_path(path), path_problem(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(shown_path(path), f"is not a regular file; expected a regular {what}")
        cap = limit.value()
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > cap:
                raise InputError(shown_path(path), over_limit(limit, None))
    finally:
        os.close(fd)
    return b"".join(chunks)


# Quotes count as separators: a quoted field's run must not include the quotes around it
# (a 200-byte description is 202 bytes with them). A field made of quotes escapes this
# pre-check but not the exact one on the parsed cells (``check_frame_fields``).
_SEPARATORS = np.zeros(256, dtype=bool)
_SEPARATORS[[ord(c) for c in ',;\t|\n\r"']] = True


def longest_unbroken_run(data: bytes, *, chunk: int = 16 * MIB) -> int:
    """The longest run of bytes without a field or line separator or quote (``, ; tab | LF CR "``).

    A CSV field is at least as long as any such run inside it, so a run over the field
    limit proves a field over it, found before a parser allocates for it.

    Examples
    --------
    >>> longest_unbroken_run(b"ab,cdef\\ngh")
    4
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    longest, last = 0, -1
    for start in range(0, len(arr), chunk):
        idx = np.flatnonzero(_SEPARATORS[arr[start : start + chunk]]) + start
        if len(idx):
            gaps = np.diff(idx, prepend=last)
            longest = max(longest, int(gaps.max()) - 1)
            last = int(idx[-1])
    return max(longest, len(arr) - last - 1)


def _first_separator(view: np.ndarray) -> int:
    """Index of the first separator in ``view``, or its length; looks at little when near."""
    start, width = 0, 256
    while start < len(view):
        hits = np.flatnonzero(_SEPARATORS[view[start : start + width]])
        if len(hits):
            return start + int(hits[0])
        start, width = start + width, width * 4
    return len(view)


def run_longer_than(arr: np.ndarray, cap: int) -> bool:
    """True if the bytes ``arr`` hold a run of more than ``cap`` bytes without a separator.

    Any ``cap`` consecutive positions include a multiple of ``cap``, so such a run covers
    one of the positions 0, cap, 2 cap, ...: only the runs through those are measured, and
    a file of short fields is barely read (the whole file need not be in memory).

    Examples
    --------
    >>> data = np.frombuffer(b"a,bb\\n" + b"c" * 50 + b";d", dtype=np.uint8)
    >>> run_longer_than(data, 49), run_longer_than(data, 50)
    (True, False)
    """
    if len(arr) > 4096 * cap:  # so many probes that one pass over every byte is cheaper
        return longest_unbroken_run(arr) > cap
    for p in range(0, len(arr), max(cap, 1)):
        if _SEPARATORS[arr[p]]:
            continue
        right = _first_separator(arr[p : p + cap + 1])
        left = _first_separator(arr[max(0, p - cap - 1) : p][::-1])
        if left + right > cap:
            return True
    return False


def check_field_bytes(path, data: bytes) -> None:
    """Refuse ``data`` (a text file's bytes) if one field is surely over the field limit."""
    cap = MAX_FIELD_BYTES.value()
    if len(data) > cap and run_longer_than(np.frombuffer(data, dtype=np.uint8), cap):
        raise InputError(shown_path(path), "a field is " + over_limit(MAX_FIELD_BYTES))


@contextlib.contextmanager
def open_regular(path, *, expected: str):
    """Open ``path`` for reading and yield ``(fd, stat)``, refusing anything but a regular file.

    Opened with O_NONBLOCK and checked with ``fstat`` on the open descriptor, so a FIFO
    never blocks and the file checked is the file read. ``expected`` ends the one-line
    error ("expected a VERIS JSON file").
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(shown_path(path), path_problem(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(shown_path(path), f"is not a regular file; expected {expected}")
        yield fd, st
    finally:
        os.close(fd)


def check_file_field_bytes(path) -> None:
    """``check_field_bytes`` on a file, mapped rather than read: a large CSV is not held
    in memory a second time before its parser reads it."""
    check_regular_file(path)
    cap = MAX_FIELD_BYTES.value()
    with open_regular(path, expected="a regular file") as (fd, st):
        if st.st_size <= cap:
            return
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
            arr = np.frombuffer(mapped, dtype=np.uint8)
            too_long = run_longer_than(arr, cap)
            del arr  # the map cannot close while a view of it exists
    if too_long:
        raise InputError(shown_path(path), "a field is " + over_limit(MAX_FIELD_BYTES))


def _arrow_bytes_within(series, cap: int) -> bool:
    """True if ``series`` is Arrow text none of whose cells is longer than ``cap`` bytes.

    Read from the offsets alone: counting characters reads every byte of the text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = series.array
    if not isinstance(values, pd.arrays.ArrowExtensionArray):
        return False
    arr = values.__arrow_array__()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    longest = pc.max(pc.binary_length(arr)).as_py()
    return longest is None or longest <= cap


def check_frame_fields(path, df) -> None:
    """Refuse a frame of text cells if one cell is longer than the field limit."""
    cap = MAX_FIELD_BYTES.value()
    for col in df.columns:
        series = df[col]
        if _arrow_bytes_within(series, cap):
            continue  # no cell has more bytes, so none has more characters
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            lengths = series.astype("string").str.len()
            if len(lengths) and lengths.max(skipna=True) is not None and (lengths > cap).any():
                row = int(np.flatnonzero((lengths > cap).fillna(False).to_numpy())[0]) + 1
                raise InputError(
                    shown_path(path), f"data row {row}: a field is " + over_limit(MAX_FIELD_BYTES)
                )
    if any(len(str(c)) > cap for c in df.columns):
        raise InputError(shown_path(path), "a header cell is " + over_limit(MAX_FIELD_BYTES))


# --- configuration documents (YAML, TOML) -------------------------------------------------


def _limited_loader():
    import yaml

    aliases_cap = MAX_YAML_ALIASES.value()

    class LimitedSafeLoader(yaml.SafeLoader):
        """yaml.SafeLoader that refuses documents with more aliases than the limit."""

        aliases = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > aliases_cap:
                    raise _TooMany(MAX_YAML_ALIASES)
            return super().compose_node(parent, index)

    return LimitedSafeLoader


class _TooMany(Exception):
    def __init__(self, limit: Limit):
        self.limit = limit
        super().__init__(limit.name)


def yaml_load(text: str, *, label: str):
    """``yaml.safe_load`` with limits on size, aliases, nesting and expanded size.

    Raises InputError naming ``label`` when a limit is exceeded; YAML syntax errors
    propagate as ``yaml.YAMLError`` for the caller to word.

    Examples
    --------
    >>> yaml_load("a: [1, 2]", label="x.yaml")
    {'a': [1, 2]}
    """

    if len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES.value():
        raise InputError(label, over_limit(MAX_CONFIG_BYTES))
    loader = _limited_loader()(text)
    try:
        data = loader.get_single_data()
    except _TooMany as exc:
        raise InputError(label, f"has too many YAML aliases: {over_limit(exc.limit)}") from None
    except RecursionError:
        raise InputError(label, f"is nested too deeply: {over_limit(MAX_DEPTH)}") from None
    finally:
        loader.dispose()
    check_document(data, label=label)
    return data


def check_document(data, *, label: str, max_nodes: int | None = None) -> None:
    """Refuse a parsed document nested deeper, or with more values, than the limits allow.

    Shared values (YAML aliases) are counted each time they appear, which is what a
    program walking the document pays for them.
    """
    depth_cap = MAX_DEPTH.value()
    nodes_cap = MAX_CONFIG_NODES.value() if max_nodes is None else max_nodes
    count = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > nodes_cap:
            raise InputError(label, f"holds too many values: {over_limit(MAX_CONFIG_NODES)}")
        if isinstance(node, dict | list | tuple):
            if depth > depth_cap:
                raise InputError(label, f"is nested too deeply: {over_limit(MAX_DEPTH)}")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
            if isinstance(node, dict):
                count += len(node)  # the keys


def read_config_text(path, *, what: str) -> str:
    """The UTF-8 text of a configuration file (params, matrix, mapping), size-limited."""
    data = read_limited(path, limit=MAX_CONFIG_BYTES, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(shown_path(path), f"{what} is not UTF-8 text") from None


def toml_load(text: str, *, label: str) -> dict:
    """``tomllib.loads`` with the size and depth limits; syntax errors propagate."""
    import tomllib

    if len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES.value():
        raise InputError(label, over_limit(MAX_CONFIG_BYTES))
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError(label, f"is nested too deeply: {over_limit(MAX_DEPTH)}") from None
    check_document(data, label=label)
    return data


def describe_limits() -> list[dict]:
    """Every limit with its default, the value in force and its environment variable."""
    return [
        {
            "name": lim.name,
            "default": lim.default,
            "value": lim.value(),
            "env": lim.env,
            "bounds": lim.what,
        }
        for lim in LIMITS
    ]


def real_path(path) -> Path:
    """``Path(path).resolve()``, with a symlink loop as a one-line InputError."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError) as exc:  # Python < 3.13 raises RuntimeError for a loop
        problem = path_problem(exc) if isinstance(exc, OSError) else "is a symbolic link loop"
        raise InputError(shown_path(path), problem) from None
