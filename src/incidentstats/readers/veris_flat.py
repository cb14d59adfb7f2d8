"""Reader for verisr's flat VERIS table (the 0/1 CSV that ``json2veris`` writes).

Called by :func:`incidentstats.readers.veris.read_veris`, which picks it when the file
is not JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .. import taxonomy
from .._files import sha256_file
from ..errors import InputError
from ..schema import empty_quarantine
from ._veris_common import (
    _FLAT_ASSET,
    _FLAT_COUNTRY,
    _TOTAL,
    _TRUE,
    ACTIONS,
    EARLIEST_YEAR,
    KNOWN_FILES,
    MAX_RECORDS,
    SOURCE,
    _categories_cached,
    _derived,
    _enum_note,
    _locations,
    _region,
    _truncate,
    organisation_type_of,
)
from .base import ReadResult, ambiguous_count, read_text

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
