"""Words and number formats shown to readers, in English and French, without system locales.

Category and organisation names live in ``taxonomy.LABELS``; this module holds the rest.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers

import pandas as pd

from .errors import ParameterError

__all__ = [
    "LANGS",
    "NNBSP",
    "NBSP",
    "check_lang",
    "fmt_date",
    "fmt_interval",
    "fmt_method",
    "fmt_month",
    "fmt_number",
    "fmt_percent",
    "fmt_period",
    "fmt_span",
    "month_name",
    "source_name",
    "t",
]

LANGS: tuple[str, ...] = ("en", "fr")

#: Narrow no-break space: French thousands separator and space before ``%``.
NNBSP = "\u202f"
#: No-break space: French space before ``:``.
NBSP = "\u00a0"
_MINUS = "\u2212"
_DASH = "\u2013"
_MISSING = _DASH

_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
_MONTHS_SHORT = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    # Abbreviations of the Imprimerie nationale / BnF.
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
}

_C = NBSP  # French space before a colon, kept short for the table below

#: UI strings: key -> {lang: text}; ``{name}`` fields are filled by :func:`t`.
STRINGS: dict[str, dict[str, str]] = {
    # counts
    "incidents": {"en": "Incidents", "fr": "Incidents"},
    "incidents_per_Y": {"en": "incidents per year", "fr": "incidents par an"},
    "incidents_per_Q": {"en": "incidents per quarter", "fr": "incidents par trimestre"},
    "incidents_per_M": {"en": "incidents per month", "fr": "incidents par mois"},
    "incidents_reported": {"en": "Incidents reported", "fr": "Incidents signalés"},
    "incomplete_period": {
        "en": "Incomplete period (partial data)",
        "fr": "Période incomplète (données partielles)",
    },
    "rolling_Y": {"en": "{k}-year moving average", "fr": "Moyenne mobile sur {k} ans"},
    "rolling_Q": {"en": "{k}-quarter moving average", "fr": "Moyenne mobile sur {k} trimestres"},
    "rolling_M": {"en": "{k}-month moving average", "fr": "Moyenne mobile sur {k} mois"},
    "trend": {"en": "Trend (model fit)", "fr": "Tendance (modèle ajusté)"},
    "trend_band": {"en": "Trend, {level} interval", "fr": "Tendance, intervalle à {level}"},
    "trend_note": {"en": "Trend: {model}.", "fr": f"Tendance{_C}: {{model}}."},
    "trend_note_periods": {
        "en": "Trend: {model} fitted to {periods}.",
        "fr": f"Tendance{_C}: {{model}} ajustée sur {{periods}}.",
    },
    "incomplete_note": {
        "en": "Hatched bars: periods only partly covered by the data.",
        "fr": f"Barres hachurées{_C}: périodes couvertes en partie seulement par les données.",
    },
    "rolling_note": {
        "en": "The moving average leaves incomplete periods out.",
        "fr": "La moyenne mobile ne tient pas compte des périodes incomplètes.",
    },
    # data warnings (codes of ``vintage.TEMPLATES``; values are dates, file names, numbers)
    "data_warnings": {"en": "Data warnings", "fr": "Avertissements sur les données"},
    "no_data_warnings": {
        "en": "None: the data raise no warning.",
        "fr": f"Aucun{_C}: les données ne font l'objet d'aucun avertissement.",
    },
    "warning_not_a_census": {
        "en": "{file} is an HHS under-investigation list (as of {as_of}): it holds the open "
        "cases of roughly the last 24 months, not every breach, so every period from {start} "
        "to {end} is partial. Load it with the archive of the same date for a census.",
        "fr": f"{{file}} est une liste HHS des dossiers en cours d'instruction (au {{as_of}}){_C}: "
        "elle ne contient que les dossiers ouverts des 24 derniers mois environ, pas toutes "
        "les violations ; chaque période du {start} au {end} est donc partielle. Chargez-la "
        "avec l'archive de même date pour un recensement complet.",
    },
    "warning_closed_only": {
        "en": "{file} is an HHS archive (as of {as_of}): it holds closed cases only, and the "
        "breaches of its last 24 months that were still open are missing, so {start} to "
        "{end} is partial. Load it with the under-investigation list of the same date.",
        "fr": f"{{file}} est une archive HHS (au {{as_of}}){_C}: elle ne contient que les "
        "dossiers clos, et les violations de ses 24 derniers mois encore en cours "
        "d'instruction y manquent ; la période du {start} au {end} est donc partielle. "
        "Chargez-la avec la liste des dossiers en cours de même date.",
    },
    "warning_mixed_vintages": {
        "en": "the inputs are exports of different dates ({files}); breaches reported after "
        "{census} and closed before {latest} are in none of them, so {start} to {end} is "
        "partial.",
        "fr": "les fichiers d'entrée sont des extractions de dates différentes ({files}) ; "
        "les violations signalées après le {census} et closes avant le {latest} ne figurent "
        f"dans aucun d'eux{_C}: la période du {{start}} au {{end}} est donc partielle.",
    },
    "not_measurable_note": {
        "en": "Not measurable (left empty): {value} in {periods}, where fewer than half of "
        "the incidents have a {field}.",
        "fr": f"Non mesurable (laissé vide){_C}: {{value}} en {{periods}}, où moins de la "
        "moitié des incidents ont une {field}.",
    },
    "warning_not_measurable": {
        "en": "the share of {value} is not measurable in {periods}: {value} is detected from "
        "the {field}, which fewer than half of the incidents there have (coverage "
        "{coverage}); share and interval are left empty rather than shown as 0%.",
        "fr": f"la part de {{value}} n'est pas mesurable en {{periods}}{_C}: {{value}} est "
        "repéré dans le champ {field}, que moins de la moitié des incidents renseignent "
        "(couverture {coverage}) ; la part et son intervalle sont laissés vides plutôt "
        f"qu'affichés à 0{NNBSP}%.",
    },
    "denominator": {
        "en": "Incidents per period (denominator): {lo} to {hi}",
        "fr": f"Incidents par période (dénominateur){_C}: de {{lo}} à {{hi}}",
    },
    "denominator_one": {
        "en": "Incidents per period (denominator): {n}",
        "fr": f"Incidents par période (dénominateur){_C}: {{n}}",
    },
    # shares
    "share_of_incidents": {"en": "Share of incidents", "fr": "Part des incidents"},
    "share_of_row": {"en": "Share of the row's incidents", "fr": "Part des incidents de la ligne"},
    "n": {"en": "n = {n}", "fr": "n = {n}"},
    "n_incidents": {"en": "n = {n} incidents", "fr": "n = {n} incidents"},
    "n_incidents_one": {"en": "n = {n} incident", "fr": "n = {n} incident"},
    "n_unknown_excluded": {
        "en": "{k} of unknown value left out",
        "fr": "{k} de valeur inconnue exclus",
    },
    "n_unknown_excluded_one": {
        "en": "{k} of unknown value left out",
        "fr": "{k} de valeur inconnue exclu",
    },
    "error_bars": {"en": "error bars: {method}", "fr": f"barres d'erreur{_C}: {{method}}"},
    "band": {"en": "band: {method}", "fr": f"bande{_C}: {{method}}"},
    "multi_valued_note": {
        "en": "An incident can fall in several categories, so shares add up to more than 100%.",
        "fr": f"Un incident peut relever de plusieurs catégories{_C}: "
        f"la somme des parts dépasse 100{NNBSP}%.",
    },
    "mentions_note": {
        "en": "An incident in several categories counts once in each: the chart shows shares of mentions.",
        "fr": f"Un incident classé dans plusieurs catégories compte dans chacune{_C}: "
        "le graphique montre des parts de mentions.",
    },
    "share_of_mentions": {"en": "Share of mentions", "fr": "Part des mentions"},
    "hatched_band_incomplete": {
        "en": "Hatched bands: periods only partly covered by the data.",
        "fr": f"Bandes hachurées{_C}: périodes couvertes en partie seulement par les données.",
    },
    "open_markers_incomplete": {
        "en": "Open markers: periods only partly covered by the data.",
        "fr": f"Marqueurs vides{_C}: périodes couvertes en partie seulement par les données.",
    },
    "n_on_top": {
        "en": "Numbers above bars: incidents (n).",
        "fr": f"Nombres au-dessus{_C}: incidents (n).",
    },
    # titles ({span} is "2009–2015" or empty)
    "title_shares": {"en": "Share of incidents by {what}", "fr": "Part des incidents par {what}"},
    "title_shares_by_group": {
        "en": "Share of incidents by {what} within each {within}",
        "fr": "Part des incidents par {what} et par {within}",
    },
    "title_counts": {"en": "Incidents per {freq}", "fr": "Incidents par {freq}"},
    "title_mix": {
        "en": "Share of incidents by {what}, per {freq}",
        "fr": "Part des incidents par {what} et par {freq}",
    },
    "title_ratio": {
        "en": "Share of incidents over time",
        "fr": "Évolution de la part des incidents",
    },
    "title_ratio_of": {
        "en": "Share of incidents: {what}",
        "fr": f"Part des incidents{_C}: {{what}}",
    },
    "title_heatmap": {
        "en": "Incidents by {what} and {freq}",
        "fr": "Incidents par {what} et par {freq}",
    },
    "title_records": {
        "en": "Records affected per incident",
        "fr": "Enregistrements touchés par incident",
    },
    "title_crosstab": {
        "en": "Incidents by {rows} and {cols}",
        "fr": "Incidents par {rows} et {cols}",
    },
    "title_span": {"en": "{title}, {span}", "fr": "{title}, {span}"},
    # frequencies as nouns after "per"/"par"
    "freq_Y": {"en": "year", "fr": "an"},
    "freq_Q": {"en": "quarter", "fr": "trimestre"},
    "freq_M": {"en": "month", "fr": "mois"},
    "quarter_label": {"en": "Q{q} {year}", "fr": "T{q} {year}"},
    # what a table is about (column names)
    "what_categories": {"en": "category", "fr": "catégorie"},
    "what_category": {"en": "category", "fr": "catégorie"},
    "what_origin": {"en": "origin", "fr": "origine"},
    "what_organisation_type": {"en": "organisation type", "fr": "type de structure"},
    "what_region": {"en": "region", "fr": "région"},
    "what_country": {"en": "country", "fr": "pays"},
    "what_locations": {"en": "location of the data", "fr": "support des données"},
    "what_impacts": {"en": "impact", "fr": "impact"},
    "what_value": {"en": "value", "fr": "valeur"},
    # records
    "records_axis": {
        "en": "Records affected (log scale)",
        "fr": "Enregistrements touchés (échelle logarithmique)",
    },
    "records_hist_y": {"en": "Incidents", "fr": "Incidents"},
    "records_ecdf_y": {"en": "Cumulative share of incidents", "fr": "Part cumulée des incidents"},
    "median": {"en": "Median: {value}", "fr": f"Médiane{_C}: {{value}}"},
    "records_n": {
        "en": "n = {n} incidents with a known number of records",
        "fr": "n = {n} incidents au nombre d'enregistrements connu",
    },
    "records_n_one": {
        "en": "n = {n} incident with a known number of records",
        "fr": "n = {n} incident au nombre d'enregistrements connu",
    },
    "records_missing": {"en": "{k} unknown", "fr": "{k} inconnus"},
    "records_missing_one": {"en": "{k} unknown", "fr": "{k} inconnu"},
    "records_nonpositive": {
        "en": "{k} with zero records not shown",
        "fr": "{k} à zéro non montrés",
    },
    "records_nonpositive_one": {
        "en": "{k} with zero records not shown",
        "fr": "{k} à zéro non montré",
    },
    # heatmap
    "other_rows": {"en": "All other ({k})", "fr": "Tous les autres ({k})"},
    "partial_mark": {
        "en": "* period only partly covered by the data.",
        "fr": f"*{NBSP}période couverte en partie seulement par les données.",
    },
    "heatmap_counts": {"en": "Incidents", "fr": "Incidents"},
    "other_rows_note": {
        "en": "Last row: the other {k} added up (coloured on the same scale, capped).",
        "fr": f"Dernière ligne{_C}: les {{k}} autres additionnés (même échelle de couleur, plafonnée).",
    },
    "crosstab_note": {
        "en": "Each cell: share of the row's incidents; n = incidents in the row.",
        "fr": f"Chaque case{_C}: part des incidents de la ligne{NNBSP}; n = incidents de la ligne.",
    },
    "placeholder_note": {
        "en": "{k} incidents report exactly 500 or 501 records, a placeholder rather than a count.",
        "fr": f"{{k}} incidents déclarent exactement 500 ou 501 enregistrements{_C}: "
        "une valeur par défaut plutôt qu'un décompte.",
    },
    "placeholder_note_one": {
        "en": "{k} incident reports exactly 500 or 501 records, a placeholder rather than a count.",
        "fr": f"{{k}} incident déclare exactement 500 ou 501 enregistrements{_C}: "
        "une valeur par défaut plutôt qu'un décompte.",
    },
    # provenance
    "source": {"en": "Source: {source}", "fr": f"Source{_C}: {{source}}"},
    "as_of": {"en": "data as of {date}", "fr": "données au {date}"},
    "source_caption": {
        "en": "Source: {source} · data as of {date}",
        "fr": f"Source{_C}: {{source}} · données au {{date}}",
    },
    "confidence_intervals": {
        "en": "{level} {method} confidence intervals",
        "fr": "intervalles de confiance {method} à {level}",
    },
    "intervals": {"en": "{level} confidence intervals", "fr": "intervalles de confiance à {level}"},
    "interval_band": {
        "en": "{level} confidence interval",
        "fr": "intervalle de confiance à {level}",
    },
}

_CI_NAMES = {
    "wilson": {"en": "Wilson", "fr": "de Wilson"},
    "clopper-pearson": {"en": "Clopper–Pearson", "fr": "de Clopper–Pearson"},
    "beta": {"en": "Clopper–Pearson", "fr": "de Clopper–Pearson"},
    "jeffreys": {"en": "Jeffreys", "fr": "de Jeffreys"},
}

#: Count models named by ``stats`` (provenance ``model``), as a reader reads them.
MODEL_NAMES: dict[str, dict[str, str]] = {
    "negative binomial": {
        "en": "negative binomial regression",
        "fr": "régression binomiale négative",
    },
    "poisson": {"en": "Poisson regression", "fr": "régression de Poisson"},
    "quasi-poisson": {"en": "quasi-Poisson regression", "fr": "régression de quasi-Poisson"},
}

#: Short names of known sources, for captions.
SOURCE_NAMES: dict[str, dict[str, str]] = {
    "hhs": {"en": "HHS OCR breach portal", "fr": "portail des violations HHS OCR (États-Unis)"},
    "vcdb": {"en": "VERIS Community Database (VCDB)", "fr": "VERIS Community Database (VCDB)"},
    "prc": {
        "en": "Privacy Rights Clearinghouse breach chronology",
        "fr": "chronologie des violations de Privacy Rights Clearinghouse",
    },
    "france": {
        "en": "French health-sector incident reports (ANS observatory)",
        "fr": "Observatoire des signalements d'incidents de sécurité (ANS)",
    },
}


def check_lang(lang) -> str:
    """Return ``lang`` if it is a supported language, else raise ``ParameterError``.

    Examples
    --------
    >>> check_lang("fr")
    'fr'
    """
    if lang not in LANGS:
        raise ParameterError("lang", f"expected one of {', '.join(map(repr, LANGS))}, got {lang!r}")
    return lang


def t(key: str, lang: str = "en", *, count=None, **fields) -> str:
    """Return the UI string ``key`` in ``lang``, with ``{fields}`` filled in.

    Parameters
    ----------
    key : str
        A key of ``STRINGS`` (an unknown key is a bug and raises ``KeyError``).
    lang : {"en", "fr"}
    count : number, optional
        What the string counts: the singular form ``key + "_one"`` is used, when it
        exists, for 1 in English and for 0 or 1 in French.
    **fields
        Values for the ``{name}`` fields of the string, already formatted.

    Examples
    --------
    >>> t("incidents_per_M", "fr")
    'incidents par mois'
    >>> t("n_incidents", "en", n=fmt_number(1151, "en"))
    'n = 1,151 incidents'
    >>> t("records_missing", "fr", count=1, k="1")
    '1 inconnu'
    """
    check_lang(lang)
    if count is not None and f"{key}_one" in STRINGS:
        singular = abs(count) < 2 if lang == "fr" else abs(count) == 1
        key = f"{key}_one" if singular else key
    text = STRINGS[key][lang]
    return text.format(**fields) if fields else text


def _is_missing(x) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, numbers.Real) and math.isnan(x))
    except TypeError:
        return False


def fmt_number(x, lang: str = "en", decimals: int | None = None) -> str:
    """Format a number with the thousands and decimal separators of ``lang``.

    English: ``1,151.5``; French: ``1 151,5`` with a narrow no-break space (U+202F)
    between thousands. Negative numbers take a true minus sign (U+2212). Missing
    values give an en dash.

    Parameters
    ----------
    x : number
    lang : {"en", "fr"}
    decimals : int, optional
        Digits after the decimal separator; by default 0 for whole numbers and 1 otherwise.

    Examples
    --------
    >>> fmt_number(1151, "en"), fmt_number(26.6, "en"), fmt_number(26.6, "fr")
    ('1,151', '26.6', '26,6')
    >>> fmt_number(1151, "fr") == "1\\u202f151"
    True
    >>> fmt_number(-0.4, "en", decimals=0), fmt_number(-1234.56, "fr", decimals=1) == "\u22121\u202f234,6"
    ('0', True)
    """
    check_lang(lang)
    if _is_missing(x):
        return _MISSING
    x = float(x)
    if math.isinf(x):
        return ("−" if x < 0 else "") + "∞"
    if decimals is None:
        decimals = 0 if float(x).is_integer() else 1
    if decimals < 0:
        raise ParameterError("decimals", f"expected a whole number >= 0, got {decimals!r}")
    text = f"{abs(x):,.{decimals}f}"
    if text.strip("0.,") == "":  # -0.0 rounds to zero: no sign
        x = 0.0
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return (_MINUS if x < 0 else "") + text


def fmt_percent(p, lang: str = "en", decimals: int = 0) -> str:
    """Format a proportion (0.47) as a percentage: ``47%`` or ``47 %`` (U+202F in French).

    Examples
    --------
    >>> fmt_percent(0.47, "en"), fmt_percent(0.4159, "en", decimals=1)
    ('47%', '41.6%')
    >>> fmt_percent(0.47, "fr") == "47\\u202f%"
    True
    """
    check_lang(lang)
    if _is_missing(p):
        return _MISSING
    number = fmt_number(float(p) * 100, lang, decimals=decimals)
    return number + (f"{NNBSP}%" if lang == "fr" else "%")


def fmt_interval(lo, hi, lang: str = "en", decimals: int = 1) -> str:
    """Format a confidence interval of proportions: ``41.6%–52.5%`` / ``41,6 %–52,5 %``.

    Examples
    --------
    >>> fmt_interval(0.4159, 0.5248, "en")
    '41.6%–52.5%'
    >>> fmt_interval(0.4159, 0.5248, "fr") == "41,6\\u202f%–52,5\\u202f%"
    True
    """
    return f"{fmt_percent(lo, lang, decimals)}{_DASH}{fmt_percent(hi, lang, decimals)}"


def month_name(m: int, lang: str = "en", *, short: bool = False) -> str:
    """Name of month ``m`` (1–12): ``February`` / ``février``; ``short=True``: ``Feb`` / ``févr.``.

    Examples
    --------
    >>> month_name(2, "fr"), month_name(2, "en", short=True), month_name(7, "fr", short=True)
    ('février', 'Feb', 'juil.')
    """
    check_lang(lang)
    if not isinstance(m, numbers.Integral) or not 1 <= int(m) <= 12:
        raise ParameterError("month", f"expected a whole number from 1 to 12, got {m!r}")
    return (_MONTHS_SHORT if short else _MONTHS)[lang][int(m) - 1]


def _timestamp(ts, name: str = "date") -> pd.Timestamp:
    if isinstance(ts, pd.Period):
        return ts.start_time
    try:
        out = pd.Timestamp(ts)
    except (TypeError, ValueError) as error:
        raise ParameterError(name, f"expected a date, got {ts!r}") from error
    if out is pd.NaT:
        raise ParameterError(name, f"expected a date, got {ts!r}")
    return out


def fmt_date(ts, lang: str = "en") -> str:
    """Format a date in full: ``26 February 2015`` / ``26 février 2015`` (``1er`` in French).

    Accepts a ``Timestamp``, ``date``, ``datetime`` or ISO string; no system locale used.

    Examples
    --------
    >>> fmt_date("2015-02-26", "en"), fmt_date("2015-02-26", "fr")
    ('26 February 2015', '26 février 2015')
    >>> fmt_date("2015-03-01", "fr")
    '1er mars 2015'
    """
    check_lang(lang)
    if _is_missing(ts):
        return _MISSING
    ts = _timestamp(ts)
    day = "1er" if (lang == "fr" and ts.day == 1) else str(ts.day)
    return f"{day} {month_name(ts.month, lang)} {ts.year}"


def fmt_month(ts, lang: str = "en", *, short: bool = True) -> str:
    """Format a month: ``Feb 2015`` / ``févr. 2015`` (``short=False``: ``February 2015``).

    Examples
    --------
    >>> fmt_month("2015-02-26", "fr"), fmt_month("2015-02-26", "en", short=False)
    ('févr. 2015', 'February 2015')
    """
    check_lang(lang)
    ts = _timestamp(ts)
    return f"{month_name(ts.month, lang, short=short)} {ts.year}"


def fmt_period(period, lang: str = "en") -> str:
    """Format a pandas ``Period``: ``2014``, ``Q1 2014`` / ``T1 2014``, ``Jan 2014`` / ``janv. 2014``.

    Anything else that is a date is formatted with :func:`fmt_date`; other values with ``str``.

    Examples
    --------
    >>> fmt_period(pd.Period("2014Q1"), "fr"), fmt_period(pd.Period("2014-01", "M"), "fr")
    ('T1 2014', 'janv. 2014')
    """
    check_lang(lang)
    if isinstance(period, pd.Period):
        freq = period.freqstr.upper()
        if freq.startswith(("Y", "A")):
            return str(period.year)
        if freq.startswith("Q"):
            return t("quarter_label", lang, q=period.quarter, year=period.year)
        if freq.startswith("M"):
            return fmt_month(period.start_time, lang)
        return fmt_date(period.start_time, lang)
    if isinstance(period, numbers.Integral):
        return str(period)
    if isinstance(period, _dt.date | pd.Timestamp):
        return fmt_date(period, lang)
    return str(period)


def fmt_span(first, last) -> str:
    """Years covered, ``2009–2015`` (or ``2014`` for one year); same in both languages.

    Examples
    --------
    >>> fmt_span("2009-10-21", pd.Timestamp("2015-02-26"))
    '2009–2015'
    """
    y0, y1 = _timestamp(first).year, _timestamp(last).year
    return str(y0) if y0 == y1 else f"{y0}{_DASH}{y1}"


def fmt_method(method: str, lang: str = "en") -> str:
    """Describe an interval method as written by ``stats`` (e.g. ``"wilson 95%"``).

    Examples
    --------
    >>> fmt_method("wilson 95%", "en")
    '95% Wilson confidence intervals'
    >>> fmt_method("wilson 95%", "fr") == "intervalles de confiance de Wilson à 95\\u202f%"
    True
    >>> fmt_method("90%", "en")
    '90% confidence intervals'

    """
    check_lang(lang)
    name, level = None, None
    for part in str(method).replace("_", " ").split():
        if part.lower() in _CI_NAMES:
            name = part.lower()
            continue
        try:
            level = float(part.rstrip("%")) / 100
        except ValueError:
            continue
    if level is None:
        level = 0.95 if name else None
    if level is None:
        return str(method)
    level_text = fmt_percent(level, lang, decimals=0 if round(level * 100, 6).is_integer() else 1)
    if name:
        return t("confidence_intervals", lang, level=level_text, method=_CI_NAMES[name][lang])
    return t("intervals", lang, level=level_text)


def source_name(source, dataset=None, lang: str = "en") -> str:
    """Short reader-facing name of a data source, from provenance ``source``/``dataset``.

    Examples
    --------
    >>> source_name("hhs", None, "en")
    'HHS OCR breach portal'
    >>> source_name("x", "My list, as of 2020 (copy)", "en")
    'My list'
    """
    check_lang(lang)
    if isinstance(source, list | tuple):
        return " + ".join(source_name(s, None, lang) for s in source)
    if source in SOURCE_NAMES:
        return SOURCE_NAMES[source][lang]
    if dataset:
        return str(dataset).split(",")[0].split(" (")[0].strip()
    return str(source) if source else ""
