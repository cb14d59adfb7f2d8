"""Tests for readers/_csv_parts.py: a CSV parsed in two parts equals one parse of it.

The record boundaries expected are those of records written here one by one (their byte
ends are known), and the frames are compared with ``pandas.read_csv`` of the whole file.
"""

from __future__ import annotations

import csv
import io
import time
import warnings

import pandas as pd
import pyarrow as pa
import pytest
from hhs_portal import HEADER

import incidentstats as ist
from incidentstats.readers import _csv_parts
from incidentstats.readers._csv_parts import read_csv_parts, record_boundary

TEXT = {
    "dtype": pd.ArrowDtype(pa.string()),
    "keep_default_na": False,
    "na_values": [],
    "encoding": "utf-8",
    "encoding_errors": "strict",
    "engine": "c",
}
# Descriptions with quoted line breaks, doubled quotes, commas and quotes at either end,
# so that a cut near any byte meets each case.
CELLS = [
    "plain",
    'say ""hi""',
    "line one\nline two",
    '"\n"',
    "a,b",
    '""',
    "",
    'end quote ""',
    "\n\nlead and trail\n",
    "café – ünïcode",
]


def _write(path, rows: list[list[str]], *, bom: bool = False, newline: str = "\n") -> list[int]:
    """Write ``rows`` (the first is the header) as CSV; return each record's byte end."""
    ends, out = [], io.BytesIO()
    if bom:
        out.write(b"\xef\xbb\xbf")
    for row in rows:
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator=newline).writerow(row)
        out.write(buf.getvalue().encode("utf-8"))
        ends.append(out.tell())
    path.write_bytes(out.getvalue())
    return ends


def _rows(n: int) -> list[list[str]]:
    return [["name", "count", "description"]] + [
        [f"entity {i}", str(i), CELLS[i % len(CELLS)] + CELLS[(i * 7) % len(CELLS)]]
        for i in range(n)
    ]


def _chunks(df: pd.DataFrame) -> int:
    return df.iloc[:, 0].array.__arrow_array__().num_chunks


def test_record_boundary_is_the_first_record_end_after_the_offset(tmp_path):
    path = tmp_path / "quoted.csv"
    ends = _write(path, _rows(40))
    size = path.stat().st_size
    for near in range(size + 1):
        # The record whose line feed (its last byte) is the first at or after ``near``.
        expected = next((end for end in ends if end - 1 >= near), None)
        assert record_boundary(path, near) == expected, near


def test_record_boundary_with_crlf_cuts_after_the_line_feed(tmp_path):
    path = tmp_path / "crlf.csv"
    ends = _write(path, _rows(12), bom=True, newline="\r\n")
    data = path.read_bytes()
    for near in range(len(data)):
        cut = record_boundary(path, near)
        assert cut == next((end for end in ends if end - 1 >= near), None)
        if cut is not None:
            assert data[cut - 2 : cut] == b"\r\n"


@pytest.mark.parametrize(
    ("bom", "newline"), [(False, "\n"), (True, "\n"), (False, "\r\n"), (True, "\r\n")]
)
def test_parts_equal_one_parse_wherever_the_cut_falls(tmp_path, bom, newline):
    path = tmp_path / "parts.csv"
    ends = _write(path, _rows(25), bom=bom, newline=newline)
    whole = pd.read_csv(path, **TEXT)
    assert len(whole) == 25
    for at in range(0, path.stat().st_size, 3):
        parts = read_csv_parts(path, at=at, **TEXT)
        pd.testing.assert_frame_equal(parts, whole, check_exact=True)
        cut = record_boundary(path, at)
        # Cut after the first data row and before the end: two parts were parsed and joined.
        two = cut is not None and ends[0] < cut < ends[-1]
        assert _chunks(parts) == (2 if two else 1), at
    # And the values are those the csv module reads.
    with open(path, encoding="utf-8-sig", newline="") as fh:
        records = list(csv.reader(fh))
    assert whole.columns.tolist() == records[0]
    assert whole.astype(object).values.tolist() == records[1:]


def test_a_tiny_file_is_one_parse(tmp_path):
    path = tmp_path / "tiny.csv"
    _write(path, _rows(1))
    assert _csv_parts.SPLIT_MIN_BYTES > path.stat().st_size
    got = read_csv_parts(path, **TEXT)
    pd.testing.assert_frame_equal(got, pd.read_csv(path, **TEXT), check_exact=True)
    assert got["description"].tolist() == [CELLS[0] + CELLS[0]]


