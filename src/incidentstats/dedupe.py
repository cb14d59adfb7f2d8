"""Deduplication of the canonical table: copies of one report removed, distinct incidents kept.

Two rows with the same ``incident_id`` share the source's identity key. For HHS that key
is (name, state, date, individuals), which two different breaches filed on one day can
share; rows that differ in type, location or entity type are kept and flagged instead.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import ALL_COLUMNS, duplicated_ids, replace_fixed_width

#: Sources whose ``incident_id`` is made from a content key rather than given by the source.
KEYED_SOURCES = frozenset({"hhs"})

#: Descriptions by which the HHS portal marks a report as a copy of another.
_DELETED_MARKERS = ("duplicate case", "being deleted")

RULE = (
    "rows with the same incident_id share the source's identity key; for HHS, rows that "
    "also agree on type of breach, location and covered entity type (a missing value "
    "agreeing with any) are one report filed twice: the most informative row is kept (a "
    "description that is not a 'duplicate case ... being deleted' note, then the most "
    "fields filled, then input order) and the others counted as duplicates_removed; rows "
    "of one input file that differ in any of the three are distinct incidents, all kept, "
    "given their own incident_id and flagged with a possible_duplicate group id (rows of "
    "two inputs that differ are one report revised between exports); duplicates.csv "
    "lists the removed and the flagged rows"
)

DUPLICATE_COLUMNS = [
    "group",
    "action",
    "incident_id",
    "source_file",
    "source_row",
    "organisation",
    "region",
    "reported_date",
    "records_affected",
    "organisation_type",
    "source_categories",
    "locations",
    "description",
    "kept_incident_id",
    "kept_source_file",
    "kept_source_row",
]


def empty_duplicates() -> pd.DataFrame:
    """An empty table of removed and flagged rows (see ``resolve_duplicates``)."""
    return pd.DataFrame({c: pd.Series([], dtype="object") for c in DUPLICATE_COLUMNS})


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _eq(value, text: str) -> bool:
    return isinstance(value, str) and value == text


def _signature(row: dict) -> tuple:
    """(types, locations, entity type) of a row; None where the source gives no value."""
    cats = frozenset(str(c).strip().lower() for c in (_listed(row.get("source_categories"))))
    cats = cats - {"", "unknown"} or None
    locs = frozenset(_listed(row.get("locations"))) - {"unknown"} or None
    org = row.get("organisation_type")
    org = None if _missing(org) or org == "unknown" else org
    return cats, locs, org


def _listed(value) -> list:
    if isinstance(value, list | tuple | np.ndarray):
        return list(value)
    return []


def _compatible(a: tuple, b: tuple) -> bool:
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def _informative(row: dict, position: int) -> tuple:
    """Sort key: the row to keep sorts first."""
    desc = row.get("description")
    has_desc = not _missing(desc) and str(desc).strip() != ""
    deleted = has_desc and all(m in str(desc).lower() for m in _DELETED_MARKERS)
    filled = sum(
        not _missing(v) and not (isinstance(v, list) and not v) and not _eq(v, "unknown")
        for v in row.values()
    )
    return (deleted, not has_desc, -filled, position)


def _variant_id(base: str, signature: tuple) -> str:
    """A new id of the same width for one of several distinct incidents sharing ``base``."""
    text = "|".join(
        ",".join(sorted(part)) if isinstance(part, frozenset) else str(part or "")
        for part in signature
    )
    digest = hashlib.sha256(f"{base}|{text}".encode()).hexdigest()
    prefix, _, tail = base.rpartition("-")
    return f"{prefix}-{digest[: len(tail)]}" if prefix else f"{base}-{digest[:6]}"


def _values_at(column: pd.Series, positions: np.ndarray) -> list:
    """The values at ``positions``, as Python objects.

    An Arrow column is read chunk by chunk: taking rows from a chunked array would first
    concatenate its chunks, a copy of the whole column (the descriptions are most of an
    export's bytes).
    """
    values = column.array
    if isinstance(values, pd.arrays.ArrowStringArray):
        chunked = values.__arrow_array__()
        chunks = chunked.chunks if isinstance(chunked, pa.ChunkedArray) else [chunked]
        bounds = np.cumsum([0] + [len(c) for c in chunks])
        where = np.searchsorted(bounds, positions, side="right") - 1
        return [
            chunks[k][int(p - bounds[k])].as_py() for k, p in zip(where, positions, strict=True)
        ]
    return column.iloc[positions].tolist()


def _isin(ids: pd.Series, values: pd.Series) -> np.ndarray:
    """Which of ``ids`` are among ``values`` (a hash lookup in Arrow when the ids are Arrow)."""
    if isinstance(ids.array, pd.arrays.ArrowStringArray):
        found = pc.is_in(
            ids.array.__arrow_array__(), value_set=pa.array(values.astype(str).unique())
        )
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    return ids.isin(set(values)).to_numpy(dtype=bool)


def _replace_at(ids: pd.Series, positions: np.ndarray, values: list[str]):
    """``ids`` with the values at ``positions`` replaced, in the column's own storage."""
    values_arr = ids.array
    if isinstance(values_arr, pd.arrays.ArrowStringArray):
        arr = values_arr.__arrow_array__()
        fixed = replace_fixed_width(arr, positions, values)  # new ids keep their width
        if fixed is not None:
            return pd.arrays.ArrowStringArray(fixed)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        mask = np.zeros(len(ids), dtype=bool)
        mask[positions] = True
        fresh = pc.replace_with_mask(arr, pa.array(mask), pa.array(values, type=arr.type))
        return pd.arrays.ArrowStringArray(fresh)
    out = ids.to_numpy(dtype=object).copy()
    out[positions] = values
    return pd.array(out, dtype=ids.dtype)


def resolve_duplicates(
    incidents: pd.DataFrame, *, shared: np.ndarray | None = None
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Decide which rows sharing an ``incident_id`` are copies and which distinct incidents.

    Parameters
    ----------
    incidents : DataFrame
        Canonical rows in input order (the position breaks ties), with an ``_input``
        column numbering the inputs (else ``source_file`` tells them apart).
    shared : ndarray of bool, optional
        Which rows share their ``incident_id`` with another row, if already known (a
        reader's ``ReadResult.shared_ids``); worked out from the ids otherwise.

    Returns
    -------
    (ndarray, DataFrame, DataFrame)
        A boolean mask of the rows removed as copies; ``incidents`` with new ids and the
        ``possible_duplicate`` group id for distinct incidents that share a key; the
        table of removed and flagged rows with the row kept in their place.

    Examples
    --------
    >>> t = pd.DataFrame({"incident_id": ["hhs-00000000000000aa"] * 3, "source": ["hhs"] * 3,
    ...     "source_categories": [["Theft"], ["Theft"], ["Hacking/IT Incident"]],
    ...     "locations": [["laptop"], ["laptop"], ["email"]], "organisation_type": ["provider"] * 3,
    ...     "description": [None, "A laptop was stolen.", None], "source_file": ["f"] * 3,
    ...     "source_row": [1, 2, 3]})
    >>> removed, out, dups = resolve_duplicates(t)
    >>> removed.tolist(), dups["action"].tolist(), dups["kept_source_row"].tolist()
    ([True, False, False], ['possible_duplicate', 'possible_duplicate', 'removed'], [2, 3, 2])
    """
    n = len(incidents)
    removed = np.zeros(n, dtype=bool)
    ids = incidents["incident_id"]
    if shared is None:
        first_dup = duplicated_ids(ids)
        if not first_dup.any():
            return removed, incidents, empty_duplicates()
        members = np.flatnonzero(_isin(ids, ids.iloc[np.flatnonzero(first_dup)]))
    else:
        members = np.flatnonzero(shared)
        if not len(members):
            return removed, incidents, empty_duplicates()
    by = "_input" if "_input" in incidents.columns else "source_file"
    wanted = [c for c in dict.fromkeys([*incidents.columns, by]) if c in incidents.columns]
    columns = {c: _values_at(incidents[c], members) for c in wanted}
    rec = {p: {c: columns[c][j] for c in wanted} for j, p in enumerate(members.tolist())}
    by_id: dict[str, list[int]] = {}
    for p in rec:
        by_id.setdefault(str(rec[p]["incident_id"]), []).append(p)
    new_ids: dict[int, str] = {}
    groups: dict[int, str] = {}
    records = []
    for base, positions in by_id.items():
        ordered = sorted(positions, key=lambda p: _informative(rec[p], p))
        keyed = str(rec[ordered[0]]["source"]) in KEYED_SOURCES
        kept: list[tuple[int, tuple, set]] = []  # (position, signature, inputs) per incident
        merged: list[tuple[int, int]] = []  # (removed position, kept position)
        for p in ordered:
            sig = _signature(rec[p]) if keyed else ()
            where = rec[p][by]
            # A compatible row is a copy; an incompatible row from another input is the same
            # report revised between two exports; only one from the same input is distinct.
            home = next((k for k, s, _ in kept if _compatible(s, sig)), None)
            if home is None:
                home = next((k for k, _, ins in kept if where not in ins), None)
            if home is None:
                kept.append((p, sig, {where}))
            else:
                next(ins for k, _, ins in kept if k == home).add(where)
                merged.append((p, home))
                removed[p] = True
        if len(kept) > 1:
            for p, sig, _ in kept:
                new_ids[p] = _variant_id(base, sig)
                groups[p] = base
                records.append((base, "possible_duplicate", p, p))
        for p, home in merged:
            records.append((base, "removed", p, home))
    out = incidents
    if new_ids:
        out = incidents.copy(deep=False)
        pos = np.array(sorted(new_ids))
        out["incident_id"] = _replace_at(ids, pos, [new_ids[p] for p in pos])
        # The group ids at ``pos``, missing elsewhere: a take whose other indices are null.
        where = np.zeros(n, dtype=np.int64)
        where[pos] = np.arange(len(pos))
        absent = np.ones(n, dtype=bool)
        absent[pos] = False
        names = pa.array([groups[p] for p in pos], type=pa.large_string())
        flag = pd.arrays.ArrowStringArray(pc.take(names, pa.array(where, mask=absent)))
        out["possible_duplicate"] = flag.astype(ALL_COLUMNS["possible_duplicate"], copy=False)
    final = {p: new_ids.get(p, str(rec[p]["incident_id"])) for p in rec}
    rows = []
    for group, action, p, home in records:
        r, k = rec[p], rec[home]
        rows.append(
            {
                "group": group,
                "action": action,
                "incident_id": final[p],
                **{c: r.get(c) for c in DUPLICATE_COLUMNS[3:13]},
                "kept_incident_id": final[home],
                "kept_source_file": k.get("source_file"),
                "kept_source_row": k.get("source_row"),
            }
        )
    table = pd.DataFrame(rows, columns=DUPLICATE_COLUMNS)
    for col in ("source_categories", "locations"):
        table[col] = table[col].map(lambda v: "; ".join(v) if isinstance(v, list) else v)
    table = table.sort_values("group", kind="stable").reset_index(drop=True)
    return removed, out, table
