"""Tests for ingest.py: merging files, dedupe, row accounting, provenance and written outputs.

Hashes, counts and dates are recomputed here (hashlib, csv module) rather than trusted.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import threading

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hhs_portal import HEADER

import incidentstats as ist
from incidentstats import _files, readers
from incidentstats.errors import ParameterError
from incidentstats.ingest import DEDUPE_RULE
from incidentstats.readers import hhs
from incidentstats.schema import ALL_COLUMNS, LIST_COLUMNS, conform

ARCHIVE = ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv")
OPEN_2024 = ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")
PROVENANCE_KEYS = {
    "schema_version",
    "package",
    "package_version",
    "source",
    "dataset",
    "formats",
    "as_of",
    "as_of_rule",
    "period",
    "inputs",
    "rows_in",
    "rows_clean",
    "rows_quarantined",
    "duplicates_removed",
    "possible_duplicates",
    "quarantine_reasons",
    "rules",
    "options",
    "filters",
    "partial_spans",
    "warnings",
    "warning_details",
}
INPUT_KEYS = {
    "path",
    "kind",
    "as_of",
    "span",
    "sha256",
    "format",
    "encoding",
    "rows_in",
    "rows_clean",
    "rows_quarantined",
    "duplicates_removed",
    "notes",
}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def row(name="Acme Clinic", state="TX", records="1200", date="03/04/2020", desc=""):
    return [
        name,
        state,
        "Healthcare Provider",
        records,
        date,
        "Hacking/IT Incident",
        "Email",
        "No",
        desc,
    ]


def balanced(acc: dict) -> bool:
    return acc["rows_in"] == acc["rows_clean"] + acc["rows_quarantined"] + acc["duplicates_removed"]


def test_provenance_keys_and_values(shared):
    arch, open_ = shared(*ARCHIVE), shared(*OPEN_2024)
    res = ist.ingest("hhs", [arch, open_])
    p = res.provenance
    assert set(p) == PROVENANCE_KEYS
    assert (p["schema_version"], p["package"], p["package_version"]) == (
        "1.0",
        "incidentstats",
        ist.__version__,
    )
    assert (p["source"], p["formats"]) == ("hhs", ["hhs"])
    assert p["dataset"] == f"{arch.name}, {open_.name}"
    assert p["rules"] == [*hhs.RULES, DEDUPE_RULE]
    assert (p["options"], p["filters"], p["quarantine_reasons"]) == ({}, {}, {})
    assert [set(i) for i in p["inputs"]] == [INPUT_KEYS, INPUT_KEYS]
    for entry, path in zip(p["inputs"], (arch, open_), strict=True):
        assert entry["path"] == str(path)
        assert entry["sha256"] == sha256(path)
        assert (entry["format"], entry["encoding"], entry["notes"]) == ("hhs", "utf-8", [])
        assert balanced(entry)
    with open(open_, encoding="utf-8", newline="") as fh:
        open_rows = sum(1 for _ in csv.reader(fh)) - 1
    assert p["inputs"][1]["rows_in"] == open_rows == 908
    assert balanced(p) and p["rows_in"] == sum(i["rows_in"] for i in p["inputs"])
    assert p["rows_clean"] == len(res.incidents) == sum(i["rows_clean"] for i in p["inputs"])
    assert res.incidents.attrs["provenance"] is p
    # The table is the canonical one, sorted by reported date then id, one row per id.
    inc = res.incidents
    assert list(inc.columns) == list(ALL_COLUMNS)
    assert inc["incident_id"].is_unique
    assert inc[["reported_date", "incident_id"]].equals(
        inc[["reported_date", "incident_id"]]
        .sort_values(["reported_date", "incident_id"])
        .reset_index(drop=True)
    )
    assert json.loads(json.dumps(p)) == p  # plain JSON types only


def test_as_of_stated_by_the_embedded_dataset():
    p = ist.ingest("hhs").provenance
    assert (p["as_of"], p["as_of_rule"]) == ("2015-02-26", "stated by the dataset")
    assert p["dataset"] == hhs.EMBEDDED_DESCRIPTION
    assert ist.ingest("auto").provenance["rows_in"] == 1151


def test_as_of_given_wins(shared):
    path = shared(*OPEN_2024)
    p = ist.ingest("hhs", path, as_of="2024-07-01").provenance
    assert (p["as_of"], p["as_of_rule"]) == ("2024-07-01", "given")
    assert ist.ingest("hhs", as_of="2016-01-01").provenance["as_of"] == "2016-01-01"
    with pytest.raises(ParameterError, match="as_of"):
        ist.ingest("hhs", path, as_of="last summer")


def test_as_of_defaults_to_the_latest_reported_date(shared):
    path = shared(*OPEN_2024)
    with open(path, encoding="utf-8", newline="") as fh:
        dates = [pd.Timestamp(r["Breach Submission Date"]) for r in csv.DictReader(fh)]
    p = ist.ingest("hhs", path).provenance
    assert (p["as_of"], p["as_of_rule"]) == (
        max(dates).strftime("%Y-%m-%d"),
        "latest reported date in the data",
    )
    assert p["as_of"] == "2024-06-28"


def test_as_of_stated_by_every_input(shared, tmp_path, monkeypatch):
    """A reader that knows its file's date sets ReadResult.as_of; all inputs must state one."""
    a = write_csv(tmp_path / "a.csv", [row(date="01/02/2020")])
    b = write_csv(tmp_path / "b.csv", [row(date="01/03/2020")])
    stated = {str(a): "2020-02-01", str(b): "2020-03-01"}
    real_read = readers.read

    def read_with_date(source, path, **options):
        result = real_read(source, path, **options)
        result.as_of = stated.get(str(path))
        return result

    monkeypatch.setattr(readers, "read", read_with_date)
    p = ist.ingest("hhs", [a, b]).provenance
    assert (p["as_of"], p["as_of_rule"]) == ("2020-03-01", "stated by the input")
    c = write_csv(tmp_path / "c.csv", [row(date="01/04/2020")])
    p = ist.ingest("hhs", [a, c]).provenance
    assert (p["as_of"], p["as_of_rule"]) == ("2020-01-04", "latest reported date in the data")


