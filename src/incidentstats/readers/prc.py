"""Reader for the Privacy Rights Clearinghouse (PRC) "Chronology of Data Breaches" CSV export.

One row per breach made public in the US, 2005-2017, all sectors; ``sector="MED"`` keeps health.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .. import taxonomy
from ..errors import InputError, ParameterError
from .base import (
    ReadResult,
    add_reason,
    ambiguous_count,
    check_readable,
    fit_dates,
    make_quarantine,
    parse_csv_text,
    read_text,
)

SOURCE = "prc"
EARLIEST = pd.Timestamp("1990-01-01")

#: PRC "Type of organization" codes.
SECTORS: dict[str, str] = {
    "BSF": "Businesses - financial and insurance services",
    "BSO": "Businesses - other",
    "BSR": "Businesses - retail/merchant",
    "EDU": "Educational institutions",
    "GOV": "Government and military",
    "MED": "Healthcare, medical providers and medical insurance services",
    "NGO": "Nonprofit organizations",
}

#: PRC "Type of breach" code -> taxonomy category (before any refinement from the description).
BREACH_CATEGORY: dict[str, str] = {
    "PORT": "theft",  # portable device lost, discarded or stolen
    "PHYS": "theft",  # paper records lost, discarded or stolen
    "STAT": "theft",  # stationary computer lost, inappropriately accessed, discarded or stolen
    "DISC": "unauthorized_access",  # unintended disclosure (posted, mis-mailed, mis-faxed)
    "HACK": "hacking",  # hacked by an outside party or infected by malware
    "INSD": "misuse",  # insider with legitimate access
    "CARD": "other",  # payment card fraud not via hacking (skimming)
    "UNKN": "unknown",
}

#: PRC "Type of breach" code -> location (PORT may become "laptop" from the description).
BREACH_LOCATION: dict[str, str] = {
    "PORT": "portable_device",
    "PHYS": "paper",
    "STAT": "desktop",
}

#: Codes whose PRC definition is "lost, discarded or stolen": the description decides which.
_LOST_OR_STOLEN = ("PORT", "PHYS", "STAT")
_THEFT_WORDS = re.compile(
    r"\b(?:stole|stolen|steal\w*|theft|thie(?:f|ves)|burglar\w*|break-ins?|broke into|robbe(?:d|ry))\b",
    re.IGNORECASE,
)
_DISPOSAL_WORDS = re.compile(
    r"\b(?:discard\w*|dispos\w*|dumpsters?|trash|garbage|thrown (?:away|out)|recycl\w*|shred\w*)\b",
    re.IGNORECASE,
)
_LOSS_WORDS = re.compile(
    r"\b(?:lost|missing|misplaced|(?:can ?not|could not|unable to) (?:be )?(?:locate|located|find|found))\b",
    re.IGNORECASE,
)
_LAPTOP_WORDS = re.compile(r"\b(?:laptops?|notebook computers?)\b", re.IGNORECASE)
_RANSOM_WORDS = re.compile(r"ransom", re.IGNORECASE)

#: US states, DC and territories (name -> USPS code); Canadian provinces separately.
US_STATES: dict[str, str] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "washington dc": "DC", "washington d c": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "mississipi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
    "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY", "puerto rico": "PR", "guam": "GU", "us virgin islands": "VI",
    "virgin islands": "VI", "american samoa": "AS", "northern mariana islands": "MP",
}  # fmt: skip
CANADIAN_PROVINCES: dict[str, str] = {
    "alberta": "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
    "newfoundland and labrador": "NL", "nova scotia": "NS", "ontario": "ON",
    "prince edward island": "PE", "quebec": "QC", "québec": "QC", "saskatchewan": "SK",
    "northwest territories": "NT", "nunavut": "NU", "yukon": "YT",
}  # fmt: skip
_US_CODES = frozenset(US_STATES.values())
_CA_CODES = frozenset(CANADIAN_PROVINCES.values())

_COLUMNS = {
    "date": "Date Made Public",
    "company": "Company",
    "location": "Location",
    "type": "Type of breach",
    "sector": "Type of organization",
    "records": "Records Breached",
    "description": "Description of incident",
}
_REQUIRED = ("date", "company", "type")
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%m/%d/%Y", "%Y-%m-%d")

RULES = [
    "prc: sector scope is 'Type of organization' (default MED); rows of other sectors are "
    "quarantined as out of scope",
    "prc: reported_date = Date Made Public (written out, e.g. 'October 21, 2009'); "
    "occurred_date is empty (the chronology has no breach date)",
    "prc: Type of breach -> category: HACK -> hacking (+ ransomware when the description "
    "mentions ransom), INSD -> misuse, DISC -> unauthorized_access, CARD -> other, UNKN -> "
    "unknown; PORT, PHYS and STAT ('lost, discarded or stolen') -> theft when the "
    "description mentions theft, else improper_disposal when it mentions discarding, else "
    "loss when it mentions loss, else theft",
    "prc: locations: PORT -> laptop when the description mentions a laptop, else "
    "portable_device; PHYS -> paper; STAT -> desktop; other types -> none",
    "prc: records_affected = Records Breached: 'Unknown' and text without a leading number "
    "-> missing; '1,234' -> 1234; a leading number followed by text uses that number "
    "('2,000 (No SSNs ...)' -> 2000, '1.1 million' -> 1100000); Total Records is not used",
    "prc: region = US state (or Canadian province) code parsed from 'City, State' "
    "Location; country US/CA from it, else missing",
    "prc: incident_id hashes (Date Made Public, Company, Location, Type of breach, Records "
    "Breached), case- and space-folded: identical re-entries are duplicates, distinct "
    "breaches made public on the same day by one company are not",
    "prc: organisation_type: MED -> unknown (providers and insurers are not told apart), "
    "other sectors -> other; business_associate and patient_impact missing; impacts = "
    "confidentiality",
]


def read_prc(
    path, *, sector="MED", encoding: str | None = None, refine_from_description: bool = True
) -> ReadResult:
    """Read a PRC chronology export into canonical incidents.

    Parameters
    ----------
    path : path-like
        The CSV export (columns ``Date Made Public, Company, Location, Type of breach,
        Type of organization, Records Breached, ...``).
    sector : str, list of str or None, default "MED"
        ``Type of organization`` code(s) to keep; rows of other sectors are quarantined
        as out of scope. ``None`` keeps every sector.
    encoding : str, optional
        Force a text encoding; by default UTF-8, then cp1252 with replacement.
    refine_from_description : bool, default True
        Split PORT/PHYS/STAT ("lost, discarded or stolen") into theft, improper disposal
        or loss from the description, tell laptops from other portable devices, and add
        ransomware to HACK rows whose description mentions ransom. With False every
        PORT/PHYS/STAT row is theft.

    Returns
    -------
    ReadResult
        Format ``"prc"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "prc.csv"
    >>> _ = f.write_text(
    ...     '"Date Made Public","Company","Location","Type of breach","Type of organization",'
    ...     '"Records Breached","Total Records","Description of incident","Information Source"\\n'
    ...     '"October 15, 2009","Halifax Health","Daytona Beach, Florida","PORT","MED",'
    ...     '"33,000","33,000","A laptop was stolen.","Dataloss DB"\\n')
    >>> r = read_prc(f)
    >>> r.incidents[["category", "region", "records_affected", "locations"]].to_dict("records")
    [{'category': 'theft', 'region': 'FL', 'records_affected': 33000, 'locations': ['laptop']}]
    """
    sectors = _check_sector(sector)
    p = check_readable(path)
    text, used = read_text(p, encoding=encoding)
    raw = parse_csv_text(p, text)
    result = parse_prc_frame(
        raw, source_file=str(p), sectors=sectors, refine_from_description=refine_from_description
    )
    result.encoding = used
    return result


read = read_prc


def detect(path) -> bool:
    """True if ``path`` is a PRC chronology CSV (header with Date Made Public and Type of organization)."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with open(p, "rb") as fh:
            head = fh.read(16 * 1024).decode("utf-8", errors="replace").lstrip("\ufeff")
        header = next(csv.reader(io.StringIO(head, newline="")))
    except Exception:  # detection must never raise
        return False
    names = {h.strip().lower() for h in header}
    return "date made public" in names and "type of organization" in names


