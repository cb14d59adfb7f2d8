"""Reader for VERIS incidents (VERIS Community Database): raw JSON and verisr's flat table.

Reads a directory of incident files, one JSON file (one incident or an array of them),
or the flat 0/1 table that verisr's ``json2veris`` writes, into canonical incidents.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import os
import re
import stat
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .. import taxonomy
from .._files import sha256_file
from ..errors import InputError, ParameterError
from ..limits import (
    MAX_INPUT_BYTES,
    check_field_bytes,
    check_name,
    over_limit,
    path_problem,
    shown_path,
)
from ..schema import empty_quarantine
from .base import ReadResult, ambiguous_count, check_readable, read_text
from .prc import state_code

SOURCE = "veris"
EARLIEST_YEAR = 1990
MAX_RECORDS = 1_000_000_000  # same typo guard as the HHS reader
_TOTAL = "attribute.confidentiality.data_total"
REQUIRED_KEYS = ("incident_id", "action", "timeline")

#: VERIS action categories ("A4" actions) as VERIS writes them, in VERIS's own order.
ACTIONS: tuple[str, ...] = (
    "Malware",
    "Hacking",
    "Social",
    "Physical",
    "Misuse",
    "Error",
    "Environmental",
    "Unknown",
)
_ACTION_NAME = {a.lower(): a for a in ACTIONS}

#: VERIS action -> taxonomy code, for actions whose varieties do not matter.
ACTION_CATEGORY: dict[str, str] = {
    "hacking": "hacking",
    "social": "phishing",
    "misuse": "misuse",
    "environmental": "environmental",
    "unknown": "unknown",
}

#: error.variety -> taxonomy code; every other error variety is "error".
ERROR_VARIETY_CATEGORY: dict[str, str] = {
    "Loss": "loss",
    "Disposal error": "improper_disposal",
    "Malfunction": "technical_failure",
}

#: Asset variety prefix -> location; exact varieties in ASSET_LOCATION win over the prefix.
ASSET_PREFIX_LOCATION: dict[str, str] = {
    "S": "network_server",  # servers (database, file, web application, backup, ...)
    "N": "network_server",  # network devices (firewall, router, LAN, ...)
    "U": "other",  # user devices not listed below (POS terminal, peripheral, phone line)
    "M": "portable_device",  # media not listed below (disk drive, flash drive, tapes, disks)
    "P": "other",  # people (end-user, call center, customer, ...)
    "T": "other",  # kiosks and terminals (ATM, PED pad)
    "E": "other",  # embedded devices
}
ASSET_LOCATION: dict[str, str] = {
    "S - Mail": "email",
    "U - Laptop": "laptop",
    "U - Desktop": "desktop",
    "U - Desktop or laptop": "other",  # ambiguous between the two
    "U - Media": "portable_device",
    "U - Mobile phone": "portable_device",
    "U - Tablet": "portable_device",
    "U - Auth token": "portable_device",
    "U - Unknown": "unknown",
    "M - Documents": "paper",
    "M - Fax": "paper",
    "M - Payment card": "other",
    "M - Smart card": "other",
    "M - SIM card": "other",
    "M - Other": "other",
    "M - Unknown": "unknown",
    "N - Camera": "other",
    "Unknown": "unknown",
    "Other": "other",
}

#: NAICS prefix -> organisation type, longest prefix first; other 62* codes are providers.
NAICS_ORGANISATION_TYPE: tuple[tuple[str, str], ...] = (
    ("524114", "health_plan"),  # direct health and medical insurance carriers
    ("621", "provider"),  # ambulatory health care services
    ("622", "provider"),  # hospitals
    ("623", "provider"),  # nursing and residential care facilities
    ("62", "provider"),  # any other health care and social assistance code
)

#: sha256 of files whose as-of date is known from their provenance.
KNOWN_FILES: dict[str, tuple[str, str]] = {
    "d10e896c77e053f7514cce23ba33413a56791cd42d0d0aa09ef34539cab47f01": (
        "2019-03-05",
        "recognised by sha256 as the flat VCDB healthcare table of 2019-03-05 "
        "(verisr2 data/vcdb.rda, flattened by verisr json2veris)",
    ),
}

RULES = [
    "veris: incident_id = 'veris-' + the VERIS incident_id lower-cased; the same incident "
    "in a JSON file and in a flat table is one incident",
    "veris: industry scope is a NAICS prefix of victim.industry (default '62', health care "
    "and social assistance); other industries are quarantined as out of scope",
    "veris: no report date exists in VERIS: reported_date is empty and occurred_date is "
    "timeline.incident; a missing month means 1 January, a missing day the 1st of the month",
    "veris: incident years before 1990 or after the current year are quarantined",
    "veris: malware with variety Ransomware -> ransomware (plus malware only when another "
    "known malware variety is present); other malware -> malware",
    "veris: hacking -> hacking; social -> phishing; misuse -> misuse; environmental -> "
    "environmental; unknown -> unknown",
    "veris: error varieties Loss -> loss, Disposal error -> improper_disposal, Malfunction "
    "-> technical_failure, any other error variety -> error",
    "veris: physical with variety Theft -> theft; physical without Theft (assault, "
    "tampering, snooping, surveillance, unknown) -> other",
    "veris: source_categories are the VERIS actions present (Malware, Hacking, Social, "
    "Physical, Misuse, Error, Environmental, Unknown)",
    "veris: organisation = victim.victim_id ('Unknown' -> missing); organisation_type from "
    "NAICS: 524114 -> health_plan, other 62* (621, 622, 623, 624, ...) -> provider, other "
    "industries -> other, no industry -> unknown",
    "veris: country = first victim.country other than 'Unknown' (flat table: first true "
    "victim.country.* column); region = victim.state, US state and Canadian province names "
    "written out turned into their 2-letter codes",
    "veris: locations from asset.assets varieties (S - Mail -> email, other S/N -> "
    "network_server, U - Laptop -> laptop, U - Desktop -> desktop, M - Documents/Fax -> "
    "paper, removable media and mobile devices -> portable_device, people/kiosks -> other)",
    "veris: records_affected = attribute.confidentiality.data_total; a data_total that is "
    "negative, fractional, non-numeric or above 1,000,000,000 is quarantined; business_associate = "
    "True when a Partner actor is present, else missing; patient_impact is missing (VERIS "
    "1.3 records no patient-safety effect); impacts = the attribute sections present",
]

# Flat-table column prefixes (verisr json2veris names).
_FLAT_COUNTRY = "victim.country."
_FLAT_ASSET = "asset.assets.variety."
_TRUE = frozenset({"1", "true", "t", "yes", "y", "1.0"})
_RAW_LIMIT = 2000
_IMPACT_KEYS = ("confidentiality", "integrity", "availability")


# --- public entry points -------------------------------------------------------------


def read_veris(path, *, industry: str | None = "62", schema=None) -> ReadResult:
    """Read VERIS incidents (JSON files, a directory of them, or a flat table).

    Parameters
    ----------
    path : path-like
        A directory of incident files (``*.json``, any case; not recursive), one JSON file
        holding an incident or an array of incidents, or verisr's flat CSV table
        (one row per incident, 0/1 columns such as ``action.Malware``).
    industry : str or None, default "62"
        NAICS prefix of ``victim.industry`` to keep ("62": health care and social
        assistance). Incidents of other industries are quarantined as out of scope.
        ``None`` keeps every industry.
    schema : path-like, optional
        A local VERIS schema (e.g. ``verisc-merged.json``). Enumeration values the schema
        does not list are reported in ``ReadResult.notes``. Nothing is downloaded.

    Returns
    -------
    ReadResult
        Format ``"veris-json"`` or ``"veris-flat"``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> incident = {"incident_id": "ABC-1", "action": {"malware": {"variety": ["Ransomware"]}},
    ...             "timeline": {"incident": {"year": 2017, "month": 5}},
    ...             "victim": {"industry": "622110", "country": ["US"], "state": "NY"}}
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ABC-1.json").write_text(json.dumps(incident))
    >>> r = read_veris(d)
    >>> r.incidents[["incident_id", "category", "occurred_date"]].to_dict("records")
    [{'incident_id': 'veris-abc-1', 'category': 'ransomware', 'occurred_date': Timestamp('2017-05-01 00:00:00')}]
    """
    prefix = _check_industry(industry)
    p = Path(path)
    if not p.exists():
        raise InputError(p, "file not found")
    enums = _load_schema_enums(schema) if schema is not None else None
    if p.is_dir():
        return _read_json_dir(p, prefix, enums)
    check_readable(p)
    if _looks_like_json(p):
        return _read_json_file(p, prefix, enums)
    return _read_flat(p, prefix, enums)


read = read_veris


def detect(path) -> bool:
    """True if ``path`` is VERIS data: a directory of VERIS JSON, a VERIS JSON file or a flat table."""
    p = Path(path)
    try:
        if p.is_dir():
            names = sorted(
                e.name for e in os.scandir(p) if e.is_file() and e.name.lower().endswith(".json")
            )
            return any(_head_is_veris_json(_head(p / n)) for n in names[:5])
        if not p.is_file():
            return False
        head = _head(p)
        if head.lstrip()[:1] in ("{", "["):
            return _head_is_veris_json(head)
        columns = pd.read_csv(io.StringIO(head), nrows=0, dtype=str).columns.tolist()
        return _looks_like_flat(columns)
    except Exception:  # detection must never raise: another reader may recognise the file
        return False


def categories_from_actions(actions) -> tuple[list[str], list[str]]:
    """Map VERIS actions to ``(categories, source_categories)``.

    Parameters
    ----------
    actions : mapping
        Lower-case action name -> iterable of its varieties, e.g.
        ``{"malware": ["Ransomware"], "social": ["Phishing"]}``.

    Examples
    --------
    >>> categories_from_actions({"malware": ["Ransomware"], "social": ["Phishing"]})
    (['ransomware', 'phishing'], ['Malware', 'Social'])
    >>> categories_from_actions({"error": ["Loss", "Misdelivery"]})
    (['loss', 'error'], ['Error'])
    >>> categories_from_actions({})
    (['unknown'], [])
    """
    key = tuple(sorted((str(a).lower(), frozenset(v or ())) for a, v in actions.items()))
    cats, labels = _categories_cached(key)
    return list(cats), list(labels)


@functools.lru_cache(maxsize=4096)
def _categories_cached(key) -> tuple[tuple[str, ...], tuple[str, ...]]:
    codes: list[str] = []
    present = set()
    for action, varieties in key:
        present.add(action)
        if action == "malware":
            if "Ransomware" in varieties:
                codes.append("ransomware")
                if varieties - {"Ransomware", "Unknown"}:
                    codes.append("malware")
            else:
                codes.append("malware")
        elif action == "error":
            mapped = {ERROR_VARIETY_CATEGORY.get(v, "error") for v in varieties}
            codes.extend(mapped or {"error"})
        elif action == "physical":
            codes.append("theft" if "Theft" in varieties else "other")
        else:
            codes.append(ACTION_CATEGORY.get(action, "other"))
    labels = [a for a in ACTIONS if a.lower() in present]
    labels += sorted(a.capitalize() for a in present if a not in _ACTION_NAME)
    return tuple(taxonomy.sort_categories(codes) or ["unknown"]), tuple(labels)


def location_of_asset(variety: str) -> str:
    """Return the taxonomy location of a VERIS asset variety.

    Examples
    --------
    >>> location_of_asset("S - Database"), location_of_asset("M - Flash drive")
    ('network_server', 'portable_device')
    >>> location_of_asset("P - End-user"), location_of_asset("Unknown")
    ('other', 'unknown')
    """
    variety = str(variety).strip()
    if variety in ASSET_LOCATION:
        return ASSET_LOCATION[variety]
    prefix, dash, _ = variety.partition(" - ")
    if dash and prefix in ASSET_PREFIX_LOCATION:
        return ASSET_PREFIX_LOCATION[prefix]
    return "other"


@functools.lru_cache(maxsize=1024)
def organisation_type_of(naics) -> str:
    """Return the organisation type of a victim's NAICS code.

    Examples
    --------
    >>> organisation_type_of("622110"), organisation_type_of("524114"), organisation_type_of("")
    ('provider', 'health_plan', 'unknown')
    """
    code = re.sub(r"\D", "", str(naics or ""))
    if not code:
        return "unknown"
    for prefix, kind in NAICS_ORGANISATION_TYPE:
        if code.startswith(prefix):
            return kind
    return "other"


# --- options ---------------------------------------------------------------------------


def _check_industry(industry) -> str | None:
    if industry is None:
        return None
    code = str(industry).strip()
    if not re.fullmatch(r"\d{2,6}", code):
        raise ParameterError(
            "industry",
            f"expected a NAICS prefix of 2 to 6 digits such as '62', or None; got {industry!r}",
        )
    return code


def _load_schema_enums(schema) -> dict[str, frozenset]:
    p = check_readable(schema)
    try:
        doc = json.loads(p.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(p, f"VERIS schema is not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("properties"), dict):
        raise InputError(p, "not a VERIS JSON schema: no top-level 'properties' object")
    enums: dict[str, set] = {}
    _collect_enums(doc, "", enums)
    if not enums:
        raise InputError(p, "not a VERIS JSON schema: it lists no enumerations")
    return {k: frozenset(v) for k, v in enums.items()}


def _collect_enums(node, path: str, out: dict[str, set]) -> None:
    if not isinstance(node, dict):
        return
    if path and isinstance(node.get("enum"), list):
        out.setdefault(path, set()).update(str(v) for v in node["enum"])
    if isinstance(node.get("items"), dict):
        _collect_enums(node["items"], path, out)
    props = node.get("properties")
    if isinstance(props, dict):
        for key, child in props.items():
            _collect_enums(child, f"{path}.{key}" if path else key, out)


def _walk_enums(obj, path: str, enums, found: Counter) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            _walk_enums(value, f"{path}.{key}" if path else key, enums, found)
    elif isinstance(obj, list):
        for value in obj:
            _walk_enums(value, path, enums, found)
    elif isinstance(obj, str) and path in enums and obj not in enums[path]:
        found[(path, obj)] += 1


def _enum_note(found: Counter) -> list[str]:
    if not found:
        return ["schema check: every enumeration value is listed in the schema"]
    items = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{path}={value!r} ({n})" for (path, value), n in items[:20])
    more = f" and {len(items) - 20} more" if len(items) > 20 else ""
    return [f"schema check: {len(items)} enumeration value(s) not in the schema: {shown}{more}"]


# --- JSON ------------------------------------------------------------------------------


def _head(p: Path, size: int = 256 * 1024) -> str:
    with open(p, "rb") as fh:
        return fh.read(size).decode("utf-8", errors="replace").lstrip("\ufeff")


def _head_is_veris_json(head: str) -> bool:
    if head.lstrip()[:1] not in ("{", "[") or '"$schema"' in head[:4096]:
        return False  # a JSON schema (verisc-merged.json) names the same keys
    return '"incident_id"' in head or '"action"' in head


def _looks_like_json(p: Path) -> bool:
    if p.suffix.lower() == ".json":
        return True
    with open(p, "rb") as fh:
        start = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return start[:1] in (b"{", b"[")


def _truncate(text: str) -> str:
    return text if len(text) <= _RAW_LIMIT else text[:_RAW_LIMIT] + f"…[{len(text)} chars]"


def _decode_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "invalid JSON: not UTF-8/16/32 text"
    if isinstance(exc, RecursionError):
        return "invalid JSON: arrays or objects nested too deeply to read"
    return f"invalid JSON: {exc.__class__.__name__}"


def _read_json_dir(p: Path, prefix, enums) -> ReadResult:
    entries = [e for e in os.scandir(p) if e.name.lower().endswith(".json")]
    files = sorted((e.name, e.path) for e in entries if e.is_file())
    special = sorted(e.path for e in entries if not e.is_file() and not e.is_dir())
    if special:  # a FIFO, device or broken link named *.json: refused, never opened
        raise InputError(
            shown_path(special[0]), "is not a regular file; expected a VERIS JSON file"
        )
    if not files:
        raise InputError(p, "directory holds no .json files; expected VERIS incident files")
    acc = _Accumulator(prefix, enums)
    loads = json.loads
    for _, fp in files:
        data = _read_bytes(fp)
        try:
            doc = loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            reason = "invalid JSON: empty file" if not data.strip() else _decode_error(exc)
            acc.reject(fp, 1, reason, data[:_RAW_LIMIT].decode("utf-8", errors="replace"))
            continue
        acc.add_document(fp, doc)
    return acc.result(str(p))


def _read_bytes(path: str) -> bytes:
    # os.read skips the buffered file object: a third of the I/O time on thousands of
    # small incident files.
    # O_NONBLOCK and the fstat check: a FIFO named *.json never blocks the reader.
    check_name(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(shown_path(path), path_problem(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(shown_path(path), "is not a regular file; expected a VERIS JSON file")
        cap = MAX_INPUT_BYTES.value()
        if st.st_size > cap:
            raise InputError(shown_path(path), over_limit(MAX_INPUT_BYTES, st.st_size))
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > cap:
                raise InputError(shown_path(path), over_limit(MAX_INPUT_BYTES))
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    check_field_bytes(path, data)
    return data


def _read_json_file(p: Path, prefix, enums) -> ReadResult:
    data = _read_bytes(str(p))
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(
            p, f"is not valid JSON ({_decode_error(exc).removeprefix('invalid JSON: ')})"
        ) from None
    if not isinstance(doc, dict | list):
        raise InputError(
            p,
            f"holds a JSON {type(doc).__name__}; expected a VERIS incident object or an array of them",
        )
    if isinstance(doc, list) and not doc:
        raise InputError(p, "holds an empty JSON array; expected VERIS incidents")
    if isinstance(doc, dict) and not any(k in doc for k in REQUIRED_KEYS):
        raise InputError(
            p, "is JSON but not a VERIS incident (no incident_id, action or timeline key)"
        )
    acc = _Accumulator(prefix, enums)
    acc.add_document(str(p), doc)
    return acc.result(str(p))


def _as_dict(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]  # VERIS 1.2 allowed a list of victims: the first is the victim
    return {}


#: Fields whose value, when present, must be one of these types (lists of text allowed
#: where VERIS allows several values).
_TEXT_FIELDS = ("industry", "employee_count")  # text, or a number such as a NAICS code
_STRICT_TEXT_FIELDS = ("victim_id", "state")
_TEXT_OR_LIST_FIELDS = ("country",)


def _wrong_types(d: dict, victim: dict) -> str:
    """The reason a VERIS incident has a field of the wrong type, or ''.

    Examples
    --------
    >>> _wrong_types({"action": {"malware": {"variety": 5}}}, {"country": 840})
    'victim.country is a JSON int, expected text or a list of text'
    >>> _wrong_types({"incident_id": "x", "action": {"malware": {"variety": ["Ransomware"]}}},
    ...              {"country": ["US"]})
    ''
    """
    for key in _TEXT_FIELDS:
        value = victim.get(key)
        if value is not None and not isinstance(value, str | int) or isinstance(value, bool):
            return f"victim.{key} is a JSON {_json_type(value)}, expected text"
    for key in _STRICT_TEXT_FIELDS:
        value = victim.get(key)
        if value is not None and not isinstance(value, str):
            return f"victim.{key} is a JSON {_json_type(value)}, expected text"
    for key in _TEXT_OR_LIST_FIELDS:
        value = victim.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"victim.{key} is a JSON {_json_type(value)}, expected text or a list of text"
    for name, detail in d["action"].items():
        if detail is not None and not isinstance(detail, dict):
            return f"action.{name} is a JSON {_json_type(detail)}, expected an object"
        varieties = detail.get("variety") if isinstance(detail, dict) else None
        if varieties is None or isinstance(varieties, str):
            continue
        if not isinstance(varieties, list) or not all(isinstance(v, str) for v in varieties):
            return (
                f"action.{name}.variety is a JSON {_json_type(varieties)}, expected a list of text"
            )
    summary = d.get("summary")
    if summary is not None and not isinstance(summary, str):
        return f"summary is a JSON {_json_type(summary)}, expected text"
    ident = d.get("incident_id")
    if not isinstance(ident, str | int) or isinstance(ident, bool):
        return f"incident_id is a JSON {_json_type(ident)}, expected text"
    return ""


def _json_type(value) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())  # ASCII only: int() refuses superscripts that isdigit() accepts
    return None


def _count(value) -> tuple[int | None, str]:
    """Parse a VERIS count (``data_total``); return ``(count or None, problem or '')``.

    Examples
    --------
    >>> [_count(v) for v in (1200, "1,200", None, "", 12.5, -3, "lots", 10**12, True)]
    [(1200, ''), (1200, ''), (None, ''), (None, ''), (None, 'fractional'), (None, 'negative'), (None, 'non-numeric'), (None, 'above 1,000,000,000'), (None, 'non-numeric')]
    """
    if value is None or (isinstance(value, str) and value.strip() in ("", "NA")):
        return None, ""
    if isinstance(value, str):
        if ambiguous_count(value):
            return None, "ambiguous"
        text = value.strip().replace(",", "")
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
        elif re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
            value = float(text)
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        if not value.is_integer():
            return None, "fractional"
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return None, "non-numeric"
    if value < 0:
        return None, "negative"
    if value > MAX_RECORDS:
        return None, "above 1,000,000,000"
    return value, ""


_ROW_FIELDS = (
    "incident_id",
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
    "description",
    "impacts",
    "source_file",
    "source_row",
    "occurred_date",
)


class _Accumulator:
    """Collect canonical rows and quarantine rows as plain tuples; build frames once."""

    def __init__(self, prefix, enums):
        self.prefix = prefix
        self.enums = enums
        self.found: Counter = Counter()
        self.today = dt.date.today()
        self.rows_in = 0
        self.rows: list[tuple] = []
        self.rejected: list[tuple] = []
        self.no_month = 0
        self.no_day = 0
        self.other_actions: Counter = Counter()

    def reject(self, source_file: str, row: int, reason: str, raw: str) -> None:
        self.rows_in += 1
        self.rejected.append((source_file, row, reason, _truncate(raw)))

    def add_document(self, source_file: str, doc) -> None:
        if isinstance(doc, list):
            for i, item in enumerate(doc, start=1):
                self.add_incident(source_file, i, item)
        else:
            self.add_incident(source_file, 1, doc)

    def add_incident(self, source_file: str, row: int, d) -> None:
        try:
            self._add_incident(source_file, row, d)
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            # A field of a type no check below expected: the row is quarantined, never
            # half-read. The explicit checks name the field; this is the backstop.
            reason = f"not a VERIS incident: a field has the wrong type ({exc.__class__.__name__})"
            self.reject(source_file, row, reason, _dumps(d))

    def _add_incident(self, source_file: str, row: int, d) -> None:
        if not isinstance(d, dict):
            reason = f"not a VERIS incident: a JSON {type(d).__name__}, not an object"
            self.reject(source_file, row, reason, _dumps(d))
            return
        action, timeline, ident = d.get("action"), d.get("timeline"), d.get("incident_id")
        reason = ""
        if action is None or timeline is None or ident is None:
            missing = ", ".join(k for k in REQUIRED_KEYS if d.get(k) is None)
            reason = f"not a VERIS incident: missing key(s) {missing}"
        elif not isinstance(action, dict):
            reason = "not a VERIS incident: 'action' is not an object"
        elif not isinstance(timeline, dict):
            reason = "not a VERIS incident: 'timeline' is not an object"
        elif not str(ident).strip():
            reason = "not a VERIS incident: empty incident_id"
        if reason:
            self.reject(source_file, row, reason, _dumps(d))
            return

        victim = _as_dict(d.get("victim"))
        wrong = _wrong_types(d, victim)
        if wrong:
            self.reject(source_file, row, wrong, _dumps(d))
            return
        naics = victim.get("industry")
        naics = str(naics).strip() if naics is not None else ""
        if self.prefix is not None and not naics.startswith(self.prefix):
            what = f"victim.industry {naics!r}" if naics else "no victim.industry"
            reason = f"out of scope: {what} is not NAICS {self.prefix}*"
            self.reject(source_file, row, reason, _dumps(d))
            return

        when, problem = self._incident_date(_as_dict(timeline.get("incident")))
        if problem:
            self.reject(source_file, row, problem, _dumps(d))
            return

        key = []
        for name, detail in action.items():
            varieties = detail.get("variety") if isinstance(detail, dict) else None
            if isinstance(varieties, str):
                varieties = (varieties,)
            name = str(name).lower()
            key.append((name, frozenset(map(str, varieties or ()))))
            if name not in _ACTION_NAME:
                self.other_actions[name] += 1
        cats, labels = _categories_cached(tuple(sorted(key)))
        primary, origin = _derived(cats)

        countries = victim.get("country")
        if isinstance(countries, str):
            countries = (countries,)
        country = None
        for c in countries or ():
            if isinstance(c, str) and c.strip() and c.strip().lower() != "unknown":
                country = c.strip().upper()
                break
        org = victim.get("victim_id")
        org = str(org).strip() if org is not None else ""
        if not org or org.lower() == "unknown":
            org = None
        state = victim.get("state")

        assets = d.get("asset")
        assets = assets.get("assets") if isinstance(assets, dict) else None
        if isinstance(assets, list):
            varieties = tuple(
                a["variety"]
                for a in assets
                if isinstance(a, dict) and isinstance(a.get("variety"), str)
            )
        else:
            varieties = ()
        attribute = d.get("attribute")
        if not isinstance(attribute, dict):
            attribute = {}
        conf = attribute.get("confidentiality")
        total, problem = _count(conf.get("data_total") if isinstance(conf, dict) else None)
        if problem:
            reason = (
                f"{_TOTAL} {problem}"
                if problem.startswith("above")
                else f"ambiguous number (thousands separators misplaced) in {_TOTAL}"
                if problem == "ambiguous"
                else f"{problem} {_TOTAL}"
            )
            self.reject(source_file, row, reason, _dumps(d))
            return
        actor = d.get("actor")
        partner = isinstance(actor, dict) and ("partner" in actor or "Partner" in actor)
        summary = d.get("summary")
        summary = (str(summary).strip() or None) if summary is not None else None

        self.rows_in += 1
        self.rows.append(
            (
                "veris-" + str(ident).strip().lower(),
                org,
                organisation_type_of(naics),
                _region(state) if isinstance(state, str) else None,
                country,
                cats,
                primary,
                labels,
                origin,
                _locations(varieties),
                total,
                True if partner else None,
                summary,
                tuple(i for i in _IMPACT_KEYS if i in attribute),
                source_file,
                row,
                when,
            )
        )
        if self.enums is not None:
            _walk_enums(d, "", self.enums, self.found)

    def _incident_date(self, incident: dict) -> tuple[dt.date | None, str]:
        """Return ``(date, "")`` for timeline.incident, or ``(None, reason)``."""
        raw_year = incident.get("year")
        year = _as_int(raw_year)
        if year is None:
            if raw_year is None or raw_year == "":
                return None, "missing timeline.incident.year"
            return None, f"non-numeric timeline.incident.year {raw_year!r}"
        if year < EARLIEST_YEAR:
            return None, f"incident year {year} is impossible (before {EARLIEST_YEAR})"
        if year > self.today.year:
            return None, f"incident year {year} is impossible (in the future)"
        month = _as_int(incident.get("month"))
        day = _as_int(incident.get("day")) if month is not None else None
        for part, value, parsed in (
            ("month", incident.get("month"), month),
            ("day", incident.get("day"), day if month is not None else 0),
        ):
            # "May" or "the 3rd" is not read as January or the 1st: a present value that
            # is not a whole number is a problem, not a missing part.
            if parsed is None and value is not None and str(value).strip() not in ("", "NA"):
                return None, f"timeline.incident.{part} {value!r} is not a {part} number"
        if month is None:
            self.no_month += 1
            month = day = 1
        elif day is None:
            self.no_day += 1
            day = 1
        try:
            when = dt.date(year, month, day)
        except (ValueError, OverflowError):
            return None, f"timeline.incident {year}-{month}-{day} is not a date"
        if when > self.today:
            return None, f"incident date {when.isoformat()} is in the future"
        return when, ""

    def result(self, path: str) -> ReadResult:
        n = len(self.rows)
        columns = list(zip(*self.rows, strict=True)) if n else [()] * len(_ROW_FIELDS)
        cols = {f: list(v) for f, v in zip(_ROW_FIELDS, columns, strict=True)}
        records = pd.Series(pd.array(cols["records_affected"], dtype="Int64"))
        occurred = np.array(cols["occurred_date"], dtype="datetime64[D]").astype("datetime64[ns]")
        cols.update(
            {
                "source": SOURCE,
                "reported_date": pd.NaT,
                "occurred_date": occurred,
                "records_affected": records.array,
                "business_associate": pd.array(cols["business_associate"], dtype="boolean"),
                "patient_impact": pd.array([None] * n, dtype="boolean"),
                "records_placeholder": records.isin([500, 501]).to_numpy(dtype=bool),
            }
        )
        incidents = pd.DataFrame(cols)
        if self.rejected:
            names = ["source_file", "source_row", "reason", "raw"]
            quarantine = pd.DataFrame(self.rejected, columns=names)
        else:
            quarantine = empty_quarantine()
        notes = []
        if self.no_month or self.no_day:
            notes.append(
                f"{self.no_month} incident(s) without timeline.incident.month dated 1 January "
                f"and {self.no_day} without a day dated the 1st of the month"
            )
        if self.other_actions:
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(self.other_actions.items()))
            notes.append(f"action(s) not in VERIS 1.3 mapped to 'other': {listed}")
        if self.enums is not None:
            notes.extend(_enum_note(self.found))
        return ReadResult(
            path=path,
            format="veris-json",
            incidents=incidents,
            quarantine=quarantine,
            rows_in=self.rows_in,
            encoding="utf-8",
            notes=notes,
        )


def _dumps(d) -> str:
    try:
        return json.dumps(d, ensure_ascii=False)[: _RAW_LIMIT * 2]
    except (TypeError, ValueError, RecursionError):
        return repr(d)[: _RAW_LIMIT * 2]


@functools.lru_cache(maxsize=1024)
def _region(state):
    """victim.state as a 2-letter code where it names a US state or Canadian province."""
    if not state or str(state).strip().upper() in ("NA", "UNKNOWN"):
        return None
    return state_code(state)[0]


@functools.lru_cache(maxsize=4096)
def _derived(cats: tuple[str, ...]) -> tuple[str, str]:
    return taxonomy.primary_category(cats), taxonomy.origin_of(cats)


@functools.lru_cache(maxsize=4096)
def _locations(varieties: tuple) -> tuple[str, ...]:
    return tuple(
        sorted({location_of_asset(v) for v in varieties if isinstance(v, str) and v.strip()})
    )


# --- flat table (verisr json2veris) ---------------------------------------------------


def _looks_like_flat(columns) -> bool:
    cols = set(map(str, columns))
    return (
        "incident_id" in cols
        and "timeline.incident.year" in cols
        and any(f"action.{a}" in cols for a in ACTIONS)
    )


def _read_flat(p: Path, prefix, enums) -> ReadResult:
    text, encoding = read_text(p, expected="a VERIS JSON file or verisr's flat CSV table")
    raw = _parse_flat_csv(p, text)
    cols = [str(c) for c in raw.columns]
    if not _looks_like_flat(cols):
        need = ["incident_id", "timeline.incident.year", "action.<Malware|Hacking|...>"]
        have = set(cols)
        missing = [
            c
            for c in need
            if c not in have
            and not (c.startswith("action.<") and any(f"action.{a}" in have for a in ACTIONS))
        ]
        raise InputError(
            p,
            f"not a VERIS JSON file or flat VERIS table: missing column(s) {', '.join(missing)}",
        )
    n = len(raw)
    raw = raw.reset_index(drop=True)
    rownum = np.arange(1, n + 1)
    get = lambda c: raw[c].str.strip() if c in raw.columns else pd.Series("", index=raw.index)  # noqa: E731

    reasons = pd.Series("", index=raw.index, dtype=object)

    def add(mask, reason):
        nonlocal reasons
        mask = pd.Series(mask, index=raw.index).fillna(False).astype(bool) & reasons.eq("")
        reasons = reasons.mask(mask, reason)

    ident = get("incident_id")
    add(ident.eq(""), "not a VERIS incident: empty incident_id")
    naics = get("victim.industry").str.replace(r"\.0+$", "", regex=True)
    if prefix is not None:
        out = reasons.eq("") & ~naics.str.startswith(prefix)
        what = naics.map(lambda v: f"victim.industry {v!r}" if v else "no victim.industry")
        reasons = reasons.mask(out, "out of scope: " + what + f" is not NAICS {prefix}*")

    year_text = get("timeline.incident.year")
    year = pd.to_numeric(year_text.str.replace(r"\.0+$", "", regex=True), errors="coerce")
    this_year = dt.date.today().year
    add(year_text.eq(""), "missing timeline.incident.year")
    add(
        year_text.ne("") & (year.isna() | year.ne(year.round())),
        "non-numeric timeline.incident.year",
    )
    add(year.lt(EARLIEST_YEAR), f"incident year before {EARLIEST_YEAR} is impossible")
    add(year.gt(this_year), "incident year in the future is impossible")
    month = pd.to_numeric(get("timeline.incident.month"), errors="coerce")
    day = pd.to_numeric(get("timeline.incident.day"), errors="coerce")
    month_text, day_text = get("timeline.incident.month"), get("timeline.incident.day")
    add(month.notna() & ~month.between(1, 12), "timeline.incident.month is not a month")
    add(
        ~month_text.str.strip().isin(["", "NA", "NaN"]) & month.isna(),
        "timeline.incident.month is not a month number",
    )
    add(
        ~day_text.str.strip().isin(["", "NA", "NaN"]) & day.isna() & month.notna(),
        "timeline.incident.day is not a day number",
    )
    add(
        month.between(1, 12) & day.notna() & ~day.between(1, 31),
        "timeline.incident.day is not a day of the month",
    )
    day = day.where(month.notna())  # a day without a month says nothing
    no_month, no_day = int(month.isna().sum()), int((month.notna() & day.isna()).sum())
    ok_date = reasons.eq("")
    occurred = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if ok_date.any():
        parts = pd.DataFrame(
            {
                "year": year[ok_date],
                "month": month[ok_date].fillna(1),
                "day": day[ok_date].fillna(1),
            }
        ).astype(int)
        occurred[ok_date] = pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")
    add(ok_date & occurred.isna(), "timeline.incident day does not exist in its month")
    add(occurred.gt(pd.Timestamp(dt.date.today())), "incident date is in the future")

    total_raw = get("attribute.confidentiality.data_total")
    add(
        total_raw.map(ambiguous_count),
        f"ambiguous number (thousands separators misplaced) in {_TOTAL}",
    )
    total_text = total_raw.str.replace(",", "", regex=False)
    total_text = total_text.where(~total_text.isin(["NA", "NaN"]), "")
    total = pd.to_numeric(total_text, errors="coerce")
    add(total_text.ne("") & (total.isna() | total.abs().eq(np.inf)), f"non-numeric {_TOTAL}")
    add(total.notna() & total.ne(total.round()), f"fractional {_TOTAL}")
    add(total.lt(0), f"negative {_TOTAL}")
    add(total.gt(MAX_RECORDS), f"{_TOTAL} above 1,000,000,000")

    ok = reasons.eq("").to_numpy()
    quarantine = _flat_quarantine(raw, reasons, rownum, str(p))
    clean = raw.loc[ok]
    m = int(ok.sum())

    def truth(columns: list[str]) -> np.ndarray:
        if not columns:
            return np.zeros((m, 0), dtype=bool)
        block = clean[columns].apply(lambda s: s.str.strip().str.lower().isin(_TRUE))
        return block.to_numpy(dtype=bool)

    # Categories: one mapping per distinct combination of actions and relevant varieties.
    action_cols = [f"action.{a}" for a in ACTIONS if f"action.{a}" in cols]
    variety_cols = [c for c in cols if re.match(r"^action\.(malware|error|physical)\.variety\.", c)]
    act = truth(action_cols + variety_cols)
    combos, inverse = (
        np.unique(act, axis=0, return_inverse=True)
        if m
        else (np.zeros((0, act.shape[1]), bool), np.array([], int))
    )
    mapped = []
    for combo in combos:
        actions = {
            c.split(".", 1)[1].lower(): set()
            for c, on in zip(action_cols, combo[: len(action_cols)], strict=True)
            if on
        }
        for c, on in zip(variety_cols, combo[len(action_cols) :], strict=True):
            if on:
                _, name, _, variety = c.split(".", 3)
                if name in actions:
                    actions[name].add(variety)
        key = tuple(sorted((k, frozenset(v)) for k, v in actions.items()))
        cats, labels = _categories_cached(key)
        mapped.append((list(cats), list(labels), *_derived(cats)))
    inverse = np.asarray(inverse).reshape(-1)

    asset_cols = [c for c in cols if c.startswith(_FLAT_ASSET)]
    assets = truth(asset_cols)
    a_combos, a_inv = (
        np.unique(assets, axis=0, return_inverse=True)
        if m
        else (np.zeros((0, len(asset_cols)), bool), np.array([], int))
    )
    a_mapped = [
        list(
            _locations(
                tuple(c[len(_FLAT_ASSET) :] for c, on in zip(asset_cols, combo, strict=True) if on)
            )
        )
        for combo in a_combos
    ]
    a_inv = np.asarray(a_inv).reshape(-1)

    if "victim.country" in cols:
        country = clean["victim.country"].str.strip().str.upper()
        country = country.where(~country.isin(["", "UNKNOWN"]))
    else:
        country_cols = [
            c
            for c in cols
            if c.startswith(_FLAT_COUNTRY) and c[len(_FLAT_COUNTRY) :].lower() != "unknown"
        ]
        has = truth(country_cols)
        codes = np.array([c[len(_FLAT_COUNTRY) :] for c in country_cols] or [""], dtype=object)
        first = has.argmax(axis=1) if has.shape[1] else np.zeros(m, int)
        country = pd.Series(
            np.where(has.any(axis=1), codes[first], None), index=clean.index, dtype=object
        )

    org = (
        clean["victim.victim_id"].str.strip()
        if "victim.victim_id" in cols
        else pd.Series("", index=clean.index)
    )
    org = org.where(~org.str.lower().isin(["", "unknown", "na"]))
    state = get("victim.state")[ok]
    state = state.map({v: _region(v) for v in dict.fromkeys(state)})
    total = total[ok].astype("Int64")
    partner = truth(["actor.Partner"] if "actor.Partner" in cols else [])
    ba = pd.array(np.where(partner.any(axis=1), True, None) if m else [], dtype="boolean")
    imp_cols = [f"attribute.{i.capitalize()}" for i in taxonomy.IMPACTS[:3]]
    imp = truth([c for c in imp_cols if c in cols])
    imp_names = [c.split(".")[1].lower() for c in imp_cols if c in cols]
    desc = get("summary")[ok]
    desc = desc.where(desc.ne("") & desc.ne("NA"))

    incidents = pd.DataFrame(
        {
            "incident_id": ("veris-" + ident[ok].str.lower()).to_numpy(),
            "source": SOURCE,
            "reported_date": pd.NaT,
            "occurred_date": occurred[ok].to_numpy(),
            "organisation": org.to_numpy(),
            "organisation_type": naics[ok].map(organisation_type_of).to_numpy(),
            "region": state.to_numpy(),
            "country": country.to_numpy(),
            "categories": [list(mapped[i][0]) for i in inverse],
            "category": [mapped[i][2] for i in inverse],
            "source_categories": [list(mapped[i][1]) for i in inverse],
            "origin": [mapped[i][3] for i in inverse],
            "locations": [list(a_mapped[i]) for i in a_inv],
            "records_affected": total.to_numpy(),
            "business_associate": ba,
            "patient_impact": pd.array([None] * m, dtype="boolean"),
            "description": desc.to_numpy(),
            "impacts": [
                [name for name, on in zip(imp_names, row, strict=True) if on] for row in imp
            ],
            "records_placeholder": total.isin([500, 501]).to_numpy(),
            "source_file": str(p),
            "source_row": rownum[ok],
        }
    )
    notes = [
        "flat VERIS table (verisr json2veris layout): varieties and countries read from 0/1 columns"
    ]
    if no_month or no_day:
        notes.append(
            f"{no_month} row(s) without timeline.incident.month dated 1 January and {no_day} "
            "without a day dated the 1st of the month"
        )
    if enums is not None:
        notes.extend(_enum_note(_flat_unknown_enums(clean, cols, enums)))
    as_of = None
    known = KNOWN_FILES.get(sha256_file(p))
    if known:
        as_of = known[0]
        notes.append(f"as-of {known[0]}: {known[1]}")
    return ReadResult(
        path=str(p),
        format="veris-flat",
        incidents=incidents,
        quarantine=quarantine,
        rows_in=n,
        encoding=encoding,
        notes=notes,
        as_of=as_of,
    )


def _parse_flat_csv(p: Path, text: str) -> pd.DataFrame:
    """Parse the flat table as strings.

    Not ``base.parse_csv_text``: its check for pandas-renamed duplicate headers ("X.1")
    misfires on verisr names such as ``victim.industry2.62``, so duplicates are found in
    the header line itself.
    """
    try:
        header = next(csv.reader(io.StringIO(text, newline="")))
    except (StopIteration, csv.Error):
        raise InputError(p, "no header row found") from None
    dupes = sorted(c for c, k in Counter(header).items() if k > 1)
    if dupes:
        raise InputError(p, f"has duplicate column names: {', '.join(dupes[:10])}")
    try:
        df = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_values=[], engine="c"
        )
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
        raise InputError(p, f"is not a well-formed CSV ({msg})") from None
    if df.empty:
        raise InputError(p, "has a header but no data rows")
    return df


def _flat_unknown_enums(clean: pd.DataFrame, cols: list[str], enums) -> Counter:
    found: Counter = Counter()
    for col in cols:
        parts = col.split(".")
        for i in range(len(parts) - 1, 0, -1):
            path = ".".join(parts[:i])
            if path in enums:
                value = ".".join(parts[i:])
                if value not in enums[path]:
                    n = int(clean[col].str.strip().str.lower().isin(_TRUE).sum())
                    if n:
                        found[(path, value)] += n
                break
    return found


def _flat_quarantine(
    raw: pd.DataFrame, reasons: pd.Series, rownum, source_file: str
) -> pd.DataFrame:
    bad = reasons.ne("").to_numpy()
    if not bad.any():
        return empty_quarantine()
    rows = raw.loc[bad]
    # A flat row has hundreds of 0/1 columns: keep the cells that say something.
    records = [
        _truncate(
            json.dumps({k: v for k, v in rec.items() if v not in ("", "0")}, ensure_ascii=False)
        )
        for rec in rows.to_dict("records")
    ]
    return pd.DataFrame(
        {
            "source_file": source_file,
            "source_row": rownum[bad],
            "reason": reasons[bad].to_numpy(),
            "raw": records,
        }
    )
