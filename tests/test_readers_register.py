"""Tests for readers/register.py: a generic CSV/Excel register read through a mapping file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

import incidentstats as ist
from incidentstats import readers
from incidentstats.errors import InputError, ParameterError
from incidentstats.readers import register

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "data" / "raw" / "examples"
REGISTER = EXAMPLES / "register_fr_example.csv"
MAPPING = EXAMPLES / "register_fr_example.yaml"


@pytest.fixture(scope="module")
def example():
    return register.read(REGISTER, mapping=MAPPING)


def by_id(result, incident_id):
    rows = result.incidents[result.incidents["incident_id"] == incident_id]
    assert len(rows) == 1, incident_id
    return rows.iloc[0]


def mapping_dict(**changes) -> dict:
    data = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    data.update(changes)
    return data


# --- the shipped example ------------------------------------------------------------------


def test_example_is_marked_illustrative():
    first_line = REGISTER.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# ILLUSTRATIVE")
    assert "fictitious" in first_line
    assert "ILLUSTRATIVE" in (EXAMPLES / "README.md").read_text(encoding="utf-8")


def test_example_accounting(example):
    assert example.rows_in == 32
    assert len(example.incidents) == 30
    assert len(example.quarantine) == 2
    assert example.format == "csv"
    assert example.encoding == "utf-8"
    q = example.quarantine.set_index("source_row")["reason"]
    assert q[8] == "unparseable date in Date de déclaration (expected %d/%m/%Y)"  # 31/02/2023
    assert q[16] == "non-numeric Patients concernés"  # "environ 300"
    assert '"Référence": "EX-008"' in example.quarantine["raw"].iloc[0]


def test_example_first_row_hand_checked(example):
    row = by_id(example, "EX-001")
    assert row["source"] == "register-fr"
    assert row["reported_date"] == pd.Timestamp("2023-01-05")  # 05/01/2023 is 5 January
    assert row["occurred_date"] == pd.Timestamp("2023-01-03")
    assert row["organisation"] == "Centre hospitalier d'Exempleville"
    assert row["organisation_type"] == "hospital"
    assert row["region"] == "Occitanie"
    assert row["country"] == "FR"  # from defaults
    assert row["categories"] == ["ransomware", "phishing"]
    assert row["category"] == "ransomware"
    assert row["source_categories"] == ["Rançongiciel", "Hameçonnage"]
    assert row["origin"] == "malicious"
    assert row["records_affected"] == 12_000  # "12 000"
    assert row["patient_impact"] == True  # noqa: E712  ("oui")
    assert row["impacts"] == ["patient_safety"]
    assert row["locations"] == ["network_server"]
    assert row["cost_eur"] == 125_000.0
    assert row["source_row"] == 1


def test_example_decimal_comma_and_thousands(example):
    assert by_id(example, "EX-017")["cost_eur"] == 150_000.5  # "150 000,50"
    assert by_id(example, "EX-003")["cost_eur"] == 4_250.5  # "4 250,50"
    assert by_id(example, "EX-029")["cost_eur"] == 1_750.25  # "1 750,25"
    assert pd.isna(by_id(example, "EX-004")["cost_eur"])  # blank cell
    assert by_id(example, "EX-020")["records_affected"] == 1_000_000  # "1 000 000"
    # Hand-added over the 30 clean rows.
    assert example.incidents["cost_eur"].sum() == pytest.approx(1_532_501.25)
    assert int(example.incidents["records_affected"].sum()) == 1_126_687


def test_example_multi_valued_categories(example):
    row = by_id(example, "EX-013")  # "Hameçonnage + Piratage"
    assert row["categories"] == ["hacking", "phishing"]  # precedence order
    assert row["category"] == "hacking"
    assert row["source_categories"] == ["Hameçonnage", "Piratage"]  # verbatim, file order
    row = by_id(example, "EX-012")  # "Erreur humaine + Perte"
    assert row["categories"] == ["loss", "error"]
    assert row["origin"] == "accidental"
    row = by_id(example, "EX-015")  # theft + unauthorized access: malicious wins
    assert row["categories"] == ["theft", "unauthorized_access"]
    assert row["origin"] == "malicious"


def test_example_category_counts_hand_checked(example):
    counts = example.incidents["category"].value_counts().to_dict()
    assert counts == {
        "ransomware": 5,
        "technical_failure": 4,
        "phishing": 3,
        "theft": 3,
        "loss": 3,
        "other": 3,
        "error": 2,
        "hacking": 2,
        "malware": 1,
        "environmental": 1,
        "improper_disposal": 1,
        "misuse": 1,
        "unauthorized_access": 1,
    }
    assert example.incidents["origin"].value_counts().to_dict() == {
        "malicious": 15,
        "accidental": 11,
        "unknown": 4,
    }
    assert int(example.incidents["patient_impact"].sum()) == 10
    types = example.incidents["organisation_type"].value_counts().to_dict()
    assert types == {
        "hospital": 15,
        "nursing_home": 5,
        "laboratory": 5,
        "medico_social": 3,
        "radiotherapy": 2,
    }


def test_example_optional_date_and_blank_location(example):
    assert pd.isna(by_id(example, "EX-010")["occurred_date"])  # blank secondary date is fine
    assert by_id(example, "EX-032")["locations"] == []
    assert by_id(example, "EX-019")["locations"] == ["portable_device"]  # Smartphone


def test_unmapped_category_goes_to_other_and_is_noted(example):
    rows = example.incidents[
        example.incidents["source_categories"].map(lambda s: s == ["Indisponibilité prestataire"])
    ]
    assert sorted(rows["incident_id"]) == ["EX-009", "EX-023"]
    assert all(c == ["other"] for c in rows["categories"])
    assert len(example.notes) == 1
    note = example.notes[0]
    assert (
        "Catégorie" in note
        and "'Indisponibilité prestataire' (2 rows)" in note
        and "'other'" in note
    )


def test_unmapped_organisation_type_is_noted(tmp_path):
    text = REGISTER.read_text(encoding="utf-8").replace(
        ";Laboratoire;", ";Laboratoire d'analyses;", 1
    )
    path = tmp_path / "reg.csv"
    path.write_text(text, encoding="utf-8")
    result = register.read(path, mapping=MAPPING)
    assert by_id(result, "EX-003")["organisation_type"] == "other"
    assert any(
        "organisation_type" in n and "Laboratoire d'analyses" in n and "(1 row)" in n
        for n in result.notes
    )


def test_label_matching_ignores_case_and_spaces(tmp_path):
    text = REGISTER.read_text(encoding="utf-8").replace(";Rançongiciel;", ";  RANÇONGICIEL ;", 1)
    path = tmp_path / "reg.csv"
    path.write_text(text, encoding="utf-8")
    result = register.read(path, mapping=MAPPING)
    row = by_id(result, "EX-011")
    assert row["categories"] == ["ransomware"]
    assert row["source_categories"] == ["RANÇONGICIEL"]  # verbatim, only trimmed
    assert len(result.notes) == 1  # still only the deliberate 'Indisponibilité prestataire'


# --- encodings, mapping formats -----------------------------------------------------------


def test_cp1252_register(tmp_path, example):
    path = tmp_path / "reg_cp1252.csv"
    path.write_bytes(REGISTER.read_text(encoding="utf-8").encode("cp1252"))
    result = register.read(path, mapping=mapping_dict(encoding="cp1252"))
    assert result.encoding == "cp1252"
    pd.testing.assert_frame_equal(
        result.incidents.drop(columns="source_file"), example.incidents.drop(columns="source_file")
    )
    assert by_id(result, "EX-007")["organisation"] == "Foyer d'accueil fictif Les Cèdres"


def test_cp1252_register_read_as_utf8_is_an_input_error(tmp_path):
    path = tmp_path / "reg_cp1252.csv"
    path.write_bytes(REGISTER.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(InputError, match="cannot be decoded as utf-8"):
        register.read(path, mapping=MAPPING)


TOML_MAPPING = """
version = 1
source = "register-fr"
encoding = "utf-8"
separator = ";"
decimal = ","
thousands = " "
comment = "#"
date_format = "%d/%m/%Y"
multi_separator = " + "
required = ["organisation", "categories"]
true_values = ["oui", "o"]
false_values = ["non", "n"]

