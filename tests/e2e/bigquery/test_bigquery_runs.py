"""`dqv run` on BigQuery sources through the CLI: queries with @ds and their cost, partitions,
and every error a user can meet, each ending in one clear line."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.bigquery.jobs import new_project, partitioned_source, write_bq_job
from tests.support.bigquery import DATASET, SAMPLE_COLUMNS, Emulator
from tests.support.bq_emulator import free_port

Run = Callable[..., Any]


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    return new_project(tmp_path)


def _run(run_dqv: Run, project: pathlib.Path, env: dict[str, str], ds: str = "2026-11-03",
         *extra: str) -> Any:
    return run_dqv("run", "bq", "--ds", ds, "--json", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"), *extra, env=env)


def _not_evaluated(proc: Any) -> str:
    """The run ended not evaluated with exit 2 and one error line, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    record = json.loads(proc.stdout)
    assert record["outcome"] == "not_evaluated"
    lines = [line for line in proc.stderr.splitlines() if "not evaluated" in line]
    assert len(lines) == 1, proc.stderr
    assert lines[0].endswith(record["error"])
    return str(record["error"])


QUERY = ("SELECT " + ", ".join(SAMPLE_COLUMNS) +
         f" FROM {DATASET}.training_events WHERE ds = @ds")


def test_query_with_ds_reports_dry_run_bytes(bq_emulator: Emulator, project: pathlib.Path,
                                             run_dqv: Run) -> None:
    write_bq_job(project, "bq", {"query": QUERY, "maximum_bytes_billed": 10**9})
    passing = _run(run_dqv, project, bq_emulator.env, "2026-11-03")
    assert passing.returncode == 0, passing.stderr
    record = json.loads(passing.stdout)
    assert record["rows"] == 2000
    details = record["source_details"]
    # The emulator's dry run reports 0 bytes (real BigQuery reports the bytes the query will
    # process); what matters here is that the dry run ran and its figure is in run.json.
    assert details["dry_run_bytes_processed"] == 0
    assert details["query_job_id"]
    assert details["table"].startswith("dqv-test.")  # read from the destination table
    blocked = _run(run_dqv, project, bq_emulator.env, "2026-11-08")
    assert blocked.returncode == 1
    found = {(f["feature"], f["anomaly_type"]) for f in json.loads(blocked.stdout)["findings"]}
    assert found == {("age", "INT_TYPE_SMALL_INT"), ("age", "INT_TYPE_BIG_INT")}


def test_cost_cap_below_the_estimate_is_not_evaluated(bq_emulator: Emulator,
                                                      project: pathlib.Path, run_dqv: Run) -> None:
    # The emulator's dry run always says 0 bytes, so the cap is shown on a table read, whose
    # Storage Read session estimates the bytes it will scan (unit tests cover the query rule).
    write_bq_job(project, "bq", partitioned_source(maximum_bytes_billed=1000))
    error = _not_evaluated(_run(run_dqv, project, bq_emulator.env))
    assert "above source.maximum_bytes_billed = 1,000" in error
    assert "would bill" in error


def test_partitioned_table_needs_a_partition_or_full_scan(bq_emulator: Emulator,
                                                          project: pathlib.Path,
                                                          run_dqv: Run) -> None:
    source = {"table": f"{DATASET}.training_events", "columns": SAMPLE_COLUMNS}
    write_bq_job(project, "bq", source)
    error = _not_evaluated(_run(run_dqv, project, bq_emulator.env))
    assert "partitioned by column 'ds'" in error and "full_scan: true" in error
    write_bq_job(project, "bq", {**source, "full_scan": True}, baseline={"policy": "none"})
    whole = _run(run_dqv, project, bq_emulator.env)
    assert json.loads(whole.stdout)["rows"] == 11 * 2000


def test_timestamp_column_selects_the_day(bq_emulator: Emulator, project: pathlib.Path,
                                          run_dqv: Run) -> None:
    write_bq_job(project, "bq", {**partitioned_source(), "partition": {"column": "event_time"}})
    proc = _run(run_dqv, project, bq_emulator.env, "2026-11-04")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["rows"] == 2000
    assert "`event_time` >= TIMESTAMP '2026-11-04 00:00:00+00'" in \
        record["source_details"]["row_restriction"]


def test_empty_partition_is_not_ready(bq_emulator: Emulator, project: pathlib.Path,
                                      run_dqv: Run) -> None:
    # Issue 13: an absent or empty partition has not landed yet: not_ready (exit 3), not a
    # DATASET_LOW_NUM_EXAMPLES block.
    write_bq_job(project, "bq", partitioned_source())
    proc = _run(run_dqv, project, bq_emulator.env, "2026-11-12")
    assert proc.returncode == 3, proc.stderr
    record = json.loads(proc.stdout)
    assert record["outcome"] == "not_ready"
    assert record["rows"] == 0
    assert record["findings"] == []
    assert "no rows" in record["error"]
    assert record["source_details"]["streams"] == 0


