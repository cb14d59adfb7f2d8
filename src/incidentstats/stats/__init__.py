"""Statistics on the canonical incident table: counts, shares, rates, trends, comparisons.

Pure functions: DataFrame in, tidy DataFrame out, every estimate with its interval and
its provenance (source, as-of date, n, filters) in ``attrs["provenance"]``. One module
per family, as statsmodels keeps ``stats/proportion.py`` and ``stats/rates.py``:

- :mod:`.tables`: the table type, its provenance and the argument checks;
- :mod:`.proportions`: shares, proportion intervals, ratios of subsets;
- :mod:`.rates`: counts per period, rates and their intervals;
- :mod:`.trends`: count models, trends in shares, and the sentences describing them;
- :mod:`.contingency`: counts by category, crosstabs, comparisons of periods and mixes;
- :mod:`.sizes`: records affected and reporting delays;
- :mod:`.suppression`: small-cell suppression;
- :mod:`.display`: tables formatted for a language.
"""

from .contingency import category_mix_test, compare_periods, counts_by, crosstab
from .display import format_table
from .proportions import (
    proportion_ci,
    proportion_table,
    ratio,
    ratio_over_time,
    shares,
    shares_over_time,
)
from .rates import counts_by_period, rate_ci, rate_per, rate_table, rates
from .sizes import records_summary, reporting_delay
from .suppression import suppress
from .tables import StatsTable
from .trends import describe_rate, describe_share, describe_trend, fitted_counts, share_trend, trend

__all__ = [
    "StatsTable",
    "category_mix_test",
    "compare_periods",
    "counts_by",
    "counts_by_period",
    "crosstab",
    "describe_rate",
    "describe_share",
    "describe_trend",
    "fitted_counts",
    "format_table",
    "proportion_ci",
    "proportion_table",
    "rate_ci",
    "rate_per",
    "rate_table",
    "rates",
    "ratio",
    "ratio_over_time",
    "records_summary",
    "reporting_delay",
    "share_trend",
    "shares",
    "shares_over_time",
    "suppress",
    "trend",
]
