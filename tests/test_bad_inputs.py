"""Bad inputs through the real ``incidentstats clean``: a one-line error or a quarantine.

Every file of ``tests/data/bad/`` (listed in its README) is run through the installed
command: a few in a subprocess of the ``incidentstats`` script, the others in a fork of a
process that imported the command once (``tests/clirun.py``), which saves a fresh
interpreter's start-up per file. A file either fails with exit status 2 and exactly one
stderr line ``incidentstats: error:`` naming the file and the problem, or is read with
its bad rows quarantined with reasons and the books balanced. Never a traceback, never a
silently dropped row.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from clirun import console_script, run_many
from hhs_portal import HEADER_LINE as HHS_HEADER

BAD = Path(__file__).parent / "data" / "bad"

LONG = 200_000


def make_long_field(folder: Path) -> Path:
    """An HHS export with a 200,000-character description (kept) and name (quarantined)."""
    path = folder / "hhs_long_field.csv"
    rows = [
        '"Mercy Clinic","TX","Healthcare Provider","1200","03/15/2021","Theft","Laptop","No","ok"',
        f'"Long Description Clinic","TX","Healthcare Provider","300","04/01/2021","Theft",'
        f'"Laptop","No","{"d" * LONG}"',
        f'"{"n" * LONG}","TX","Healthcare Provider","300","02/30/2021","Theft","Laptop","No","x"',
        '"Lakeside Hospital","OH","Health Plan","5400","11/02/2022","Loss","Paper/Films","No",""',
    ]
    path.write_text(HHS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def make_empty_dir(folder: Path) -> Path:
    path = folder / "veris_empty_dir"
    path.mkdir()
    (path / "README.txt").write_text("no incident files here\n", encoding="utf-8")
    return path


def make_long_header(folder: Path) -> Path:
    """An HHS export whose header runs to 70,000 characters (a 64 KiB read sees no line end)."""
    path = folder / "hhs_long_header.csv"
    header = HHS_HEADER.rstrip("\n") + ',"' + "x" * 70_000 + '"\n'
    row = '"Mercy Clinic","TX","Healthcare Provider","1200","03/15/2021","Theft","Laptop","No","",""\n'
    path.write_text(header + row, encoding="utf-8")
    return path


#: Inputs made at test time instead of committed (see tests/data/bad/README.md).
GENERATED = {
    "hhs_long_field.csv": make_long_field,
    "veris_empty_dir": make_empty_dir,
    "hhs_long_header.csv": make_long_header,
}


@dataclass(frozen=True)
class Case:
    """One bad input and what ``incidentstats clean`` must do with it.

    ``error``: the expected substring of the one-line error (exit status 2), which must
    also name ``names`` (default: the input). Otherwise ``rows`` = (rows_in, clean,
    quarantined, duplicates) and ``reasons`` = the exact reason counts of quarantine.csv.
    """

    file: str
    source: str = "auto"
    mapping: str | None = None
    error: str | None = None
    names: str | None = None
    rows: tuple[int, int, int, int] | None = None
    reasons: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        extra = f"+{self.mapping}" if self.mapping else ""
        return f"{self.file}{extra}[{self.source}]"


DATE = "Breach Submission Date"
COUNT = "Individuals Affected"
TOTAL = "attribute.confidentiality.data_total"
AMBIGUOUS = "ambiguous number (thousands separators misplaced)"

CASES = [
    # --- files that cannot be read at all -------------------------------------------------
    Case("empty.csv", error="file is empty (0 bytes)"),
    Case("empty.csv", "hhs", error="file is empty (0 bytes)"),
    Case("blank_lines.csv", error="file holds only blank space"),
    Case("hhs_header_only.csv", error="has a header but no data rows"),
    Case("hhs_header_only_bom.csv", "hhs", error="has a header but no data rows"),
    Case("hhs_truncated_quote.csv", error="not a well-formed CSV (Error tokenizing data. C error: EOF inside string starting at row 3)"),
    Case("hhs_semicolon.csv", error="fields are separated by ';', not commas"),
    Case("hhs_semicolon.csv", "hhs", error="not an HHS breach export: missing column(s) Name of Covered Entity"),
    Case("zip_named.csv", error="is a zip archive (or .xlsx) but has a text name"),
    Case("zip_named.csv", "prc", error="is a zip archive (or .xlsx) but has a text name"),
    Case("gzip_named.csv", "hhs", error="is a gzip archive; expected a CSV text file"),
    Case("pdf_named.csv", error="is a PDF document"),
    Case("binary_noise.csv", error="contains NUL bytes: not a text file"),
    Case("hhs_utf16_nobom.csv", error="contains NUL bytes: not a text file (or UTF-16 without a byte-order mark)"),
    Case("hhs_utf16_nobom.csv", "hhs", error="(or UTF-16 without a byte-order mark)"),
    Case("hhs_nul_byte.csv", error="contains NUL bytes"),
    Case("hhs_duplicate_headers.csv", error="has duplicate column names: State"),
    Case("hhs_renamed_column.csv", error="not an HHS breach export: missing column(s) Individuals Affected; found"),
    Case("hhs_missing_column.csv", "hhs", error="missing column(s) Type of Breach"),
    Case("hhs_extra_fields.csv", error="not a well-formed CSV (Error tokenizing data. C error: Expected 9 fields in line 4, saw 11)"),
    Case("hhs_jsf_misplaced.csv", error="column 4 header 'javax.faces.component.UIPanel@1a2b3c4d' is a JSF object at an unexpected position"),
    Case("fake_text.xlsx", error="has an Excel name but is not an Excel workbook (it holds text)"),
    Case("fake_text.xlsx", "hhs", error="is not a readable Excel workbook"),
    Case("corrupt.xlsx", error="is not a readable Excel workbook (BadZipFile)"),
    Case("hhs_header_only.xlsx", error="worksheet has a header but no data rows"),
    Case("veris_invalid.json", error="is not valid JSON (Expecting value at line 1 column 63)"),
    Case("veris_not_object.json", error="holds a JSON int; expected a VERIS incident object or an array of them"),
    Case("veris_empty_array.json", "veris", error="holds an empty JSON array"),
    Case("veris_no_veris_keys.json", error="is JSON but not a VERIS incident (no incident_id, action or timeline key)"),
    Case("veris_deep_nesting.json", error="is not valid JSON (arrays or objects nested too deeply to read)"),
    Case("veris_empty_dir", "veris", error="directory holds no .json files"),
    Case("prc_missing_column.csv", "prc", error="not a PRC chronology export: missing column(s) Company"),
    Case("hhs_bad_counts.csv", "prc", error="not a PRC chronology export: missing column(s) Date Made Public, Company"),
    # --- mapping files: the error names the mapping ---------------------------------------
    Case("register.csv", "csv", "mapping_unknown_columns.yaml", names="mapping_unknown_columns.yaml",
         error="column(s) 'Nombre de patients', 'Mise en danger' not found in register.csv"),
    Case("register.csv", "csv", "mapping_not_yaml.yaml", names="mapping_not_yaml.yaml",
         error="is not valid YAML (line 3: expected ',' or '}', but got ':')"),
    Case("register.csv", "csv", "mapping_binary.yaml", names="mapping_binary.yaml",
         error="mapping file is not UTF-8 text"),
    Case("register.csv", "csv", "mapping_is_list.yaml", names="mapping_is_list.yaml",
         error="mapping must be a table of keys (version, columns, ...), not a list or a scalar"),
    Case("register.csv", "csv", "mapping_bad_field.yaml", names="mapping_bad_field.yaml",
         error="columns: unknown field(s) 'danger_level'"),
    Case("register.csv", "csv", "mapping_not_toml.toml", names="mapping_not_toml.toml",
         error="is not valid TOML"),
    Case("register.csv", "csv", "mapping_wrong_suffix.json", names="mapping_wrong_suffix.json",
         error="mapping file must end in .yaml, .yml or .toml, not '.json'"),
    Case("register.csv", "csv", "mapping_python_tag.yaml", names="mapping_python_tag.yaml",
         error="could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    Case("register_cp1252.csv", "csv", "mapping_utf8.yaml",
         error="cannot be decoded as utf-8 (byte 0xe7 at offset 92)"),
    # --- files read, bad rows quarantined with reasons ------------------------------------
    Case("hhs_utf16_bom.csv", rows=(2, 2, 0, 0)),
    Case("hhs_utf16be_bom.csv", "hhs", rows=(2, 2, 0, 0)),
    Case("hhs_mixed_encoding.csv", rows=(2, 2, 0, 0)),
    Case("hhs_cr_line_endings.csv", rows=(2, 2, 0, 0)),
    Case("hhs_cr_line_endings.csv", "hhs", rows=(2, 2, 0, 0)),
    Case("hhs_short_row.csv", rows=(3, 2, 1, 0), reasons={f"missing required field: {DATE}": 1}),
    Case("hhs_impossible_dates.csv", rows=(5, 2, 3, 0), reasons={f"unparseable date in {DATE}": 3}),
    Case("hhs_date_range.csv", "hhs", rows=(4, 2, 2, 0),
         reasons={f"{DATE} is in the future": 1, f"{DATE} is before 1990": 1}),
    Case("hhs_bad_counts.csv", rows=(7, 2, 5, 0),
         reasons={f"negative {COUNT}": 1, f"non-numeric {COUNT}": 2, f"fractional {COUNT}": 1,
                  f"{COUNT} above 1,000,000,000": 1}),
    Case("hhs_missing_values.csv", rows=(4, 2, 2, 0),
         reasons={"missing required field: Name of Covered Entity": 1, f"missing required field: {DATE}": 1}),
    Case("hostile_strings.csv", rows=(6, 6, 0, 0)),
    Case("hhs_bad_rows.xlsx", rows=(5, 1, 4, 0),
         reasons={f"unparseable date in {DATE}": 1, f"negative {COUNT}": 1, f"{DATE} is in the future": 1,
                  "missing required field: Name of Covered Entity": 1}),
    Case("hhs_long_field.csv", rows=(4, 3, 1, 0), reasons={f"unparseable date in {DATE}": 1}),
    Case("veris_missing_keys.json", "veris", rows=(1, 0, 1, 0),
         reasons={"not a VERIS incident: missing key(s) action, timeline": 1}),
    Case("veris_array_one_bad.json", rows=(5, 2, 3, 0),
         reasons={"not a VERIS incident: 'timeline' is not an object": 1,
                  "not a VERIS incident: a JSON str, not an object": 1,
                  "not a VERIS incident: missing key(s) action, timeline": 1}),
    Case("veris_bad_dates.json", "veris", rows=(7, 1, 6, 0),
         reasons={"incident year 2099 is impossible (in the future)": 1,
                  "incident year 1850 is impossible (before 1990)": 1,
                  "timeline.incident 2019-2-30 is not a date": 1,
                  "timeline.incident 2019-13-1 is not a date": 1,
                  "non-numeric timeline.incident.year 'last year'": 1,
                  f"timeline.incident 2019-1-{10**30} is not a date": 1}),
    Case("veris_absurd_values.json", rows=(6, 1, 5, 0),
         reasons={f"negative {TOTAL}": 1, f"{TOTAL} above 1,000,000,000": 1,
                  "non-numeric timeline.incident.year '²⁰¹⁷'": 1,
                  "not a VERIS incident: 'action' is not an object": 1,
                  "out of scope: victim.industry '522110' is not NAICS 62*": 1}),
    Case("vcdb_flat_bad_rows.csv", rows=(10, 2, 8, 0),
         reasons={"incident year in the future is impossible": 1,
                  "non-numeric timeline.incident.year": 1,
                  "timeline.incident day does not exist in its month": 1,
                  "timeline.incident.month is not a month": 1,
                  "not a VERIS incident: empty incident_id": 1,
                  "timeline.incident.day is not a day of the month": 1,
                  f"{TOTAL} above 1,000,000,000": 1, f"negative {TOTAL}": 1}),
    Case("prc_bad_rows.csv", rows=(7, 1, 6, 0),
         reasons={"unparseable Date Made Public": 2, "Date Made Public is in the future": 1,
                  "Date Made Public is before 1990": 1, "missing required field: Company": 1,
                  "out of scope: Type of organization 'BSF' is not MED": 1}),
    Case("prc_cr_line_endings.csv", rows=(1, 1, 0, 0)),
    Case("register.csv", "csv", "register_mapping.yaml", rows=(10, 1, 9, 0),
         reasons={"unparseable date in Date (expected %d/%m/%Y)": 2, "Date is in the future": 1,
                  "Date is before 1990": 1, "negative Patients": 1, "non-numeric Patients": 1,
                  "Patients above 1,000,000,000": 1, "unrecognised yes/no value in Danger": 1,
                  "missing required field: Structure": 1}),
    Case("register_cp1252.csv", "csv", "register_mapping.yaml", rows=(2, 2, 0, 0)),
    # --- round two (issue 14): out-of-range values, wrong types, ambiguous numbers ---------
    Case("hhs_year_9999.csv", rows=(4, 1, 3, 0),
         reasons={f"{DATE} is in the future": 2, f"{DATE} is before 1990": 1}),
    Case("hhs_year_9999.csv", "hhs", rows=(4, 1, 3, 0),
         reasons={f"{DATE} is in the future": 2, f"{DATE} is before 1990": 1}),
    Case("hhs_ambiguous_counts.csv", rows=(6, 2, 4, 0),
         reasons={f"{AMBIGUOUS} in {COUNT}": 4}),
    Case("prc_out_of_range.csv", rows=(5, 1, 4, 0),
         reasons={"Date Made Public is in the future": 1, "Date Made Public is before 1990": 1,
                  f"{AMBIGUOUS} in Records Breached": 2}),
    Case("register_out_of_range.csv", "csv", "mapping_thousands.yaml", rows=(6, 1, 5, 0),
         reasons={"Date is in the future": 1, "Date is before 1990": 1,
                  f"{AMBIGUOUS} in Patients": 3}),
    Case("veris_wrong_types.json", rows=(11, 1, 10, 0),
         reasons={"not a VERIS incident: 'action' is not an object": 1,
                  "victim.country is a JSON int, expected text or a list of text": 1,
                  "action.malware.variety is a JSON int, expected a list of text": 1,
                  "action.hacking is a JSON string, expected an object": 1,
                  "victim.industry is a JSON array, expected text": 1,
                  "incident_id is a JSON array, expected text": 1,
                  "summary is a JSON object, expected text": 1,
                  "non-numeric timeline.incident.year [2019]": 1,
                  "victim.state is a JSON int, expected text": 1,
                  f"non-numeric {TOTAL}": 1}),
    Case("veris_month_names.json", "veris", rows=(8, 2, 6, 0),
         reasons={"timeline.incident.month 'May' is not a month number": 1,
                  "timeline.incident.day 'the 3rd' is not a day number": 1,
                  "timeline.incident.month 5.5 is not a month number": 1,
                  "incident year 9999 is impossible (in the future)": 1,
                  "incident year 1 is impossible (before 1990)": 1,
                  f"{AMBIGUOUS} in {TOTAL}": 1}),
    Case("vcdb_flat_month_names.csv", rows=(5, 1, 4, 0),
         reasons={"timeline.incident.month is not a month number": 1,
                  "timeline.incident.day is not a day number": 1,
                  f"{AMBIGUOUS} in {TOTAL}": 1,
                  "incident year in the future is impossible": 1}),
    # --- round two: limits on mapping files -------------------------------------------------
    Case("register.csv", "csv", "mapping_alias_bomb.yaml", names="mapping_alias_bomb.yaml",
         error="holds too many values: over the limit of 100,000"),
    Case("register.csv", "csv", "mapping_deep.yaml", names="mapping_deep.yaml",
         error="is nested too deeply: over the limit of 64"),
    Case("register.csv", "csv", "mapping_deep.toml", names="mapping_deep.toml",
         error="is nested too deeply: over the limit of 64"),
    Case("hhs_long_header.csv", error="the header row is longer than 64 KiB"),
    Case("hhs_long_header.csv", "hhs", error="the header row is longer than 64 KiB"),
]  # fmt: skip

#: Corpus files that other tests use (a --params file is not an input of ``clean``).
USED_ELSEWHERE = {"params_alias_bomb.yaml"}  # tests/test_hostile.py

#: Extra checks of what was read, for the cases where the values themselves matter.
VALUES = {
    "hhs_mixed_encoding.csv": {"organisation": ["Clínica Señora", "Hôpital Général"]},
    "hhs_utf16_bom.csv": {"organisation": ["Mercy Clinic", "Lakeside Hospital"]},
    "hhs_cr_line_endings.csv": {"organisation": ["Mercy Clinic", "Lakeside Hospital"]},
    "register_cp1252.csv": {"organisation": ["Clinique A", "Hôpital Sainte-Thérèse"]},
    "prc_cr_line_endings.csv": {"organisation": ["Halifax Health"]},
    # 1,234 and 12,345,678 are grouped thousands: read, not quarantined
    "hhs_ambiguous_counts.csv": {"records_affected": [1234, 12345678]},
    "register_out_of_range.csv": {"records_affected": [1200]},
    "veris_month_names.json": {
        "occurred_date": [pd.Timestamp("2019-05-03"), pd.Timestamp("2019-01-01")]
    },
}


#: Cases that run as a true subprocess of the installed ``incidentstats`` script, start-up
#: included: one of each kind (a refused file, a refused mapping, a limit, a read with
#: quarantined rows). The others run in forks of a process that imported the command once.
SUBPROCESS = {
    "empty.csv[auto]",
    "register.csv+mapping_python_tag.yaml[csv]",
    "register.csv+mapping_alias_bomb.yaml[csv]",
    "hhs_bad_counts.csv[auto]",
}


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    out: Path
    input: Path
    mapping: Path | None
    how: str  # "subprocess" or "fork"


def _input_path(case: Case, scratch: Path) -> Path:
    if case.file in GENERATED:
        return GENERATED[case.file](scratch)
    return BAD / case.file


#: Address space each case may use: a hostile file that makes the reader allocate
#: without bound fails the case instead of the machine.
CASE_MEMORY = 3 << 30


def limit_memory() -> None:
    """preexec_fn: cap the child's address space at ``CASE_MEMORY``."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CASE_MEMORY, CASE_MEMORY))


