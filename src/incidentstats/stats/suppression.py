"""Small-cell suppression: mask counts under a threshold, and enough other cells that
no masked count can be recovered from the margins.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .display import _MARGIN_COLUMNS
from .tables import _DERIVED, _SUPPRESSION_RULES, StatsTable, _check_column, _json_safe

# --- small-cell suppression ---------------------------------------------------------


def _bridges(adj: dict) -> set:
    """Edge ids that are bridges of the multigraph (Tarjan, iterative)."""
    disc, low, found, clock = {}, {}, set(), 0
    for root in adj:
        if root in disc:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack = [(root, None, iter(adj[root]))]
        while stack:
            node, parent_edge, it = stack[-1]
            advanced = False
            for nb, eid in it:
                if eid == parent_edge:
                    continue
                if nb in disc:
                    low[node] = min(low[node], disc[nb])
                else:
                    disc[nb] = low[nb] = clock
                    clock += 1
                    stack.append((nb, eid, iter(adj[nb])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        found.add(parent_edge)
    return found


def _component(adj: dict, start, skip_edge) -> set:
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        for nb, eid in adj.get(node, ()):
            if eid != skip_edge and nb not in seen:
                seen.add(nb)
                queue.append(nb)
    return seen


def _protect(cells: list[dict]) -> list[str]:
    """Add secondary suppressions until no suppressed cell is a bridge.

    Each cell is an edge between its two lines (a row and a column whose totals are
    known); a suppressed cell can be solved for from the totals exactly when it is a
    bridge of the graph of suppressed cells, i.e. lies on no cycle of them.
    """
    problems: list[str] = []
    hopeless: set[int] = set()
    while True:
        adj: dict = {}
        for i, c in enumerate(cells):
            if c["status"]:
                adj.setdefault(c["a"], []).append((c["b"], i))
                adj.setdefault(c["b"], []).append((c["a"], i))
        bridges = sorted(_bridges(adj) - hopeless, key=lambda i: (cells[i]["value"], i))
        if not bridges:
            return problems
        i = bridges[0]
        a, b = cells[i]["a"], cells[i]["b"]
        side_a, side_b = _component(adj, a, i), _component(adj, b, i)
        candidates = [
            j
            for j, c in enumerate(cells)
            if not c["status"]
            and c["available"]
            and ((c["a"] in side_a and c["b"] in side_b) or (c["a"] in side_b and c["b"] in side_a))
        ]
        if candidates:
            # Smallest positive count first: it hides the least; zeros are weak complements.
            j = min(candidates, key=lambda j: (cells[j]["value"] == 0, cells[j]["value"], j))
            cells[j]["status"] = "secondary"
            continue
        # No single cell closes a cycle: widen a line that holds only this masked cell,
        # preferring a cell whose other line already holds masked cells.
        lines = [end for end in (a, b) if len(adj[end]) == 1] or [a, b]
        candidates = [
            j
            for j, c in enumerate(cells)
            if not c["status"] and c["available"] and (c["a"] in lines or c["b"] in lines)
        ]
        if not candidates:
            hopeless.add(i)
            problems.append(cells[i]["label"])
            continue

        def order(j, lines=lines, adj=adj):
            c = cells[j]
            other = c["b"] if c["a"] in lines else c["a"]
            return (other not in adj, c["value"] == 0, c["value"], j)

        j = min(candidates, key=order)
        cells[j]["status"] = "secondary"


def _infer_keys(table: pd.DataFrame) -> list[str]:
    for pair in (("row", "col"), ("row_value", "period"), ("group", "value"), ("period", "value")):
        if all(k in table.columns for k in pair):
            return list(pair)
    for single in ("group", "period", "row_value", "row"):
        if single in table.columns and table[single].duplicated().any():
            return [single]
    return []


def suppress(
    table: pd.DataFrame,
    *,
    rule: str | None = "fr",
    min_count: int | None = None,
    mask_zero: bool | None = None,
    count_cols=None,
    keys=None,
) -> StatsTable:
    """Mask small counts, and enough others that no masked count can be recovered.

    Primary suppression masks every count under the threshold; secondary suppression
    then masks further cells (smallest first) until no masked cell can be worked out
    from row and column totals, which are assumed published. Totals that themselves
    fall under the threshold are masked too (listed in ``attrs["suppression"]``).

    Parameters
    ----------
    table : DataFrame
        Either wide (one row per row label, several count columns, e.g.
        ``pd.crosstab`` output without margins) or long (one count column, e.g.
        ``crosstab``, ``counts_by``, ``shares``, ``shares_over_time`` output).
    rule : {"fr", "us-cms"} or None
        ``"fr"``: counts under 11, zeros included (French statistical secrecy);
        ``"us-cms"``: counts from 1 to 10 (CMS cell-size policy), zeros shown.
    min_count : int, optional
        Threshold of a custom rule: counts under ``min_count`` are masked (overrides
        the rule's threshold).
    mask_zero : bool, optional
        Mask zero counts too (default: the rule's choice; False for a custom rule).
    count_cols : str or list of str, optional
        Count columns. Default: ``x`` or ``count`` if present, else every integer column.
    keys : list of str, optional
        For a long table, the one or two columns indexing its cells (default inferred:
        ``row``/``col``, ``row_value``/``period``, ``group``/``value``,
        ``period``/``value``); totals over each are assumed published. No key: the
        whole column sums to one published total.

    Returns
    -------
    StatsTable
        The same table, counts as nullable integers with masked cells missing. In a
        long table, columns derived from the count (share, lower, upper, ...) are
        masked too, and a ``suppression`` column says ``"primary"``/``"secondary"``.
        ``attrs["suppression"]`` gives the rule, the threshold, counts of masked cells,
        the masked cells of a wide table, totals not to publish and any cell that could
        not be protected.

    Examples
    --------
    >>> wide = pd.DataFrame({"a": [3, 20, 30], "b": [40, 25, 35], "c": [50, 45, 60]}, index=["x", "y", "z"])
    >>> out = suppress(wide, rule="us-cms")
    >>> out.isna().sum().to_dict()
    {'a': 2, 'b': 2, 'c': 0}
    """
    threshold, zero = _suppression_rule(rule, min_count, mask_zero)
    if not isinstance(table, pd.DataFrame):
        raise ParameterError("table", "expected a DataFrame")
    count_cols = _count_columns(table, count_cols)

    def sensitive(v) -> bool:
        return pd.notna(v) and v < threshold and (v > 0 or (zero and v == 0))

    wide = len(count_cols) > 1
    if wide:
        cells, row_lines, col_lines = _wide_cells(table, count_cols)
        margins = True
    else:
        keys = _check_keys(table, keys)
        cells, row_lines, col_lines = _long_cells(table, count_cols[0], keys)
        margins = len(keys) == 2
    for c in cells:
        c["available"] = pd.notna(c["value"])
        c["status"] = "primary" if sensitive(c["value"]) else ""
    if margins:
        _add_totals(cells, row_lines, col_lines, sensitive)
    problems = _protect(cells)

    out = table.copy()
    masked = [c for c in cells if c["status"] and c["pos"] is not None]
    for col in count_cols:
        out[col] = out[col].astype("Int64") if _integral(out[col]) else out[col].astype("Float64")
    for c in masked:
        i, col = c["pos"]
        out.iloc[i, out.columns.get_loc(col)] = pd.NA
    if not wide:
        _mask_long(out, table, cells, masked, keys, count_cols[0], sensitive)
    info = {
        "rule": rule,
        "threshold": threshold,
        "mask_zero": zero,
        "primary": sum(c["status"] == "primary" for c in masked),
        "secondary": sum(c["status"] == "secondary" for c in masked),
        "totals_masked": [c["label"] for c in cells if c["status"] and c["pos"] is None],
        "unprotected": problems,
    }
    if wide:
        info["cells"] = [
            {"row": str(table.index[c["pos"][0]]), "column": str(c["pos"][1]), "kind": c["status"]}
            for c in masked
        ]
    result = StatsTable(out)
    result.attrs = {
        "provenance": {**(table.attrs.get("provenance", {}) or {}), "suppressed": True},
        "suppression": _json_safe(info),
    }
    return result


def _count_columns(table: pd.DataFrame, count_cols) -> list[str]:
    if count_cols is None:
        if "x" in table.columns:
            count_cols = ["x"]
        elif "count" in table.columns:
            count_cols = ["count"]
        else:
            count_cols = [c for c in table.columns if pd.api.types.is_integer_dtype(table[c].dtype)]
    elif isinstance(count_cols, str):
        count_cols = [count_cols]
    for c in count_cols:
        _check_column(table, c, "count_cols")
        if not pd.api.types.is_numeric_dtype(table[c].dtype) or pd.api.types.is_bool_dtype(
            table[c].dtype
        ):
            raise ParameterError("count_cols", f"column {c!r} does not hold counts")
    if not count_cols:
        raise ParameterError("count_cols", "no integer count column found; name the count columns")
    return count_cols


def _wide_cells(table: pd.DataFrame, count_cols: list[str]):
    """Every count of a wide table is a cell between its row and its column."""
    cells: list[dict] = []
    values = table[count_cols].astype("Float64")
    for i, idx in enumerate(table.index):
        for col in count_cols:
            v = values.iloc[i][col]
            cells.append(
                {
                    "a": ("r", i),
                    "b": ("c", col),
                    "value": v,
                    "pos": (i, col),
                    "label": f"{idx}/{col}",
                }
            )
    row_lines = [("r", i) for i in range(len(table))]
    col_lines = [("c", c) for c in count_cols]
    return cells, row_lines, col_lines


def _check_keys(table: pd.DataFrame, keys) -> list[str]:
    if keys is None:
        keys = _infer_keys(table)
    keys = [keys] if isinstance(keys, str) else list(keys)
    if len(keys) > 2:
        raise ParameterError("keys", "expected at most two key columns")
    for k in keys:
        _check_column(table, k, "keys")
    if len(keys) == 2 and table.duplicated(subset=keys).any():
        raise ParameterError("keys", f"keys {keys} do not identify the rows uniquely")
    return keys


def _long_cells(table: pd.DataFrame, count: str, keys: list[str]):
    """Every row of a long table is a cell between the values of its (up to two) keys."""
    cells: list[dict] = []
    values = table[count].astype("Float64")
    for i in range(len(table)):
        key_a = ("r", str(table[keys[0]].iloc[i])) if keys else ("r", "all")
        key_b = ("c", str(table[keys[1]].iloc[i])) if len(keys) == 2 else ("c", "free")
        label = "/".join(str(table[k].iloc[i]) for k in keys) or str(table.index[i])
        cells.append(
            {"a": key_a, "b": key_b, "value": values.iloc[i], "pos": (i, count), "label": label}
        )
    row_lines = sorted({c["a"] for c in cells})
    col_lines = sorted({c["b"] for c in cells})
    return cells, row_lines, col_lines


def _add_totals(cells: list[dict], row_lines, col_lines, sensitive) -> None:
    """Totals are cells of the table extended with a total row and column: its every
    line then sums to zero, so totals are protected like any other cell."""
    row_tot, col_tot = ("r", "TOTAL"), ("c", "TOTAL")
    sums_r = {line: 0.0 for line in row_lines}
    sums_c = {line: 0.0 for line in col_lines}
    for c in cells:
        if c["available"]:
            sums_r[c["a"]] += float(c["value"])
            sums_c[c["b"]] += float(c["value"])
    for line, v in sums_r.items():
        cells.append(
            {
                "a": line,
                "b": col_tot,
                "value": v,
                "pos": None,
                "label": f"total of row {line[1]}",
                "row": line[1],
            }
        )
    for line, v in sums_c.items():
        cells.append(
            {
                "a": row_tot,
                "b": line,
                "value": v,
                "pos": None,
                "label": f"total of column {line[1]}",
            }
        )
    grand = sum(sums_r.values())
    cells.append({"a": row_tot, "b": col_tot, "value": grand, "pos": None, "label": "grand total"})
    for c in cells[-(len(sums_r) + len(sums_c) + 1) :]:
        c["available"] = True
        c["status"] = "primary" if sensitive(c["value"]) else ""


def _mask_long(out, table, cells, masked, keys, count, sensitive) -> None:
    """Mask, in a long table, what a masked count could be recovered from: the columns
    derived from it, the margins holding a masked total, and small denominators."""
    status = pd.Series(pd.NA, index=out.index, dtype="string")
    for c in masked:
        status.iloc[c["pos"][0]] = c["status"]
    derived = [d for d in _DERIVED if d in out.columns]
    hit = status.notna().to_numpy()
    for d in derived:
        out[d] = out[d].astype("Float64") if pd.api.types.is_numeric_dtype(out[d].dtype) else out[d]
        out.loc[hit, d] = pd.NA
    # A published margin column (n_row, n per group) holding a masked total is masked too.
    margin_cols = (
        [c for c in _MARGIN_COLUMNS.get(keys[0], ()) if c in out.columns] if len(keys) == 2 else []
    )
    masked_rows = {c["row"] for c in cells if c["status"] and c.get("row") is not None}
    if margin_cols and masked_rows:
        hit_rows = table[keys[0]].astype(str).isin(masked_rows).to_numpy()
        for m in margin_cols:
            out[m] = out[m].astype("Int64") if _integral(out[m]) else out[m].astype("Float64")
            out.loc[hit_rows, m] = pd.NA
    out["suppression"] = status
    # Denominators are counts too: an n or n_unknown under the threshold is masked,
    # with the total it could be recovered from (n_total = n + n_unknown).
    denominators = [
        c for c in ("n", "n_unknown", "n_total", "n_row") if c in out.columns and c != count
    ]
    for c in denominators:
        small = out[c].map(sensitive).astype(bool)
        if small.any():
            out[c] = out[c].astype("Int64") if _integral(out[c]) else out[c].astype("Float64")
            out.loc[small, c] = pd.NA
            if c in ("n", "n_unknown") and "n_total" in out.columns:
                out["n_total"] = (
                    out["n_total"].astype("Int64")
                    if _integral(out["n_total"].dropna())
                    else out["n_total"]
                )
                out.loc[small, "n_total"] = pd.NA


def _integral(col: pd.Series) -> bool:
    values = pd.to_numeric(col, errors="coerce").dropna()
    return bool((values == np.floor(values)).all())


def _suppression_rule(rule, min_count, mask_zero):
    if rule is not None and rule not in _SUPPRESSION_RULES:
        raise ParameterError("rule", f"expected 'fr', 'us-cms' or None, got {rule!r}")
    if rule is None and min_count is None:
        raise ParameterError("min_count", "give a rule ('fr', 'us-cms') or a min_count")
    threshold, zero = _SUPPRESSION_RULES.get(rule, (None, False))
    if min_count is not None:
        if (
            isinstance(min_count, bool)
            or not isinstance(min_count, int | np.integer)
            or min_count < 1
        ):
            raise ParameterError("min_count", f"expected a positive integer, got {min_count!r}")
        threshold = int(min_count)
    if mask_zero is not None:
        zero = bool(mask_zero)
    return threshold, zero
