"""Property-based tests of the readers and cleaning: every generated row is accounted for.

Generated HHS exports (current 9-column layout) and registers with a mapping hold names
with quotes, commas, newlines, unicode and hostile values; dates valid, impossible, empty
or out of range; counts valid, negative, non-numeric, fractional, huge or empty. Each row
must end clean or quarantined exactly as an independent oracle says, the books must
balance, and nothing may raise but the project's own errors.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import signal
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hhs_portal import HEADER as HHS_HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentstats.errors import IncidentstatsError
from incidentstats.ingest import ingest

TODAY = dt.date.today()
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- time limit per example -------------------------------------------------------------------


class TimeLimit(Exception):
    """An example ran past its time limit (a hang, or a bomb being expanded)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise TimeLimit in the block after ``seconds`` (SIGALRM: the main thread, POSIX)."""

    def expire(signum, frame):
        raise TimeLimit(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- text ---------------------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "<script>alert(1)</script>",
    "**bold** $\\input{x}$",
    '"quoted", with commas',
    "\\N",
    "NULL",
]
# No NUL: a NUL byte makes the whole file an error (tested in test_bad_inputs).
ALPHABET = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\x00", max_codepoint=0x1FFFF
)
free_text = st.one_of(
    st.text(ALPHABET, max_size=30),
    st.sampled_from(HOSTILE),
    st.text(st.sampled_from(' ,"\n\t;é€中'), max_size=8),
)

# --- values tagged with what the reader must make of them -----------------------------------


@st.composite
def dates(draw, fmt_us: bool = True):
    """(text, expected date or None, problem or None)."""
    kind = draw(
        st.sampled_from(
            ["valid", "valid", "valid", "empty", "impossible", "future", "early", "words", "far"]
        )
    )
    if kind == "far":  # years pandas cannot hold in nanoseconds: 0001, 1492, 2500, 9999
        d = draw(st.one_of(st.dates(dt.date(1, 1, 1), dt.date(1676, 12, 31)),
                           st.dates(dt.date(2263, 1, 1), dt.date(9999, 12, 31))))  # fmt: skip
        text = (
            f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
            if fmt_us
            else f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
        )
        return text, d, "early" if d.year < 1990 else "future"
    if kind == "valid":
        d = draw(st.dates(dt.date(1990, 1, 1), TODAY))
    elif kind == "future":
        d = draw(st.dates(TODAY + dt.timedelta(days=1), dt.date(2200, 12, 31)))
    elif kind == "early":
        d = draw(st.dates(dt.date(1900, 1, 1), dt.date(1989, 12, 31)))
    if kind in ("valid", "future", "early"):
        styles = ["%m/%d/%Y", "%Y-%m-%d", "{m}/{d}/%Y"] if fmt_us else ["%d/%m/%Y"]
        style = draw(st.sampled_from(styles)).format(m=d.month, d=d.day)
        problem = {"valid": None, "future": "future", "early": "early"}[kind]
        return d.strftime(style), d, problem
    if kind == "empty":
        return draw(st.sampled_from(["", "  "])), None, "missing"
    if kind == "impossible":
        text = draw(
            st.sampled_from(["02/30/2020", "13/45/2019", "2019-02-29", "00/10/2015", "4/31/2016"])
        )
        if not fmt_us:
            text = draw(st.sampled_from(["30/02/2020", "45/13/2019", "31/04/2016", "00/10/2015"]))
        return text, None, "unparseable"
    text = draw(
        st.text(
            st.characters(whitelist_categories=("Ll", "Lu"), max_codepoint=0x24F),
            min_size=1,
            max_size=12,
        )
    )
    return text, None, "unparseable"


@st.composite
def counts(draw, thousands: str = ","):
    """(text, expected int or None, problem or None) for a count column."""
    kind = draw(
        st.sampled_from(
            [
                "valid",
                "valid",
                "valid",
                "empty",
                "negative",
                "words",
                "fraction",
                "huge",
                "ambiguous",
            ]
        )
    )
    if kind == "ambiguous":  # marks that are not thousands separators: never guessed
        texts = ["12,5", "1,2,3", "12,34", "1,2345", "123,45,678"]
        if thousands != " ":  # a leading space is only padding
            texts.append(",500")
        text = draw(st.sampled_from(texts))
        return text.replace(",", thousands), None, "ambiguous"
    if kind == "valid":
        n = draw(st.integers(0, 1_000_000_000))
        style = draw(st.sampled_from(["plain", "grouped", "padded"]))
        text = {"plain": str(n), "grouped": f"{n:,}".replace(",", thousands), "padded": f" {n} "}[
            style
        ]
        return text, n, None
    if kind == "empty":
        return "", None, None
    if kind == "negative":
        return str(-draw(st.integers(1, 10**6))), None, "negative"
    if kind == "fraction":
        sep = "." if thousands == "," else ","
        return f"{draw(st.integers(0, 999))}{sep}{draw(st.integers(1, 9))}", None, "fractional"
    if kind == "huge":
        return str(draw(st.integers(1_000_000_001, 10**30))), None, "huge"
    words = draw(
        st.sampled_from(["many", "unknown", "N/A", "1e400", "nan", "12 people", "--5", "0x1F"])
    )
    return words, None, "non-numeric"


HHS_TYPES = ["Hacking/IT Incident", "Unauthorized Access/Disclosure", "Theft", "Loss",
             "Improper Disposal", "Other", "Unknown", "Hacking/IT Incident, Theft"]  # fmt: skip
HHS_LOCATIONS = ["Network Server", "Email", "Paper/Films", "Laptop", "Desktop Computer",
                 "Electronic Medical Record", "Other Portable Electronic Device", "Other"]  # fmt: skip


@st.composite
def hhs_rows(draw):
    """A list of (cells, expectation) for an HHS export, some rows repeated."""
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        if rows and draw(st.integers(0, 5)) == 0:
            rows.append(rows[draw(st.integers(0, len(rows) - 1))])  # the same report twice
            continue
        name = draw(st.one_of(free_text, st.sampled_from(["Mercy Clinic", "  ", ""])))
        date_text, date, date_problem = draw(dates())
        count_text, count, count_problem = draw(counts())
        cells = [
            name,
            draw(st.sampled_from(["TX", "ca", "", "ZZ", " NY "])),
            draw(
                st.one_of(
                    st.sampled_from(["Healthcare Provider", "Health Plan", "Business Associate"]),
                    free_text,
                )
            ),
            count_text,
            date_text,
            draw(st.one_of(st.sampled_from(HHS_TYPES), free_text)),
            draw(st.one_of(st.sampled_from(HHS_LOCATIONS), free_text)),
            draw(st.sampled_from(["Yes", "No", "", "maybe"])),
            draw(free_text),
        ]
        problems = [p for p in (date_problem, count_problem) if p]
        if not name.split():
            problems.append("name")
        rows.append((cells, {"date": date, "count": count, "problems": problems}))
    return rows


def write_csv(path: Path, header, rows, *, sep=",") -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(cells for cells, _ in rows)


def check_accounting(result, rows, key) -> None:
    """Balance, and each row clean / quarantined / a duplicate exactly as the oracle says."""
    prov = result.provenance
    n = len(rows)
    assert prov["rows_in"] == n
    assert (
        prov["rows_in"]
        == prov["rows_clean"] + prov["rows_quarantined"] + prov["duplicates_removed"]
    )
    expected_bad = {i for i, (_, e) in enumerate(rows, 1) if e["problems"]}
    seen, expected_clean, expected_dups = set(), set(), set()
    for i, (cells, e) in enumerate(rows, 1):
        if i in expected_bad:
            continue
        k = key(cells, e)
        (expected_dups if k in seen else expected_clean).add(i)
        seen.add(k)
    quarantined = result.quarantine["source_row"].astype(int).tolist()
    clean = result.incidents["source_row"].astype(int).tolist()
    assert len(set(quarantined)) == len(quarantined) and len(set(clean)) == len(clean)
    assert set(quarantined) == expected_bad
    assert set(clean) == expected_clean
    assert prov["duplicates_removed"] == len(expected_dups)
    assert result.quarantine["reason"].str.len().gt(0).all()


@SETTINGS
@given(rows=hhs_rows())
def test_generated_hhs_exports_account_for_every_row(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "breach_report.csv"
        write_csv(path, HHS_HEADER, rows)
        with time_limit(20):
            result = ingest("hhs", [path])

    def key(cells, e):
        return (
            " ".join(cells[0].split()).casefold(),
            cells[1].strip().upper(),
            e["date"],
            e["count"],
        )

    check_accounting(result, rows, key)
    by_row = result.incidents.set_index(result.incidents["source_row"].astype(int))
    for i, (cells, e) in enumerate(rows, 1):
        if i not in by_row.index:
            continue
        got = by_row.loc[i]
        assert got["organisation"] == " ".join(cells[0].split())
        assert got["reported_date"].date() == e["date"]
        assert (None if pd.isna(got["records_affected"]) else int(got["records_affected"])) == e[
            "count"
        ]
        assert got["categories"] and got["category"]
    reasons = " | ".join(result.quarantine["reason"])
    for _, e in rows:
        for problem, words in {
            "future": "is in the future",
            "early": "is before 1990",
            "unparseable": "unparseable date",
            "missing": "missing required field: Breach Submission Date",
            "negative": "negative Individuals Affected",
            "non-numeric": "non-numeric Individuals Affected",
            "fractional": "fractional Individuals Affected",
            "huge": "Individuals Affected above 1,000,000,000",
            "ambiguous": "ambiguous number (thousands separators misplaced) in Individuals Affected",
            "name": "missing required field: Name of Covered Entity",
        }.items():
            if problem in e["problems"]:
                assert words in reasons


# --- a register with a mapping --------------------------------------------------------------

MAPPING = {
    "version": 1,
    "separator": ";",
    "decimal": ",",
    "thousands": " ",
    "date_format": "%d/%m/%Y",
    "multi_separator": " + ",
    "columns": {
        "reported_date": "Date de déclaration",
        "organisation": "Structure",
        "categories": "Catégorie",
        "records_affected": "Patients concernés",
        "patient_impact": "Mise en danger",
        "description": "Description",
    },
    "defaults": {"country": "FR"},
    "true_values": ["oui"],
    "false_values": ["non"],
    "values": {"categories": {"Rançongiciel": "ransomware", "Vol": "theft"}},
}
REGISTER_HEADER = list(MAPPING["columns"].values())


@st.composite
def register_rows(draw):
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        if rows and draw(st.integers(0, 5)) == 0:
            rows.append(rows[draw(st.integers(0, len(rows) - 1))])
            continue
        name = draw(st.one_of(free_text, st.sampled_from(["Clinique A", " ", ""])))
        date_text, date, date_problem = draw(dates(fmt_us=False))
        count_text, count, count_problem = draw(counts(thousands=" "))
        danger = draw(st.sampled_from(["oui", "NON", "", "peut-être", "yes"]))
        cells = [
            date_text,
            name,
            draw(
                st.one_of(
                    st.sampled_from(["Rançongiciel", "Vol + Rançongiciel", "Inconnu", ""]),
                    free_text,
                )
            ),
            count_text,
            danger,
            draw(free_text),
        ]
        problems = [p for p in (date_problem, count_problem) if p]
        if not name.strip():
            problems.append("name")
        if danger.strip().casefold() not in ("", "oui", "non"):
            problems.append("yes/no")
        rows.append((cells, {"date": date, "count": count, "problems": problems}))
    return rows


@SETTINGS
@given(rows=register_rows())
def test_generated_registers_account_for_every_row(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path, mapping = Path(tmp) / "register.csv", Path(tmp) / "mapping.yaml"
        write_csv(path, REGISTER_HEADER, rows, sep=";")
        mapping.write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
        with time_limit(20):
            result = ingest("csv", [path], mapping=str(mapping))

    def key(cells, e):  # no id column: the id hashes the text of every mapped field
        return tuple(c.strip() for c in cells)

    check_accounting(result, rows, key)
    by_row = result.incidents.set_index(result.incidents["source_row"].astype(int))
    for i, (_, e) in enumerate(rows, 1):
        if i in by_row.index:
            got = by_row.loc[i]
            assert got["reported_date"].date() == e["date"]
            assert (
                None if pd.isna(got["records_affected"]) else int(got["records_affected"])
            ) == e["count"]
            assert got["country"] == "FR"


# --- anything at all: only the project's own errors ------------------------------------------

BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(st.sampled_from('abc,;"\n\r\t 0123456789/-:é\x00{}[]'), max_size=300).map(lambda t: t.encode("utf-8")),
    st.lists(st.sampled_from(HHS_HEADER + ["Date Made Public", "Company", "Type of organization", "incident_id"]),
             min_size=1, max_size=9).map(lambda h: (",".join(h) + "\n1,2,3\n").encode()),
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=BYTES,
    source=st.sampled_from(["auto", "hhs", "prc", "veris"]),
    suffix=st.sampled_from([".csv", ".json", ".xlsx"]),
)
def test_any_bytes_give_a_table_or_a_one_line_error(data, source, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            with time_limit(10):
                result = ingest(source, [path])
        except IncidentstatsError as exc:
            assert "\n" not in str(exc) and str(exc)
            return
    prov = result.provenance
    assert (
        prov["rows_in"]
        == prov["rows_clean"] + prov["rows_quarantined"] + prov["duplicates_removed"]
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**40), 10**40) | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)  # fmt: skip


@st.composite
def veris_like(draw):
    """Incidents with VERIS keys whose values may be anything."""
    incident = {
        "incident_id": draw(st.one_of(st.text(max_size=10), json_values)),
        "action": draw(
            st.one_of(
                st.dictionaries(
                    st.sampled_from(["hacking", "malware", "error", "physical", "Misuse"]),
                    json_values,
                    max_size=3,
                ),
                json_values,
            )
        ),
        "timeline": {
            "incident": draw(
                st.dictionaries(
                    st.sampled_from(["year", "month", "day"]),
                    json_values | st.integers(1, 3000),
                    max_size=3,
                )
            )
        },
        "victim": draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"industry": st.sampled_from(["622110", "62", "", "5221"])},
                    optional={
                        "country": json_values,
                        "state": json_values,
                        "victim_id": json_values,
                    },
                ),
                json_values,
            )
        ),
    }
    for key in draw(
        st.lists(st.sampled_from(["asset", "attribute", "actor", "summary"]), unique=True)
    ):
        incident[key] = draw(json_values)
    return incident


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=st.lists(st.one_of(veris_like(), json_values), min_size=1, max_size=6))
def test_any_veris_json_gives_a_table_or_a_one_line_error(docs):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "incidents.json"
        path.write_text(json.dumps(docs), encoding="utf-8")
        try:
            with time_limit(10):
                result = ingest("veris", [path])
        except IncidentstatsError as exc:
            assert "\n" not in str(exc)
            return
    prov = result.provenance
    assert prov["rows_in"] == len(docs)
    assert (
        prov["rows_in"]
        == prov["rows_clean"] + prov["rows_quarantined"] + prov["duplicates_removed"]
    )
    rows = sorted(
        result.incidents["source_row"].astype(int).tolist()
        + result.quarantine["source_row"].astype(int).tolist()
    )
    assert len(rows) == len(docs) - prov["duplicates_removed"]
    assert set(rows) <= set(range(1, len(docs) + 1))


@pytest.mark.parametrize("source", ["hhs", "prc", "veris"])
def test_a_valid_header_with_one_bad_row_never_drops_it(tmp_path, source):
    # A deterministic companion of the properties above, one per reader.
    text = {
        "hhs": ",".join(HHS_HEADER) + "\nMercy,TX,Health Plan,many,13/45/2019,Theft,Email,No,x\n",
        "prc": "Date Made Public,Company,Type of breach,Type of organization\nSomeday,X,HACK,MED\n",
        "veris": "incident_id,timeline.incident.year,action.Hacking,victim.industry\nA,19xx,1,622110\n",
    }[source]
    path = tmp_path / "one.csv"
    path.write_text(text, encoding="utf-8")
    result = ingest(source, [path])
    assert (result.provenance["rows_in"], len(result.quarantine), len(result.incidents)) == (
        1,
        1,
        0,
    )


# --- configuration entry points: YAML and TOML, as mappings and as parameters ----------------


YAML_PIECES = st.sampled_from(
    ["a", "b", "version", "columns", "1", "-1", "1e400", ".nan", "~", "null", "true", ": ", "- ",
     "\n", "  ", "[", "]", "{", "}", ", ", "&x ", "*x", "&y ", "*y", "!!python/object/apply:os.system ",
     "!!binary ", "'", '"', "#", "|\n", "<<: *x\n", "---\n", "%YAML 1.1\n", "é", "\t", "? "]
)  # fmt: skip
yaml_texts = st.one_of(
    st.lists(YAML_PIECES, max_size=40).map("".join),
    st.text(max_size=200),
)


@st.composite
def alias_bombs(draw):
    """A YAML alias bomb of random width and depth: width ** depth values once expanded."""
    width, depth = draw(st.integers(2, 12)), draw(st.integers(1, 10))
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, depth + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n", width, depth


def _config_outcome(call):
    """Run ``call`` under a time limit: its result, or the project's own one-line error."""
    with time_limit(10):
        try:
            return call()
        except IncidentstatsError as exc:
            assert "\n" not in str(exc) and str(exc)
            return exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=yaml_texts)
