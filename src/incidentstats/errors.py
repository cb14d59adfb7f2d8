"""Exceptions a user can cause, each with a one-line message.

The CLI prints ``str(error)`` and exits non-zero; anything else is a bug.
"""

from __future__ import annotations


class IncidentstatsError(Exception):
    """Base class for every error a user can cause (bad file, bad parameter).

    The message is one line that names the file or parameter and what was expected.
    """

    exit_code = 2

    def __init__(self, message: str):
        # Never let a multi-line message (e.g. from a parser) reach the terminal.
        super().__init__(" ".join(str(message).split()))


class InputError(IncidentstatsError):
    """An input file is missing, empty, unreadable or not in a known format."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ParameterError(IncidentstatsError):
    """A function, CLI or notebook parameter has an unusable value."""

    def __init__(self, name: str, problem: str):
        self.name = name
        self.problem = problem
        super().__init__(f"parameter {name!r}: {problem}")


class ReportError(IncidentstatsError):
    """A notebook failed while a report was being made."""

    exit_code = 1


class DataWarning(UserWarning):
    """The data cannot fully support the statistic asked of them.

    Raised as a warning, not an error: the result is still computed, but a reader should
    know about the limitation (a partial period, a list that is not a census, exports of
    different dates mixed together). The message is also recorded in the table's
    ``attrs["provenance"]["warnings"]`` so notebooks and reports can show it.
    """


def data_warning(message: str, prov: dict | None = None, *, stacklevel=3) -> None:
    """Warn about a limitation of the data and record it in the provenance.

    Parameters
    ----------
    message : str
        One sentence a reader can act on.
    prov : dict, optional
        A provenance dictionary (``df.attrs["provenance"]``); the message is appended,
        once, to its ``"warnings"`` list.
    stacklevel : int
        Passed to :func:`warnings.warn` so the warning points at the user's call.
    """
    import warnings

    warnings.warn(message, DataWarning, stacklevel=stacklevel)
    if prov is not None:
        recorded = prov.setdefault("warnings", [])
        if message not in recorded:
            recorded.append(message)
