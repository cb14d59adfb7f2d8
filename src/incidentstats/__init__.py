"""incidentstats: honest statistics, charts and reports on health-sector cyber incidents.

``import incidentstats as ist``; ``ist.load()`` gives the canonical incident table.
"""

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    DataWarning,
    IncidentstatsError,
    InputError,
    ParameterError,
    ReportError,
)
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
    *_stats_all,
]
