"""What the teaching notebook needs: exercise and answer boxes, and its bundled data.

The data: HHS OCR breaches per submission year and type of breach, 2010–2025, an aggregate
computed from the portal's lists (28 June 2024 and 1 July 2026) and shipped with the package.
"""

from __future__ import annotations

import hashlib
import html
import importlib.resources
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import i18n
from .errors import InputError, ParameterError

DATA_FILE = "hhs_yearly_by_type.csv"
PACKAGE_LABEL = f"incidentstats/data/{DATA_FILE}"
DATASET = "HHS OCR breach portal: breaches per submission year and type of breach"

#: The portal's types of breach as taxonomy codes, in taxonomy precedence order.
HHS_TYPES = (
    "hacking",
    "theft",
    "unauthorized_access",
    "improper_disposal",
    "loss",
    "other",
    "unknown",
)
#: Columns of ``data/raw/hhs_yearly_by_type.csv``.
FILE_COLUMNS = ("year", "category", "breaches_with_category", "breaches_in_year", "source", "as_of",
                "coverage")  # fmt: skip
#: What a year's row covers: the whole year, the year up to the list's as-of date, or only
#: the breaches still under investigation when the list was taken (a lower bound).
COVERAGE = ("full_year", "to_as_of", "open_cases_only")
#: The ``source`` column of the committed file.
FILE_SOURCE = (
    "HHS OCR breach portal, archive and under-investigation lists "
    "(500 or more individuals; by Breach Submission Date)"
)
#: The ``source`` of the 2025 rows: the newest list holds open cases only.
OPEN_CASES_SOURCE = (
    "HHS OCR breach portal, under-investigation list only "
    "(500 or more individuals; by Breach Submission Date)"
)

_TEXT = i18n.section("teaching.")
_DATA_TEXT = i18n.section("teaching.data.")
_TABLE_LABELS = i18n.section("teaching.table.")


# --- the bundled aggregate ------------------------------------------------------------------


