"""Reader for your own incident register (CSV or Excel), described by a mapping file.

The mapping (YAML or TOML, schema ``version: 1``) names the columns, formats and labels.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from .. import taxonomy
from ..errors import InputError, ParameterError
from ..limits import path_problem, read_config_text, shown_path, toml_load, yaml_load
from .base import (
    ReadResult,
    add_reason,
    check_readable,
    fit_dates,
    make_quarantine,
    parse_csv_text,
    read_text,
)

SOURCE = "csv"
MAPPING_VERSION = 1
MAX_RECORDS = 1_000_000_000  # same typo guard as the HHS reader
EARLIEST = pd.Timestamp("1990-01-01")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

#: Canonical fields a mapping may provide under ``columns``.
FIELDS = (
    "incident_id",
    "reported_date",
    "occurred_date",
    "organisation",
    "organisation_type",
    "region",
    "country",
    "categories",
    "records_affected",
    "patient_impact",
    "business_associate",
    "description",
    "locations",
    "impacts",
)
MULTI_FIELDS = ("categories", "locations", "impacts")
#: Fields whose values must end up as taxonomy codes, and the codes allowed.
TAXONOMY_FIELDS = {
    "categories": taxonomy.CATEGORIES,
    "organisation_type": taxonomy.ORGANISATION_TYPES,
    "locations": taxonomy.LOCATIONS,
    "impacts": taxonomy.IMPACTS,
}
#: Fields with free values that a value map may still translate.
FREE_FIELDS = ("country", "region")
DEFAULTABLE = ("country", "region", "organisation_type")
EXTRA_TYPES = ("text", "number", "count", "date", "boolean")
DEFAULT_TRUE = ("oui", "yes", "true", "vrai", "o", "y", "1")
DEFAULT_FALSE = ("non", "no", "false", "faux", "n", "0")

_TOP_KEYS = {
    "version": "the mapping schema version, 1",
    "about": "free text describing the register",
    "source": "short label written in the 'source' column (default 'csv')",
    "as_of": "ISO date the register was extracted",
    "encoding": "text encoding, e.g. utf-8, cp1252, latin-1",
    "separator": "one-character field separator, e.g. ';'",
    "decimal": "decimal mark, '.' or ','",
    "thousands": "thousands separator, e.g. ' ' or '.'",
    "comment": "prefix of comment lines above the header, e.g. '#'",
    "sheet": "Excel worksheet name or 0-based index",
    "date_format": "strftime format of the dates, e.g. '%d/%m/%Y'",
    "multi_separator": "separator inside multi-valued cells, e.g. ' + '",
    "columns": "canonical field -> column name",
    "defaults": "value used when a column is absent or a cell is blank",
    "required": "canonical fields whose blank cells quarantine the row",
    "true_values": "words meaning yes",
    "false_values": "words meaning no",
    "values": "value maps: field -> {label: taxonomy code}",
    "extras": "extra columns kept after the canonical ones",
}

RULES = [
    "csv: columns, formats and labels come from a mapping file (YAML or TOML, schema version 1)",
    "csv: multi-valued cells (categories, locations, impacts) are split on the mapping's multi_separator",
    "csv: a label missing from the mapping's value maps becomes 'other' and is listed in the "
    "read notes; source_categories keep the labels verbatim",
    "csv: label matching ignores case and repeated spaces, not accents",
    "csv: incident_id is the mapped id column, else a hash of the text of every mapped field",
    "csv: rows with a blank required field, an unparseable or implausible date, a non-numeric, "
    "negative or fractional count, or an unrecognised yes/no word are quarantined",
    "csv: patient_impact = yes adds the 'patient_safety' impact",
]


@dataclass(frozen=True)
class RegisterMapping:
    """A validated mapping (see ``load_mapping``); ``label`` names its file in messages."""

    label: str
    columns: dict
    source: str = SOURCE
    about: str | None = None
    as_of: str | None = None
    encoding: str | None = None
    separator: str = ","
    decimal: str = "."
    thousands: str | None = None
    comment: str | None = None
    sheet: int | str = 0
    date_format: str = "%Y-%m-%d"
    multi_separator: str | None = None
    defaults: dict | None = None
    required: tuple = ()
    true_values: frozenset = frozenset(DEFAULT_TRUE)
    false_values: frozenset = frozenset(DEFAULT_FALSE)
    values: dict | None = None  # field -> {normalised label: code or tuple of codes}
    extras: dict | None = None  # name -> (column, type)

    @property
    def primary_date(self) -> str:
        """The date field every row needs: reported_date if mapped, else occurred_date."""
        return "reported_date" if "reported_date" in self.columns else "occurred_date"


# --- the mapping file -------------------------------------------------------------------


def normalise_label(value) -> str:
    """Fold a label for matching: Unicode NFC, single spaces, case-folded; accents kept.

    Examples
    --------
    >>> normalise_label("  Rançongiciel ")
    'rançongiciel'
    >>> normalise_label("Erreur   HUMAINE")
    'erreur humaine'
    """
    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()


def load_mapping(mapping) -> RegisterMapping:
    """Read and validate a register mapping.

    Parameters
    ----------
    mapping : path-like, dict or RegisterMapping
        A ``.yaml``/``.yml``/``.toml`` file, or the same content as a dict.

    Returns
    -------
    RegisterMapping

    Raises
    ------
    InputError
        Naming the mapping file, for an unreadable file, unknown keys or bad values.

    Examples
    --------
    >>> m = load_mapping({"version": 1, "columns": {"reported_date": "Date", "organisation": "Who"}})
    >>> m.primary_date, m.required
    ('reported_date', ('organisation',))
    """
    if isinstance(mapping, RegisterMapping):
        return mapping
    if isinstance(mapping, dict):
        return _validate_mapping(mapping, "<mapping dict>")
    if isinstance(mapping, str | os.PathLike):
        path = Path(mapping)
        return _validate_mapping(_read_mapping_file(path), str(path))
    raise ParameterError(
        "mapping", f"expected a YAML/TOML file path or a dict, got {type(mapping).__name__}"
    )


def _read_mapping_file(path: Path) -> dict:
    try:
        st = os.stat(path)
    except OSError as exc:
        problem = path_problem(exc)
        raise InputError(
            shown_path(path), "mapping file not found" if problem == "file not found" else problem
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(path, "is a directory, expected a YAML or TOML mapping file")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".toml"):
        raise InputError(
            path, f"mapping file must end in .yaml, .yml or .toml, not {suffix or 'nothing'!r}"
        )
    # Size-limited and regular files only (a FIFO never blocks); aliases and nesting bounded.
    text = read_config_text(path, what="mapping file")
    if suffix == ".toml":
        try:
            data = toml_load(text, label=shown_path(path))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(path, f"is not valid TOML ({exc})") from None
    else:
        try:
            data = yaml_load(text, label=shown_path(path))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or exc.__class__.__name__
            raise InputError(path, f"is not valid YAML ({where}{problem})") from None
    if not isinstance(data, dict):
        raise InputError(
            path, "mapping must be a table of keys (version, columns, ...), not a list or a scalar"
        )
    return data


def _validate_mapping(data: dict, label: str) -> RegisterMapping:
    def fail(problem: str):
        raise InputError(label, problem)

    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        fail(
            f"unknown key(s) {', '.join(map(repr, unknown))}; expected some of {', '.join(_TOP_KEYS)}"
        )
    version = data.get("version")
    if version is None:
        fail(f"missing 'version: {MAPPING_VERSION}' (the mapping schema version)")
    if version != MAPPING_VERSION or isinstance(version, bool):
        fail(
            f"unsupported mapping version {version!r}; this incidentstats reads version {MAPPING_VERSION}"
        )

    def text(key, *, allow_empty=False) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (not value and not allow_empty):
            fail(f"{key!r} must be non-empty text (quote it), got {value!r}")
        return value

    # --- columns
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        fail("'columns' must map canonical fields to column names, e.g. organisation: Structure")
    bad = sorted(str(k) for k in columns if k not in FIELDS)
    if bad:
        fail(
            f"columns: unknown field(s) {', '.join(map(repr, bad))}; expected some of {', '.join(FIELDS)}"
        )
    for fld, col in columns.items():
        if not isinstance(col, str) or not col.strip():
            fail(f"columns.{fld} must be a column name (text), got {col!r}")
    if not {"reported_date", "occurred_date"} & set(columns):
        fail("columns must name reported_date and/or occurred_date")

    # --- formats
    encoding = text("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            fail(
                f"encoding {encoding!r} is not a known text encoding (try utf-8, cp1252 or latin-1)"
            )
    separator = text("separator") or ","
    if separator.lower() in ("tab", "\\t"):
        separator = "\t"
    if len(separator) != 1 or separator in '"\r\n':
        fail(f"separator must be one character such as ';' or ',' (or 'tab'), got {separator!r}")
    decimal = text("decimal") or "."
    if decimal not in (".", ","):
        fail(f"decimal must be '.' or ',', got {decimal!r}")
    thousands = text("thousands", allow_empty=True) or None
    if thousands is not None and (
        thousands == decimal or len(thousands) != 1 or thousands.isdigit()
    ):
        fail(
            f"thousands must be one character, not a digit, different from decimal; got {thousands!r}"
        )
    comment = text("comment")
    sheet = data.get("sheet", 0)
    if (
        isinstance(sheet, bool)
        or not isinstance(sheet, int | str)
        or (isinstance(sheet, int) and sheet < 0)
    ):
        fail(f"sheet must be a worksheet name or a 0-based index, got {sheet!r}")
    date_format = text("date_format") or "%Y-%m-%d"
    _check_date_format(date_format, fail)
    multi = text("multi_separator", allow_empty=False)
    source = text("source") or SOURCE
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", source):
        fail(f"source must be a short lower-case label like 'register-fr', got {source!r}")
    as_of = (
        text("as_of") if not isinstance(data.get("as_of"), dt.date) else data["as_of"].isoformat()
    )
    if as_of is not None:
        try:
            as_of = pd.Timestamp(as_of).strftime("%Y-%m-%d")
        except (ValueError, TypeError):
            fail(f"as_of must be an ISO date like 2024-06-30, got {as_of!r}")
    about = data.get("about")
    if about is not None and not isinstance(about, str):
        fail("'about' must be text")

    # --- defaults, required
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        fail("'defaults' must map fields to values, e.g. country: FR")
    for fld, value in defaults.items():
        if fld not in DEFAULTABLE:
            fail(
                f"defaults: field {fld!r} cannot have a default; expected some of {', '.join(DEFAULTABLE)}"
            )
        if not isinstance(value, str) or not value.strip():
            fail(f"defaults.{fld} must be text, got {value!r}")
    if (
        "organisation_type" in defaults
        and defaults["organisation_type"] not in taxonomy.ORGANISATION_TYPES
    ):
        fail(
            f"defaults.organisation_type {defaults['organisation_type']!r} is not an organisation type; "
            f"expected one of {', '.join(taxonomy.ORGANISATION_TYPES)}"
        )
    if "required" in data:
        required = data["required"]
        if not isinstance(required, list) or not all(isinstance(f, str) for f in required):
            fail("'required' must be a list of canonical fields, e.g. [organisation, region]")
        for fld in required:
            if fld not in FIELDS:
                fail(f"required: unknown field {fld!r}; expected some of {', '.join(FIELDS)}")
            if fld not in columns:
                fail(f"required: field {fld!r} is not mapped under 'columns'")
        required = tuple(dict.fromkeys(required))
    else:
        required = ("organisation",) if "organisation" in columns else ()

    # --- yes/no words
    words = {}
    for key, default in (("true_values", DEFAULT_TRUE), ("false_values", DEFAULT_FALSE)):
        given = data.get(key)
        if given is None:
            words[key] = frozenset(default)
            continue
        if not isinstance(given, list) or not given:
            fail(f"{key!r} must be a non-empty list of words")
        for w in given:
            if not isinstance(w, str | int) or isinstance(w, bool):
                fail(f'{key}: {w!r} is not text (in YAML, quote words like "yes"/"no")')
        words[key] = frozenset(normalise_label(w) for w in given)
    clash = words["true_values"] & words["false_values"]
    if clash:
        fail(
            f"word(s) {', '.join(sorted(map(repr, clash)))} are in both true_values and false_values"
        )

    # --- value maps
    values_in = data.get("values") or {}
    if not isinstance(values_in, dict):
        fail("'values' must map fields to {label: code} tables")
    values: dict[str, dict] = {}
    for fld, table in values_in.items():
        if fld not in TAXONOMY_FIELDS and fld not in FREE_FIELDS:
            fail(
                f"values: field {fld!r} has no value map; expected some of {', '.join([*TAXONOMY_FIELDS, *FREE_FIELDS])}"
            )
        if not isinstance(table, dict):
            fail(f"values.{fld} must be a table of label: code")
        allowed = TAXONOMY_FIELDS.get(fld)
        out = {}
        for raw_label, code in table.items():
            if not isinstance(raw_label, str):
                fail(
                    f'values.{fld}: label {raw_label!r} is not text (in YAML, quote labels like "No")'
                )
            codes = code if isinstance(code, list) and fld in MULTI_FIELDS else [code]
            if not codes or not all(isinstance(c, str) and c for c in codes):
                fail(f"values.{fld}: {raw_label!r} must map to a code (text), got {code!r}")
            if allowed is not None:
                wrong = [c for c in codes if c not in allowed]
                if wrong:
                    fail(
                        f"values.{fld}: {raw_label!r} -> {wrong[0]!r} is not a taxonomy code; "
                        f"expected one of {', '.join(allowed)}"
                    )
            key = normalise_label(raw_label)
            if key in out and out[key] != tuple(codes):
                fail(f"values.{fld}: label {raw_label!r} is mapped twice to different codes")
            out[key] = tuple(codes)
        values[fld] = out

    # --- extras
    extras_in = data.get("extras") or {}
    if not isinstance(extras_in, dict):
        fail("'extras' must map new column names to {column: ..., type: ...}")
    extras = {}
    for name, spec in extras_in.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            fail(f"extras: name {name!r} must be snake_case, e.g. cost_eur")
        if name in _canonical_names():
            fail(f"extras: {name!r} is a canonical column; map it under 'columns' instead")
        if isinstance(spec, str):
            spec = {"column": spec}
        if (
            not isinstance(spec, dict)
            or not isinstance(spec.get("column"), str)
            or not spec["column"].strip()
        ):
            fail(f"extras.{name} must be a column name or {{column: ..., type: ...}}")
        kind = spec.get("type", "text")
        if kind not in EXTRA_TYPES or set(spec) - {"column", "type"}:
            fail(
                f"extras.{name}: type must be one of {', '.join(EXTRA_TYPES)} (keys: column, type)"
            )
        extras[name] = (spec["column"], kind)

    return RegisterMapping(
        label=label,
        columns=dict(columns),
        source=source,
        about=about,
        as_of=as_of,
        encoding=encoding,
        separator=separator,
        decimal=decimal,
        thousands=thousands,
        comment=comment,
        sheet=sheet,
        date_format=date_format,
        multi_separator=multi,
        defaults=dict(defaults),
        required=required,
        true_values=words["true_values"],
        false_values=words["false_values"],
        values=values,
        extras=extras,
    )


def _canonical_names() -> set[str]:
    from ..schema import ALL_COLUMNS

    return set(ALL_COLUMNS)


def _check_date_format(fmt: str, fail) -> None:
    if "%" not in fmt:
        fail(f"date_format {fmt!r} has no strftime directive; expected e.g. '%d/%m/%Y'")
    if not re.search(r"%[Yy]", fmt):
        fail(f"date_format {fmt!r} has no year (%Y or %y)")
    sample = dt.datetime(2001, 2, 3, 4, 5, 6)
    try:
        ok = dt.datetime.strptime(sample.strftime(fmt), fmt).date() == sample.date()
    except ValueError:
        ok = False
    if not ok:
        fail(
            f"date_format {fmt!r} is not a usable strftime format (it does not read back what it writes)"
        )


# --- reading the register -----------------------------------------------------------------


def read_register(path, *, mapping=None) -> ReadResult:
    """Read a CSV or Excel incident register into canonical incidents, using a mapping.

    Parameters
    ----------
    path : path-like
        The register: ``.csv``/``.txt`` text, or an ``.xlsx``/``.xlsm``/``.xls`` workbook.
    mapping : path-like or dict
        The mapping (YAML or TOML file, or a dict with the same keys); see
        ``docs/taxonomy.md`` and ``data/raw/examples/register_fr_example.yaml``.

    Returns
    -------
    ReadResult
        ``notes`` lists labels that were not in the value maps (set to ``other``).

    Examples
    --------
    >>> from pathlib import Path
    >>> ex = Path(__file__).resolve().parents[3] / "data" / "raw" / "examples"
    >>> r = read_register(ex / "register_fr_example.csv", mapping=ex / "register_fr_example.yaml")
    >>> r.rows_in, len(r.incidents), len(r.quarantine)
    (32, 30, 2)
    """
    if mapping is None:
        raise ParameterError(
            "mapping",
            "the 'csv' reader needs a mapping file (YAML or TOML) naming the register's columns; "
            "see data/raw/examples/register_fr_example.yaml",
        )
    m = load_mapping(mapping)
    p = check_readable(path)
    notes: list[str] = []
    if p.suffix.lower() in EXCEL_SUFFIXES:
        raw, dropped = _read_excel(p, m)
        used, fmt = "excel", "csv-excel"
        if dropped:
            notes.append(f"{dropped} blank row(s) in the worksheet ignored")
    else:
        text, used = read_text(p, encoding=m.encoding)
        text = _strip_comment_lines(text.lstrip("\ufeff"), m.comment)
        if not text.strip():
            raise InputError(p, f"holds only comment lines starting with {m.comment!r}")
        raw = parse_csv_text(p, text, sep=m.separator)
        fmt = "csv"
    result = parse_register_frame(raw, m, source_file=str(p))
    result.format = fmt
    result.encoding = used
    result.notes = notes + result.notes
    return result


def _strip_comment_lines(text: str, comment: str | None) -> str:
    """Drop the comment (and blank) lines above the header row.

    Only leading lines go: a '#' further down may sit inside a quoted multi-line cell.
    """
    if not comment:
        return text
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and (lines[i].startswith(comment) or not lines[i].strip()):
        i += 1
    return "".join(lines[i:])


def _read_excel(path: Path, m: RegisterMapping) -> tuple[pd.DataFrame, int]:
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl/xlrd raise many types for corrupt files
        raise InputError(
            path, f"is not a readable Excel workbook ({exc.__class__.__name__})"
        ) from None
    with book:
        sheet = m.sheet
        if isinstance(sheet, int) and sheet >= len(book.sheet_names):
            raise InputError(
                path, f"has no worksheet {sheet} (0-based); sheets: {', '.join(book.sheet_names)}"
            )
        if isinstance(sheet, str) and sheet not in book.sheet_names:
            raise InputError(
                path,
                f"has no worksheet {sheet!r} (from {m.label}); sheets: {', '.join(book.sheet_names)}",
            )
        grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    grid = grid.astype(object).where(grid.notna(), "")
    blank = grid.apply(lambda r: all(isinstance(v, str) and not v.strip() for v in r), axis=1)
    first = 0
    while first < len(grid) and (
        blank.iloc[first]
        or (
            m.comment
            and isinstance(grid.iloc[first, 0], str)
            and grid.iloc[first, 0].startswith(m.comment)
        )
    ):
        first += 1
    if first >= len(grid):
        raise InputError(path, "worksheet has no header row")
    header = [_cell_text(v) for v in grid.iloc[first]]
    body = grid.iloc[first + 1 :]
    keep = ~blank.iloc[first + 1 :]
    dropped = int((~keep).sum())
    body = body.loc[keep]
    named = [h for h in header if h]
    dupes = sorted({h for h in named if named.count(h) > 1})
    if dupes:
        raise InputError(path, f"has duplicate column names: {', '.join(dupes)}")
    header = [h or f"Unnamed: {i}" for i, h in enumerate(header)]
    body = pd.DataFrame(body.to_numpy(), columns=header)
    if body.empty:
        raise InputError(path, "worksheet has a header but no data rows")
    return body, dropped


def _cell_text(value) -> str:
    """One cell as stripped text (Excel cells may be numbers, dates or booleans)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | pd.Timestamp):
        value = pd.Timestamp(value)
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(series) and series.map(lambda v: isinstance(v, str)).all():
        return series.astype(str).str.strip()
    return series.map(_cell_text).astype(str)


