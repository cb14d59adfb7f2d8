"""What every reader shares: decoding files, parsing CSV as text, and the read result.

A reader turns one file into canonical incidents plus quarantined rows with reasons.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
from dataclasses import InitVar, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..limits import (
    MAX_INPUT_BYTES,
    check_field_bytes,
    check_frame_fields,
    check_name,
    check_regular_file,
    over_limit,
    path_problem,
    read_limited,
    shown_path,
)
from ..schema import conform, empty_quarantine

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
    b"PAR1": "a parquet file",
}


@dataclass
class ReadResult:
    """One file read by a reader.

    Attributes
    ----------
    incidents : DataFrame
        Canonical rows (``schema.conform`` applied), one per clean input row.
    quarantine : DataFrame
        Rows that could not be used: ``source_file, source_row, reason, raw``.
    rows_in : int
        Data rows in the file (header excluded). Rows outside the requested scope
        (e.g. a non-health industry) go to the quarantine with an "out of scope" reason,
        so ``rows_in == len(incidents) + len(quarantine)`` always holds.
    shared_ids : ndarray of bool, optional
        Which rows of ``incidents`` share their ``incident_id`` with another row, where
        the reader knows it already (``ingest`` then gives it to the dedupe); None if not
        worked out.
    ordered : bool, default False
        The reader vouches that ``incidents`` is in the canonical order already
        (``schema.sort_incidents``); ``ingest`` then places only the rows whose id the
        dedupe changes instead of sorting every row.
    lists_checked : bool, default False
        (Only at construction.) The reader vouches that the list columns of
        ``incidents`` hold Python lists, so ``conform`` does not look at every cell.
    """

    path: str
    format: str
    incidents: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    as_of: str | None = None  # a date the file itself states, ISO format
    kind: str | None = None  # what list the file is (e.g. HHS "archive"); None: the source's kind
    shared_ids: np.ndarray | None = field(default=None, repr=False)
    ordered: bool = False
    lists_checked: InitVar[bool] = False

    def __post_init__(self, lists_checked: bool):
        self.incidents = conform(self.incidents, check_lists=not lists_checked)
        if self.quarantine is None or self.quarantine.empty:
            self.quarantine = empty_quarantine()
        else:
            self.quarantine = self.quarantine.astype(
                {
                    "source_file": "string",
                    "source_row": "Int64",
                    "reason": "string",
                    "raw": "string",
                }
            )
        if self.shared_ids is not None and len(self.shared_ids) != len(self.incidents):
            raise AssertionError(f"{self.path}: shared_ids does not match the rows")
        if len(self.incidents) + len(self.quarantine) != self.rows_in:
            raise AssertionError(
                f"{self.path}: row accounting does not balance: {self.rows_in} in, "
                f"{len(self.incidents)} clean + {len(self.quarantine)} quarantined"
            )


def check_readable(path) -> Path:
    """Return ``path`` as a Path if it is an existing, non-empty regular file within the size limit.

    Checked before the file is opened: a FIFO, a device or a socket is refused and never
    blocks, and so is a symlink loop or a file over ``limits.MAX_INPUT_BYTES`` (for an
    Excel workbook, its unpacked size as well).
    """
    p = Path(path)
    check_name(p)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise InputError(shown_path(p), path_problem(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(shown_path(p), "is a directory, expected a file")
    check_regular_file(p)
    if st.st_size == 0:
        raise InputError(shown_path(p), "file is empty (0 bytes)")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        os.close(fd)
    except OSError as exc:  # permission denied, a file that vanished meanwhile
        raise InputError(
            shown_path(p), f"cannot be read ({exc.strerror or exc.__class__.__name__})"
        ) from None
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        check_workbook_size(p)
    return p


def check_workbook_size(path) -> None:
    """Refuse an Excel workbook whose unpacked parts exceed the input or field limit.

    A 1 GiB cell or a zip bomb is caught from the zip directory, before openpyxl
    inflates anything.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            sizes = [(info.filename, info.file_size) for info in zf.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the reader gives its own "not a readable Excel workbook" error
    total = sum(size for _, size in sizes)
    if total > MAX_INPUT_BYTES.value():
        raise InputError(
            shown_path(path), "unpacked workbook is " + over_limit(MAX_INPUT_BYTES, total)
        )


def sniff_binary(path, head: bytes, *, expected: str = "a CSV text file") -> None:
    """Raise InputError if ``head`` shows a binary file where text was expected."""
    if head.startswith(_ZIP_MAGIC):
        raise InputError(
            path, f"is a zip archive (or .xlsx) but has a text name; expected {expected}"
        )
    if head.startswith(_OLE_MAGIC):
        raise InputError(
            path, f"is a legacy Excel/OLE file but has a text name; expected {expected}"
        )
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise InputError(path, f"is {what}; expected {expected}")


_HIGH_RUN = re.compile(rb"([\x80-\xff]+)")


def decode_bytes(path, data: bytes, *, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; return ``(text, encoding_used)``.

    UTF-8 (with or without BOM) first; UTF-16 when it has a BOM; otherwise cp1252 with
    undecodable bytes replaced, which is what the 2009–2016 HHS exports need. A file
    mixing UTF-8 and cp1252 lines is decoded run by run (``"utf-8+cp1252"``).

    Examples
    --------
    >>> decode_bytes("x.csv", "Señora,".encode("utf-8") + "Général".encode("cp1252"))
    ('Señora,Général', 'utf-8+cp1252')
    >>> decode_bytes("x.csv", "café".encode("cp1252"))
    ('café', 'cp1252')
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.start + 1].hex()
            raise InputError(
                path, f"cannot be decoded as {encoding} (byte 0x{bad} at offset {exc.start})"
            ) from None
        except LookupError:
            raise InputError(path, f"cannot be decoded: unknown encoding {encoding!r}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if b"\x00" in data:
        raise InputError(
            path, "contains NUL bytes: not a text file (or UTF-16 without a byte-order mark)"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole. Each run of non-ASCII bytes that is valid UTF-8 is kept as
    # UTF-8 (a file pasted together from a UTF-8 and a cp1252 export); every other run
    # is cp1252. A file with no UTF-8 run at all is plain cp1252.
    parts = _HIGH_RUN.split(data)
    utf8_runs = 0
    for i in range(1, len(parts), 2):
        try:
            parts[i] = parts[i].decode("utf-8")
            utf8_runs += 1
        except UnicodeDecodeError:
            parts[i] = parts[i].decode("cp1252", errors="replace")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].decode("ascii")
    return "".join(parts), ("utf-8+cp1252" if utf8_runs else "cp1252")


def read_text(
    path, *, encoding: str | None = None, expected: str = "a CSV text file"
) -> tuple[str, str]:
    """Read and decode a text file, with clear errors for missing, empty, binary or huge files."""
    p = check_readable(path)
    data = read_limited(p)
    sniff_binary(p, data[:8], expected=expected)
    check_header_length(p, data[:MAX_HEADER_BYTES])
    check_field_bytes(p, data)
    text, used = decode_bytes(p, data, encoding=encoding)
    if not text.strip():
        raise InputError(p, "file holds only blank space")
    return text, used


def parse_csv_text(path, text: str, *, sep: str = ",") -> pd.DataFrame:
    """Parse CSV text into a DataFrame of strings ('' for empty), keeping every row.

    Raises InputError for a header-only file, duplicate column names, and rows with
    more fields than the header (a sign of a wrong delimiter or a truncated quote).
    """
    csv.field_size_limit(1 << 30)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skipinitialspace=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InputError(path, "no header row found") from None
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
        raise InputError(path, f"is not a well-formed CSV ({msg})") from None
    first_line = header_cells(path, text, sep=sep)
    seen, dupes = set(), set()
    for name in (c.strip() for c in first_line):
        (dupes if name in seen else seen).add(name)
    dupes = sorted(d for d in dupes if d)
    if dupes:
        raise InputError(path, f"has duplicate column names: {', '.join(dupes)}")
    if df.empty:
        raise InputError(path, "has a header but no data rows")
    check_frame_fields(path, df)
    return df


#: Longest header row read: every known export's header is a few hundred bytes.
MAX_HEADER_BYTES = 64 * 1024


def check_header_length(path, head: bytes) -> None:
    """Refuse a file whose first line (the header) runs past ``MAX_HEADER_BYTES``.

    ``head`` is the first ``MAX_HEADER_BYTES`` bytes of the file (or all of it).
    """
    if len(head) >= MAX_HEADER_BYTES and not any(c in head for c in (b"\n", b"\r")):
        raise InputError(
            shown_path(path),
            "the header row is longer than 64 KiB; expected a CSV export whose first line "
            "names its columns",
        )


def header_cells(path, text: str, *, sep: str = ",") -> list[str]:
    """The cells of the first record of CSV ``text`` (any line ending: LF, CRLF or CR).

    Examples
    --------
    >>> header_cells("x.csv", 'a,"b,c"\\r1,2\\r')
    ['a', 'b,c']
    """
    try:
        # newline="" keeps CR-only (classic Mac) line endings as record separators.
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), [])
    except csv.Error as exc:
        raise InputError(path, f"is not a well-formed CSV (header row: {exc})") from None


