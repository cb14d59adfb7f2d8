"""The package as users get it: a built wheel in a fresh venv writes a report from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def _run(argv, *, env=None, **kwargs):
    # Without PYTHONPATH: a checkout on it would stand in for the installed package.
    env = env or {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "INCIDENTSTATS_NOTEBOOKS"}
    }
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, **kwargs)
    assert proc.returncode == 0, f"{argv[:4]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


def test_wheel_installed_in_a_fresh_venv_writes_a_report_outside_the_repository(tmp_path):
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, REPO])
    (wheel,) = wheels.glob("incidentstats-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel])
    # The dependencies come from this interpreter's site-packages (no download), added
    # after the install so pip does not mistake a development install there for this one.
    (purelib / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "INCIDENTSTATS_NOTEBOOKS"}
    }
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    # nbconvert's templates are data files of the borrowed dependencies, not packages
    env["JUPYTER_PATH"] = str(Path(sysconfig.get_paths()["data"]) / "share" / "jupyter")
    where = _run(
        [python, "-c", "import incidentstats; print(incidentstats.__file__)"], cwd=outside, env=env
    )
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout  # not the checkout

    _run([env_dir / "bin" / "incidentstats", "report", "--notebooks", "overview", "--format", "html",
          "-o", "reports"], cwd=outside, env=env)  # fmt: skip
    (report,) = (outside / "reports").rglob("report.html")
    html = report.read_text(encoding="utf-8")
    assert "1151" in html.replace(",", "").replace("\u202f", "")  # incidents in the embedded list
    assert "<svg" in html or "<img" in html  # the charts made it in

    copies = _run(
        [env_dir / "bin" / "incidentstats", "notebooks", "copy", "mine", "--lang", "fr"],
        cwd=outside, env=env,
    )  # fmt: skip
    assert "mine/overview.ipynb" in copies.stdout.splitlines()
    overview = (outside / "mine" / "overview.ipynb").read_text(encoding="utf-8")
    assert "Vue d'ensemble" in overview and "# Overview" not in overview
    _run([env_dir / "bin" / "incidentstats", "notebooks", "copy", "src", "--sources"],
         cwd=outside, env=env)  # fmt: skip
    assert (outside / "src" / "trends.ipynb").is_file() and (
        outside / "src" / "trends.py"
    ).is_file()
    assert (outside / "src" / "jupytext.toml").is_file()  # so JupyterLab keeps the pairs in sync
