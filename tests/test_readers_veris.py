"""Tests for readers/veris.py: VCDB JSON files and directories, and verisr's flat table."""

from __future__ import annotations

import copy
import datetime as dt
import doctest
import json
from collections import Counter

import pandas as pd
import pytest

import incidentstats as ist
from incidentstats.errors import InputError, ParameterError
from incidentstats.readers import detect_source, veris

FLAT = ("vcdb", "vcdb_2019-03_healthcare_flat_shared.csv")
SCHEMA = ("vcdb", "verisc-merged.json")
A4 = ("Malware", "Hacking", "Social", "Physical", "Misuse", "Error", "Environmental", "Unknown")


def raw_incidents(json_dir) -> list[dict]:
    """The incidents of a VCDB JSON directory, read with nothing but json."""
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(json_dir.iterdir())
        if p.suffix.lower() == ".json"
    ]


def action_counts(incidents) -> Counter:
    return Counter(name.capitalize() for d in incidents for name in d["action"])


def write_json(path, obj) -> None:
    path.write_text(json.dumps(obj), encoding="utf-8")


@pytest.fixture
def json_dir(shared):
    return shared("vcdb", "json")


@pytest.fixture
def one_incident(json_dir) -> dict:
    """A real incident (year only, Error/Loss, partner actor) to vary in hand-made files."""
    return json.loads((json_dir / "000D403E-2DC9-4EA7-9294-BD3938D1C3C7.json").read_text())


def variant(base: dict, incident_id: str, **changes) -> dict:
    d = copy.deepcopy(base)
    d["incident_id"] = incident_id
    for dotted, value in changes.items():
        node = d
        *parents, last = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return d


def test_doctests():
    result = doctest.testmod(veris)
    assert result.attempted > 5 and result.failed == 0


# --- the 31 real JSON files --------------------------------------------------------------


def test_real_json_directory_loads_every_file(json_dir):
    r = veris.read(json_dir)
    raw = raw_incidents(json_dir)
    assert r.format == "veris-json"
    assert r.rows_in == len(raw) == 31
    assert len(r.incidents) == 31 and r.quarantine.empty
    expected_ids = {"veris-" + d["incident_id"].lower() for d in raw}
    assert set(r.incidents["incident_id"]) == expected_ids
    # file names are not incident ids in this sample: every row names its own file
    assert r.incidents["source_file"].str.endswith(".json").all()
    assert r.incidents["source_file"].nunique() == 31


def test_action_counts_match_provenance_and_an_independent_count(json_dir):
    df = veris.read(json_dir).incidents
    ours = Counter(df["source_categories"].explode().dropna())
    independent = action_counts(raw_incidents(json_dir))
    provenance = {"Error": 15, "Physical": 8, "Misuse": 4, "Hacking": 3, "Malware": 1, "Social": 1}
    assert dict(independent) == provenance
    assert dict(ours) == provenance


def test_per_year_counts_match_an_independent_count(json_dir):
    df = veris.read(json_dir).incidents
    independent = Counter(d["timeline"]["incident"]["year"] for d in raw_incidents(json_dir))
    assert df["occurred_date"].dt.year.value_counts().to_dict() == dict(independent)
    assert df["reported_date"].isna().all()  # VERIS has no report date


def test_missing_month_and_day_become_the_first(json_dir):
    df = veris.read(json_dir).incidents.set_index("incident_id")
    dates = df["occurred_date"]
    assert dates["veris-000d403e-2dc9-4ea7-9294-bd3938d1c3c7"] == pd.Timestamp("2014-01-01")  # year
    assert dates["veris-00c84d6a-cdb8-4a5b-a1a6-0d75a65274d7"] == pd.Timestamp(
        "2014-06-01"
    )  # month
    assert dates["veris-0b52e024-3a05-4d52-822a-b5fa409677e3"] == pd.Timestamp("2013-02-24")  # day


def test_field_mapping_against_the_raw_json(json_dir):
    df = veris.read(json_dir).incidents.set_index("incident_id")
    for d in raw_incidents(json_dir):
        row = df.loc["veris-" + d["incident_id"].lower()]
        victim = d["victim"]
        known = [c for c in victim["country"] if c != "Unknown"]
        assert (row["country"] if pd.notna(row["country"]) else None) == (
            known[0] if known else None
        )
        org = victim.get("victim_id")
        assert (row["organisation"] if pd.notna(row["organisation"]) else None) == (
            None if org in (None, "Unknown") else org
        )
        total = d["attribute"].get("confidentiality", {}).get("data_total")
        assert (None if pd.isna(row["records_affected"]) else int(row["records_affected"])) == total
        partner = "partner" in d["actor"]
        assert (True if partner else None) == (
            None if pd.isna(row["business_associate"]) else bool(row["business_associate"])
        )
        assert row["impacts"] == [
            a for a in ("confidentiality", "integrity", "availability") if a in d["attribute"]
        ]
        summary = (d.get("summary") or "").strip() or None
        assert (None if pd.isna(row["description"]) else row["description"]) == summary
        assert row["organisation_type"] == "provider"
        assert pd.isna(row["patient_impact"])


