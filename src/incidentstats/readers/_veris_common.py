"""Names the VERIS readers share: constants, the VERIS-to-taxonomy mapping, small helpers.

Imported by :mod:`incidentstats.readers.veris` (raw JSON) and
:mod:`incidentstats.readers.veris_flat` (verisr's flat table); the public names are
re-exported by :mod:`incidentstats.readers.veris`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from .. import taxonomy
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


# --- taxonomy mapping ------------------------------------------------------------------


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


# --- helpers ---------------------------------------------------------------------------


def _enum_note(found: Counter) -> list[str]:
    if not found:
        return ["schema check: every enumeration value is listed in the schema"]
    items = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{path}={value!r} ({n})" for (path, value), n in items[:20])
    more = f" and {len(items) - 20} more" if len(items) > 20 else ""
    return [f"schema check: {len(items)} enumeration value(s) not in the schema: {shown}{more}"]


def _truncate(text: str) -> str:
    return text if len(text) <= _RAW_LIMIT else text[:_RAW_LIMIT] + f"…[{len(text)} chars]"


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
