"""Reader for VERIS incidents (VERIS Community Database): raw JSON and verisr's flat table.

Reads a directory of incident files, one JSON file (one incident or an array of them),
or the flat 0/1 table that verisr's ``json2veris`` writes, into canonical incidents.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError
from ..limits import (
    MAX_INPUT_BYTES,
    check_field_bytes,
    check_name,
    open_regular,
    over_limit,
    shown_path,
)
from ..schema import empty_quarantine
from ._veris_common import (  # noqa: F401 (public names re-exported from here)
    _ACTION_NAME,
    _FLAT_ASSET,
    _FLAT_COUNTRY,
    _IMPACT_KEYS,
    _RAW_LIMIT,
    _TOTAL,
    _TRUE,
    ACTION_CATEGORY,
    ACTIONS,
    ASSET_LOCATION,
    ASSET_PREFIX_LOCATION,
    EARLIEST_YEAR,
    ERROR_VARIETY_CATEGORY,
    KNOWN_FILES,
    MAX_RECORDS,
    NAICS_ORGANISATION_TYPE,
    REQUIRED_KEYS,
    RULES,
    SOURCE,
    _categories_cached,
    _derived,
    _enum_note,
    _locations,
    _region,
    _truncate,
    categories_from_actions,
    location_of_asset,
    organisation_type_of,
)
from .base import ReadResult, ambiguous_count, check_readable
from .veris_flat import _looks_like_flat, _read_flat

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
    with open_regular(path, expected="a VERIS JSON file") as (fd, st):
        cap = MAX_INPUT_BYTES.value()
        if st.st_size > cap:
            raise InputError(shown_path(path), over_limit(MAX_INPUT_BYTES, st.st_size))
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > cap:
                raise InputError(shown_path(path), over_limit(MAX_INPUT_BYTES))
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
