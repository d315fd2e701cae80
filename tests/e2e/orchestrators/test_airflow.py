"""The example DAG (examples/airflow_dag.py) under a real Apache Airflow 3.3 (.venv-airflow):
`airflow dags test` against a SQLite metadata DB, three days, task states read from Airflow's DB.

- pass day: the gate succeeds and `train` runs (its command writes a marker file);
- blocked day: the gate fails once, without retries (AirflowFailException); `train` never runs;
- not-ready day (partition missing; dqv exits 2 today, 3 later: both retryable): the gate is
  retried until its retries run out, then fails; `train` never runs.
"""

from __future__ import annotations

import pathlib
import shutil
import sqlite3
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

DAG_ID = "train_purchase_propensity"
RETRIES = 1  # DQV_GATE_RETRIES for the test (the example's default is 6 x 20 min)


class Airflow:
    def __init__(self, root: pathlib.Path) -> None:
        self.bin = orchestrator_python(".venv-airflow", "airflow-venv").parent / "airflow"
        home = root / "airflow-home"
        (home / "dags").mkdir(parents=True)
        shutil.copy(REPO / "examples" / "airflow_dag.py", home / "dags")
        self.db = home / "airflow.db"
        self.markers = root / "trained"
        self.markers.mkdir()
        self.project = make_project(root)
        self.env = orchestrator_env(
            self.project,
            AIRFLOW_HOME=str(home), AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{self.db}",
            DQV_GATE_RETRIES=str(RETRIES), DQV_GATE_RETRY_DELAY_SECONDS="1",
            TRAIN_COMMAND=f"echo {{ds}} > {self.markers}/{{ds}}")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin), *args], env=self.env, cwd=self.project,
                              capture_output=True, text=True, timeout=240)

    def task_instances(self, ds: str) -> dict[str, dict[str, Any]]:
        """Airflow's record of the ds's DAG run: task_id -> state, try_number, earlier tries."""
        with sqlite3.connect(self.db) as db:
            db.row_factory = sqlite3.Row
            run_ids = [r["run_id"] for r in db.execute(
                "SELECT run_id FROM dag_run WHERE dag_id = ? AND date(logical_date) = ?", (DAG_ID, ds))]
            assert len(run_ids) == 1, run_ids
            tis = {r["task_id"]: dict(r) for r in db.execute(
                "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ? AND run_id = ?",
                (DAG_ID, run_ids[0]))}
            for ti in tis.values():
                ti["earlier_tries"] = [r[0] for r in db.execute(
                    "SELECT try_number FROM task_instance_history WHERE dag_id = ? AND run_id = ? "
                    "AND task_id = ? ORDER BY try_number", (DAG_ID, run_ids[0], ti["task_id"]))]
        return tis


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One Airflow home; the DAG run of each day (`airflow dags test`), in turn."""
    af = Airflow(tmp_path_factory.mktemp("airflow"))
    migrate = af.run("db", "migrate")
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    runs = {ds: af.run("dags", "test", DAG_ID, ds) for ds in (PASS_DAY, BLOCKED_DAY, NOT_READY_DAY)}
    return {"af": af, "runs": runs}


def _log(proc: subprocess.CompletedProcess[str]) -> str:
    return (proc.stdout + proc.stderr)[-4000:]


def test_pass_day_runs_train(airflow: dict[str, Any]) -> None:
    af, proc = airflow["af"], airflow["runs"][PASS_DAY]
    assert proc.returncode == 0, _log(proc)
    tis = af.task_instances(PASS_DAY)
    assert (tis["dqv_gate"]["state"], tis["dqv_gate"]["try_number"]) == ("success", 1), _log(proc)
    assert tis["train"]["state"] == "success"
    assert (af.markers / PASS_DAY).read_text().strip() == PASS_DAY  # the training command ran
    # The gate's run is in dqv's run history, where `dqv gate` and `dqv serve` find it.
    assert list((af.project / "dqv-artifacts" / "training_events" / f"ds={PASS_DAY}").glob("*/run.json"))


def test_blocked_day_fails_the_gate_without_retry(airflow: dict[str, Any]) -> None:
    af, proc = airflow["af"], airflow["runs"][BLOCKED_DAY]
    assert proc.returncode != 0
    tis = af.task_instances(BLOCKED_DAY)
    gate = tis["dqv_gate"]
    assert (gate["state"], gate["try_number"], gate["earlier_tries"]) == ("failed", 1, []), _log(proc)
    assert "DataQualityBlocked" in proc.stdout + proc.stderr
    assert "account_age_days:SCHEMA_MISSING_COLUMN" in proc.stdout + proc.stderr
    assert tis["train"]["state"] == "upstream_failed"
    assert not (af.markers / BLOCKED_DAY).exists()


def test_not_ready_day_retries_the_gate_and_never_trains(airflow: dict[str, Any]) -> None:
    af, proc = airflow["af"], airflow["runs"][NOT_READY_DAY]
    assert proc.returncode != 0
    tis = af.task_instances(NOT_READY_DAY)
    gate = tis["dqv_gate"]
    # Tried 1 + RETRIES times: Airflow kept the earlier tries in its history.
    assert (gate["state"], gate["try_number"]) == ("failed", RETRIES + 1), _log(proc)
    assert gate["earlier_tries"] == list(range(1, RETRIES + 1))
    # dqv exits 2 for a missing partition today, 3 (not ready) once that code exists; both retry.
    assert "DataNotEvaluated" in proc.stdout + proc.stderr or "DataNotReady" in proc.stdout + proc.stderr
    assert "DataQualityBlocked" not in proc.stdout + proc.stderr
    assert tis["train"]["state"] == "upstream_failed"
    assert not (af.markers / NOT_READY_DAY).exists()
