"""Tests for ``limits``: one place for every size, alias and depth limit."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from incidentstats import limits
from incidentstats.errors import InputError, ParameterError

BAD = Path(__file__).parent / "data" / "bad"


def test_doctests():
    result = doctest.testmod(limits, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0


def test_a_limit_set_to_nonsense_is_a_parameter_error(monkeypatch):
    monkeypatch.setenv("INCIDENTSTATS_MAX_DEPTH", "-3")
    with pytest.raises(ParameterError, match="INCIDENTSTATS_MAX_DEPTH"):
        limits.MAX_DEPTH.value()


def test_yaml_aliases_are_counted_while_composing(monkeypatch):
    monkeypatch.setenv("INCIDENTSTATS_MAX_YAML_ALIASES", "2")
    assert limits.yaml_load("a: &x 1\nb: [*x, *x]", label="p.yaml") == {"a": 1, "b": [1, 1]}
    with pytest.raises(InputError, match="too many YAML aliases"):
        limits.yaml_load("a: &x 1\nb: [*x, *x, *x]", label="p.yaml")


def test_depth_and_values_are_bounded():
    with pytest.raises(InputError, match="nested too deeply"):
        limits.toml_load("a = " + "[" * 70 + "]" * 70, label="x.toml")
    with pytest.raises(InputError, match="holds too many values"):
        limits.check_document(list(range(50)), label="x", max_nodes=10)


def test_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    assert limits.MAX_INPUT_BYTES.value() == 512 * limits.MIB
    monkeypatch.setenv("INCIDENTSTATS_MAX_INPUT_BYTES", "10")
    assert limits.MAX_INPUT_BYTES.value() == 10
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(InputError, match="over the limit of 10 bytes"):
        limits.read_limited(path)


def test_field_scan_finds_a_long_field_before_parsing():
    assert limits.longest_unbroken_run(b"a,bb\n" + b"c" * 50 + b";d") == 50
    assert limits.longest_unbroken_run(b"") == 0
    assert limits.longest_unbroken_run(b"x" * 10, chunk=3) == 10


def test_field_scan_does_not_count_the_quotes_around_a_field(monkeypatch, tmp_path):
    # A quoted field of exactly the limit is 2 bytes longer with its quotes: the file
    # check before parsing must let it through; one byte more is refused.
    monkeypatch.setenv("INCIDENTSTATS_MAX_FIELD_BYTES", "200")
    assert limits.longest_unbroken_run(b'a,"' + b"x" * 200 + b'"\n') == 200
    path = tmp_path / "x.csv"
    for size, refused in ((199, False), (200, False), (201, True)):
        data = b"name,desc\n" + b'a,"' + b"x" * size + b'"\n' + b"b,c\n" * 60
        path.write_bytes(data)
        if refused:
            with pytest.raises(InputError, match="over the limit of 200 bytes"):
                limits.check_file_field_bytes(path)
        else:
            limits.check_file_field_bytes(path)


def test_grouped_thousands_are_read_and_ambiguous_ones_quarantined(tmp_path):
    from incidentstats.ingest import ingest

    result = ingest("hhs", [BAD / "hhs_ambiguous_counts.csv"])
    assert sorted(result.incidents["records_affected"].astype(int)) == [1234, 12345678]
    assert set(result.quarantine["source_row"].astype(int)) == {2, 3, 4, 5}
