"""`engine: warehouse`: BigQuery (the emulator) computes the statistics with SQL, and every
sample day gives the same verdict and findings as the local engine over the Parquet files,
drift included; no Storage Read session is opened and only the selected columns of the one
partition are queried.

Tolerances, stated once (test_statistics_agree_with_the_data):
- counts (rows, present, missing, values, zeros, distinct values, lengths): exact;
- min / max / mean / std: relative 1e-6 (the local engine types FLOAT as float32);
- median and QUANTILES histogram boundaries: within 1% rank error of the data's own quantiles
  (APPROX_QUANTILES with 1000 quantiles; the emulator's are exact, BigQuery's approximate);
- top values and rank histogram: exact against the data's value counts, up to ties at the
  cut-off (ties are broken by value; the local sketch-based top-k can over-count rare values);
- drift (measurements): within 5% of the local engine's value (both from approximate histograms).
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import SAMPLE_DAYS
from tests.e2e.bigquery.jobs import partitioned_source, sharded_source, write_bq_job
from tests.e2e.bigquery.test_bigquery_matches_local import (
    UNIFIED_DIFFERENCES,
    _backfill,
    _findings,
    _project,
)
from tests.support.bigquery import SAMPLE, SAMPLE_COLUMNS, Emulator


@pytest.fixture(scope="module")
def warehouse_runs(bq_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory,
                   ) -> dict[str, dict[str, Any]]:
    from tests.conftest import dqv

    project = _project(tmp_path_factory.mktemp("bq-warehouse"))
    write_bq_job(project, "training_events_wh", sharded_source(), engine="warehouse")
    return _backfill(dqv, project, "training_events_wh", bq_emulator)


@pytest.mark.parametrize("ds", SAMPLE_DAYS)
def test_same_verdict_findings_and_drift_as_local(sample_runs: dict[str, Any],
                                                  warehouse_runs: dict[str, dict[str, Any]],
                                                  ds: str) -> None:
    local, wh = sample_runs[ds]["record"], warehouse_runs[ds]
    assert wh["error"] is None, wh["error"]
    assert wh["engine"] == "warehouse"
    assert wh["outcome"] == local["outcome"]
    assert _findings(wh) == _findings(local)
    assert wh["rows"] == local["rows"] == 2000
    assert wh["bytes_read"] == 0  # no row left BigQuery
    assert wh["baseline_ds"] == local["baseline_ds"]
    drift = {(m["feature"], m["kind"]): m["value"] for m in wh["measurements"]}
    expected = {(m["feature"], m["kind"]): m["value"] for m in local["measurements"]}
    assert drift.keys() == expected.keys()
    for key, value in expected.items():
        assert drift[key] == pytest.approx(value, rel=0.05, abs=1e-3), key


def test_the_run_records_the_dry_run_and_the_jobs(warehouse_runs: dict[str, dict[str, Any]]
                                                  ) -> None:
    details = warehouse_runs["2026-11-03"]["source_details"]
    assert details["engine"] == "warehouse"
    assert details["table"] == "dqv-test.dqv_sample.training_events_20261103"
    # The emulator's dry runs report 0 bytes (BigQuery reports what the jobs will scan); the
    # cap rule on a real figure is unit-tested (tests/unit/test_warehouse_sql.py).
    assert details["dry_run_bytes_processed"] == 0
    assert len(details["query_job_ids"]) == 2  # aggregates + top values: never one per column
    assert details["columns"] == SAMPLE_COLUMNS
    assert "streams" not in details  # no Storage Read session


def test_one_partitioned_table_gives_the_same_verdicts(
        bq_emulator: Emulator, sample_runs: dict[str, Any], tmp_path: pathlib.Path,
        run_dqv: Callable[..., Any]) -> None:
    project = _project(tmp_path)
    write_bq_job(project, "training_events_wh", partitioned_source(), engine="warehouse")
    runs = _backfill(run_dqv, project, "training_events_wh", bq_emulator)
    for ds in SAMPLE_DAYS:
        local, wh = sample_runs[ds]["record"], runs[ds]
        assert wh["error"] is None, (ds, wh["error"])
        assert wh["outcome"] == local["outcome"], ds
        assert wh["rows"] == 2000, ds  # only the partition's rows, of the 11 days' 22000
        assert _findings(wh) == UNIFIED_DIFFERENCES.get(ds, _findings(local)), ds


# -- the statistics themselves ----------------------------------------------------------------


def _compute(emulator: Emulator, source: dict[str, Any], ds: dt.date, schema: Any,
             clients: Any = None) -> tuple[Any, Any]:
    from validator.config.job import BigQuerySource
    from validator.engines.progress import Progress
    from validator.engines.warehouse import WarehouseEngine
    from validator.sources.base import ReadStats
    from validator.sources.bigquery.source import BigQueryTableSource

    config = BigQuerySource(kind="bigquery", **source)
    read = ReadStats()
    bq = BigQueryTableSource(config, clients or emulator.clients())
    statistics = WarehouseEngine().compute(bq, bq.plan(ds), schema, read,
                                           Progress("test", enabled=False))
    return statistics, read


def _schema() -> Any:
    from validator.config.schema_io import load_schema

    return load_schema(pathlib.Path(__file__).resolve().parents[3] / "schemas" /
                       "training_events.pbtxt")


def _is_quantile(values: np.ndarray, x: float, q: float, error: float = 0.01) -> bool:
    """x is a q-quantile of the sorted values within `error` rank error (ties count either way):
    at most q + error of them are below x and at least q - error are at or below it."""
    below = np.searchsorted(values, x, "left") / len(values)
    at_or_below = np.searchsorted(values, x, "right") / len(values)
    return bool(below <= q + error and at_or_below >= q - error)


@pytest.mark.parametrize("ds", ["2026-11-03", "2026-11-09"])
def test_statistics_agree_with_the_data(bq_emulator: Emulator, ds: str) -> None:
    day = dt.date.fromisoformat(ds)
    statistics, _ = _compute(bq_emulator, sharded_source(), day, _schema())
    data = pq.read_table(SAMPLE / f"ds={ds}" / "part-000.parquet")
    dataset = statistics.datasets[0]
    assert dataset.num_examples == data.num_rows
    for feature in dataset.features:
        name = feature.path.step[0]
        column = data.column(name)
        if feature.HasField("string_stats"):
            s = feature.string_stats
            present = column.drop_null()
            assert s.common_stats.num_non_missing == len(present), name
            assert s.unique == pc.count_distinct(present).as_py(), name  # COUNT(DISTINCT): exact
            text = pc.cast(present, pa.string())
            counts = {d["values"]: d["counts"] for d in pc.value_counts(text).to_pylist()}
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:1000]
            assert [(b.label, b.sample_count) for b in s.rank_histogram.buckets] == ranked, name
            assert s.avg_length == pytest.approx(sum(len(v.encode()) for v in text.to_pylist())
                                                 / len(present)), name
            continue
        n = feature.num_stats
        if pa.types.is_string(column.type):  # 11-09's cart_value: text, none of it a number
            assert n.common_stats.num_missing == data.num_rows
            assert {c.name: c.num for c in feature.custom_stats}["dqv_invalid_values"] == \
                pc.count(column).as_py()
            continue
        if pa.types.is_timestamp(column.type):
            column = pc.divide(pc.cast(column, pa.int64()), 1_000_000)
        values = np.sort(np.asarray(column.drop_null().to_numpy(), float))
        assert n.common_stats.num_non_missing == len(values), name
        assert n.common_stats.num_missing == data.num_rows - len(values), name
        assert n.num_zeros == int((values == 0).sum()), name
        assert (n.min, n.max) == pytest.approx((values[0], values[-1]), rel=1e-6), name
        assert n.mean == pytest.approx(values.mean(), rel=1e-6), name
        assert n.std_dev == pytest.approx(values.std(), rel=1e-6), name
        assert _is_quantile(values, n.median, 0.5), name
        quantiles = next(h for h in n.histograms if h.type == h.QUANTILES)
        for i, bucket in enumerate(quantiles.buckets[1:], start=1):
            assert _is_quantile(values, bucket.low_value, i / 10), (name, i)
        standard = next(h for h in n.histograms if h.type == h.STANDARD)
        assert sum(b.sample_count for b in standard.buckets) == pytest.approx(len(values))


def test_no_storage_read_session_and_only_the_partitions_selected_columns(
        bq_emulator: Emulator) -> None:
    """The read client is replaced by one that fails on any use: the engine must not touch it.
    The SQL names only the selected columns and selects the one day by a parameter."""
    import sqlglot

    from validator.sources.bigquery.clients import BigQueryClients
    from validator.sources.bigquery.stats_sql import build

    used: list[str] = []

    class NoReads:
        def __getattr__(self, name: str) -> Any:
            used.append(name)
            raise AssertionError(f"the warehouse engine used the Storage Read client ({name})")

    real: Any = bq_emulator.clients()
    clients = BigQueryClients(real.bigquery, NoReads(), real.project, real.endpoint)
    columns = ["country", "age", "cart_value"]
    source = {**partitioned_source(), "columns": columns}
    statistics, read = _compute(bq_emulator, source, dt.date(2026, 11, 4), _schema(), clients)
    assert used == []
    assert [f.path.step[0] for f in statistics.datasets[0].features] == columns
    assert read.rows == 2000 and read.bytes_read == 0
    assert read.extra["dry_run_bytes_processed"] == 0  # what the emulator reports; see above
    assert read.extra["bytes_processed"] == 0
    assert len(read.extra["query_job_ids"]) == 2

    from validator.engines.warehouse import schema_features
    from validator.sources.bigquery import stats_sql

    fields = [(f.name, f.field_type, f.mode) for f in real.bigquery.get_table(
        "dqv-test.dqv_sample.training_events").schema]
    plan = stats_sql.table_plan(stats_sql.TableName("dqv-test", "dqv_sample", "training_events"),
                                stats_sql.partition_condition("ds", "DATE", dt.date(2026, 11, 4)),
                                None)
    queries = build(plan, stats_sql.plan_columns(fields, schema_features(_schema()), columns))
    table = {"dqv-test", "dqv_sample", "training_events", "ds"}
    for sql, names in ((queries.aggregates, set(columns)), (queries.top_values, {"country"})):
        assert sql is not None
        sqlglot.parse_one(sql, read="bigquery")  # valid GoogleSQL
        # Every name from the table is a quoted identifier: these are all of them.
        quoted = set(re.findall(r"`((?:[^`\\]|\\.)*)`", sql))
        assert quoted == table | names  # top values: the categorical column only
        assert "`ds` = @dqv_ds" in sql  # the one partition, by a parameter
    assert [(p.name, p.value) for p in queries.params] == [("dqv_ds", dt.date(2026, 11, 4))]


def test_cost_cap_goes_into_the_jobs(bq_emulator: Emulator, tmp_path: pathlib.Path,
                                     run_dqv: Callable[..., Any]) -> None:
    """With a cap, the run still passes (the emulator's dry run says 0 bytes) and each job
    carries maximum_bytes_billed; a cap below a real estimate is unit-tested."""
    project = _project(tmp_path)
    write_bq_job(project, "wh", partitioned_source(maximum_bytes_billed=10**9), engine="warehouse")
    proc = run_dqv("run", "wh", "--ds", "2026-11-03", "--json", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"), env=bq_emulator.env)
    assert proc.returncode == 0, proc.stderr
    assert "BigQuery dry run: the warehouse statistics queries will process 0 B" in proc.stderr
    assert "Storage Read" not in proc.stderr
    record = json.loads(proc.stdout)
    jobs = [bq_emulator.clients().bigquery.get_job(j)  # type: ignore[attr-defined]
            for j in record["source_details"]["query_job_ids"]]
    assert [j.maximum_bytes_billed for j in jobs] == [10**9, 10**9]


def test_query_source(bq_emulator: Emulator, sample_runs: dict[str, Any], tmp_path: pathlib.Path,
                      run_dqv: Callable[..., Any]) -> None:
    """A `query:` source is wrapped as a subquery (its @ds a parameter): same findings."""
    project = _project(tmp_path)
    query = ("SELECT " + ", ".join(SAMPLE_COLUMNS) +
             " FROM dqv_sample.training_events WHERE ds = @ds")
    write_bq_job(project, "wh", {"query": query}, engine="warehouse")
    for ds in ("2026-11-03", "2026-11-08"):
        proc = run_dqv("run", "wh", "--ds", ds, "--json", "--project-dir", str(project),
                       "--artifact-root", str(project / "artifacts"), env=bq_emulator.env)
        record = json.loads(proc.stdout)
        assert record["error"] is None, record["error"]
        assert record["rows"] == 2000
        assert record["outcome"] == sample_runs[ds]["record"]["outcome"], ds
        assert _findings(record) == _findings(sample_runs[ds]["record"]), ds
        assert "table" not in record["source_details"]  # no destination table was read
