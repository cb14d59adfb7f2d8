"""Data vintage: which list each input is, as of when, and what a set of exports covers only in part.

``ingest`` records the result in the provenance (``inputs[i]["kind"]``, ``partial_spans``,
``warnings``); statistics mark periods that overlap a partial span as incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import i18n

#: The kind of list each non-HHS source is (HHS files say theirs: see ``readers.hhs.list_kind``).
SOURCE_KINDS = {
    "veris": "incident_database",
    "prc": "chronology",
    "csv": "register",
    "register": "register",
}

#: The portal lists breaches under investigation for "roughly the last 24 months".
OPEN_MONTHS = 24
#: An archive and an under-investigation list whose latest dates are at most this far apart
#: are one snapshot (the archive's latest breach is older: cases take months to close).
SNAPSHOT_DAYS = 183

#: Codes of the warnings this module and ``stats`` make; the text of each, in English
#: and French, is ``i18n.STRINGS["warning_<code>"]``.
TEMPLATES = ("not_a_census", "closed_only", "mixed_vintages", "not_measurable")


def warning_text(code: str, values: dict, lang: str = "en") -> str:
    """The warning ``code`` with its ``values``, in ``lang``.

    Examples
    --------
    >>> warning_text("not_measurable", {"value": "ransomware", "periods": "2024",
    ...              "field": "description", "low": 0.055, "high": 0.055}, "en")[:55]
    'the share of ransomware is not measurable in 2024: rans'
    >>> warning_text("not_measurable", {"value": "ransomware", "periods": "2024",
    ...              "field": "description", "low": 0.055, "high": 0.055}, "fr")[:51]
    'la part de rançongiciel n’est pas mesurable en 2024'
    """
    shown = dict(values)
    if code == "not_measurable":
        shown["value"] = i18n.category_in_prose(values["value"], lang)
        shown["field"] = i18n.field_name(values["field"], lang)
        low, high = (i18n.fmt_percent(values[k], lang) for k in ("low", "high"))
        shown["coverage"] = low if low == high else f"{low} – {high}"
    return i18n.t(f"warning_{code}", lang, **shown)


def warnings_in(provenance: dict, lang: str = "en") -> list[str]:
    """The data warnings of a provenance, each in ``lang`` when its code is known.

    Warnings made elsewhere (without a code) are shown as they were written.
    """
    details = {d["message"]: d for d in provenance.get("warning_details", []) or []}
    out = []
    for message in provenance.get("warnings", []) or []:
        d = details.get(message)
        out.append(warning_text(d["code"], d["values"], lang) if d else message)
    return out


@dataclass
class Vintage:
    """The data-vintage findings for a set of inputs."""

    partial_spans: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)  # {"code", "values", "message"}

    def add(self, code: str, start: pd.Timestamp, end: pd.Timestamp, reason: str, **values):
        values = {"start": _iso(start), "end": _iso(end), **values}
        message = warning_text(code, values)
        self.warnings.append({"code": code, "values": values, "message": message})
        if start <= end:
            self.partial_spans.append({"start": _iso(start), "end": _iso(end), "reason": reason})


def _iso(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def input_span(incidents: pd.DataFrame) -> dict:
    """First and last reported date of one input's rows (incident dates if none is reported)."""
    dates = incidents["reported_date"].dropna()
    if dates.empty:
        dates = incidents["occurred_date"].dropna()
    if dates.empty:
        return {"start": None, "end": None}
    return {"start": _iso(dates.min()), "end": _iso(dates.max())}


def assess(inputs: list[dict]) -> Vintage:
    """Which periods the HHS inputs cover only partly, and why.

    Parameters
    ----------
    inputs : list of dict
        The provenance's ``inputs`` (``path``, ``kind``, ``as_of``, ``span``).

    Returns
    -------
    Vintage
        Rules: an archive and an under-investigation list whose as-of dates are at most
        ``SNAPSHOT_DAYS`` apart, or one combined list, make a census at the later date.
        An under-investigation list alone is partial over its whole span (in the 2024-07
        snapshot it held 99% of the breaches of its last quarter, 80% of those three
        quarters earlier, 32% of those two years earlier). An archive alone is partial
        over its last ``OPEN_MONTHS`` months. Exports of different dates without a
        census at the latest date are partial from the latest census (or the archive's
        last ``OPEN_MONTHS`` months) to the latest export.

    Examples
    --------
    >>> v = assess([{"path": "open.csv", "kind": "under_investigation", "as_of": "2024-06-28",
    ...              "span": {"start": "2022-03-21", "end": "2024-06-28"}}])
    >>> v.partial_spans[0]["start"], v.partial_spans[0]["end"], v.warnings[0]["code"]
    ('2022-03-21', '2024-06-28', 'not_a_census')
    """
    out = Vintage()
    hhs = [i for i in inputs if i.get("kind") in ("archive", "under_investigation", "combined")]
    hhs = [i for i in hhs if i.get("as_of") and (i.get("span") or {}).get("start")]
    if not hhs:
        return out
    date = {id(i): pd.Timestamp(i["as_of"]) for i in hhs}
    latest = max(date.values())
    censuses = [date[id(i)] for i in hhs if i["kind"] == "combined"]
    for a in (i for i in hhs if i["kind"] == "archive"):
        for u in (i for i in hhs if i["kind"] == "under_investigation"):
            gap = (date[id(u)] - date[id(a)]).days
            if 0 <= gap <= SNAPSHOT_DAYS or -31 <= gap < 0:
                censuses.append(max(date[id(a)], date[id(u)]))
    census = max(censuses) if censuses else None
    files = ", ".join(
        f"{Path(str(i['path'])).name} {i['as_of']}" for i in sorted(hhs, key=lambda i: date[id(i)])
    )
    reason = "exports of different dates: the cases closed between them are missing"
    if census is not None:
        if (latest - census).days > SNAPSHOT_DAYS:
            out.add(
                "mixed_vintages",
                census + pd.Timedelta(days=1),
                latest,
                reason,
                files=files,
                census=_iso(census),
                latest=_iso(latest),
            )
        return out  # otherwise a census at the latest date: older exports only repeat it
    archive = max((date[id(i)] for i in hhs if i["kind"] == "archive"), default=None)
    if archive is not None and (latest - archive).days > SNAPSHOT_DAYS:
        start = archive - pd.DateOffset(months=OPEN_MONTHS)
        out.add(
            "mixed_vintages",
            start,
            latest,
            reason,
            files=files,
            census=_iso(start),
            latest=_iso(latest),
        )
        return out
    for i in sorted(hhs, key=lambda i: date[id(i)]):
        name = Path(str(i["path"])).name
        if i["kind"] == "under_investigation":
            out.add(
                "not_a_census",
                pd.Timestamp(i["span"]["start"]),
                date[id(i)],
                "under-investigation list alone: open cases only",
                file=name,
                as_of=i["as_of"],
            )
        elif i["kind"] == "archive":
            out.add(
                "closed_only",
                date[id(i)] - pd.DateOffset(months=OPEN_MONTHS),
                date[id(i)],
                "archive alone: the cases still open are missing",
                file=name,
                as_of=i["as_of"],
            )
    return out
