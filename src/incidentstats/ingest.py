"""Load sources into the canonical incident table, with row accounting and provenance.

``load`` is what researchers call; ``ingest`` also returns the quarantine table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import dedupe, readers, vintage
from ._files import BackgroundHash, dump_csv, json_text, publish_set
from ._version import __version__
from .errors import InputError, ParameterError, data_warning
from .readers import hhs
from .readers.base import diagnose_unrecognised, header_cells
from .schema import SCHEMA_VERSION, conform, empty_quarantine, sort_incidents, validate

DEDUPE_RULE = dedupe.RULE


@dataclass
class Ingested:
    """The result of ``ingest``: clean incidents, quarantined rows and provenance."""

    incidents: pd.DataFrame
    quarantine: pd.DataFrame
    provenance: dict
    #: Rows removed as copies and distinct incidents flagged as possible duplicates,
    #: each with the row kept in its place (see ``dedupe.resolve_duplicates``).
    duplicates: pd.DataFrame = field(default_factory=dedupe.empty_duplicates)

    def write(self, outdir) -> dict[str, Path]:
        """Write incidents (parquet and CSV), quarantine and duplicates CSV, provenance JSON as one set.

        The files are published together (``_files.publish_set``): a failure, Ctrl-C or
        SIGKILL at any point leaves every name showing the previous set (or none), or
        every name showing the new one, never a mix and never a partial file.
        """
        table = self.incidents.copy()
        table.attrs = {}
        writers = {
            "incidents.parquet": lambda path: table.to_parquet(path, index=False),
            "incidents.csv": lambda path: dump_csv(table, path),
            "quarantine.csv": lambda path: dump_csv(self.quarantine, path),
            "duplicates.csv": lambda path: dump_csv(self.duplicates, path),
            "provenance.json": lambda path: Path(path).write_text(
                json_text(self.provenance), encoding="utf-8"
            ),
        }
        return publish_set(outdir, writers)


def _detect(path) -> str:
    """The source of ``path`` for ``source="auto"``, or the most precise InputError.

    When no reader recognises a file, a more specific problem (empty, binary, wrong
    delimiter) is reported if there is one; a JSON file, an Excel workbook or a header
    that shares columns with one format is handed to that format's reader, whose error
    names the missing columns or the JSON problem.
    """
    try:
        return readers.detect_source(path)
    except InputError:
        p = Path(path)
        if not p.is_file():
            raise
        diagnose_unrecognised(p)
        guess = _guess_source(p)
        if guess is None:
            raise
        return guess


def _guess_source(p: Path) -> str | None:
    """A weak guess at the format of a file no reader recognised (None if no clue)."""
    if p.suffix.lower() == ".json":
        return "veris"
    if p.suffix.lower() in hhs.EXCEL_SUFFIXES:
        return "hhs"
    with open(p, "rb") as fh:
        head = fh.read(64 * 1024)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "veris"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        header = header_cells(p, text)
    except InputError:
        return None
    names = {" ".join(h.split()).lower() for h in header}
    if {"date made public", "type of organization", "company"} & names:
        return "prc"
    if {"incident_id", "timeline.incident.year"} & names:
        return "veris"
    if len(hhs._map_columns(header)[0]) >= 2:
        return "hhs"
    return None


def _as_paths(paths) -> list:
    if paths is None:
        return []
    if isinstance(paths, str | Path):
        return [paths]
    return list(paths)


def ingest(source: str = "hhs", paths=None, *, as_of: str | None = None, **options) -> Ingested:
    """Read one or more files of a source into the canonical table, accounting for every row.

    Parameters
    ----------
    source : {"hhs", "veris", "prc", "csv", "auto"}
        The reader. ``"auto"`` recognises each file from its content.
    paths : path-like or list of path-like, optional
        Input files (a VERIS directory counts as one input). With ``source="hhs"`` and
        no paths, the embedded HHS list as of 2015-02-26 is used.
    as_of : str, optional
        The data's as-of date (ISO). By default the date the input states, else the
        latest reported date in the data.
    **options
        Passed to the reader (e.g. ``mapping=`` for ``"csv"``, ``industry=`` for VERIS).

    Returns
    -------
    Ingested
    """
    if source not in readers.SOURCE_NAMES or source == "france":
        raise ParameterError(
            "source",
            f"unknown source {source!r}; expected one of auto, {', '.join(readers.SOURCES)}",
        )
    path_list = _as_paths(paths)
    # Hash the input files on low-priority threads while they are cleaned and sorted (an
    # HHS export from when it is parsed: see ``_read_inputs``); each hash is finished here
    # if its thread has not got to the end.
    digests: dict[int, BackgroundHash | None] = {}

    def start_hash(i: int) -> None:
        if i not in digests:
            path = path_list[i]
            digests[i] = BackgroundHash(path) if Path(path).is_file() else None

    try:
        results, dataset = _read_inputs(source, path_list, options, start_hash)
        # Remember which input each row came from: a VERIS directory's rows name their own files.
        frames = [r.incidents.assign(_input=i) for i, r in enumerate(results)]
        incidents = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        # What the provenance needs of each reader's table; the tables are then let go, so
        # that the columns the dedupe and the sort replace are not held twice at the end.
        spans = [vintage.input_span(r.incidents) for r in results]
        counts = [len(r.incidents) for r in results]
        del frames
        for r in results:
            r.incidents = None
        # One input: its reader may know already which rows share an id, and give its rows
        # in the canonical order.
        shared = results[0].shared_ids if len(results) == 1 else None
        ordered = len(results) == 1 and results[0].ordered
        removed, incidents, duplicates = dedupe.resolve_duplicates(incidents, shared=shared)
        dup = pd.Series(removed, index=incidents.index)
        dup_by_input = incidents.loc[dup, "_input"].value_counts().to_dict()
        # Sort only the keys, then move the (large) table once. The readers' tables are
        # canonical already (ReadResult conforms them): conform is then a cheap check.
        kept = (~dup).to_numpy().nonzero()[0]
        # The table is handed over to the sort, which lets each old column go once moved.
        # Rows that came in the canonical order are not sorted again: only those given new
        # ids by the dedupe are placed.
        table = incidents.drop(columns="_input")
        del incidents
        renamed = None
        if ordered:  # the dedupe flags each row it gives a new id
            renamed = table["possible_duplicate"].notna().to_numpy().nonzero()[0]
        incidents = sort_incidents(table, rows=kept, release=True, ordered_but=renamed)
        del table
        incidents = conform(incidents, check_lists=False)
        validate(incidents)
        sha256 = [
            d.result() if (d := digests.get(i)) is not None else None for i in range(len(results))
        ]
    except BaseException:
        for d in digests.values():
            if d is not None:
                d.cancel()  # a hash still running stops at its next block
        raise
    quarantines = [r.quarantine for r in results if len(r.quarantine)]
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else empty_quarantine()

    inputs = []
    for i, r in enumerate(results):
        dups = int(dup_by_input.get(i, 0))
        span = spans[i]
        entry = {
            "path": r.path,
            "kind": r.kind or vintage.SOURCE_KINDS.get(r.format.split("-")[0], r.format),
            "as_of": (hhs.EMBEDDED_AS_OF if not path_list else r.as_of) or span["end"],
            "span": span,
            "sha256": sha256[i],
            "format": r.format,
            "encoding": r.encoding,
            "rows_in": r.rows_in,
            "rows_clean": counts[i] - dups,
            "rows_quarantined": len(r.quarantine),
            "duplicates_removed": dups,
            "notes": r.notes,
        }
        _check_balance(entry, r.path)
        inputs.append(entry)

    stated = [r.as_of for r in results if r.as_of]
    if as_of is not None:
        as_of_date, as_of_rule = _parse_as_of(as_of), "given"
    elif not path_list:
        as_of_date, as_of_rule = hhs.EMBEDDED_AS_OF, "stated by the dataset"
    elif stated and len(stated) == len(results):
        as_of_date, as_of_rule = max(stated), "stated by the input"
    else:
        latest = incidents["reported_date"].max()
        as_of_rule = "latest reported date in the data"
        if pd.isna(latest):  # sources without report dates (VERIS): when incidents happened
            latest = incidents["occurred_date"].max()
            as_of_rule = "latest incident date in the data"
        as_of_date = None if pd.isna(latest) else latest.strftime("%Y-%m-%d")

    rules = []
    for r in results:
        module = (
            readers.reader_module(r.format.split("-")[0])
            if r.format.split("-")[0] in readers.SOURCES
            else None
        )
        for rule in getattr(module, "RULES", []):
            if rule not in rules:
                rules.append(rule)
    rules.append(DEDUPE_RULE)

    provenance = {
        "schema_version": SCHEMA_VERSION,
        "package": "incidentstats",
        "package_version": __version__,
        "source": source,
        "dataset": dataset,
        "formats": sorted({r.format for r in results}),
        "as_of": as_of_date,
        "as_of_rule": as_of_rule,
        "period": _period(incidents),
        "inputs": inputs,
        "rows_in": sum(i["rows_in"] for i in inputs),
        "rows_clean": len(incidents),
        "rows_quarantined": len(quarantine),
        "duplicates_removed": int(dup.sum()),
        "possible_duplicates": int((duplicates["action"] == "possible_duplicate").sum()),
        "quarantine_reasons": _reason_counts(quarantine),
        "rules": rules,
        "options": {k: str(v) for k, v in sorted(options.items())},
        "filters": {},
    }
    _check_balance(provenance, "total")
    found = vintage.assess(inputs)
    provenance["partial_spans"] = found.partial_spans
    provenance["warnings"] = []
    provenance["warning_details"] = found.warnings
    for warning in found.warnings:
        data_warning(warning["message"], provenance)
    incidents.attrs["provenance"] = provenance
    return Ingested(
        incidents=incidents, quarantine=quarantine, provenance=provenance, duplicates=duplicates
    )


def _read_inputs(source: str, path_list: list, options: dict, start_hash) -> tuple[list, str]:
    """Read every input (the embedded HHS list if none): (read results, dataset label).

    ``start_hash(i)`` starts hashing input ``i``: the HHS reader calls it once the file
    is checked readable, before it parses it; the others are hashed once read.
    """
    if not path_list:
        if source not in ("hhs", "auto"):
            raise ParameterError("paths", f"source {source!r} needs at least one input file")
        return [hhs.read_embedded(**options)], hhs.EMBEDDED_DESCRIPTION
    results = []
    for i, path in enumerate(path_list):
        name = _detect(path) if source == "auto" else source
        # The HHS reader can give its rows in the canonical order: the large text
        # columns then move once, and the sort below finds them in place.
        extra = {"canonical_order": True, "on_start": lambda i=i: start_hash(i)}
        results.append(readers.read(name, path, **{**options, **(extra if name == "hhs" else {})}))
        start_hash(i)
    return results, ", ".join(Path(r.path).name for r in results)


def load(source: str = "hhs", paths=None, **options) -> pd.DataFrame:
    """Load incidents into the canonical table (one row per incident).

    Parameters
    ----------
    source : {"hhs", "veris", "prc", "csv", "auto", "france"}, default "hhs"
        Where the data come from. ``"france"`` returns the French observatory's
        published figures as a tidy aggregate table instead of incidents.
    paths : path-like or list of path-like, optional
        Input files; none with ``"hhs"`` gives the embedded list as of 2015-02-26.
    **options
        Reader options (see ``ingest``).

    Returns
    -------
    DataFrame
        The canonical incident table; ``df.attrs["provenance"]`` holds the source,
        as-of date, input files with sha256 and the row accounting.

    Examples
    --------
    >>> import incidentstats as ist
    >>> df = ist.load("hhs")
    >>> len(df), df.attrs["provenance"]["as_of"]
    (1151, '2015-02-26')
    """
    if source == "france":
        from .readers import france

        return france.read_figures(*_as_paths(paths)[:1], **options)
    return ingest(source, paths, **options).incidents


def _check_balance(acc: dict, label) -> None:
    total = acc["rows_clean"] + acc["rows_quarantined"] + acc["duplicates_removed"]
    if total != acc["rows_in"]:
        raise AssertionError(
            f"{label}: rows_in {acc['rows_in']} != clean {acc['rows_clean']} + quarantined "
            f"{acc['rows_quarantined']} + duplicates {acc['duplicates_removed']}"
        )


def _parse_as_of(value) -> str:
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        raise ParameterError(
            "as_of", f"expected an ISO date like 2024-06-30, got {value!r}"
        ) from None


def _period(incidents: pd.DataFrame) -> dict:
    dates = incidents["reported_date"].dropna()
    if dates.empty:
        dates = incidents["occurred_date"].dropna()
    if dates.empty:
        return {"start": None, "end": None}
    return {"start": dates.min().strftime("%Y-%m-%d"), "end": dates.max().strftime("%Y-%m-%d")}


def _reason_counts(quarantine: pd.DataFrame) -> dict:
    if quarantine.empty:
        return {}
    return {str(k): int(v) for k, v in quarantine["reason"].value_counts().sort_index().items()}


def today_iso() -> str:
    return dt.date.today().isoformat()