def _resolve_columns(m: RegisterMapping, header, source_file) -> dict[str, str]:
    """Return {canonical field or extra name -> header}; InputError if some are missing."""
    header = [str(h) for h in header]
    exact = set(header)
    folded: dict[str, list[str]] = {}
    for h in header:
        folded.setdefault(normalise_label(h), []).append(h)
    wanted = {**m.columns, **{name: col for name, (col, _) in (m.extras or {}).items()}}
    out, missing = {}, []
    for fld, col in wanted.items():
        if col in exact:
            out[fld] = col
        elif len(folded.get(normalise_label(col), [])) == 1:
            out[fld] = folded[normalise_label(col)][0]
        elif col not in missing:
            missing.append(col)
    if missing:
        found = ", ".join(repr(h) for h in header[:30]) + (" …" if len(header) > 30 else "")
        raise InputError(
            m.label,
            f"column(s) {', '.join(map(repr, missing))} not found in {Path(source_file).name}; "
            f"columns found: {found}",
        )
    return out


def _parse_dates(cells: pd.Series, text: pd.Series, fmt: str) -> pd.Series:
    """Parse date cells: real Excel dates as they are, text with the mapping's format."""
    out = pd.to_datetime(text.where(text.ne("")), format=fmt, errors="coerce")
    out = fit_dates(pd.Series(out, index=text.index))
    native = cells.map(lambda v: isinstance(v, dt.date | pd.Timestamp))
    if native.any():
        out[native] = fit_dates(pd.to_datetime(cells[native].map(pd.Timestamp)))
    return out.dt.normalize()