def test_a_quote_inside_an_unquoted_field_falls_back_to_one_parse(tmp_path):
    # Not RFC 4180: pandas reads the stray quote as a character, while the quote count
    # says every later line feed is inside a field. The parts are then not trusted.
    path = tmp_path / "stray.csv"
    body = 'a,b\nx"y,1\n' + "".join(f"r{i},{i}\n" for i in range(30))
    path.write_text(body, encoding="utf-8")
    whole = pd.read_csv(path, **TEXT)
    assert whole["a"].iloc[0] == 'x"y' and len(whole) == 31
    for at in range(0, len(body), 2):
        pd.testing.assert_frame_equal(read_csv_parts(path, at=at, **TEXT), whole)


@pytest.mark.parametrize(
    "body",
    [
        "a,b\n1,2\n3,4\n5,6,7\n8,9\n",  # a long row after the cut
        'a,b\n1,2\n3,4\n"5\n',  # a quote left open at the end
    ],
)
def test_errors_are_those_of_one_parse(tmp_path, body):
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(pd.errors.ParserError) as whole:
        pd.read_csv(path, **TEXT)
    for at in range(len(body)):
        with pytest.raises(pd.errors.ParserError) as parts:
            read_csv_parts(path, at=at, **TEXT)
        assert str(parts.value) == str(whole.value)


def test_short_rows_and_blank_lines_after_the_cut(tmp_path):
    path = tmp_path / "short.csv"
    body = "a,b,c\n1,2,3\n\n4\n5,6\n\n\n7,8,9\n"
    path.write_text(body, encoding="utf-8")
    whole = pd.read_csv(path, **TEXT)
    assert whole.astype(object).values.tolist() == [
        ["1", "2", "3"], ["4", "", ""], ["5", "6", ""], ["7", "8", "9"]
    ]  # fmt: skip
    for at in range(len(body)):
        pd.testing.assert_frame_equal(read_csv_parts(path, at=at, **TEXT), whole)


def test_hhs_reader_gives_the_same_incidents_when_the_file_is_split(tmp_path, monkeypatch):
    rows = [HEADER] + [
        [
            f"Clinic {i % 17}",
            "TX",
            "Health Plan",
            str(500 + i),
            f"0{1 + i % 9}/1{i % 10}/2020",
            "Hacking/IT Incident" if i % 3 else "Theft",
            "Email",
            "No",
            CELLS[i % len(CELLS)] + (" ransomware" if i % 5 == 0 else ""),
        ]
        for i in range(60)
    ]
    path = tmp_path / "hhs_split.csv"
    _write(path, rows, bom=True, newline="\r\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        whole = ist.ingest("hhs", path)
        monkeypatch.setattr(_csv_parts, "SPLIT_MIN_BYTES", 0)
        split = ist.ingest("hhs", path)
    assert _chunks(pd.read_csv(path, **TEXT)) == 1
    assert _chunks(read_csv_parts(path, **TEXT)) == 2
    pd.testing.assert_frame_equal(split.incidents, whole.incidents, check_exact=True)
    pd.testing.assert_frame_equal(split.duplicates, whole.duplicates, check_exact=True)
    assert split.provenance == whole.provenance
    assert split.incidents["records_affected"].sum() == sum(int(r[3]) for r in rows[1:])


def test_first_part_waits_for_a_late_cut_and_a_failed_search_falls_back(tmp_path, monkeypatch):
    path = tmp_path / "late.csv"
    ends = _write(path, _rows(30))
    whole = pd.read_csv(path, **TEXT)
    search = _csv_parts.record_boundary

    def late(p, near):
        time.sleep(0.2)  # the first part's parser reaches ``near`` long before
        return search(p, near)

    monkeypatch.setattr(_csv_parts, "record_boundary", late)
    got = read_csv_parts(path, at=ends[10] + 3, **TEXT)
    pd.testing.assert_frame_equal(got, whole, check_exact=True)
    assert _chunks(got) == 2
    assert got.columns.tolist() == ["name", "count", "description"]
    assert got["count"].tolist() == [str(i) for i in range(30)]

    def broken(p, near):
        raise OSError("disk gone")

    monkeypatch.setattr(_csv_parts, "record_boundary", broken)
    got = read_csv_parts(path, at=ends[10] + 3, **TEXT)
    pd.testing.assert_frame_equal(got, whole, check_exact=True)
    assert _chunks(got) == 1
