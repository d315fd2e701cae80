"""Airflow DAG: the dqv gate runs before training; a blocked, not-ready or unevaluated day stops it.

Copy this file into your DAGs folder (Airflow 3.x; 2.x too). It imports without Airflow, so the
gate callable can be tested on its own (tests/e2e/test_examples.py), and it runs for real under
Airflow 3.3 in tests/e2e/orchestrators/test_airflow.py (`airflow dags test`, docs/orchestrators/airflow.md).

    dqv_gate(ds)  runs `dqv gate JOB --ds DS --json`
      exit 0 (pass/warn)       -> returns the verdict (pushed to XCom); `train` runs
      exit 1 (blocked)         -> AirflowFailException: the task fails at once, without retries;
                                  the data is bad, retrying won't help. `train` never runs.
      exit 3 (not ready: the partition has not landed yet)
      exit 2 (not evaluated: broken job/schema, unreadable store, an outage)
                               -> AirflowException: a retryable failure. Airflow retries the task
                                  (`retries`, `retry_delay` below); when the retries run out the
                                  task fails and `train` never runs. Never a pass.
      (dqv before exit code 3 existed answers a missing partition with 2: retried the same way.
      An exit 1 without a `block` verdict on stdout, e.g. a Python that could not start dqv, is
      treated as not evaluated, so a broken install is retried and reported, never called bad data.)

Settings (environment of the Airflow worker, read when the DAG file is parsed):
  DQV_BIN             the dqv executable (default `dqv`)
  DQV_PROJECT_DIR     the directory holding jobs/ and schemas/
  DQV_ARTIFACT_ROOT   the run history (default PROJECT_DIR/dqv-artifacts)
  DQV_GATE_RETRIES, DQV_GATE_RETRY_DELAY_SECONDS   retries of a not-ready day (default 6 x 20 min)
  TRAIN_COMMAND       the training step; `{ds}` is replaced by the run's ds
                      (default `python -m trainer.train --ds {ds}`)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from typing import Any

JOB = "training_events"
MAX_AGE = "6h"  # a verdict older than this is re-checked before training
GATE_RETRIES = int(os.environ.get("DQV_GATE_RETRIES", "6"))
GATE_RETRY_DELAY = dt.timedelta(seconds=float(os.environ.get("DQV_GATE_RETRY_DELAY_SECONDS", "1200")))
TRAIN_COMMAND = os.environ.get("TRAIN_COMMAND", "python -m trainer.train --ds {ds}")
GATE_TIMEOUT_SECONDS = 3600  # a gate that runs the job on a large partition may take a while

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
    """Exit 1: the gate blocked this ds. Do not train, do not retry."""


class DataNotReady(AirflowException):
    """Exit 3: the partition has not landed yet. Retry later."""


class DataNotEvaluated(AirflowException):
    """Exit 2 (or any other non-zero exit): the gate could not evaluate this ds. Retry, then stop."""


def gate_command(ds: str, job: str = JOB, max_age: str = MAX_AGE) -> list[str]:
    return [os.environ.get("DQV_BIN", "dqv"), "gate", job, "--ds", ds, "--max-age", max_age,
            "--json", "--quiet"]


def dqv_gate(ds: str, job: str = JOB, max_age: str = MAX_AGE, **_context: Any) -> dict[str, Any]:
    """The gate task: `dqv gate`; returns its JSON verdict when training may go on."""
    proc = subprocess.run(gate_command(ds, job, max_age), capture_output=True, text=True,
                          check=False, timeout=GATE_TIMEOUT_SECONDS)
    try:
        verdict: dict[str, Any] = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        verdict = {}
    if proc.returncode == 0:
        return verdict
    if proc.returncode == 1 and verdict.get("outcome") == "block":
        blocking = ", ".join(f"{f['feature']}:{f['anomaly_type']}" for f in verdict.get("blocking", []))
        raise DataQualityBlocked(f"dqv gate blocked {job} ds={ds} (run {verdict.get('run_id')}): "
                                 f"{blocking}")
    reason = verdict.get("error") or proc.stderr.strip() or f"exit {proc.returncode}"
    if proc.returncode == 3:
        raise DataNotReady(f"dqv gate: {job} ds={ds} is not ready: {reason}")
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
                              op_kwargs={"ds": "{{ ds }}"}, retries=GATE_RETRIES,
                              retry_delay=GATE_RETRY_DELAY)
        train = BashOperator(task_id="train", bash_command=TRAIN_COMMAND.format(ds="{{ ds }}"))
        gate >> train
