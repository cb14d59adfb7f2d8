"""Readers: one module per source format, and format detection for ``source="auto"``.

Each reader module exposes ``read(path, **options) -> ReadResult`` and
``detect(path) -> bool`` (a cheap look at the file's start).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from ..errors import InputError, ParameterError
from .base import ReadResult

#: source name -> module holding ``read`` and ``detect``, in detection order.
SOURCES: dict[str, str] = {
    "hhs": "incidentstats.readers.hhs",
    "veris": "incidentstats.readers.veris",
    "prc": "incidentstats.readers.prc",
    "csv": "incidentstats.readers.register",
}
SOURCE_NAMES = ("auto", *SOURCES, "france")


def reader_module(source: str):
    """Return the reader module for ``source``, or raise ParameterError."""
    if source not in SOURCES:
        raise ParameterError(
            "source", f"unknown source {source!r}; expected one of {', '.join(SOURCE_NAMES)}"
        )
    return importlib.import_module(SOURCES[source])


def detect_source(path) -> str:
    """Return the source name whose reader recognises ``path``.

    Raises InputError naming the file when no reader recognises it.
    """
    import stat

    from ..limits import check_name, check_regular_file, path_problem, shown_path

    p = Path(path)
    check_name(p)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise InputError(shown_path(p), path_problem(exc)) from None
    if not stat.S_ISDIR(st.st_mode):
        check_regular_file(p)  # before any reader opens it: a FIFO would block detection
    for name in SOURCES:
        if name == "csv":
            continue  # a generic register needs a mapping file; never guessed
        module = reader_module(name)
        if module.detect(p):
            return name
    raise InputError(
        p,
        "format not recognised: expected an HHS portal export (CSV/Excel), VERIS JSON "
        "(file or directory), or a Privacy Rights Clearinghouse CSV; for your own register "
        "use --source csv --mapping FILE",
    )


def read(source: str, path, **options) -> ReadResult:
    """Read one file (or VERIS directory) with the reader of ``source``."""
    module = reader_module(source)
    try:
        return module.read(path, **options)
    except TypeError as exc:
        if "unexpected keyword argument" in str(exc):
            bad = str(exc).split("argument")[-1].strip(" '\"")
            raise ParameterError(bad, f"not an option of the {source!r} reader") from None
        raise


__all__ = ["ReadResult", "SOURCES", "SOURCE_NAMES", "detect_source", "read", "reader_module"]