def _prepare(case: Case, workdir: Path) -> tuple[list[str], Path, Path | None]:
    workdir.mkdir(parents=True)
    path = _input_path(case, workdir)
    mapping = BAD / case.mapping if case.mapping else None
    args = ["clean", str(path), "--source", case.source, "-o", str(workdir / "out")]
    if mapping:
        args += ["--mapping", str(mapping)]
    return args, path, mapping


class Outcomes:
    """Results of ``incidentstats clean`` per case id: run on first use, or ahead in bulk."""

    def __init__(self, root: Path):
        self.root = root
        self.done: dict[str, Outcome] = {}

    def run_all(self, cases) -> None:
        todo = list({c.id: c for c in cases if c.id not in self.done}.values())
        with ThreadPoolExecutor(1) as pool:  # the subprocesses, beside the forks
            futures = {c.id: pool.submit(self._run, c) for c in todo if c.id in SUBPROCESS}
            self._fork([c for c in todo if c.id not in SUBPROCESS])
            self.done.update({key: f.result() for key, f in futures.items()})

    def _workdir(self, case: Case) -> Path:
        return self.root / f"case{CASES.index(case)}"

    def _fork(self, cases) -> None:
        prepared = {c.id: _prepare(c, self._workdir(c)) for c in cases}
        runs = run_many(
            [(key, args) for key, (args, _, _) in prepared.items()],
            self.root / "forks",
            jobs=max(2, min(8, os.cpu_count() or 2)),
            memory=CASE_MEMORY,
            timeout=300,
        )
        for key, (args, path, mapping) in prepared.items():
            r = runs[key]
            out = Path(args[args.index("-o") + 1])
            self.done[key] = Outcome(r.returncode, r.stdout, r.stderr, out, path, mapping, "fork")

    def _run(self, case: Case) -> Outcome:
        args, path, mapping = _prepare(case, self._workdir(case))
        proc = subprocess.run(
            [console_script(), *args],
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=limit_memory,
        )
        out = Path(args[args.index("-o") + 1])
        return Outcome(proc.returncode, proc.stdout, proc.stderr, out, path, mapping, "subprocess")

    def __getitem__(self, case: Case) -> Outcome:
        if case.id not in self.done:
            self.run_all([case])
        return self.done[case.id]


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> Outcomes:
    """The cases of every selected ``test_bad_input``, run a few at a time up front."""
    results = Outcomes(tmp_path_factory.mktemp("bad"))
    results.run_all(
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        and getattr(item, "originalname", "") == "test_bad_input"
        and hasattr(item, "callspec")
    )
    return results


