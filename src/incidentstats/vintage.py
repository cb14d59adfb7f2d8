"""Data vintage: what list each input is, of what date, and which periods a set of exports covers only partly.

``ingest`` records the result in the provenance (``inputs[i]["kind"]``, ``partial_spans``,
``warnings``); statistics mark periods that overlap a partial span as incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

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

#: English templates of the warnings, by code; the report translates them by code.
TEMPLATES = {
    "not_a_census": (
        "{file} is an HHS under-investigation list (as of {as_of}): it holds the open cases of "
        "roughly the last 24 months, not every breach, so every period from {start} to {end} "
        "is partial. Load it with the archive of the same date for a census."
    ),
    "closed_only": (
        "{file} is an HHS archive (as of {as_of}): it holds closed cases only, and the "
        "breaches of its last 24 months that were still open are missing, so {start} to "
        "{end} is partial. Load it with the under-investigation list of the same date."
    ),
    "mixed_vintages": (
        "the inputs are exports of different dates ({files}); breaches reported after "
        "{census} and closed before {latest} are in none of them, so {start} to {end} is partial."
    ),
    "not_measurable": (
        "the share of {value} is not measurable in {periods}: {value} is detected from the "
        "{field}, which fewer than half of the incidents there have (coverage {coverage}); "
        "share and interval are left empty rather than shown as 0%."
    ),
}


@dataclass
class Vintage:
    """The data-vintage findings for a set of inputs."""

    partial_spans: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)  # {"code", "values", "message"}

    def add(self, code: str, start: pd.Timestamp, end: pd.Timestamp, reason: str, **values):
        values = {"start": _iso(start), "end": _iso(end), **values}
        message = TEMPLATES[code].format(**values)
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
        f"{Path(str(i['path'])).name} ({i['kind'].replace('_', ' ')}, as of {i['as_of']})"
        for i in sorted(hhs, key=lambda i: date[id(i)])
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