def test_accounting_with_quarantine_and_duplicates_across_files(shared, tmp_path):
    first = write_csv(
        tmp_path / "first.csv",
        [
            row("Acme Clinic"),
            row("Acme Clinic", desc="the same report again"),
            row("", records="900"),
            row("Beta Health", records="-4"),
            row("Gamma Plan", records="700"),
        ],
    )
    second = write_csv(
        tmp_path / "second.csv",
        [
            row("ACME CLINIC "),
            row("Gamma Plan", records="700"),
            row("Delta Care", date="99/99/2020"),
            row("Epsilon"),
        ],
    )
    res = ist.ingest("hhs", [first, second])
    p = res.provenance
    one, two = p["inputs"]
    assert (
        one["rows_in"],
        one["rows_clean"],
        one["rows_quarantined"],
        one["duplicates_removed"],
    ) == (5, 2, 2, 1)
    assert (
        two["rows_in"],
        two["rows_clean"],
        two["rows_quarantined"],
        two["duplicates_removed"],
    ) == (4, 1, 1, 2)
    assert (p["rows_in"], p["rows_clean"], p["rows_quarantined"], p["duplicates_removed"]) == (
        9,
        3,
        3,
        3,
    )
    assert balanced(one) and balanced(two) and balanced(p)
    assert sorted(res.incidents["organisation"]) == ["Acme Clinic", "Epsilon", "Gamma Plan"]
    assert p["quarantine_reasons"] == {
        "missing required field: Name of Covered Entity": 1,
        "negative Individuals Affected": 1,
        "unparseable date in Breach Submission Date": 1,
    }
    assert res.quarantine["source_file"].tolist() == [str(first), str(first), str(second)]
    assert res.quarantine["source_row"].tolist() == [3, 4, 3]


def test_same_file_twice_is_all_duplicates_the_second_time(shared):
    path = shared(*OPEN_2024)
    p = ist.ingest("hhs", [path, path]).provenance
    one, two = p["inputs"]
    assert (one["rows_clean"], one["duplicates_removed"]) == (908, 0)
    assert (two["rows_clean"], two["duplicates_removed"]) == (0, 908)
    assert p["rows_clean"] == 908 and balanced(p)


