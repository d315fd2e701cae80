"""The example KFP pipeline (examples/kfp_gate_component.py) under the real KFP 2 SDK
(.venv-kfp), run with kfp.local's SubprocessRunner (no Kubernetes): gate, then train.

- pass day: the gate outputs "pass" and `train` runs (its command writes a marker file);
- blocked day: the gate outputs "block" once and the never-retried `dqv-blocked` step fails the
  run; `train` never starts;
- not-ready day (partition missing; dqv exits 2 today, 3 later: both retryable): the gate step
  fails and KFP retries it until its retries run out; `train` never starts.
What ran is read from KFP's own records: its task log and each task's executor_output.json.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
from typing import Any

import pytest

from tests.conftest import REPO
from tests.e2e.orchestrators.worker import (
    BLOCKED_DAY,
    NOT_READY_DAY,
    PASS_DAY,
    make_project,
    orchestrator_env,
    orchestrator_python,
)

RETRIES = 1  # DQV_GATE_RETRIES for the test (the example's default is 6 x 20 min)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def kfp_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    python = orchestrator_python(".venv-kfp", "kfp-venv")
    root = tmp_path_factory.mktemp("kfp")
    project = make_project(root)
    markers = root / "trained"
    markers.mkdir()
    env = orchestrator_env(project, DQV_GATE_RETRIES=str(RETRIES), DQV_GATE_RETRY_DELAY_SECONDS="0",
                           TRAIN_COMMAND=f"echo {{ds}} > {markers}/{{ds}}")
    runs: dict[str, Any] = {"markers": markers}
    for ds in (PASS_DAY, BLOCKED_DAY, NOT_READY_DAY):
        pipeline_root = root / f"pipeline-root-{ds}"
        proc = subprocess.run([str(python), str(pathlib.Path(__file__).with_name("kfp_run.py")),
                               str(REPO / "examples" / "kfp_gate_component.py"), str(pipeline_root), ds],
                              env=env, cwd=project, capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr[-4000:]
        log = ANSI.sub("", proc.stdout + proc.stderr)  # KFP logs to stdout
        runs[ds] = {"result": json.loads(proc.stdout.strip().splitlines()[-1]), "log": log,
                    "tasks": re.findall(r"Task '([\w-]+)' finished with status (\w+)", log),
                    "outputs": {p.parent.name: json.loads(p.read_text())
                                for p in pipeline_root.glob("*/*/executor_output.json")}}
    return runs


def test_pass_day_runs_train(kfp_runs: dict[str, Any]) -> None:
    run = kfp_runs[PASS_DAY]
    assert run["result"]["status"] == "SUCCESS", run["log"][-4000:]
    assert run["tasks"] == [("dqv-gate", "SUCCESS"), ("train", "SUCCESS")]
    assert run["outputs"]["dqv-gate"] == {"parameterValues": {"Output": "pass"}}
    assert (kfp_runs["markers"] / PASS_DAY).read_text().strip() == PASS_DAY


def test_blocked_day_stops_at_the_gate(kfp_runs: dict[str, Any]) -> None:
    run = kfp_runs[BLOCKED_DAY]
    assert run["result"]["status"] == "FAILURE"
    assert "dqv-blocked" in run["result"]["error"]
    # The gate ran once (no retry) and said why; the blocked step failed the run; no train.
    assert run["tasks"] == [("dqv-gate", "SUCCESS"), ("dqv-blocked", "FAILURE")], run["log"][-4000:]
    assert run["outputs"]["dqv-gate"] == {"parameterValues": {"Output": "block"}}
    assert "SCHEMA_MISSING_COLUMN" in run["log"]
    assert "train" not in run["outputs"] and not (kfp_runs["markers"] / BLOCKED_DAY).exists()


def test_not_ready_day_retries_the_gate_and_never_trains(kfp_runs: dict[str, Any]) -> None:
    run = kfp_runs[NOT_READY_DAY]
    assert run["result"]["status"] == "FAILURE"
    # Tried 1 + RETRIES times, whether dqv answered 2 (today) or 3 (not ready, later).
    assert run["tasks"] == [("dqv-gate", "FAILURE")] * (RETRIES + 1), run["log"][-4000:]
    assert re.search(r"dqv gate: training_events ds=2026-12-25 (is not ready|could not be evaluated) "
                     r"\(exit [23]\)", run["log"])
    assert run["outputs"] == {} and not (kfp_runs["markers"] / NOT_READY_DAY).exists()
