"""Shared fixtures. Services (emulator, Pushgateway, Slack stand-in) are started by the
fixtures of the tests that need them, by PID, and stopped at the end of the session."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.slack_fixtures import slack_standin  # noqa: F401  (shared fixture)

REPO = pathlib.Path(__file__).resolve().parent.parent
SAMPLE_DAYS = [f"2026-11-{d:02d}" for d in range(1, 12)]
TEST_ARTIFACTS = REPO / "test-artifacts"  # screenshots and other outputs worth keeping


def dqv(*args: str, cwd: pathlib.Path = REPO, env: dict[str, str] | None = None,
        timeout: float = 600, check_exit: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, the way users and schedulers do."""
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "validator.cli.main", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check_exit is not None and proc.returncode != check_exit:
        raise AssertionError(f"dqv {' '.join(args)} exited {proc.returncode}, expected "
                             f"{check_exit}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


@pytest.fixture
def run_dqv() -> Callable[..., subprocess.CompletedProcess[str]]:
    return dqv


@pytest.fixture
def tmp_project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A project directory with the bundled job and schema; the sample data is linked."""
    (tmp_path / "jobs").mkdir()
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    shutil.copy(REPO / "jobs" / "training_events.yaml", tmp_path / "jobs")
    (tmp_path / "sample_data").symlink_to(REPO / "sample_data")
    return tmp_path


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`dqv run` over every sample day, in order, into one artifact root.

    Returns {"root": path, ds: {"exit": code, "record": run.json contents}}.
    """
    root = tmp_path_factory.mktemp("sample-runs")
    results: dict[str, Any] = {"root": root}
    for ds in SAMPLE_DAYS:
        proc = dqv("run", "training_events", "--ds", ds, "--json", "--quiet",
                   "--artifact-root", str(root))
        assert proc.stdout, proc.stderr
        results[ds] = {"exit": proc.returncode, "record": json.loads(proc.stdout),
                       "stderr": proc.stderr}
    return results
