"""Tests for plots: what the charts show (bars, intervals, words, colours), not only that they draw."""

from __future__ import annotations

import doctest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import incidentstats as ist  # noqa: E402
from incidentstats import plots, taxonomy  # noqa: E402
from incidentstats.errors import ParameterError  # noqa: E402
from incidentstats.i18n import NNBSP  # noqa: E402
from incidentstats.plots import CATEGORY_COLOURS, caption_of  # noqa: E402

PROV = {
    "source": "hhs",
    "dataset": "HHS OCR breach portal, list as of 2015-02-26",
    "as_of": "2015-02-26",
    "filters": {},
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _with_prov(table: pd.DataFrame, **extra) -> pd.DataFrame:
    table.attrs["provenance"] = {**PROV, **extra}
    return table


# --- hand-made statistics tables, with exactly the contract's columns -------------------


@pytest.fixture
def shares_table():
    x = np.array([150, 541, 300, 200])  # 1,191 mentions for 1,151 incidents
    n = 1151
    share = x / n
    table = pd.DataFrame(
        {
            "value": ["hacking", "theft", "unauthorized_access", "loss"],
            "x": x,
            "n": n,
            "n_unknown": 10,
            "n_total": n + 10,
            "share": share,
            "lower": share - [0.02, 0.03, 0.025, 0.02],
            "upper": share + [0.021, 0.028, 0.026, 0.022],
            "method": "wilson 95%",
        }
    )
    return _with_prov(table, by="categories")


@pytest.fixture
def counts_table():
    periods = pd.period_range("2014-01", periods=6, freq="M")
    return _with_prov(
        pd.DataFrame(
            {
                "period": periods,
                "start": periods.start_time,
                "count": [4, 10, 20, 30, 40, 7],
                "complete": [False, True, True, True, True, False],
            }
        ),
        freq="M",
    )


@pytest.fixture
def mix_table():
    periods = pd.period_range("2013", periods=3, freq="Y")
    rows = []
    data = {  # period -> {value: x}; n = incidents in the period (single-valued here)
        periods[0]: {"theft": 6, "hacking": 2, "loss": 2},
        periods[1]: {"theft": 5, "hacking": 4, "loss": 1},
        periods[2]: {"theft": 1, "hacking": 3},
    }
    for p, counts in data.items():
        n = sum(counts.values())
        for value, x in counts.items():
            rows.append(
                {
                    "period": p,
                    "start": p.start_time,
                    "value": value,
                    "x": x,
                    "n": n,
                    "share": x / n,
                    "lower": 0.0,
                    "upper": 1.0,
                    "complete": p != periods[2],
                }
            )
    return _with_prov(pd.DataFrame(rows), by="categories", freq="Y")


@pytest.fixture
def ratio_table():
    periods = pd.period_range("2011", periods=4, freq="Y")
    x, n = np.array([5, 10, 30, 4]), np.array([100, 100, 120, 10])
    lower, upper = ist.proportion_ci(x, n)
    return _with_prov(
        pd.DataFrame(
            {
                "period": periods,
                "start": periods.start_time,
                "x": x,
                "n": n,
                "share": x / n,
                "lower": lower,
                "upper": upper,
                "complete": [True, True, True, False],
            }
        ),
        numerator="hacking",
    )


@pytest.fixture
def region_table():
    years = pd.period_range("2013", periods=3, freq="Y")
    counts = {"CA": [5, 8, 1], "TX": [3, 4, 0], "NY": [0, 2, 1], "FL": [1, 1, 0]}
    rows = [
        {"row_value": r, "period": p, "count": c}
        for r, values in counts.items()
        for p, c in zip(years, values, strict=True)
    ]
    return _with_prov(
        pd.DataFrame(rows), rows="region", period={"start": "2013-01-01", "end": "2015-02-26"}
    )


@pytest.fixture
def crosstab_table():
    rows = [
        ("provider", "theft", 376, 800),
        ("provider", "hacking", 100, 800),
        ("provider", "loss", 324, 800),
        ("health_plan", "theft", 20, 100),
        ("health_plan", "hacking", 50, 100),
        ("health_plan", "loss", 30, 100),
    ]
    table = pd.DataFrame(rows, columns=["row", "col", "x", "n_row"])
    table["share_of_row"] = table["x"] / table["n_row"]
    return _with_prov(table, rows="organisation_type", cols="categories")


@pytest.fixture
def hhs():
    try:
        return ist.load("hhs")
    except Exception as error:  # the embedded data set is not available
        pytest.skip(f"HHS data not available: {error}")


# --- helpers ----------------------------------------------------------------------------


def _bars(ax, gid=None):
    return [
        patch
        for c in ax.containers
        if isinstance(c, BarContainer)
        for patch in c
        if gid is None or patch.get_gid() == gid
    ]


def _bar_containers(ax):
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def _line(ax, gid):
    lines = [line for line in ax.lines if line.get_gid() == gid]
    assert len(lines) == 1, f"expected one line {gid!r}, got {len(lines)}"
    return lines[0]


def _texts(ax, gid):
    return [x.get_text() for x in ax.texts if x.get_gid() == gid]


def _ticklabels(axis, minor=False):
    axis.figure.canvas.draw()
    return [x.get_text() for x in axis.get_ticklabels(minor=minor) if x.get_text()]


def _all_texts(fig):
    """Every text drawn: visible, not empty, and not the label of a tick outside the view."""
    hidden = set()
    for axes in fig.axes:
        for axis in (axes.xaxis, axes.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return [
        x
        for x in fig.findobj(Text)
        if x.get_visible() and x.get_text().strip() and id(x) not in hidden
    ]


# --- doctests, theme, contract ------------------------------------------------------------


def test_docstring_examples_run():
    import importlib
    import pkgutil

    attempted = 0
    for info in pkgutil.iter_modules(plots.__path__):
        module = importlib.import_module(f"{plots.__name__}.{info.name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, info.name
        attempted += result.attempted
    assert attempted >= 5


def test_plotting_does_not_change_global_rcparams(shares_table):
    before = dict(matplotlib.rcParams)
    plots.plot_shares(shares_table)
    after = dict(matplotlib.rcParams)
    changed = {k for k in before if before[k] != after[k] and k != "backend"}
    assert not changed


def test_theme_applies_only_inside_the_context():
    default = matplotlib.rcParams["axes.spines.top"]
    with plots.theme():
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["font.size"] == 9.0
    assert matplotlib.rcParams["axes.spines.top"] == default


def test_unknown_language_and_bad_tables_are_parameter_errors(shares_table, counts_table):
    with pytest.raises(ParameterError, match="'lang'"):
        plots.plot_shares(shares_table, lang="de")
    with pytest.raises(ParameterError, match="share"):
        plots.plot_shares(shares_table.drop(columns="share"))
    with pytest.raises(ParameterError, match="count"):
        plots.plot_counts(counts_table.drop(columns="count"))
    with pytest.raises(ParameterError, match="no rows"):
        plots.plot_ratio(counts_table.iloc[:0].assign(share=[], lower=[], upper=[]))
    with pytest.raises(ParameterError, match="kind"):
        plots.plot_mix(shares_table.assign(period=pd.Period("2014")), kind="pie")
    # Nothing half-drawn was left behind by the refused calls.
    assert plt.get_fignums() == []


# --- plot_shares ----------------------------------------------------------------------


def test_shares_bars_are_the_shares_sorted_with_their_intervals(shares_table):
    ax = plots.plot_shares(shares_table)
    expected = shares_table.sort_values("share", ascending=False)
    bars = _bars(ax)
    assert len(bars) == len(shares_table)
    # Top to bottom (y increasing downwards is inverted, so sort by y position).
    bars = sorted(bars, key=lambda b: b.get_y())
    assert [b.get_width() for b in bars] == pytest.approx(expected["share"].tolist())
    (container,) = _bar_containers(ax)
    segments = container.errorbar.lines[2][0].get_segments()
    lows = [seg[0][0] for seg in segments]
    highs = [seg[1][0] for seg in segments]
    assert lows == pytest.approx(expected["lower"].tolist())
    assert highs == pytest.approx(expected["upper"].tolist())
    assert ax.yaxis_inverted()  # the largest share is on top
    ylabels = _ticklabels(ax.yaxis)
    assert ylabels[0] == "Theft"
    assert ylabels == [taxonomy.label(v, "en") for v in expected["value"]]


def test_shares_in_french(shares_table):
    ax = plots.plot_shares(shares_table, lang="fr", decimals=0)
    labels = _texts(ax, "bar_label")
    # 541 / 1151 = 47.0 %: the narrow no-break space comes before the percent sign.
    assert labels[0] == f"47{NNBSP}%"
    assert all(label.endswith(f"{NNBSP}%") for label in labels)
    assert _ticklabels(ax.yaxis)[0] == "Vol"
    assert "Accès/divulgation non autorisés" in " ".join(_ticklabels(ax.yaxis)).replace("\n", " ")
    xlabels = _ticklabels(ax.xaxis)
    assert f"20{NNBSP}%" in xlabels
    assert ax.get_title(loc="left") == "Part des incidents par catégorie"
    assert ax.get_xlabel() == "Part des incidents"
    caption = caption_of(ax)
    assert f"n = 1{NNBSP}151 incidents" in caption
    assert "10 de valeur inconnue exclus" in caption
    assert "intervalles de confiance de Wilson à 95" in caption
    assert "Source\u202f: portail des violations de données HHS OCR" in caption
    assert "données au 26 février 2015" in caption


def test_shares_in_english_state_n_source_and_as_of_date(shares_table):
    ax = plots.plot_shares(shares_table, lang="en")
    caption = caption_of(ax)
    assert "n = 1,151 incidents (10 of unknown value left out)" in caption
    assert "Source: HHS OCR breach portal · data as of 26 February 2015" in caption
    # The shares add up to more than 100% (multi-category incidents): the chart says so.
    assert shares_table["share"].sum() > 1
    assert "add up to more than 100%" in caption
    assert _texts(ax, "bar_label") == ["47%", "26%", "17%", "13%"]
    halved = shares_table.assign(**{c: shares_table[c] / 2 for c in ("share", "lower", "upper")})
    ax = plots.plot_shares(halved)
    assert _texts(ax, "bar_label")[0] == "23.5%"  # a share below 10%: one decimal for all


def test_shares_title_and_caption_can_be_replaced_or_removed(shares_table):
    ax = plots.plot_shares(shares_table, title="Breaches by category, 2009–2015", caption=False)
    assert ax.get_title(loc="left") == "Breaches by category, 2009–2015"
    assert caption_of(ax) == ""
    ax = plots.plot_shares(shares_table, caption="My note")
    assert caption_of(ax) == "My note"


def test_shares_draw_on_the_axes_given_and_return_it(shares_table):
    fig, (left, right) = plt.subplots(1, 2)
    assert plt.get_fignums() == [fig.number]
    returned = plots.plot_shares(shares_table, ax=right)
    assert returned is right
    assert plt.get_fignums() == [fig.number]  # no new figure
    assert len(_bars(right)) == 4 and len(_bars(left)) == 0


def test_shares_with_group_are_grouped_bars_with_n_in_the_legend(shares_table):
    a = shares_table.assign(group="provider", n=800)
    b = shares_table.assign(group="health_plan", n=100, share=shares_table["share"] / 2)
    b["lower"], b["upper"] = b["share"] - 0.01, b["share"] + 0.01
    table = _with_prov(pd.concat([a, b], ignore_index=True), by="categories")
    ax = plots.plot_shares(table, lang="fr")
    assert len(_bars(ax)) == len(table)
    provider = _bars(ax, "shares:provider")
    plan = _bars(ax, "shares:health_plan")
    assert sorted(p.get_width() for p in provider) == pytest.approx(sorted(a["share"]))
    assert sorted(p.get_width() for p in plan) == pytest.approx(sorted(b["share"]))
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert legend == ["Offreur de soins (n = 800)", "Assureur santé (n = 100)"]
    # Groups are told apart by colour; all bars of one group share it.
    assert len({p.get_facecolor() for p in provider}) == 1
    assert provider[0].get_facecolor() != plan[0].get_facecolor()


def test_shares_of_real_hhs_incidents(hhs):
    table = ist.shares(hhs, "categories")
    ax = plots.plot_shares(table)
    assert len(_bars(ax)) == len(table)
    widths = sorted((b.get_width() for b in _bars(ax)), reverse=True)
    assert widths == pytest.approx(table["share"].sort_values(ascending=False).tolist())
    n = int(table["n"].iloc[0])
    assert f"n = {n:,} incidents" in caption_of(ax)
    assert "data as of 26 February 2015" in caption_of(ax)


# --- colours --------------------------------------------------------------------------


def test_a_category_keeps_its_colour_across_charts(shares_table, mix_table):
    shares_ax = plots.plot_shares(shares_table)
    mix_ax = plots.plot_mix(mix_table)
    for code in ("theft", "hacking", "loss"):
        label = taxonomy.label(code, "en")
        in_shares = [
            b
            for b, tick in zip(_sorted_bars(shares_ax), _ticklabels(shares_ax.yaxis), strict=True)
            if tick == label
        ]
        in_mix = _bars(mix_ax, f"mix:{code}")
        assert in_shares and in_mix
        expected = to_rgba(CATEGORY_COLOURS[code])
        assert in_shares[0].get_facecolor() == pytest.approx(expected)
        # same hue; a pale (partial) period only changes the alpha
        assert all(b.get_facecolor()[:3] == pytest.approx(expected[:3]) for b in in_mix)


def _sorted_bars(ax):
    return sorted(_bars(ax), key=lambda b: b.get_y())


def test_every_category_has_a_distinct_colour():
    assert set(CATEGORY_COLOURS) == set(taxonomy.CATEGORIES)
    assert len(set(CATEGORY_COLOURS.values())) == len(CATEGORY_COLOURS)
    assert set(plots.ORIGIN_COLOURS) == set(taxonomy.ORIGINS)


# --- plot_counts ----------------------------------------------------------------------


def test_counts_bars_hatch_incomplete_periods(counts_table):
    ax = plots.plot_counts(counts_table)
    bars = sorted(_bars(ax), key=lambda b: b.get_x())
    assert len(bars) == len(counts_table)
    assert [b.get_height() for b in bars] == counts_table["count"].tolist()
    hatched = [bool(b.get_hatch()) for b in bars]
    assert hatched == (~counts_table["complete"]).tolist()
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert "Incomplete period (partial data)" in legend
    assert "3-month moving average" in legend
    assert "Hatched bars" in caption_of(ax)


def test_counts_moving_average_uses_complete_periods_only(counts_table):
    ax = plots.plot_counts(counts_table, rolling=3)
    y = _line(ax, "rolling").get_ydata()
    # Complete counts: -, 10, 20, 30, 40, -; centred mean over 3 complete periods.
    np.testing.assert_allclose(y, [np.nan, np.nan, 20, 30, np.nan, np.nan])
    ax = plots.plot_counts(counts_table, rolling=None)
    assert [line.get_gid() for line in ax.lines] == []


def test_counts_draw_a_fitted_trend_and_its_band(counts_table):
    table = counts_table.assign(
        fitted=[5.0, 10, 15, 20, 25, 30],
        lower=[1.0, 5, 9, 13, 17, 21],
        upper=[9.0, 15, 21, 27, 33, 39],
    )
    ax = plots.plot_counts(table, rolling=None)
    # drawn on complete periods only: partial periods would read as a drop
    expected = np.where(table["complete"], table["fitted"], np.nan)
    np.testing.assert_allclose(_line(ax, "trend").get_ydata(), expected)
    (band,) = [c for c in ax.collections if c.get_gid() == "trend_band"]
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(5.0) and ys.max() == pytest.approx(33.0)
    assert set(np.round(ys, 9)) <= set(table["lower"][table["complete"]]) | set(
        table["upper"][table["complete"]]
    )
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert legend[-2:] == ["Trend (model fit)", "Trend, 95% interval"]


def test_counts_in_french_with_french_month_names(counts_table):
    ax = plots.plot_counts(counts_table, lang="fr")
    labels = _ticklabels(ax.xaxis)
    assert labels[0] == "janv.\n2014"
    assert "févr." in labels and "mars" in labels and "juin" in labels
    assert ax.get_ylabel() == "Incidents par mois"
    assert ax.get_title(loc="left") == "Incidents par mois, 2014"
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert "Période incomplète (données partielles)" in legend
    assert "Moyenne mobile sur 3 mois" in legend
    assert "données au 26 février 2015" in caption_of(ax)


def test_counts_thousands_on_the_axis_in_french():
    periods = pd.period_range("2019", periods=3, freq="Y")
    table = pd.DataFrame({"period": periods, "count": [1200, 2400, 3600], "complete": True})
    ax = plots.plot_counts(table, lang="fr", rolling=None)
    labels = _ticklabels(ax.yaxis)
    assert any(NNBSP in label for label in labels)
    assert f"2{NNBSP}000" in labels or f"1{NNBSP}000" in labels
    assert _ticklabels(ax.xaxis) == ["2019", "2020", "2021"]


def test_counts_of_real_hhs_incidents_by_quarter(hhs):
    table = ist.counts_by_period(hhs, "Q")
    ax = plots.plot_counts(table)
    assert sum(b.get_height() for b in _bars(ax)) == len(hhs)
    assert len(_bars(ax, "incomplete")) == int((~table["complete"]).sum())
    assert ax.get_title(loc="left") == "Incidents per quarter, 2009–2015"
    minor = _ticklabels(ax.xaxis, minor=True)
    assert minor[0] == "2009" and minor[-1] == "2015"


# --- plot_mix -------------------------------------------------------------------------


def test_mix_stacks_to_one_per_period(mix_table):
    ax = plots.plot_mix(mix_table, lang="fr")
    bars = _bars(ax)
    assert len(bars) == len(mix_table)
    tops = {}
    for b in bars:
        x = round(b.get_x() + b.get_width() / 2)
        tops[x] = max(tops.get(x, 0), b.get_y() + b.get_height())
    assert list(tops.values()) == pytest.approx([1.0, 1.0, 1.0])
    theft = sorted(_bars(ax, "mix:theft"), key=lambda b: b.get_x())
    assert [b.get_height() for b in theft] == pytest.approx([0.6, 0.5, 0.25])
    assert all(b.get_y() == 0 for b in theft)  # the largest value is at the bottom
    assert f"100{NNBSP}%" in _ticklabels(ax.yaxis)
    assert [x.get_text() for x in ax.get_legend().get_texts()] == [
        "Perte",
        "Piratage/incident\ninformatique",
        "Vol",
    ]
    # The last period is incomplete: its bars are pale, the others not.
    pale = {round(b.get_x() + b.get_width() / 2) for b in bars if (b.get_alpha() or 1) < 1}
    assert pale == {2}
    # Categories differ by hatch as well as colour, so greyscale prints tell them apart.
    assert len({b.get_hatch() for b in bars}) == 3
    assert _texts(ax, "n_label") == ["10", "10", "4"]
    assert ax.get_title(loc="left") == "Part des incidents par catégorie et par an, 2013–2015"


def test_mix_says_when_it_shows_shares_of_mentions(mix_table):
    # Two incidents of the first period were in two categories: mentions exceed n.
    table = mix_table.copy()
    table.loc[table["period"] == table["period"].iloc[0], "n"] = 8
    table["share"] = table["x"] / table["n"]
    ax = plots.plot_mix(table)
    assert ax.get_ylabel() == "Share of mentions"
    assert "shares of mentions" in caption_of(ax)
    first = [b for b in _bars(ax) if round(b.get_x() + b.get_width() / 2) == 0]
    assert sum(b.get_height() for b in first) == pytest.approx(1.0)


def test_mix_as_areas(mix_table):
    ax = plots.plot_mix(mix_table, kind="area")
    assert len(ax.collections) >= 3  # one stacked area per value
    assert "Hatched bands" in caption_of(ax)


# --- plot_ratio -----------------------------------------------------------------------


def test_ratio_line_band_and_language(ratio_table):
    ax = plots.plot_ratio(ratio_table, lang="fr")
    line = _line(ax, "ratio")
    np.testing.assert_allclose(line.get_ydata(), ratio_table["share"])
    (band,) = [c for c in ax.collections if c.get_gid() == "band"]
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(ratio_table["lower"].min())
    assert ys.max() == pytest.approx(ratio_table["upper"].max())
    incomplete = _line(ax, "incomplete")
    assert list(incomplete.get_ydata()) == pytest.approx([0.4])
    assert all(label.endswith(f"{NNBSP}%") for label in _ticklabels(ax.yaxis))
    assert max(ax.get_yticks()) <= 1.0
    assert (
        ax.get_title(loc="left")
        == "Part des incidents\u202f: Piratage/incident informatique, 2011–2014"
    )
    caption = caption_of(ax)
    assert "de 10 à 120" in caption
    assert "Marqueurs vides" in caption


# --- plot_heatmap ---------------------------------------------------------------------


def test_heatmap_cells_are_the_counts(region_table):
    ax = plots.plot_heatmap(region_table)
    (image,) = ax.images
    expected = np.array([[5, 8, 1], [3, 4, 0], [0, 2, 1], [1, 1, 0]])  # CA, TX, NY, FL by total
    np.testing.assert_array_equal(image.get_array(), expected)
    assert _ticklabels(ax.yaxis) == ["CA", "TX", "NY", "FL"]
    assert _texts(ax, "cell_label") == [str(v) for v in expected.ravel()]
    # 2015 ends after the as-of date: marked partial.
    assert _ticklabels(ax.xaxis) == ["2013", "2014", "2015*"]
    assert "* period only partly covered" in caption_of(ax)
    assert ax.get_title(loc="left") == "Incidents by region and year, 2013–2015"


def test_heatmap_adds_up_the_rows_beyond_top(region_table):
    ax = plots.plot_heatmap(region_table, top=3, lang="fr")
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array()[-1], [1, 3, 1])  # NY + FL
    assert _ticklabels(ax.yaxis)[-1] == "Tous les autres (2)"
    assert ax.get_title(loc="left") == "Incidents par État et par an, 2013–2015"


# --- plot_crosstab --------------------------------------------------------------------


def test_crosstab_shows_shares_of_rows(crosstab_table):
    ax = plots.plot_crosstab(crosstab_table, lang="fr")
    (image,) = ax.images
    # Rows by n_row (provider first); columns by total x (theft, loss, hacking).
    expected = np.array([[0.47, 0.405, 0.125], [0.2, 0.3, 0.5]])
    np.testing.assert_allclose(image.get_array(), expected)
    assert _texts(ax, "cell_label")[0] == f"47{NNBSP}%"
    assert _ticklabels(ax.yaxis) == ["Offreur de soins (n = 800)", "Assureur santé (n = 100)"]
    # column labels are wrapped (upright, so long French labels never squeeze the cells)
    assert _ticklabels(ax.xaxis) == ["Vol", "Perte", "Piratage/\nincident\ninformatique"]
    assert ax.get_title(loc="left") == "Incidents par type de structure et catégorie"


# --- plot_records ---------------------------------------------------------------------


def test_records_histogram_on_log_bins_with_median(tiny):
    tiny = tiny.assign(records_placeholder=tiny["records_affected"].isin([500, 501]))
    ax = plots.plot_records(tiny)
    assert ax.get_xscale() == "log"
    bars = [p for p in ax.patches]
    # tiny: 500, 1200, 10_000, <NA>, 501 -> 4 known values, all drawn.
    assert sum(b.get_height() for b in bars) == 4
    edges = sorted({b.get_x() for b in bars})
    ratios = np.diff(np.log10(edges))
    np.testing.assert_allclose(ratios, 0.25)  # 4 bins per decade
    assert _line(ax, "median").get_xdata()[0] == pytest.approx(850.5)
    assert _texts(ax, "median_label") == ["Median: 850.5"]
    caption = caption_of(ax)
    assert "n = 4 incidents with a known number of records (1 unknown)" in caption
    assert "2 incidents report exactly 500 or 501 records" in caption


def test_records_from_a_series_as_ecdf_in_french():
    series = pd.Series([1_000, 2_000, 3_000, 1_000_000, 0, None], dtype="Float64")
    ax = plots.plot_records(series, kind="ecdf", lang="fr")
    (line,) = [x for x in ax.lines if x.get_gid() == "ecdf"]
    assert max(line.get_ydata()) == pytest.approx(1.0)
    assert _texts(ax, "median_label") == [f"Médiane{NNBSP}: 2{NNBSP}500"]
    assert f"1{NNBSP}000{NNBSP}000" in _ticklabels(ax.xaxis)
    # Singular for one in French, and a narrow no-break space before the semicolon.
    assert f"(1 inconnu{NNBSP}; 1 à zéro non montré)" in caption_of(ax)


# --- all charts: nothing saved or shown, readable, in the figure ----------------------


@pytest.fixture
def every_chart(
    shares_table, counts_table, mix_table, ratio_table, region_table, crosstab_table, tiny
):
    return {
        "shares": lambda lang: plots.plot_shares(shares_table, lang=lang),
        "counts": lambda lang: plots.plot_counts(counts_table, lang=lang),
        "mix": lambda lang: plots.plot_mix(mix_table, lang=lang),
        "ratio": lambda lang: plots.plot_ratio(ratio_table, lang=lang),
        "heatmap": lambda lang: plots.plot_heatmap(region_table, lang=lang),
        "crosstab": lambda lang: plots.plot_crosstab(crosstab_table, lang=lang),
        "records": lambda lang: plots.plot_records(_with_prov(tiny), lang=lang),
    }


def test_no_chart_saves_or_shows(every_chart, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("plot functions must not save or show")

    monkeypatch.setattr(plt, "show", refuse)
    monkeypatch.setattr(Figure, "savefig", refuse)
    monkeypatch.setattr(Figure, "show", refuse)
    monkeypatch.setattr(plt, "savefig", refuse)
    for make in every_chart.values():
        ax = make("en")
        assert isinstance(ax, matplotlib.axes.Axes)


@pytest.mark.filterwarnings("error")  # e.g. a glyph missing from the font
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_chart_renders_readably_at_a4_width(every_chart, tmp_path, lang):
    for name, make in every_chart.items():
        ax = make(lang)
        fig = ax.figure
        assert fig.get_figwidth() == pytest.approx(7.0)
        path = tmp_path / f"{name}_{lang}.png"
        fig.savefig(path, dpi=100)
        assert path.stat().st_size > 5_000
        renderer = fig.canvas.get_renderer()
        box = fig.bbox
        for text in _all_texts(fig):
            assert text.get_fontsize() >= 8, (name, text.get_text())
            extent = text.get_window_extent(renderer)
            # Everything written is inside the figure: nothing clipped at the edges.
            assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, (name, text.get_text())
            assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, (name, text.get_text())
        assert "Source" in caption_of(ax), name
        plt.close(fig)


# --- the real statistics tables on the real HHS incidents ------------------------------


def _stat(name):
    function = getattr(ist.stats, name, None)
    if function is None:
        pytest.skip(f"stats.{name} is not there yet")
    return function


def test_real_fitted_counts_draw_the_model_and_say_which(hhs):
    table = _stat("fitted_counts")(hhs, "Q")
    ax = plots.plot_counts(table, lang="fr")
    expected = np.where(table["complete"].to_numpy(bool), table["fitted"].to_numpy(float), np.nan)
    np.testing.assert_allclose(_line(ax, "trend").get_ydata(), expected)
    assert sum(b.get_height() for b in _bars(ax)) == len(hhs)
    if table.attrs["provenance"].get("model"):
        assert "Tendance\u202f: " in caption_of(ax)


def test_real_shares_over_time_stack_to_one(hhs):
    table = _stat("shares_over_time")(hhs, "categories", "Y")
    ax = plots.plot_mix(table)
    assert len(_bars(ax)) == len(table)
    tops = {}
    for b in _bars(ax):
        x = round(b.get_x() + b.get_width() / 2)
        tops[x] = tops.get(x, 0) + b.get_height()
    assert list(tops.values()) == pytest.approx([1.0] * table["period"].nunique())
    assert ax.get_title(loc="left") == "Share of incidents by category, per year, 2009–2015"


def test_real_ratio_over_time(hhs):
    table = _stat("ratio_over_time")(hhs, {"categories": "hacking"}, freq="Y")
    ax = plots.plot_ratio(table, lang="fr")
    np.testing.assert_allclose(_line(ax, "ratio").get_ydata(), table["share"].to_numpy(float))
    assert "Piratage/incident informatique" in ax.get_title(loc="left")


def test_real_counts_by_region_heatmap_keeps_every_incident(hhs):
    table = _stat("counts_by")(hhs, rows="region", freq="Y")
    ax = plots.plot_heatmap(table, top=10)
    (image,) = ax.images
    assert image.get_array().shape == (10, table["period"].nunique())
    assert image.get_array().sum() == table["count"].sum()
    assert _ticklabels(ax.yaxis)[0] == "CA"  # most incidents first


def test_real_crosstab(hhs):
    table = _stat("crosstab")(hhs, rows="organisation_type", cols="categories")
    ax = plots.plot_crosstab(table)
    (image,) = ax.images
    provider_theft = table.query("row == 'provider' and col == 'theft'")["share_of_row"].iloc[0]
    rows = _ticklabels(ax.yaxis)
    cols = _ticklabels(ax.xaxis)
    i = next(k for k, r in enumerate(rows) if r.startswith("Healthcare provider"))
    j = cols.index("Theft")
    assert image.get_array()[i, j] == pytest.approx(provider_theft)


def test_real_shares_within_groups(hhs):
    table = _stat("shares")(hhs, "categories", within="organisation_type")
    ax = plots.plot_shares(table)
    assert len(_bars(ax)) == len(table)
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert legend[0].startswith("Healthcare provider (n = ")


def test_ratio_keeps_the_interval_of_an_isolated_point():
    p = pd.period_range("2018", periods=5, freq="Y")
    table = pd.DataFrame(
        {
            "period": p,
            "start": p.start_time,
            "share": [0.4, np.nan, 0.5, np.nan, 0.45],
            "lower": [0.3, np.nan, 0.42, np.nan, 0.4],
            "upper": [0.5, np.nan, 0.58, np.nan, 0.5],
            "n": [100, 0, 300, 0, 500],
        }
    )
    ax = plots.plot_ratio(table)
    segments = [c for c in ax.collections if c.get_gid() == "isolated_interval"]
    assert segments, "isolated points must keep their interval"
    ys = sorted(tuple(np.round(seg[:, 1], 6)) for seg in segments[0].get_segments())
    assert ys == [(0.3, 0.5), (0.4, 0.5), (0.42, 0.58)]


def test_interval_caption_read_from_typed_provenance(hhs):
    table = ist.shares(hhs, "origin", ci="jeffreys", level=0.995)
    ax = plots.plot_shares(table)
    caption = caption_of(ax)
    plt.close(ax.figure)
    # The method column reads "jeffreys 100%"; the caption takes the exact level.
    assert "99.5% Jeffreys" in caption and "100%" not in caption
