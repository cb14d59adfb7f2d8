"""One harmonised taxonomy: categories, origin, organisation types, locations, labels.

Every reader maps its source's labels here; ``docs/taxonomy.md`` shows the tables.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Category codes, in precedence order: the primary ``category`` of a multi-category
#: incident is the first of its categories in this list (the most specific and most
#: severe mechanism first, the vaguest last).
PRECEDENCE: tuple[str, ...] = (
    "ransomware",
    "malware",
    "hacking",
    "phishing",
    "theft",
    "misuse",
    "unauthorized_access",
    "improper_disposal",
    "loss",
    "error",
    "technical_failure",
    "environmental",
    "other",
    "unknown",
)
CATEGORIES = PRECEDENCE

#: Categories that some sources detect from a free-text field rather than record: value
#: -> {source: field}. Where the field is missing the value cannot be seen, so a share
#: of it is measurable only where most incidents have the field (``stats`` reports this
#: as ``coverage``). HHS and PRC readers add ``ransomware`` to hacking incidents whose
#: description mentions ransom; HHS under-investigation lists have no descriptions.
DETECTED_FROM: dict[str, dict[str, str]] = {
    "ransomware": {"hhs": "description", "prc": "description"},
}

#: Origin axis of each category. ``unauthorized_access`` mixes snooping staff and
#: misdirected mail, so its origin is unknown.
ORIGIN_OF: dict[str, str] = {
    "ransomware": "malicious",
    "malware": "malicious",
    "hacking": "malicious",
    "phishing": "malicious",
    "theft": "malicious",
    "misuse": "malicious",
    "unauthorized_access": "unknown",
    "improper_disposal": "accidental",
    "loss": "accidental",
    "error": "accidental",
    "technical_failure": "accidental",
    "environmental": "accidental",
    "other": "unknown",
    "unknown": "unknown",
}
ORIGINS = ("malicious", "accidental", "unknown")

ORGANISATION_TYPES = (
    "provider",
    "health_plan",
    "business_associate",
    "clearinghouse",
    # French structure types (ANS reporting portal)
    "hospital",
    "nursing_home",
    "laboratory",
    "radiotherapy",
    "medico_social",
    "other",
    "unknown",
)

LOCATIONS = (
    "network_server",
    "email",
    "paper",
    "laptop",
    "desktop",
    "ehr",
    "portable_device",
    "other",
    "unknown",
)

IMPACTS = ("confidentiality", "integrity", "availability", "patient_safety")

# One translation table for every label shown to a reader.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "ransomware": "Ransomware",
        "malware": "Malware",
        "hacking": "Hacking/IT incident",
        "phishing": "Phishing/social engineering",
        "theft": "Theft",
        "misuse": "Insider misuse",
        "unauthorized_access": "Unauthorized access/disclosure",
        "improper_disposal": "Improper disposal",
        "loss": "Loss",
        "error": "Accidental error",
        "technical_failure": "Technical failure",
        "environmental": "Environmental",
        "other": "Other",
        "unknown": "Unknown",
        "malicious": "Malicious",
        "accidental": "Accidental",
        "provider": "Healthcare provider",
        "health_plan": "Health plan",
        "business_associate": "Business associate",
        "clearinghouse": "Clearinghouse",
        "hospital": "Health establishment",
        "nursing_home": "Nursing home (EHPAD)",
        "laboratory": "Laboratory",
        "radiotherapy": "Radiotherapy centre",
        "medico_social": "Medico-social structure",
        "network_server": "Network server",
        "email": "Email",
        "paper": "Paper/films",
        "laptop": "Laptop",
        "desktop": "Desktop computer",
        "ehr": "Electronic medical record",
        "portable_device": "Other portable device",
        "confidentiality": "Confidentiality",
        "integrity": "Integrity",
        "availability": "Availability",
        "patient_safety": "Patient safety",
    },
    "fr": {
        "ransomware": "Rançongiciel",
        "malware": "Logiciel malveillant",
        "hacking": "Piratage/incident informatique",
        "phishing": "Hameçonnage/ingénierie sociale",
        "theft": "Vol",
        "misuse": "Abus interne",
        "unauthorized_access": "Accès/divulgation non autorisés",
        "improper_disposal": "Élimination inappropriée",
        "loss": "Perte",
        "error": "Erreur accidentelle",
        "technical_failure": "Défaillance technique",
        "environmental": "Environnement",
        "other": "Autre",
        "unknown": "Inconnu",
        "malicious": "Malveillante",
        "accidental": "Accidentelle",
        "provider": "Offreur de soins",
        "health_plan": "Assureur santé",
        "business_associate": "Sous-traitant",
        "clearinghouse": "Chambre de compensation",
        "hospital": "Établissement de santé",
        "nursing_home": "EHPAD",
        "laboratory": "Laboratoire",
        "radiotherapy": "Centre de radiothérapie",
        "medico_social": "Structure médico-sociale",
        "network_server": "Serveur réseau",
        "email": "Courriel",
        "paper": "Papier/films",
        "laptop": "Ordinateur portable",
        "desktop": "Ordinateur de bureau",
        "ehr": "Dossier patient informatisé",
        "portable_device": "Autre appareil portable",
        "confidentiality": "Confidentialité",
        "integrity": "Intégrité",
        "availability": "Disponibilité",
        "patient_safety": "Sécurité des patients",
    },
}
LABELS["fr"]["other"] = "Autre"


def label(code, lang: str = "en") -> str:
    """Return the display label of a taxonomy code in ``lang`` ("en" or "fr").

    Examples
    --------
    >>> label("theft", "fr")
    'Vol'
    >>> label("not-a-code")
    'not-a-code'
    """
    table = LABELS.get(lang, LABELS["en"])
    return table.get(code, LABELS["en"].get(code, str(code)))


def primary_category(categories: Iterable[str]) -> str:
    """Return the primary category of an incident: the first of ``categories`` in PRECEDENCE.

    Examples
    --------
    >>> primary_category(["theft", "hacking"])
    'hacking'
    >>> primary_category([])
    'unknown'
    """
    present = set(categories)
    for code in PRECEDENCE:
        if code in present:
            return code
    return "unknown"


def origin_of(categories: Iterable[str]) -> str:
    """Return the origin of an incident from its categories.

    Malicious if any category is malicious, else accidental if any is accidental,
    else unknown.

    Examples
    --------
    >>> origin_of(["loss", "theft"])
    'malicious'
    >>> origin_of(["loss", "unknown"])
    'accidental'
    >>> origin_of(["unauthorized_access"])
    'unknown'
    """
    origins = {ORIGIN_OF.get(c, "unknown") for c in categories}
    for origin in ("malicious", "accidental"):
        if origin in origins:
            return origin
    return "unknown"


def sort_categories(categories: Iterable[str]) -> list[str]:
    """Return unique ``categories`` in precedence order (unknown codes last, sorted)."""
    unique = set(categories)
    known = [c for c in PRECEDENCE if c in unique]
    return known + sorted(unique - set(PRECEDENCE))


# --- HHS OCR breach portal --------------------------------------------------------

HHS_CATEGORY: dict[str, str] = {
    "hacking/it incident": "hacking",
    "unauthorized access/disclosure": "unauthorized_access",
    "theft": "theft",
    "loss": "loss",
    "improper disposal": "improper_disposal",
    "other": "other",
    "unknown": "unknown",
}

HHS_ORGANISATION_TYPE: dict[str, str] = {
    "healthcare provider": "provider",
    "health plan": "health_plan",
    "business associate": "business_associate",
    "healthcare clearing house": "clearinghouse",
}

HHS_LOCATION: dict[str, str] = {
    "network server": "network_server",
    "email": "email",
    "paper/films": "paper",
    "paper": "paper",
    "laptop": "laptop",
    "desktop computer": "desktop",
    "electronic medical record": "ehr",
    "other portable electronic device": "portable_device",
    "other": "other",
}
