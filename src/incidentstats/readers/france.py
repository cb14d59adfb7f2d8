"""Reader of the French health-sector incident observatory's published figures (ASIP Santé/ANS).

Aggregates, not incidents: one row per sourced number, with shares, denominators and citations.
The analyses and report HTML built on these figures live in ``incidentstats.france``.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError
from .base import check_readable, decode_bytes, parse_csv_text, sniff_binary

SOURCE = "france"
DATA_FILE = "fr_observatoire.csv"
PACKAGE_LABEL = f"incidentstats/data/{DATA_FILE}"
DATASET = (
    "French health-sector incident observatory (ASIP Santé / ANS, CERT Santé): "
    "published figures as reported by the cited pages"
)

#: Columns of the committed figures file (``data/raw/fr_observatoire.csv``).
FILE_COLUMNS = (
    "fact_id",
    "period",
    "period_start",
    "period_end",
    "metric",
    "value",
    "unit",
    "scope",
    "source_title",
    "source_url",
    "source_publisher",
    "source_date",
    "status",
    "note",
)
#: Optional columns and their value when a file leaves them out.
_OPTIONAL = {"scope": "", "status": "published", "note": ""}
_REQUIRED = tuple(c for c in FILE_COLUMNS if c not in _OPTIONAL)
#: How a figure came about: as published, computed from published figures (the ``scope``
#: gives the calculation), or an order of magnitude a source put forward.
STATUSES = ("published", "derived", "estimated")

#: Columns of the tidy table ``read_figures`` returns.
COLUMNS = (
    "period",
    "period_start",
    "period_end",
    "metric",
    "group",
    "count",
    "share",
    "change",
    "denominator",
    "share_of",
    "value_num",
    "unit",
    "value_text",
    "scope",
    "source_title",
    "source_url",
    "source_publisher",
    "source_date",
    "fact_id",
    "status",
    "note",
)

#: Metrics that count incidents; their value is the denominator of incident shares
#: of the same period.
INCIDENT_COUNT_METRICS = ("incidents_reported", "incidents_reported_cumulative")

#: What each percentage is a share of. Only shares of incidents get a denominator:
#: the sources state the incident count of a period, not how many structures answered.
SHARE_OF: dict[str, str] = {
    "share_malicious": "incidents",
    "share_potential_patient_endangerment": "incidents",
    "share_incidents_with_patient_endangerment": "incidents",
    "share_declarations_by_structure_type": "incidents",
    "share_support_requested": "incidents",
    "share_impact_patient_personal_data": "incidents",
    "share_impact_patient_care": "incidents",
    "share_ransomware": "incidents",
    "share_incidents_from_provider_incidents": "incidents",
    "share_incidents_declared_estimate": "all incidents, declared or not",
    "share_degraded_mode": "structures",
    "share_no_impact": "structures",
    "share_impact_data": "structures",
    "share_victims_public_hospitals": "victim establishments",
    "share_victims_private_clinics": "victim establishments",
}
#: Facts whose base differs from their metric's usual one. FR008 (July 2018) counts
#: cases of degraded operation among incidents; later years count structures.
SHARE_OF_BY_FACT: dict[str, str] = {"FR008": "incidents"}

#: Scope words -> organisation type, for breakdowns by structure type.
_GROUPS = (
    (re.compile(r"établissements? (?:de santé|sanitaires?)", re.IGNORECASE), "hospital"),
    (re.compile(r"ehpad", re.IGNORECASE), "nursing_home"),
    (re.compile(r"laboratoire", re.IGNORECASE), "laboratory"),
    (re.compile(r"radioth[ée]rapie", re.IGNORECASE), "radiotherapy"),
    (re.compile(r"m[ée]dico-social", re.IGNORECASE), "medico_social"),
)
_GROUPED_METRICS = ("share_declarations_by_structure_type",)

_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_SOURCE_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?\b")

RULES = [
    "france: one row per published number; text values ('près de 500', 'un quart') stay text "
    "(value_num, count and share are missing)",
    "france: share = percent / 100; change_* metrics are relative changes, not shares",
    "france: denominator = the incident count the sources give for the same period, only for "
    "shares of incidents (see share_of); periods are never mixed (Oct 2017-Sep 2018 is not 2018)",
    "france: figures_with_ci rebuilds x = round(share * denominator) from a rounded percentage",
    "france: as_of = the latest source_date that parses (year or year-month precision kept)",
]


def figures_file() -> tuple[str, bytes]:
    """Return ``(label, content)`` of the committed figures file.

    The package ships it (``incidentstats/data/fr_observatoire.csv``, a symlink to
    ``data/raw/`` in the repository); a source checkout falls back to ``data/raw/``.
    """
    try:
        resource = importlib.resources.files("incidentstats").joinpath("data", DATA_FILE)
        if resource.is_file():
            return PACKAGE_LABEL, resource.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, OSError):
        pass
    repo_copy = Path(__file__).resolve().parents[3] / "data" / "raw" / DATA_FILE
    if repo_copy.is_file():
        return str(repo_copy), repo_copy.read_bytes()
    raise InputError(
        PACKAGE_LABEL, "the French figures file is missing from the installed package and data/raw/"
    )


def read_figures(path=None, **options) -> pd.DataFrame:
    """Load the French observatory's published figures as a tidy aggregate table.

    Parameters
    ----------
    path : path-like, optional
        A figures CSV with the columns of ``FILE_COLUMNS``; by default the file
        committed with the package (``data/raw/fr_observatoire.csv``).

    Returns
    -------
    DataFrame
        One row per published number: ``period, period_start, period_end, metric,
        group`` (organisation type of a breakdown), ``count`` (numbers in unit
        "count"), ``share`` (0–1, for percentages), ``change`` (relative change, for
        ``change_*`` metrics), ``denominator`` (incident count of the same period, for
        shares of incidents), ``share_of``, ``value_num``, ``unit``, ``value_text`` (the
        value as published), ``scope``, the citation columns and ``fact_id``.
        ``attrs["provenance"]`` holds source, dataset, as_of, rows, path and sha256.

    Examples
    --------
    >>> fig = read_figures()
    >>> first = fig[(fig["period"] == "2017-10/2018-09") & (fig["metric"] == "share_malicious")]
    >>> float(first["share"].iloc[0]), int(first["denominator"].iloc[0])
    (0.47, 319)
    >>> bool(fig.loc[fig["value_text"] == "près de 500", "value_num"].isna().all())
    True
    """
    if options:
        name = sorted(options)[0]
        raise ParameterError(name, "not an option of the 'france' reader (only path)")
    if path is None:
        label, data = figures_file()
    else:
        p = check_readable(path)
        label, data = str(p), p.read_bytes()
        sniff_binary(p, data[:8], expected="a figures CSV text file")
    text, _ = decode_bytes(label, data)
    raw = parse_csv_text(label, text)
    table = parse_figures(raw, source=label)
    table.attrs["provenance"]["sha256"] = hashlib.sha256(data).hexdigest()
    return table


def parse_figures(raw: pd.DataFrame, *, source: str = "<figures>") -> pd.DataFrame:
    """Turn a figures file parsed as strings into the tidy table of ``read_figures``."""
    df, dates = _checked_rows(raw, source)
    n = len(df)
    value = df["value"]
    value_num, count, share, change = _numbers(df, source)
    is_change = df["metric"].str.startswith("change_")
    is_percent = df["unit"].str.split().str[0].str.lower().eq("percent")

    share_of = df["metric"].map(SHARE_OF)
    by_fact = df["fact_id"].map(SHARE_OF_BY_FACT)
    share_of = by_fact.where(by_fact.notna(), share_of)
    share_of = share_of.where(is_percent & ~is_change).astype("string")

    # Only published counts are denominators: a derived count gets no interval.
    published = df["status"].eq("published")
    denominator = _incident_denominators(df["period"], df["metric"], count.where(published))
    denominator = denominator.where(share.notna() & share_of.eq("incidents"))

    group = pd.Series(pd.NA, index=df.index, dtype="string")
    grouped = df["metric"].isin(_GROUPED_METRICS)
    for pattern, code in reversed(_GROUPS):  # first pattern wins
        hit = grouped & df["scope"].str.contains(pattern)
        group = group.mask(hit, code)

    out = pd.DataFrame(
        {
            "period": df["period"],
            "period_start": dates["period_start"],
            "period_end": dates["period_end"],
            "metric": df["metric"],
            "group": group,
            "count": count.round().astype("Int64"),
            "share": share,
            "change": change,
            "denominator": denominator.astype("Int64"),
            "share_of": share_of,
            "value_num": value_num,
            "unit": df["unit"],
            "value_text": value,
            "scope": df["scope"].where(df["scope"].ne("")),
            "source_title": df["source_title"],
            "source_url": df["source_url"],
            "source_publisher": df["source_publisher"],
            "source_date": df["source_date"].where(df["source_date"].ne("")),
            "fact_id": df["fact_id"],
            "status": df["status"],
            "note": df["note"].where(df["note"].ne("")),
        }
    )
    text_cols = [
        "period",
        "metric",
        "unit",
        "value_text",
        "scope",
        "source_title",
        "source_url",
        "source_publisher",
        "source_date",
        "fact_id",
        "status",
        "note",
    ]
    out[text_cols] = out[text_cols].astype("string")
    out = out.reset_index(drop=True)
    out.attrs["provenance"] = {
        "source": SOURCE,
        "dataset": DATASET,
        "path": source,
        "as_of": latest_source_date(df["source_date"]),
        "as_of_rule": "latest source_date that parses (publication dates marked '(inferred)' included)",
        "rows": n,
        "sources": int(df["source_url"].nunique()),
        "rules": list(RULES),
        "filters": {},
    }
    return out


def _row_label(df: pd.DataFrame):
    return lambda i: f"row {i + 1} (fact_id {df['fact_id'].iloc[i] or '?'})"


def _checked_rows(raw: pd.DataFrame, source: str) -> tuple[pd.DataFrame, dict]:
    """The rows as stripped strings with the optional columns filled, and their period dates.

    Raises InputError naming the row for a missing column, an unknown status, an empty
    or repeated fact_id, an empty required value, or a period date that is not ISO or
    ends before it starts.
    """
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(
            source,
            f"not a figures file: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, raw.columns[:15]))}",
        )
    df = raw.fillna("").astype(str).apply(lambda s: s.str.strip())
    for col, default in _OPTIONAL.items():
        if col not in df.columns:
            df[col] = default
    df["status"] = df["status"].where(df["status"].ne(""), "published")
    bad_status = ~df["status"].isin(STATUSES)
    if bad_status.any():
        i = int(np.flatnonzero(bad_status)[0])
        raise InputError(
            source,
            f"row {i + 1}: status {df['status'].iloc[i]!r} is not one of {', '.join(STATUSES)}",
        )
    where = _row_label(df)

    blank_id = df["fact_id"].eq("")
    if blank_id.any():
        raise InputError(source, f"{where(int(np.flatnonzero(blank_id)[0]))}: empty fact_id")
    dup = df["fact_id"].duplicated()
    if dup.any():
        raise InputError(source, f"fact_id {df['fact_id'][dup].iloc[0]!r} appears more than once")
    for col in ("metric", "value", "unit", "period"):
        blank = df[col].eq("")
        if blank.any():
            raise InputError(source, f"{where(int(np.flatnonzero(blank)[0]))}: empty {col}")
    dates = {}
    for col in ("period_start", "period_end"):
        parsed = pd.to_datetime(df[col].where(df[col].ne("")), format="%Y-%m-%d", errors="coerce")
        bad = df[col].ne("") & parsed.isna()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                source, f"{where(i)}: {col} {df[col].iloc[i]!r} is not an ISO date (YYYY-MM-DD)"
            )
        dates[col] = parsed.astype("datetime64[ns]")
    backwards = dates["period_end"].lt(dates["period_start"])
    if backwards.any():
        raise InputError(
            source, f"{where(int(np.flatnonzero(backwards)[0]))}: period_end is before period_start"
        )

    return df, dates


def _numbers(df: pd.DataFrame, source: str) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """``value_num, count, share, change`` of every row (missing where they do not apply)."""
    where = _row_label(df)
    value = df["value"]
    unit_base = df["unit"].str.split().str[0].str.lower()
    is_text_unit = df["unit"].str.contains(r"\btext\b", case=False, regex=True)
    numeric = value.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    good = numeric.str.fullmatch(_NUMBER) & ~is_text_unit
    value_num = pd.to_numeric(
        numeric.where(good).str.replace(",", ".", regex=False), errors="coerce"
    )
    value_num = pd.Series(value_num, index=df.index, dtype="Float64")

    is_change = df["metric"].str.startswith("change_")
    is_percent = unit_base.eq("percent")
    is_count = unit_base.eq("count") & df["unit"].str.lower().eq("count")
    count = value_num.where(is_count & value_num.notna() & value_num.eq(value_num.round()))
    share = (value_num / 100).where(is_percent & ~is_change)
    change = (value_num / 100).where(is_percent & is_change)
    bad_share = share.lt(0) | share.gt(1)
    if bad_share.any():
        raise InputError(
            source,
            f"{where(int(np.flatnonzero(bad_share.fillna(False))[0]))}: a percentage above 100 or below 0",
        )

    return value_num, count, share, change


def _incident_denominators(period: pd.Series, metric: pd.Series, count: pd.Series) -> pd.Series:
    """The incident count of each row's period, when the sources give exactly one."""
    counts = pd.DataFrame({"period": period, "n": count}).loc[
        metric.isin(INCIDENT_COUNT_METRICS) & count.notna()
    ]
    unique = counts.groupby("period")["n"].agg(lambda s: s.iloc[0] if s.nunique() == 1 else pd.NA)
    return period.map(unique).astype("Float64")


def latest_source_date(dates) -> str | None:
    """Return the latest date among ``dates`` written as YYYY, YYYY-MM or YYYY-MM-DD.

    Text around the date (such as "(inferred)") is ignored; the precision is kept.

    Examples
    --------
    >>> latest_source_date(["2018-12-11", "2025 (inferred)", "", "2024-05"])
    '2025'
    >>> latest_source_date(["n.d."]) is None
    True
    """
    best: tuple | None = None
    best_text = None
    for value in dates:
        m = _SOURCE_DATE.search(str(value or ""))
        if not m:
            continue
        key = tuple(int(g) if g else 0 for g in m.groups())
        if best is None or key > best:
            best, best_text = key, "-".join(g for g in m.groups() if g)
    return best_text


def detect(path) -> bool:
    """True if ``path`` is a figures CSV (by its header row)."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with open(p, "rb") as fh:
            head = fh.read(8 * 1024).decode("utf-8", errors="replace").lstrip("\ufeff")
        header = pd.read_csv(io.StringIO(head), nrows=0, dtype=str).columns
    except Exception:
        return False
    return {"fact_id", "metric", "value", "unit"} <= set(header)
