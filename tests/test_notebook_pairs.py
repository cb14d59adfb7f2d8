"""The report notebooks and their percent-format scripts: one source, stored clean."""

from __future__ import annotations

import json

import jupytext
import pytest

from incidentstats.paths import notebook_sources

NOTEBOOKS = sorted(notebook_sources().glob("*.ipynb"))
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
FIX = "run `make notebooks` (jupytext --sync, then outputs cleared)"


def _cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_notebook_is_found_with_its_pair():
    assert {p.stem for p in NOTEBOOKS} >= {"overview", "trends", "categories", "ratios", "france"}
    for path in NOTEBOOKS:
        assert path.with_suffix(".py").is_file(), f"{path.name} has no paired {path.stem}.py; {FIX}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_pair_has_not_drifted(path):
    script = jupytext.read(path.with_suffix(".py"), fmt="py:percent")
    notebook = jupytext.read(path)
    assert _cells(script) == _cells(notebook), f"{path.name} and {path.stem}.py differ; {FIX}"
    for key in ("incidentstats", "kernelspec"):
        assert script.metadata.get(key) == notebook.metadata.get(key), f"{path.stem}: {key}; {FIX}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_with_a_fixed_kernel(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"] == KERNELSPEC, f"{path.name}: kernelspec; {FIX}"
    for cell in nb["cells"]:
        assert "id" in cell  # stable ids: a re-save does not renumber them
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name}: {FIX}"