def test_specific_real_incidents(json_dir):
    df = veris.read(json_dir).incidents.set_index("incident_id")
    loss = df.loc["veris-000d403e-2dc9-4ea7-9294-bd3938d1c3c7"]  # error/Loss, M - Disk media
    assert loss["categories"] == ["loss"] and loss["origin"] == "accidental"
    assert loss["locations"] == ["portable_device"]
    disposal = df.loc["veris-0b2e623d-9af5-48b0-a977-777223c57ad2"]  # error/Disposal error
    assert disposal["categories"] == ["improper_disposal"] and disposal["locations"] == ["paper"]
    phish = df.loc["veris-77735fe0-8f47-11e8-a74f-e5450456a5bf"]  # hacking + social, S - Mail
    assert phish["categories"] == ["hacking", "phishing"]
    assert phish["category"] == "hacking"
    assert phish["source_categories"] == ["Hacking", "Social"]
    assert phish["locations"] == ["email", "other"]  # S - Mail, P - Unknown
    theft = df.loc["veris-0c3aa142-b5e2-4e95-a7fa-420df39e366e"]  # Theft + Disabled controls
    assert theft["categories"] == ["theft"] and theft["locations"] == ["laptop"]
    unknown_country = df.loc["veris-0c0fcc7e-a613-4123-ac90-c3997e30756c"]
    assert pd.isna(unknown_country["country"]) and pd.isna(unknown_country["region"])


def test_schema_check_of_real_files_finds_nothing_unknown(json_dir, shared):
    r = veris.read(json_dir, schema=shared(*SCHEMA))
    assert r.notes[-1] == "schema check: every enumeration value is listed in the schema"


def test_schema_check_reports_unknown_enumerations(tmp_path, one_incident, shared):
    write_json(
        tmp_path / "a.json",
        variant(one_incident, "A-1", action={"hacking": {"variety": ["Telepathy"]}}),
    )
    r = veris.read(tmp_path, schema=shared(*SCHEMA))
    assert len(r.incidents) == 1  # a note, never a quarantine
    assert "action.hacking.variety='Telepathy' (1)" in r.notes[-1]


def test_schema_that_is_not_json_is_an_input_error(tmp_path, json_dir):
    bad = tmp_path / "schema.json"
    bad.write_text("not json")
    with pytest.raises(InputError, match="schema is not valid JSON"):
        veris.read(json_dir, schema=bad)


# --- categories and locations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "categories"),
    [
        ({"malware": ["Ransomware"]}, ["ransomware"]),
        ({"malware": ["Ransomware", "Unknown"]}, ["ransomware"]),
        ({"malware": ["Ransomware", "Destroy data"]}, ["ransomware", "malware"]),
        ({"malware": ["Spyware/Keylogger"]}, ["malware"]),
        ({"malware": []}, ["malware"]),
        ({"social": ["Bribery"]}, ["phishing"]),
        ({"error": ["Misdelivery"]}, ["error"]),
        ({"error": ["Publishing error"]}, ["error"]),
        ({"error": ["Misconfiguration"]}, ["error"]),
        ({"error": ["Loss"]}, ["loss"]),
        ({"error": ["Disposal error"]}, ["improper_disposal"]),
        ({"error": ["Malfunction"]}, ["technical_failure"]),
        ({"physical": ["Theft", "Disabled controls"]}, ["theft"]),
        ({"physical": ["Assault"]}, ["other"]),
        ({"misuse": ["Privilege abuse"], "physical": ["Theft"]}, ["theft", "misuse"]),
        ({"environmental": ["Fire"]}, ["environmental"]),
        ({"unknown": []}, ["unknown"]),
        ({"espionage": []}, ["other"]),
        ({}, ["unknown"]),
    ],
)
def test_categories_from_actions(actions, categories):
    assert veris.categories_from_actions(actions)[0] == categories


def test_source_categories_follow_veris_order():
    _, labels = veris.categories_from_actions({"social": [], "hacking": [], "error": []})
    assert labels == ["Hacking", "Social", "Error"]


