"""The same job over the sample data in local Parquet files and in the BigQuery emulator gives
the same verdicts, the same anomalies and the same statistics for every day.

The equality run reads date-sharded tables (`training_events_YYYYMMDD`, each DATE-partitioned on
`ds`) because a BigQuery table has one schema for all its partitions: only one table per day can
carry "a column is gone" (11-07) and "a FLOAT column arrives as text" (11-09) exactly as the files
do. The single partitioned table holding all days is checked too: there the dropped column is an
all-NULL column, which still blocks but is reported as FEATURE_TYPE_NOT_PRESENT.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import SAMPLE_DAYS
from tests.e2e.bigquery.jobs import partitioned_source, sharded_source, write_bq_job
from tests.support.bigquery import Emulator

Findings = set[tuple[str, str, str]]


def _findings(record: dict[str, Any]) -> Findings:
    return {(f["feature"], f["anomaly_type"], f["severity"]) for f in record["findings"]}


def _backfill(run_dqv: Callable[..., Any], project: pathlib.Path, job: str,
              emulator: Emulator) -> dict[str, dict[str, Any]]:
    proc = run_dqv("backfill", job, "--start", SAMPLE_DAYS[0], "--end", SAMPLE_DAYS[-1], "--json",
                   "--quiet", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"), env=emulator.env)
    assert proc.stdout, proc.stderr
    return {r["ds"]: r for r in json.loads(proc.stdout)}


@pytest.fixture(scope="module")
def sharded_runs(bq_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory,
                 ) -> dict[str, dict[str, Any]]:
    from tests.conftest import dqv

    project = _project(tmp_path_factory.mktemp("bq-sharded"))
    write_bq_job(project, "training_events_bq", sharded_source())
    return _backfill(dqv, project, "training_events_bq", bq_emulator)


def _project(folder: pathlib.Path) -> pathlib.Path:
    import shutil

    from tests.conftest import REPO

    (folder / "jobs").mkdir()
    shutil.copytree(REPO / "schemas", folder / "schemas")
    shutil.copy(REPO / "jobs" / "training_events.yaml", folder / "jobs")
    return folder


@pytest.mark.parametrize("ds", SAMPLE_DAYS)
def test_same_verdict_and_anomalies_as_local_files(sample_runs: dict[str, Any],
                                                   sharded_runs: dict[str, dict[str, Any]],
                                                   ds: str) -> None:
    local, bq = sample_runs[ds]["record"], sharded_runs[ds]
    assert bq["error"] is None, bq["error"]
    assert bq["outcome"] == local["outcome"]
    assert _findings(bq) == _findings(local)
    assert bq["rows"] == local["rows"] == 2000
    assert bq["source_uri"] == f"bq://dqv-test.dqv_sample.training_events_{ds.replace('-', '')}" \
                               f"${ds.replace('-', '')}"
    # Drift is measured against the same baseline day with the same values.
    assert bq["baseline_ds"] == local["baseline_ds"]
    drift = {(m["feature"], m["kind"]): m["value"] for m in bq["measurements"]}
    assert drift == pytest.approx({(m["feature"], m["kind"]): m["value"]
                                   for m in local["measurements"]})


@pytest.mark.parametrize("ds", ["2026-11-03", "2026-11-07", "2026-11-09"])
def test_same_statistics_as_local_files(sample_runs: dict[str, Any],
                                        sharded_runs: dict[str, dict[str, Any]], ds: str) -> None:
    from validator.history.baselines import read_statistics

    local = read_statistics(sample_runs[ds]["record"]["statistics"])
    bq = read_statistics(sharded_runs[ds]["statistics"])
    by_path = {tuple(f.path.step): f for f in bq.datasets[0].features}
    assert bq.datasets[0].num_examples == local.datasets[0].num_examples
    for feature in local.datasets[0].features:
        other = by_path.pop(tuple(feature.path.step))
        assert other.type == feature.type, feature.path
        if feature.HasField("num_stats"):
            assert other.num_stats.mean == pytest.approx(feature.num_stats.mean)
            assert other.num_stats.std_dev == pytest.approx(feature.num_stats.std_dev)
            assert other.num_stats.common_stats.num_non_missing == \
                feature.num_stats.common_stats.num_non_missing
        if feature.HasField("string_stats"):
            assert other.string_stats.unique == feature.string_stats.unique
            assert _ranked(other) == _ranked(feature), feature.path
    assert not by_path, f"BigQuery read extra columns: {list(by_path)}"


def _ranked(feature: Any) -> tuple[list[float], dict[str, float]]:
    """The rank histogram's counts, and the labels above the cut-off count: which of several
    values tied at the cut-off makes the list depends on row order, which a table need not keep."""
    buckets = feature.string_stats.rank_histogram.buckets
    counts = sorted(b.sample_count for b in buckets)
    floor = counts[0] if counts else 0
    return counts, {b.label: b.sample_count for b in buckets if b.sample_count > floor}


def test_run_json_reports_the_read(sharded_runs: dict[str, dict[str, Any]]) -> None:
    record = sharded_runs["2026-11-03"]
    details = record["source_details"]
    assert details["table"] == "dqv-test.dqv_sample.training_events_20261103"
    assert details["row_restriction"] == "`ds` = DATE '2026-11-03'"
    assert details["streams"] >= 1
    assert details["estimated_bytes_scanned"] > 0
    assert record["bytes_read"] > 0  # Arrow bytes received over the Storage Read API


# The one partitioned table: verdicts match on every day; 11-07's dropped column is all-NULL.
UNIFIED_DIFFERENCES: dict[str, Findings] = {
    "2026-11-07": {("account_age_days", "FEATURE_TYPE_NOT_PRESENT", "error")},
}


def test_one_partitioned_table_gives_the_same_verdicts(
        bq_emulator: Emulator, sample_runs: dict[str, Any], tmp_path: pathlib.Path,
        run_dqv: Callable[..., Any]) -> None:
    project = _project(tmp_path)
    write_bq_job(project, "training_events_bq", partitioned_source())
    runs = _backfill(run_dqv, project, "training_events_bq", bq_emulator)
    for ds in SAMPLE_DAYS:
        local, bq = sample_runs[ds]["record"], runs[ds]
        assert bq["error"] is None, (ds, bq["error"])
        assert bq["outcome"] == local["outcome"], ds
        assert bq["rows"] == 2000, ds
        assert _findings(bq) == UNIFIED_DIFFERENCES.get(ds, _findings(local)), ds
