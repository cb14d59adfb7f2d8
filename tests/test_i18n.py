"""Tests for i18n: UI strings and number, percent, interval and date formats in en/fr."""

from __future__ import annotations

import datetime as dt
import doctest
import re

import numpy as np
import pandas as pd
import pytest

from incidentstats import i18n
from incidentstats.errors import ParameterError
from incidentstats.i18n import (
    NNBSP,
    fmt_date,
    fmt_interval,
    fmt_method,
    fmt_month,
    fmt_number,
    fmt_percent,
    fmt_period,
    fmt_span,
    month_name,
    source_name,
    t,
)


def test_docstring_examples_run():
    result = doctest.testmod(i18n, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


@pytest.mark.parametrize(
    ("x", "lang", "decimals", "expected"),
    [
        (1151, "en", None, "1,151"),
        (1151, "fr", None, f"1{NNBSP}151"),
        (26.6, "en", None, "26.6"),
        (26.6, "fr", None, "26,6"),
        (1234567.891, "en", 2, "1,234,567.89"),
        (1234567.891, "fr", 2, f"1{NNBSP}234{NNBSP}567,89"),
        (999, "fr", None, "999"),
        (0, "fr", 1, "0,0"),
        (-1500, "en", None, "\u22121,500"),
        (-0.04, "en", 1, "0.0"),  # rounds to zero: no minus sign
        (np.int64(42), "fr", None, "42"),
        (2.5, "en", 0, "2"),  # round half to even, as Python does
    ],
)
def test_fmt_number(x, lang, decimals, expected):
    assert fmt_number(x, lang, decimals=decimals) == expected


def test_fmt_number_missing_values_are_a_dash():
    for missing in (None, float("nan"), np.nan, pd.NA):
        assert fmt_number(missing, "fr") == "\u2013"
    assert fmt_percent(None, "en") == "\u2013"


@pytest.mark.parametrize(
    ("p", "lang", "decimals", "expected"),
    [
        (0.47, "en", 0, "47%"),
        (0.47, "fr", 0, f"47{NNBSP}%"),
        (0.4159, "en", 1, "41.6%"),
        (0.4159, "fr", 1, f"41,6{NNBSP}%"),
        (1.0, "fr", 0, f"100{NNBSP}%"),
        (0.0, "en", 0, "0%"),
        (12.5, "en", 0, "1,250%"),
    ],
)
def test_fmt_percent(p, lang, decimals, expected):
    assert fmt_percent(p, lang, decimals=decimals) == expected


def test_fmt_interval():
    assert fmt_interval(0.4159, 0.5248, "en") == "41.6%\u201352.5%"
    assert fmt_interval(0.4159, 0.5248, "fr") == f"41,6{NNBSP}%\u201352,5{NNBSP}%"
    assert fmt_interval(0.4159, 0.5248, "en", decimals=0) == "42%\u201352%"


def test_month_names_in_both_languages():
    fr = [month_name(m, "fr") for m in range(1, 13)]
    assert fr == [
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
    ]
    assert month_name(12, "en") == "December"
    assert month_name(9, "en", short=True) == "Sep"
    assert month_name(2, "fr", short=True) == "févr."
    with pytest.raises(ParameterError, match="month"):
        month_name(13, "en")
    with pytest.raises(ParameterError, match="month"):
        month_name(0, "fr")


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("2015-02-26", "en", "26 February 2015"),
        ("2015-02-26", "fr", "26 février 2015"),
        (pd.Timestamp("2014-08-01"), "fr", "1er août 2014"),
        (pd.Timestamp("2014-08-01"), "en", "1 August 2014"),
        (dt.date(2020, 12, 31), "fr", "31 décembre 2020"),
        (dt.datetime(2021, 3, 5, 14, 30), "en", "5 March 2021"),
    ],
)
def test_fmt_date_without_locale(value, lang, expected):
    assert fmt_date(value, lang) == expected


def test_fmt_date_rejects_non_dates():
    with pytest.raises(ParameterError, match="date"):
        fmt_date("not a date", "en")
    assert fmt_date(None, "en") == "\u2013"


def test_fmt_period_and_month():
    assert fmt_period(pd.Period("2014", freq="Y"), "fr") == "2014"
    assert fmt_period(pd.Period("2014Q3"), "en") == "Q3 2014"
    assert fmt_period(pd.Period("2014Q3"), "fr") == "T3 2014"
    assert fmt_period(pd.Period("2014-07", freq="M"), "fr") == "juil. 2014"
    assert fmt_period(pd.Period("2014-07", freq="M"), "en") == "Jul 2014"
    assert fmt_period(2014, "fr") == "2014"
    assert fmt_month("2015-02-01", "fr", short=False) == "février 2015"