def yearly_by_type(
    df: pd.DataFrame, *, start: int = 2010, end: int = 2023, source: str = FILE_SOURCE,
    coverage: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Breaches per submission year and HHS type of breach, from the canonical incident table.

    A breach of several types counts once in each of its types; ``breaches_in_year`` is
    the number of breaches (the denominator of each type's share), so the shares of a
    year can add up to more than 100%. The ``ransomware`` category, which the HHS reader
    infers from descriptions, is not a type of breach on the portal and is left out.

    This is how ``data/raw/hhs_yearly_by_type.csv`` was made (see ``tests/test_teaching.py``)::

        both = ist.load("hhs", [archive_2024_07_csv, under_investigation_2024_07_csv])
        open_cases = ist.load("hhs", [under_investigation_2026_07_csv])
        pd.concat([
            yearly_by_type(both, start=2010, end=2024),
            yearly_by_type(open_cases, start=2025, end=2025, source=OPEN_CASES_SOURCE,
                           coverage="open_cases_only"),
        ]).to_csv("hhs_yearly_by_type.csv", index=False)

    Parameters
    ----------
    df : DataFrame
        Canonical incident table of HHS breaches (duplicates already removed by ``ingest``).
    start, end : int
        First and last submission year kept.
    source : str
        What the lists are, written in the ``source`` column.
    coverage : {"full_year", "to_as_of", "open_cases_only"}, optional
        What each year covers; by default a whole year before the as-of year and
        ``to_as_of`` for the as-of year itself.

    Returns
    -------
    DataFrame
        ``year, category, breaches_with_category, breaches_in_year, source, as_of``: every
        type in every year (0 where absent), types in taxonomy order.

    Examples
    --------
    >>> import incidentstats as ist
    >>> t = yearly_by_type(ist.load("hhs"), start=2010, end=2014)
    >>> row = t[(t["year"] == 2010) & (t["category"] == "theft")].iloc[0]
    >>> int(row["breaches_with_category"]), int(row["breaches_in_year"])
    (133, 197)
    """
    needed = {"reported_date", "categories", "source"}
    if not isinstance(df, pd.DataFrame) or not needed <= set(df.columns):
        raise ParameterError("df", "expected the canonical incident table (from ist.load)")
    if int(start) > int(end):
        raise ParameterError("end", f"end {end} is before start {start}")
    years = df["reported_date"].dt.year
    keep = years.between(int(start), int(end))
    types = df.loc[keep, "categories"].map(
        lambda cats: sorted({c for c in cats if c != "ransomware"} or {"unknown"})
    )
    long = pd.DataFrame({"year": years[keep].astype(int), "category": types}).explode("category")
    counts = long.groupby(["year", "category"]).size()
    totals = years[keep].astype(int).value_counts()
    all_years = range(int(start), int(end) + 1)
    index = pd.MultiIndex.from_product([all_years, HHS_TYPES], names=["year", "category"])
    out = counts.reindex(index, fill_value=0).rename("breaches_with_category").reset_index()
    out["breaches_in_year"] = out["year"].map(totals).fillna(0).astype(int)
    out["breaches_with_category"] = out["breaches_with_category"].astype(int)
    out["source"] = source
    as_of = (df.attrs.get("provenance", {}) or {}).get("as_of")
    out["as_of"] = as_of
    if coverage is not None and coverage not in COVERAGE:
        raise ParameterError("coverage", f"expected one of {', '.join(COVERAGE)}, got {coverage!r}")
    as_of_year = pd.Timestamp(as_of).year if as_of else None
    out["coverage"] = coverage or "full_year"
    if coverage is None and as_of_year is not None:
        out.loc[out["year"] >= as_of_year, "coverage"] = "to_as_of"
    return out[list(FILE_COLUMNS)]


def _data_file() -> tuple[str, bytes]:
    try:
        resource = importlib.resources.files("incidentstats").joinpath("data", DATA_FILE)
        if resource.is_file():
            return PACKAGE_LABEL, resource.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, OSError):
        pass
    repo_copy = Path(__file__).resolve().parents[2] / "data" / "raw" / DATA_FILE
    if repo_copy.is_file():
        return str(repo_copy), repo_copy.read_bytes()
    raise InputError(
        PACKAGE_LABEL, "the HHS yearly-by-type file is missing from the package and data/raw/"
    )


def hhs_yearly_by_type(path=None) -> pd.DataFrame:
    """Load HHS breaches per submission year and type of breach, 2010–2025 (bundled).

    2010–2023 are whole years; 2024 runs to 28 June (the lists of that date); 2025 holds
    only the breaches still under investigation on 1 July 2026 (``coverage``), so its
    count is a lower bound and its mix that of the open cases.

    Parameters
    ----------
    path : path-like, optional
        A file with the columns of ``FILE_COLUMNS``; by default the one shipped with the
        package (``data/raw/hhs_yearly_by_type.csv``).

    Returns
    -------
    DataFrame
        ``year, category, breaches_with_category, breaches_in_year, source, as_of,
        coverage``; ``attrs["provenance"]`` holds source, dataset, as_of, period, path and sha256.

    Examples
    --------
    >>> t = hhs_yearly_by_type()
    >>> t.attrs["provenance"]["as_of"], int(t["year"].min()), int(t["year"].max())
    ('2026-07-01', 2010, 2025)
    """
    if path is None:
        label, data = _data_file()
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError(p, "file not found")
        label, data = str(p), p.read_bytes()
    try:
        table = pd.read_csv(io.BytesIO(data), dtype={"category": "string", "source": "string"})
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(label, f"not a CSV file: {exc}") from None
    missing = [c for c in FILE_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(label, f"missing column(s) {', '.join(missing)}")
    counts = table[["year", "breaches_with_category", "breaches_in_year"]]
    if (
        not all(pd.api.types.is_integer_dtype(counts[c]) for c in counts)
        or (counts < 0).any().any()
    ):
        raise InputError(label, "year and breach counts must be whole numbers >= 0")
    if (table["breaches_with_category"] > table["breaches_in_year"]).any():
        raise InputError(label, "a type has more breaches than its year")
    as_of = sorted(table["as_of"].dropna().astype(str).unique())
    table["as_of"] = table["as_of"].astype("string")
    if not table["coverage"].isin(COVERAGE).all():
        raise InputError(label, f"coverage must be one of {', '.join(COVERAGE)}")
    table.attrs["provenance"] = {
        "source": "hhs",
        "dataset": DATASET,
        "as_of": as_of[-1] if as_of else None,
        "period": {"start": f"{int(table['year'].min())}-01-01", "end": f"{int(table['year'].max())}-12-31"},
        "path": label,
        "sha256": hashlib.sha256(data).hexdigest(),
        "filters": {},
    }  # fmt: skip
    return table


def type_shares_by_year(
    table: pd.DataFrame, *, values=None, level: float = 0.95, method: str = "wilson"
) -> pd.DataFrame:
    """Share of each year's breaches having each type, with intervals (for ``plots.plot_mix``).

    Parameters
    ----------
    table : DataFrame
        From ``hhs_yearly_by_type``.
    values : list of str, optional
        Types to keep; by default all.
    level : float
    method : {"wilson", "clopper-pearson", "jeffreys"}

    Returns
    -------
    DataFrame
        Like ``stats.shares_over_time``: ``period, start, value, x, n, share, lower,
        upper, complete, method``.

    Examples
    --------
    >>> s = type_shares_by_year(hhs_yearly_by_type(), values=["hacking"])
    >>> last = s.iloc[-1]
    >>> last["value"], int(last["x"]), int(last["n"])
    ('hacking', 350, 404)
    """
    from .stats import proportion_ci

    if not isinstance(table, pd.DataFrame) or not set(FILE_COLUMNS[:4]) <= set(table.columns):
        raise ParameterError("table", "expected the table from hhs_yearly_by_type")
    rows = table
    if values is not None:
        values = [values] if isinstance(values, str) else list(values)
        unknown = sorted(set(values) - set(table["category"]))
        if unknown:
            raise ParameterError("values", f"unknown type(s) {', '.join(unknown)}")
        rows = table[table["category"].isin(values)]
    x = rows["breaches_with_category"].to_numpy(dtype=int)
    n = rows["breaches_in_year"].to_numpy(dtype=int)
    lower, upper = proportion_ci(x, n, method=method, level=level)
    out = pd.DataFrame(
        {
            "period": [pd.Period(year=int(y), freq="Y") for y in rows["year"]],
            "start": pd.to_datetime([f"{int(y)}-01-01" for y in rows["year"]]),
            "value": rows["category"].astype(str).to_numpy(),
            "x": x,
            "n": n,
            "share": np.where(n > 0, x / np.where(n > 0, n, 1), np.nan),
            "lower": lower,
            "upper": upper,
            # 2024 stops in June and 2025 holds open cases only: drawn as partial
            "complete": (rows["coverage"] == "full_year").to_numpy()
            if "coverage" in rows.columns
            else True,
            "method": f"{method} {level:.0%}",
        }
    )
    prov = dict(table.attrs.get("provenance", {}) or {})
    out.attrs["provenance"] = {**prov, "statistic": "type_shares_by_year", "by": "categories",
                               "freq": "Y", "level": level}  # fmt: skip
    return out


def pooled_shares(table: pd.DataFrame, spans, *, values=("theft", "hacking"), level: float = 0.95):
    """Share of breaches having each type over spans of years pooled, with Wilson intervals.

    Each breach is counted once per year, so summing years gives breaches over the span.

    Parameters
    ----------
    table : DataFrame
        From ``hhs_yearly_by_type``.
    spans : list of (first_year, last_year)
    values : list of str
        Types.

    Returns
    -------
    DataFrame
        ``period, value, x, n, share, lower, upper, method``.

    Examples
    --------
    >>> p = pooled_shares(hhs_yearly_by_type(), [(2010, 2014)], values=["theft"])
    >>> first = p.iloc[0]
    >>> first["period"], int(first["x"]), int(first["n"])
    ('2010–2014', 652, 1207)
    """
    from .stats import proportion_table

    frames = []
    for first, last in spans:
        if int(first) > int(last):
            raise ParameterError("spans", f"{first}–{last}: the first year is after the last")
        years = table[table["year"].between(int(first), int(last))]
        if years.empty:
            raise ParameterError("spans", f"no data for {first}–{last}")
        n = int(years.drop_duplicates("year")["breaches_in_year"].sum())
        xs = [
            int(years.loc[years["category"].eq(v), "breaches_with_category"].sum()) for v in values
        ]
        part = proportion_table(xs, n, labels=list(values), level=level)
        part.insert(0, "period", f"{int(first)}–{int(last)}")
        frames.append(pd.DataFrame(part))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["provenance"] = {
        **(table.attrs.get("provenance", {}) or {}),
        "statistic": "pooled_shares",
    }
    return out


def breaches(table: pd.DataFrame, year: int, category: str) -> int:
    """Number of breaches of one type submitted in one year.

    Examples
    --------
    >>> breaches(hhs_yearly_by_type(), 2023, "theft")
    12
    """
    rows = table[table["year"].eq(int(year)) & table["category"].eq(category)]
    if len(rows) != 1:
        raise ParameterError("year", f"no single row for {year} and {category!r}")
    return int(rows["breaches_with_category"].iloc[0])


# --- the session's data -----------------------------------------------------------------------


def record_provenance(rep, df: pd.DataFrame, figures: pd.DataFrame, by_type: pd.DataFrame) -> dict:
    """Record the three datasets of the session as the report's provenance (title page).

    Sets ``rep.provenance`` and writes ``output_dir/provenance.json`` (keys dataset,
    as_of, period, and ``parts`` with each dataset's own provenance).
    """
    from . import france

    parts = {
        "hhs": dict(df.attrs.get("provenance", {}) or {}),
        "france": france.report_provenance(figures),
        "hhs_yearly_by_type": dict(by_type.attrs.get("provenance", {}) or {}),
    }
    starts = [p.get("period", {}).get("start") for p in parts.values() if p.get("period")]
    ends = [p.get("period", {}).get("end") for p in parts.values() if p.get("period")]
    names = [_DATA_TEXT[getattr(rep, "lang", "en")][k] for k in ("hhs", "france", "by_type")]
    prov = {
        "source": "teaching",
        "dataset": " + ".join(names),
        "as_of": " · ".join(f"{p.get('as_of')}" for p in parts.values()),
        "period": {"start": min(s for s in starts if s), "end": max(e for e in ends if e)},
        "parts": parts,
    }
    return france.record_provenance(rep, prov)


def data_sources(
    df: pd.DataFrame, figures: pd.DataFrame, by_type: pd.DataFrame, *, lang: str = "en"
):
    """The session's three datasets: name, as-of date, period covered, what they are used for."""
    from . import france

    text = _DATA_TEXT[i18n.check_lang(lang)]
    rows = []
    for key, prov in (
        ("hhs", df.attrs.get("provenance", {}) or {}),
        ("france", france.report_provenance(figures)),
        ("by_type", by_type.attrs.get("provenance", {}) or {}),
    ):
        period = prov.get("period") or {}
        rows.append(
            {
                "dataset": text[key],
                "as_of": i18n.fmt_when(prov.get("as_of"), lang),
                "period": i18n.fmt_date_range(period.get("start"), period.get("end"), lang),
                "used_for": text[f"{key}_use"],
            }
        )
    return pd.DataFrame(rows)


def table_labels(lang: str = "en") -> dict[str, str]:
    """Column headers for the tables of this module, in ``lang``."""
    return dict(_TABLE_LABELS[i18n.check_lang(lang)])


# --- exercise and answer boxes --------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")


def _markup(text: str, head: str = "") -> str:
    r"""Escaped text with **bold**, *italic*, `code` and blank-line paragraphs.

    Examples
    --------
    >>> _markup("a **b** *c* `d<e`\n\nf")
    '<p>a <strong>b</strong> <em>c</em> <code>d&lt;e</code></p><p>f</p>'
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for i, p in enumerate(paragraphs):
        # Only ASCII white space: French no-break spaces (before ":" or "%") must stay.
        body = html.escape(re.sub(r"[ \t\r\n]+", " ", p), quote=False)
        body = _BOLD.sub(r"<strong>\1</strong>", body)
        body = _ITALIC.sub(r"<em>\1</em>", body)
        body = _CODE.sub(r"<code>\1</code>", body)
        out.append(f"<p>{head if i == 0 else ''}{body}</p>")
    return "".join(out)


def _fill(template: str, values: dict) -> str:
    try:
        return template.format(**{k: str(v) for k, v in values.items()})
    except (KeyError, IndexError) as exc:
        raise ParameterError(
            "values", f"the text uses {{{exc.args[0]}}}, which was not given"
        ) from None


def exercise(question_en: str, question_fr: str, *, lang: str = "en"):
    """An exercise box (CSS class ``exercise``) with the question in ``lang``.

    Examples
    --------
    >>> exercise("Is 27 a month consistent with 319 in a year?", "27 par mois ?", lang="en").markup
    '<div class="exercise"><p><strong>Exercise.</strong> Is 27 a month consistent with 319 in a year?</p></div>'
    """
    from .notebook import HTMLBlock

    text = question_fr if i18n.check_lang(lang) == "fr" else question_en
    head = f"<strong>{_TEXT[lang]['exercise']}.</strong> "
    return HTMLBlock(f'<div class="exercise">{_markup(text, head)}</div>')


def answer(text_en: str, text_fr: str, *, lang: str = "en", show: bool = False, table=None,
           columns=None, labels=None, **values):  # fmt: skip
    """A worked answer (CSS class ``answer``), or nothing when ``show`` is False.

    ``text_en``/``text_fr`` may hold ``{name}`` fields filled from ``values`` (figures
    computed by package calls; escaped), ``**bold**`` and blank-line paragraphs. A
    ``table`` is appended, formatted like the report's tables.

    Examples
    --------
    >>> answer("x is {x}.", "x vaut {x}.", lang="fr", show=True, x="<1>").markup
    '<div class="answer"><p><strong>Corrigé.</strong> x vaut &lt;1&gt;.</p></div>'
    >>> answer("x", "x", show=False) is None
    True
    """
    from .notebook import HTMLBlock, html_table

    i18n.check_lang(lang)
    if not isinstance(show, bool | np.bool_):
        raise ParameterError("show_answers", f"expected True or False, got {show!r}")
    if not show:
        return None
    text = _fill(text_fr if lang == "fr" else text_en, values)
    # The heading opens the first paragraph, so a page break never leaves it alone.
    body = _markup(text, f"<strong>{_TEXT[lang]['answer']}.</strong> ")
    if table is not None:
        shown = table if columns is None else table[list(columns)]
        body += html_table(shown, lang=lang, labels=labels)
    return HTMLBlock(f'<div class="answer">{body}</div>')


def your_result(value, *, lang: str = "en"):
    """Show what an exercise cell computed, or a hint while it is still None."""
    from .notebook import HTMLBlock, html_table

    i18n.check_lang(lang)
    if value is None:
        return HTMLBlock(f'<p class="caption">{html.escape(_TEXT[lang]["todo"])}</p>')
    if isinstance(value, pd.DataFrame):
        return HTMLBlock(f"<p>{_TEXT[lang]['your_result']}</p>" + html_table(value, lang=lang))
    return HTMLBlock(f"<p>{_TEXT[lang]['your_result']} {html.escape(str(value))}</p>")
