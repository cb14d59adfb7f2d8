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
    """The folder of the report notebooks' one source: bilingual ``*.ipynb``, their paired
    percent-format ``*.py`` and ``jupytext.toml``; narrative cells are tagged by language.

    Examples
    --------
    >>> (notebook_sources() / "overview.ipynb").is_file()
    True
    """
    return package_path("notebooks", "sources")


def language_notebooks(lang: str) -> Path:
    """The folder of the one-language notebooks built from the sources (``notebooks/<lang>``).

    Examples
    --------
    >>> (language_notebooks("fr") / "overview.ipynb").is_file()
    True
    """
    return package_path("notebooks", lang)


def copy_notebooks(dest, *, lang: str = "en", sources: bool = False, overwrite: bool = False):
    """Copy the report notebooks into ``dest`` for editing.

    By default the one-language notebooks of ``lang`` (what a researcher reads); with
    ``sources``, the bilingual sources, their paired scripts and the pairing configuration
    (``jupytext.toml``). Existing files are kept unless ``overwrite``: a researcher's edits
    are never lost. Returns the paths written.
    """
    from .i18n import check_lang

    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise ParameterError("DIR", f"{dest} is a file; expected a folder")
    folder = notebook_sources() if sources else language_notebooks(check_lang(lang))
    kept = {".ipynb", ".py", ".toml"} if sources else {".ipynb"}
    files = sorted(p for p in folder.iterdir() if p.suffix in kept and p.is_file())
    clash = [p.name for p in files if (dest / p.name).exists()]
    if clash and not overwrite:
        raise ParameterError(
            "DIR", f"{dest} already holds {', '.join(clash)}; use --overwrite to replace them"
        )
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for src in files:
        shutil.copyfile(src, dest / src.name)
        written.append(dest / src.name)
    return written
