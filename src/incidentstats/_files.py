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
import tempfile
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


def sha256_file(path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