def test_any_yaml_mapping_or_parameters_file_gives_a_value_or_a_one_line_error(text):
    from incidentstats import report
    from incidentstats.cli import _params_from
    from incidentstats.readers.register import load_mapping

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.yaml"
        path.write_text(text, encoding="utf-8")
        _config_outcome(lambda: load_mapping(str(path)))
        params = _config_outcome(lambda: _params_from((), path))
        if isinstance(params, dict):
            _config_outcome(
                lambda: report.prepare_run(
                    notebooks=["overview"], params=params, outdir=Path(tmp) / "r"
                )
            )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bomb=alias_bombs())
def test_yaml_alias_bombs_are_refused_without_expanding_them(bomb):
    from incidentstats.cli import _params_from
    from incidentstats.errors import ParameterError

    text, width, depth = bomb
    # Values a program walking the document meets: the table, its keys, and each list
    # with its (expanded) items.
    sizes = [1 + width]
    for _ in range(depth):
        sizes.append(1 + width * sizes[-1])
    values = 1 + (depth + 1) + sum(sizes)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "params.yaml"
        path.write_text(text, encoding="utf-8")
        outcome = _config_outcome(lambda: _params_from((), path))
    if values > 100_000 or width * depth > 100:  # over the values or the aliases limit
        assert isinstance(outcome, ParameterError)
        assert "too many" in str(outcome)
    else:
        assert isinstance(outcome, dict) and len(outcome) == depth + 1


