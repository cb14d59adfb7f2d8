"""Analyses of the French observatory's published figures: yearly counts, shares, comparisons.

The tables, headline cards and notes the France report shows; ``readers/france.py`` only parses.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..readers.france import DATASET, read_figures
from .labels import DATASET_NAME, ENDANGERMENT_METRICS, METRIC_LABELS, TABLE_LABELS, TEXT


def figures_with_ci(
    figures: pd.DataFrame, *, level: float = 0.95, method: str = "wilson"
) -> pd.DataFrame:
    """Add confidence intervals to the shares that have a denominator.

    ``x`` is rebuilt as ``round(share * denominator)``: the sources publish rounded
    percentages, so ``x`` may be off by up to half a percentage point of ``n``, and
    the interval only describes sampling noise, not that rounding or under-reporting.

    Parameters
    ----------
    figures : DataFrame
        The table from ``read_figures``.
    level : float, default 0.95
        Confidence level.
    method : {"wilson", "clopper-pearson", "jeffreys"}, default "wilson"

    Returns
    -------
    DataFrame
        ``figures`` with ``x, n, lower, upper, method`` added (missing where a share
        has no denominator).

    Examples
    --------
    >>> fig = figures_with_ci(read_figures())
    >>> row = fig[fig["fact_id"] == "FR003"].iloc[0]
    >>> int(row["x"]), int(row["n"]), round(float(row["lower"]), 3), round(float(row["upper"]), 3)
    (150, 319, 0.416, 0.525)
    """
    from ..stats import proportion_ci

    if not isinstance(figures, pd.DataFrame) or not {"share", "denominator"} <= set(
        figures.columns
    ):
        raise ParameterError(
            "figures", "expected the table from read_figures (with share and denominator columns)"
        )
    out = figures.copy()
    has = (out["share"].notna() & out["denominator"].notna()).to_numpy(dtype=bool)
    n = out["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    share = out["share"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    x = np.floor(share * n + 0.5)  # half up, not numpy's half-to-even
    lower = np.full(len(out), np.nan)
    upper = np.full(len(out), np.nan)
    if has.any():
        lower[has], upper[has] = proportion_ci(x[has], n[has], method=method, level=level)
    else:
        proportion_ci(0, 1, method=method, level=level)  # still validate the parameters
    out["x"] = pd.array(np.where(has, x, np.nan), dtype="Float64").astype("Int64")
    out["n"] = pd.array(np.where(has, n, np.nan), dtype="Float64").astype("Int64")
    out["lower"] = pd.array(np.where(has, lower, np.nan), dtype="Float64")
    out["upper"] = pd.array(np.where(has, upper, np.nan), dtype="Float64")
    out["method"] = pd.array(np.where(has, method, None), dtype="string")
    out.attrs = {**figures.attrs}
    prov = dict(out.attrs.get("provenance", {}))
    prov["ci"] = {
        "method": method,
        "level": level,
        "x_rule": "x = round(share * denominator), half up",
    }
    out.attrs["provenance"] = prov
    return out


#: The portal's first reporting year: October 2017 to September 2018. It overlaps calendar
#: 2018 (January to September) and is never merged with it.
FIRST_YEAR = "2017-10/2018-09"
_CALENDAR_YEAR = re.compile(r"^\d{4}$")


def _check_lang(lang) -> str:
    from ..i18n import check_lang

    return check_lang(lang)


def _check_figures(figures) -> None:
    needed = {"period", "metric", "count", "share", "denominator", "fact_id"}
    if not isinstance(figures, pd.DataFrame) or not needed <= set(figures.columns):
        raise ParameterError("figures", "expected the table from read_figures")


def _attach(table: pd.DataFrame, figures: pd.DataFrame, **extra) -> pd.DataFrame:
    """Give an aggregate the figures' provenance (source, dataset, as-of) plus ``extra``."""
    prov = dict(figures.attrs.get("provenance", {}) or {})
    keep = {k: prov.get(k) for k in ("source", "dataset", "as_of", "as_of_rule", "path", "sha256")}
    table.attrs = {"provenance": {**keep, "filters": {}, **extra}}
    return table


