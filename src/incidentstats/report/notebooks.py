"""Report notebooks: where they live, their metadata, the parameters they declare, and the
one-language notebooks built from the bilingual sources (``notebook_dir``, ``language_notebook``).
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

from ..errors import ReportError

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def notebook_dir() -> Path:
    """The folder holding the report notebooks: ``INCIDENTSTATS_NOTEBOOKS``, else the bilingual
    sources shipped in the package (``paths.notebook_sources``)."""
    from ..paths import notebook_sources

    env = os.environ.get("INCIDENTSTATS_NOTEBOOKS")
    candidates = [Path(env)] if env else []
    candidates.append(notebook_sources())
    for cand in candidates:
        if cand.is_dir() and any(cand.glob("*.ipynb")):
            return cand.resolve()
    raise ReportError("notebooks folder not found (set INCIDENTSTATS_NOTEBOOKS)")


def available_notebooks() -> dict[str, Path]:
    """Name -> path of every report notebook, in the order of their ``order`` metadata."""
    found = {path.stem: path for path in sorted(notebook_dir().glob("*.ipynb"))}
    return dict(
        sorted(found.items(), key=lambda kv: (notebook_meta(kv[1]).get("order", 99), kv[0]))
    )


def notebook_meta(path) -> dict:
    """The ``incidentstats`` block of a notebook's metadata (sources, order, titles)."""
    return _notebook_meta(str(path), _mtime(path))


@functools.lru_cache(maxsize=64)
def _notebook_meta(path: str, mtime: int) -> dict:
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    return nb.get("metadata", {}).get("incidentstats", {})


def _mtime(path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def declared_parameters(path) -> dict[str, dict]:
    """Parameters a notebook declares in its ``parameters`` cell: name -> {type, default}."""
    return {k: dict(v) for k, v in _declared_parameters(str(path), _mtime(path)).items()}


def import_nbformat() -> None:
    """Import nbformat (and so papermill's validator) without jsonschema's IRI grammars.

    When ``rfc3987_syntax`` is installed, importing jsonschema compiles its 39 Lark
    grammars (about a second, every run) for the ``iri`` format checks, which notebook
    validation never uses. The module is hidden only while jsonschema is first imported.
    """
    import sys

    if "jsonschema" in sys.modules:
        return
    hidden = "rfc3987_syntax" not in sys.modules
    if hidden:
        sys.modules["rfc3987_syntax"] = None  # an ImportError for jsonschema, which allows it
    try:
        import nbformat  # noqa: F401
    finally:
        if hidden and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]


@functools.lru_cache(maxsize=64)
def _declared_parameters(path: str, mtime: int) -> dict[str, dict]:
    import logging

    import_nbformat()
    import papermill

    # papermill logs each line it cannot parse; a declared parameter must parse, so we check below.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    params = papermill.inspect_notebook(path)
    declared = {}
    for name, info in params.items():
        kind = info.get("inferred_type_name") or "None"
        if kind == "None":
            # No annotation: the type of the default literal is the declared type.
            default = literal(info.get("default"))
            kind = {
                bool: "bool",
                int: "int",
                float: "float",
                str: "str",
                list: "list",
                dict: "dict",
            }.get(type(default), "None")
        declared[name] = {"type": kind, "default": info.get("default")}
    return declared


def default_notebooks(source: str) -> list[str]:
    """Notebooks that apply to ``source`` by default (their metadata lists it)."""
    out = []
    for name, path in available_notebooks().items():
        meta = notebook_meta(path)
        if source in meta.get("sources", []) and meta.get("default", True):
            out.append(name)
    return out


def literal(text):
    import ast

    if text is None:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


#: The default of the ``lang`` parameter, in a parameters cell.
_LANG_PARAMETER = re.compile(r'^lang = "[^"]*"', re.M)


def language_notebook(source, lang: str):
    """The one-language notebook built from a bilingual source notebook.

    Narrative cells tagged for another language (``lang-en`` / ``lang-fr``) are left out,
    the ``lang`` parameter defaults to ``lang`` and the jupytext pairing is dropped: the
    sources are edited, these are read. Cell ids are the source's, so a rebuild is stable.
    """
    import nbformat

    from ..i18n import LANGS, check_lang

    check_lang(lang)
    nb = nbformat.read(str(source), as_version=4)
    other = {f"lang-{x}" for x in LANGS if x != lang}
    nb.cells = [c for c in nb.cells if not other & set(c.get("metadata", {}).get("tags", []))]
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = _LANG_PARAMETER.sub(f'lang = "{lang}"', cell.source)
    nb.metadata.pop("jupytext", None)
    nb.metadata.setdefault("incidentstats", {})["lang"] = lang
    return nb


def language_notebook_text(source, lang: str) -> str:
    """``language_notebook`` as the text stored in ``notebooks/<lang>/``."""
    import nbformat

    return nbformat.writes(language_notebook(source, lang)) + "\n"


def write_language_notebooks() -> list[Path]:
    """Rebuild ``notebooks/<lang>/*.ipynb`` for every language from the sources
    (``make notebooks`` runs this). Returns the paths written."""
    from .._files import write_text
    from ..i18n import LANGS
    from ..paths import language_notebooks, notebook_sources

    sources = sorted(notebook_sources().glob("*.ipynb"))
    written = []
    for lang in LANGS:
        folder = language_notebooks(lang)
        folder.mkdir(exist_ok=True)
        for stale in folder.glob("*.ipynb"):  # a source removed or renamed
            if stale.name not in {p.name for p in sources}:
                stale.unlink()
        for source in sources:
            written.append(write_text(folder / source.name, language_notebook_text(source, lang)))
    return written