[columns]
incident_id = "Référence"
reported_date = "Date de déclaration"
occurred_date = "Date de survenue"
organisation = "Structure"
organisation_type = "Type de structure"
region = "Région"
categories = "Catégorie"
records_affected = "Patients concernés"
patient_impact = "Mise en danger patient"
locations = "Support"
description = "Description"

[defaults]
country = "FR"

[extras.cost_eur]
column = "Coût estimé (€)"
type = "number"

[values.categories]
"Rançongiciel" = "ransomware"
"Logiciel malveillant" = "malware"
"Piratage" = "hacking"
"Hameçonnage" = "phishing"
"Vol" = "theft"
"Usage abusif" = "misuse"
"Accès non autorisé" = "unauthorized_access"
"Élimination inappropriée" = "improper_disposal"
"Perte" = "loss"
"Erreur humaine" = "error"
"Défaillance technique" = "technical_failure"
"Inondation" = "environmental"
"Autre" = "other"

[values.organisation_type]
"Établissement de santé" = "hospital"
"EHPAD" = "nursing_home"
"Laboratoire" = "laboratory"
"Centre de radiothérapie" = "radiotherapy"
"Médico-social" = "medico_social"

[values.locations]
"Serveur" = "network_server"
"Messagerie" = "email"
"Papier" = "paper"
"Ordinateur portable" = "laptop"
"Poste de travail" = "desktop"
"Dossier patient informatisé" = "ehr"
"Clé USB" = "portable_device"
"Smartphone" = "portable_device"
"""


def test_toml_mapping_is_equivalent(tmp_path, example):
    path = tmp_path / "mapping.toml"
    path.write_text(TOML_MAPPING, encoding="utf-8")
    result = register.read(REGISTER, mapping=path)
    pd.testing.assert_frame_equal(result.incidents, example.incidents)
    assert len(result.quarantine) == 2
    assert result.notes == example.notes


def test_mapping_as_dict_equals_yaml(example):
    result = register.read(REGISTER, mapping=mapping_dict())
    pd.testing.assert_frame_equal(result.incidents, example.incidents)


# --- mapping errors -----------------------------------------------------------------------


def test_mapping_naming_a_missing_column(tmp_path):
    data = mapping_dict()
    data["columns"]["reported_date"] = "Date de signalement"
    data["columns"]["region"] = "Département"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as info:
        register.read(REGISTER, mapping=path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "'Date de signalement'" in message and "'Département'" in message
    assert "register_fr_example.csv" in message
    assert "columns found: 'Référence', 'Date de déclaration'" in message


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = "version: 1\nseparator: ';'\ncolumns:\n  reported_date: Date\n  organisation: Structure\n"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("unknown_key.yaml", MINIMAL + "delimiter: ','\n", "unknown key(s) 'delimiter'"),
        ("no_version.yaml", MINIMAL.replace("version: 1\n", ""), "missing 'version: 1'"),
        (
            "version2.yaml",
            MINIMAL.replace("version: 1", "version: 2"),
            "unsupported mapping version 2",
        ),
        ("bad_field.yaml", MINIMAL + "  cost: Coût\n", "columns: unknown field(s) 'cost'"),
        (
            "bad_code.yaml",
            MINIMAL + "values:\n  categories:\n    Rançon: ransom\n",
            "'Rançon' -> 'ransom' is not a taxonomy code",
        ),
        (
            "bool_label.yaml",
            MINIMAL + "values:\n  categories:\n    No: error\n",
            "label False is not text",
        ),
        ("bad_sep.yaml", MINIMAL.replace("';'", "';;'"), "separator must be one character"),
        ("bad_decimal.yaml", MINIMAL + "decimal: ';'\n", "decimal must be '.' or ','"),
        ("bad_encoding.yaml", MINIMAL + "encoding: klingon\n", "not a known text encoding"),
        ("bad_date.yaml", MINIMAL + "date_format: 'dd/mm/yyyy'\n", "has no strftime directive"),
        ("no_year.yaml", MINIMAL + "date_format: '%d/%m'\n", "has no year"),
        (
            "no_date.yaml",
            "version: 1\ncolumns:\n  organisation: Structure\n",
            "reported_date and/or occurred_date",
        ),
        ("syntax.yaml", MINIMAL + "values: [unclosed\n", "is not valid YAML"),
        ("list.yaml", "- a\n- b\n", "must be a table of keys"),
        ("syntax.toml", "version = 1\ncolumns = {\n", "is not valid TOML"),
        ("mapping.json", "{}", "must end in .yaml, .yml or .toml"),
        ("req.yaml", MINIMAL + "required: [region]\n", "required: field 'region' is not mapped"),
        ("extra.yaml", MINIMAL + "extras:\n  region: Région\n", "'region' is a canonical column"),
        (
            "yes_no.yaml",
            MINIMAL + "true_values: [oui]\nfalse_values: [OUI]\n",
            "in both true_values and false_values",
        ),
    ],
)
def test_bad_mapping_is_an_input_error_naming_the_mapping(tmp_path, name, text, expected):
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as info:
        register.load_mapping(path)
    assert str(info.value).startswith(str(path) + ":")
    assert expected in str(info.value)


def test_missing_mapping_file_and_missing_mapping(tmp_path):
    with pytest.raises(InputError, match="mapping file not found"):
        register.read(REGISTER, mapping=tmp_path / "nope.yaml")
    with pytest.raises(ParameterError, match="needs a mapping file"):
        register.read(REGISTER)
    with pytest.raises(ParameterError, match="expected a YAML/TOML file path or a dict"):
        register.read(REGISTER, mapping=42)


# --- bad rows -----------------------------------------------------------------------------

BAD_ROWS = """Ref;Date;Structure;Type;Catégories;Nombre;Danger
R1;01/02/2023;CH A;EHPAD;Vol;10;oui
R2;2023-02-01;CH B;EHPAD;Vol;10;non
R3;01/02/2023;;EHPAD;Vol;10;non
R4;01/02/2023;CH D;EHPAD;Vol;-3;non
R5;01/02/2023;CH E;EHPAD;Vol;dix;non
R6;01/02/2023;CH F;EHPAD;Vol;2,5;non
R7;01/02/2023;CH G;EHPAD;Vol;10;peut-être
R8;01/02/2099;CH H;EHPAD;Vol;10;non
R9;;CH I;EHPAD;Vol;10;non
R10;01/02/2023;CH J;EHPAD;;;
R11;01/02/1985;;EHPAD;Vol;-1;non
"""

BAD_ROWS_MAPPING = {
    "version": 1,
    "separator": ";",
    "decimal": ",",
    "date_format": "%d/%m/%Y",
    "columns": {
        "incident_id": "Ref",
        "reported_date": "Date",
        "organisation": "Structure",
        "organisation_type": "Type",
        "categories": "Catégories",
        "records_affected": "Nombre",
        "patient_impact": "Danger",
    },
    "values": {"categories": {"Vol": "theft"}, "organisation_type": {"EHPAD": "nursing_home"}},
}


def test_bad_rows_are_quarantined_with_reasons(tmp_path):
    path = write(tmp_path, "bad_rows.csv", BAD_ROWS)
    result = register.read(path, mapping=BAD_ROWS_MAPPING)
    assert result.rows_in == 11
    assert sorted(result.incidents["incident_id"]) == ["R1", "R10"]
    reasons = result.quarantine.set_index("source_row")["reason"].to_dict()
    assert reasons == {
        2: "unparseable date in Date (expected %d/%m/%Y)",
        3: "missing required field: Structure",
        4: "negative Nombre",
        5: "non-numeric Nombre",
        6: "fractional Nombre",
        7: "unrecognised yes/no value in Danger",
        8: "Date is in the future",
        9: "missing required field: Date",
        11: "missing required field: Structure; Date is before 1990; negative Nombre",
    }
    r10 = by_id(result, "R10")
    assert r10["categories"] == ["unknown"]  # blank category is not an error unless required
    assert pd.isna(r10["records_affected"]) and pd.isna(r10["patient_impact"])
    assert len(result.incidents) + len(result.quarantine) == result.rows_in


def test_required_categories_and_occurred_after_reported(tmp_path):
    text = "Date;Survenue;Structure;Cat\n01/02/2023;03/02/2023;A;Vol\n01/02/2023;;B;\n01/02/2023;01/01/2023;C;Vol\n"
    path = write(tmp_path, "r.csv", text)
    mapping = {
        "version": 1,
        "separator": ";",
        "date_format": "%d/%m/%Y",
        "columns": {
            "reported_date": "Date",
            "occurred_date": "Survenue",
            "organisation": "Structure",
            "categories": "Cat",
        },
        "required": ["organisation", "categories"],
    }
    result = register.read(path, mapping=mapping)
    reasons = result.quarantine.set_index("source_row")["reason"].to_dict()
    assert reasons == {1: "Survenue is after Date", 2: "missing required field: Cat"}
    assert result.incidents["organisation"].tolist() == ["C"]
    # 'Vol' is not mapped and not a taxonomy code: other, noted.
    assert result.incidents["categories"].iloc[0] == ["other"]
    assert "'Vol' (1 row)" in result.notes[0]


def test_taxonomy_codes_are_accepted_without_a_value_map(tmp_path):
    text = "Date,Org,Cat\n2023-02-01,A,ransomware + phishing\n"
    path = write(tmp_path, "r.csv", text)
    mapping = {
        "version": 1,
        "multi_separator": "+",
        "columns": {"reported_date": "Date", "organisation": "Org", "categories": "Cat"},
    }
    result = register.read(path, mapping=mapping)
    assert result.incidents["categories"].iloc[0] == ["ransomware", "phishing"]
    assert result.notes == []
    assert pd.isna(result.incidents["organisation_type"].iloc[0])  # not mapped, no default


# --- ids ----------------------------------------------------------------------------------


def test_hashed_ids_are_deterministic_and_distinct(tmp_path):
    data = mapping_dict()
    del data["columns"]["incident_id"]
    first = register.read(REGISTER, mapping=data).incidents["incident_id"]
    again = register.read(REGISTER, mapping=data).incidents["incident_id"]
    assert first.tolist() == again.tolist()
    assert first.is_unique
    assert first.str.fullmatch(r"register-fr-[0-9a-f]{16}").all()
    # Same row content in another file, another position: same id.
    lines = REGISTER.read_text(encoding="utf-8").splitlines()
    path = write(tmp_path, "two.csv", "\n".join([lines[1], lines[3], lines[2], lines[2]]) + "\n")
    ids = register.read(path, mapping=data).incidents["incident_id"].tolist()
    assert ids[1] == ids[2] == first.iloc[0]
    assert ids[0] == first.iloc[1]


def test_duplicate_mapped_ids_are_noted_and_deduplicated_by_ingest(tmp_path):
    lines = REGISTER.read_text(encoding="utf-8").splitlines()
    path = write(tmp_path, "dup.csv", "\n".join([*lines[:4], lines[3]]) + "\n")
    result = register.read(path, mapping=MAPPING)
    assert any("'EX-002'" in n and "more than one row" in n for n in result.notes)
    ingested = ist.ingest("csv", path, mapping=MAPPING)
    assert ingested.provenance["rows_in"] == 3  # EX-001, EX-002, EX-002
    assert ingested.provenance["duplicates_removed"] == 1
    assert ingested.provenance["rows_clean"] == 2


# --- Excel --------------------------------------------------------------------------------


def test_excel_register(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "nothing here"
    sheet = book.create_sheet("Registre")
    sheet.append(["# ILLUSTRATIVE - fictitious structures"])
    sheet.append(["Référence", "Date de déclaration", "Structure", "Type de structure", "Catégorie",
                  "Patients concernés", "Mise en danger patient", "Coût estimé (€)"])  # fmt: skip
    sheet.append(
        ["X-1", dt.datetime(2023, 3, 14), "CH A", "EHPAD", "Vol + Perte", 1200, "oui", 1500.5]
    )
    sheet.append(
        ["X-2", "15/03/2023", "CH B", "Laboratoire", "Rançongiciel", "2 500", "non", "99,90"]
    )
    sheet.append([None, None, None, None, None, None, None, None])
    sheet.append(["X-3", dt.datetime(2023, 3, 16), "CH C", "EHPAD", "Vol", -4, "non", None])
    sheet.append(["X-4", dt.datetime(2023, 3, 17), "CH D", "EHPAD", "Vol", 3, True, 0])
    path = tmp_path / "registre.xlsx"
    book.save(path)

    data = mapping_dict(sheet="Registre")
    for field in ("occurred_date", "region", "locations", "description"):
        del data["columns"][field]
    result = register.read(path, mapping=data)
    assert result.format == "csv-excel"
    assert result.rows_in == 4  # the blank row is not a data row
    assert any("1 blank row" in n for n in result.notes)
    x1, x2, x4 = (by_id(result, i) for i in ("X-1", "X-2", "X-4"))
    assert x1["reported_date"] == pd.Timestamp("2023-03-14")  # real Excel date
    assert x2["reported_date"] == pd.Timestamp("2023-03-15")  # text with date_format
    assert x1["records_affected"] == 1200 and x2["records_affected"] == 2500
    assert x1["cost_eur"] == 1500.5 and x2["cost_eur"] == 99.9
    assert x1["categories"] == ["theft", "loss"]
    assert x2["organisation_type"] == "laboratory"
    assert x4["patient_impact"] == True  # noqa: E712  (a real Excel boolean)
    assert result.quarantine["reason"].tolist() == ["negative Patients concernés"]
    assert result.quarantine["source_row"].tolist() == [3]  # blank rows are not data rows

    with pytest.raises(InputError, match="has no worksheet 'Feuil1'"):
        register.read(path, mapping=mapping_dict(sheet="Feuil1"))


# --- registry and ingest ------------------------------------------------------------------


def test_detect_never_guesses_a_register():
    assert register.detect(REGISTER) is False
    assert readers.reader_module("csv") is register


def test_load_through_the_package(example):
    df = ist.load("csv", REGISTER, mapping=MAPPING)
    assert len(df) == 30
    prov = df.attrs["provenance"]
    assert prov["formats"] == ["csv"]
    assert prov["rows_quarantined"] == 2
    assert prov["inputs"][0]["notes"] == example.notes
    assert any(rule.startswith("csv: ") for rule in prov["rules"])
    with pytest.raises(ParameterError, match="not an option of the 'csv' reader"):
        ist.load("csv", REGISTER, mapping=MAPPING, sheet=0)


def test_as_of_from_mapping():
    result = register.read(REGISTER, mapping=mapping_dict(as_of="2024-07-01"))
    assert result.as_of == "2024-07-01"
    with pytest.raises(InputError, match="as_of must be an ISO date"):
        register.load_mapping(mapping_dict(as_of="juillet"))


def test_extra_dates_and_counts_out_of_range_are_quarantined(tmp_path):
    # A year like 9999 or 0001 in an extra date column, or an ambiguous count in an extra
    # count column, is quarantined with its reason, never kept as a moved or guessed value.
    from incidentstats.ingest import ingest

    path = tmp_path / "reg.csv"
    path.write_text(
        "Ref;Date;Structure;Detected;Cost\n"
        "R-1;05/01/2023;Clinique A;04/01/2023;1,200\n"
        "R-2;06/01/2023;Clinique B;31/12/9999;10\n"
        "R-3;07/01/2023;Clinique C;01/01/0001;10\n"
        "R-4;08/01/2023;Clinique D;08/01/2023;12,5\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        'version: 1\nseparator: ";"\ndate_format: "%d/%m/%Y"\nthousands: ","\n'
        "columns: {incident_id: Ref, reported_date: Date, organisation: Structure}\n"
        "extras:\n  detected: {column: Detected, type: date}\n  cost: {column: Cost, type: count}\n",
        encoding="utf-8",
    )
    result = ingest("csv", [path], mapping=str(mapping))
    reasons = dict(
        zip(result.quarantine["source_row"].astype(int), result.quarantine["reason"], strict=True)
    )
    assert reasons == {
        2: "Detected is in the future",
        3: "Detected is before 1990",
        4: "ambiguous number (thousands separators misplaced) in Cost",
    }
    assert result.incidents["source_row"].astype(int).tolist() == [1]
