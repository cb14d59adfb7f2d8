"""incidentstats: honest statistics, charts and reports on health-sector cyber incidents.

``import incidentstats as ist``; ``ist.load()`` gives the canonical incident table,
``ist.filter_incidents`` selects from it, and ``ist.plots`` charts the statistics tables.
"""

from ._version import __version__
from .errors import (  # noqa: E402
    DataWarning,
    IncidentstatsError,
    InputError,
    ParameterError,
    ReportError,
)
from .explorer import ExplorerFilters, explore_state  # noqa: E402
from .filters import filter_incidents  # noqa: E402
from .ingest import Ingested, ingest, load  # noqa: E402
from .stats import *  # noqa: E402,F403
from .stats import __all__ as _stats_all  # noqa: E402

__all__ = [
    "__version__",
    "DataWarning",
    "IncidentstatsError",
    "InputError",
    "ParameterError",
    "ReportError",
    "Ingested",
    "ingest",
    "load",
    "filter_incidents",
    "explore",
    "explore_state",
    "ExplorerFilters",
    *_stats_all,
]


def explore(df=None, **options):
    """Explore incidents interactively in JupyterLab (see ``explorer_ui.explore``)."""
    from .explorer_ui import explore as _explore  # ipywidgets only when the explorer opens

    return _explore(df, **options)


def __getattr__(name):
    # ``ist.plots`` imports matplotlib on first use, so the command line stays fast.
    if name == "plots":
        import importlib

        return importlib.import_module(".plots", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