def case_of(file: str, mapping: str | None = None) -> Case:
    return next(c for c in CASES if c.file == file and (mapping is None or c.mapping == mapping))


def test_the_corpus_is_listed_in_the_readme_and_every_file_is_used():
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in BAD.iterdir() if p.name != "README.md")
    used = {c.file for c in CASES} | {c.mapping for c in CASES if c.mapping} | USED_ELSEWHERE
    assert len(files) >= 30
    assert [f for f in files if f"`{f}`" not in readme] == []
    assert [f for f in files if f not in used] == []
    assert [g for g in GENERATED if f"`{g}`" not in readme] == []
    # one case of each kind also runs through a true start-up of the installed command
    cases = {c.id: c for c in CASES}
    assert SUBPROCESS <= set(cases)
    kinds = {(bool(cases[key].error), bool(cases[key].mapping)) for key in SUBPROCESS}
    assert kinds == {(True, False), (True, True), (False, False)}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, outcomes):
    r = outcomes[case]
    assert r.how == ("subprocess" if case.id in SUBPROCESS else "fork")
    assert "Traceback" not in r.stderr, r.stderr
    if case.error:
        _check_error(case, r)
    else:
        _check_read(case, r)


def _check_error(case: Case, r: Outcome) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith("incidentstats: error: ")
    named = BAD / case.names if case.names else r.input
    assert f"{named}:" in line, line
    assert case.error in line, line
    assert r.stdout == ""
    assert not r.out.exists()  # nothing written when the input is refused