def test_fmt_span():
    assert fmt_span("2009-10-21", "2015-02-26") == "2009\u20132015"
    assert fmt_span(pd.Period("2014Q1"), pd.Period("2014Q4")) == "2014"


def test_fmt_method():
    assert fmt_method("wilson 95%", "en") == "95% Wilson confidence intervals"
    assert fmt_method("clopper-pearson 90%", "fr") == (
        f"intervalles de confiance de Clopper–Pearson à 90{NNBSP}%"
    )
    assert fmt_method("jeffreys 99.5%", "en") == "99.5% Jeffreys confidence intervals"


def test_t_fills_fields_and_follows_language():
    assert t("incidents_per_M", "en") == "incidents per month"
    assert t("incidents_per_M", "fr") == "incidents par mois"
    n = fmt_number(1151, "fr")
    assert t("n", "fr", n=n) == f"n = 1{NNBSP}151"
    caption = t("source_caption", "fr", source="X", date=fmt_date("2015-02-26", "fr"))
    assert caption == f"Source{NNBSP}: X · données au 26 février 2015"
    caption = t("source_caption", "en", source="X", date=fmt_date("2015-02-26", "en"))
    assert caption == "Source: X · data as of 26 February 2015"
    with pytest.raises(KeyError):
        t("no such key", "en")


def test_every_string_exists_in_both_languages_with_the_same_fields():
    fields = re.compile(r"\{(\w*)\}")
    for key, texts in i18n.STRINGS.items():
        assert set(texts) == set(i18n.LANGS), key
        assert sorted(fields.findall(texts["en"])) == sorted(fields.findall(texts["fr"])), key
        # the label column of a notebook table has no header, on purpose
        unlabelled = ("column.value", "teaching.table.value")
        assert (texts["en"] != "" and texts["fr"] != "") or key in unlabelled, key


def test_both_catalogues_hold_the_same_keys_with_the_same_fields():
    fields = re.compile(r"\{(\w*)\}")
    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    assert sorted(set(en) - set(fr)) == [] and sorted(set(fr) - set(en)) == []
    differ = [k for k in en if sorted(fields.findall(en[k])) != sorted(fields.findall(fr[k]))]
    assert differ == []
    # The strings that moved out of the modules are read from the catalogue.
    assert i18n.t("france.metric.share_ransomware", "fr") == "part de rançongiciels"
    assert i18n.t("explorer_ui.download", "fr", name="x") == "Télécharger x"


def test_french_strings_use_french_spacing():
    # A colon in French takes a no-break space before it, never a plain space or none.
    for key, texts in i18n.STRINGS.items():
        assert " :" not in texts["fr"], key
        assert re.search(r"\w:", texts["fr"]) is None, key
        assert " %" not in texts["fr"], key


@pytest.mark.parametrize(
    "call",
    [
        lambda: t("incidents", "de"),
        lambda: fmt_number(1, "de"),
        lambda: fmt_percent(0.5, "EN"),
        lambda: fmt_interval(0.1, 0.2, "es"),
        lambda: month_name(1, "it"),
        lambda: fmt_date("2015-01-01", None),
        lambda: fmt_period(pd.Period("2014"), "nl"),
    ],
)
def test_unknown_language_is_a_parameter_error(call):
    with pytest.raises(ParameterError, match="'lang'") as info:
        call()
    assert info.value.name == "lang"
    assert "'en'" in str(info.value) and "'fr'" in str(info.value)


def test_source_name():
    assert source_name("hhs", None, "en") == "HHS OCR breach portal"
    assert "HHS" in source_name("hhs", None, "fr")
    assert source_name("other", "A list, 2020", "en") == "A list"
    assert source_name(["hhs", "vcdb"], None, "en").startswith("HHS OCR breach portal + VERIS")
    assert source_name(None, None, "en") == ""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_catalogue_reads_as_the_pure_python_loader_would(lang):
    """The catalogue is read with libyaml when PyYAML has it: same keys, same texts."""
    import yaml

    raw = yaml.load(i18n._catalogue_path(lang).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    expected = {str(k): i18n.typography(str(v), lang) for k, v in raw.items()}
    assert i18n.catalogue(lang) == expected
    assert len(expected) > 400
