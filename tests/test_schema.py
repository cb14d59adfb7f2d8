"""Tests of the canonical table's helpers: conform, sort_incidents, validate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

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


def test_sort_of_a_one_value_column_is_its_first_rows():
    """A text column of one value comes out as a slice of itself; others still move."""
    rng = np.random.default_rng(3)
    table = _table(2000)
    table["source"] = pd.array(["hhs"] * 2000, dtype="string")
    table["country"] = pd.array(["US"] * 1999 + ["FR"], dtype="string")  # one row differs
    for rows in (rng.permutation(2000), rng.choice(2000, size=1500, replace=False)):
        out = schema.sort_incidents(table, rows=rows)
        order = schema.canonical_row_order(
            table["reported_date"].iloc[rows], table["incident_id"].iloc[rows]
        )
        expected = table.iloc[rows[order]].reset_index(drop=True)
        pd.testing.assert_frame_equal(out, expected, check_exact=True)
        source = out["source"].array.__arrow_array__()
        assert source.chunk(0).buffers()[2].address == (
            table["source"].array.__arrow_array__().chunk(0).buffers()[2].address
        )


def test_all_rows_equal_compares_every_block():
    cells = np.full((10, 3), 7, dtype=np.uint8)
    assert schema._all_rows_equal(cells, block=4)
    for row in (0, 3, 4, 9):
        other = cells.copy()
        other[row, 1] = 8
        assert not schema._all_rows_equal(other, block=4)
    assert schema._all_rows_equal(cells[:1], block=4)


def test_conform_adds_a_missing_text_column_as_missing_text():
    """A missing text column comes out all missing, as a cell-by-cell cast of None would."""
    out = schema.conform(pd.DataFrame({"incident_id": pd.array(["a", "b", "c"], dtype="string")}))
    expected = pd.Series([None] * 3, dtype="object").astype("string")
    for col in ("possible_duplicate", "description", "source_file"):
        pd.testing.assert_series_equal(out[col], expected, check_names=False)
    assert out["records_affected"].isna().all() and str(out["records_affected"].dtype) == "Int64"


@pytest.mark.parametrize("width", [5, 8, 13, 20, 27])
def test_duplicated_ids_is_pandas_duplicated_for_ids_of_one_length(width, monkeypatch):
    """Fixed-width ids go through 64-bit fingerprints; the answer is pandas' all the same,
    even when every fingerprint collides."""
    from incidentstats import schema

    rng = np.random.default_rng(width)
    alphabet = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    cells = alphabet[rng.integers(0, 16, size=(5000, width))]
    cells[[10, 20, 4000]] = cells[3]  # one id four times
    cells[4999] = cells[0]
    ids = pd.Series(["".join(map(chr, row)) for row in cells], dtype="string[pyarrow]")
    expected = ids.duplicated(keep="first").to_numpy()
    assert expected[[10, 20, 4000, 4999]].all()
    assert schema.duplicated_ids(ids).tolist() == expected.tolist()
    monkeypatch.setattr(schema, "_fingerprints", lambda c: np.zeros(len(c), np.uint64))
    assert schema.duplicated_ids(ids).tolist() == expected.tolist()


def test_sort_that_releases_the_table_gives_the_same_rows(shared):
    """Handed over (``release=True``), the table ends empty and the result is the plain sort's."""
    import warnings

    from incidentstats.readers import hhs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = hhs.read_hhs(shared("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv")).incidents
    rng = np.random.default_rng(5)
    rows = np.sort(rng.choice(len(table), size=len(table) - 40, replace=False))
    expected = schema.sort_incidents(table, rows=rows)
    handed = table.copy(deep=True)
    got = schema.sort_incidents(handed, rows=rows, release=True)
    assert list(handed.columns) == [] and len(table.columns) == len(got.columns)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == table.attrs


@pytest.mark.parametrize("seed", range(6))
def test_placing_the_moved_rows_is_the_sort_of_all_rows(seed):
    """Rows in the canonical order but for some whose ids changed: placing those few is
    the stable sort of every row (equal keys, missing dates and ids, rows left out)."""
    rng = np.random.default_rng(seed)
    n = 400
    days = rng.integers(0, 12, n).astype("datetime64[D]").astype("datetime64[ns]")
    days[rng.random(n) < 0.05] = np.datetime64("NaT")
    ids = [None if rng.random() < 0.03 else f"hhs-{rng.integers(0, 40):02x}" for _ in range(n)]
    frame = pd.DataFrame({"reported_date": days, "incident_id": pd.array(ids, dtype="string")})
    frame = frame.iloc[schema.canonical_row_order(frame["reported_date"], frame["incident_id"])]
    frame = frame.reset_index(drop=True)
    moved = np.sort(rng.choice(n, size=int(rng.integers(1, 60)), replace=False))
    changed = np.array(frame["incident_id"].astype(object), dtype=object)
    for p in moved:  # new ids that sort anywhere: before, among and after the others
        changed[p] = rng.choice(["hhs-", "hhs-00", f"hhs-{rng.integers(0, 40):02x}-a", "zz", None])
    frame["incident_id"] = pd.array(changed, dtype="string")
    rows = np.sort(rng.choice(n, size=n - int(rng.integers(0, 30)), replace=False))
    expected = rows[
        schema.canonical_row_order(
            frame["reported_date"].iloc[rows], frame["incident_id"].iloc[rows]
        )
    ]
    got = schema.placed_order(frame["reported_date"], frame["incident_id"], rows, moved)
    assert got.tolist() == expected.tolist()
    assert schema.placed_order(frame["reported_date"], frame["incident_id"], rows, []).tolist() == (
        rows.tolist()
    )


def test_ingest_places_the_renamed_rows_where_a_sort_puts_them(shared):
    """The 2024 archive's distinct same-key breaches get new ids: the ingest's table (whose
    sort places only those rows) is the full sort of itself."""
    import warnings

    import incidentstats as ist

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ist.ingest("hhs", shared("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv"))
    inc = res.incidents
    renamed = inc["possible_duplicate"].notna()
    assert renamed.sum() >= 2 and res.provenance["duplicates_removed"] > 0
    pd.testing.assert_frame_equal(schema.sort_incidents(inc), inc, check_exact=True)


def test_fixed_width_replacement_is_arrows_replace_with_mask():
    """New ids of the ids' own width go in as rows of bytes; the rest is left to Arrow."""
    import pyarrow.compute as pc

    rng = np.random.default_rng(3)
    ids = pa.array([f"hhs-{v:016x}" for v in rng.integers(0, 2**62, 5000)], pa.large_string())
    positions = np.sort(rng.choice(5000, size=40, replace=False))
    values = [f"hhs-{v:016x}" for v in rng.integers(0, 2**62, 40)]
    mask = np.zeros(5000, dtype=bool)
    mask[positions] = True
    expected = pc.replace_with_mask(ids, pa.array(mask), pa.array(values, pa.large_string()))
    assert schema.replace_fixed_width(ids, positions, values).equals(expected)
    assert schema.replace_fixed_width(ids, positions[:0], []).equals(ids)
    assert schema.replace_fixed_width(ids, positions[:1], ["hhs-1"]) is None
    two = pa.chunked_array([ids[:10], ids[10:]])
    assert schema.replace_fixed_width(two, positions, values) is None
