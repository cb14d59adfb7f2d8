"""Display of statistics tables: numbers formatted for a language, headers translated,
and the provenance note beneath.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import i18n
from ..errors import ParameterError
from ..taxonomy import label


def _fmt_num(value: float, digits: int, lang: str) -> str:
    return i18n.fmt_number(value, lang, decimals=digits)


def _fmt_pct(value: float, digits: int, lang: str, sign: bool = False) -> str:
    # ``value`` is already in percent (9.2 for +9.2%)
    if pd.isna(value):
        return "–"
    return i18n.fmt_percent(float(value) / 100, lang, decimals=digits, sign=sign)


_check_lang = i18n.check_lang


def _level_of(table: pd.DataFrame) -> float:
    if "level" in table.columns and len(table) and pd.notna(table["level"].iloc[0]):
        return float(table["level"].iloc[0])
    return float((table.attrs.get("provenance", {}) or {}).get("level") or 0.95)


# --- display ------------------------------------------------------------------------

_MARGIN_COLUMNS = {
    "row": ("n_row",),
    "group": ("n", "n_total", "n_unknown"),
    "period": ("n", "n_total", "n_unknown"),
}
_LABEL_COLUMNS = ("value", "group", "row", "col", "row_value")
_ESTIMATES = ("share", "share_of_row", "rate", "rate_ratio", "odds_ratio", "fitted")


def _fmt_p(p: float, lang: str) -> str:
    return i18n.fmt_pvalue(p, lang)


def _fmt_cell(v, lang: str, digits: int) -> str:
    if v is None or (not isinstance(v, str | list) and pd.isna(v)):
        return "–"
    if isinstance(v, bool | np.bool_):
        return i18n.t("bool.true" if v else "bool.false", lang)
    if isinstance(v, int | np.integer):
        return _fmt_num(float(v), 0, lang)
    if isinstance(v, float | np.floating):
        v = float(v)
        if 0 < abs(v) < 1:  # small values keep three significant digits
            text = f"{v:.3g}"
            return text.replace(".", ",") if lang == "fr" else text
        return _fmt_num(v, 0 if v.is_integer() else digits, lang)
    if isinstance(v, pd.Timestamp | pd.Period):
        return i18n.fmt_period(v, lang) if isinstance(v, pd.Period) else i18n.fmt_date(v, lang)
    if isinstance(v, str) and f"value.{v}" in i18n.STRINGS:
        return i18n.t(f"value.{v}", lang)
    return str(v)


def _header(col, lang: str) -> str:
    key = f"header.{col}"
    return i18n.t(key, lang) if lang != "en" and key in i18n.STRINGS else col


def _records_display(table: pd.DataFrame, lang: str, digits: int) -> pd.DataFrame:
    """The record-size table in words: statistic names, notes and values in ``lang``."""
    prov = table.attrs.get("provenance", {}) or {}
    k = _fmt_num(float(prov.get("top_k") or 10), 0, lang)
    level = _fmt_pct(100 * float(prov.get("level") or 0.95), 0, lang)
    names, notes, values = [], [], []
    for stat, value in zip(table["statistic"], table["value"], strict=True):
        stat = str(stat)
        if stat.startswith("p") and stat[1:].isdigit():
            q = _fmt_pct(float(stat[1:]), 0, lang)
            names.append(i18n.t("records.quantile", lang, q=stat[1:]))
            notes.append(i18n.t("records.quantile_note", lang, q=q))
        elif f"records.{stat}" in i18n.STRINGS:
            names.append(i18n.t(f"records.{stat}", lang))
            note_key = {"median_lower": "median_ci", "median_upper": "median_ci",
                        "median": "quantile"}.get(stat, stat)  # fmt: skip
            if note_key == "quantile":
                notes.append(i18n.t("records.quantile_note", lang, q=_fmt_pct(50, 0, lang)))
            else:
                notes.append(i18n.t(f"records.{note_key}_note", lang, k=k, level=level))
        else:
            names.append(stat)
            notes.append("")
        if stat == "top_k_share":
            values.append(_fmt_pct(100 * value, digits, lang))
        else:
            values.append(_fmt_cell(value, lang, 0))
    return pd.DataFrame({"statistic": names, "value": values, "note": notes}, index=table.index)


def format_table(table: pd.DataFrame, lang: str = "en", *, digits: int = 1):
    """A statistics table formatted for reading: percentages, intervals, n, provenance.

    Shares become percentages with their interval in one column ("41.6–52.5%"),
    rates and ratios get their interval the same way, p-values read "<0.001",
    taxonomy codes become labels, and the caption gives source, as-of date and n.

    Parameters
    ----------
    table : DataFrame
        Any table from this module (others are formatted generically).
    lang : {"en", "fr"}
    digits : int

    Returns
    -------
    pandas.io.formats.style.Styler
        Call ``.to_html()`` for HTML; JupyterLab shows it directly.

    Examples
    --------
    >>> from incidentstats.stats import proportion_table
    >>> styler = format_table(proportion_table(150, 319, labels="malicious"))
    >>> styler.data[["value", "share", "95% CI"]].to_dict("records")
    [{'value': 'Malicious', 'share': '47.0%', '95% CI': '41.6–52.5%'}]
    """
    _check_lang(lang)
    level = _level_of(table)
    ci_name = i18n.t("ci_label", lang, level=_fmt_pct(level * 100, 0, lang))
    prov = table.attrs.get("provenance", {}) or {}
    if prov.get("statistic") == "records_summary" and {"statistic", "value"} <= set(table.columns):
        disp = _records_display(table, lang, digits)
        return _styled(disp, prov, lang)
    disp = pd.DataFrame(index=table.index)
    estimate = next((e for e in _ESTIMATES if e in table.columns), None)
    has_ci = estimate is not None and {"lower", "upper"} <= set(table.columns)
    for col in table.columns:
        series = table[col]
        if col in ("lower", "upper", "pct_lower", "pct_upper") and (
            has_ci or col.startswith("pct")
        ):
            continue
        if col in ("share", "share_of_row", "share_first", "share_last"):
            disp[col] = [_fmt_pct(100 * v, digits, lang) for v in series]
            if col == estimate and has_ci:
                disp[ci_name] = [
                    "–"
                    if pd.isna(lo)
                    else f"{_fmt_num(100 * lo, digits, lang)}–{_fmt_pct(100 * hi, digits, lang)}"
                    for lo, hi in zip(table["lower"], table["upper"], strict=True)
                ]
        elif col == estimate and has_ci:
            d = 2 if col in ("rate_ratio", "odds_ratio") else digits
            disp[col] = [_fmt_cell(float(v), lang, d) if pd.notna(v) else "–" for v in series]
            disp[ci_name] = [
                "–" if pd.isna(lo) else f"{_fmt_num(lo, d, lang)}–{_fmt_num(hi, d, lang)}"
                for lo, hi in zip(table["lower"], table["upper"], strict=True)
            ]
        elif col == "pct_change":
            disp[col] = [_fmt_pct(v, 0, lang, sign=True) for v in series]
            if {"pct_lower", "pct_upper"} <= set(table.columns):
                word = "à" if lang == "fr" else "to"
                disp[col] = [
                    est
                    if pd.isna(lo)
                    else f"{est} ({_fmt_pct(lo, 0, lang, True)} {word} {_fmt_pct(hi, 0, lang, True)})"
                    for est, lo, hi in zip(
                        disp[col], table["pct_lower"], table["pct_upper"], strict=True
                    )
                ]
        elif col == "level":
            disp[col] = [_fmt_pct(100 * v, 0, lang) for v in series]
        elif "p_value" in col or col == "fisher_p":
            disp[col] = [_fmt_p(v, lang) for v in series]
        elif col in _LABEL_COLUMNS:
            disp[col] = [
                label(v, lang) if isinstance(v, str) else _fmt_cell(v, lang, digits) for v in series
            ]
        else:
            disp[col] = [_fmt_cell(v, lang, digits) for v in series]
    return _styled(disp, prov, lang)


def _styled(disp: pd.DataFrame, prov: dict, lang: str):
    """The display table with headers in ``lang`` and a caption: source, as-of date, n."""
    disp = disp.rename(columns={c: _header(c, lang) for c in disp.columns})
    parts = []
    if prov.get("source") or prov.get("dataset"):
        src = i18n.source_name(prov.get("source"), prov.get("dataset"), lang)
        parts.append(i18n.t("caption_source", lang, source=src))
    if prov.get("as_of"):
        as_of = prov["as_of"]
        try:
            as_of = i18n.fmt_date(as_of, lang)
        except ParameterError:
            as_of = str(as_of)
        parts.append(i18n.t("caption_as_of", lang, date=as_of))
    if prov.get("n") is not None:
        parts.append(f"n = {_fmt_num(float(prov['n']), 0, lang)}")
    if prov.get("filters"):
        parts.append(i18n.t("caption_filters", lang, filters=str(prov["filters"])))
    styler = disp.style.hide(axis="index").format(escape="html")
    if parts:
        styler = styler.set_caption(" · ".join(parts))
    return styler