def _parse_numbers(
    cells: pd.Series, text: pd.Series, decimal: str, thousands: str | None
) -> pd.Series:
    """Parse numbers written with the mapping's decimal and thousands marks (NaN if not)."""
    s = text
    dec = re.escape(decimal)
    grouped = None
    if thousands:
        marks = [thousands] + (["\u00a0", "\u202f"] if thousands == " " else [])
        mark_class = "[" + "".join(re.escape(m) for m in marks) + "]"
        # Marks only between groups of three digits ("1,234"); "12,5" or "1,2,3" is not
        # a number to guess at.
        grouped = s.str.fullmatch(rf"[+-]?\d{{1,3}}({mark_class}\d{{3}})+({dec}\d*)?")
        has_mark = s.str.contains(mark_class, regex=True)
        for mark in marks:
            s = s.str.replace(mark, "", regex=False)
    good = s.str.fullmatch(rf"[+-]?(\d+({dec}\d*)?|{dec}\d+)")
    if grouped is not None:
        good = good & (~has_mark | grouped)
    out = pd.to_numeric(s.where(good).str.replace(decimal, ".", regex=False), errors="coerce")
    out = pd.Series(out, index=text.index, dtype="float64")
    native = cells.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    if native.any():
        out[native] = cells[native].astype(float)
    return out