def _check_sector(sector) -> frozenset | None:
    if sector is None:
        return None
    values = (
        [sector]
        if isinstance(sector, str)
        else list(sector)
        if isinstance(sector, list | tuple | set)
        else None
    )
    if not values:
        raise ParameterError(
            "sector",
            f"expected a PRC sector code such as 'MED', a list of codes, or None; got {sector!r}",
        )
    codes = {str(v).strip().upper() for v in values}
    unknown = sorted(codes - set(SECTORS))
    if unknown:
        raise ParameterError(
            "sector",
            f"unknown PRC sector code(s) {', '.join(unknown)}; expected {', '.join(SECTORS)}",
        )
    return frozenset(codes)


def state_code(text) -> tuple[str | None, str | None]:
    """Return ``(region code, country)`` for a US state or Canadian province name or code.

    Unrecognised text is returned as written with no country.

    Examples
    --------
    >>> state_code("District Of Columbia"), state_code("ny"), state_code("Quebec")
    (('DC', 'US'), ('NY', 'US'), ('QC', 'CA'))
    >>> state_code("Noord Holland"), state_code("  ")
    (('Noord Holland', None), (None, None))
    """
    if text is None or (isinstance(text, float) and text != text):
        return None, None
    written = " ".join(str(text).split())
    key = re.sub(r"[^a-zé ]", "", written.lower().replace(".", "").replace("-", " ")).strip()
    key = " ".join(key.split())
    if not key:
        return None, None
    if key in US_STATES:
        return US_STATES[key], "US"
    if key in CANADIAN_PROVINCES:
        return CANADIAN_PROVINCES[key], "CA"
    code = key.replace(" ", "").upper()
    if len(code) == 2 and code in _US_CODES:
        return code, "US"
    if len(code) == 2 and code in _CA_CODES:
        return code, "CA"
    return written, None


