"""Airflow DAG: the dqv gate runs before training; a blocked or unevaluated day stops the DAG.

Copy this file into your DAGs folder (Airflow 2.x or 3.x). It imports without Airflow too, so
the gate callable can be tested on its own (tests/e2e/test_examples.py does).

    dqv_gate(ds)  runs `dqv gate JOB --ds DS --json`
      exit 0 (pass/warn)   -> returns the verdict (pushed to XCom)
      exit 1 (blocked)     -> fails the task without retries: the data is bad, retrying won't help
      exit 2 (not evaluated, e.g. the partition is not there yet) -> fails the task; Airflow
                              retries it (`retries` below), then the DAG stops. Never a pass.

Settings (environment of the Airflow worker): DQV_BIN (default `dqv`), DQV_PROJECT_DIR (the
directory holding jobs/ and schemas/), DQV_ARTIFACT_ROOT (the run history).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from typing import Any

JOB = "training_events"
MAX_AGE = "6h"  # a verdict older than this is re-checked before training

try:  # Airflow 3 moved the standard operators into a provider package
    from airflow import DAG
    try:
        from airflow.providers.standard.operators.bash import BashOperator
        from airflow.providers.standard.operators.python import PythonOperator
    except ImportError:
        from airflow.operators.bash import BashOperator
        from airflow.operators.python import PythonOperator
    from airflow.exceptions import AirflowException, AirflowFailException
except ImportError:  # not on an Airflow worker: the callable still works
    DAG = None  # type: ignore[assignment,misc]

    class AirflowException(RuntimeError):  # type: ignore[no-redef]
        """Stands in for Airflow's retryable task failure."""

    class AirflowFailException(AirflowException):  # type: ignore[no-redef]
        """Stands in for Airflow's failure without retries."""


class DataQualityBlocked(AirflowFailException):
    """The gate blocked this ds: do not train, do not retry."""


class DataNotEvaluated(AirflowException):
    """The gate could not evaluate this ds (e.g. data not there yet): retry, then stop."""


def gate_command(ds: str, job: str = JOB, max_age: str = MAX_AGE) -> list[str]:
    return [os.environ.get("DQV_BIN", "dqv"), "gate", job, "--ds", ds, "--max-age", max_age,
            "--json", "--quiet"]


def dqv_gate(ds: str, job: str = JOB, max_age: str = MAX_AGE, **_context: Any) -> dict[str, Any]:
    """The gate task: `dqv gate`; returns its JSON verdict when training may go on."""
    proc = subprocess.run(gate_command(ds, job, max_age), capture_output=True, text=True,
                          check=False)
    verdict: dict[str, Any] = json.loads(proc.stdout) if proc.stdout.strip() else {}
    if proc.returncode == 0:
        return verdict
    if proc.returncode == 1:
        blocking = ", ".join(f"{f['feature']}:{f['anomaly_type']}" for f in verdict.get("blocking", []))
        raise DataQualityBlocked(f"dqv gate blocked {job} ds={ds} (run {verdict.get('run_id')}): "
                                 f"{blocking}")
    reason = verdict.get("error") or proc.stderr.strip() or f"exit {proc.returncode}"
    raise DataNotEvaluated(f"dqv gate could not evaluate {job} ds={ds}: {reason}")


if DAG is not None:
    with DAG(
        dag_id="train_purchase_propensity",
        schedule="0 7 * * *",  # after dqv serve checked yesterday's partition at 06:00
        start_date=dt.datetime(2026, 11, 1),
        catchup=False,
        tags=["dqv", "training"],
    ) as dag:
        gate = PythonOperator(task_id="dqv_gate", python_callable=dqv_gate,
                              op_kwargs={"ds": "{{ ds }}"}, retries=6,
                              retry_delay=dt.timedelta(minutes=20))
        train = BashOperator(task_id="train", bash_command="python -m trainer.train --ds {{ ds }}")
        gate >> train