def _ambiguous_numbers(text: pd.Series, decimal: str, thousands: str | None) -> pd.Series:
    """Cells that are digits and the thousands mark, but not in groups of three ("12,5").

    Such a count could be 12.5, 125 or two numbers: it is quarantined, never guessed.
    """
    if not thousands:
        return pd.Series(False, index=text.index)
    mark = re.escape(thousands)
    dec = re.escape(decimal)
    digits_and_marks = text.str.fullmatch(rf"[+-]?[\d{mark}]*\d[\d{mark}]*({dec}\d*)?")
    has_mark = text.str.contains(mark, regex=True)
    grouped = text.str.fullmatch(rf"[+-]?\d{{1,3}}({mark}\d{{3}})+({dec}\d*)?")
    return (digits_and_marks & has_mark & ~grouped).fillna(False).astype(bool)


def _parse_bools(
    cells: pd.Series, text: pd.Series, m: RegisterMapping
) -> tuple[pd.Series, pd.Series]:
    """Return (boolean values, mask of unrecognised words)."""
    words = {w: True for w in m.true_values} | {w: False for w in m.false_values}
    folded = text.map(normalise_label)
    out = folded.map(words).astype("boolean")
    native = cells.map(lambda v: isinstance(v, bool))
    if native.any():
        out[native] = cells[native].astype(bool)
    bad = text.ne("") & out.isna()
    return out, bad