@pytest.mark.parametrize(
    ("asset", "location"),
    [
        ("S - Database", "network_server"),
        ("S - Mail", "email"),
        ("N - Router or switch", "network_server"),
        ("U - Laptop", "laptop"),
        ("U - Desktop", "desktop"),
        ("U - Mobile phone", "portable_device"),
        ("M - Flash drive", "portable_device"),
        ("M - Tapes", "portable_device"),
        ("M - Documents", "paper"),
        ("P - End-user", "other"),
        ("T - ATM", "other"),
        ("U - Unknown", "unknown"),
        ("Unknown", "unknown"),
    ],
)
def test_location_of_asset(asset, location):
    assert veris.location_of_asset(asset) == location


@pytest.mark.parametrize(
    ("naics", "kind"),
    [("622110", "provider"), ("621", "provider"), ("623990", "provider"), ("624", "provider")]
    + [("62", "provider"), ("524114", "health_plan"), ("5221", "other"), ("", "unknown")],
)
def test_organisation_type_of(naics, kind):
    assert veris.organisation_type_of(naics) == kind


# --- hand-made files ----------------------------------------------------------------------


def test_industry_scope_and_none(tmp_path, one_incident):
    write_json(tmp_path / "health.json", variant(one_incident, "H-1"))
    write_json(tmp_path / "bank.json", variant(one_incident, "B-1", victim__industry="5221"))
    write_json(tmp_path / "insurer.json", variant(one_incident, "I-1", victim__industry="524114"))
    write_json(tmp_path / "none.json", variant(one_incident, "N-1", victim__industry=None))

    health = veris.read(tmp_path)
    assert list(health.incidents["incident_id"]) == ["veris-h-1"]
    assert health.rows_in == 4 and len(health.quarantine) == 3
    assert health.quarantine["reason"].str.startswith("out of scope:").all()
    assert "'5221' is not NAICS 62*" in " ".join(health.quarantine["reason"])

    everything = veris.read(tmp_path, industry=None)
    kinds = everything.incidents.set_index("incident_id")["organisation_type"].to_dict()
    assert kinds == {
        "veris-h-1": "provider",
        "veris-b-1": "other",
        "veris-i-1": "health_plan",
        "veris-n-1": "unknown",
    }
    insurers = veris.read(tmp_path, industry="524114")
    assert list(insurers.incidents["incident_id"]) == ["veris-i-1"]


def test_real_directory_with_industry_none_keeps_the_same_31(json_dir):
    assert len(veris.read(json_dir, industry=None).incidents) == 31
    assert len(veris.read(json_dir, industry="622").incidents) == sum(
        d["victim"]["industry"].startswith("622") for d in raw_incidents(json_dir)
    )


def test_array_file_and_upper_case_extension(tmp_path, one_incident):
    array = [variant(one_incident, f"ARR-{i}") for i in range(3)]
    write_json(tmp_path / "BATCH.JSON", array)
    write_json(tmp_path / "0a1b-single.json", variant(one_incident, "One"))
    (tmp_path / "notes.txt").write_text("not an incident")

    r = veris.read(tmp_path)
    assert r.rows_in == 4 and len(r.incidents) == 4
    by_id = r.incidents.set_index("incident_id")
    assert by_id.loc["veris-arr-2", "source_row"] == 3
    assert by_id.loc["veris-arr-2", "source_file"].endswith("BATCH.JSON")

    single = veris.read(tmp_path / "BATCH.JSON")
    assert single.format == "veris-json" and list(single.incidents["source_row"]) == [1, 2, 3]
    assert detect_source(tmp_path / "BATCH.JSON") == "veris"


def test_invalid_json_and_missing_keys_are_quarantined(tmp_path, one_incident):
    write_json(tmp_path / "good.json", variant(one_incident, "G-1"))
    (tmp_path / "broken.json").write_text('{"incident_id": "X", "action": ', encoding="utf-8")
    (tmp_path / "empty.json").write_text("", encoding="utf-8")
    write_json(tmp_path / "no_timeline.json", variant(one_incident, "M-1", timeline=None))
    write_json(tmp_path / "bare.json", {"summary": "just a note"})
    write_json(tmp_path / "array.json", [variant(one_incident, "A-1"), "a string"])

    r = veris.read(tmp_path)
    reasons = r.quarantine.set_index(r.quarantine["source_file"].str.rsplit("/", n=1).str[-1])
    assert reasons.loc["broken.json", "reason"].startswith("invalid JSON: ")
    assert reasons.loc["empty.json", "reason"] == "invalid JSON: empty file"
    assert (
        reasons.loc["no_timeline.json", "reason"] == "not a VERIS incident: missing key(s) timeline"
    )
    assert reasons.loc["bare.json", "reason"] == (
        "not a VERIS incident: missing key(s) incident_id, action, timeline"
    )
    assert reasons.loc["array.json", "reason"].startswith("not a VERIS incident: a JSON str")
    assert reasons.loc["array.json", "source_row"] == 2
    assert sorted(r.incidents["incident_id"]) == ["veris-a-1", "veris-g-1"]
    assert r.rows_in == 7 == len(r.incidents) + len(r.quarantine)

    p = ist.ingest("veris", tmp_path).provenance
    assert (p["rows_in"], p["rows_clean"], p["rows_quarantined"], p["duplicates_removed"]) == (
        7,
        2,
        5,
        0,
    )


