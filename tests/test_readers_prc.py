"""Tests for readers/prc.py: the Privacy Rights Clearinghouse chronology export."""

from __future__ import annotations

import csv
import datetime as dt
import doctest
from collections import Counter

import pandas as pd
import pytest

import incidentstats as ist
from incidentstats.errors import InputError, ParameterError
from incidentstats.readers import detect_source, prc

PRC = ("prc", "prc_chronology_export_2017-01_amlin.csv")
HEADER = (
    '"Date Made Public","Company","Location","Type of breach","Type of organization",'
    '"Records Breached","Total Records","Description of incident","Information Source"\n'
)


@pytest.fixture
def path(shared):
    return shared(*PRC)


@pytest.fixture
def rows(path) -> list[dict]:
    """The export read with nothing but the csv module."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(tmp_path, *lines) -> str:
    f = tmp_path / "prc.csv"
    f.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return f


def test_doctests():
    result = doctest.testmod(prc)
    assert result.attempted > 5 and result.failed == 0


def test_med_rows_clean_and_others_out_of_scope(path, rows):
    r = prc.read(path)
    med = [row for row in rows if row["Type of organization"] == "MED"]
    assert r.rows_in == len(rows) == 5280
    assert len(r.incidents) == len(med) == 1577
    assert len(r.quarantine) == 5280 - 1577
    assert r.quarantine["reason"].str.startswith("out of scope: Type of organization").all()
    assert (r.incidents["organisation_type"] == "unknown").all()
    assert (r.incidents["source"] == "prc").all()


def test_per_year_counts_match_an_independent_count(path, rows):
    df = prc.read(path).incidents
    independent = Counter(
        dt.datetime.strptime(row["Date Made Public"], "%B %d, %Y").year
        for row in rows
        if row["Type of organization"] == "MED"
    )
    assert df["reported_date"].dt.year.value_counts().to_dict() == dict(independent)
    assert independent[2014] == 89 and independent[2016] == 301  # the gap PROVENANCE notes
    assert df["occurred_date"].isna().all()


def test_records_breached(path, rows):
    df = prc.read(path).incidents.set_index("source_row")
    for i, row in enumerate(rows, start=1):
        if row["Type of organization"] != "MED":
            continue
        text = row["Records Breached"].strip()
        value = df.loc[i, "records_affected"]
        if text.lower() in ("unknown", "uknown"):
            assert pd.isna(value)
        elif text.replace(",", "").isdigit():
            assert value == int(text.replace(",", ""))
    assert str(df["records_affected"].dtype) == "Int64"
    unknown = sum(
        1
        for row in rows
        if row["Type of organization"] == "MED" and row["Records Breached"].strip() == "Unknown"
    )
    assert unknown == 325
    assert df["records_affected"].isna().sum() >= unknown


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("33,000", 33000),
        ("29800", 29800),
        ("Unknown", None),
        ("unknown", None),
        ("Uknown", None),
        ("Unknown (10 confirmed)", None),
        ("2,000 (No SSNs or financial information reported)", 2000),
        ("56,000\r\n\r\n            Not added to the total", 56000),
        ("4.5 million", 4_500_000),
        ("2,400&nbsp;", 2400),
        ('"Hundreds"', None),
        ("Up to 1,100 patients", None),
        ("1.5", None),
        ("", None),
    ],
)
def test_parse_records(text, value):
    assert prc.parse_records(text)[0] == value


def test_breach_codes_without_refinement(path, rows):
    df = prc.read(path, refine_from_description=False).incidents
    codes = Counter(row["Type of breach"] for row in rows if row["Type of organization"] == "MED")
    expected = Counter()
    for code, n in codes.items():
        expected[prc.BREACH_CATEGORY[code]] += n
    assert Counter(df["category"]) == expected
    assert Counter(df["source_categories"].map(tuple)) == Counter(
        {(c,): n for c, n in codes.items()}
    )
    assert set(df.loc[df["category"] == "theft", "source_categories"].str[0]) == {
        "PORT",
        "PHYS",
        "STAT",
    }


def test_lost_discarded_or_stolen_split_from_description(path, rows):
    df = prc.read(path).incidents
    lost_or_stolen = df["source_categories"].str[0].isin(["PORT", "PHYS", "STAT"])
    split = df.loc[lost_or_stolen, "category"].value_counts().to_dict()
    assert set(split) == {"theft", "loss", "improper_disposal"}
    assert sum(split.values()) == lost_or_stolen.sum()
    # the other codes are not touched by the description
    other = df.loc[~lost_or_stolen]
    base = other["source_categories"].str[0].map(prc.BREACH_CATEGORY)
    assert all(b in c for b, c in zip(base, other["categories"], strict=True))
    # ... except that hacking described as ransom(ware) also counts as ransomware
    extra = other["categories"].map(len) > 1
    assert (other.loc[extra, "categories"].map(tuple) == ("ransomware", "hacking")).all()
    assert other["description"][extra].str.contains("ransom", case=False).all()
    # PHYS is paper: a third of it is discarded records, not theft
    phys = df.loc[df["source_categories"].str[0] == "PHYS", "category"].value_counts()
    assert phys["improper_disposal"] > 50
    assert (
        df.loc[df["source_categories"].str[0] == "PHYS", "locations"].map(tuple) == ("paper",)
    ).all()


def test_specific_rows(path):
    df = prc.read(path).incidents
    halifax = df[df["organisation"] == "Halifax Health"].iloc[0]
    assert halifax["categories"] == ["theft"] and halifax["locations"] == ["laptop"]
    assert halifax["region"] == "FL" and halifax["country"] == "US"
    assert halifax["records_affected"] == 33000
    assert halifax["reported_date"] == pd.Timestamp("2009-10-15")
    assert halifax["origin"] == "malicious"


def test_region_from_location(path, rows):
    df = prc.read(path, sector=None).incidents.set_index("source_row")
    for i, row in enumerate(rows, start=1):
        if row["Location"].endswith(", California"):
            assert df.loc[i, "region"] == "CA" and df.loc[i, "country"] == "US"
        if row["Location"].endswith(", District Of Columbia"):
            assert df.loc[i, "region"] == "DC"
        if row["Location"].endswith(", Quebec"):
            assert df.loc[i, "region"] == "QC" and df.loc[i, "country"] == "CA"
        if not row["Location"].strip():
            assert pd.isna(df.loc[i, "region"]) and pd.isna(df.loc[i, "country"])
    us_states = df.loc[df["country"] == "US", "region"]
    assert us_states.str.fullmatch(r"[A-Z]{2}").all()


def test_descriptions_are_normalised(path, rows):
    df = prc.read(path).incidents
    raw_multiline = sum(
        1
        for row in rows
        if row["Type of organization"] == "MED" and "\n" in row["Description of incident"]
    )
    assert raw_multiline > 100
    desc = df["description"].dropna()
    assert not desc.str.contains(r"[\r\n]|\s{2,}", regex=True).any()
    assert not desc.str.match(r"^\s|.*\s$").any()


def test_ids_are_deterministic_and_duplicates_only_true_reentries(path):
    a = prc.read(path).incidents["incident_id"]
    b = prc.read(path).incidents["incident_id"]
    assert a.equals(b) and a.str.match(r"^prc-[0-9a-f]{16}$").all()

    df = ist.load("prc", path)
    p = df.attrs["provenance"]
    assert (p["rows_in"], p["rows_clean"], p["rows_quarantined"], p["duplicates_removed"]) == (
        5280,
        1576,
        3703,
        1,
    )
    # Ochsner's hard drive was entered twice; United HealthGroup made two breaches
    # public on the same day (735 and 16,291 records): they stay two incidents.
    ochsner = df[df["organisation"] == "Ochsner Medical Center"]
    assert (ochsner["reported_date"] == pd.Timestamp("2012-02-21")).sum() == 1
    assert (df["organisation"] == "United HealthGroup").sum() >= 2


def test_sector_none_and_lists(path, rows):
    everything = ist.ingest("prc", path, sector=None).provenance
    assert everything["rows_in"] == 5280 and everything["rows_quarantined"] == 0
    identical = pd.DataFrame(rows).drop(columns=["Total Records", "Information Source"])
    assert (
        everything["duplicates_removed"]
        == 3
        == identical.duplicated(
            ["Date Made Public", "Company", "Location", "Type of breach", "Records Breached"]
        ).sum()
    )
    two = prc.read(path, sector=["MED", "edu"])
    expected = sum(row["Type of organization"] in ("MED", "EDU") for row in rows)
    assert len(two.incidents) == expected
    with pytest.raises(ParameterError, match="sector"):
        prc.read(path, sector="HEALTH")
    with pytest.raises(ParameterError, match="sector"):
        ist.load("prc", path, sector=[])


def test_detect_and_auto(path, shared):
    assert prc.detect(path)
    assert detect_source(path) == "prc"
    assert not prc.detect(shared("vcdb", "vcdb_2019-03_healthcare_flat_shared.csv"))
    assert not prc.detect(shared("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv"))
    assert not prc.detect(shared("vcdb", "json"))
    auto = ist.load("auto", path)
    assert auto.attrs["provenance"]["formats"] == ["prc"]
    assert len(auto) == 1576


def test_bad_rows_are_quarantined_with_reasons(tmp_path):
    f = write(
        tmp_path,
        '"October 15, 2009","Good Clinic","Austin, TX","HACK","MED","1,200","1,200",'
        '"Ransomware encrypted the files.","Media"',
        '"Someday","Bad Date Clinic","Austin, Texas","HACK","MED","1","1","x","Media"',
        '"","No Date Clinic","Austin, Texas","HACK","MED","1","1","x","Media"',
        '"October 15, 2009","  ","Austin, Texas","HACK","MED","1","1","x","Media"',
        '"January 1, 2099","Future Clinic","Austin, Texas","HACK","MED","1","1","x","Media"',
        '"October 15, 2009","A School","Austin, Texas","HACK","EDU","1","1","x","Media"',
        '"October 15, 2009","Odd Code Clinic","Austin, Texas","ZZZZ","MED","1","1","x","Media"',
    )
    r = prc.read(f)
    assert r.rows_in == 7 == len(r.incidents) + len(r.quarantine)
    reasons = dict(zip(r.quarantine["source_row"], r.quarantine["reason"], strict=True))
    assert reasons == {
        2: "unparseable Date Made Public",
        3: "missing required field: Date Made Public",
        4: "missing required field: Company",
        5: "Date Made Public is in the future",
        6: "out of scope: Type of organization 'EDU' is not MED",
    }
    good = r.incidents.set_index("organisation").loc["Good Clinic"]
    assert good["categories"] == ["ransomware", "hacking"] and good["region"] == "TX"
    odd = r.incidents.set_index("organisation").loc["Odd Code Clinic"]
    assert odd["categories"] == ["other"] and odd["source_categories"] == ["ZZZZ"]
    assert any("ZZZZ (1)" in note for note in r.notes)


def test_missing_columns_is_an_input_error(tmp_path):
    f = tmp_path / "prc.csv"
    f.write_text('"Date Made Public","Company"\n"October 15, 2009","X"\n')
    with pytest.raises(InputError, match="missing column"):
        prc.read(f)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Minnesota", ("MN", "US")),
        ("District Of Columbia", ("DC", "US")),
        ("D.C.", ("DC", "US")),
        ("tx", ("TX", "US")),
        ("Puerto Rico", ("PR", "US")),
        ("British Columbia", ("BC", "CA")),
        ("London", ("London", None)),
        ("", (None, None)),
    ],
)
def test_state_code(text, expected):
    assert prc.state_code(text) == expected
