"""Where the package's own files live: report notebooks, templates, catalogues, embedded data.

The one place that knows, through ``importlib.resources``, so a wheel, an editable install
and a checkout all find the same files.
"""

from __future__ import annotations

import importlib.resources
import shutil
from pathlib import Path

from .errors import ParameterError


def package_path(*parts: str) -> Path:
    """Path of a file shipped inside the package.

    Examples
    --------
    >>> package_path("templates", "report.css").is_file()
    True
    """
    return Path(str(importlib.resources.files("incidentstats").joinpath(*parts)))


def notebook_sources() -> Path:
    """The folder of the report notebooks shipped with the package (``*.ipynb`` and their
    paired percent-format ``*.py``).

    Examples
    --------
    >>> (notebook_sources() / "overview.ipynb").is_file()
    True
    """
    return package_path("notebooks")


def copy_notebooks(dest, *, overwrite: bool = False) -> list[Path]:
    """Copy the report notebooks, their paired scripts and the pairing configuration
    (``jupytext.toml``) into ``dest`` for editing.

    Existing files are kept unless ``overwrite``: a researcher's edits are never lost.
    Returns the paths written.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise ParameterError("DIR", f"{dest} is a file; expected a folder")
    sources = sorted(
        p
        for p in notebook_sources().iterdir()
        if p.suffix in {".ipynb", ".py", ".toml"} and p.is_file()
    )
    clash = [p.name for p in sources if (dest / p.name).exists()]
    if clash and not overwrite:
        raise ParameterError(
            "DIR", f"{dest} already holds {', '.join(clash)}; use --overwrite to replace them"
        )
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        shutil.copyfile(src, dest / src.name)
        written.append(dest / src.name)
    return written
