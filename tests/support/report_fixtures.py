"""pytest fixtures for report tests: artifact roots made by real runs (session scoped: the
runs happen once). Import them in a conftest.py of the test folder that needs them."""

from __future__ import annotations

import dataclasses
import pathlib

import pytest

from tests.support.report_data import (
    BAND_DAYS,
    band_project,
    four_outcomes_project,
    partition_column_project,
    run_days,
    xss_project,
)

FOUR_JOBS = {"strict_events": "block", "missing_events": "not_evaluated",
             "training_events": "warn", "lenient_events": "pass"}
FOUR_DAYS = [f"2026-11-0{d}" for d in range(1, 7)]


@dataclasses.dataclass(frozen=True)
class Project:
    project: pathlib.Path
    root: pathlib.Path  # PROJECT/dqv-artifacts, the default artifact root of the CLI


@pytest.fixture(scope="session")
def four_outcomes(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Four jobs run for ds 2026-11-01..06; on 11-06 they end block, not evaluated, warn, pass."""
    project = four_outcomes_project(tmp_path_factory.mktemp("four-outcomes"))
    run_days(project, project / "dqv-artifacts", list(FOUR_JOBS), FOUR_DAYS)
    return Project(project, project / "dqv-artifacts")


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A job whose data and config carry HTML, run for ds 2026-11-01 and 02."""
    project = xss_project(tmp_path_factory.mktemp("hostile"))
    run_days(project, project / "dqv-artifacts", ["hostile"], ["2026-11-01", "2026-11-02"])
    return Project(project, project / "dqv-artifacts")


@pytest.fixture(scope="session")
def partitioned(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A job whose partition column `ds` is a feature (the schema names it), run for 11-05, 06."""
    project = partition_column_project(tmp_path_factory.mktemp("partitioned"))
    run_days(project, project / "dqv-artifacts", ["by_column"], ["2026-11-05", "2026-11-06"])
    return Project(project, project / "dqv-artifacts")


@pytest.fixture(scope="session")
def banded(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """12 days of a job whose volume monitor has a band from day 6 on; day 10 is flagged."""
    project = band_project(tmp_path_factory.mktemp("banded"))
    run_days(project, project / "dqv-artifacts", ["volume_job"], BAND_DAYS)
    return Project(project, project / "dqv-artifacts")