def _lookup(label: str, table: dict, allowed) -> tuple | None:
    key = normalise_label(label)
    if key in table:
        return table[key]
    if allowed is not None and key in allowed:
        return (key,)  # already a taxonomy code
    return None


def _note_unmapped(
    notes: list, field: str, column: str, counts: dict, fallback: str | None
) -> None:
    if not counts:
        return
    listed = ", ".join(f"{k!r} ({v} row{'s' if v != 1 else ''})" for k, v in sorted(counts.items()))
    what = f"set to {fallback!r}" if fallback else "kept as written"
    plural = "s" if len(counts) > 1 else ""
    notes.append(
        f"{field} (column {column!r}): {len(counts)} label{plural} not in the mapping, {what}: {listed}"
    )


def parse_register_frame(raw: pd.DataFrame, mapping, *, source_file: str) -> ReadResult:
    """Turn a register already parsed as cells into a ReadResult, using ``mapping``.

    Every input row ends in the incidents or in the quarantine with a reason.
    """
    m = load_mapping(mapping)
    cols = _resolve_columns(m, raw.columns, source_file)
    n = len(raw)
    raw = raw.reset_index(drop=True)
    raw.insert(0, "_row", range(1, n + 1))
    cells = {fld: raw[col] for fld, col in cols.items()}
    texts = {fld: _as_text(s) for fld, s in cells.items()}
    empty = pd.Series("", index=raw.index, dtype=object)
    defaults = m.defaults or {}
    values = m.values or {}
    notes: list[str] = []
    reasons = pd.Series("", index=raw.index, dtype=object)

    def text(fld: str) -> pd.Series:
        return texts.get(fld, empty)

    # Required fields: the primary date always, others from the mapping.
    for fld in dict.fromkeys(
        [m.primary_date, *m.required, *(["incident_id"] if "incident_id" in cols else [])]
    ):
        blank = text(fld).eq("")
        if fld in defaults:
            continue
        reasons = add_reason(reasons, blank, f"missing required field: {cols[fld]}")

    today = pd.Timestamp(dt.date.today())
    dates = {}
    for fld in ("reported_date", "occurred_date"):
        if fld not in cols:
            dates[fld] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
            continue
        parsed = _parse_dates(cells[fld], text(fld), m.date_format)
        col = cols[fld]
        reasons = add_reason(
            reasons,
            text(fld).ne("") & parsed.isna(),
            f"unparseable date in {col} (expected {m.date_format})",
        )
        reasons = add_reason(reasons, parsed.gt(today), f"{col} is in the future")
        reasons = add_reason(reasons, parsed.lt(EARLIEST), f"{col} is before 1990")
        dates[fld] = parsed
    reasons = add_reason(
        reasons,
        dates["occurred_date"].gt(dates["reported_date"]),
        f"{cols.get('occurred_date')} is after {cols.get('reported_date')}",
    )

    records = pd.Series(float("nan"), index=raw.index)
    if "records_affected" in cols:
        col = cols["records_affected"]
        records = _parse_numbers(
            cells["records_affected"], text("records_affected"), m.decimal, m.thousands
        )
        ambiguous = _ambiguous_numbers(text("records_affected"), m.decimal, m.thousands)
        reasons = add_reason(
            reasons,
            ambiguous,
            f"ambiguous number (thousands separators misplaced) in {col}",
        )
        reasons = add_reason(
            reasons,
            text("records_affected").ne("") & records.isna() & ~ambiguous,
            f"non-numeric {col}",
        )
        reasons = add_reason(reasons, records.lt(0), f"negative {col}")
        reasons = add_reason(
            reasons, records.notna() & records.ne(records.round()), f"fractional {col}"
        )
        reasons = add_reason(reasons, records.gt(MAX_RECORDS), f"{col} above 1,000,000,000")

    bools = {}
    for fld in ("patient_impact", "business_associate"):
        if fld in cols:
            bools[fld], bad = _parse_bools(cells[fld], text(fld), m)
            reasons = add_reason(reasons, bad, f"unrecognised yes/no value in {cols[fld]}")
        else:
            bools[fld] = pd.Series(pd.NA, index=raw.index, dtype="boolean")

    extra_values = {}
    for name, (_, kind) in (m.extras or {}).items():
        col, cell, txt = cols[name], cells[name], texts[name]
        if kind in ("number", "count"):
            num = _parse_numbers(cell, txt, m.decimal, m.thousands)
            ambiguous = _ambiguous_numbers(txt, m.decimal, m.thousands)
            reasons = add_reason(
                reasons, ambiguous, f"ambiguous number (thousands separators misplaced) in {col}"
            )
            reasons = add_reason(
                reasons, txt.ne("") & num.isna() & ~ambiguous, f"non-numeric {col}"
            )
            if kind == "count":
                reasons = add_reason(reasons, num.lt(0), f"negative {col}")
                reasons = add_reason(
                    reasons, num.notna() & num.ne(num.round()), f"fractional {col}"
                )
            extra_values[name] = num
        elif kind == "date":
            parsed = _parse_dates(cell, txt, m.date_format)
            reasons = add_reason(
                reasons,
                txt.ne("") & parsed.isna(),
                f"unparseable date in {col} (expected {m.date_format})",
            )
            # The same plausible window as the incident dates: a year like 9999 or 0001
            # is quarantined, never kept.
            reasons = add_reason(reasons, parsed.gt(today), f"{col} is in the future")
            reasons = add_reason(reasons, parsed.lt(EARLIEST), f"{col} is before 1990")
            extra_values[name] = parsed
        elif kind == "boolean":
            extra_values[name], bad = _parse_bools(cell, txt, m)
            reasons = add_reason(reasons, bad, f"unrecognised yes/no value in {col}")
        else:
            extra_values[name] = txt.where(txt.ne(""))

    quarantine = make_quarantine(raw, reasons, source_file=source_file)
    ok = reasons.eq("")
    k = int(ok.sum())

    # Multi-valued taxonomy fields: split, map each label, remember what was unmapped.
    def split(value: str) -> list[str]:
        parts = value.split(m.multi_separator) if m.multi_separator else [value]
        return [p.strip() for p in parts if p.strip()]

    multi = {}
    for fld in MULTI_FIELDS:
        if fld not in cols:
            multi[fld] = (pd.Series([[]] * k, index=ok[ok].index, dtype=object), None)
            continue
        vals = text(fld)[ok]
        unmapped: dict[str, int] = {}
        info = {}
        for v, count in vals.value_counts().items():
            labels = split(v)
            codes = []
            for lab in labels:
                hit = _lookup(lab, values.get(fld, {}), TAXONOMY_FIELDS[fld])
                if hit is None:
                    unmapped[lab] = unmapped.get(lab, 0) + int(count)
                    hit = ("other",)
                codes.extend(hit)
            info[v] = (
                taxonomy.sort_categories(codes) if fld == "categories" else sorted(set(codes)),
                labels,
            )
        _note_unmapped(notes, fld, cols[fld], unmapped, "other")
        multi[fld] = (
            vals.map(lambda v, info=info: info[v][0]),
            vals.map(lambda v, info=info: info[v][1]),
        )

    categories = multi["categories"][0].map(lambda c: c or ["unknown"])
    source_categories = multi["categories"][1]
    if source_categories is None:
        source_categories = pd.Series([[]] * k, index=categories.index, dtype=object)
    cat_keys = categories.map(tuple)
    derived = {c: (taxonomy.primary_category(c), taxonomy.origin_of(c)) for c in cat_keys.unique()}

    patient = bools["patient_impact"][ok]
    impacts = multi["impacts"][0]
    impacts = pd.Series(
        [
            sorted({*i, "patient_safety"}, key=taxonomy.IMPACTS.index) if p is True else i
            for i, p in zip(impacts, patient.astype(object), strict=True)
        ],
        index=impacts.index,
        dtype=object,
    )

    # Single-valued fields with optional value maps and defaults.
    singles = {}
    for fld in ("organisation_type", "country", "region"):
        default = defaults.get(fld)
        if fld not in cols:
            fill = default if default is not None else pd.NA
            singles[fld] = pd.Series([fill] * k, index=categories.index, dtype=object)
            continue
        vals = text(fld)[ok]
        allowed = TAXONOMY_FIELDS.get(fld)
        table = values.get(fld, {})
        unmapped = {}
        out = {}
        for v, count in vals.value_counts().items():
            if v == "":
                out[v] = (
                    default
                    if default is not None
                    else ("unknown" if allowed is not None else pd.NA)
                )
                continue
            hit = _lookup(v, table, allowed)
            if hit is None:
                if allowed is not None or table:
                    unmapped[v] = int(count)
                out[v] = "other" if allowed is not None else v
            else:
                out[v] = hit[0]
        if fld == "organisation_type" or table:
            _note_unmapped(
                notes, fld, cols[fld], unmapped, "other" if allowed is not None else None
            )
        singles[fld] = vals.map(out)

    organisation = text("organisation")[ok].str.replace(r"\s+", " ", regex=True)
    organisation = organisation.where(organisation.ne(""))
    desc = text("description")[ok]
    desc = desc.where(desc.ne(""))
    rec = records[ok].astype("Int64")

    if "incident_id" in cols:
        ids = text("incident_id")[ok]
        dup = ids.duplicated(keep=False)
        if dup.any():
            notes.append(
                f"incident_id (column {cols['incident_id']!r}): {int(ids[dup].nunique())} id(s) used by "
                f"more than one row ({', '.join(map(repr, sorted(ids[dup].unique())[:5]))}); "
                "load/ingest keeps the first"
            )
    else:
        # Hash the text of every mapped field, in a fixed order, so re-reading the same
        # register (or the same row in a later extract) gives the same id.
        key = pd.DataFrame({fld: text(fld)[ok] for fld in FIELDS if fld in cols})
        hashes = pd.util.hash_pandas_object(key, index=False)
        ids = hashes.map(lambda h, prefix=m.source: f"{prefix}-{h:016x}")

    incidents = pd.DataFrame(
        {
            "incident_id": ids.to_numpy(),
            "source": m.source,
            "reported_date": dates["reported_date"][ok].to_numpy(),
            "occurred_date": dates["occurred_date"][ok].to_numpy(),
            "organisation": organisation.to_numpy(),
            "organisation_type": singles["organisation_type"].to_numpy(),
            "region": singles["region"].to_numpy(),
            "country": singles["country"].to_numpy(),
            "categories": categories.to_numpy(),
            "category": cat_keys.map(lambda c: derived[c][0]).to_numpy(),
            "source_categories": source_categories.to_numpy(),
            "origin": cat_keys.map(lambda c: derived[c][1]).to_numpy(),
            "locations": multi["locations"][0].to_numpy(),
            "records_affected": rec.to_numpy(),
            "business_associate": bools["business_associate"][ok].to_numpy(),
            "patient_impact": patient.to_numpy(),
            "description": desc.to_numpy(),
            "impacts": impacts.to_numpy(),
            "records_placeholder": False,  # a 500/501 placeholder is an HHS artefact
            "source_file": source_file,
            "source_row": raw.loc[ok, "_row"].to_numpy(),
            **{name: v[ok].to_numpy() for name, v in extra_values.items()},
        },
        index=range(k),
    )
    for name, (_, kind) in (m.extras or {}).items():
        dtype = {"count": "Int64", "number": "Float64", "boolean": "boolean", "text": "string"}.get(
            kind
        )
        if dtype:
            incidents[name] = incidents[name].astype(dtype)
    return ReadResult(
        path=source_file,
        format=SOURCE,
        incidents=incidents,
        quarantine=quarantine,
        rows_in=n,
        notes=notes,
        as_of=m.as_of,
    )


def detect(path) -> bool:
    """Always False: a register is never guessed, it is read with ``source="csv"`` and a mapping."""
    return False


read = read_register
