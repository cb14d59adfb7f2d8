"""Build a report notebook from a compact Python description (kept for maintainers).

Usage: python tools/make_notebook.py  (rewrites notebooks/*.ipynb from tools/notebooks/*.py)
Each description module defines META (dict) and CELLS: a list of
("md", text, tags) / ("code", source, tags) tuples.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def build(desc_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location(desc_path.stem, desc_path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "incidentstats": mod.META,
    }
    for i, (kind, source, tags) in enumerate(mod.CELLS):
        cell = nbformat.v4.new_markdown_cell(source.strip()) if kind == "md" else nbformat.v4.new_code_cell(source.strip())
        if tags:
            cell.metadata["tags"] = list(tags)
        cell.id = f"{desc_path.stem}-{i:02d}"  # stable ids: regenerating changes nothing
        nb.cells.append(cell)
    out = ROOT / "notebooks" / f"{desc_path.stem}.ipynb"
    nbformat.write(nb, str(out))
    return out


if __name__ == "__main__":
    targets = sys.argv[1:] or sorted((ROOT / "tools" / "notebooks").glob("*.py"))
    for t in targets:
        print(build(Path(t)))