def test_write_outputs(tmp_path):
    src = write_csv(
        tmp_path / "in.csv",
        [
            row('=HYPERLINK("http://evil.example","click")', desc="+SUM(A1:A9)"),
            row("@Clinic", records="501", desc="-2+3"),
            row("Plain Clinic", desc="=1+1 is not text the portal writes"),
            row("-Minus Clinic"),
            row("Bad Count", records="-12"),
        ],
    )
    res = ist.ingest("hhs", src)
    out = tmp_path / "out"
    paths = res.write(out)
    assert {k: v.name for k, v in paths.items()} == {
        "incidents.parquet": "incidents.parquet",
        "incidents.csv": "incidents.csv",
        "quarantine.csv": "quarantine.csv",
        "duplicates.csv": "duplicates.csv",
        "provenance.json": "provenance.json",
    }
    # The four names, plus the published set they link to; no temporary files left.
    assert sorted(p.name for p in out.iterdir()) == sorted([*paths, ".current", ".sets"])
    assert [p.name.endswith(".part") for p in (out / ".sets").iterdir()] == [False]

    # Parquet keeps the list columns as lists of strings.
    table = pq.read_table(paths["incidents.parquet"])
    for col in LIST_COLUMNS:
        assert pa.types.is_list(table.schema.field(col).type) or pa.types.is_large_list(
            table.schema.field(col).type
        )
    back = conform(pd.read_parquet(paths["incidents.parquet"]))
    expected = res.incidents.copy()
    expected.attrs = {}
    pd.testing.assert_frame_equal(back, expected)
    assert back["categories"].iloc[0] == ["hacking"] and back["impacts"].iloc[0] == [
        "confidentiality"
    ]

    # CSV: formula-like text made inert, lists joined, numbers untouched.
    with open(paths["incidents.csv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_name = {r["organisation"]: r for r in rows}
    assert set(by_name) == {
        '\'=HYPERLINK("http://evil.example","click")',
        "'@Clinic",
        "Plain Clinic",
        "'-Minus Clinic",
    }
    assert by_name['\'=HYPERLINK("http://evil.example","click")']["description"] == "'+SUM(A1:A9)"
    assert by_name["'@Clinic"]["description"] == "'-2+3"
    assert by_name["Plain Clinic"]["description"] == "'=1+1 is not text the portal writes"
    assert by_name["'@Clinic"]["records_affected"] == "501"
    assert by_name["Plain Clinic"]["categories"] == "hacking"
    for r in rows:
        assert r["organisation"][0] not in "=+-@" and r["description"][:1] not in (
            "=",
            "+",
            "-",
            "@",
        )

    with open(paths["quarantine.csv"], encoding="utf-8", newline="") as fh:
        quarantined = list(csv.DictReader(fh))
    assert [(q["source_row"], q["reason"]) for q in quarantined] == [
        ("5", "negative Individuals Affected")
    ]
    assert json.loads(quarantined[0]["raw"])["Individuals Affected"] == "-12"

    assert json.loads(paths["provenance.json"].read_text(encoding="utf-8")) == res.provenance


def test_raw_inputs_are_never_modified(shared, tmp_path):
    inputs = [
        shared(*ARCHIVE),
        shared(*OPEN_2024),
        write_csv(tmp_path / "mine.csv", [row(), row("", records="x")]),
    ]
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in inputs}
    res = ist.ingest("hhs", inputs)
    res.write(tmp_path / "out")
    ist.load("auto", inputs[2])
    after = {p: (sha256(p), p.stat().st_mtime_ns) for p in inputs}
    assert after == before
    assert [i["sha256"] for i in res.provenance["inputs"]] == [h for h, _ in before.values()]


def test_unknown_source_and_missing_paths_are_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="unknown source 'hss'"):
        ist.ingest("hss", tmp_path / "x.csv")
    with pytest.raises(ParameterError, match="needs at least one input file"):
        ist.ingest("prc")


def test_hash_starts_before_the_hhs_file_is_parsed_and_stops_on_an_error(
    shared, tmp_path, monkeypatch
):
    archive = shared(*ARCHIVE)
    ingest_module = importlib.import_module("incidentstats.ingest")
    started, cancelled, parsing = [], [], []
    read_hhs, read_csv = hhs.read_hhs, hhs._read_csv

    class Spy(_files.BackgroundHash):
        def __init__(self, path, **kw):
            started.append(str(path))
            super().__init__(path, **kw)

        def cancel(self):
            cancelled.append(str(self.path))
            super().cancel()

    def reader(path, *, on_start, **options):
        def start():
            assert str(path) not in started  # the reader says when
            on_start()

        return read_hhs(path, on_start=start, **options)

    def parse(path, encoding):
        parsing.append(str(path) in started)  # the hash runs while the file is parsed
        return read_csv(path, encoding)

    monkeypatch.setattr(ingest_module, "BackgroundHash", Spy)
    monkeypatch.setattr(hhs, "read", reader)
    monkeypatch.setattr(hhs, "_read_csv", parse)
    with pytest.warns(ist.DataWarning):
        res = ist.ingest("hhs", archive)
    assert started == [str(archive)] and cancelled == [] and parsing == [True]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert res.provenance["inputs"][0]["sha256"] == digest
    bad = tmp_path / "no_type.csv"
    bad.write_text("Name of Covered Entity,State\nA,TX\n", encoding="utf-8")
    started.clear()
    with pytest.raises(ist.InputError, match="missing column"):
        ist.ingest("hhs", [archive, bad])
    # Both files were read (the bad one fails in its cleaning): both hashes started, and
    # both are stopped by the failure.
    assert started == [str(archive), str(bad)]
    assert sorted(cancelled) == sorted(started)


