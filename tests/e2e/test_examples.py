"""The pipeline examples import without Airflow, KFP or TFX, and their gate steps run the real
gate against the sample data: a clean day lets training go on, a defective day stops it."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import types

import pytest

from tests.conftest import REPO
from tests.e2e.orchestrators.worker import dqv_executable


def _load(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"dqv_example_{name}", REPO / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def gate_env(tmp_project: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    monkeypatch.setenv("DQV_BIN", str(dqv_executable(tmp_project / "bin")))
    monkeypatch.setenv("DQV_PROJECT_DIR", str(tmp_project))
    monkeypatch.delenv("DQV_ARTIFACT_ROOT", raising=False)
    return tmp_project


def test_airflow_gate_task_runs_dqv_gate(gate_env: pathlib.Path) -> None:
    dag = _load("airflow_dag")
    assert dag.gate_command("2026-11-01")[:3] == [str(gate_env / "bin" / "dqv"), "gate", "training_events"]
    verdict = dag.dqv_gate(ds="2026-11-01")
    assert verdict["outcome"] == "pass" and verdict["may_train"] is True
    assert verdict["job"] == "training_events" and verdict["ds"] == "2026-11-01"
    # The run it made is in the project's run history.
    assert list((gate_env / "dqv-artifacts" / "training_events" / "ds=2026-11-01").glob(
        f"{verdict['run_id']}/run.json"))
    with pytest.raises(dag.DataQualityBlocked, match="account_age_days:SCHEMA_MISSING_COLUMN"):
        dag.dqv_gate(ds="2026-11-07")
    # A missing partition: exit 2 today, 3 (not ready) once dqv has that code; both are retried.
    with pytest.raises((dag.DataNotEvaluated, dag.DataNotReady), match="2026-12-25"):
        dag.dqv_gate(ds="2026-12-25")
    for retryable in (dag.DataNotEvaluated, dag.DataNotReady):
        assert issubclass(retryable, dag.AirflowException)
        assert not issubclass(retryable, dag.AirflowFailException)  # retried by Airflow
    assert issubclass(dag.DataQualityBlocked, dag.AirflowFailException)  # never retried


def test_airflow_gate_exit_1_without_a_verdict_is_not_a_block(
        gate_env: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dqv that cannot start (a Python traceback exits 1) must be retried, not taken for bad data."""
    broken = gate_env / "bin" / "broken-dqv"
    broken.write_text("#!/bin/sh\necho 'Traceback (most recent call last): ...' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("DQV_BIN", str(broken))
    dag = _load("airflow_dag")
    with pytest.raises(dag.DataNotEvaluated, match="Traceback"):
        dag.dqv_gate(ds="2026-11-01")


def test_kfp_step_runs_the_gate_command(gate_env: pathlib.Path) -> None:
    kfp_example = _load("kfp_gate_component")
    args = kfp_example.gate_args("training_events", "2026-11-09")
    proc = subprocess.run([str(gate_env / "bin" / "dqv"), *args], capture_output=True, text=True,
                          cwd=gate_env, timeout=600)
    assert proc.returncode == 1, proc.stderr  # the container step fails: training never starts
    assert json.loads(proc.stdout)["outcome"] == "block"


def test_tfx_component_function_raises_on_block_and_on_not_ready(gate_env: pathlib.Path) -> None:
    from validator.run.api import DataQualityBlocked

    tfx_example = _load("tfx_gate_component")
    assert tfx_example.run_gate("training_events", "2026-11-02")["outcome"] == "pass"
    with pytest.raises(DataQualityBlocked) as blocked:
        tfx_example.run_gate("training_events", "2026-11-08")
    assert not isinstance(blocked.value, tfx_example.DataNotReady)  # bad data: not worth a retry
    assert blocked.value.verdict.exit_code == 1
    # A missing partition (exit 2 today, 3 once dqv has it): worth running again; never a pass.
    with pytest.raises(tfx_example.DataNotReady, match="2026-12-25") as not_ready:
        tfx_example.run_gate("training_events", "2026-12-25")
    assert isinstance(not_ready.value, DataQualityBlocked)
    assert not_ready.value.verdict.exit_code in (2, 3)
