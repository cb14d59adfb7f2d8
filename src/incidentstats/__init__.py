"""incidentstats: honest statistics, charts and reports on health-sector cyber incidents.

``import incidentstats as ist``; ``ist.load()`` gives the canonical incident table,
``ist.filter_incidents`` selects from it, and ``ist.plots`` charts the statistics tables.
"""

import importlib  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402

from ._version import __version__  # noqa: F401 (re-exported)
from .errors import (  # noqa: E402, F401 (re-exported; __all__ is built on demand)
    DataWarning,
    IncidentstatsError,
    InputError,
    ParameterError,
    ReportError,
)

# The rest is imported on first use (PEP 562), so that ``incidentstats --help`` does not
# pay for pandas: name -> the module that defines it; statistics come from ``.stats``.
_LAZY = {
    "ExplorerFilters": ".explorer",
    "explore_state": ".explorer",
    "filter_incidents": ".filters",
    "Ingested": ".ingest",
    "ingest": ".ingest",
    "load": ".ingest",
}
_OWN = [
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
]


class _Package(types.ModuleType):
    def __setattr__(self, name, value):
        # Importing the submodule ``incidentstats.ingest`` binds it here under the name of
        # the function; ``ist.ingest`` stays the function, as when it was imported eagerly.
        if name == "ingest" and isinstance(value, types.ModuleType):
            value = value.ingest
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def explore(df=None, **options):
    """Explore incidents interactively in JupyterLab (see ``explorer_ui.explore``)."""
    from .explorer_ui import explore as _explore  # ipywidgets only when the explorer opens

    return _explore(df, **options)


def __getattr__(name):
    # ``ist.plots`` imports matplotlib on first use, so the command line stays fast.
    if name == "plots":
        return importlib.import_module(".plots", __name__)
    stats = None
    if name == "__all__":
        stats = importlib.import_module(".stats", __name__)
        value = [*_OWN, *stats.__all__]
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif "." not in name and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # A submodule not imported yet: ``from . import report`` asks for the attribute
        # before importing it, and no statistic has a submodule's name.
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        stats = importlib.import_module(".stats", __name__)
        if name not in stats.__all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(stats, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__getattr__("__all__")})