def test_background_hash_finishes_what_its_thread_left(tmp_path):
    """The result is the file's SHA-256 however far the low-priority thread got."""
    data = bytes(range(256)) * 20_000  # 5 MB: several blocks
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    idle = _files.BackgroundHash(path, start=False)  # the thread never ran: all hashed here
    assert idle.result() == digest and idle.result() == digest
    part = _files.BackgroundHash(path, start=False)
    done = 3 * part.BLOCK + 17  # as if the thread had published after this many bytes
    part._state = (hashlib.sha256(data[:done]), done)
    assert part.result() == digest
    run = _files.BackgroundHash(path)
    run._thread.join(timeout=60)
    assert not run._thread.is_alive() and run._state[1] == len(data)
    assert run.result() == digest
    stop = _files.BackgroundHash(path, start=False)
    stop.cancel()
    stop._run()  # a cancelled hash reads nothing more
    assert stop._state[1] == 0


def test_a_large_file_is_hashed_by_a_child_process_which_result_races(tmp_path, monkeypatch):
    """Beyond the GIL: the child's digest when it has one, else the hash here; never a wait."""
    data = bytes(range(256)) * 20_000  # 5 MB: several blocks
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    monkeypatch.setattr(_files, "PROCESS_HASH_BYTES", 1 << 20)
    real = _files.BackgroundHash(path)
    assert real._child is not None and not real._thread.is_alive()
    real._child.wait(timeout=60)
    assert real.result() == digest and real._child is None
    (tmp_path / "small.bin").write_bytes(b"x" * 1000)
    small = _files.BackgroundHash(tmp_path / "small.bin")  # below the size: a thread
    assert small._child is None and small.result() == hashlib.sha256(b"x" * 1000).hexdigest()
    # A finished child's digest is taken as it is (here a made-up one, to tell it apart).
    monkeypatch.setattr(_files, "_CHILD_HASH", "print('a' * 64)")
    told = _files.BackgroundHash(path)
    told._child.wait(timeout=60)
    assert told.result() == "a" * 64
    # A child that never ends, fails or prints something else: the hash is done here, and
    # the child is stopped.
    for code in ("import time; time.sleep(600)", "import sys; sys.exit(3)", "print('nope')"):
        monkeypatch.setattr(_files, "_CHILD_HASH", code)
        other = _files.BackgroundHash(path)
        child = other._child
        assert other.result() == digest
        assert child.returncode is not None
    monkeypatch.setattr(_files, "_CHILD_HASH", "import time; time.sleep(600)")
    stopped = _files.BackgroundHash(path)
    child = stopped._child
    stopped.cancel()
    assert child.returncode is not None and stopped._child is None
    # No interpreter to start: the thread hashes it.
    monkeypatch.setattr(_files.sys, "executable", "")
    alone = _files.BackgroundHash(path)
    assert alone._child is None and alone.result() == digest


def test_background_hashes_run_two_at_a_time(tmp_path, monkeypatch):
    """Many inputs start many hashes; at most two threads read at once, and every digest is right."""
    import builtins
    import contextlib
    import time

    active, most = [0], [0]
    lock = threading.Lock()

    @contextlib.contextmanager
    def counted_open(*args, **kwargs):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        try:
            with builtins.open(*args, **kwargs) as fh:
                time.sleep(0.05)  # long enough for the other threads to try
                yield fh
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(_files, "open", counted_open, raising=False)
    paths = []
    for i in range(6):
        path = tmp_path / f"f{i}.bin"
        path.write_bytes(bytes([i]) * 300_000)
        paths.append(path)
    hashes = [_files.BackgroundHash(p) for p in paths]
    for h in hashes:
        h._thread.join(timeout=60)
    assert most[0] == 2 and all(h._state[1] == 300_000 for h in hashes)
    assert [h.result() for h in hashes] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in paths
    ]
