"""Category and value names: which labels mean "unknown", and checking that asked-for
values occur in the data, so a misspelling fails loudly instead of counting zero."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .errors import ParameterError
from .taxonomy import CATEGORIES, IMPACTS, LOCATIONS, ORGANISATION_TYPES, ORIGINS

__all__ = ["check_values", "is_unknown", "vocabulary"]

#: Labels meaning "not known", compared without regard to case: the canonical
#: "unknown", HHS's "Unknown" type of breach, VERIS's "Unknown" action or variety,
#: the Privacy Rights Clearinghouse's "UNKN" breach type (docs/taxonomy.md).
UNKNOWN_LABELS = frozenset({"unknown", "unkn"})


#: Canonical values a column may hold even where a given table has none of them (a
#: category absent from one year is a true zero, not a misspelling).
_VOCABULARIES = {
    "categories": CATEGORIES,
    "category": CATEGORIES,
    "origin": ORIGINS,
    "organisation_type": ORGANISATION_TYPES,
    "locations": LOCATIONS,
    "impacts": IMPACTS,
}


def vocabulary(column: str) -> tuple[str, ...]:
    """The canonical values of a column of the incident table (empty for free text)."""
    return tuple(_VOCABULARIES.get(column, ()))


def is_unknown(label) -> bool:
    """True for a label that means "not known" (``"unknown"``, ``"Unknown"``, ...).

    Examples
    --------
    >>> is_unknown("Unknown"), is_unknown("UNKN"), is_unknown("Hacking/IT Incident")
    (True, True, False)
    """
    return isinstance(label, str) and label.strip().casefold() in UNKNOWN_LABELS


def check_values(wanted: Iterable, present: Iterable, name: str) -> list[str]:
    """Return ``wanted`` as strings; raise if one never occurs among ``present``.

    The error names the parameter, the value and the closest values that do occur.

    Examples
    --------
    >>> check_values(["hacking"], ["hacking", "theft"], "values")
    ['hacking']
    >>> check_values(["Hacking"], ["hacking", "theft"], "values")
    Traceback (most recent call last):
    ...
    incidentstats.errors.ParameterError: parameter 'values': 'Hacking' does not occur in the data; closest: 'hacking'
    """
    known = sorted({str(v) for v in present})
    out = [str(v) for v in wanted]
    for value in out:
        if value in known:
            continue
        by_case = {k.casefold(): k for k in known}
        close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
        if value.casefold() in by_case and by_case[value.casefold()] not in close:
            close.insert(0, by_case[value.casefold()])
        hint = (
            "closest: " + ", ".join(repr(c) for c in close)
            if close
            else "values present: "
            + ", ".join(repr(k) for k in known[:10])
            + (", ..." if len(known) > 10 else "")
        )
        raise ParameterError(name, f"{value!r} does not occur in the data; {hint}")
    return out