def source_date_text(value, lang: str = "en") -> str:
    """A source date as published ("2018-10 (inferred)"), the word translated.

    Examples
    --------
    >>> source_date_text("2018-10 (inferred)", "fr")
    'octobre 2018 (déduite)'
    >>> source_date_text(None)
    '—'
    """
    _check_lang(lang)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "—"
    text = str(value).strip() or "—"
    date, _, rest = text.partition(" ")
    text = " ".join(x for x in (_when(date, lang), rest) if x)
    return text.replace("(inferred)", f"({TEXT[lang]['inferred']})")


def _when(value, lang: str) -> str:
    from ..i18n import fmt_when

    return fmt_when(value, lang) if value else "…"


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:/(\d{4})(?:-(\d{2}))?)?$")


def period_label(period, lang: str = "en") -> str:
    """A period code of the figures file as words: "2017-10/2018-09" -> "Oct 2017 – Sep 2018".

    Examples
    --------
    >>> period_label("2017-10/2018-09", "fr")
    'oct. 2017 – sept. 2018'
    >>> period_label("2017-10/2019"), period_label("2021")
    ('Oct 2017 – 2019 (end not stated)', '2021')
    """
    from ..i18n import month_name, t

    _check_lang(lang)
    m = _PERIOD.match(str(period))
    if not m:
        return str(period)
    y0, m0, y1, m1 = m.groups()

    def part(year, month):
        return f"{month_name(int(month), lang, short=True)} {year}" if month else year

    first = part(y0, m0)
    if y1 is None:
        return first
    label = f"{first} – {part(y1, m1)}"
    # "Oct 2017 to 2019" stops at an unstated month of 2019, not at its end.
    return t("period_end_unstated", lang, period=label) if m0 and not m1 else label


def figure_status(row, lang: str = "en") -> str:
    """How a figure came about, in words: published, derived (with the calculation), estimated.

    Examples
    --------
    >>> fig = read_figures()
    >>> figure_status(fig[fig["fact_id"].eq("FR080")].iloc[0], "fr")
    'dérivé\u202f: 581 ÷ (1 − 2\u202f%) = 593'
    """
    from ..i18n import t

    status = str(row.get("status") or "published")
    if status == "derived" and str(row.get("note") or "") == "derived_2022_from_2023_change":
        values = _derived_2022_values(row, lang)
        return t("figure_status.derived_calc", lang, calc=values["calc"])
    return t(f"figure_status.{status}", lang)


def _derived_2022_values(row, lang: str, figures: pd.DataFrame | None = None) -> dict:
    from ..i18n import fmt_number, fmt_percent

    figures = read_figures() if figures is None else figures
    later = float(figures.loc[figures["fact_id"].eq("FR063"), "value_num"].iloc[0])
    change = float(figures.loc[figures["fact_id"].eq("FR079"), "value_num"].iloc[0]) / 100
    # The published change is rounded to a whole percent: it lies within half a point.
    lo, hi = later / (1 + change + 0.005), later / (1 + change - 0.005)
    return {
        "value": fmt_number(float(row["value_num"]), lang),
        "calc": f"{fmt_number(later, lang)} ÷ (1 − {fmt_percent(abs(change), lang)}) = "
        f"{fmt_number(round(later / (1 + change)), lang)}",
        "lo": fmt_number(math.ceil(lo), lang),
        "hi": fmt_number(math.floor(hi), lang),
        "later": fmt_number(later, lang),
        "change": fmt_percent(change, lang, sign=True),
    }


def figure_note(row, figures: pd.DataFrame | None = None, lang: str = "en") -> str:
    """What a reader must know about a figure (a duplicate, an unstated end, a disagreement).

    Empty when the figure needs no note. The notes are codes in the figures file, written
    out here from the catalogue with the figures they involve.

    Examples
    --------
    >>> fig = read_figures()
    >>> figure_note(fig[fig["fact_id"].eq("FR009")].iloc[0], fig, "en")[:40]
    'Same figure as the first-year 47% (FR003'
    """
    from ..i18n import fmt_number, fmt_percent, t

    code = row.get("note")
    if code is None or code is pd.NA or str(code) == "" or str(code) == "nan":
        return ""
    code = str(code)
    figures = read_figures() if figures is None else figures

    def value(fact):
        return float(figures.loc[figures["fact_id"].eq(fact), "value_num"].iloc[0])

    if code == "derived_2022_from_2023_change":
        return t(f"figure_note.{code}", lang, **_derived_2022_values(row, lang, figures))
    if code in ("structures_disagree", "slug_sign_and_structures_disagree"):
        s21, s22 = value("FR041"), value("FR052")
        return t(f"figure_note.{code}", lang, s21=fmt_number(s21, lang), s22=fmt_number(s22, lang),
                 change=fmt_percent(s22 / s21 - 1, lang, sign=True))  # fmt: skip
    return t(f"figure_note.{code}", lang)


