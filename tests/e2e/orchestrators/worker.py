"""What the orchestrator tests share: the orchestrators run in their own pinned virtualenvs
(`make airflow-venv`, `make kfp-venv`; `make test` builds both) and reach dqv only through a
`dqv` executable, as on a real worker."""

from __future__ import annotations

import os
import pathlib
import shutil
import sys

import pytest

from tests.conftest import REPO

# A day of each kind in the bundled sample data (README "make demo"): clean; a dropped column
# (blocked); a ds whose partition has not landed (not ready: exit 2 today, 3 once it exists).
PASS_DAY, BLOCKED_DAY, NOT_READY_DAY = "2026-11-01", "2026-11-07", "2026-12-25"


def orchestrator_python(venv: str, make_target: str) -> pathlib.Path:
    python = REPO / venv / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{venv} is missing: run `make {make_target}` (make test builds it)")
    return python


def dqv_executable(folder: pathlib.Path) -> pathlib.Path:
    """`FOLDER/dqv`: runs this checkout's dqv in the project's virtualenv, whatever the caller's
    PYTHONPATH (an orchestrator's worker runs its own Python)."""
    folder.mkdir(parents=True, exist_ok=True)
    dqv_bin = folder / "dqv"
    dqv_bin.write_text(f'#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} -m validator.cli.main "$@"\n')
    dqv_bin.chmod(0o755)
    return dqv_bin


def make_project(root: pathlib.Path) -> pathlib.Path:
    """ROOT/project with the bundled job and schema and the sample data linked; ROOT/bin/dqv."""
    project = root / "project"
    (project / "jobs").mkdir(parents=True)
    shutil.copytree(REPO / "schemas", project / "schemas")
    shutil.copy(REPO / "jobs" / "training_events.yaml", project / "jobs")
    (project / "sample_data").symlink_to(REPO / "sample_data")
    dqv_executable(root / "bin")
    return project


def orchestrator_env(project: pathlib.Path, **extra: str) -> dict[str, str]:
    """The environment of an orchestrator process: no PYTHONPATH or settings of ours leak in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW", "DQV_", "KFP_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(DQV_BIN=str(project.parent / "bin" / "dqv"), DQV_PROJECT_DIR=str(project),
               DQV_ARTIFACT_ROOT=str(project / "dqv-artifacts"), PYTHONWARNINGS="ignore", **extra)
    return env
