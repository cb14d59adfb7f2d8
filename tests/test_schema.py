"""Tests of the canonical table's helpers: conform, sort_incidents, validate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from incidentstats import schema


def _table(n: int) -> pd.DataFrame:
    dates = pd.to_datetime("2020-01-01") + pd.to_timedelta(np.arange(n) // 3, unit="D")
    return schema.conform(
        pd.DataFrame(
            {
                "incident_id": pd.array([f"hhs-{i:016x}" for i in range(n)], dtype="string"),
                "reported_date": dates,
                "organisation": pd.array([f"Clinic {i}" * (i % 4) for i in range(n)], "string"),
                "description": pd.array(
                    [None if i % 5 == 0 else "text " * (i % 7) for i in range(n)], "string"
                ),
                "categories": [["hacking"]] * n,
            }
        )
    )


def test_sort_moves_rows_in_place_as_slices_of_the_text(monkeypatch):
    """Rows already in order, a few left out: text columns become slices, values unchanged."""
    table = _table(3000)
    kept = np.delete(np.arange(3000), [0, 17, 1500, 2999])
    expected = schema.sort_incidents(table, rows=kept)
    monkeypatch.setattr(schema, "_SLICE_BYTES", 0)
    sliced = schema.sort_incidents(table, rows=kept)
    pd.testing.assert_frame_equal(sliced, expected)
    description = sliced["description"].array.__arrow_array__()
    assert isinstance(description, pa.ChunkedArray) and description.num_chunks == 3
    assert sliced["organisation"].tolist() == table["organisation"].iloc[kept].tolist()


def test_sort_takes_rows_out_of_order():
    table = _table(600)
    rows = np.arange(600)[::-1]
    out = schema.sort_incidents(table, rows=rows)
    assert out["incident_id"].tolist() == table["incident_id"].tolist()
    assert out["description"].tolist() == table["description"].tolist()


def test_runs_are_found_only_when_few():
    assert schema._runs(np.arange(1000)) is not None
    starts, ends = schema._runs(np.delete(np.arange(1000), [10, 500]))
    assert starts.tolist() == [0, 10, 499] and ends.tolist() == [10, 499, 998]
    assert schema._runs(np.arange(1000)[::-1]) is None
    assert schema._runs(np.zeros(0, dtype=np.int64)) is None