def diagnose_unrecognised(path) -> None:
    """Raise the most precise InputError for a file that no reader recognised.

    Called when ``source="auto"`` finds no reader: an empty, blank, binary, UTF-16
    without a byte-order mark, or wrongly delimited file gets a message saying so rather
    than "format not recognised". Returns quietly when it finds nothing more precise.
    """
    p = check_readable(path)
    with open(p, "rb") as fh:
        head = fh.read(64 * 1024)
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if not head.startswith((*_ZIP_MAGIC, _OLE_MAGIC)):
            what = "text" if b"\x00" not in head[:4096] else "binary data"
            raise InputError(p, f"has an Excel name but is not an Excel workbook (it holds {what})")
        return
    sniff_binary(p, head[:8], expected="a CSV or JSON text file")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        check_header_length(p, head)
    text, _ = decode_bytes(p, head)
    if not text.strip():
        raise InputError(p, "file holds only blank space")
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    for sep, shown, spelled in ((";", "';'", "';'"), ("\t", "tab", "tab"), ("|", "'|'", "'|'")):
        if first.count(sep) >= 2 and first.count(sep) > first.count(","):
            raise InputError(
                p,
                f"fields are separated by {shown}, not commas; HHS, PRC and VERIS exports are "
                "comma-separated: re-export it with commas, or read it as a register with "
                f"--source csv and a mapping that says separator: {spelled}",
            )