TOML_PIECES = st.sampled_from(
    ["version", " = ", "1", "-1", "inf", "nan", "\n", "[", "]", "{", "}", ", ", "columns", ".", '"', "'",
     "[[x]]\n", "[columns]\n", "a", "é", "#", "true", "1979-05-27", "\\u0000"]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.lists(TOML_PIECES, max_size=40).map("".join), st.text(max_size=200)),
       depth=st.integers(0, 300))  # fmt: skip
def test_any_toml_mapping_gives_a_value_or_a_one_line_error(text, depth):
    from incidentstats.readers.register import load_mapping

    nested = f"\ndeep = {'[' * depth}{']' * depth}\n" if depth else ""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mapping.toml"
        path.write_text(text + nested, encoding="utf-8")
        outcome = _config_outcome(lambda: load_mapping(str(path)))
    if depth > 64 and isinstance(outcome, IncidentstatsError):
        assert "nested too deeply" in str(outcome) or "TOML" in str(outcome)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depth=st.integers(1, 3000), wrap=st.sampled_from(["[", '{"a": ']))
def test_deeply_nested_veris_json_gives_a_table_or_a_one_line_error(depth, wrap):
    close = "]" if wrap == "[" else "}"
    incident = '{"incident_id": "a", "action": {"malware": {}}, "timeline": {"incident": {"year": 2019}}, "victim": {"industry": "622110"}, "extra": '
    text = incident + wrap * depth + "1" + close * depth + "}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deep.json"
        path.write_text(text, encoding="utf-8")
        outcome = _config_outcome(lambda: ingest("veris", [path]))
    if not isinstance(outcome, IncidentstatsError):
        assert outcome.provenance["rows_in"] == 1
        assert outcome.provenance["rows_clean"] + outcome.provenance["rows_quarantined"] == 1


@settings(
    max_examples=60,
    deadline=None,
    # the same environment variable for every example: nothing to reset between them
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lengths=st.lists(st.integers(0, 300), min_size=1, max_size=6),
       commas=st.booleans(), source=st.sampled_from(["auto", "hhs"]))  # fmt: skip
def test_fields_over_the_limit_are_refused_and_others_read(lengths, commas, source, monkeypatch):
    monkeypatch.setenv("INCIDENTSTATS_MAX_FIELD_BYTES", "200")
    piece = "ab, " if commas else "abcd"
    rows = []
    for i, n in enumerate(lengths):
        desc = (piece * (n // 4 + 1))[:n]
        rows.append(([f"Clinic {i}", "TX", "Healthcare Provider", "100", "03/15/2021",
                      "Theft", "Laptop", "No", desc], {"problems": []}))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        write_csv(path, HHS_HEADER, rows)
        outcome = _config_outcome(lambda: ingest(source, [path]))
    if max(lengths) > 200:
        assert isinstance(outcome, IncidentstatsError)
        assert "over the limit of 200 bytes" in str(outcome)
    else:
        assert not isinstance(outcome, IncidentstatsError), outcome
        assert outcome.provenance["rows_clean"] == len(lengths)
