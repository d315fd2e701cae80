"""A local BigQuery for the tests: the `local-bigquery` emulator (installed by
scripts/bq-emulator.sh into .venv-bqemu; started by tests/support/bq_emulator.py) on free loopback
ports, driven by the real google-cloud-bigquery and Storage Read clients.

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

import datetime as dt
import pathlib
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.bq_emulator import Emulator, load_arrow, start, stop

REPO = pathlib.Path(__file__).resolve().parents[2]
PROJECT = "dqv-test"
DATASET = "dqv_sample"
SAMPLE = REPO / "sample_data" / "training_events"
SAMPLE_DAYS = [dt.date(2026, 11, d) for d in range(1, 12)]
# The sample files' columns: the BigQuery jobs select these (the table adds `ds`).
SAMPLE_COLUMNS = ["user_id", "session_id", "event_time", "country", "device", "browser", "age",
                  "account_age_days", "session_duration_s", "pages_viewed", "cart_value",
                  "discount_pct", "is_returning", "referrer", "label"]
__all__ = ["Emulator", "bq_emulator"]


# -- the sample data ----------------------------------------------------------------------------


def sample_day(day: dt.date) -> pa.Table:
    """One sample day as in its Parquet file, plus the `ds` DATE partition column."""
    table = pq.read_table(SAMPLE / f"ds={day.isoformat()}" / "part-000.parquet")
    return table.append_column("ds", pa.array([day] * table.num_rows, pa.date32()))


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
        emulator = start(tmp_path_factory.mktemp("bigquery"), PROJECT)
        try:
            load_sample(emulator.clients())
        except BaseException:
            stop(emulator)
            raise
        _shared["emulator"] = emulator
    _shared["users"] += 1
    try:
        yield _shared["emulator"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            stop(_shared["emulator"])
            _shared["emulator"] = None
