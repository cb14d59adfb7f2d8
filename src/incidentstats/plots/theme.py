"""The house theme: colours, fonts and sizes every chart uses (``theme()``, ``THEME``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
from cycler import cycler

from ..i18n import (
    check_lang,
)

#: Hatches that tell stacked categories apart when the chart is printed in greyscale
#: (white lines on the category colour; the first category stays plain).
_GREY_HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo", "---", "+++")


#: Figure width in inches: printed at A4 text width with little or no scaling.
FIGURE_WIDTH = 7.0
#: Smallest font size used (points), so that text stays >= 8 pt when printed on A4.
SMALL = 8.5

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
_OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: One colour per category code, the same in every chart. The categories of the HHS
#: portal (and ransomware) get the Okabe–Ito hues; rarer ones get Paul Tol's "muted"
#: hues; "other" and "unknown" are greys so that they never look like a finding.
CATEGORY_COLOURS: dict[str, str] = {
    "ransomware": _OKABE_ITO["vermillion"],
    "malware": "#882255",  # Tol wine
    "hacking": _OKABE_ITO["orange"],
    "phishing": _OKABE_ITO["yellow"],
    "theft": _OKABE_ITO["blue"],
    "misuse": "#332288",  # Tol indigo
    "unauthorized_access": _OKABE_ITO["sky_blue"],
    "improper_disposal": _OKABE_ITO["bluish_green"],
    "loss": _OKABE_ITO["reddish_purple"],
    "error": "#44AA99",  # Tol teal
    "technical_failure": "#999933",  # Tol olive
    "environmental": "#DDCC77",  # Tol sand
    "other": "#8C8C8C",
    "unknown": "#C8C8C8",
}

#: One colour per origin (malicious / accidental / unknown).
ORIGIN_COLOURS: dict[str, str] = {
    "malicious": _OKABE_ITO["vermillion"],
    "accidental": _OKABE_ITO["blue"],
    "unknown": "#C8C8C8",
}

#: Colours for groups that have no fixed palette (organisation types, years, ...), in order.
GROUP_COLOURS: tuple[str, ...] = (
    _OKABE_ITO["blue"],
    _OKABE_ITO["orange"],
    _OKABE_ITO["bluish_green"],
    _OKABE_ITO["reddish_purple"],
    _OKABE_ITO["sky_blue"],
    _OKABE_ITO["vermillion"],
    _OKABE_ITO["yellow"],
    "#555555",
)

_NEUTRAL = "#4F6D8A"  # bars whose values have no fixed colour
_COUNT = "#7FA7CF"  # incident count bars
_DARK = "#1F1F1F"
_GREY_TEXT = "#4D4D4D"
_TREND = _OKABE_ITO["vermillion"]
_HEATMAP_CMAP = "Blues"

#: rcParams of the house theme (applied through :func:`theme`, never globally).
THEME: dict = {
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 9.0,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 8.0,
    "axes.labelsize": 9.0,
    "axes.labelcolor": "#262626",
    "axes.edgecolor": "#595959",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=list(GROUP_COLOURS)),
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "xtick.color": "#404040",
    "ytick.color": "#404040",
    "legend.fontsize": SMALL,
    "legend.title_fontsize": SMALL,
    "legend.frameon": False,
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.7,
    "hatch.linewidth": 0.8,
    "text.color": "#262626",
    "figure.figsize": (FIGURE_WIDTH, 4.0),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.dpi": 200,
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    # Chart text comes from the data (organisations, states, file names): "$\\FOO$" or
    # "a_b^c" must show as typed, never as mathtext.
    "text.parse_math": False,
    "text.usetex": False,
}


@contextmanager
def theme() -> Iterator[None]:
    """Context in which matplotlib uses the house theme; the global rcParams are restored after.

    Examples
    --------
    >>> with theme():
    ...     mpl.rcParams["font.size"]
    9.0
    """
    with mpl.rc_context(THEME):
        yield


def _themed(func):
    """Run a plot function inside :func:`theme` after checking ``lang``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        check_lang(kwargs.get("lang", "en"))
        with theme():
            return func(*args, **kwargs)

    return wrapper