def test_missing_table(bq_emulator: Emulator, project: pathlib.Path, run_dqv: Run) -> None:
    write_bq_job(project, "bq", {**partitioned_source(), "table": f"{DATASET}.no_such_table"})
    error = _not_evaluated(_run(run_dqv, project, bq_emulator.env))
    assert error.startswith(f"table dqv-test.{DATASET}.no_such_table not found in dataset "
                            f"dqv-test.{DATASET}")


def test_wrong_dataset(bq_emulator: Emulator, project: pathlib.Path, run_dqv: Run) -> None:
    write_bq_job(project, "bq", {**partitioned_source(), "table": "no_such_dataset.training_events"})
    error = _not_evaluated(_run(run_dqv, project, bq_emulator.env))
    assert error.startswith("dataset dqv-test.no_such_dataset not found")


def test_emulator_down_retries_then_gives_up(project: pathlib.Path, run_dqv: Run) -> None:
    rest, grpc = free_port(), free_port()  # nothing listens there
    write_bq_job(project, "bq", partitioned_source(retries=2))
    env = {"DQV_BIGQUERY_ENDPOINT": f"http://127.0.0.1:{rest},127.0.0.1:{grpc}",
           "GOOGLE_CLOUD_PROJECT": "dqv-test"}
    proc = _run(run_dqv, project, env)
    error = _not_evaluated(proc)
    assert error.startswith(f"BigQuery unreachable at http://127.0.0.1:{rest}")
    assert "failed 3 time(s)" in error
    assert "retry 1 of 2" in proc.stderr and "retry 2 of 2" in proc.stderr


def test_no_credentials_without_an_endpoint(project: pathlib.Path, run_dqv: Run,
                                            tmp_path: pathlib.Path) -> None:
    write_bq_job(project, "bq", partitioned_source())
    env = {"DQV_BIGQUERY_ENDPOINT": "", "GOOGLE_CLOUD_PROJECT": "dqv-test",
           "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing-key.json")}
    error = _not_evaluated(_run(run_dqv, project, env))
    assert error.startswith("no Google credentials")
    assert "GOOGLE_APPLICATION_CREDENTIALS" in error


def test_ingestion_time_partitions(bq_emulator: Emulator, project: pathlib.Path,
                                   run_dqv: Run) -> None:
    from google.cloud import bigquery

    clients = bq_emulator.clients()
    name = f"{DATASET}.by_ingestion_time"
    table = bigquery.Table(f"{clients.project}.{name}", schema=[bigquery.SchemaField("age", "INT64")])
    table.time_partitioning = bigquery.TimePartitioning(type_="DAY")  # no field: ingestion time
    clients.bigquery.create_table(table, exists_ok=True)
    assert clients.bigquery.insert_rows_json(f"{clients.project}.{name}", [{"age": 30}]) == []

    # A job saying ingestion time for a column-partitioned table is told what the table is.
    write_bq_job(project, "bq", {**partitioned_source(), "partition": {"ingestion_time": True}})
    error = _not_evaluated(_run(run_dqv, project, bq_emulator.env))
    assert "is not partitioned by ingestion time (it is by column 'ds')" in error
    # Reading the ingestion-time table whole is refused like any partitioned table.
    write_bq_job(project, "bq", {"table": name})
    error = _not_evaluated(_run(run_dqv, project, bq_emulator.env))
    assert "is partitioned by ingestion time" in error
    # The emulator cannot evaluate _PARTITIONDATE (real BigQuery can): the read session is asked
    # with the pseudo-column and the server's refusal comes back as one line, exit 2. The
    # predicate itself is unit-tested (tests/unit/test_bq_sql.py).
    write_bq_job(project, "bq", {"table": name, "partition": {"ingestion_time": True}})
    error = _not_evaluated(_run(run_dqv, project, bq_emulator.env))
    assert "BigQuery rejected it" in error and "_PARTITION" in error


def test_streams_are_logged(bq_emulator: Emulator, project: pathlib.Path, run_dqv: Run) -> None:
    write_bq_job(project, "bq", partitioned_source())
    proc = run_dqv("run", "bq", "--ds", "2026-11-02", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"), env=bq_emulator.env)
    assert proc.returncode == 0, proc.stderr
    assert "with 1 Storage Read stream(s)" in proc.stderr
    assert "`ds` = DATE '2026-11-02'" in proc.stderr
