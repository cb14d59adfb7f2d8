"""The report notebooks: bilingual sources paired with percent-format scripts, stored clean,
and the one-language notebooks built from them."""

from __future__ import annotations

import json

import jupytext
import pytest

from incidentstats.i18n import LANGS
from incidentstats.paths import language_notebooks, notebook_sources
from incidentstats.report import language_notebook_text

NOTEBOOKS = sorted(notebook_sources().glob("*.ipynb"))
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
FIX = "run `make notebooks` (jupytext --sync, outputs cleared, en/ and fr/ rebuilt)"


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


@pytest.mark.parametrize("lang", LANGS)
def test_language_notebooks_are_what_the_sources_build(lang):
    folder = language_notebooks(lang)
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [p.name for p in NOTEBOOKS], FIX
    for source in NOTEBOOKS:
        stored = (folder / source.name).read_text(encoding="utf-8")
        assert stored == language_notebook_text(source, lang), f"{lang}/{source.name}; {FIX}"


@pytest.mark.parametrize("lang", LANGS)
def test_a_language_notebook_reads_in_one_language(lang):
    other = {f"lang-{x}" for x in LANGS if x != lang}
    nb = jupytext.read(language_notebooks(lang) / "overview.ipynb")
    tags = {tag for cell in nb.cells for tag in cell.metadata.get("tags", [])}
    assert f"lang-{lang}" in tags and not tags & other
    (params,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert f'lang = "{lang}"' in params.source  # runs in its language as opened
    assert "jupytext" not in nb.metadata  # read, not paired: edits go to the sources
    heading = {"en": "# Overview", "fr": "# Vue d'ensemble"}[lang]
    assert nb.cells[0].source.startswith(heading)


def test_copy_gives_one_language_or_the_sources(tmp_path):
    from incidentstats.errors import ParameterError
    from incidentstats.paths import copy_notebooks

    written = copy_notebooks(tmp_path / "fr", lang="fr")
    assert sorted(p.name for p in written) == [p.name for p in NOTEBOOKS]
    text = (tmp_path / "fr" / "trends.ipynb").read_text(encoding="utf-8")
    assert text == (language_notebooks("fr") / "trends.ipynb").read_text(encoding="utf-8")
    copy_notebooks(tmp_path / "src", sources=True)
    assert (tmp_path / "src" / "trends.py").is_file() and (
        tmp_path / "src" / "jupytext.toml"
    ).is_file()
    with pytest.raises(ParameterError, match="lang"):
        copy_notebooks(tmp_path / "de", lang="de")
    with pytest.raises(ParameterError, match="--overwrite"):
        copy_notebooks(tmp_path / "fr", lang="fr")