def parse_records(text) -> tuple[int | None, str]:
    """Parse a PRC ``Records Breached`` cell; return ``(count or None, how)``.

    ``how`` is "number", "leading number", "unknown" or "not a number".

    Examples
    --------
    >>> parse_records("14,783"), parse_records("Unknown")
    ((14783, 'number'), (None, 'unknown'))
    >>> parse_records("2,000 (No SSNs or financial information reported)")
    (2000, 'leading number')
    >>> parse_records("1.1 million"), parse_records("Hundreds")
    ((1100000, 'leading number'), (None, 'not a number'))
    """
    s = " ".join(str(text or "").replace("&nbsp;", " ").split()).strip().strip('"').strip()
    if not s:
        return None, "unknown"
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", s):
        return int(s.replace(",", "")), "number"
    lead = re.match(r"\d[\d,]*\d", s)
    if lead and ambiguous_count(lead.group()):
        return None, "ambiguous"
    if re.match(r"(?i)u\w{0,2}nk?n?own", s):
        return None, "unknown"
    m = re.match(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(million)?", s, re.IGNORECASE)
    if not m:
        return None, "not a number"
    whole, frac, million = m.group(1).replace(",", ""), m.group(2), m.group(3)
    if million:
        return int(round(float(whole + (frac or "")) * 1_000_000)), "leading number"
    if frac:
        return None, "not a number"
    return int(whole), "leading number"


def _classify(code: str, description: str, refine: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (categories, locations) of one row."""
    category = BREACH_CATEGORY.get(code, "other")
    location = BREACH_LOCATION.get(code)
    if refine and code in _LOST_OR_STOLEN:
        if _THEFT_WORDS.search(description):
            category = "theft"
        elif _DISPOSAL_WORDS.search(description):
            category = "improper_disposal"
        elif _LOSS_WORDS.search(description):
            category = "loss"
    if refine and code == "PORT" and _LAPTOP_WORDS.search(description):
        location = "laptop"
    cats = [category]
    if refine and code == "HACK" and _RANSOM_WORDS.search(description):
        cats.append("ransomware")
    if not code:
        cats = ["unknown"]
    return tuple(taxonomy.sort_categories(cats)), ((location,) if location else ())


def parse_prc_frame(
    raw: pd.DataFrame,
    *,
    source_file: str,
    sectors=frozenset({"MED"}),
    refine_from_description: bool = True,
) -> ReadResult:
    """Turn a PRC export already parsed as strings into a ReadResult.

    Every input row ends in the incidents or in the quarantine with a reason.
    """
    by_name = {" ".join(str(c).split()).lower(): c for c in raw.columns}
    cols = {k: by_name.get(v.lower()) for k, v in _COLUMNS.items()}
    needed = [*_REQUIRED, *(["sector"] if sectors is not None else [])]
    missing = [_COLUMNS[k] for k in needed if cols[k] is None]
    if missing:
        found = ", ".join(repr(str(c)) for c in list(raw.columns)[:12])
        raise InputError(
            source_file,
            f"not a PRC chronology export: missing column(s) {', '.join(missing)}; found {found}",
        )
    n = len(raw)
    raw = raw.reset_index(drop=True)
    raw.insert(0, "_row", range(1, n + 1))
    empty = pd.Series("", index=raw.index)
    get = lambda k: raw[cols[k]].astype(str) if cols[k] is not None else empty  # noqa: E731

    reasons = pd.Series("", index=raw.index, dtype=object)
    sector = get("sector").str.strip().str.upper()
    if sectors is not None:
        out = ~sector.isin(sectors)
        wanted = "/".join(sorted(sectors))
        what = sector.map(
            lambda v: f"Type of organization {v!r}" if v else "no Type of organization"
        )
        reasons = reasons.mask(out, "out of scope: " + what + f" is not {wanted}")
    in_scope = reasons.eq("")

    company = get("company").str.replace(r"\s+", " ", regex=True).str.strip()
    reasons = add_reason(reasons, in_scope & company.eq(""), "missing required field: Company")
    date_text = get("date").str.replace(r"\s+", " ", regex=True).str.strip()
    reported = _parse_dates(date_text)
    reasons = add_reason(
        reasons, in_scope & date_text.eq(""), "missing required field: Date Made Public"
    )
    reasons = add_reason(
        reasons, in_scope & date_text.ne("") & reported.isna(), "unparseable Date Made Public"
    )
    today = pd.Timestamp(dt.date.today())
    reasons = add_reason(
        reasons, in_scope & reported.gt(today), "Date Made Public is in the future"
    )
    reasons = add_reason(
        reasons, in_scope & reported.lt(EARLIEST), "Date Made Public is before 1990"
    )
    ambiguous = get("records").map(lambda v: parse_records(v)[1] == "ambiguous")
    reasons = add_reason(
        reasons,
        in_scope & ambiguous,
        "ambiguous number (thousands separators misplaced) in Records Breached",
    )

    quarantine = make_quarantine(raw, reasons, source_file=source_file)
    ok = reasons.eq("")
    m = int(ok.sum())

    code = get("type")[ok].str.strip().str.upper()
    desc_raw = get("description")[ok]
    desc = desc_raw.str.replace(r"\s+", " ", regex=True).str.strip()
    desc = desc.where(desc.ne(""))
    keys = pd.Series(list(zip(code, desc.fillna(""), strict=True)), index=code.index)
    info = {k: _classify(k[0], k[1], refine_from_description) for k in dict.fromkeys(keys)}
    classified = keys.map(info)
    cats = classified.map(lambda v: v[0])
    derived = {
        c: (taxonomy.primary_category(c), taxonomy.origin_of(c)) for c in dict.fromkeys(cats)
    }

    rec_text = get("records")[ok]
    parsed = {v: parse_records(v) for v in dict.fromkeys(rec_text)}
    records = pd.array([parsed[v][0] for v in rec_text], dtype="Int64")
    how = Counter(parsed[v][1] for v in rec_text)

    location = get("location")[ok]
    state_part = location.str.rsplit(",", n=1).str[-1].fillna("")
    places = {v: state_code(v) for v in dict.fromkeys(state_part)}
    region = state_part.map(lambda v: places[v][0])
    country = state_part.map(lambda v: places[v][1])

    rep = reported[ok]
    fold = lambda s: s.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()  # noqa: E731
    key = pd.DataFrame(
        {
            "d": rep.dt.strftime("%Y-%m-%d").fillna(""),
            "c": company[ok].str.casefold(),
            "l": fold(location),
            "t": code,
            "r": fold(rec_text),
        }
    )
    ids = pd.util.hash_pandas_object(key, index=False).map("prc-{:016x}".format)

    unknown_codes = Counter(c for c in code if c and c not in BREACH_CATEGORY)
    incidents = pd.DataFrame(
        {
            "incident_id": ids.to_numpy(),
            "source": SOURCE,
            "reported_date": rep.to_numpy(),
            "occurred_date": pd.NaT,
            "organisation": company[ok].to_numpy(),
            "organisation_type": np.where(sector[ok].eq("MED"), "unknown", "other"),
            "region": region.to_numpy(),
            "country": country.to_numpy(),
            "categories": [list(c) for c in cats],
            "category": [derived[c][0] for c in cats],
            "source_categories": [[c] if c else [] for c in code],
            "origin": [derived[c][1] for c in cats],
            "locations": [list(v[1]) for v in classified],
            "records_affected": records,
            "business_associate": pd.array([None] * m, dtype="boolean"),
            "patient_impact": pd.array([None] * m, dtype="boolean"),
            "description": desc.to_numpy(),
            "impacts": [["confidentiality"] for _ in range(m)],
            "records_placeholder": pd.Series(records).isin([500, 501]).to_numpy(dtype=bool),
            "source_file": source_file,
            "source_row": raw.loc[ok, "_row"].to_numpy(),
        }
    )
    notes = [
        f"Records Breached: {how['number']} numbers, {how['leading number']} read from a leading "
        f"number followed by text, {how['unknown']} unknown, {how['not a number']} without a number"
    ]
    if unknown_codes:
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(unknown_codes.items()))
        notes.append(f"Type of breach code(s) not in the PRC legend mapped to 'other': {listed}")
    return ReadResult(
        path=source_file,
        format="prc",
        incidents=incidents,
        quarantine=quarantine,
        rows_in=n,
        notes=notes,
    )


def _parse_dates(text: pd.Series) -> pd.Series:
    """Parse PRC dates ('October 21, 2009'; also 'Oct 21, 2009', M/D/YYYY, ISO); else NaT."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text.ne("")
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        out[hit[hit].index] = fit_dates(parsed[hit])
        todo = todo & out.isna()
    return out
