"""A local BigQuery for the tests: the `local-bigquery` emulator (installed by
scripts/bq-emulator.sh into .venv-bqemu) on free loopback ports, driven by the real
google-cloud-bigquery and Storage Read clients.

Started once per session with a temporary --data-dir and HOME (DuckDB's extensions are copied
there by the install script, so nothing downloads), loaded with the sample data, and stopped by
PID at the end of the session, also when tests fail. Use the fixtures from a conftest.py:

    from tests.support.bigquery import bq_emulator  # noqa: F401

How the sample data is loaded (dataset `dqv_sample`):

- `training_events`: ONE table, DATE-partitioned on `ds`, all 11 days, loaded the way a daily
  pipeline fills it. A BigQuery table has one schema for all partitions, so two sample defects
  read differently there: `cart_value` is STRING for every day (11-09 writes "$12.50"; the
  other days' numbers are stored as text and parse back exactly), and the column dropped on 11-07
  exists but is NULL for that day.
- `training_events_YYYYMMDD`: one table per day (date-sharded, each DATE-partitioned on `ds`),
  each with exactly the schema of that day's Parquet file, so every defect arrives as it does
  from the files: this is what the local-vs-BigQuery equality test reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import pathlib
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.pushgateway import free_port, stop

REPO = pathlib.Path(__file__).resolve().parents[2]
EMULATOR_VENV = pathlib.Path(os.environ.get("DQV_BQEMU_VENV", REPO / ".venv-bqemu"))
PROJECT = "dqv-test"
DATASET = "dqv_sample"
SAMPLE = REPO / "sample_data" / "training_events"
SAMPLE_DAYS = [dt.date(2026, 11, d) for d in range(1, 12)]
# The sample files' columns: the BigQuery jobs select these (the table adds `ds`).
SAMPLE_COLUMNS = ["user_id", "session_id", "event_time", "country", "device", "browser", "age",
                  "account_age_days", "session_duration_s", "pages_viewed", "cart_value",
                  "discount_pct", "is_returning", "referrer", "label"]


@dataclasses.dataclass
class Emulator:
    rest_url: str
    grpc_address: str
    process: subprocess.Popen[bytes]
    log: pathlib.Path
    project: str = PROJECT

    @property
    def endpoint(self) -> str:
        """The value of DQV_BIGQUERY_ENDPOINT / source.endpoint for this emulator."""
        return f"{self.rest_url},{self.grpc_address}"

    @property
    def env(self) -> dict[str, str]:
        return {"DQV_BIGQUERY_ENDPOINT": self.endpoint, "GOOGLE_CLOUD_PROJECT": self.project}

    def clients(self) -> Any:
        from validator.bq_clients import build_clients, parse_endpoint

        return build_clients(self.project, parse_endpoint(self.endpoint))


def _wait_ready(emulator: Emulator) -> None:
    url = f"{emulator.rest_url}/bigquery/v2/projects/{emulator.project}/datasets"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            tail = emulator.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"local-bigquery exited {emulator.process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"local-bigquery did not answer at {url}; see {emulator.log}")


def start_emulator(workdir: pathlib.Path) -> Emulator:
    binary = EMULATOR_VENV / "bin" / "local-bigquery"
    home = EMULATOR_VENV / "home"
    if not binary.exists() or not (home / ".duckdb").is_dir():
        raise RuntimeError(f"{binary} is not installed; run `bash scripts/bq-emulator.sh` "
                           "(make test does)")
    # A HOME of our own holding DuckDB's extensions (copied: the emulator may write there).
    run_home = workdir / "home"
    shutil.copytree(home, run_home, dirs_exist_ok=True)
    rest_port, grpc_port = free_port(), free_port()
    while grpc_port == rest_port:
        grpc_port = free_port()
    log = workdir / "local-bigquery.log"
    env = {"HOME": str(run_home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": "C.UTF-8"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(rest_port),
             "--grpc-port", str(grpc_port), "--project", PROJECT,
             "--data-dir", str(workdir / "data")],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
    emulator = Emulator(f"http://127.0.0.1:{rest_port}", f"127.0.0.1:{grpc_port}", process, log)
    try:
        _wait_ready(emulator)
    except BaseException:
        stop(process)
        raise
    return emulator


# -- the sample data ----------------------------------------------------------------------------


def sample_day(day: dt.date) -> pa.Table:
    """One sample day as in its Parquet file, plus the `ds` DATE partition column."""
    table = pq.read_table(SAMPLE / f"ds={day.isoformat()}" / "part-000.parquet")
    return table.append_column("ds", pa.array([day] * table.num_rows, pa.date32()))


def load_arrow(clients: Any, table_id: str, table: pa.Table, *, partition_field: str | None = "ds",
               schema: list[Any] | None = None) -> None:
    """Load an Arrow table through a real load job (Parquet upload)."""
    from google.cloud import bigquery

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    buffer.seek(0)
    config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        time_partitioning=bigquery.TimePartitioning(field=partition_field) if partition_field
        else None, schema=schema)
    clients.bigquery.load_table_from_file(buffer, f"{clients.project}.{table_id}",
                                          job_config=config).result()


def _as_text(values: pa.ChunkedArray) -> pa.Array:
    # repr() is the shortest text that parses back to the same double.
    return pa.array([None if v is None else repr(v) for v in values.to_pylist()], pa.string())


def unified_table() -> pa.Table:
    """All days in one table schema (see the module docstring for why it differs)."""
    days = []
    for day in SAMPLE_DAYS:
        table = sample_day(day)
        if "account_age_days" not in table.column_names:
            position = SAMPLE_COLUMNS.index("account_age_days")
            table = table.add_column(position, "account_age_days",
                                     pa.nulls(table.num_rows, pa.int64()))
        cart = table.column("cart_value")
        if not pa.types.is_string(cart.type):
            table = table.set_column(table.column_names.index("cart_value"), "cart_value",
                                     _as_text(cart))
        days.append(table)
    return pa.concat_tables(days)


def load_sample(clients: Any) -> None:
    clients.bigquery.create_dataset(f"{clients.project}.{DATASET}", exists_ok=True)
    load_arrow(clients, f"{DATASET}.training_events", unified_table())
    for day in SAMPLE_DAYS:
        load_arrow(clients, f"{DATASET}.training_events_{day.strftime('%Y%m%d')}", sample_day(day))


# -- the fixture ----------------------------------------------------------------------------------

# One emulator per session even when several test folders' conftests ask for it.
_shared: dict[str, Any] = {"emulator": None, "users": 0}


@pytest.fixture(scope="session")
def bq_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The running emulator with the sample data loaded."""
    if _shared["emulator"] is None:
        emulator = start_emulator(tmp_path_factory.mktemp("bigquery"))
        try:
            load_sample(emulator.clients())
        except BaseException:
            stop(emulator.process)
            raise
        _shared["emulator"] = emulator
    _shared["users"] += 1
    try:
        yield _shared["emulator"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            stop(_shared["emulator"].process)
            _shared["emulator"] = None