#: Dates parsed outside this window are moved to its edge before they become
#: nanosecond timestamps (which end in 1677 and 2262): the reader's own plausibility
#: check (before 1990, after the as-of date) then quarantines them with its reason.
_DATE_FLOOR, _DATE_CEILING = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31")


def fit_dates(parsed) -> pd.Series:
    """Parsed dates as ``datetime64[ns]``, years like 0001 or 9999 moved to 1900 or 2200.

    Only for plausibility checks that quarantine every date before 1990 or in the
    future, so a moved date is never kept.

    Examples
    --------
    >>> s = pd.to_datetime(pd.Series(["9999-03-15", "0001-01-01", "2020-05-01"]))
    >>> fit_dates(s).dt.year.tolist()
    [2200, 1900, 2020]
    """
    s = pd.Series(parsed)
    if not len(s):
        return s.astype("datetime64[ns]")
    s = s.mask(s.lt(_DATE_FLOOR), _DATE_FLOOR).mask(s.gt(_DATE_CEILING), _DATE_CEILING)
    return s.astype("datetime64[ns]")


#: A count with thousands separators where they belong: 1,234 or 12,345,678.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def ambiguous_count(text: str) -> bool:
    """True if ``text`` holds commas that are not thousands separators ("12,5", "1,2,3").

    Such a count could be 12.5, 125 or a list; it is quarantined, never guessed.

    Examples
    --------
    >>> [ambiguous_count(t) for t in ("1,234", "12,5", "1,2,3", "1200", ",5", "12,345,678")]
    [False, True, True, False, True, False]
    """
    t = str(text).strip()
    return "," in t and not _GROUPED.fullmatch(t)


def raw_json(row: pd.Series) -> str:
    """Serialise one input row for the quarantine table (truncated very long cells)."""
    out = {}
    for k, v in row.items():
        s = "" if v is None or (isinstance(v, float) and v != v) else str(v)
        out[str(k)] = s if len(s) <= 2000 else s[:2000] + f"…[{len(s)} chars]"
    return json.dumps(out, ensure_ascii=False)


def make_quarantine(raw: pd.DataFrame, reasons: pd.Series, *, source_file: str) -> pd.DataFrame:
    """Build quarantine rows for the rows of ``raw`` whose ``reasons`` is not empty.

    ``raw`` must carry a ``_row`` column with the 1-based data row number.
    """
    bad = reasons.fillna("").ne("")
    if not bad.any():
        return empty_quarantine()
    rows = raw.loc[bad]
    data_cols = [c for c in rows.columns if c != "_row"]
    return pd.DataFrame(
        {
            "source_file": source_file,
            "source_row": rows["_row"].astype("Int64").to_numpy(),
            "reason": reasons[bad].to_numpy(),
            "raw": [raw_json(r) for _, r in rows[data_cols].iterrows()],
        }
    )


def add_reason(reasons: pd.Series, mask: pd.Series, reason: str) -> pd.Series:
    """Append ``reason`` to ``reasons`` where ``mask`` is true ("; "-separated)."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return reasons
    out = reasons.copy()
    current = out[mask]
    out[mask] = current.where(current.eq(""), current + "; ") + reason
    return out
