"""Shared fixtures: the real datasets beside the repository, and a tiny incident table."""

from __future__ import annotations

import os
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
