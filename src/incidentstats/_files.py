"""Atomic output writing and CSV formula neutralisation.

Every file the project writes goes through here, so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
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


def write_json(path, obj) -> Path:
    """Write ``obj`` as sorted, indented JSON atomically."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n")


def neutralise_formula(value):
    """Return ``value`` made inert for spreadsheets (OWASP CSV injection guidance).

    Strings starting with ``= + - @`` or a tab/CR get a leading single quote; numbers
    are left alone (a negative number is not a formula).

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("-12")
    '-12'
    >>> neutralise_formula("Mercy Hospital")
    'Mercy Hospital'
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_PREFIXES):
        return value
    if value[0] in "+-":
        try:
            float(value.replace(",", ""))
            return value
        except ValueError:
            pass
    return "'" + value


def _cell_to_text(value):
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def safe_csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells are formula-neutralised and lists joined."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: neutralise_formula(_cell_to_text(v)), na_action="ignore")
    return out


def write_csv(path, df: pd.DataFrame, *, index: bool = False) -> Path:
    """Write ``df`` as UTF-8 CSV atomically, neutralising spreadsheet formulas."""
    with atomic_path(path) as tmp:
        safe_csv_frame(df).to_csv(tmp, index=index, lineterminator="\n")
    return Path(path)


def sha256_file(path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
