"""Charts of statistics tables, in one theme, with fixed category colours, in English or French.

Each ``plot_*`` function takes a table from :mod:`incidentstats.stats`, draws on ``ax`` (or
on a new A4-width figure) and returns the Axes; saving is the report runner's job. One
module per family of charts: ``shares``, ``counts`` (and ratios over time), ``mix`` (and
heatmaps), ``crosstab``, ``records``; ``theme`` holds the look they share.
"""

from __future__ import annotations

from ._common import caption_of
from .counts import plot_counts, plot_ratio
from .crosstab import plot_crosstab
from .mix import plot_heatmap, plot_mix
from .records import plot_records
from .shares import plot_shares, plot_shares_by_group
from .theme import CATEGORY_COLOURS, FIGURE_WIDTH, GROUP_COLOURS, ORIGIN_COLOURS, THEME, theme

__all__ = [
    "CATEGORY_COLOURS",
    "FIGURE_WIDTH",
    "GROUP_COLOURS",
    "ORIGIN_COLOURS",
    "THEME",
    "caption_of",
    "plot_counts",
    "plot_crosstab",
    "plot_heatmap",
    "plot_mix",
    "plot_ratio",
    "plot_records",
    "plot_shares",
    "plot_shares_by_group",
    "theme",
]