def _source_text(publisher, date, lang: str) -> str:
    date_text = source_date_text(date, lang)
    return str(publisher) if date_text == "—" else f"{publisher}, {date_text}"


def _source_columns(rows: pd.DataFrame, lang: str) -> dict:
    """The columns that cite each figure: publisher, date, fact id, and the two as one text."""
    return {
        "source_publisher": rows["source_publisher"],
        "source_date": rows["source_date"].map(lambda v: source_date_text(v, lang)),
        "fact_id": rows["fact_id"],
        "source": [
            _source_text(p, d, lang)
            for p, d in zip(rows["source_publisher"], rows["source_date"], strict=True)
        ],
    }


def _months(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Whole calendar months from ``start`` (a 1st) to ``end`` (a month's last day)."""
    if start.day != 1 or end != end.to_period("M").end_time.normalize():
        raise ParameterError("figures", f"period {start.date()}–{end.date()} is not whole months")
    return float(end.to_period("M").ordinal - start.to_period("M").ordinal + 1)


def yearly_counts(figures: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Incidents reported per calendar year, for ``plots.plot_counts``.

    Every year from the first to the last with a published count is listed, so a year
    without one shows as a gap (``count`` NaN, ``published`` False) rather than being
    skipped. The first reporting year (Oct 2017–Sep 2018) is not a calendar year and is
    left out: its 319 incidents overlap calendar 2018's 327.

    Parameters
    ----------
    figures : DataFrame
        The table from ``read_figures``.
    lang : {"en", "fr"}
        Language of ``source_date`` ("2022 (inferred)").

    Returns
    -------
    DataFrame
        ``period`` (pandas Period, yearly), ``start``, ``count`` (float, NaN when not
        published), ``complete`` (True: the sources count whole years), ``published``,
        ``source_publisher``, ``source_date``, ``fact_id``, ``source`` (publisher and date). ``attrs["notes"]`` holds the
        caption notes in English and French (see ``chart_caption``).

    Examples
    --------
    >>> t = yearly_counts(read_figures())
    >>> [(str(p), c) for p, c in zip(t["period"], t["count"])][:2]
    [('2018', 327.0), ('2019', 392.0)]
    >>> bool(t.loc[t["period"] == pd.Period("2022"), "count"].isna().item())
    True
    """
    _check_lang(lang)
    _check_figures(figures)
    yearly = figures["metric"].eq("incidents_reported") & figures["period"].str.fullmatch(
        _CALENDAR_YEAR
    ).fillna(False)
    derived = figures[yearly & figures["status"].ne("published") & figures["count"].notna()]
    rows = figures[yearly & figures["status"].eq("published") & figures["count"].notna()]
    if rows.empty:
        raise ParameterError("figures", "no yearly incident count in the figures")
    rows = rows.drop_duplicates("period", keep="first")
    years = rows["period"].astype(int)
    by_year = rows.assign(year=years.to_numpy()).set_index("year")
    all_years = range(int(years.min()), int(years.max()) + 1)
    out = pd.DataFrame({"year": list(all_years)})
    out["period"] = [pd.Period(year=y, freq="Y") for y in all_years]
    out["start"] = pd.to_datetime([f"{y}-01-01" for y in all_years])
    out["count"] = out["year"].map(by_year["count"].astype(float)).astype(float)
    out["complete"] = True
    out["published"] = out["count"].notna()
    for col in ("source_publisher", "source_date", "fact_id"):
        out[col] = out["year"].map(by_year[col]).astype("string")
    out["source"] = [
        _source_text(p, d, lang) if p is not pd.NA else pd.NA
        for p, d in zip(out["source_publisher"], out["source_date"], strict=True)
    ]
    out["source"] = out["source"].astype("string")
    out["source_date"] = out["source_date"].map(
        lambda v: source_date_text(v, lang), na_action="ignore"
    )
    out = out.drop(columns="year")
    missing = [str(p) for p in out.loc[~out["published"], "period"]]
    first = figures[figures["period"].eq(FIRST_YEAR) & figures["metric"].eq("incidents_reported")]
    notes = {lang: [] for lang in ("en", "fr")}
    for lang in notes:
        explained = derived[derived["period"].isin(missing)]
        unexplained = [y for y in missing if y not in set(explained["period"])]
        if unexplained:
            notes[lang].append(TEXT[lang]["no_count"].format(years=", ".join(unexplained)))
        for _, row in explained.iterrows():
            notes[lang].append(figure_note(row, figures, lang))
        if first["count"].notna().any():
            notes[lang].append(
                TEXT[lang]["first_year"].format(n=int(first["count"].dropna().iloc[0]))
            )
    out = _attach(out, figures, statistic="yearly_counts", freq="Y")
    out.attrs["notes"] = notes
    return out


def malicious_shares(
    figures: pd.DataFrame, *, lang: str = "en", level: float = 0.95, method: str = "wilson"
) -> pd.DataFrame:
    """Every published share of incidents of malicious origin, with its interval.

    The first reporting year, calendar years and the cumulative figures are separate rows,
    never merged. ``x = round(share * n)`` is rebuilt from the published percentage (see
    ``figures_with_ci``); where the sources give no incident count for the period, ``x``,
    ``n`` and the interval are missing.

    Parameters
    ----------
    figures : DataFrame
        The table from ``read_figures``.
    lang : {"en", "fr"}
        Language of ``period_label`` and ``source``.
    level : float
    method : {"wilson", "clopper-pearson", "jeffreys"}

    Returns
    -------
    DataFrame
        ``period, period_label`` (in ``lang``), ``period_start, period_end, x, n, share,
        lower, upper, method, source_publisher, source_date, fact_id, source``, ordered
        by period.

    Examples
    --------
    >>> t = malicious_shares(read_figures())
    >>> row = t[t["period"] == "2017-10/2018-09"].iloc[0]
    >>> int(row["x"]), int(row["n"]), round(float(row["lower"]), 3)
    (150, 319, 0.416)
    """
    _check_lang(lang)
    _check_figures(figures)
    with_ci = figures_with_ci(figures, level=level, method=method)
    duplicate = with_ci["note"].fillna("").str.startswith("duplicate_of_")
    rows = with_ci[with_ci["metric"].eq("share_malicious") & ~duplicate].copy()
    rows = rows.sort_values(
        ["period_start", "period_end", "fact_id"], kind="stable", na_position="last"
    )
    out = rows[
        ["period", "period_start", "period_end", "x", "n", "share", "lower", "upper", "method",
         "source_publisher", "source_date", "fact_id"]
    ].reset_index(drop=True)  # fmt: skip
    out["method"] = out["method"].where(out["method"].isna(), f"{method} {level:.0%}")
    out.insert(
        1, "period_label", out["period"].map(lambda v: period_label(v, lang)).astype("string")
    )
    out["source"] = [
        _source_text(p, d, lang)
        for p, d in zip(out["source_publisher"], out["source_date"], strict=True)
    ]
    out["source"] = out["source"].astype("string")
    out["source_date"] = (
        out["source_date"].map(lambda v: source_date_text(v, lang)).astype("string")
    )
    return _attach(out, figures, statistic="malicious_shares", level=level, ci=method)


def patient_endangerment(
    figures: pd.DataFrame, *, lang: str = "en", level: float = 0.95, method: str = "wilson"
) -> pd.DataFrame:
    """Published figures on patients put in danger, each with its source.

    Shares of incidents get an interval where the sources give the period's incident
    count; counts stay counts (an "actual" endangerment is one the report confirmed, a
    recorded one may be potential).

    Returns
    -------
    DataFrame
        ``period, period_label, measure`` (in ``lang``), ``number, x, n, share, lower,
        upper, source_publisher, source_date, fact_id, source``, ordered by period then
        measure.

    Examples
    --------
    >>> t = patient_endangerment(read_figures())
    >>> t.loc[t["fact_id"] == "FR033", ["period", "number"]].values.tolist()
    [['2020', 34]]
    """
    _check_lang(lang)
    _check_figures(figures)
    with_ci = figures_with_ci(figures, level=level, method=method)
    rows = with_ci[with_ci["metric"].isin(ENDANGERMENT_METRICS)].copy()
    rows["_order"] = rows["metric"].map({m: i for i, m in enumerate(ENDANGERMENT_METRICS)})
    rows = rows.sort_values(["period_start", "period", "_order"], kind="stable")
    out = pd.DataFrame(
        {
            "period": rows["period"],
            "measure": rows["metric"].map(lambda m: METRIC_LABELS[m][lang]).astype("string"),
            "number": rows["count"],
            "x": rows["x"],
            "n": rows["n"],
            "share": rows["share"],
            "lower": rows["lower"],
            "upper": rows["upper"],
            **_source_columns(rows, lang),
        }
    ).reset_index(drop=True)
    out.insert(1, "period_label", out["period"].map(lambda v: period_label(v, lang)))
    return _attach(out, figures, statistic="patient_endangerment", level=level, ci=method)


def _incident_count(figures: pd.DataFrame, period: str):
    rows = figures[
        figures["metric"].eq("incidents_reported")
        & figures["period"].eq(period)
        & figures["count"].notna()
        & figures["status"].eq("published")  # a derived count has no exact interval
    ]
    if rows.empty:
        return None
    return rows.iloc[0]


def compare_with_first_year(
    figures: pd.DataFrame, years=None, *, unit: str = "month", level: float = 0.95
) -> pd.DataFrame:
    """Rate ratio of a calendar year's incidents over the first reporting year's.

    Each rate is the published count over the period's length; the ratio's interval is
    exact conditional (given the two counts' total, the later count is binomial: its
    Clopper–Pearson interval turned into a rate ratio) and the p-value is statsmodels'
    exact conditional test (``test_poisson_2indep``, ``exact-cond``), as in
    ``stats.compare_periods``. Calendar 2018 shares nine months with the first year, so
    their counts are not independent and 2018 is refused.

    Parameters
    ----------
    figures : DataFrame
        The table from ``read_figures``.
    years : int or list of int, optional
        Calendar years to compare; by default every year with a published count that
        does not overlap the first year.
    unit : {"month", "year"}
        Unit of the rates shown (the ratio does not depend on it).
    level : float

    Returns
    -------
    DataFrame
        One row per year: ``period_a, period_b, count_a, count_b, exposure_a,
        exposure_b, unit, rate_a, rate_b, rate_ratio, lower, upper, pct_change,
        p_value, method, fact_id_a, fact_id_b``.

    Examples
    --------
    >>> t = compare_with_first_year(read_figures(), 2024)
    >>> row = t.iloc[0]
    >>> int(row["count_a"]), int(row["count_b"]), round(float(row["rate_ratio"]), 2)
    (319, 749, 2.35)
    >>> round(float(row["lower"]), 2), round(float(row["upper"]), 2)
    (2.06, 2.69)
    """
    from ..stats.contingency import rate_ratio_exact
    from ..stats.tables import _check_level

    _check_figures(figures)
    level = _check_level(level)
    per = {"month": 1.0, "M": 1.0, "year": 12.0, "Y": 12.0}
    if unit not in per:
        raise ParameterError("unit", f"expected 'month' or 'year', got {unit!r}")
    first = _incident_count(figures, FIRST_YEAR)
    if first is None:
        raise ParameterError("figures", f"no incident count for the first year {FIRST_YEAR}")
    first_end = first["period_end"]
    if years is None:
        yearly = yearly_counts(figures)
        years = [int(str(p)) for p, c in zip(yearly["period"], yearly["count"], strict=True)
                 if c == c and pd.Period(p).start_time > first_end]  # fmt: skip
    elif isinstance(years, int | np.integer | str):
        years = [int(years)]
    rows = []
    for year in [int(y) for y in years]:
        later = _incident_count(figures, str(year))
        if later is None:
            raise ParameterError("years", f"no incident count published for {year}")
        if later["period_start"] <= first_end:
            raise ParameterError(
                "years",
                f"{year} overlaps the first reporting year ({FIRST_YEAR}); its counts are not independent",
            )
        ca, cb = int(first["count"]), int(later["count"])
        ea = _months(first["period_start"], first["period_end"]) / per[unit]
        eb = _months(later["period_start"], later["period_end"]) / per[unit]
        rows.append(
            {
                "period_a": FIRST_YEAR,
                "period_b": str(year),
                "count_a": ca,
                "count_b": cb,
                "exposure_a": ea,
                "exposure_b": eb,
                "unit": "month" if per[unit] == 1 else "year",
                **rate_ratio_exact(ca, ea, cb, eb, level=level),
                "fact_id_a": first["fact_id"],
                "fact_id_b": later["fact_id"],
            }
        )
    out = pd.DataFrame(rows)
    return _attach(out, figures, statistic="compare_with_first_year", unit=unit, level=level)


def describe_comparison(table: pd.DataFrame, year=None, *, lang: str = "en") -> str:
    """One row of ``compare_with_first_year`` as a quotable sentence.

    Examples
    --------
    >>> t = compare_with_first_year(read_figures(), 2024)
    >>> describe_comparison(t)
    '2024: 749 incidents, 62.4 a month, against 319 (26.6 a month) in the first reporting year (Oct 2017–Sep 2018): 2.35 times the rate (95% CI 2.06 to 2.69; exact test p < 0.001).'
    """
    from ..i18n import fmt_number, fmt_percent, fmt_pvalue, t

    _check_lang(lang)
    rows = table if year is None else table[table["period_b"].astype(str) == str(year)]
    if len(rows) != 1:
        raise ParameterError("year", f"expected one compared year, got {len(rows)}; name a year")
    r = rows.iloc[0]
    prov = table.attrs.get("provenance", {})
    level = prov.get("level", 0.95)

    def num(v, d=1):
        return fmt_number(float(v), lang, decimals=d)

    p = float(r["p_value"])
    p_text = f"p {fmt_pvalue(p, lang)}" if p < 0.001 else f"p = {fmt_pvalue(p, lang)}"
    return t(
        "compare_sentence",
        lang,
        period=r["period_b"],
        n_b=fmt_number(r["count_b"], lang),
        rate=num(r["rate_b"]),
        unit=t(f"compare_unit_{'month' if r['unit'] == 'month' else 'year'}", lang),
        count_a=fmt_number(r["count_a"], lang),
        rate_a=num(r["rate_a"]),
        ratio=num(r["rate_ratio"], 2),
        ci=t("ci_label", lang, level=fmt_percent(level, lang)),
        lo=num(r["lower"], 2),
        hi=num(r["upper"], 2),
        p=p_text,
    )


def headline_figures(figures: pd.DataFrame, *, year: int = 2024, lang: str = "en") -> list[dict]:
    """Cards for ``Report.headline``: first year, ``year``, their rate ratio, malicious share.

    Examples
    --------
    >>> [c["value"] for c in headline_figures(read_figures())]
    ['319', '749', '×2.35', '47%']
    """
    from ..i18n import fmt_number, fmt_percent, t

    _check_lang(lang)
    fr = lang == "fr"
    cmp = compare_with_first_year(figures, year)
    r = cmp.iloc[0]
    first, later = _incident_count(figures, FIRST_YEAR), _incident_count(figures, str(year))
    mal = malicious_shares(figures, lang=lang)
    mal = mal[mal["period"].eq(FIRST_YEAR) & mal["n"].notna()].iloc[0]

    def cite(row):
        return f"{row['source_publisher']}, {source_date_text(row['source_date'], lang)}"

    def num(v, d=1):
        return fmt_number(float(v), lang, decimals=d)

    ci = t("ci_label", lang, level=fmt_percent(0.95, lang)) + " "
    return [
        {
            "value": fmt_number(r["count_a"], lang),
            "label": "incidents la première année (oct. 2017–sept. 2018)"
            if fr
            else "incidents in the first reporting year (Oct 2017–Sep 2018)",
            "ci": cite(first),
        },
        {
            "value": fmt_number(r["count_b"], lang),
            "label": f"incidents en {year}" if fr else f"incidents in {year}",
            "ci": cite(later),
        },
        {
            "value": f"×{num(r['rate_ratio'], 2)}",
            "label": (
                f"taux mensuel {year} / première année"
                if fr
                else f"monthly rate, {year} over the first year"
            )
            + f" ({t('headline.reports_not_attacks', lang)})",
            "ci": f"{ci}{num(r['lower'], 2)}–{num(r['upper'], 2)}",
        },  # fmt: skip
        {
            "value": fmt_percent(float(mal["share"]), lang, decimals=0),
            "label": "d'origine malveillante la première année"
            if fr
            else "of malicious origin in the first year",
            "ci": f"{ci}{fmt_percent(float(mal['lower']), lang, 1)}–"
            f"{fmt_percent(float(mal['upper']), lang, 1)} ; {cite(mal)}"
            if fr
            else f"{ci}{fmt_percent(float(mal['lower']), lang, 1)}–"
            f"{fmt_percent(float(mal['upper']), lang, 1)}; {cite(mal)}",
        },
    ]


def _value_text(row, lang: str) -> str:
    """A published value with its unit: "47%", "27 a month", "près de 500"."""
    from ..i18n import fmt_number

    unit = str(row["unit"]).lower()
    num = row["value_num"]
    if num is pd.NA or num != num or "text" in unit:
        return str(row["value_text"])
    decimals = 0 if float(num).is_integer() else 1
    text = fmt_number(float(num), lang, decimals=decimals)
    if unit == "percent":
        return text + ("\u202f%" if lang == "fr" else "%")
    if unit == "count/month":
        return text + (" par mois" if lang == "fr" else " a month")
    return text


def published_figures(figures: pd.DataFrame, *, fact_ids=None, metrics=None, lang: str = "en"):
    """Published figures as they were published, each with its source (no intervals).

    Parameters
    ----------
    figures : DataFrame
        The table from ``read_figures``.
    fact_ids, metrics : list of str, optional
        Which figures; by default all.
    lang : {"en", "fr"}

    Returns
    -------
    DataFrame
        ``period, period_label, measure, published, source_publisher, source_date,
        fact_id, source``.

    Examples
    --------
    >>> published_figures(read_figures(), fact_ids=["FR002", "FR003"])["published"].tolist()
    ['27 a month', '47%']
    """
    _check_lang(lang)
    _check_figures(figures)
    rows = figures
    if fact_ids is not None:
        rows = rows[rows["fact_id"].isin(list(fact_ids))]
    if metrics is not None:
        rows = rows[rows["metric"].isin([metrics] if isinstance(metrics, str) else list(metrics))]
    out = pd.DataFrame(
        {
            "period": rows["period"],
            "measure": rows["metric"].map(
                lambda m: METRIC_LABELS.get(m, {}).get(lang, str(m).replace("_", " "))
            ),
            "published": [_value_text(r, lang) for _, r in rows.iterrows()],
            **_source_columns(rows, lang),
            "status": [figure_status(r, lang) for _, r in rows.iterrows()],
            "note": [figure_note(r, figures, lang) for _, r in rows.iterrows()],
        }
    ).reset_index(drop=True)
    out.insert(1, "period_label", out["period"].map(lambda v: period_label(v, lang)))
    return _attach(out, figures, statistic="published_figures")


def annotated_figures(figures: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """The figures that need a note (derived, duplicated, undated end, sources that disagree).

    Returns
    -------
    DataFrame
        Like ``published_figures``, one row per annotated figure, with ``status`` and ``note``.

    Examples
    --------
    >>> sorted(annotated_figures(read_figures())["fact_id"])[:3]
    ['FR009', 'FR015', 'FR016']
    """
    _check_figures(figures)
    ids = figures.loc[figures["note"].notna() | figures["status"].ne("published"), "fact_id"]
    return published_figures(figures, fact_ids=list(ids), lang=lang)


def table_labels(lang: str = "en") -> dict[str, str]:
    """Column headers for the tables of this module, in ``lang``."""
    return dict(TABLE_LABELS[_check_lang(lang)])


def _as_of_text(as_of, lang: str) -> str:
    return source_date_text(as_of, lang) if as_of else "—"


def chart_caption(table: pd.DataFrame, *, lang: str = "en") -> str:
    """Caption for a chart of an aggregate: its notes, then source and as-of date."""
    _check_lang(lang)
    notes = list((table.attrs.get("notes") or {}).get(lang, []))
    prov = table.attrs.get("provenance", {})
    notes.append(
        TEXT[lang]["source"].format(
            source=DATASET_NAME[lang], as_of=_as_of_text(prov.get("as_of"), lang)
        )
    )
    return "\n".join(notes)


def report_provenance(figures: pd.DataFrame, *, lang: str | None = None) -> dict:
    """What the report's title page needs: dataset, as-of date, period covered, and more.

    With ``lang``, the dataset is named in that language (the title page shows it as is).
    """
    _check_figures(figures)
    prov = dict(figures.attrs.get("provenance", {}) or {})
    if lang is not None and prov.get("dataset") == DATASET:
        prov["dataset"] = f"{DATASET_NAME[_check_lang(lang)]}{TEXT[lang]['published_as']}"
    starts, ends = figures["period_start"].dropna(), figures["period_end"].dropna()
    period = {
        "start": starts.min().strftime("%Y-%m-%d") if len(starts) else None,
        "end": ends.max().strftime("%Y-%m-%d") if len(ends) else None,
    }
    return {**prov, "period": period, "figures": len(figures)}


def record_provenance(rep, provenance) -> dict:
    """Make ``provenance`` the report's data provenance (the title page reads it).

    ``provenance`` is a dict, or a figures table (``report_provenance`` is applied). It
    is set on the notebook's ``Report`` and written to ``output_dir/provenance.json``
    when the report has an output folder.
    """
    if isinstance(provenance, pd.DataFrame):
        prov = report_provenance(provenance, lang=getattr(rep, "lang", None))
    else:
        prov = dict(provenance)
    for key in ("dataset", "as_of", "period"):
        if key not in prov:
            raise ParameterError("provenance", f"missing {key!r}")
    rep.set_provenance(prov)
    return prov


def data_note(figures: pd.DataFrame, *, lang: str = "en"):
    """One line saying which figures, how many sources, which periods, as of when."""
    import html

    from ..notebook import HTMLBlock

    _check_lang(lang)
    prov = report_provenance(figures)
    period = prov.get("period") or {}
    text = TEXT[lang]["note"].format(
        dataset=DATASET_NAME[lang],
        rows=len(figures),
        sources=int(figures["source_url"].nunique()),
        start=_when(period.get("start"), lang),
        end=_when(period.get("end"), lang),
        as_of=_as_of_text(prov.get("as_of"), lang),
    )
    return HTMLBlock(f'<p class="provenance">{html.escape(text)}</p>')


def _title_text(title, lang: str) -> str:
    """A source's title; one rebuilt from the page address says so."""
    from ..i18n import t

    text = str(title)
    marker = " [title from URL slug]"
    if text.endswith(marker):
        return t("title_from_slug", lang, title=text[: -len(marker)])
    return text


def cited_sources(figures: pd.DataFrame, *tables, lang: str = "en") -> pd.DataFrame:
    """The sources behind the figures of ``tables`` (their ``fact_id`` columns).

    Returns
    -------
    DataFrame
        ``source_publisher, source_date, title, url, facts`` (the fact ids), one row per
        cited page, by publication date.

    Examples
    --------
    >>> fig = read_figures()
    >>> cited_sources(fig, yearly_counts(fig))["source_publisher"].tolist()
    ['Le Quotidien du Médecin', 'Next INpact', 'ANS / CERT Santé (cyberveille.esante.gouv.fr)', 'What’s up Doc']
    """
    _check_lang(lang)
    _check_figures(figures)
    ids: list[str] = []
    for table in tables:
        for col in [c for c in table.columns if str(c).startswith("fact_id")]:
            ids += [str(v) for v in table[col].dropna()]
    rows = figures[figures["fact_id"].isin(set(ids))]
    grouped = rows.groupby("source_url", sort=False)
    out = pd.DataFrame(
        {
            "source_publisher": grouped["source_publisher"].first(),
            "source_date": grouped["source_date"].first(),
            "title": grouped["source_title"].first().map(lambda v: _title_text(v, lang)),
            "facts": grouped["fact_id"].agg(lambda s: ", ".join(sorted(s))),
        }
    )
    out.insert(3, "url", out.index.astype("string"))
    out["_key"] = out["source_date"].fillna("").str.extract(r"(\d{4}(?:-\d{2})?(?:-\d{2})?)")[0]
    out = out.sort_values(["_key", "source_publisher"], kind="stable", na_position="first")
    out["source_date"] = out["source_date"].map(lambda v: source_date_text(v, lang))
    out = out.drop(columns="_key").reset_index(drop=True)
    return _attach(out, figures, statistic="cited_sources")