def _check_read(case: Case, r: Outcome) -> None:
    assert r.returncode == 0, r.stderr
    prov = json.loads((r.out / "provenance.json").read_text(encoding="utf-8"))
    # stderr holds nothing but the data's warnings (e.g. an HHS list alone is no census).
    warned = [line.removeprefix("incidentstats: warning: ") for line in r.stderr.splitlines()]
    assert warned == prov.get("warnings", []), r.stderr
    counts = (
        prov["rows_in"],
        prov["rows_clean"],
        prov["rows_quarantined"],
        prov["duplicates_removed"],
    )
    assert counts == case.rows
    assert (
        prov["rows_in"]
        == prov["rows_clean"] + prov["rows_quarantined"] + prov["duplicates_removed"]
    )
    for entry in prov["inputs"]:
        total = entry["rows_clean"] + entry["rows_quarantined"] + entry["duplicates_removed"]
        assert entry["rows_in"] == total

    quarantine = pd.read_csv(r.out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert dict(Counter(quarantine["reason"])) == case.reasons
    assert prov["quarantine_reasons"] == dict(sorted(case.reasons.items()))
    incidents = pd.read_parquet(r.out / "incidents.parquet")
    assert len(incidents) == prov["rows_clean"]
    # Every input row is accounted for by its row number: clean or quarantined, once.
    rows = sorted(
        incidents["source_row"].astype(int).tolist() + quarantine["source_row"].astype(int).tolist()
    )
    assert rows == list(range(1, prov["rows_in"] + 1))
    assert (quarantine["source_file"] == str(r.input)).all()
    for column, expected in VALUES.get(case.file, {}).items():
        assert incidents.sort_values("source_row")[column].tolist() == expected


def test_long_field_is_kept_whole_when_clean_and_truncated_in_the_quarantine(outcomes):
    r = outcomes[case_of("hhs_long_field.csv")]
    incidents = pd.read_parquet(r.out / "incidents.parquet").set_index("organisation")
    assert len(incidents.loc["Long Description Clinic", "description"]) == LONG
    quarantine = pd.read_csv(r.out / "quarantine.csv", dtype=str, keep_default_na=False)
    raw = json.loads(quarantine.loc[0, "raw"])
    assert raw["Name of Covered Entity"].endswith(f"…[{LONG} chars]")
    assert len(quarantine.loc[0, "raw"]) < 5_000


def test_an_excel_formula_cell_is_read_as_its_value_not_run(outcomes):
    # The fifth row's name cell is the Excel formula =1+1 with no cached value: it is read
    # as an empty cell (so the row is quarantined), never evaluated to "2".
    r = outcomes[case_of("hhs_bad_rows.xlsx")]
    quarantine = pd.read_csv(r.out / "quarantine.csv", dtype=str, keep_default_na=False)
    row = quarantine.set_index("source_row").loc["5"]
    assert row["reason"] == "missing required field: Name of Covered Entity"
    assert json.loads(row["raw"])["Name of Covered Entity"] == ""


def test_a_yaml_python_tag_in_a_mapping_is_never_run(outcomes):
    assert outcomes[case_of("register.csv", "mapping_python_tag.yaml")].returncode == 2
    assert not Path("/tmp/incidentstats-pwned").exists()
