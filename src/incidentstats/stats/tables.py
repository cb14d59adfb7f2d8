"""The table type every statistic returns, its provenance, and the argument checks.

Shared by every family of statistics; it imports none of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError


class _Lazy:
    """A module imported on first use: statsmodels and scipy.stats take about a second to
    import, which every command-line call (``incidentstats clean``) would otherwise pay."""

    def __init__(self, name: str, **elsewhere: str):
        self._name = name
        self._elsewhere = elsewhere  # attribute name -> the module holding it

    def __getattr__(self, attr):
        module = importlib.import_module(self._elsewhere.get(attr, self._name))
        return getattr(module, attr)


# The GLM, its families and add_constant, without the rest of statsmodels.api (graphics,
# time series, ...: about 0.13 s more to import, in every report kernel).
sm = _Lazy("statsmodels.genmod.api", add_constant="statsmodels.tools.tools")
sps = _Lazy("scipy.stats")
sm_rates = _Lazy("statsmodels.stats.rates")


def proportion_confint(count, nobs, alpha: float = 0.05, method: str = "wilson"):
    """Two-sided interval for ``count / nobs``: statsmodels' ``proportion_confint``, in
    closed form for the methods used here, so a first ``shares`` does not pay for
    importing statsmodels and scipy.stats (about a second).

    Wilson needs only the normal quantile (``scipy.special.ndtri``, as scipy.stats uses it,
    so the bounds are statsmodels' to the last bit); Clopper-Pearson
    ("beta") and Jeffreys the inverse incomplete beta function of ``scipy.special``.
    The test suite checks every method against statsmodels to 1e-12.
    """
    count, nobs = np.asarray(count, dtype=float), np.asarray(nobs, dtype=float)
    half = alpha / 2.0
    if method == "wilson":
        from scipy.special import ndtri  # scipy.stats.norm.isf is -ndtri: the same bits

        crit = -float(ndtri(half))
        q = count / nobs
        crit2 = crit**2
        denom = 1 + crit2 / nobs
        center = (q + crit2 / (2 * nobs)) / denom
        dist = crit * np.sqrt(q * (1.0 - q) / nobs + crit2 / (4.0 * nobs**2)) / denom
        return np.clip(center - dist, 0, 1), np.clip(center + dist, 0, 1)
    from scipy.special import betainccinv, betaincinv

    if method == "beta":
        with np.errstate(invalid="ignore"):
            lower = betaincinv(count, nobs - count + 1, half)
            upper = betainccinv(count + 1, nobs - count, half)
        return np.where(count == 0, 0.0, lower), np.where(count == nobs, 1.0, upper)
    if method == "jeffreys":
        a, b = count + 0.5, nobs - count + 0.5
        return betaincinv(a, b, half), betainccinv(a, b, half)
    from statsmodels.stats.proportion import proportion_confint as confint

    return confint(count, nobs, alpha=alpha, method=method)


def NegativeBinomial(*args, **kwargs):  # noqa: N802 — stands in for the statsmodels class
    from statsmodels.discrete.discrete_model import NegativeBinomial as model

    return model(*args, **kwargs)


def Table(*args, **kwargs):  # noqa: N802 — stands in for the statsmodels class
    from statsmodels.stats.contingency_tables import Table as table

    return table(*args, **kwargs)


_CI_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys"}
_FREQS = {"Y": "Y", "A": "Y", "year": "Y", "Q": "Q", "quarter": "Q", "M": "M", "month": "M"}
_PER_YEAR = {"Y": 1, "Q": 4, "M": 12}
_UNIT_WORDS = {
    "en": {"Y": ("year", "years"), "Q": ("quarter", "quarters"), "M": ("month", "months")},
    "fr": {"Y": ("an", "ans"), "Q": ("trimestre", "trimestres"), "M": ("mois", "mois")},
}
#: Suppression rules: (threshold, mask zero counts too). France's statistical secrecy
#: masks counts under 11; the US CMS cell-size policy masks 1 to 10 and shows zeros.
_SUPPRESSION_RULES = {"fr": (11, True), "us-cms": (11, False)}
#: Columns derived from a count: masking the count must mask them too, or x = share * n.
_DERIVED = (
    "share",
    "lower",
    "upper",
    "share_of_row",
    "rate",
    "fitted",
    "pct_change",
    "pct_lower",
    "pct_upper",
)


# --- display ------------------------------------------------------------------------


class StatsTable(pd.DataFrame):
    """A DataFrame that shows itself formatted in JupyterLab (see ``format_table``).

    Every statistics function returns one. It is an ordinary DataFrame in every other
    respect: indexing, ``merge``, ``pipe``, plotting and writing behave as usual, and
    ``pd.DataFrame(table)`` gives the plain frame back.
    """

    @property
    def _constructor(self):
        return StatsTable

    def _repr_html_(self):  # pragma: no cover - exercised by JupyterLab
        try:
            if 0 < len(self) <= (pd.get_option("display.max_rows") or 60):
                from .display import format_table

                return format_table(self).to_html()
        except Exception:  # a display must never fail: fall back to pandas' own
            pass
        return super()._repr_html_()


@dataclass(frozen=True)
class Interval:
    """How the intervals of a table were computed: the method and the confidence level.

    Statistics write it into ``attrs["provenance"]`` as the typed fields ``ci`` and
    ``level``; the ``method`` column is text made from it for readers. Code that needs
    the method (captions, sentences) reads :meth:`of`, never the text.

    Examples
    --------
    >>> Interval("wilson", 0.9).text
    'wilson 90%'
    >>> from incidentstats.stats import proportion_table
    >>> Interval.of(proportion_table(150, 319, ci="jeffreys", level=0.995))
    Interval(kind='jeffreys', level=0.995)
    """

    kind: str | None
    level: float = 0.95

    @property
    def text(self) -> str:
        """The ``method`` column: ``"wilson 95%"``."""
        return f"{self.kind} {self.level:.0%}" if self.kind else f"{self.level:.0%}"

    @classmethod
    def of(cls, table) -> Interval | None:
        """The interval a statistics table (or its provenance dict) states; None if none."""
        prov = table if isinstance(table, dict) else getattr(table, "attrs", {}).get("provenance")
        prov = prov or {}
        if not prov.get("ci"):
            return None
        level = prov.get("level")
        return cls(str(prov["ci"]), float(level) if isinstance(level, int | float) else 0.95)


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | pd.Period):
        return str(value)
    return value


def _provenance(df: pd.DataFrame | None, **extra) -> dict:
    prov = dict(df.attrs.get("provenance", {}) or {}) if df is not None else {}
    base = {
        "source": prov.get("source"),
        "dataset": prov.get("dataset"),
        "as_of": prov.get("as_of"),
        "filters": prov.get("filters", {}),
    }
    if prov.get("period"):
        # The span the data cover, so charts of any table can say "2009–2015".
        base["period"] = prov["period"]
    warned = [*(prov.get("warnings") or []), *extra.pop("warnings", [])]
    if warned:
        base["warnings"] = list(dict.fromkeys(warned))
    base.update(extra)
    return _json_safe(base)


def _finish(table: pd.DataFrame, df: pd.DataFrame | None, **extra) -> StatsTable:
    out = StatsTable(table)
    out.attrs = {"provenance": _provenance(df, **extra)}
    return out


# --- checks -------------------------------------------------------------------------


def _check_level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ParameterError(
            "level", f"expected a number between 0 and 1, e.g. 0.95, got {level!r}"
        )
    return float(level)


def _check_ci(ci) -> str:
    if ci not in _CI_METHODS:
        raise ParameterError("ci", f"expected one of {', '.join(_CI_METHODS)}, got {ci!r}")
    return ci


def _check_unknown(unknown) -> str:
    if unknown not in ("exclude", "include"):
        raise ParameterError("unknown", f"expected 'exclude' or 'include', got {unknown!r}")
    return unknown


def _check_freq(freq, name: str = "freq") -> str:
    if freq not in _FREQS:
        raise ParameterError(name, f"expected Y, Q or M (or year, quarter, month), got {freq!r}")
    return _FREQS[freq]


def _check_column(df: pd.DataFrame, col, name: str) -> str:
    try:
        present = col in df.columns
    except TypeError:  # unhashable
        present = False
    if not present:
        raise ParameterError(name, f"no column {col!r} in the table")
    return col