def test_impossible_dates_are_quarantined(tmp_path, one_incident):
    next_year = dt.date.today().year + 1
    cases = {
        "old": {"year": 1985},
        "future": {"year": next_year},
        "feb30": {"year": 2016, "month": 2, "day": 30},
        "text": {"year": "soon"},
        "none": {"month": 3},
        "ok": {"year": 2016, "month": 2, "day": 29},
    }
    for name, incident in cases.items():
        write_json(
            tmp_path / f"{name}.json", variant(one_incident, name, timeline__incident=incident)
        )
    r = veris.read(tmp_path)
    assert list(r.incidents["occurred_date"]) == [pd.Timestamp("2016-02-29")]
    names = r.quarantine["source_file"].str.rsplit("/", n=1).str[-1].str.removesuffix(".json")
    reasons = dict(zip(names, r.quarantine["reason"], strict=True))
    assert reasons == {
        "old": "incident year 1985 is impossible (before 1990)",
        "future": f"incident year {next_year} is impossible (in the future)",
        "feb30": "timeline.incident 2016-2-30 is not a date",
        "text": "non-numeric timeline.incident.year 'soon'",
        "none": "missing timeline.incident.year",
    }


def test_duplicate_ids_in_a_directory_are_removed_by_ingest(tmp_path, one_incident):
    write_json(tmp_path / "a.json", variant(one_incident, "Same-ID"))
    write_json(tmp_path / "b.json", variant(one_incident, "same-id"))  # case differs only
    df = ist.load("veris", tmp_path)
    p = df.attrs["provenance"]
    assert len(df) == 1
    assert (p["rows_in"], p["rows_clean"], p["duplicates_removed"]) == (2, 1, 1)


