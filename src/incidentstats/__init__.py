"""incidentstats: honest statistics, charts and reports on health-sector cyber incidents.

``import incidentstats as ist``; ``ist.load()`` gives the canonical incident table.
"""

__version__ = "0.1.0"

from .errors import IncidentstatsError, InputError, ParameterError, ReportError  # noqa: E402
from .explorer import ExplorerFilters, explore_state  # noqa: E402
from .ingest import Ingested, ingest, load  # noqa: E402
from .stats import *  # noqa: E402,F403
from .stats import __all__ as _stats_all  # noqa: E402

__all__ = [
    "__version__",
    "IncidentstatsError",
    "InputError",
    "ParameterError",
    "ReportError",
    "Ingested",
    "ingest",
    "load",
    "explore",
    "explore_state",
    "ExplorerFilters",
    *_stats_all,
]


def explore(df=None, **options):
    """Explore incidents interactively in JupyterLab (see ``explorer_ui.explore``)."""
    from .explorer_ui import explore as _explore  # ipywidgets only when the explorer opens

    return _explore(df, **options)
