"""Shared fixtures: the real datasets beside the repository, and a tiny incident table."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"


def shared_path(*parts) -> Path:
    """Path of a file under ../shared/datasets; skip (or fail on CI) when absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = (
            f"{path} not found: the real datasets live in ../shared/datasets beside the repository"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def shared():
    """Callable fixture: ``shared("hhs_ocr", "file.csv")`` -> Path (skips if absent)."""
    return shared_path


HHS_2024_PAIR = (
    ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv"),
    ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv"),
)


@pytest.fixture(scope="session")
def _hhs_2024_pair_loaded():
    import warnings

    import incidentstats as ist

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ist.DataWarning)
        return ist.load("hhs", [shared_path(*p) for p in HHS_2024_PAIR])


@pytest.fixture(scope="module")
def hhs_2024_pair(_hhs_2024_pair_loaded):
    """The 2024-07 HHS archive and under-investigation list loaded together.

    Read once per test process (several test modules use it); each module gets its own
    copy, so a test that changed its table could not change another module's.
    """
    return _hhs_2024_pair_loaded.copy()


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs and is not a zombie (Linux: reads /proc)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A folder ``build(folder)`` fills once per test session, whichever process asks first.

    The pytest-xdist recipe: the folder lives beside the workers' own temporary folders and a
    lock on a file there makes the others wait for the first. Tests read it and never write
    there (copy it first); a build that raised leaves no mark, so the next asker builds again.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                build(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture
def tiny():
    """Five hand-made incidents whose statistics can be checked by hand."""
    from incidentstats.schema import conform

    return conform(
        pd.DataFrame(
            {
                "incident_id": ["a", "b", "c", "d", "e"],
                "source": "test",
                "reported_date": pd.to_datetime(
                    ["2020-01-05", "2020-02-10", "2021-03-01", "2021-07-04", "2022-12-31"]
                ),
                "organisation": ["A", "B", "C", "D", "E"],
                "organisation_type": [
                    "provider",
                    "provider",
                    "health_plan",
                    "business_associate",
                    "provider",
                ],
                "region": ["TX", "TX", "CA", "CA", "NY"],
                "country": "US",
                "categories": [["theft"], ["hacking", "theft"], ["hacking"], ["loss"], ["unknown"]],
                "category": ["theft", "hacking", "hacking", "loss", "unknown"],
                "source_categories": [
                    ["Theft"],
                    ["Hacking/IT Incident", "Theft"],
                    ["Hacking/IT Incident"],
                    ["Loss"],
                    [],
                ],
                "origin": ["malicious", "malicious", "malicious", "accidental", "unknown"],
                "locations": [["laptop"], ["email"], ["network_server"], ["paper"], []],
                "records_affected": pd.array([500, 1200, 10_000, None, 501], dtype="Int64"),
                "business_associate": pd.array([False, True, False, True, None], dtype="boolean"),
            }
        )
    )


# --- spreading the suite over pytest-xdist workers -------------------------------------------
# ``make test`` runs ``pytest -n auto --dist loadscope --no-loadscope-reorder``. Here a "scope",
# the unit a worker takes whole, is a test module (its module fixtures are built once), except
# in the modules below, where each test is its own unit and goes to whichever worker is free.

#: Modules of independent runs (a notebook, a report, a command in a subprocess) whose module
#: fixtures, if any, cost next to nothing (a copy of a table loaded once per worker). A test
#: that reads an expensive module fixture does not belong here (see test_report_default.py).
SPREAD = {
    "test_notebooks", "test_hostile", "test_report", "test_batch", "test_periods",
    "test_explore", "test_cli", "test_properties", "test_stats",
}  # fmt: skip

#: The longest units first (tens of seconds each on 2 cores): a free worker takes the next
#: unit, so starting with the long ones leaves the short ones to even out the end. Modules
#: not listed follow in their usual order.
LONGEST_FIRST = [
    "test_i18n_reports",  # three French reports
    "test_report_default",  # the default report, read by five tests
    "test_explore_browser",  # Chromium driving the web app
    "test_batch",  # batch reports in processes and on a Dask cluster
    "test_install",  # a wheel in a fresh venv writing a report
    "test_notebooks",  # each notebook x input
    "test_report",
    "test_periods",
    "test_security",
    "test_hostile",
    "test_kit",
    "test_explore",
    "test_bad_inputs",  # one module fixture runs every bad file through `clean` (forks)
]


def pytest_sessionfinish(session):
    """Stop the fork server of tests/clirun.py in this process, so its runs count in `time`."""
    clirun = sys.modules.get("clirun")
    if clirun is not None:
        clirun.stop_server()


def pytest_collection_modifyitems(config, items):
    """Put the longest units first (stable: a module's tests keep their order)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(item.path).stem, len(rank)))


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown without it
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadscope``, the scopes described above (None: pytest-xdist's own)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleOrTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if Path(module).stem in SPREAD else module

    return ModuleOrTest(config, log)
