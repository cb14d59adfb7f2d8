"""The interactive explorer's logic: a filter state in, the tables, sentence and command out.

No widgets here: ``explore_state`` is a pure function the widgets, the web app and the tests
share, built on the package's own selection and statistics functions.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import i18n, stats
from .errors import IncidentstatsError, ParameterError
from .filters import filter_incidents
from .i18n import check_lang, fmt_date, fmt_number, source_name
from .stats.proportions import _coverage_by_group, _mask_unmeasurable, _warn_all
from .taxonomy import label

__all__ = [
    "ExplorerFilters",
    "ExplorerResult",
    "Prepared",
    "explore_state",
    "filter_choices",
    "select",
]

#: The explorer's own words, ``TEXT[key][lang]``, from the catalogues (keys ``explorer.*``).
TEXT: dict[str, dict[str, str]] = i18n.named("explorer.")
_FILTER_NAMES = i18n.named("explorer.filter.")


def _whole(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return False
    return float(value).is_integer() and value >= 0


def text(key: str, lang: str, **fields) -> str:
    """One of the explorer's sentences in ``lang`` with its fields filled in."""
    return TEXT[key][check_lang(lang)].format(**fields)


@dataclass(frozen=True)
class ExplorerFilters:
    """What the explorer's filters are set to; empty means "all".

    ``start``/``end`` are periods as ``filter_incidents`` reads them (``2015``,
    ``"2015-06"``, ``"2015-06-30"``); list filters keep an incident whose value is
    listed (for ``categories``: that has one of the listed categories);
    ``business_associate`` is True, False or None (all); ``min_records``/``max_records``
    bound ``records_affected`` inclusively (incidents of unknown size are left out as
    soon as either bound is set). ``freq`` is the period of the charts (Y, Q or M).
    """

    start: str | None = None
    end: str | None = None
    organisation_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    business_associate: bool | None = None
    min_records: int | None = None
    max_records: int | None = None
    freq: str = "Y"

    def __post_init__(self):
        for name in ("organisation_types", "regions", "categories", "origins"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            object.__setattr__(self, name, tuple(str(v) for v in (value or ())))
        for name in ("start", "end"):
            value = getattr(self, name)
            # a period as text ("2015", "2015-06"), as the report command and the stats read it
            value = str(value).strip() if value is not None else ""
            object.__setattr__(self, name, value or None)
        for name in ("min_records", "max_records"):
            value = getattr(self, name)
            if value in ("", None):
                object.__setattr__(self, name, None)
            elif not _whole(value):
                raise ParameterError(name, f"expected a whole number >= 0, got {value!r}")
            else:
                object.__setattr__(self, name, int(value))
        if self.min_records is not None and self.max_records is not None:
            if self.max_records < self.min_records:
                raise ParameterError(
                    "max_records", f"{self.max_records} is below min_records {self.min_records}"
                )
        if self.freq not in ("Y", "Q", "M"):
            raise ParameterError("freq", f"expected Y, Q or M, got {self.freq!r}")

    def replace(self, **changes) -> ExplorerFilters:
        """A copy with some filters changed."""
        return dataclasses.replace(self, **changes)


@dataclass
class ExplorerResult:
    """Everything the explorer shows for one filter state (tables from ``stats``)."""

    filters: ExplorerFilters
    lang: str
    selection: pd.DataFrame  # the selected incidents, in the columns the statistics read
    counts: pd.DataFrame | None  # fitted_counts, else counts_by_period; None if no incident
    trend: pd.DataFrame | None
    shares: pd.DataFrame
    largest: pd.DataFrame
    sentence: str
    facts: dict = field(default_factory=dict)  # the sentence's numbers, for the page
    warnings: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    not_in_report: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = field(default=None, repr=False)  # the whole input table
    # tables the sentence does not need are computed when first read (a hidden tab's)
    later: dict = field(default_factory=dict, repr=False)

    def _later(self, name: str):
        value = self.later.get(name)
        if callable(value):
            value = self.later[name] = value()
        return value

    @property
    def mix(self) -> pd.DataFrame | None:
        """``stats.shares_over_time`` of the primary category (None if no incident)."""
        return self._later("mix")

    @property
    def records(self) -> pd.DataFrame | None:
        """``stats.records_summary`` (None if no incident)."""
        return self._later("records")

    @property
    def command_text(self) -> str:
        """The report command as typed in a shell."""
        return shlex.join(self.command)

    @property
    def incidents(self) -> pd.DataFrame:
        """The selected incidents with every column (taken when asked: exports, tests)."""
        if self.table is None or self.table is self.selection:
            return self.selection
        out = self.table.loc[self.selection.index]
        out.attrs = {"provenance": dict(self.selection.attrs.get("provenance", {}))}
        return out


#: The columns the explorer's statistics read; the rest is taken only for an export.
STATS_COLUMNS = (
    "reported_date", "occurred_date", "categories", "category", "origin", "organisation_type",
    "region", "business_associate", "records_affected", "records_placeholder",
)  # fmt: skip
#: From this many incidents on, category counts come from a table built once (``Prepared``).
FAST_ROWS = 100_000


def _field_presence(df: pd.DataFrame) -> dict:
    """``source`` and, for each field a value is detected from, whether a row has it.

    The statistics only ask whether such a field is present (the coverage of a value
    detected from descriptions), so the narrow copy holds an empty string where the text
    is present and a missing value where it is not, not the text itself.
    """
    from .taxonomy import DETECTED_FROM

    out = {}
    if "source" in df.columns:
        out["source"] = df["source"]
    for fields in DETECTED_FROM.values():
        for col in fields.values():
            if col in df.columns and col not in out:
                has = df[col].notna().to_numpy(dtype=bool)
                out[col] = pd.Series(np.where(has, "", None), index=df.index, dtype="string")
    return out


class Prepared:
    """What the explorer computes once per incident table, whatever the filters.

    The statistics read a narrow copy of the table (taking rows of every text column is
    what costs most on a million rows). On large tables it also holds which categories
    each incident has, as a boolean matrix, so a filter change counts incidents per
    category with numpy instead of once more per incident in Python; the intervals still
    come from ``stats.proportion_table``.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table.
    fast : bool, optional
        Use the category matrix; by default from ``FAST_ROWS`` incidents on.
    """

    def __init__(self, df: pd.DataFrame, *, fast: bool | None = None):
        self.df = df
        cols = [c for c in STATS_COLUMNS if c in df.columns]
        unique = df.index.is_unique
        self.narrow = df[cols] if unique else df
        if unique:
            self.narrow = self.narrow.assign(**_field_presence(df))
        self.narrow.attrs = {"provenance": dict(df.attrs.get("provenance", {}))}
        self.fast = bool(unique and (len(df) >= FAST_ROWS if fast is None else fast))
        self.choices = filter_choices(df)
        if self.fast:
            self._index_categories(df["categories"])

    def _index_categories(self, lists: pd.Series) -> None:
        values = sorted({str(v) for v in self.choices["categories"]} | {"unknown"})
        pos = {v: i for i, v in enumerate(values)}
        member = np.zeros((len(lists), len(values)), dtype=bool)
        unknown = pos["unknown"]
        for row, items in enumerate(lists.to_numpy()):
            if items is None or len(items) == 0:
                member[row, unknown] = True
                continue
            for item in items:
                member[row, pos[str(item)]] = True
        self.values = values
        self.member = member
        known = [i for i, v in enumerate(values) if v != "unknown"]
        self.only_unknown = ~member[:, known].any(axis=1)
        self.positions = pd.Series(np.arange(len(lists)), index=lists.index)

    def rows(self, sel: pd.DataFrame) -> np.ndarray:
        """Positions in the whole table of the selected incidents."""
        return self.positions.to_numpy()[self.positions.index.get_indexer(sel.index)]


def filter_choices(df: pd.DataFrame) -> dict[str, list[str]]:
    """Values each list filter can take, most frequent first (``unknown`` last).

    Examples
    --------
    >>> df = pd.DataFrame({"organisation_type": ["provider", "health_plan", "provider"],
    ...     "region": ["CA", "TX", "CA"], "categories": [["theft"], ["hacking", "theft"], ["loss"]],
    ...     "origin": ["accidental", "malicious", "accidental"]})
    >>> filter_choices(df)["categories"]
    ['theft', 'hacking', 'loss']
    """
    out = {}
    for name, col in (
        ("organisation_types", "organisation_type"),
        ("regions", "region"),
        ("origins", "origin"),
    ):
        counts = df[col].dropna().astype(str).value_counts(sort=True)
        values = sorted(counts.index, key=lambda v: (v == "unknown", -counts[v], v))
        if name == "regions":
            values = sorted(values, key=lambda v: (v == "unknown", v))
        out[name] = values
    cats = df["categories"].explode().dropna().astype(str).value_counts()
    out["categories"] = sorted(cats.index, key=lambda v: (v == "unknown", -cats[v], v))
    return out


def select(df: pd.DataFrame, filters: ExplorerFilters, *, prepared: Prepared | None = None):
    """The incidents the filters keep, with the filters in ``attrs["provenance"]``.

    The period, organisation types, regions and categories go through
    ``filter_incidents`` (one period model for the whole package, and the coverage the
    selection stands for); origin, business associate and size then select among its
    rows, recorded the same way: they narrow the incidents, not the span covered. With
    ``prepared``, only the columns the statistics read are returned (and on large tables
    the categories are matched on its category matrix).
    """
    base = prepared.narrow if prepared is not None else df
    fast = prepared is not None and prepared.fast
    out = filter_incidents(
        base,
        start=filters.start,
        end=filters.end,
        organisation_types=list(filters.organisation_types) or None,
        regions=list(filters.regions) or None,
        categories=None if fast else list(filters.categories) or None,
    )
    mask = np.ones(len(out), dtype=bool)
    extra = {}
    if fast and filters.categories:
        # "has at least one of the listed categories", as filter_incidents matches it
        filter_incidents(base.iloc[:0], categories=list(filters.categories))  # checks names
        cols = [prepared.values.index(c) for c in filters.categories if c in prepared.values]
        mask &= prepared.member[prepared.rows(out)][:, cols].any(axis=1) if cols else False
        extra["categories"] = list(filters.categories)
    if filters.origins:
        mask &= out["origin"].isin(filters.origins).fillna(False).to_numpy(dtype=bool)
        extra["origins"] = list(filters.origins)
    if filters.business_associate is not None:
        ba = out["business_associate"].astype("boolean")
        mask &= ba.eq(filters.business_associate).fillna(False).to_numpy(dtype=bool)
        extra["business_associate"] = bool(filters.business_associate)
    records = out["records_affected"]
    if filters.min_records is not None:
        mask &= records.ge(filters.min_records).fillna(False).to_numpy(dtype=bool)
        extra["min_records"] = filters.min_records
    if filters.max_records is not None:
        mask &= records.le(filters.max_records).fillna(False).to_numpy(dtype=bool)
        extra["max_records"] = filters.max_records
    if not extra:
        return out
    prov = dict(out.attrs.get("provenance", {}))
    kept = out.loc[mask]
    done = dict(prov.get("filters", {}))
    if "categories" in extra:  # where filter_incidents would have recorded them
        done = {**{k: done[k] for k in ("organisation_types", "regions") if k in done},
                "categories": extra.pop("categories"), **done}  # fmt: skip
    prov["filters"] = {**done, **extra}
    # the rows it describes: these, over the coverage filter_incidents worked out
    prov["n_rows"] = prov["n_selected"] = len(kept)
    date = "reported_date" if base["reported_date"].notna().any() else "occurred_date"
    dates = kept[date].dropna()
    prov["period"] = (
        {"start": dates.min().strftime("%Y-%m-%d"), "end": dates.max().strftime("%Y-%m-%d")}
        if len(dates)
        else {"start": None, "end": None}
    )
    kept.attrs = {"provenance": prov}
    return kept


def report_command(
    filters: ExplorerFilters,
    *,
    source: str = "hhs",
    inputs=(),
    lang: str = "en",
    output: str | None = None,
) -> tuple[list[str], list[str]]:
    """The ``incidentstats report`` command for these filters, and the filters it cannot carry.

    Examples
    --------
    >>> cmd, left = report_command(ExplorerFilters(start="2015", regions=("CA", "TX")))
    >>> shlex.join(cmd)
    'incidentstats report --source hhs --lang en -p start=2015 -p regions=CA,TX'
    """
    cmd = ["incidentstats", "report", "--source", source]
    for path in inputs:
        cmd += ["--input", str(path)]
    cmd += ["--lang", lang]
    if output:
        cmd += ["-o", str(output)]
    for name in ("start", "end"):
        if getattr(filters, name) is not None:
            cmd += ["-p", f"{name}={getattr(filters, name)}"]
    for name in ("organisation_types", "regions", "categories"):
        if getattr(filters, name):
            cmd += ["-p", f"{name}={','.join(getattr(filters, name))}"]
    if filters.freq != "Y":
        cmd += ["-p", f"freq={filters.freq}"]
    left = []
    if filters.origins:
        left.append("origins")
    if filters.business_associate is not None:
        left.append("business_associate")
    if filters.min_records is not None or filters.max_records is not None:
        left.append("records")
    return cmd, left


def largest_incidents(
    df: pd.DataFrame, *, n: int = 25, names: bool = True, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The ``n`` incidents affecting the most records (ties kept in table order).

    ``table``: the whole incident table ``df`` was selected from, when ``df`` lacks the
    organisation column (the explorer's narrow selection).
    """
    cols = ["reported_date", "records_affected", "category", "organisation_type", "region"]
    if names:
        cols.insert(1, "organisation")
    top = df.dropna(subset=["records_affected"]).nlargest(n, "records_affected", keep="first")
    source = table if table is not None and not set(cols) <= set(df.columns) else df
    out = source.loc[top.index, cols].reset_index(drop=True)
    out.attrs = {"provenance": dict(df.attrs.get("provenance", {}))}
    return out


def explore_state(
    df: pd.DataFrame,
    filters: ExplorerFilters | None = None,
    lang: str = "en",
    *,
    source: str | None = None,
    inputs=(),
    report_dir: str | None = None,
    top_n: int = 25,
    names: bool = True,
    prepared: Prepared | None = None,
) -> ExplorerResult:
    """The tables, the sentence and the report command for one state of the filters.

    Parameters
    ----------
    df : DataFrame
        Canonical incident table (``ist.load``).
    filters : ExplorerFilters, optional
        All incidents by default.
    lang : {"en", "fr"}
    source, inputs :
        What the data were loaded from, for the report command (``source`` defaults to
        the provenance's).
    report_dir : str, optional
        ``-o`` of the report command.
    top_n : int
        Rows of the largest-incidents table.
    names : bool
        Show organisation names in the largest-incidents table.
    prepared : Prepared, optional
        ``Prepared(df)``, kept between calls: what does not depend on the filters.

    Returns
    -------
    ExplorerResult
        ``counts`` is ``stats.fitted_counts`` (or ``counts_by_period`` when no trend can
        be fitted), ``trend`` ``stats.trend``, ``shares`` ``stats.shares`` by category,
        ``mix`` ``stats.shares_over_time`` of the primary category, ``records``
        ``stats.records_summary``, each on the selected incidents with the window as
        their ``start``/``end``. On a large table (``Prepared.fast``) the shares and the
        mix are counted on the category matrix and their intervals computed by
        ``stats.proportion_table``: the same tables, faster.

    Examples
    --------
    >>> import incidentstats as ist
    >>> r = explore_state(ist.load("hhs"), ExplorerFilters(start="2014", end="2014"))
    >>> len(r.incidents), r.facts["n"]
    (278, 278)
    """
    lang = check_lang(lang)
    filters = filters or ExplorerFilters()
    prov = df.attrs.get("provenance", {})
    source = source or prov.get("source", "hhs")
    prepared = prepared if prepared is not None and prepared.df is df else Prepared(df)
    sel = select(df, filters, prepared=prepared)
    window = {"start": filters.start, "end": filters.end}
    freq = filters.freq
    facts: dict = {"n": len(sel)}
    trend = None
    why = ""
    fast = prepared.fast and sel["reported_date"].notna().any()
    if len(sel):
        try:
            counts = stats.fitted_counts(sel, freq, **window)
            trend = stats.trend(sel, freq, **window)
        except IncidentstatsError as exc:
            why = str(exc)
            counts = stats.counts_by_period(sel, freq, **window)
        shares = fast_shares(prepared, sel) if fast else stats.shares(sel, by="categories")
        table = counts
        later = {
            "mix": (
                (lambda: fast_mix(prepared, sel, table))
                if fast
                else (lambda: stats.shares_over_time(sel, by="category", freq=freq, **window))
            ),
            "records": lambda: stats.records_summary(sel),
        }
    else:
        counts = None
        later = {"mix": None, "records": None}
        shares = stats.shares(sel, by="categories")
    largest = largest_incidents(sel, n=top_n, names=names, table=df)
    warnings = [str(w) for w in prov.get("warnings", [])]
    sentence = _sentence(sel, shares, trend, why, warnings, prov, lang, facts)
    command, left = report_command(
        filters, source=source, inputs=inputs, lang=lang, output=report_dir
    )
    return ExplorerResult(
        filters=filters,
        lang=lang,
        selection=sel,
        counts=counts,
        trend=trend,
        shares=shares,
        largest=largest,
        sentence=sentence,
        facts=facts,
        warnings=warnings,
        command=command,
        not_in_report=left,
        table=df,
        later=later,
    )


def fast_shares(prepared: Prepared, sel: pd.DataFrame) -> pd.DataFrame:
    """``stats.shares(sel, by="categories")`` counted on the category matrix."""
    rows = prepared.rows(sel)
    member = prepared.member[rows]
    unknown = prepared.only_unknown[rows]
    n_total, n_unknown = len(rows), int(unknown.sum())
    x = member[~unknown].sum(axis=0)
    order = sorted(
        (i for i, v in enumerate(prepared.values) if v != "unknown" and x[i] > 0),
        key=lambda i: (-x[i], prepared.values[i]),
    )
    table = stats.proportion_table(
        x[order].astype(int), n_total - n_unknown, labels=[prepared.values[i] for i in order]
    )
    table["value"] = table["value"].astype(str)  # as stats.shares types it
    table.insert(3, "n_unknown", n_unknown)
    table.insert(4, "n_total", n_total)
    # Values detected from a field some rows lack (ransomware) carry their coverage and are
    # not measurable below one half, exactly as in stats.shares.
    every = pd.Series(True, index=sel.index)
    table.insert(
        len(table.columns) - 1,
        "coverage",
        _coverage_by_group(sel, every, pd.Series("", index=sel.index), "", table["value"]),
    )
    found = _mask_unmeasurable(table, lambda t: t["value"])
    table.attrs = {"provenance": {**table.attrs["provenance"], "statistic": "shares",
                                  "by": "categories", "n": n_total - n_unknown}}  # fmt: skip
    return _warn_all(table, found)


def fast_mix(prepared: Prepared, sel: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """``stats.shares_over_time(sel, by="category")`` counted with numpy.

    The periods (and which are complete) are those of ``counts``, the table
    ``counts_by_period`` or ``fitted_counts`` made for the same selection and window.
    """
    prov = counts.attrs["provenance"]
    dates = sel["reported_date"].dt.normalize().to_numpy()
    lo, hi = np.datetime64(prov["coverage_start"]), np.datetime64(prov["coverage_end"])
    inside = ~np.isnat(dates) & (dates >= lo) & (dates <= hi)
    starts = counts["start"].to_numpy()
    period = np.searchsorted(starts, dates[inside], side="right") - 1
    category = sel["category"].astype("string").fillna("unknown").to_numpy()[inside].astype(str)
    codes, values = pd.factorize(category, sort=True)
    n_periods = len(counts)
    known = values != "unknown"
    unknown_rows = ~known[codes] if len(codes) else np.zeros(0, dtype=bool)
    n_total = np.bincount(period, minlength=n_periods)
    n_unknown = np.bincount(period[unknown_rows], minlength=n_periods)
    grid = np.zeros((n_periods, len(values)), dtype=int)
    np.add.at(grid, (period, codes), 1)
    totals = grid.sum(axis=0)
    keep = sorted((i for i in range(len(values)) if known[i] and totals[i] > 0),
                  key=lambda i: (-totals[i], values[i]))  # fmt: skip
    k = len(keep)
    n = np.repeat(n_total - n_unknown, k)
    x = grid[:, keep].reshape(-1)
    ci = stats.proportion_table(x, n) if len(x) else None
    out = pd.DataFrame(
        {
            "period": pd.PeriodIndex(np.repeat(counts["period"].to_numpy(), k)),
            "start": np.repeat(starts, k),
            "value": pd.Series(np.tile(np.asarray(values, dtype=object)[keep], n_periods)).astype(
                str
            ),
            "x": x,
            "n": n,
            "n_unknown": np.repeat(n_unknown, k),
            "share": ci["share"].to_numpy() if ci is not None else np.zeros(0),
            "lower": ci["lower"].to_numpy() if ci is not None else np.zeros(0),
            "upper": ci["upper"].to_numpy() if ci is not None else np.zeros(0),
            "complete": np.repeat(counts["complete"].to_numpy(dtype=bool), k),
            "method": ci["method"].iloc[0] if ci is not None else "",
        }
    )
    keep_rows = pd.Series(inside, index=sel.index)
    out.insert(
        out.columns.get_loc("complete"),
        "coverage",
        _coverage_by_group(
            sel, keep_rows, period, pd.Series(np.repeat(np.arange(n_periods), k)), out["value"]
        ),
    )
    found = _mask_unmeasurable(out, lambda t: t["value"])
    out.attrs = {"provenance": {**dict(sel.attrs.get("provenance", {})),
                                "statistic": "shares_over_time", "by": "category",
                                "freq": prov.get("freq"), "coverage_start": prov["coverage_start"],
                                "coverage_end": prov["coverage_end"]}}  # fmt: skip
    return _warn_all(out, found)


def _sentence(sel, shares, trend, why, warnings, prov, lang, facts) -> str:
    parts = []
    n = len(sel)
    if n == 0:
        parts.append(text("none", lang))
    else:
        dates = sel["reported_date"].dropna()
        if dates.empty:
            dates = sel["occurred_date"].dropna()
        first, last = (
            (fmt_date(dates.min(), lang), fmt_date(dates.max(), lang)) if len(dates) else ("–", "–")
        )
        as_of = prov.get("as_of")
        fields = dict(
            n=fmt_number(n, lang),
            first=first,
            last=last,
            source=source_name(prov.get("source", ""), prov.get("dataset"), lang),
            as_of=fmt_date(as_of, lang) if as_of else "–",
        )
        facts.update(n_text=fields["n"], first=first, last=last, as_of=fields["as_of"])
        parts.append(text("selected_one" if n == 1 else "selected", lang, **fields))
        known = shares[shares["value"] != "unknown"]
        if len(known):
            top = known.iloc[0]
            phrase = stats.describe_share(known.iloc[[0]], lang=lang)
            facts.update(top_category=str(top["value"]), top_share=phrase)
            parts.append(text("top_share", lang, category=label(top["value"], lang), share=phrase))
            n_unknown = int(top["n_unknown"])
            if n_unknown:
                key = "unknown_one" if n_unknown == 1 else "unknown"
                parts.append(text(key, lang, k=fmt_number(n_unknown, lang)))
        if trend is not None:
            phrase = stats.describe_trend(trend, lang)
            selected = trend[trend["selected"]]
            model = str(selected["model"].iloc[0]) if len(selected) else "poisson"
            facts.update(trend=phrase)
            name = i18n.MODEL_NAMES.get(model, {}).get(lang, model)
            # describe_trend may already name the model ("…, negative binomial model)")
            named = any(word in phrase for word in ("model", "modèle"))
            periods = str(trend.attrs["provenance"].get("periods_used", ""))
            parts.append(
                text("trend", lang, trend=phrase if named else f"{phrase}, {name}", periods=periods)
            )
        elif why:
            parts.append(text("no_trend", lang, why=why))
    for w in warnings:
        parts.append(text("warning", lang, text=w))
    return " ".join(parts)