def test_user_errors_are_one_line_errors(tmp_path, json_dir):
    with pytest.raises(InputError, match="no .json files"):
        veris.read(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    with pytest.raises(InputError, match="is not valid JSON"):
        veris.read(bad)
    number = tmp_path / "number.json"
    number.write_text("42")
    with pytest.raises(InputError, match="holds a JSON int"):
        veris.read(number)
    with pytest.raises(InputError, match="file not found"):
        veris.read(tmp_path / "missing")
    other = tmp_path / "settings.json"
    other.write_text('{"theme": "dark"}')
    with pytest.raises(InputError, match="not a VERIS incident"):
        veris.read(other)
    with pytest.raises(ParameterError, match="industry"):
        veris.read(json_dir, industry="health")
    with pytest.raises(ParameterError, match="industry"):
        ist.load("veris", json_dir, industry="6")


# --- load / auto --------------------------------------------------------------------------


def test_load_veris_and_auto_and_shares(json_dir):
    df = ist.load("veris", json_dir)
    auto = ist.load("auto", json_dir)
    assert detect_source(json_dir) == "veris"
    pd.testing.assert_frame_equal(df, auto)
    p = df.attrs["provenance"]
    assert p["formats"] == ["veris-json"] and p["rows_in"] == 31 and p["rows_clean"] == 31
    assert any(rule.startswith("veris: ") for rule in p["rules"])
    table = ist.shares(df, by="source_categories").set_index("value")
    assert table.loc["Error", "x"] == 15 and table.loc["Error", "n"] == 31


# --- the flat table ---------------------------------------------------------------------


@pytest.fixture
def flat(shared):
    return shared(*FLAT)


@pytest.fixture
def flat_raw(flat):
    return pd.read_csv(flat, dtype=str, keep_default_na=False)


def test_flat_table_loads_with_balanced_accounting(flat):
    r = veris.read(flat)
    assert r.format == "veris-flat"
    assert r.rows_in == 1503 and len(r.incidents) == 1503 and r.quarantine.empty
    assert r.as_of == "2019-03-05"  # recognised by its sha256
    p = ist.ingest("veris", flat).provenance
    assert p["rows_in"] == p["rows_clean"] + p["rows_quarantined"] + p["duplicates_removed"]
    assert p["as_of"] == "2019-03-05" and p["as_of_rule"] == "stated by the input"


def test_flat_action_counts_match_provenance_and_pandas(flat, flat_raw):
    df = veris.read(flat).incidents
    ours = Counter(df["source_categories"].explode().dropna())
    independent = {a: int((flat_raw[f"action.{a}"] == "1").sum()) for a in A4}
    provenance = {
        "Physical": 463,
        "Error": 431,
        "Misuse": 392,
        "Hacking": 161,
        "Malware": 80,
        "Social": 72,
        "Unknown": 39,
    }
    assert {a: n for a, n in independent.items() if n} == provenance
    assert dict(ours) == provenance
    ransomware = int((flat_raw["action.malware.variety.Ransomware"] == "1").sum())
    assert ransomware == 42
    assert df["categories"].map(lambda c: "ransomware" in c).sum() == ransomware


def test_flat_per_year_country_and_records_match_pandas(flat, flat_raw):
    df = veris.read(flat).incidents
    years = flat_raw["timeline.incident.year"].astype(int).value_counts().to_dict()
    assert df["occurred_date"].dt.year.value_counts().to_dict() == years
    us = int((flat_raw["victim.country.US"] == "1").sum())
    assert (df["country"] == "US").sum() == us
    totals = pd.to_numeric(flat_raw["attribute.confidentiality.data_total"], errors="coerce")
    assert df["records_affected"].notna().sum() == totals.notna().sum()
    assert int(df["records_affected"].sum()) == int(totals.sum())
    partner = int((flat_raw["actor.Partner"] == "1").sum())
    assert (df["business_associate"] == True).sum() == partner  # noqa: E712
    assert df["business_associate"].isna().sum() == len(df) - partner


def test_flat_and_json_agree_on_the_31_shared_incidents(flat, json_dir):
    j = veris.read(json_dir).incidents.set_index("incident_id")
    f = veris.read(flat).incidents.set_index("incident_id")
    common = j.index.intersection(f.index).sort_values()
    assert len(common) == 31
    columns = [
        "occurred_date",
        "organisation",
        "organisation_type",
        "region",
        "country",
        "categories",
        "category",
        "source_categories",
        "origin",
        "locations",
        "records_affected",
        "business_associate",
        "impacts",
        "description",
    ]
    pd.testing.assert_frame_equal(j.loc[common, columns], f.loc[common, columns])


def test_json_and_flat_together_dedupe_by_incident_id(flat, json_dir):
    ids = {"veris-" + d["incident_id"].lower() for d in raw_incidents(json_dir)}
    res = ist.ingest("veris", [json_dir, flat])
    p = res.provenance
    assert p["rows_in"] == 31 + 1503
    assert p["duplicates_removed"] == len(ids) == 31
    assert p["rows_clean"] == 1503
    assert set(res.incidents["incident_id"]) >= ids


def test_flat_industry_scope_and_bad_rows(tmp_path, flat_raw):
    small = flat_raw.head(6).copy()
    small.loc[1, "victim.industry"] = "5221"
    small.loc[2, "timeline.incident.year"] = "1985"
    small.loc[3, "timeline.incident.month"] = "13"
    small.loc[4, "incident_id"] = ""
    path = tmp_path / "flat.csv"
    small.to_csv(path, index=False)

    r = veris.read(path)
    assert r.as_of is None  # not the known file any more
    assert r.rows_in == 6 and len(r.incidents) == 2
    reasons = dict(zip(r.quarantine["source_row"], r.quarantine["reason"], strict=True))
    assert reasons == {
        2: "out of scope: victim.industry '5221' is not NAICS 62*",
        3: "incident year before 1990 is impossible",
        4: "timeline.incident.month is not a month",
        5: "not a VERIS incident: empty incident_id",
    }
    assert len(veris.read(path, industry=None).incidents) == 3
    assert detect_source(path) == "veris"


def test_flat_table_schema_check_lists_values_missing_from_the_schema(flat, shared):
    r = veris.read(flat, schema=shared(*SCHEMA))
    (note,) = [n for n in r.notes if n.startswith("schema check:")]
    assert "action.error.variety='Omission' (9)" in note


def test_csv_that_is_neither_is_an_input_error(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("incident_id,foo\n1,2\n")
    assert not veris.detect(path)
    with pytest.raises(InputError, match="missing column"):
        veris.read(path)


def test_detect_rejects_other_sources(shared):
    assert not veris.detect(shared(*SCHEMA))
    assert not veris.detect(shared("prc", "prc_chronology_export_2017-01_amlin.csv"))
    assert not veris.detect(shared("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv"))
    assert veris.detect(shared(*FLAT))
