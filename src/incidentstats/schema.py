"""The canonical incident table: one row per incident, the public column contract.

Readers produce it, statistics consume it; ``docs/schema.md`` documents every column.
"""

from __future__ import annotations

import pandas as pd

SCHEMA_VERSION = "1.0"

#: Contract columns, in order, with their pandas dtype.
COLUMNS: dict[str, str] = {
    "incident_id": "string",
    "source": "string",
    "reported_date": "datetime64[ns]",
    "occurred_date": "datetime64[ns]",
    "organisation": "string",
    "organisation_type": "string",
    "region": "string",
    "country": "string",
    "categories": "object",  # list[str], taxonomy codes, never empty
    "category": "string",  # primary category, by taxonomy.PRECEDENCE
    "source_categories": "object",  # list[str], the source's own labels verbatim
    "origin": "string",  # malicious / accidental / unknown
    "locations": "object",  # list[str]
    "records_affected": "Int64",
    "business_associate": "boolean",
    "patient_impact": "boolean",
    "description": "string",
}

#: Extra columns every reader also fills (documented, but not part of the short contract).
EXTRA_COLUMNS: dict[str, str] = {
    "impacts": "object",  # list[str]: confidentiality/integrity/availability/patient_safety
    "records_placeholder": "boolean",  # records_affected is exactly 500 or 501
    "source_file": "string",
    "source_row": "Int64",  # 1-based data row number in the source file
}

ALL_COLUMNS = {**COLUMNS, **EXTRA_COLUMNS}
LIST_COLUMNS = ("categories", "source_categories", "locations", "impacts")

#: Columns a quarantine table holds.
QUARANTINE_COLUMNS = ["source_file", "source_row", "reason", "raw"]


def empty_incidents() -> pd.DataFrame:
    """Return an empty canonical incident table with the right dtypes."""
    return conform(pd.DataFrame({c: [] for c in ALL_COLUMNS}))


def empty_quarantine() -> pd.DataFrame:
    """Return an empty quarantine table."""
    return pd.DataFrame(
        {
            "source_file": pd.Series([], dtype="string"),
            "source_row": pd.Series([], dtype="Int64"),
            "reason": pd.Series([], dtype="string"),
            "raw": pd.Series([], dtype="string"),
        }
    )


def _as_list(value) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, tuple | set):
        return list(value)
    if value is None or (isinstance(value, float) and value != value):
        return []
    if hasattr(value, "tolist"):  # numpy array from parquet
        return list(value.tolist())
    return [value]


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with every canonical column present, in order, with canonical dtypes.

    Missing columns are added empty; list columns hold Python lists; extra columns a
    caller added are kept after the canonical ones.
    """
    out = df.copy()
    n = len(out)
    for col, dtype in ALL_COLUMNS.items():
        if col not in out.columns:
            out[col] = pd.Series([None] * n, index=out.index, dtype="object")
        if col in LIST_COLUMNS:
            values = out[col].to_numpy(dtype=object)
            if n and not all(type(v) is list for v in values):
                out[col] = pd.Series([_as_list(v) for v in values], index=out.index, dtype="object")
            else:
                out[col] = out[col].astype("object")
        elif dtype.startswith("datetime"):
            out[col] = pd.to_datetime(out[col], errors="coerce").astype(dtype)
        else:
            out[col] = out[col].astype(dtype)
    extras = [c for c in out.columns if c not in ALL_COLUMNS]
    return out[list(ALL_COLUMNS) + extras].reset_index(drop=True)


def validate(df: pd.DataFrame) -> None:
    """Raise ``ValueError`` if ``df`` breaks the canonical contract (a bug, not user input)."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"incident table lacks columns {missing}")
    if df["incident_id"].duplicated().any():
        dup = df.loc[df["incident_id"].duplicated(), "incident_id"].iloc[0]
        raise ValueError(f"incident_id {dup!r} is not unique")
    if len(df) and not all(map(len, df["categories"].to_numpy(dtype=object))):
        raise ValueError("every incident needs at least one category ('unknown' if none)")
